// The learner's own series (task csv): a table of bad texts, each refused in the page with the same
// message the CLI gives for the same file (one line, exit 2), the run going on untouched; a good file
// trains to the native run's numbers, is drawn in its own units, stays when other controls change and
// never enters the URL. Screenshots at a desktop and a phone width (artifacts/series-*.png).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { start, ready, colours, screenshot } from './browser.mjs';
import { CLI, ROOT, nativeHistory } from './native.mjs';

let browser;
let dir;
before(async () => {
  browser = await start();
  dir = mkdtempSync(join(tmpdir(), 'gru-lab-series-'));
});
after(async () => {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
});

const lines = (n, value = (i) => Math.sin(i / 3).toFixed(4)) => Array.from({ length: n }, (_, i) => value(i)).join('\n');

/** [what, text, column, the message (the CLI's and the page's)]. Windows of 10 (the default). */
const BAD = [
  ['nothing', '', '', 'there is no data: paste one value per line, or choose a CSV file'],
  ['blank lines only', '\n  \n\n', '', 'there is no data: paste one value per line, or choose a CSV file'],
  ['a header and no values', 'price\n', '', 'line 1, column "price": the column is empty: there are no values under the header'],
  ['a word among numbers', `x\n${lines(5)}\nabc\n${lines(20)}`, '', 'line 7, column "x": "abc" is not a number'],
  ['NaN', `${lines(12)}\nNaN\n${lines(20)}`, '', 'line 13, column "column 1": "NaN" is not a finite number (NaN and infinity cannot be learned)'],
  ['infinity', `${lines(3)}\ninf\n${lines(20)}`, '', 'line 4, column "column 1": "inf" is not a finite number (NaN and infinity cannot be learned)'],
  ['minus infinity', `v\n${lines(30)}\n-Infinity`, '', 'line 32, column "v": "-Infinity" is not a finite number (NaN and infinity cannot be learned)'],
  ['too few values', `v\n${lines(12)}`, '', 'line 13, column "v": only 12 values (lines 2–13); a window of 10 needs at least 20 (window + 10)'],
  ['one value', '3.5', '', 'line 1, column "column 1": only 1 value (lines 1–1); a window of 10 needs at least 20 (window + 10)'],
  ['a gap', `${lines(8)}\n\n${lines(20)}`, '', 'line 9, column "column 1": the cell is empty (a series cannot have gaps)'],
  ['an empty quoted cell', `a,b\n${lines(5, (i) => `${i},${i * 2}`)}\n7,""\n${lines(20, (i) => `${i},1`)}`, 'b', 'line 7, column "b": the cell is empty (a series cannot have gaps)'],
  ['a short row', `a,b\n${lines(4, (i) => `${i},${i}`)}\n9\n${lines(20, (i) => `${i},${i}`)}`, 'b', 'line 6, column "b": the line has 1 cell and this column is cell 2'],
  ['an unknown column', `date,price\n${lines(30, (i) => `2024-${i},${i}`)}`, 'cost', 'line 1: there is no column "cost": the columns are "date", "price"'],
  ['a column number past the last', `a,b\n${lines(30, (i) => `${i},${i}`)}`, '3', 'line 1: there is no column "3": the columns are "a", "b"'],
  ['a decimal comma', `x;y\n${lines(4, (i) => `${i};${i}`)}\n1,5;2\n${lines(20, (i) => `${i};${i}`)}`, 'x', 'line 6, column "x": "1,5" is not a number'],
  ['a unit in the cell', `kg\n${lines(10)}\n12 kg\n${lines(20)}`, '', 'line 12, column "kg": "12 kg" is not a number'],
  ['a constant series', lines(40, () => '5'), '', 'column "column 1": every value is 5: a constant series has nothing to learn'],
  ['over the limit', `v\n${lines(100_001, (i) => String(i % 97))}`, '', 'line 100002, column "v": more than 100,000 values (the limit): cut the series'],
];

