// What learners and teachers stumbled on (issue 13), each as the browser shows it: phone widths, the
// keyboard, the status line, the embedded sizes, a course page's own styles, a page opened from disk,
// and a copy of the lab without its WebGPU module.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { start, ready, epoch, stepTimes, screenshot } from './browser.mjs';
import { nativeHistory } from './native.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let browser;
before(async () => { browser = await start(); });
after(async () => { await browser.close(); });

const SMALL = '/?hidden=8&layers=1&points=200&window=5';

/** Visible elements whose right edge passes the viewport's (content that scrolls inside a box of its
 * own, like the architecture diagram on a phone, is the box's, not the page's). */
async function overflowing(page) {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const scrollsInside = (e) => {
      for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
        const clips = ['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(a).overflowX);
        if (clips && a.getBoundingClientRect().right <= width + 0.5) return true;
      }
      return false;
    };
    return [...document.querySelectorAll('body *')]
      .filter((e) => e.getClientRects().length && e.getBoundingClientRect().right > width + 0.5 && !e.closest('.visually-hidden') && !scrollsInside(e))
      .map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}.${e.getAttribute('class')}: right ${Math.round(e.getBoundingClientRect().right)} > ${width}`)
      .slice(0, 5);
  });
}

test('nothing overflows sideways at 360 and 390 px, for every cell, light and dark', async () => {
  for (const width of [360, 390]) {
    for (const cell of ['cho', 'lstm']) {
      for (const colorScheme of ['light', 'dark']) {
        const page = await browser.browser.newPage({ viewport: { width, height: 844 }, colorScheme });
        await page.goto(`${browser.base}/?cell=${cell}&dive=all`);
        await ready(page);
        await page.click('#step');
        await page.waitForFunction(() => window.gruLab.drawnEpoch === 1);
        assert.deepEqual(await overflowing(page), [], `${width} px, ${cell}, ${colorScheme}`);
        const scroll = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.equal(scroll, 0, `${width} px, ${cell}, ${colorScheme}: the page scrolls sideways by ${scroll} px`);
        if (width === 390 && colorScheme === 'dark' && cell === 'cho') await screenshot(page, 'phone-dark');
        await page.close();
      }
    }
  }
});

test('the shortcuts work after a click on Step: → steps, Space plays and pauses, R resets', async () => {
  const page = await browser.page(SMALL);
  await ready(page);
  await page.click('#step');
  await page.waitForFunction(() => window.gruLab.epoch === 1);
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => window.gruLab.epoch === 2);
  await page.keyboard.press(' ');
  await page.waitForFunction(() => window.gruLab.playing && window.gruLab.epoch > 4);
  await page.keyboard.press(' ');
  await page.waitForFunction(() => !window.gruLab.playing);
  assert.equal(await page.getAttribute('#play', 'aria-pressed'), 'false');
  await page.keyboard.press('r');
  await page.waitForFunction(() => window.gruLab.epoch === 0 && document.querySelector('#epoch').textContent === '0');
  // In a text field the keys are the field's.
  await page.focus('#cfg-hidden');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('r');
  await page.waitForTimeout(200);
  assert.equal(await page.evaluate(() => window.gruLab.epoch), 0);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a typed learning rate shows in the status line at once; Play at the last epoch says why it does nothing', async () => {
  const page = await browser.page(`${SMALL}&epochs=2`);
  await ready(page);
  await page.fill('#cfg-lr', '1');
  await page.dispatchEvent('#cfg-lr', 'change');
  await page.waitForFunction(() => /lr 1\.00\b/.test(document.querySelector('.status').textContent));
  await stepTimes(page, 2);
  await page.click('#play');
  await page.waitForFunction(() => !document.querySelector('#message').hidden);
  assert.match(await page.textContent('#message'), /all 2 epochs done: raise epochs or press Reset/);
  assert.equal(await epoch(page), 2);
  await page.close();
});

test('one deep dive at a time: tabs, keys 1–4 and ←/→ switch; the URL keeps it; a hidden panel catches up when shown', async () => {
  for (const width of [1400, 390]) {
    const page = await browser.page(SMALL, { width, height: 900 });
    await ready(page);
    const visible = () => page.evaluate(() => ['gates', 'cell-picture', 'equations', 'gradients', 'forecast', 'architecture']
      .filter((id) => { const e = document.getElementById(id === 'gates' || id === 'gradients' || id === 'forecast' ? `${id}-chart` : id); return e && e.getClientRects().length > 0; }));
    assert.deepEqual(await page.$$eval('[role=tab]', (t) => t.map((x) => [x.textContent, x.getAttribute('aria-selected')])),
      [['Gates', 'true'], ['Gradient', 'false'], ['Forecast', 'false'], ['Architecture', 'false']]);
    assert.deepEqual(await visible(), ['gates', 'cell-picture', 'equations']);
    // Each tab names its panels, and each panel its tab (the WAI-ARIA tabs pattern).
    const named = await page.$$eval('[role=tab]', (tabs) => tabs.map((tab) => tab.getAttribute('aria-controls').split(' ')
      .map((id) => { const panel = document.getElementById(id); return `${panel.getAttribute('role')} ${panel.getAttribute('aria-labelledby') === tab.id}`; })));
    assert.deepEqual(named, [
      ['tabpanel true', 'tabpanel true', 'tabpanel true'], ['tabpanel true'], ['tabpanel true'], ['tabpanel true']]);
    await stepTimes(page, 2);
    // Trained while hidden, the gradient panel draws epoch 2 as soon as its tab opens.
    await page.click('#dive-gradients');
    await page.waitForFunction(() => /Epoch 2/.test(document.querySelector('.gradient-caption').textContent));
    assert.deepEqual(await visible(), ['gradients']);
    assert.equal(new URL(page.url()).searchParams.get('dive'), 'gradients');
    // ←/→ on the focused tabs (not a training step), then a digit key from anywhere.
    await page.focus('#dive-gradients');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'dive-forecast');
    await page.waitForFunction(() => /starting points/.test(document.querySelector('#forecast-caption').textContent));
    assert.deepEqual(await visible(), ['forecast']);
    await page.keyboard.press('4');
    await page.waitForFunction(() => document.querySelector('#architecture svg'));
    assert.equal(await page.evaluate(() => document.activeElement.id), 'dive-architecture', 'focus follows a digit key from the tabs');
    assert.deepEqual(await visible(), ['architecture']);
    assert.equal(await epoch(page), 2, 'the tabs\' keys did not train');
    assert.deepEqual(await overflowing(page), [], `${width} px`);
    if (width === 390) await screenshot(page, 'deep-dive-phone');
    // A shared link opens the same deep dive; a bad one is named and the gates show.
    const again = await browser.page(`${SMALL}&dive=architecture`, { width, height: 900 });
    await ready(again);
    assert.equal(await again.evaluate(() => window.gruLab.dive), 'architecture');
    await again.close();
    const bad = await browser.page(`${SMALL}&dive=weights`, { width, height: 900 });
    await ready(bad);
    assert.match(await bad.textContent('.message'), /dive = "weights" is not allowed: dive must be one of gates, gradients, forecast, architecture, all/);
    assert.equal(await bad.evaluate(() => window.gruLab.dive), 'gates');
    bad.problems.length = 0;
    await bad.close();
    assert.deepEqual(page.problems, []);
    await page.close();
  }
});

test('each chart\'s numbers as a table on demand: the loss table holds the run\'s losses, the gates table every unit', async () => {
  const page = await browser.page(SMALL);
  await ready(page);
  await stepTimes(page, 3);
  assert.equal(await page.isVisible('#loss-table'), false);
  await page.click('#loss-table-button');
  await page.waitForFunction(() => document.querySelectorAll('#loss-table tbody tr').length === 3);
  assert.equal(await page.getAttribute('#loss-table-button', 'aria-expanded'), 'true');
  assert.deepEqual(await page.$$eval('#loss-table th', (th) => th.map((x) => x.textContent)), ['epoch', 'training loss', 'validation loss', 'learning rate']);
  const shown = await page.$$eval('#loss-table tbody tr', (rows) => rows.map((r) => Number(r.children[1].textContent)));
  const losses = await page.evaluate(() => window.gruLab.losses);
  shown.forEach((v, i) => assert.ok(Math.abs(v - losses[i]) <= 1e-4 * Math.abs(losses[i]), `epoch ${i + 1}: ${v} against ${losses[i]}`));
  // The open table follows training.
  await stepTimes(page, 1);
  await page.waitForFunction(() => document.querySelectorAll('#loss-table tbody tr').length === 4);
  // The gates of the shown window: 1 layer × 5 steps × 8 units, a column per quantity (cho: z, r, n, h).
  await page.click('#gates-table-button');
  await page.waitForFunction(() => document.querySelectorAll('#gates-table tbody tr').length === 40);
  assert.equal(await page.$$eval('#gates-table thead th', (th) => th.length), 3 + 4);
  await page.click('#loss-table-button');
  assert.equal(await page.isVisible('#loss-table'), false);
  assert.equal(await page.textContent('#loss-table-button'), 'Table');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('the charts take keyboard focus: arrows choose a sample and read its values, and walk the heatmap cells', async () => {
  const page = await browser.page(SMALL);
  await ready(page);
  await stepTimes(page, 1);
  await page.focus('#prediction-chart');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => /sample #2 · t = /.test(document.querySelector('.sample-label').textContent));
  assert.match(await page.textContent('.sample-label'), /truth -?\d\.\d{4} · prediction -?\d\.\d{4}/);
  assert.equal(await page.inputValue('#sample'), '2');
  await page.keyboard.press('PageUp');
  await page.waitForFunction((want) => document.querySelector('#sample').value === want, String(2 + Math.round(195 / 20)));
  await page.focus('#gates-chart');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowDown');
  await page.waitForFunction(() => /^layer 1 · step 2 · unit 2: z = σ\(/.test(document.querySelector('.gate-readout').textContent));
  assert.equal(await page.$eval('#equations li.highlight', (li) => li.dataset.gate), 'z');
  await page.keyboard.press('PageDown');
  await page.waitForFunction(() => /^layer 1 · step 2 · unit 2: r = σ\(/.test(document.querySelector('.gate-readout').textContent));
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('the cell select names each cell for a learner, and the gates panel says what sets the cell apart', async () => {
  const page = await browser.page(SMALL);
  await ready(page);
  const options = await page.$$eval('#cfg-cell option', (o) => o.map((x) => [x.value, x.textContent]));
  assert.deepEqual(options.map(([v]) => v), ['cho', 'pytorch', 'lstm', 'rnn']);
  assert.match(options[0][1], /tutorial/);
  assert.match(options[1][1], /PyTorch/);
  assert.match(await page.textContent('.cell-about'), /z ≈ 1 takes the new candidate/);
  await page.selectOption('#cfg-cell', 'pytorch');
  await page.waitForFunction(() => /z ≈ 1 keeps the old state/.test(document.querySelector('.cell-about').textContent));
  assert.match(await page.textContent('.gate-meanings'), /z.*keeps/);
  await page.close();
});

test('controls can leave out the file buttons; without the gates panel there is no sample slider', async () => {
  const page = await browser.page(`${SMALL}&controls=step,play,reset&panels=prediction,loss`);
  await ready(page);
  for (const id of ['#save', '#save-pth', '#load']) assert.equal(await page.$(id), null, id);
  assert.equal(await page.isVisible('#sample'), false);
  const full = await browser.page(SMALL);
  await ready(full);
  for (const id of ['#save', '#save-pth']) assert.equal(await full.isVisible(id), true, id);
  assert.equal(await full.isVisible('#sample'), true);
  await page.close();
  await full.close();
});

test('a course page keeps its own body margin and font after mount()', async () => {
  const page = await browser.browser.newPage();
  const host = `${browser.base}/www/examples/host-page.html`;
  await page.route(host, (route) => route.fulfill({
    contentType: 'text/html',
    body: `<!doctype html><html><head><link rel="stylesheet" href="../lab/lab.css">
      <style>body { margin: 30px; font: 18px/1.6 Georgia, serif; }</style></head>
      <body><h1>Lesson</h1><div id="lab"></div></body></html>`,
  }));
  await page.goto(host);
  const style = () => page.evaluate(() => {
    const s = getComputedStyle(document.body);
    const h = getComputedStyle(document.querySelector('h1'));
    return { margin: s.margin, font: s.font, background: s.backgroundColor, color: s.color, h1: h.font, sizing: getComputedStyle(document.querySelector('h1')).boxSizing };
  });
  const before = await style();
  await page.evaluate(async () => {
    const { mount } = await import('/www/lab.js');
    window.lab = await mount(document.getElementById('lab'), { hidden: 4, layers: 1, panels: ['prediction', 'loss'] });
    await window.lab.step();
  });
  assert.deepEqual(await style(), before);
  assert.equal(await page.evaluate(() => window.lab.epoch), 1);
  await page.close();
});

test('opened from disk (file://), the page says it must be served, and how', async () => {
  const page = await browser.browser.newPage();
  await page.goto(pathToFileURL(join(ROOT, 'dist', 'index.html')).href);
  await page.waitForSelector('.file-warning');
  assert.match(await page.textContent('.file-warning'), /has to be served over http.*make serve/);
  await page.close();
});

test('embedded at 720×480, the documented panel sets fit without scrolling, before and after training', async () => {
  const page = await browser.browser.newPage({ viewport: { width: 800, height: 600 } });
  const sets = [
    'panels=prediction,loss,gates&controls=step,play,reset,lr',
    'panels=prediction,loss&controls=step,play,reset,hidden,lr',
    'panels=gates&controls=step,play,reset',
  ];
  for (const set of sets) {
    const host = `${browser.base}/www/examples/frame-host.html`;
    await page.unroute(host);
    await page.route(host, (route) => route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><body style="margin:0"><iframe id="f" width="720" height="480" style="border:0"
        src="/index.html?embed=1&hidden=8&layers=1&cell=pytorch&${set}"></iframe></body>`,
    }));
    await page.goto(host);
    const frame = page.frameLocator('#f');
    await frame.locator('#backend').filter({ hasText: /ndarray|WebGPU/ }).waitFor();
    const size = async () => page.frames()[1].evaluate(() => ({ h: document.documentElement.scrollHeight, w: document.documentElement.scrollWidth }));
    const fresh = await size();
    await page.frames()[1].evaluate(async () => { for (let i = 0; i < 3; i++) await window.gruLab.step(); });
    const trained = await size();
    for (const [when, s] of [['fresh', fresh], ['after 3 epochs', trained]]) {
      assert.ok(s.h <= 480 && s.w <= 720, `${set}, ${when}: the embedded document is ${s.w}×${s.h}`);
    }
    if (set === sets[0]) await screenshot(page, 'embed-720x480');
  }
  await page.close();
});

