// Re-entrancy and endurance: 1,000 seeded random UI actions, and a 1,200-epoch soak of the tutorial
// config with memory read at epochs 1, 200 and 1,200 (the history within its budget), and the largest model on two workers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, ready } from './browser.mjs';

let browser;
before(async () => { browser = await start(); });
after(async () => { await browser.close(); });

/** Mulberry32: a seeded generator, so a failing sequence can be replayed with its seed. */
function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('1,000 random clicks and edits (seeded): no panic, no console error, a consistent final state', async () => {
  const seed = Number(process.env.GRU_LAB_ACTION_SEED || 20261124);
  const page = await browser.page('/?hidden=4&layers=1&points=50&window=5&epochs=400&dropout=0');
  await ready(page);
  const random = generator(seed);
  const pick = (items) => items[Math.floor(random() * items.length)];
  const log = [];
  for (let i = 0; i < 1000; i++) {
    const action = pick(['step', 'step', 'step', 'step', 'play', 'play', 'pause', 'pause', 'key', 'key', 'lr',
      'sample', 'sample', 'bad', 'reset', 'hidden', 'cell']);
    log.push(action);
    switch (action) {
      case 'step': await page.click('#step', { noWaitAfter: true }); break;
      case 'play': await page.click('#play', { noWaitAfter: true }); break;
      case 'pause': await page.evaluate(() => window.gruLab.pause()); break;
      case 'reset': await page.click('#reset', { noWaitAfter: true }); break;
      case 'key': await page.keyboard.press(pick(['ArrowRight', ' ', 'r'])); break;
      case 'lr': await page.fill('#cfg-lr', pick(['0.01', '0.005', '0.02'])); await page.dispatchEvent('#cfg-lr', 'change'); break;
      case 'hidden': await page.fill('#cfg-hidden', pick(['3', '4', '5'])); await page.dispatchEvent('#cfg-hidden', 'change'); break;
      case 'cell': await page.selectOption('#cfg-cell', pick(['cho', 'pytorch'])); break;
      case 'sample':
        await page.$eval('#sample', (el, v) => { el.value = v; el.dispatchEvent(new Event('input')); }, String(Math.floor(random() * 40)));
        break;
      case 'bad': await page.fill('#cfg-hidden', pick(['0', '-1', '999'])); await page.dispatchEvent('#cfg-hidden', 'change'); break;
    }
    if (random() < 0.3) await page.waitForTimeout(Math.floor(random() * 30));
  }
  // Let everything in flight settle, then check that the counter, the drawn history and the trainer agree.
  await page.evaluate(() => window.gruLab.pause());
  await page.waitForFunction(() => window.gruLab.epoch === window.gruLab.trainedEpochs, null, { timeout: 60_000 });
  await page.waitForTimeout(500);
  const state = await page.evaluate(() => ({
    shown: Number(document.querySelector('#epoch').textContent),
    history: window.gruLab.epoch,
    trained: window.gruLab.trainedEpochs,
  }));
  assert.equal(state.shown, state.history, `seed ${seed}: counter vs history`);
  assert.equal(state.history, state.trained, `seed ${seed}: history vs trainer`);
  await page.click('#step');
  await page.waitForFunction((n) => window.gruLab.epoch === n + 1 || window.gruLab.epoch === 400, state.history);
  const counts = log.reduce((m, a) => ({ ...m, [a]: (m[a] || 0) + 1 }), {});
  console.log(`# seed ${seed}, final epoch ${state.history}, actions ${JSON.stringify(counts)}`);
  assert.deepEqual(page.problems.filter((p) => !/hidden = "(0|-1|999)"/.test(p)), [], `seed ${seed}`);
  await page.close();
});

