// Shared set-up of the browser tests: a static server over dist/, headless Debian Chromium driven by
// playwright-core (never a downloaded browser), console errors collected, screenshots saved.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '../../scripts/serve.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ARTIFACTS = join(ROOT, 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

export async function start({ webgpu = false } = {}) {
  // Playwright gives every launch a fresh, empty user-data-dir of its own.
  const args = [
    '--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync',
  ];
  if (webgpu) args.push('--enable-unsafe-webgpu');
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args, headless: true });
  const server = await serve(join(ROOT, 'dist'), 0);
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    base,
    browser,
    async page(path, { width = 1400, height = 1000 } = {}) {
      const page = await browser.newPage({ viewport: { width, height }, deviceScaleFactor: 1 });
      page.problems = [];
      page.on('console', (msg) => { if (msg.type() === 'error') page.problems.push(`console error: ${msg.text()}`); });
      page.on('pageerror', (err) => page.problems.push(`page error: ${err.message}`));
      await page.goto(base + path);
      return page;
    },
    async close() {
      await browser.close();
      server.close();
    },
  };
}

/** Waits until the lab reports a backend (the worker created its session). */
export async function ready(page, timeout = 60_000) {
  await page.waitForFunction(() => {
    const b = document.querySelector('#backend');
    return b && /WebGPU|ndarray/.test(b.textContent) && window.gruLab;
  }, null, { timeout });
}

export async function epoch(page) {
  return Number(await page.textContent('#epoch'));
}

export async function stepTimes(page, n, timeout = 120_000) {
  const start = await epoch(page);
  for (let i = 1; i <= n; i++) {
    await page.click('#step');
    await page.waitForFunction((want) => Number(document.querySelector('#epoch').textContent) >= want, start + i, { timeout });
  }
}

/** Distinct colours in a canvas: a blank or single-colour canvas has 1. */
export async function colours(page, selector) {
  return page.$eval(selector, (canvas) => {
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    const seen = new Set();
    for (let i = 0; i < data.length; i += 16) seen.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
    return seen.size;
  });
}

export async function screenshot(page, name) {
  // A full-page screenshot resizes the viewport, which clears every canvas (a resized canvas is blank
  // until the lab redraws it, a frame or more later): make the viewport as tall as the page first, let
  // the lab redraw, then take the picture, and give the viewport back.
  const viewport = page.viewportSize();
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  if (height > viewport.height) {
    await page.setViewportSize({ width: viewport.width, height });
    await page.waitForTimeout(600);
  }
  // caret: 'initial' keeps Playwright from injecting a style element, which the page's CSP refuses.
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true, caret: 'initial' });
  if (height > viewport.height) await page.setViewportSize(viewport);
}

/** Counts the GPU work of `page`'s training worker (issue 18): every compute dispatch, queue submit
 * and buffer map from now on, by wrapping `GPUComputePassEncoder.prototype.dispatchWorkgroups`,
 * `GPUQueue.prototype.submit` and `GPUBuffer.prototype.mapAsync` in that worker. Resolves
 * `{read(), reset()}`; `read()` resolves `{dispatches, submits, maps}` since the last reset. */
export async function countGpuWork(page) {
  const worker = page.workers().find((w) => new URL(w.url()).pathname.endsWith('/lab/worker.js'));
  if (!worker) throw new Error('countGpuWork: the page has no training worker yet');
  await worker.evaluate(() => {
    if (self.gruLabGpuWork) return;
    const counts = { dispatches: 0, submits: 0, maps: 0 };
    self.gruLabGpuWork = counts;
    const wrap = (proto, method, key) => {
      const original = proto[method];
      proto[method] = function (...args) {
        counts[key]++;
        return original.apply(this, args);
      };
    };
    wrap(GPUComputePassEncoder.prototype, 'dispatchWorkgroups', 'dispatches');
    wrap(GPUQueue.prototype, 'submit', 'submits');
    wrap(GPUBuffer.prototype, 'mapAsync', 'maps');
  });
  return {
    read: () => worker.evaluate(() => ({ ...self.gruLabGpuWork })),
    reset: () => worker.evaluate(() => { Object.assign(self.gruLabGpuWork, { dispatches: 0, submits: 0, maps: 0 }); }),
  };
}

/** The bytes of the JavaScript objects `page` holds after a full collection, read from a heap
 * snapshot: every node but compiled code and native (browser and wasm) memory. `usedJSHeapSize` also
 * counts the code V8 compiles and flushes on its own, which moved by ±0.3 MB between readings of the
 * same page; the objects held moved by under 1.5 KB. */
export async function heldObjectBytes(page) {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('HeapProfiler.collectGarbage');
    const chunks = [];
    cdp.on('HeapProfiler.addHeapSnapshotChunk', ({ chunk }) => chunks.push(chunk));
    await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    const { snapshot, nodes } = JSON.parse(chunks.join(''));
    const fields = snapshot.meta.node_fields;
    const names = snapshot.meta.node_types[fields.indexOf('type')];
    const [type, size] = [fields.indexOf('type'), fields.indexOf('self_size')];
    let bytes = 0;
    for (let i = 0; i < nodes.length; i += fields.length) {
      if (names[nodes[i + type]] !== 'code' && names[nodes[i + type]] !== 'native') bytes += nodes[i + size];
    }
    return bytes;
  } finally {
    await cdp.detach();
  }
}
