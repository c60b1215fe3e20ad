// The lab page in headless Chromium without WebGPU (the ndarray fallback path).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, ready, epoch, stepTimes, colours, screenshot } from './browser.mjs';

let browser;
before(async () => { browser = await start(); });
after(async () => { await browser.close(); });

function clean(page) {
  assert.deepEqual(page.problems, [], 'no console errors or page errors');
}

test('without WebGPU the badge says ndarray and why', async () => {
  const page = await browser.page('/');
  await ready(page);
  const badge = await page.textContent('#backend');
  assert.match(badge, /ndarray/);
  assert.match(badge, /no WebGPU adapter|no WebGPU/);
  assert.equal(await page.getAttribute('#message', 'role'), 'alert');
  clean(page);
  await page.close();
});

test('Step ×3 shows epoch 3 and a loss; the charts are drawn; the diagram has the layers', async () => {
  const page = await browser.page('/');
  await ready(page);
  assert.equal(await epoch(page), 0);
  await stepTimes(page, 3);
  assert.equal(await epoch(page), 3);
  const loss = Number(await page.textContent('#loss'));
  assert.ok(Number.isFinite(loss) && loss > 0, `loss ${loss}`);
  for (const chart of ['#prediction-chart', '#loss-chart', '#gates-chart']) {
    const n = await colours(page, chart);
    assert.ok(n > 20, `${chart} has ${n} colours: blank?`);
  }
  await screenshot(page, 'page-after-3-steps');
  // The architecture is one tab away.
  await page.click('#dive-architecture');
  await page.waitForFunction(() => document.querySelectorAll('#architecture svg [data-block="layer"]').length === 2);
  assert.equal(await page.isVisible('#gates-chart'), false, 'one deep dive at a time');
  clean(page);
  await page.close();
});

test('30 epochs of the tutorial configuration lower the loss', async () => {
  const page = await browser.page('/');
  await ready(page);
  const losses = await page.evaluate(async () => {
    const seen = [];
    window.gruLab.onEpoch((e) => seen.push(e.loss));
    for (let i = 0; i < 30; i++) await window.gruLab.step();
    return seen;
  });
  assert.equal(losses.length, 30);
  assert.equal(await epoch(page), 30);
  const first = losses[0];
  const last = Math.min(...losses.slice(-5));
  assert.ok(last < first / 10, `loss went from ${first} to ${last}`);
  await screenshot(page, 'page-after-30-epochs');
  clean(page);
  await page.close();
});

test('Play runs on until paused', async () => {
  const page = await browser.page('/?hidden=8&layers=1&points=200');
  await ready(page);
  await page.click('#play');
  await page.waitForFunction(() => Number(document.querySelector('#epoch').textContent) >= 5);
  // Pause stops training at the next epoch boundary the worker reaches; epochs it finished before it
  // saw the pause still arrive, so read the counter once the pause has settled: it then stays.
  await page.click('#play');
  await page.waitForFunction(() => !window.gruLab.playing && window.gruLab.epoch === window.gruLab.trainedEpochs);
  await page.waitForTimeout(200);
  const paused = await epoch(page);
  await page.waitForTimeout(500);
  const later = await epoch(page);
  assert.equal(later, paused, `paused at ${paused} but went on to ${later}`);
  assert.equal(await page.getAttribute('#play', 'aria-pressed'), 'false');
  clean(page);
  await page.close();
});

test('a shared URL restores its configuration and the diagram follows it', async () => {
  const page = await browser.page('/?hidden=8&layers=3&cell=pytorch&lr=0.005&dropout=0&window=12&epochs=40&seed=7&dive=all');
  await ready(page);
  const values = await page.$$eval('.settings [name]:not([name="preset"])', (inputs) => Object.fromEntries(inputs.map((i) => [i.name, i.value])));
  assert.deepEqual(values, { task: 'sine', hidden: '8', layers: '3', cell: 'pytorch', lr: '0.005', dropout: '0', window: '12', split: '0', samples: '1000', noise: '0.1', epochs: '40', seed: '7', compare: '' });
  assert.equal(await page.$$eval('#architecture svg [data-block="layer"]', (g) => g.length), 3);
  assert.match(await page.textContent('#equations'), /nt = tanh/);
  // Changing a control updates the URL, and reloading that URL restores it.
  await page.selectOption('#cfg-layers', '2');
  await page.waitForFunction(() => new URLSearchParams(location.search).get('layers') === '2');
  const url = page.url();
  const again = await browser.page(url.replace(/^https?:\/\/[^/]+/, ''));
  await ready(again);
  assert.equal(await again.inputValue('#cfg-layers'), '2');
  assert.equal(await again.inputValue('#cfg-hidden'), '8');
  assert.equal(await again.$$eval('#architecture svg [data-block="layer"]', (g) => g.length), 2);
  clean(page);
  clean(again);
  await page.close();
  await again.close();
});

