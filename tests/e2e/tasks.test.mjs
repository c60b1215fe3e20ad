// The tasks in the page: every task trains, a held-out set gives a validation loss (status line,
// onEpoch, the loss chart), the memory tasks draw predicted-against-target and the selected window's
// inputs, and the new fields round-trip through the URL. The teaching picture (the adding problem after
// 300 epochs, a plain RNN beside a GRU) is trained once, in compare mode: compare.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, ready, colours } from './browser.mjs';
import { nativeHistory } from './native.mjs';

let browser;
before(async () => { browser = await start(); });
after(async () => { await browser.close(); });

const TASKS = ['sine', 'two-tone', 'square', 'sawtooth', 'noisy-sine', 'adding', 'recall'];

test('every task trains in the page and reports the native run\'s validation loss', async () => {
  for (const task of TASKS) {
    const config = { task, hidden: 8, layers: 1, points: 300, samples: 100, split: 0.2, window: 10 };
    const query = new URLSearchParams(Object.entries(config).map(([k, v]) => [k, String(v)]));
    const page = await browser.page(`/?${query}`);
    await ready(page);
    const events = await page.evaluate(async () => {
      const seen = [];
      window.gruLab.onEpoch((e) => seen.push({ loss: e.loss, valLoss: e.valLoss }));
      for (let i = 0; i < 3; i++) await window.gruLab.step();
      return seen;
    });
    const native = nativeHistory(config, 3);
    events.forEach((e, i) => {
      assert.ok(Math.abs(e.loss - native[i].loss) <= 1e-4 * native[i].loss, `${task} epoch ${i + 1}: loss ${e.loss} vs native ${native[i].loss}`);
      assert.ok(Math.abs(e.valLoss - native[i].val_loss) <= 1e-4 * native[i].val_loss, `${task} epoch ${i + 1}: validation ${e.valLoss} vs native ${native[i].val_loss}`);
    });
    assert.equal(Number(await page.textContent('#val-loss')).toFixed(4), events[2].valLoss.toFixed(4), `${task}: the status line shows it`);
    assert.ok(await colours(page, '#loss-chart') > 10, `${task}: loss chart drawn`);
    assert.ok(await colours(page, '#prediction-chart') > 10, `${task}: prediction chart drawn`);
    assert.deepEqual(page.problems, [], task);
    await page.close();
  }
});

test('the new fields round-trip through the URL and a series task keeps the tutorial\'s default of no split', async () => {
  const page = await browser.page('/?task=adding&window=120&samples=300&noise=0.25&split=0.3&cell=rnn');
  await ready(page);
  const config = await page.evaluate(() => window.gruLab.config);
  assert.deepEqual([config.task, config.window, config.samples, config.noise, config.split, config.cell], ['adding', 120, 300, 0.25, 0.3, 'rnn']);
  const query = new URL(page.url()).searchParams;
  assert.equal(query.get('task'), 'adding');
  assert.equal(query.get('window'), '120');
  assert.equal(await page.isVisible('#val-loss'), false, 'no validation loss before the first epoch');
  await page.close();
  const tutorial = await browser.page('/');
  await ready(tutorial);
  await tutorial.evaluate(() => window.gruLab.step());
  assert.equal(await tutorial.isVisible('#val-loss'), false, 'the tutorial holds nothing out');
  await tutorial.close();
});
