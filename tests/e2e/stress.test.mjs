// Re-entrancy and endurance: 1,000 seeded random UI actions, and a 2,000-epoch soak with memory read
// at epochs 200 and 2,000.
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

test('a 2,000-epoch soak keeps memory flat: epoch 2,000 within 10% of epoch 200', async () => {
  const page = await browser.page('/?hidden=4&layers=1&points=50&window=5&epochs=2000&dropout=0');
  await ready(page);
  const result = await page.evaluate(async () => {
    const lab = window.gruLab;
    const sample = async () => {
      await new Promise((r) => setTimeout(r, 300));
      window.gc();
      return { heap: performance.memory.usedJSHeapSize, wasm: (await lab.workerMemory()).wasmBytes };
    };
    let at200 = null;
    while (lab.epoch < 2000) {
      await lab.step();
      if (lab.epoch === 200) at200 = await sample();
    }
    return { at200, at2000: await sample() };
  });
  const { at200, at2000 } = result;
  console.log(`# soak: epoch 200 heap ${(at200.heap / 1e6).toFixed(2)} MB, wasm ${(at200.wasm / 1e6).toFixed(2)} MB; `
    + `epoch 2000 heap ${(at2000.heap / 1e6).toFixed(2)} MB, wasm ${(at2000.wasm / 1e6).toFixed(2)} MB`);
  assert.ok(at2000.wasm <= at200.wasm * 1.1, `wasm memory grew from ${at200.wasm} to ${at2000.wasm}`);
  assert.ok(at2000.heap <= at200.heap * 1.1, `JS heap grew from ${at200.heap} to ${at2000.heap}`);
  assert.deepEqual(page.problems, []);
  await page.close();
});