test('bad query values show a message naming the field and range, and the page trains with defaults', async () => {
  const page = await browser.page('/?hidden=0&lr=abc&layers=99');
  await ready(page);
  const message = await page.textContent('#message');
  assert.ok(await page.isVisible('#message'));
  assert.match(message, /hidden = "0".*1 to 128/);
  assert.match(message, /lr = "abc".*0\.00001 to 1|lr = "abc".*1e-5 to 1|lr = "abc"/);
  assert.match(message, /layers = "99".*1 to 4/);
  assert.equal(await page.inputValue('#cfg-hidden'), '32');
  assert.equal(await page.inputValue('#cfg-layers'), '2');
  await stepTimes(page, 1);
  assert.equal(await epoch(page), 1);
  await screenshot(page, 'page-bad-query');
  clean(page);
  await page.close();
});

test('a bad control value is refused with a message and the run goes on', async () => {
  const page = await browser.page('/?hidden=8&layers=1&points=200');
  await ready(page);
  await stepTimes(page, 2);
  await page.fill('#cfg-hidden', '500');
  await page.dispatchEvent('#cfg-hidden', 'change');
  await page.waitForFunction(() => !document.querySelector('#message').hidden);
  assert.match(await page.textContent('#message'), /hidden = "500".*1 to 128/);
  assert.equal(await page.inputValue('#cfg-hidden'), '8');
  assert.equal(await epoch(page), 2, 'the run was not reset');
  await stepTimes(page, 1);
  assert.equal(await epoch(page), 3);
  clean(page);
  await page.close();
});

test('hovering a heatmap cell shows its equation with its numbers and highlights it', async () => {
  const page = await browser.page('/?hidden=8&layers=2&points=200');
  await ready(page);
  await stepTimes(page, 1);
  const box = await page.locator('#gates-chart').boundingBox();
  await page.mouse.move(box.x + 80, box.y + 60);
  await page.waitForSelector('.tooltip:not([hidden])');
  assert.match(await page.textContent('.tooltip'), /^layer 1 · step \d+ · unit \d+: z = σ\(−?\d\.\d{3}( [+−] \d\.\d{3}){2}\) = σ\(−?\d\.\d{3}\) = \d\.\d{3}$/);
  assert.equal(await page.$eval('#equations li.highlight', (li) => li.dataset.gate), 'z');
  // …and the block that computes it in the cell's picture.
  assert.deepEqual(await page.$$eval('#cell-picture .highlight', (g) => g.map((x) => x.dataset.gate)), ['z']);
  clean(page);
  await page.close();
});

test('Reset re-initialises: the same seed gives the same run', async () => {
  const page = await browser.page('/?hidden=8&layers=1&points=200');
  await ready(page);
  await stepTimes(page, 3);
  const first = await page.textContent('#loss');
  await page.click('#reset');
  await page.waitForFunction(() => document.querySelector('#epoch').textContent === '0');
  await ready(page);
  await stepTimes(page, 3);
  assert.equal(await page.textContent('#loss'), first);
  clean(page);
  await page.close();
});