/** The CLI on `text` (as a file): its exit status and its one-line message without `error: FILE: `. */
function cli(text, column) {
  const file = join(dir, 'series.csv');
  writeFileSync(file, text);
  const args = ['train', '--task', 'csv', '--data', file, '--epochs', '1', '--out', dir];
  if (column) args.push('--column', column);
  const run = spawnSync(CLI, args, { cwd: ROOT, encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, message: run.stderr.replace(`error: ${file}: `, '').trimEnd() };
}

test('bad series are refused with the line, the column and the problem, in the page and the CLI alike; the run goes on', async () => {
  const page = await browser.page('/?hidden=8&layers=1');
  await ready(page);
  await page.evaluate(async () => { await window.gruLab.step(); await window.gruLab.step(); });
  const lossBefore = await page.evaluate(() => window.gruLab.losses);
  for (const [what, text, column, message] of BAD) {
    const native = cli(text, column);
    assert.equal(native.status, 2, `${what}: the CLI exits 2\n${native.stderr}`);
    assert.equal(native.stdout, '', `${what}: nothing printed before the refusal`);
    assert.equal(native.stderr.split('\n').filter(Boolean).length, 1, `${what}: one line\n${native.stderr}`);
    assert.equal(native.message, message, `${what}: CLI message`);
    const taken = await page.evaluate(([t, c]) => window.gruLab.useSeries(t, { column: c }), [text, column]);
    assert.equal(taken, false, what);
    assert.equal(await page.textContent('#series-error'), `${message}. The current run is unchanged.`, `${what}: page message`);
    assert.ok(await page.isVisible('#series-error'), `${what}: shown`);
    const state = await page.evaluate(() => ({ epoch: window.gruLab.epoch, task: window.gruLab.config.task, losses: window.gruLab.losses }));
    assert.deepEqual(state, { epoch: 2, task: 'sine', losses: lossBefore }, `${what}: the run is untouched`);
  }
  await page.evaluate(() => window.gruLab.step());
  assert.equal(await page.evaluate(() => window.gruLab.epoch), 3, 'training goes on after the refusals');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a learner\'s CSV trains like the CLI on the same file, in its own units, and stays out of the URL', async () => {
  const file = join(ROOT, 'www', 'data', 'airline-passengers.csv');
  const page = await browser.page('/?hidden=8&layers=1&split=0.2&dropout=0');
  await ready(page);
  // Choosing the task opens the data box; the example button reads the bundled file.
  await page.selectOption('#cfg-task', 'csv');
  assert.ok(await page.isVisible('#series-text'), 'the data box opens');
  assert.equal(await page.evaluate(() => window.gruLab.config.task), 'sine', 'nothing changes before data is taken');
  await page.click('text=Example: airline passengers');
  await page.waitForFunction(() => window.gruLab.config.task === 'csv' && document.querySelector('#backend').textContent);
  await ready(page);
  assert.match(await page.textContent('#series-summary'), /^144 values of "passengers" \(lines 2–145\); the net sees \(x − 2\d\d(\.\d+)?\) \/ \d+(\.\d+)?/);
  const events = await page.evaluate(async () => {
    const seen = [];
    window.gruLab.onEpoch((e) => seen.push({ loss: e.loss, valLoss: e.valLoss }));
    for (let i = 0; i < 3; i++) await window.gruLab.step();
    return seen;
  });
  const native = nativeHistory({ data: file, hidden: 8, layers: 1, split: 0.2, dropout: 0 }, 3);
  events.forEach((e, i) => {
    assert.ok(Math.abs(e.loss - native[i].loss) <= 1e-4 * native[i].loss, `epoch ${i + 1}: loss ${e.loss} vs native ${native[i].loss}`);
    assert.ok(Math.abs(e.valLoss - native[i].val_loss) <= 1e-4 * native[i].val_loss, `epoch ${i + 1}: validation ${e.valLoss} vs native ${native[i].val_loss}`);
  });
  // Drawn in passengers, not standardised units: the readout of sample 0 (line 12, 104 passengers).
  assert.match(await page.textContent('.sample-label'), /line 12 · truth 104\.0000 · prediction \d{2,3}\.\d{4}/);
  assert.ok(await colours(page, '#prediction-chart') > 10);
  // Not in the URL; kept when another control changes, and when the task goes away and comes back.
  assert.ok(!page.url().includes('passengers') && page.url().length < 400, page.url());
  assert.equal(new URL(page.url()).searchParams.get('task'), 'csv');
  await page.fill('#cfg-hidden', '6');
  await page.dispatchEvent('#cfg-hidden', 'change');
  await page.waitForFunction(() => window.gruLab.config.hidden === 6);
  assert.equal(await page.evaluate(() => window.gruLab.config.series.values.length), 144);
  await page.selectOption('#cfg-task', 'sine');
  await page.waitForFunction(() => window.gruLab.config.task === 'sine');
  assert.equal(await page.isVisible('#series-text'), false, 'the box closes with another task');
  await page.selectOption('#cfg-task', 'csv');
  await page.waitForFunction(() => window.gruLab.config.task === 'csv');
  await ready(page);
  for (let i = 0; i < 60; i++) await page.evaluate(() => window.gruLab.step());
  await page.waitForFunction(() => window.gruLab.drawnEpoch === 60, null, { timeout: 60_000 });
  await screenshot(page, 'series-airline-desktop');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  await screenshot(page, 'series-airline-phone');
  assert.deepEqual(page.problems, []);
  await page.close();
  // The CLI prints the scaling and the error in the data's units.
  const out = spawnSync(CLI, ['train', '--data', file, '--split', '0.2', '--hidden', '8', '--layers', '1', '--epochs', '2', '--out', dir], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
  assert.match(out.stdout, /Series: column "passengers", 144 values; standardised/);
  assert.match(out.stdout, /Validation RMSE: [\d.]+\nIn the series' own units: MAE [\d.]+, RMSE [\d.]+/);
  assert.ok(readFileSync(join(dir, 'gru_sine_wave_model.json'), 'utf8').includes('"passengers"'), 'the weights file keeps its series');
});
