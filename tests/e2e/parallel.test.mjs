// Data-parallel training across Web Workers (issue 20, www/lab/parallel.js, src/shards.rs): a run is bit
// for bit the same on 1, 2 or 3 workers (every cell, dropout on: losses and every weight after 6
// epochs, 4 of them shared) and with a slowed helper whose shards the training worker takes over, the
// status line says how many workers train and why, and 'auto' keeps a tiny model on one worker.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, ready } from './browser.mjs';

let browser;
before(async () => { browser = await start(); });
after(async () => { await browser.close(); });

// Three layers (two dropout masks), 390 windows: 6 shards of the batch.
const SMALL = 'hidden=8&layers=3&dropout=0.3&points=400&epochs=50';

/** Trains `epochs` epochs by Step; with forced helpers (they join after 2 epochs alone, parallel.js)
 * waits after epoch 2 until they are up, so that every later epoch is shared. `counts`: how many
 * workers trained each epoch. */
async function trained(query, epochs) {
  const page = await browser.page(`/?${query}`);
  await ready(page);
  const counts = [];
  for (let i = 0; i < epochs; i++) {
    if (i === 2) await page.waitForTimeout(1000);
    counts.push(await page.evaluate(async () => { await window.gruLab.step(); return window.gruLab.workers.count; }));
  }
  const result = await page.evaluate(async () => ({
    losses: window.gruLab.losses,
    weights: await window.gruLab.saveWeights({ download: false }),
    workers: window.gruLab.workers,
    status: document.querySelector('#workers').textContent,
    why: document.querySelector('#workers').title,
  }));
  assert.deepEqual(page.problems, [], query);
  await page.close();
  return { ...result, counts };
}

test('every cell trains bit for bit the same on 1, 2 and 3 workers', async () => {
  for (const cell of ['cho', 'pytorch', 'lstm', 'rnn']) {
    const runs = [];
    for (const workers of [1, 2, 3]) runs.push(await trained(`${SMALL}&cell=${cell}&workers=${workers}`, 6));
    for (const [i, run] of runs.entries()) {
      // Epochs 1 and 2 alone (the warm-up), 3 to 6 shared: each of the 6 shards computed once.
      assert.deepEqual(run.counts, [1, 1, i + 1, i + 1, i + 1, i + 1], `${cell}: ${JSON.stringify(run.workers)}`);
      if (i > 0) assert.equal(run.workers.shares.reduce((a, b) => a + b), 6, JSON.stringify(run.workers));
      assert.equal(run.status, `· ${i + 1} worker${i === 0 ? '' : 's'}`, cell);
      assert.match(run.why, new RegExp(`^${i === 0 ? 'one worker' : `${i + 1} workers`} \\(workers=${i + 1}\\)$`), cell);
    }
    assert.equal(runs[0].losses.length, 6);
    assert.deepEqual(runs[1].losses, runs[0].losses, `${cell}: 2 workers against 1`);
    assert.deepEqual(runs[2].losses, runs[0].losses, `${cell}: 3 workers against 1`);
    // Every weight, as the weights file writes it (shortest round-trip decimals of each f32).
    assert.equal(runs[1].weights, runs[0].weights, `${cell}: weights, 2 workers`);
    assert.equal(runs[2].weights, runs[0].weights, `${cell}: weights, 3 workers`);
  }
});

test('a helper slowed down: the training worker takes over the shards it has not started, and the run stays the same', async () => {
  // Each compute request the helper gets starts 150 ms late, as if its core were busy with something
  // else: the training worker computes its 3 of the 6 shards, then the last two of the helper's, one at
  // a time, telling it to stop before them; the helper computes one.
  const alone = await trained(`${SMALL}&cell=lstm&workers=1`, 6);
  const page = await browser.page(`/?${SMALL}&cell=lstm&workers=2`);
  await ready(page);
  const step = () => page.evaluate(async () => { await window.gruLab.step(); return window.gruLab.workers; });
  await step();
  await step();
  await page.waitForTimeout(1000);
  const helper = page.workers().find((w) => w.url().endsWith('/helper-worker.js'));
  assert.ok(helper, JSON.stringify(page.workers().map((w) => w.url())));
  await helper.evaluate(() => {
    const original = self.onmessage;
    self.onmessage = (event) => {
      if (event.data.type === 'compute') {
        const until = performance.now() + 150;
        while (performance.now() < until);
      }
      return original(event);
    };
  });
  for (let i = 0; i < 4; i++) assert.deepEqual((await step()).shares, [5, 1]);
  const run = await page.evaluate(async () => ({
    losses: window.gruLab.losses,
    weights: await window.gruLab.saveWeights({ download: false }),
  }));
  assert.deepEqual(page.problems, []);
  await page.close();
  assert.deepEqual(run.losses, alone.losses);
  assert.equal(run.weights, alone.weights);
});

test("'auto' keeps a model whose epochs take a few ms on one worker, and says why", async () => {
  // 'auto' decides after 5 epochs on one worker (the fastest of epochs 2 to 5, parallel.js).
  const run = await trained('hidden=4&layers=1&points=300&epochs=50', 6);
  assert.deepEqual(run.counts, [1, 1, 1, 1, 1, 1]);
  assert.equal(run.workers.count, 1);
  assert.equal(run.status, '· 1 worker');
  assert.match(run.why, /^one worker: an epoch takes [\d.]+ ms, too little to share$/);
});

test('a bad workers value is named with its allowed range and the lab goes on', async () => {
  const page = await browser.page('/?workers=99');
  await ready(page);
  const message = await page.textContent('#message');
  assert.match(message, /workers = "99" is not allowed: workers must be auto or an integer from 1 to 8/);
  await page.evaluate(() => window.gruLab.step());
  assert.equal(await page.evaluate(() => window.gruLab.epoch), 1);
  await page.close();
});

test("the bench's workers=alternate trains every other epoch alone, and stays the same run", async () => {
  // make bench times one worker and every core in one run this way (scripts/bench.mjs, alternating).
  // The tutorial's model as an LSTM (~40 ms an epoch, dropout on): the helper, which joins once it is
  // up while the run plays on, is up well before the 60 epochs end.
  const EPOCHS = 60;
  const run = async (workers) => {
    const page = await browser.page(`/www/bench/worker.html?cell=lstm&workers=${workers}&n=${EPOCHS}`);
    await page.waitForFunction(() => window.result, null, { timeout: 120_000 });
    const result = await page.evaluate(() => window.result);
    assert.deepEqual(page.problems, [], workers);
    await page.close();
    return result;
  };
  const alternating = await run('alternate');
  const alone = await run(1);
  assert.equal(alternating.error, undefined);
  // Alone while the helper starts (the warm-up, then until it is up); from then on 2, 1, 2, 1, …
  // (at least 10 of them).
  const joined = alternating.counts.indexOf(2);
  assert.ok(joined >= 2 && joined <= EPOCHS - 10, JSON.stringify(alternating.counts));
  alternating.counts.slice(joined).forEach((count, i) => assert.equal(count, i % 2 === 0 ? 2 : 1, JSON.stringify(alternating.counts)));
  assert.match(alternating.workers.note, /^2 workers and one, epoch by epoch \(workers=alternate\)$/);
  assert.equal(alternating.loss, alone.loss);
});
