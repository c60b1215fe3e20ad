// The gradient through time in the page: onEpoch's gradientFlow for every cell equals the native
// CLI's (--history CSV, same config and seed), the panel is drawn and hover reads a value, and the
// learner's view after training the tutorial config with a GRU and with a plain RNN (screenshots in
// artifacts/, ratios |∂L/∂h_1| / |∂L/∂h_T| printed).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { start, ready, colours, ARTIFACTS } from './browser.mjs';
import { nativeHistory, assertSameFlows, trainedFlows } from './native.mjs';

let browser;
before(async () => { browser = await start(); });
after(async () => { await browser.close(); });

const CELLS = ['cho', 'pytorch', 'lstm', 'rnn'];

test('onEpoch carries each cell\'s gradient through time, equal to the native run of the same seed', async () => {
  for (const cell of CELLS) {
    const config = { cell, hidden: 8, points: 300 };
    const query = new URLSearchParams(Object.entries(config).map(([k, v]) => [k, String(v)]));
    const page = await browser.page(`/?${query}`);
    await ready(page);
    const flows = await trainedFlows(page, 3);
    const native = nativeHistory(config, 3);
    assert.equal(flows.length, 3);
    flows.forEach((flow) => {
      assert.equal(flow.layers.length, 2, `${cell}: two layers`);
      flow.layers.forEach((layer) => {
        assert.equal(layer.dh.length, 10, `${cell}: ten steps`);
        assert.equal(Boolean(layer.dc), cell === 'lstm', `${cell}: dc only for the LSTM`);
        assert.equal(Boolean(layer.keep), cell !== 'rnn', `${cell}: keep for gated cells`);
      });
    });
    assertSameFlows(cell, flows, native, 1e-4);
    assert.deepEqual(page.problems, []);
    await page.close();
  }
});

test('the panel is drawn, captioned, and hovering it reads a value', async () => {
  const page = await browser.page('/?dive=gradients');
  await ready(page);
  assert.ok(await page.isVisible('#gradients-chart'));
  await trainedFlows(page, 3);
  await page.waitForFunction(() => /Epoch 3/.test(document.querySelector('.gradient-caption').textContent));
  assert.ok(await colours(page, '#gradients-chart') > 20, 'the chart has its lines and heatmaps');
  await page.$eval('#gradients-chart', (c) => c.scrollIntoView({ block: 'center' }));
  const box = await page.$eval('#gradients-chart', (c) => { const r = c.getBoundingClientRect(); return { x: r.left, y: r.top, w: r.width, h: r.height }; });
  // A point inside the first layer's heatmap (left margin 58 px; below the top half and its titles).
  await page.mouse.move(box.x + 70, box.y + box.h * 0.5 + 60);
  const heat = await page.textContent('.gru-lab .tooltip');
  assert.match(heat, /layer 1 · epoch \d+ · step \d+: \|∂L\/∂h\| = \d\.\d\de[-+]\d+/);
  // A point inside the profile chart.
  await page.mouse.move(box.x + 120, box.y + 80);
  assert.match(await page.textContent('.gru-lab .tooltip'), /^step \d+: layer 1 \|∂L\/∂h\| = /);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('as a learner: the tutorial config trained with a GRU and with a plain RNN', async () => {
  for (const cell of ['cho', 'rnn']) {
    const page = await browser.page(`/?cell=${cell}&epochs=100&dive=gradients`, { width: 1400, height: 900 });
    await ready(page);
    const flows = await trainedFlows(page, 100);
    const ratio = (flow, l) => flow.layers[l].dh[0] / flow.layers[l].dh[9];
    const fmt = (flow) => flow.layers.map((_, l) => `layer ${l + 1} ${ratio(flow, l).toPrecision(3)}`).join(', ');
    console.log(`# ${cell}: |dL/dh_1| / |dL/dh_T| epoch 1: ${fmt(flows[0])}; epoch 100: ${fmt(flows[99])}`);
    await page.waitForFunction(() => /Epoch 100/.test(document.querySelector('.gradient-caption').textContent));
    // Desktop, then the same run at a phone's width.
    for (const width of [1400, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await page.waitForFunction(() => /Epoch 100/.test(document.querySelector('.gradient-caption').textContent));
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      const panel = await page.$('.panel.gradients');
      await panel.scrollIntoViewIfNeeded();
      await panel.screenshot({ path: join(ARTIFACTS, `gradients-${cell}-${width}px.png`), caret: 'initial' });
    }
    assert.ok(await colours(page, '#gradients-chart') > 20, `${cell}: drawn at the phone's width`);
    assert.deepEqual(page.problems, []);
    await page.close();
  }
});
