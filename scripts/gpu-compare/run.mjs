// Opens compare.sh's page (page.js) in headless Chromium with SwiftShader's WebGPU and prints its result.
import { chromium } from 'playwright-core';
import { serve } from '../serve.mjs';

const server = await serve(process.argv[2], 0);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-quic', '--no-first-run', '--enable-unsafe-webgpu'],
});
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/index.html`);
  await page.waitForFunction(() => window.result, null, { timeout: 120_000 });
  console.log(JSON.stringify(await page.evaluate(() => window.result)));
} finally {
  await browser.close();
  server.close();
}
