// The lab page in headless Chromium with --enable-unsafe-webgpu: SwiftShader's WebGPU adapter, so the
// WebGPU path runs for real (emulated on the CPU, hence the small configuration).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, ready, epoch, stepTimes, colours, screenshot, countGpuWork } from './browser.mjs';
import { nativeHistory, assertSameFlows, trainedFlows } from './native.mjs';

let browser;
before(async () => { browser = await start({ webgpu: true }); });
after(async () => { await browser.close(); });

test('backend=webgpu trains a small model on WebGPU, and the badge says so', async () => {
  const page = await browser.page('/?backend=webgpu&hidden=4&layers=1&points=60&window=5');
  await ready(page, 180_000);
  assert.equal((await page.textContent('#backend')).trim(), 'WebGPU');
  await stepTimes(page, 3, 300_000);
  assert.equal(await epoch(page), 3);
  const loss = Number(await page.textContent('#loss'));
  assert.ok(Number.isFinite(loss) && loss > 0, `loss ${loss}`);
  assert.ok(await colours(page, '#prediction-chart') > 20);
  await screenshot(page, 'page-webgpu');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('?backend=ndarray forces the CPU backend even with an adapter', async () => {
  const page = await browser.page('/?backend=ndarray&hidden=4&layers=1&points=60');
  await ready(page);
  assert.equal((await page.textContent('#backend')).trim(), 'ndarray');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a run too large for the GPU pass trains on the CPU, in pieces, and the badge says why', async () => {
  // 128 × 4 LSTM, the adding problem at T = 200 with 10,000 windows: one pass would keep ~50 GB.
  const page = await browser.page('/?backend=webgpu&task=adding&window=200&samples=10000&hidden=128&layers=4&cell=lstm');
  await ready(page);
  const badge = (await page.textContent('#backend')).trim();
  assert.match(badge, /^ndarray \(WebGPU: this run needs about [\d.]+ GB of GPU buffers for one training pass \(hidden 128 × layers 4 × window 200 × 10000 windows\), more than the GPU pass's 1 GB: lower hidden, layers, window or the data/, badge);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a run too large for the op-by-op path is refused there with the fields to lower', async () => {
  const page = await browser.page('/?backend=webgpu-ops&task=adding&window=200&samples=10000&hidden=128&layers=4&cell=lstm');
  await ready(page);
  const badge = (await page.textContent('#backend')).trim();
  assert.match(badge, /^ndarray \(WebGPU: this run needs about [\d.]+ GB for one training pass on the op-by-op path \(hidden 128 × layers 4 × window 200 × 10000 windows\), more than its 2 GB: lower hidden, layers, window or the data/, badge);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a lost WebGPU device falls back to ndarray and the run goes on from the last finished epoch', async () => {
  const page = await browser.page('/?backend=webgpu&hidden=4&layers=1&points=60&window=5');
  await ready(page, 180_000);
  assert.equal((await page.textContent('#backend')).trim(), 'WebGPU');
  await stepTimes(page, 2, 300_000);
  const before = await page.evaluate(() => window.gruLab.losses);
  assert.equal(before.length, 2);
  // The fused pass's device lives in the training worker; destroying it is what a GPU reset or a
  // driver crash does to a running page.
  const [worker] = page.workers();
  assert.equal(await worker.evaluate(() => self.gruLabGpuDevices.length), 1);
  await worker.evaluate(() => self.gruLabGpuDevices.forEach((device) => device.destroy()));
  await stepTimes(page, 2, 300_000);
  const badge = (await page.textContent('#backend')).trim();
  assert.match(badge, /^ndarray \(WebGPU failed at epoch 3: .*; continued from epoch 2's weights\)$/);
  assert.match(await page.textContent('#message'), /WebGPU stopped working, so training moved to the CPU/);
  // Nothing lost, nothing counted twice: 4 epochs drawn, 4 trained, losses of epochs 1 and 2 kept,
  // and the host finished epoch 3 from the same weights, Adam's moments and dropout stream: the run
  // is still the one the native CLI trains.
  assert.equal(await epoch(page), 4);
  assert.equal(await page.evaluate(() => window.gruLab.trainedEpochs), 4);
  const losses = await page.evaluate(() => window.gruLab.losses);
  assert.deepEqual(losses.slice(0, 2), before);
  const native = nativeHistory({ hidden: 4, layers: 1, points: 60, window: 5 }, 4).map((r) => r.loss);
  losses.forEach((loss, e) => assert.ok(Math.abs(loss - native[e]) <= 1e-4 * native[e], `epoch ${e + 1}: page ${loss}, native ${native[e]}`));
  const loss = Number(await page.textContent('#loss'));
  assert.ok(Number.isFinite(loss) && loss > 0, `loss ${loss}`);
  await screenshot(page, 'page-webgpu-lost');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('the LSTM and the plain RNN train on WebGPU too', async () => {
  for (const cell of ['lstm', 'rnn']) {
    const page = await browser.page(`/?backend=webgpu&cell=${cell}&hidden=4&layers=1&points=60&window=5`);
    await ready(page, 180_000);
    assert.equal((await page.textContent('#backend')).trim(), 'WebGPU', cell);
    await stepTimes(page, 2, 300_000);
    assert.equal(await epoch(page), 2, cell);
    const loss = Number(await page.textContent('#loss'));
    assert.ok(Number.isFinite(loss) && loss > 0, `${cell}: loss ${loss}`);
    assert.ok(await colours(page, '#gates-chart') > 5, `${cell}: heatmaps drawn`);
    assert.deepEqual(page.problems, [], cell);
    await page.close();
  }
});

// The LSTM has both probes (h_t and c_t, the latter inside the cell) and the gate highway; the tensor
// path of every cell is held to the fused one natively (tests/gradient_flow.rs, with dropout).
test('on WebGPU op by op the gradient through time (the tensor path\'s probes) equals the native fused run', async () => {
  const config = { cell: 'lstm', hidden: 4, layers: 2, points: 60, window: 5 };
  const page = await browser.page(`/?backend=webgpu-ops&${new URLSearchParams(Object.entries(config).map(([k, v]) => [k, String(v)]))}`);
  await ready(page, 180_000);
  assert.equal((await page.textContent('#backend')).trim(), 'WebGPU (op by op)');
  const flows = await trainedFlows(page, 2);
  assert.equal(flows[0].layers.length, 2);
  assertSameFlows('lstm on WebGPU op by op', flows, nativeHistory(config, 2), 1e-4);
  assert.deepEqual(page.problems, []);
  await page.close();
});

// The fused GPU pass (src/gpu, the cells' WGSL) against the host's fused path (the native CLI): every
// cell, one to three layers, dropout on where there is a layer above (the same masks: the host draws
// them and the GPU reads them). Each epoch's loss and gradient norm, and its gradient through time,
// within 1e-4 over four epochs, each from the weights the one before updated.
test('the fused GPU pass trains every cell as the CPU does, 1–3 layers, dropout on', async () => {
  const runs = [
    { cell: 'cho', hidden: 5, layers: 1 },
    { cell: 'pytorch', hidden: 4, layers: 2, dropout: 0.3 },
    { cell: 'lstm', hidden: 3, layers: 3, dropout: 0.2 },
    { cell: 'rnn', hidden: 6, layers: 2, dropout: 0.3 },
    { cell: 'cho', hidden: 4, layers: 3, dropout: 0.25 },
  ];
  for (const run of runs) {
    const config = { ...run, points: 80, window: 6 };
    const label = JSON.stringify(run);
    const page = await browser.page(`/?backend=webgpu&${new URLSearchParams(Object.entries(config).map(([k, v]) => [k, String(v)]))}`);
    await ready(page, 180_000);
    assert.equal((await page.textContent('#backend')).trim(), 'WebGPU', label);
    const counter = await countGpuWork(page);
    const epochs = await page.evaluate(async () => {
      const reports = [];
      window.gruLab.onEpoch((e) => reports.push({ loss: e.loss, gradNorm: e.gradNorm, gradientFlow: e.gradientFlow }));
      for (let i = 0; i < 4; i++) await window.gruLab.step();
      return reports;
    });
    const native = nativeHistory(config, 4);
    epochs.forEach((e, i) => {
      const close = (a, b) => Math.abs(a - b) <= 1e-4 * Math.abs(b);
      assert.ok(close(e.loss, native[i].loss), `${label} epoch ${i + 1}: loss ${e.loss}, native ${native[i].loss}`);
      assert.ok(close(e.gradNorm, native[i].grad_norm), `${label} epoch ${i + 1}: gradient norm ${e.gradNorm}, native ${native[i].grad_norm}`);
    });
    assertSameFlows(`${label} on the GPU pass`, epochs.map((e) => e.gradientFlow), native, 1e-4);
    // Every epoch's numbers came from the GPU: its two dispatches ran each epoch, and the host never
    // took over (the badge would say so).
    assert.deepEqual(await counter.read(), { dispatches: 8, submits: 4, maps: 4 }, label);
    assert.equal((await page.textContent('#backend')).trim(), 'WebGPU', label);
    assert.deepEqual(page.problems, [], label);
    await page.close();
  }
});

// The issue's count: at most 16 compute dispatches an epoch for the tutorial's configuration (two:
// one kernel for every window's forward and backward pass, one to add the windows up), one submit and
// one read-back; Step's snapshot is drawn from the host's copy of the weights, no GPU work.
test('the fused GPU pass trains the tutorial\'s model in two dispatches, one submit and one read-back an epoch', async () => {
  const page = await browser.page('/?backend=webgpu');
  await ready(page, 180_000);
  assert.equal((await page.textContent('#backend')).trim(), 'WebGPU');
  await stepTimes(page, 1, 300_000);
  const counter = await countGpuWork(page);
  await counter.reset();
  await stepTimes(page, 2, 300_000);
  const work = await counter.read();
  assert.deepEqual(work, { dispatches: 4, submits: 2, maps: 2 }, JSON.stringify(work));
  assert.ok(work.dispatches / 2 <= 16);
  assert.equal(await epoch(page), 3);
  assert.deepEqual(page.problems, []);
  await page.close();
});

// backend=auto (the default): the run starts on the CPU at once while WebGPU is timed beside it on the
// same weights (www/lab/gpu-trial.js); SwiftShader emulates the GPU on the CPU, so the CPU stays, and
// the badge gives both figures.
test('auto on an emulated GPU keeps the CPU and says why, and the run trains meanwhile', async () => {
  const page = await browser.page('/?hidden=4&layers=1&points=60&window=5');
  await ready(page, 180_000);
  assert.match((await page.textContent('#backend')).trim(), /^ndarray/);
  await stepTimes(page, 2, 120_000);
  await page.waitForFunction(() => /^ndarray: faster here than WebGPU/.test(document.querySelector('#backend').textContent), null, { timeout: 300_000 });
  const badge = (await page.textContent('#backend')).trim();
  const [, cpu, gpu] = badge.match(/^ndarray: faster here than WebGPU, ([\d.,]+) against ([\d.,]+) ms\/epoch$/);
  assert.ok(Number(cpu.replace(/,/g, '')) < Number(gpu.replace(/,/g, '')), badge);
  await stepTimes(page, 1, 120_000);
  assert.equal(await epoch(page), 3);
  assert.equal(await page.evaluate(() => window.gruLab.backend), badge);
  await screenshot(page, 'page-auto-swiftshader');
  assert.deepEqual(page.problems, []);
  await page.close();
});

// What `auto` does when WebGPU wins (a real GPU, a large model), forced here by the handle: the run
// moves with its weights, Adam's moments, scheduler and dropout stream, so its losses stay those of
// the same run trained on the CPU alone (the native fused CLI), dropout on; and back on the CPU, with
// Adam's moments again (the fused pass keeps them on the host), it is still that run.
test('a run moved to WebGPU goes on as the same run, its GPU work is counted, and it moves back as the same run', async () => {
  const config = { cell: 'pytorch', hidden: 4, layers: 2, dropout: 0.3, points: 60, window: 5 };
  const page = await browser.page(`/?backend=ndarray&${new URLSearchParams(Object.entries(config).map(([k, v]) => [k, String(v)]))}`);
  await ready(page, 180_000);
  await stepTimes(page, 2, 120_000);
  assert.equal(await page.evaluate(() => window.gruLab.moveTo('webgpu')), 'WebGPU');
  assert.equal((await page.textContent('#backend')).trim(), 'WebGPU');
  const counter = await countGpuWork(page);
  await counter.reset();
  await page.evaluate(async () => { await window.gruLab.step(); await window.gruLab.step(); });
  // The fused pass: two dispatches, one submit and one read-back an epoch.
  assert.deepEqual(await counter.read(), { dispatches: 4, submits: 2, maps: 2 });
  assert.equal(await page.evaluate(() => window.gruLab.moveTo('ndarray')), 'ndarray');
  await page.evaluate(() => window.gruLab.step());
  const losses = await page.evaluate(() => window.gruLab.losses);
  const native = nativeHistory(config, 5).map((r) => r.loss);
  assert.equal(losses.length, 5);
  losses.forEach((loss, e) => assert.ok(Math.abs(loss - native[e]) <= 1e-4 * native[e], `epoch ${e + 1}: page ${loss}, native ${native[e]}`));
  assert.equal(await epoch(page), 5);
  // A bad backend is named and the run stays.
  assert.equal(await page.evaluate(() => window.gruLab.moveTo('tpu')), null);
  assert.match(await page.textContent('#message'), /backend "tpu" is unknown: use webgpu or ndarray/);
  assert.match((await page.textContent('#backend')).trim(), /^ndarray/);
  assert.deepEqual(page.problems, []);
  await page.close();
});
