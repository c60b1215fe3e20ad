// Compare mode: runs side by side on the same data and seed, each in its own worker. Each run's losses
// equal the same configuration trained alone; the overlay and the table are drawn; a compare URL
// restores; bad compare input is refused by field; a run that diverges stops alone; and the teaching
// race (RNN vs GRU vs LSTM on the adding problem, 300 epochs; artifacts/compare-adding-*.png).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, ready, colours, screenshot } from './browser.mjs';

let browser;
before(async () => { browser = await start(); });
after(async () => { await browser.close(); });

const SMALL = 'hidden=8&layers=1&points=300';

/** Losses of `epochs` Steps of one run alone. */
async function alone(query, epochs) {
  const page = await browser.page(`/?${query}`);
  await ready(page);
  const losses = await page.evaluate(async (n) => {
    for (let i = 0; i < n; i++) await window.gruLab.step();
    return window.gruLab.losses;
  }, epochs);
  await page.close();
  return losses;
}

test('three cells train together, each exactly as it trains alone; overlay, table and URL', async () => {
  const page = await browser.page(`/?${SMALL}&split=0.2&compare=rnn,cho,lstm:hidden=6`);
  await ready(page);
  const events = await page.evaluate(async () => {
    const seen = [];
    window.gruLab.onEpoch((e) => seen.push({ run: e.run, epoch: e.epoch, label: e.label }));
    for (let i = 0; i < 5; i++) await window.gruLab.step();
    return seen;
  });
  assert.equal(events.length, 15, 'one onEpoch per run and epoch');
  assert.deepEqual([...new Set(events.map((e) => e.label))], ['rnn 1×8', 'cho 1×8', 'lstm 1×6']);
  const runs = await page.evaluate(() => window.gruLab.runs);
  assert.deepEqual(runs.map((r) => r.epoch), [5, 5, 5]);
  for (const [run, query] of [[0, 'cell=rnn'], [1, 'cell=cho'], [2, 'cell=lstm&hidden=6']]) {
    const solo = await alone(`${SMALL}&split=0.2&${query}`, 5);
    assert.deepEqual(runs[run].losses, solo, `${runs[run].label}: the same losses as alone`);
  }
  assert.ok(await colours(page, '#loss-chart') > 10, 'the overlay is drawn');
  assert.ok(await colours(page, '#prediction-chart') > 10);
  assert.equal(await page.$$eval('#runs-table tbody tr', (rows) => rows.length), 3);
  assert.match(await page.textContent('#runs-table tbody'), /★ best/);
  // Choosing a run shows its gates (the LSTM's four).
  await page.click('#runs-table tbody tr:nth-child(3) button');
  await page.click('#dive-architecture');
  await page.waitForFunction(() => document.querySelector('#architecture svg') && /LSTM/.test(document.querySelector('#architecture').textContent));
  // The compare list stays readable in the URL and restores.
  const url = page.url();
  assert.match(url, /compare=rnn,cho,lstm:hidden=6(&|$)/);
  await screenshot(page, 'compare-sine-desktop');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  await screenshot(page, 'compare-sine-phone');
  assert.deepEqual(page.problems, []);
  await page.close();
  const again = await browser.page(new URL(url).pathname + new URL(url).search);
  await ready(again);
  assert.deepEqual((await again.evaluate(() => window.gruLab.runs)).map((r) => r.label), ['rnn 1×8', 'cho 1×8', 'lstm 1×6']);
  assert.equal(await again.inputValue('#cfg-compare'), 'rnn,cho,lstm:hidden=6');
  await again.close();
});

test('bad compare input is refused by field; the good runs are kept; mount() rejects it', async () => {
  const page = await browser.page(`/?${SMALL}&compare=rnn,gru,lstm:hidden=500,cho:seed=3`);
  await ready(page);
  const message = await page.textContent('#message');
  assert.match(message, /compare\[2\]\.cell = "gru" is not allowed: compare\[2\]\.cell must be one of "cho", "pytorch", "lstm" or "rnn"/);
  assert.match(message, /compare\[3\]\.hidden = "500" is not allowed: .*1 to 128/);
  assert.match(message, /compare\[4\] = "seed=3" is not allowed: .*shared/);
  assert.deepEqual((await page.evaluate(() => window.gruLab.runs)).map((r) => r.label), ['rnn 1×8']);
  await page.fill('#cfg-compare', 'rnn,cho,lstm,pytorch,rnn');
  await page.dispatchEvent('#cfg-compare', 'change');
  await page.waitForFunction(() => /at most 4 runs/.test(document.querySelector('#message').textContent));
  const rejected = await page.evaluate(async () => {
    const { mount } = await import('./www/lab.js');
    const box = document.createElement('div');
    document.body.append(box);
    try {
      await mount(box, { compare: [{ cell: 'rnn' }, { cell: 'lstm', hidden: 0 }] });
      return 'mounted';
    } catch (e) {
      return e.message;
    }
  });
  assert.match(rejected, /compare\[2\]\.hidden = "0" is not allowed/);
  await page.close();
});

