// Live equations: pointing at a heatmap cell prints that unit's equations with the numbers of the shown
// window, and those numbers are the model's. For every cell the test recomputes each term from the
// weights the page saves (PyTorch's layout, read here in JavaScript) and the states the page recorded
// (onEpoch's gates), and checks every printed number and each result against them and against the
// recorded gate values.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, ready, stepTimes, epoch, screenshot } from './browser.mjs';

let browser;
before(async () => { browser = await start(); });
after(async () => { await browser.close(); });

const sigmoid = (x) => 1 / (1 + Math.exp(-x));
const sum = (xs) => xs.reduce((a, b) => a + b, 0);
/** Every number a printed line shows, in order, with the sign of the term it is (`a − 0.029`: −0.029;
 * the `1 −` of `(1 − z)` is not a sign). */
const numbers = (text) => (text.replace(/\(1 − /g, '(1 ~ ').replace(/ − /g, ' -').replace(/−/g, '-')
  .match(/-?\d+\.\d{3}/g) || []).map(Number);

/** The numbers each printed line must show for unit `u` of layer `l` at step `t` (0-based), computed
 * here from the saved state dict and the recorded states, with the value each line comes to. */
function expectedLines(cell, dict, gates, l, t, u) {
  const module = { cho: 'gru', pytorch: 'gru', lstm: 'lstm', rnn: 'rnn' }[cell];
  const tensor = (name) => dict[`${module}.${name}_l${l}`];
  const layer = gates.layers[l];
  const H = layer.h[0].length;
  const x = l === 0 ? gates.inputs[t] : gates.layers[l - 1].h[t];
  const hp = t === 0 ? new Array(H).fill(0) : layer.h[t - 1];
  const row = (name, k, v) => {
    const w = tensor(name);
    const cols = w.shape[1];
    return sum(v.map((vi, i) => vi * w.data[(k * H + u) * cols + i]));
  };
  const bias = (name, k) => tensor(name).data[k * H + u];
  const wx = (k) => row('weight_ih', k, x);
  const uh = (k, v = hp) => row('weight_hh', k, v);
  const four = (k) => [wx(k), bias('bias_ih', k), uh(k), bias('bias_hh', k)];
  const act = (f, terms) => { const s = sum(terms); return { numbers: [...terms, s, f(s)], value: f(s) }; };
  if (cell === 'cho') {
    const three = (k, v) => [wx(k), uh(k, v), bias('bias', k)];
    const r = act(sigmoid, three(0));
    const z = act(sigmoid, three(1));
    const reset = layer.r[t].map((rj, j) => rj * hp[j]);
    const n = act(Math.tanh, three(2, reset));
    const h = (1 - z.value) * hp[u] + z.value * n.value;
    return { z, r, candidate: n, h: { numbers: [z.value, hp[u], z.value, n.value, h], value: h } };
  }
  if (cell === 'pytorch') {
    const r = act(sigmoid, four(0));
    const z = act(sigmoid, four(1));
    const [a, b, c, d] = four(2);
    const s = a + b + r.value * (c + d);
    const n = { numbers: [a, b, r.value, c, d, s, Math.tanh(s)], value: Math.tanh(s) };
    const h = (1 - z.value) * n.value + z.value * hp[u];
    return { z, r, candidate: n, h: { numbers: [z.value, n.value, z.value, hp[u], h], value: h } };
  }
  if (cell === 'lstm') {
    const [i, f, g, o] = [act(sigmoid, four(0)), act(sigmoid, four(1)), act(Math.tanh, four(2)), act(sigmoid, four(3))];
    const cp = t === 0 ? 0 : layer.c[t - 1][u];
    const c = f.value * cp + i.value * g.value;
    const h = o.value * Math.tanh(c);
    return { i, f, g, o, c: { numbers: [f.value, cp, i.value, g.value, c], value: c }, h: { numbers: [o.value, c, h], value: h } };
  }
  return { h: act(Math.tanh, four(0)) };
}

/** The equations panel's caption and live lines: {caption, lines: {quantity: text}}. */
const livePanel = (page) => page.evaluate(() => ({
  caption: document.querySelector('.live-caption').textContent,
  lines: Object.fromEntries([...document.querySelectorAll('#equations li')].map((li) => [li.dataset.gate, li.querySelector('.live').textContent])),
}));

for (const cell of ['cho', 'pytorch', 'lstm', 'rnn']) {
  test(`${cell}: the focused heatmap cell's equations print the model's own numbers`, async () => {
    const page = await browser.page(`/?cell=${cell}&hidden=6&layers=2&points=200`);
    await ready(page);
    await page.evaluate(() => { window.gruLab.onEpoch((e) => { window.lastGates = e.gates; }); });
    await stepTimes(page, 3);
    // Layer 2, step 5, unit 4, by keyboard (End: the next layer; → steps; ↓ units).
    await page.focus('#gates-chart');
    await page.keyboard.press('End');
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
    await page.waitForFunction(() => /^layer 2 · step 5 · unit 4: /.test(document.querySelector('.gate-readout').textContent));
    await page.waitForFunction(() => /layer 2, step 5, unit 4/.test(document.querySelector('.live-caption').textContent));
    assert.equal(await epoch(page), 3, 'the chart took its arrow keys: no training step');
    const { caption, lines } = await livePanel(page);
    assert.match(caption, /^With the numbers of layer 2, step 5, unit 4 \(window #0, epoch 3\):$/);
    const gates = await page.evaluate(() => window.lastGates);
    const dict = JSON.parse(await page.evaluate(() => window.gruLab.saveWeights())).tensors;
    const expected = expectedLines(cell, dict, gates, 1, 4, 3);
    assert.deepEqual(Object.keys(lines).sort(), Object.keys(expected).sort(), `${cell}: one live line per quantity`);
    for (const [quantity, want] of Object.entries(expected)) {
      const printed = numbers(lines[quantity]);
      assert.equal(printed.length, want.numbers.length, `${cell} ${quantity}: ${lines[quantity]}`);
      printed.forEach((p, k) => assert.ok(Math.abs(p - want.numbers[k]) < 6e-4,
        `${cell} ${quantity}: number ${k + 1} of "${lines[quantity]}" is ${p}, the weights give ${want.numbers[k]}`));
      const recorded = gates.layers[1][quantity][4][3];
      assert.ok(Math.abs(want.value - recorded) < 1e-4, `${cell} ${quantity}: from the weights ${want.value}, recorded ${recorded}`);
      assert.ok(Math.abs(printed.at(-1) - recorded) < 6e-4, `${cell} ${quantity}: printed ${printed.at(-1)}, recorded ${recorded}`);
    }
    // The readout says the focused quantity's own line (the first quantity, layer 2).
    const first = Object.keys(expected)[0];
    assert.equal(await page.textContent('.gate-readout'), `layer 2 · step 5 · unit 4: ${lines[first]}`);
    assert.deepEqual(page.problems, []);
    await page.close();
  });
}

test('hovering points the equations at a unit, they follow the scrubber, and a desktop and a phone show them', async () => {
  const page = await browser.page('/?hidden=8&layers=2&points=200');
  await ready(page);
  await stepTimes(page, 3);
  const box = await page.locator('#gates-chart').boundingBox();
  await page.mouse.move(box.x + 80, box.y + 60);
  await page.waitForSelector('.tooltip:not([hidden])');
  const tooltip = await page.textContent('.tooltip');
  const [, step, unit] = tooltip.match(/^layer 1 · step (\d+) · unit (\d+): z = σ\(/) || [];
  assert.ok(step, tooltip);
  await page.waitForFunction(() => /epoch 3/.test(document.querySelector('.live-caption').textContent));
  const now = await livePanel(page);
  assert.match(now.caption, new RegExp(`layer 1, step ${step}, unit ${unit} \\(window #0, epoch 3\\)`));
  assert.equal(tooltip, `layer 1 · step ${step} · unit ${unit}: ${now.lines.z}`);
  // The pointer leaves: the numbers stay. The scrubber goes back: they are epoch 1's.
  await page.mouse.move(5, 5);
  await page.evaluate(() => window.gruLab.scrubTo(1));
  await page.waitForFunction(() => /epoch 1\)/.test(document.querySelector('.live-caption').textContent));
  const then = await livePanel(page);
  assert.notEqual(then.lines.z, now.lines.z, 'epoch 1 has other weights');
  await page.evaluate(() => window.gruLab.scrubTo(null));
  await page.waitForFunction(() => /epoch 3\)/.test(document.querySelector('.live-caption').textContent));
  assert.deepEqual(await livePanel(page), now, 'back to the newest: the same unit, the same numbers');
  await page.$eval('.equations-panel', (s) => s.scrollIntoView({ block: 'center' }));
  await screenshot(page, 'live-equations-1400');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.$eval('.equations-panel', (s) => s.scrollIntoView({ block: 'center' }));
  await screenshot(page, 'live-equations-390');
  assert.deepEqual(page.problems, []);
  await page.close();
});