test('the largest model on two workers: the tape stays within its pieces, memory flat from epoch 15 to 30', async () => {
  // Hidden 128, 4 layers, windows of 50 (one pass over this batch would keep ~110 MB of tape; a piece
  // keeps at most 64 MB), 2 shards shared with a helper worker. A kept state is ~4 MB here, so the
  // history fills its 64 MB by epoch ~15 and then thins.
  const page = await browser.page('/?hidden=128&layers=4&window=50&points=180&epochs=30&workers=2');
  await ready(page);
  const result = await page.evaluate(async () => {
    const lab = window.gruLab;
    const sample = async () => {
      await new Promise((r) => setTimeout(r, 300));
      window.gc();
      return { heap: performance.memory.usedJSHeapSize, wasm: (await lab.workerMemory()).wasmBytes, history: lab.history, workers: lab.workers };
    };
    const played = lab.play();
    while (lab.epoch < 15) await new Promise((r) => setTimeout(r, 20));
    await lab.pause();
    const at15 = await sample();
    await lab.play();
    await played;
    return { at15, at30: await sample(), epoch: lab.epoch };
  });
  const { at15, at30 } = result;
  const mb = (b) => (b / 1e6).toFixed(2);
  console.log(`# soak (128 × 4, windows of 50, ${at30.workers.count} workers): epoch 15 heap ${mb(at15.heap)} MB, wasm ${mb(at15.wasm)} MB; `
    + `epoch 30 heap ${mb(at30.heap)} MB, wasm ${mb(at30.wasm)} MB, history ${mb(at30.history.bytes)} MB every ${at30.history.stride}`);
  assert.equal(result.epoch, 30);
  assert.equal(at30.workers.count, 2);
  assert.ok(at30.wasm - at15.wasm <= 16 << 20, `wasm memory grew from ${at15.wasm} to ${at30.wasm}`);
  assert.ok(at30.heap <= at15.heap * 1.15, `JS heap grew from ${at15.heap} to ${at30.heap}`);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('1,200 epochs of the tutorial config: the history stays within its budget, the JS heap flat', async () => {
  // The tutorial's 2×32 GRU: every epoch's state (weights and Adam's moments, ~117 KB) is kept up to the
  // 64 MB budget, then every 2nd, 4th, … (src/history.rs); the page's own columns are 8 bytes an epoch.
  const page = await browser.page('/?epochs=1200');
  await ready(page);
  const result = await page.evaluate(async () => {
    const lab = window.gruLab;
    const sample = async () => {
      await new Promise((r) => setTimeout(r, 300));
      window.gc();
      return { heap: performance.memory.usedJSHeapSize, wasm: (await lab.workerMemory()).wasmBytes, history: lab.history };
    };
    await lab.step();
    const at1 = await sample();
    const played = lab.play();
    while (lab.epoch < 200) await new Promise((r) => setTimeout(r, 20));
    await lab.pause();
    const at200 = await sample();
    await lab.play();
    await played;
    return { at1, at200, atEnd: await sample(), epoch: lab.epoch };
  });
  const { at1, at200, atEnd } = result;
  const mb = (b) => (b / 1e6).toFixed(2);
  console.log(`# soak (tutorial config): epoch 1 wasm ${mb(at1.wasm)} MB; epoch 200 heap ${mb(at200.heap)} MB, wasm ${mb(at200.wasm)} MB, `
    + `history ${mb(at200.history.bytes)} MB every ${at200.history.stride}; epoch 1200 heap ${mb(atEnd.heap)} MB, wasm ${mb(atEnd.wasm)} MB, `
    + `history ${mb(atEnd.history.bytes)} MB in ${atEnd.history.kept} states, every ${atEnd.history.stride}`);
  assert.equal(result.epoch, 1200);
  const budget = atEnd.history.budget;
  assert.ok(atEnd.history.bytes <= budget, `history ${atEnd.history.bytes} over its budget ${budget}`);
  assert.ok(atEnd.history.stride > 1, 'past the budget, every k-th epoch is kept');
  // The worker's memory grows by the kept states only (wasm memory never shrinks: the peak counts).
  assert.ok(atEnd.wasm - at1.wasm <= budget * 1.25, `wasm memory grew from ${at1.wasm} to ${atEnd.wasm}`);
  assert.ok(atEnd.heap <= at200.heap * 1.15, `JS heap grew from ${at200.heap} to ${atEnd.heap}`);
  assert.deepEqual(page.problems, []);
  await page.close();
});