test('a run that diverges stops alone, with its message; the others go on', async () => {
  const page = await browser.page(`/?${SMALL}&compare=rnn,cho,lstm`);
  await ready(page);
  const good = JSON.parse(await page.evaluate(() => window.gruLab.saveWeights({ run: 1 })));
  good.tensors['fc.weight'].data = good.tensors['fc.weight'].data.map((v) => (v >= 0 ? 1e30 : -1e30));
  assert.equal(await page.evaluate((t) => window.gruLab.loadWeights(t, { run: 1 }), JSON.stringify(good)), true);
  await page.evaluate(async () => { await window.gruLab.step(); await window.gruLab.step(); });
  const runs = await page.evaluate(() => window.gruLab.runs);
  assert.deepEqual(runs.map((r) => r.epoch), [2, 0, 2], 'the others trained on');
  assert.equal(runs[1].error.kind, 'diverged');
  assert.match(await page.textContent('#message'), /cho 1×8 \(file\): loss diverged at epoch 1.*This run stopped; the others go on/);
  assert.match(await page.textContent('#runs-table tbody'), /stopped: diverged/);
  // Play trains the others and leaves it stopped.
  await page.evaluate(() => { window.gruLab.play(); });
  await page.waitForFunction(() => window.gruLab.runs[0].epoch >= 6);
  await page.evaluate(() => window.gruLab.pause());
  assert.equal((await page.evaluate(() => window.gruLab.runs))[1].epoch, 0);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('the ready-made race: RNN vs GRU vs LSTM on the adding problem, one preset away', async () => {
  const page = await browser.page('/');
  await ready(page);
  await page.selectOption('#preset', 'race');
  await page.waitForFunction(() => window.gruLab.runs.length === 3 && window.gruLab.config.task === 'adding');
  await ready(page);
  assert.deepEqual((await page.evaluate(() => window.gruLab.runs)).map((r) => r.label), ['rnn 1×32', 'cho 1×32', 'lstm 1×32']);
  assert.deepEqual(await page.evaluate(() => [window.gruLab.config.window, window.gruLab.config.epochs]), [60, 300]);
  assert.equal(await page.inputValue('#cfg-compare'), 'rnn,cho,lstm');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('as a learner: the adding problem (T = 60), 300 epochs side by side: the RNN at chance, the GRU solves it', async () => {
  const page = await browser.page('/?task=adding&layers=1&window=60&epochs=300&compare=rnn,cho&sample=3', { width: 1400, height: 1000 });
  await ready(page);
  await page.evaluate(() => window.gruLab.play());
  const runs = await page.evaluate(() => window.gruLab.runs);
  assert.deepEqual(runs.map((r) => r.epoch), [300, 300]);
  const best = Object.fromEntries(runs.map((r) => [r.config.cell, Math.min(...r.valLosses)]));
  console.log(`# adding T=60 in the page, 300 epochs, best validation MSE: ${JSON.stringify(best)}`);
  assert.ok(best.rnn > 0.05, `rnn ${best.rnn}`);
  assert.ok(best.cho < 0.01, `cho ${best.cho}`);
  await page.waitForFunction(() => window.gruLab.drawnEpoch === 300, null, { timeout: 60_000 });
  assert.ok(await colours(page, '#prediction-chart') > 10);
  await page.waitForTimeout(300);
  await screenshot(page, 'compare-adding-300-epochs');
  // Each run's own gates, as a learner would show them one after the other.
  for (const [index, cell] of [[0, 'rnn'], [1, 'cho']]) {
    await page.click(`#runs-table tbody tr:nth-child(${index + 1}) button`);
    await page.waitForFunction((c) => window.gruLab.config && document.querySelector('#runs-table tr.chosen') && document.querySelector('#runs-table tr.chosen').textContent.includes(c), cell);
    await page.waitForFunction(() => window.gruLab.drawnEpoch === 300, null, { timeout: 60_000 });
    await page.waitForTimeout(300);
    await screenshot(page, `adding-${cell}-300-epochs`);
  }
  assert.deepEqual(page.problems, []);
  await page.close();
});
