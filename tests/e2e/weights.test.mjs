// Weight files in the page: save and load round-trip; bad files are refused with the reason and the
// run untouched; weights that blow the loss up stop training with the divergence message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { start, ready, epoch, stepTimes } from './browser.mjs';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

let browser;
before(async () => { browser = await start(); });
after(async () => { await browser.close(); });

const SMALL = '/?hidden=6&layers=2&points=80&window=6&epochs=50&dropout=0';

test('Save then Load in another page restores the config and the weights', async () => {
  const page = await browser.page(SMALL);
  await ready(page);
  await stepTimes(page, 4);
  const text = await page.evaluate(() => window.gruLab.saveWeights());
  const file = JSON.parse(text);
  assert.equal(file.format, 'gru-lab-weights/1');
  assert.equal(file.config.hidden, 6);
  assert.deepEqual(file.tensors['gru.weight_hh_l1'].shape, [18, 6]);
  const other = await browser.page('/?hidden=3&layers=1&points=80&window=6&dropout=0');
  await ready(other);
  assert.equal(await other.evaluate((t) => window.gruLab.loadWeights(t), text), true);
  assert.equal(await other.inputValue('#cfg-hidden'), '6');
  assert.equal(await other.inputValue('#cfg-layers'), '2');
  assert.equal(await epoch(other), 0);
  // An epoch's loss is measured before its update, so with the same weights (and no dropout) the next
  // epoch of both pages reports the same loss.
  await stepTimes(page, 1);
  await stepTimes(other, 1);
  assert.equal(await other.textContent('#loss'), await page.textContent('#loss'));
  assert.match(new URL(other.url()).search, /hidden=6/);
  assert.deepEqual(page.problems, []);
  assert.deepEqual(other.problems, []);
  await page.close();
  await other.close();
});