test('while Play trains the tutorial model, the main thread has no long task (training is in a worker)', async () => {
  const page = await browser.page('/');
  await ready(page);
  const result = await page.evaluate(async () => {
    const tasks = [];
    const observer = new PerformanceObserver((list) => { for (const e of list.getEntries()) tasks.push(e.duration); });
    observer.observe({ type: 'longtask', buffered: false });
    const start = window.gruLab.epoch;
    window.gruLab.play();
    while (window.gruLab.epoch < start + 20) await new Promise((r) => setTimeout(r, 20));
    window.gruLab.pause();
    await new Promise((r) => setTimeout(r, 200));
    observer.disconnect();
    return { tasks, epochs: window.gruLab.epoch - start };
  });
  const longest = Math.max(0, ...result.tasks);
  console.log(`# longest main-thread task during ${result.epochs} epochs of Play: ${longest.toFixed(0)} ms (${result.tasks.length} over 50 ms)`);
  assert.ok(result.epochs >= 20);
  // One long task of a little over 50 ms is this shared machine taking the core away (seen: 57 ms, once
  // in many runs); drawing that does not fit a frame's budget shows as several, or as one far longer.
  const tasks = result.tasks.map((t) => t.toFixed(0)).join(', ');
  assert.ok(result.tasks.length <= 1 && longest < 100, `long tasks on the main thread: ${tasks} ms`);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('an error that escapes everything shows the error panel with its message and a working Reload', async () => {
  const page = await browser.page('/?hidden=4&layers=1&points=60&window=5');
  await ready(page);
  await page.evaluate(() => setTimeout(() => { throw new Error('simulated escape'); }, 0));
  await page.waitForSelector('#fatal:not([hidden])');
  assert.match(await page.textContent('#fatal pre'), /simulated escape/);
  assert.deepEqual(page.problems, ['page error: simulated escape']);
  page.problems.length = 0;
  await Promise.all([page.waitForNavigation(), page.click('#fatal button')]);
  await ready(page);
  assert.equal(await page.isHidden('#fatal'), true);
  await stepTimes(page, 1);
  assert.equal(await epoch(page), 1);
  clean(page);
  await page.close();
});

test('a trapped training worker (a Rust panic) is reported, and Reset starts a new one that trains', async () => {
  const page = await browser.page('/?hidden=4&layers=1&points=60&window=5');
  await ready(page);
  await stepTimes(page, 2);
  // A panic traps the worker's wasm instance; the worker answers every later request with the trap
  // typed as a crash (worker.js, typed). Make the worker answer the next request that way.
  const [worker] = page.workers();
  await worker.evaluate(() => {
    const post = self.postMessage.bind(self);
    self.postMessage = (msg) => post({ id: msg.id, ok: false, error: { kind: 'crash', message: 'RuntimeError: unreachable executed' } });
  });
  await page.click('#step');
  await page.waitForFunction(() => /training worker crashed/.test(document.querySelector('#message').textContent));
  assert.match(await page.textContent('#message'), /Press Reset to start a new one/);
  assert.equal(await epoch(page), 2);
  await page.click('#reset');
  await page.waitForFunction(() => document.querySelector('#message').hidden && window.gruLab.backend);
  assert.notEqual(page.workers()[0], worker);
  await stepTimes(page, 2);
  assert.equal(await epoch(page), 2);
  clean(page);
  await page.close();
});

test('every cell trains 3 epochs; its heatmaps, diagram and equations are its own', async () => {
  const expected = {
    cho: { gates: ['update gate z', 'reset gate r', 'candidate h̃', 'hidden state h'], equation: /h̃t = tanh/, parameters: '9,537' },
    pytorch: { gates: ['update gate z', 'reset gate r', 'candidate n', 'hidden state h'], equation: /nt = tanh/, parameters: '9,729' },
    lstm: { gates: ['input gate i', 'forget gate f', 'candidate g', 'output gate o', 'cell state c', 'hidden state h'], equation: /ct = ft ⊙ ct−1 \+ it ⊙ gt/, parameters: '12,961' },
    rnn: { gates: ['hidden state h'], equation: /ht = tanh\(Wih xt \+ bih \+ Whh ht−1 \+ bhh\)/, parameters: '3,265' },
  };
  const page = await browser.page('/?dive=all');
  await ready(page);
  assert.deepEqual(await page.$$eval('#cfg-cell option', (o) => o.map((x) => x.value)), Object.keys(expected));
  for (const [cell, want] of Object.entries(expected)) {
    await page.selectOption('#cfg-cell', cell);
    await page.waitForFunction((c) => new URLSearchParams(location.search).get('cell') === c, cell);
    await page.waitForFunction(() => Number(document.querySelector('#epoch').textContent) === 0);
    await stepTimes(page, 3);
    assert.equal(await epoch(page), 3, cell);
    const loss = Number(await page.textContent('#loss'));
    assert.ok(Number.isFinite(loss) && loss > 0, `${cell}: loss ${loss}`);
    assert.ok(await colours(page, '#gates-chart') > 20, `${cell}: heatmaps drawn`);
    assert.equal(await page.getAttribute('#gates-chart', 'aria-label'), `heatmaps of ${want.gates.join(', ')} for every layer; arrow keys read the values`);
    // The cell's picture computes every quantity the equations list (in its own order).
    const pictured = await page.$$eval('#cell-picture svg [data-gate]', (g) => [...new Set(g.map((x) => x.getAttribute('data-gate')))].sort());
    const listed = await page.$$eval('#equations li', (li) => li.map((x) => x.getAttribute('data-gate')));
    assert.deepEqual(pictured, [...listed].sort(), `${cell}: the picture and the equations show the same quantities`);
    assert.equal(listed.length, want.gates.length, cell);
    assert.match(await page.textContent('#equations'), want.equation, cell);
    assert.equal((await page.$$('#cell-picture svg .cell-state')).length, cell === 'lstm' ? 1 : 0, cell);
    assert.equal(await page.$$eval('#architecture svg [data-gate]', (g) => g.length), 0, `${cell}: the architecture leaves the cell to its panel`);
    assert.match(await page.textContent('.status'), new RegExp(`${want.parameters} parameters`), cell);
    // Hovering a heatmap names one of this cell's quantities.
    const box = await page.locator('#gates-chart').boundingBox();
    await page.mouse.move(box.x + box.width * 0.12, box.y + box.height * 0.3);
    const tooltip = await page.textContent('.tooltip');
    assert.match(tooltip, /^layer 1 · step \d+ · unit \d+: \S+ = /, `${cell}: ${tooltip}`);
    if (cell === 'lstm') await screenshot(page, 'page-lstm');
  }
  clean(page);
  await page.close();
});