test('without its WebGPU module (a copy that leaves it out), the lab trains on the CPU and says why', async () => {
  const gpu = await start({ webgpu: true });
  try {
    const page = await gpu.browser.newPage();
    page.problems = [];
    await page.route(/\/gru-lab(_bg\.wasm|\.js)$/, (route) => (/\/cpu(-fma)?\//.test(route.request().url()) ? route.continue() : route.fulfill({ status: 404, body: '' })));
    await page.goto(`${gpu.base}${SMALL}`);
    await ready(page);
    // backend=auto starts on the CPU module, and its WebGPU trial finds the module missing.
    await page.waitForFunction(() => /ndarray \(the WebGPU module did not load\)/.test(document.querySelector('#backend').textContent), null, { timeout: 60_000 });
    await page.evaluate(() => window.gruLab.step());
    assert.equal(await page.evaluate(() => window.gruLab.epoch), 1);
    await page.close();
  } finally {
    await gpu.close();
  }
});

// The CPU module comes in two builds (scripts/build-cpu-module.sh): Chromium validates relaxed SIMD, so
// the page and its worker load cpu-fma/ (fused multiply-adds); a browser without it, or a copy that
// leaves cpu-fma/ out, gets cpu/. Either trains the native run of the same seed.
test('the CPU module with fused multiply-adds where relaxed SIMD validates, the plain one otherwise; both train the native run', async () => {
  const config = { cell: 'lstm', hidden: 8, layers: 2, points: 200, window: 5 };
  const native = nativeHistory(config, 3).map((r) => r.loss);
  for (const fma of [true, false]) {
    const page = await browser.browser.newPage();
    page.problems = [];
    page.on('pageerror', (err) => page.problems.push(err.message));
    const fetched = [];
    page.on('request', (r) => { if (r.url().endsWith('_bg.wasm')) fetched.push(new URL(r.url()).pathname); });
    if (!fma) await page.route(/\/cpu-fma\//, (route) => route.fulfill({ status: 404, body: '' }));
    await page.goto(`${browser.base}/?backend=ndarray&${new URLSearchParams(Object.entries(config).map(([k, v]) => [k, String(v)]))}`);
    await ready(page);
    await stepTimes(page, 3);
    const losses = await page.evaluate(() => window.gruLab.losses);
    losses.forEach((loss, e) => assert.ok(Math.abs(loss - native[e]) <= 1e-4 * native[e], `fma ${fma}, epoch ${e + 1}: page ${loss}, native ${native[e]}`));
    const used = fma ? '/cpu-fma/gru-lab_bg.wasm' : '/cpu/gru-lab_bg.wasm';
    assert.ok(fetched.includes(used), `fma ${fma}: fetched ${fetched}`);
    assert.ok(!fetched.includes('/cpu/gru-lab_bg.wasm') || !fma, `fma ${fma}: the plain build fetched too: ${fetched}`);
    assert.deepEqual(page.problems, []);
    await page.close();
  }
});