test('bad weight files are refused with the reason and the current run goes on', async () => {
  const page = await browser.page(SMALL);
  await ready(page);
  await stepTimes(page, 2);
  const good = JSON.parse(await page.evaluate(() => window.gruLab.saveWeights()));
  const mutate = (f) => { const copy = structuredClone(good); f(copy); return JSON.stringify(copy); };
  const bad = [
    ['random bytes', '\u0000\u00ff\u0013garbage', /not a GRU Lab weights file/],
    ['truncated', JSON.stringify(good).slice(0, 500), /not a GRU Lab weights file/],
    ['a PyTorch pickle header', 'PK\u0003\u0004archive/data.pkl', /not a GRU Lab weights file/],
    ['wrong format', mutate((f) => { f.format = 'keras/2'; }), /format "keras\/2" is not supported/],
    ['wrong shape', mutate((f) => { f.tensors['gru.weight_hh_l0'].shape = [18, 5]; }), /gru.weight_hh_l0.*shape \[18, 5\]/],
    ['different layer count', mutate((f) => { f.config.layers = 3; }), /gru.weight_ih_l2/],
    ['other cell', mutate((f) => { f.config.cell = 'pytorch'; }), /gru.bias_ih_l0/],
    ['bad config value', mutate((f) => { f.config.hidden = 0; }), /hidden = "0"/],
    ['NaN weight', JSON.stringify(good).replace(/"data":\[(-?[0-9.e-]+)/, '"data":[NaN'), /not a GRU Lab weights file/],
  ];
  for (const [what, text, pattern] of bad) {
    assert.equal(await page.evaluate((t) => window.gruLab.loadWeights(t), text), false, what);
    const message = await page.textContent('#message');
    assert.match(message, pattern, what);
    assert.match(message, /current run is unchanged/, what);
    assert.equal(await epoch(page), 2, `${what}: the run was kept`);
  }
  await stepTimes(page, 1);
  assert.equal(await epoch(page), 3);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('the tutorial\'s PyTorch .pth loads through the file input and predicts as well as in PyTorch', async () => {
  const page = await browser.page('/?dropout=0&epochs=50');
  await ready(page);
  await stepTimes(page, 1);
  await page.setInputFiles('#load', join(FIXTURES, 'tutorial_trained.pth'));
  await page.waitForFunction(() => document.querySelector('#cfg-cell').value === 'pytorch');
  assert.equal(await page.inputValue('#cfg-hidden'), '32');
  assert.equal(await page.inputValue('#cfg-layers'), '2');
  assert.equal(await epoch(page), 0);
  // The first epoch's loss is the MSE of the loaded weights on the tutorial's windows (no dropout).
  await stepTimes(page, 1);
  const run = JSON.parse(readFileSync(join(FIXTURES, 'tutorial_run.json'), 'utf8'));
  const loss = Number(await page.textContent('#loss'));
  assert.ok(Math.abs(loss - Number(run.mse_6)) < 2e-6, `loss ${loss} vs PyTorch's MSE ${run.mse_6}`);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('bad .pth files (broken, or tensors that fit no model) are refused with the reason and the current run goes on', async () => {
  const page = await browser.page(SMALL);
  await ready(page);
  await stepTimes(page, 2);
  const good = [...readFileSync(join(FIXTURES, 'tutorial_init.pth'))];
  const bad = [
    ['truncated .pth', good.slice(0, 1200), /not a PyTorch .pth state_dict/],
    ['random bytes as .pth', Array.from({ length: 300 }, (_, i) => (i * 7919) % 251), /not a ZIP archive/],
    ['empty .pth', [], /not a PyTorch .pth state_dict/],
    // Well-formed files whose tensors fit no model (written by src/pth.rs's tests).
    ...[
      ['bad_five_blocks.pth', /160 rows for hidden size 32 \(5H\), with bias_ih\/bias_hh: GRU 3H, LSTM 4H, RNN H/],
      ['bad_missing_key.pth', /weights lack "lstm.bias_hh_l1"/],
      ['bad_wrong_shape.pth', /"lstm.weight_hh_l1" have shape \[128, 16\], the model needs \[128, 32\]/],
    ].map(([file, pattern]) => [file, [...readFileSync(join(FIXTURES, file))], pattern]),
  ];
  for (const [what, bytes, pattern] of bad) {
    assert.equal(await page.evaluate((b) => window.gruLab.loadWeights(new Uint8Array(b)), bytes), false, what);
    const message = await page.textContent('#message');
    assert.match(message, pattern, what);
    assert.match(message, /current run is unchanged/, what);
    assert.equal(await epoch(page), 2, `${what}: the run was kept`);
    assert.equal(await page.inputValue('#cfg-cell'), 'cho', `${what}: the cell was kept`);
  }
  assert.equal(await page.evaluate(() => window.gruLab.loadWeights(42)), false);
  assert.match(await page.textContent('#message'), /loadWeights takes the text of a GRU Lab weights file or the bytes of a .pth file, not number/);
  await stepTimes(page, 1);
  assert.equal(await epoch(page), 3);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('weights that make the loss infinite stop training with the divergence message and keep the run', async () => {
  const page = await browser.page(SMALL);
  await ready(page);
  const good = JSON.parse(await page.evaluate(() => window.gruLab.saveWeights()));
  good.tensors['fc.weight'].data = good.tensors['fc.weight'].data.map((v) => (v >= 0 ? 1e30 : -1e30));
  assert.equal(await page.evaluate((t) => window.gruLab.loadWeights(t), JSON.stringify(good)), true);
  await page.click('#step');
  await page.waitForFunction(() => /loss diverged at epoch 1/.test(document.querySelector('#message').textContent));
  assert.match(await page.textContent('#message'), /lower the learning rate/);
  assert.equal(await epoch(page), 0, 'no epoch was counted');
  const kept = JSON.parse(await page.evaluate(() => window.gruLab.saveWeights()));
  assert.deepEqual(kept.tensors['fc.weight'].data, good.tensors['fc.weight'].data, 'the weights from before the epoch are kept');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('an LSTM .pth saved by PyTorch loads in the page: the cell, its heatmaps and its diagram follow the file', async () => {
  const page = await browser.page('/?dropout=0&epochs=50');
  await ready(page);
  await page.setInputFiles('#load', join(FIXTURES, 'lstm_init.pth'));
  await page.waitForFunction(() => document.querySelector('#cfg-cell').value === 'lstm');
  assert.equal(await page.inputValue('#cfg-hidden'), '32');
  assert.equal(await epoch(page), 0);
  // From PyTorch's seed-42 LSTM init with dropout 0 the first epoch's loss is PyTorch's first loss.
  await stepTimes(page, 1);
  const run = JSON.parse(readFileSync(join(FIXTURES, 'lstm_run.json'), 'utf8'));
  const loss = Number(await page.textContent('#loss'));
  assert.ok(Math.abs(loss - run.losses[0]) / run.losses[0] < 1e-4, `loss ${loss} vs PyTorch's ${run.losses[0]}`);
  assert.equal(await page.$$eval('#cell-picture svg .cell-state', (g) => g.length), 1);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('Save .pth writes the bytes our reader and PyTorch load (the seed-42 LSTM init equals the committed file)', async () => {
  const page = await browser.page('/?cell=lstm');
  await ready(page);
  const bytes = await page.evaluate(async () => [...await window.gruLab.savePth()]);
  assert.deepEqual(Buffer.from(bytes), readFileSync(join(FIXTURES, 'written_by_gru_lab_lstm.pth')));
  assert.deepEqual(page.problems, []);
  await page.close();
});
