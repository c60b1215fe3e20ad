// Play at the speed of training: the worker trains ahead and streams reports, the page draws the newest
// snapshot at most once per frame. Step still draws every epoch; Pause, Reset, a config change and a
// learning-rate change act at an epoch boundary and leave nothing stale on screen; onEpoch keeps its
// contract (every epoch, every field) and onReport is the light subscription.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, ready, epoch, stepTimes } from './browser.mjs';

let browser;
before(async () => { browser = await start(); });
after(async () => { await browser.close(); });

const SMALL = '/?hidden=8&layers=1&points=200&window=5&dropout=0';

test('during Play the counter runs ahead of the drawn snapshot, and the last drawn state is the last epoch', async () => {
  const page = await browser.page('/?epochs=60');
  await ready(page);
  const result = await page.evaluate(async () => {
    const lab = window.gruLab;
    const seen = [];
    let watching = true;
    const watch = () => {
      seen.push([lab.epoch, lab.drawnEpoch, Number(document.querySelector('#epoch').textContent)]);
      if (watching) requestAnimationFrame(watch);
    };
    requestAnimationFrame(watch);
    await lab.play();
    // Play has ended; the view asks for the final snapshot and draws it.
    const deadline = performance.now() + 5000;
    while (lab.drawnEpoch !== lab.epoch && performance.now() < deadline) await new Promise((r) => requestAnimationFrame(r));
    await new Promise((r) => requestAnimationFrame(r));
    watching = false;
    return {
      ahead: seen.filter(([e, d]) => e > d).length,
      frames: seen.length,
      drawn: new Set(seen.map(([, d]) => d)).size,
      counterBehind: seen.filter(([e, , shown]) => shown > e).length,
      final: { epoch: lab.epoch, drawn: lab.drawnEpoch, trained: lab.trainedEpochs, shown: Number(document.querySelector('#epoch').textContent), playing: lab.playing },
    };
  });
  console.log(`# ${result.frames} frames, ${result.drawn} distinct drawn epochs for 60 trained, counter ahead in ${result.ahead} frames`);
  assert.ok(result.ahead > 0, 'the counter was never ahead of the drawn snapshot');
  assert.ok(result.drawn < 60, `a snapshot was drawn for every epoch (${result.drawn}): Play waited for the drawing`);
  assert.equal(result.counterBehind, 0, 'the status line showed an epoch the store did not have');
  assert.deepEqual(result.final, { epoch: 60, drawn: 60, trained: 60, shown: 60, playing: false });
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('Step draws every epoch it trains, from the API and from the button', async () => {
  const page = await browser.page(SMALL);
  await ready(page);
  const drawn = await page.evaluate(async () => {
    const lab = window.gruLab;
    const pairs = [];
    for (let i = 0; i < 5; i++) {
      await lab.step();
      pairs.push([lab.epoch, lab.drawnEpoch]);
    }
    return pairs;
  });
  assert.deepEqual(drawn, [[1, 1], [2, 2], [3, 3], [4, 4], [5, 5]]);
  await stepTimes(page, 2);
  assert.equal(await epoch(page), 7);
  assert.equal(await page.evaluate(() => window.gruLab.drawnEpoch), 7);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('onEpoch gets every epoch with every field even when its subscriber is slow; onReport gets every report', async () => {
  const page = await browser.page(`${SMALL}&epochs=40`);
  await ready(page);
  const result = await page.evaluate(async () => {
    const lab = window.gruLab;
    const full = [];
    const light = [];
    lab.onEpoch((e) => {
      full.push(e);
      const until = performance.now() + 4;
      while (performance.now() < until); // a slow subscriber
    });
    lab.onReport((r) => light.push(r));
    await lab.play();
    return {
      full: full.map((e) => ({
        epoch: e.epoch, keys: Object.keys(e).sort().join(','), predictions: e.predictions.length,
        steps: e.gates.layers[0].h.length, units: e.gates.layers[0].h[0].length, loss: e.loss,
      })),
      light: light.map((r) => ({ epoch: r.epoch, keys: Object.keys(r).sort().join(','), loss: r.loss })),
      losses: lab.losses,
    };
  });
  const epochs = Array.from({ length: 40 }, (_, i) => i + 1);
  assert.deepEqual(result.full.map((e) => e.epoch), epochs);
  assert.deepEqual(result.light.map((e) => e.epoch), epochs);
  for (const e of result.full) {
    assert.equal(e.keys, 'backend,epoch,gates,gradNorm,gradientFlow,loss,lr,ms,predictions,sample,valLoss');
    assert.deepEqual([e.predictions, e.steps, e.units], [195, 5, 8], `epoch ${e.epoch}`);
  }
  for (const r of result.light) assert.equal(r.keys, 'backend,epoch,gradNorm,gradientFlow,loss,lr,ms,valLoss');
  assert.deepEqual(result.full.map((e) => e.loss), result.losses);
  assert.deepEqual(result.light.map((e) => e.loss), result.losses);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('Pause stops at an epoch boundary; Reset and a config change during Play leave no stale epoch', async () => {
  const page = await browser.page(`${SMALL}&epochs=10000`);
  await ready(page);
  const paused = await page.evaluate(async () => {
    const lab = window.gruLab;
    lab.play();
    while (lab.epoch < 5) await new Promise((r) => setTimeout(r, 5));
    await lab.pause();
    const at = { epoch: lab.epoch, trained: lab.trainedEpochs };
    await new Promise((r) => setTimeout(r, 300));
    return { ...at, later: lab.epoch, drawn: lab.drawnEpoch };
  });
  assert.equal(paused.trained, paused.epoch, 'the trainer and the counter agree after Pause');
  assert.equal(paused.later, paused.epoch, 'no epoch arrived after Pause resolved');
  assert.equal(paused.drawn, paused.epoch, 'the paused epoch is drawn');

  // Reset while playing: the old run's epochs never reach the new run's counter or charts.
  await page.evaluate(async () => {
    const lab = window.gruLab;
    lab.play();
    const from = lab.epoch;
    while (lab.epoch < from + 3) await new Promise((r) => setTimeout(r, 5));
  });
  await page.click('#reset');
  await page.waitForTimeout(400);
  assert.deepEqual(await page.evaluate(() => [window.gruLab.epoch, window.gruLab.drawnEpoch, window.gruLab.playing]), [0, 0, false]);
  assert.equal(await epoch(page), 0);

  // A config change while playing starts the new config at epoch 0, with nothing of the old run.
  await page.evaluate(async () => {
    const lab = window.gruLab;
    lab.play();
    while (lab.epoch < 3) await new Promise((r) => setTimeout(r, 5));
  });
  await page.fill('#cfg-hidden', '5');
  await page.dispatchEvent('#cfg-hidden', 'change');
  await page.waitForFunction(() => window.gruLab.config.hidden === 5);
  await page.waitForTimeout(400);
  assert.deepEqual(await page.evaluate(() => [window.gruLab.epoch, window.gruLab.losses.length, window.gruLab.playing]), [0, 0, false]);
  await stepTimes(page, 2);
  assert.deepEqual(await page.evaluate(() => [window.gruLab.epoch, window.gruLab.drawnEpoch, window.gruLab.trainedEpochs]), [2, 2, 2]);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a learning-rate change during Play applies from the next epoch, without a reset', async () => {
  const page = await browser.page(`${SMALL}&epochs=10000`);
  await ready(page);
  const reports = await page.evaluate(async () => {
    const lab = window.gruLab;
    const seen = [];
    lab.onReport((r) => seen.push({ epoch: r.epoch, lr: r.lr }));
    lab.play();
    while (lab.epoch < 5) await new Promise((r) => setTimeout(r, 5));
    await lab.setLearningRate(0.003);
    const changedAt = lab.epoch;
    while (lab.epoch < changedAt + 3) await new Promise((r) => setTimeout(r, 5));
    await lab.pause();
    return { seen, changedAt };
  });
  const { seen, changedAt } = reports;
  assert.deepEqual(seen.map((r) => r.epoch), Array.from({ length: seen.length }, (_, i) => i + 1), 'no reset, no gap');
  // A report's lr is the rate after ReduceLROnPlateau saw that epoch's loss, so it may be a halving
  // of the rate the epoch trained with: 0.01 / 2^k before the change, 0.003 / 2^k from the next epoch
  // on (the two families never meet), and the first epoch after the change trained with 0.003.
  const halvings = (from, r) => Math.log2(from / r.lr);
  const whole = (k) => Math.abs(k - Math.round(k)) < 1e-9 && k >= -1e-9;
  assert.ok(seen.slice(0, changedAt).every((r) => whole(halvings(0.01, r))), JSON.stringify(seen.slice(0, changedAt)));
  assert.ok(seen.slice(changedAt).every((r) => whole(halvings(0.003, r))), JSON.stringify(seen.slice(changedAt)));
  assert.ok(halvings(0.003, seen[changedAt]) <= 1, `epoch ${changedAt + 1}: ${JSON.stringify(seen[changedAt])}`);
  assert.match(await page.textContent('.status'), new RegExp(`lr ${seen.at(-1).lr.toPrecision(3).replace('.', '\\.')}`));
  assert.deepEqual(page.problems, []);
  await page.close();
});
