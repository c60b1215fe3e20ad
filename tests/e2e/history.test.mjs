// Travel through training and exports (issue 17): the scrubber redraws exactly what the page drew at
// that epoch; "continue from here" repeats the original run bit for bit (dropout on); the ghost curves;
// every export opens (chart PNGs at the canvas's size, the results figure, the history CSV with the
// documented header, the run file that Load restores).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { start, ready, screenshot } from './browser.mjs';

let browser;
before(async () => { browser = await start(); });
after(async () => { await browser.close(); });

// Two layers, so that dropout (between them) is on and its random stream matters.
// Every panel on one page (dive=all): the scrubber moves the hidden deep dives too.
const SMALL = '/?hidden=6&layers=2&points=120&window=6&epochs=60&dropout=0.2&split=0.2&dive=all';
const COMPARED = ['prediction', 'gates', 'gradients'];

/** An FNV-1a hash of each compared canvas's pixels. */
function pixels(page) {
  return page.evaluate((ids) => Object.fromEntries(ids.map((id) => {
    const canvas = document.querySelector(`#${id}-chart`);
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let h = 0x811c9dc5;
    for (let i = 0; i < data.length; i++) h = Math.imul(h ^ data[i], 0x01000193) >>> 0;
    return [id, `${canvas.width}x${canvas.height}:${h.toString(16)}`];
  })), COMPARED);
}

/** Waits until every panel shows epoch `n` (the snapshot panels drew it). */
async function shown(page, n) {
  // `settled`: the panels that draw from the reports (gradients) may draw a frame or more later, when
  // a frame's budget ran out first.
  await page.waitForFunction((want) => {
    const lab = window.gruLab;
    return lab.shownEpoch === want && lab.drawnEpoch === want && lab.settled;
  }, n, { timeout: 60_000 });
}

async function downloaded(page, action) {
  const [file] = await Promise.all([page.waitForEvent('download'), action()]);
  return { name: file.suggestedFilename(), bytes: readFileSync(await file.path()) };
}

/** A PNG's width and height, read from its IHDR chunk. */
function pngSize(bytes) {
  assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG');
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

test('scrubbing to epoch k redraws what the page drew at k; continuing from k repeats the run bit for bit', async () => {
  const page = await browser.page(SMALL);
  await ready(page);
  const drawnAt = {};
  for (let e = 1; e <= 8; e++) {
    await page.evaluate(() => window.gruLab.step());
    await shown(page, e);
    if (e === 3 || e === 6) drawnAt[e] = await pixels(page);
  }
  const original = await page.evaluate(() => window.gruLab.losses);
  assert.equal(original.length, 8);
  // The history bar: the slider over the 8 epochs, every epoch kept.
  assert.equal(await page.getAttribute('#scrub', 'max'), '8');
  assert.match(await page.textContent('#scrub-keep'), /every epoch kept/);

  for (const k of [3, 6]) {
    await page.evaluate((e) => window.gruLab.scrubTo(e), k);
    await shown(page, k);
    assert.deepEqual(await pixels(page), drawnAt[k], `epoch ${k} as drawn then`);
    assert.match(await page.textContent('#scrub-label'), new RegExp(`epoch ${k} of 8`));
    assert.equal(await page.textContent('#epoch'), String(k));
    // Scrubbed back, the later epochs are the loss chart's faint curve.
    assert.equal((await page.evaluate(() => window.gruLab.ghost)).losses.length, 8);
  }
  // The slider answers the keyboard when it has focus.
  await page.focus('#scrub');
  await page.keyboard.press('ArrowLeft');
  await shown(page, 5);
  await screenshot(page, 'history-scrubbed-1400px');
  // Nothing was trained by looking.
  assert.equal(await page.evaluate(() => window.gruLab.trainedEpochs), 8);

  await page.click('#continue-from');
  await page.waitForFunction(() => window.gruLab.epoch === 5 && window.gruLab.shownEpoch === 5);
  const ghost = await page.evaluate(() => window.gruLab.ghost);
  assert.match(ghost.name, /abandoned epochs 6–8/);
  assert.deepEqual(ghost.losses, original);
  for (let e = 6; e <= 8; e++) await page.evaluate(() => window.gruLab.step());
  const continued = await page.evaluate(() => window.gruLab.losses);
  // Bit for bit: the same weights, Adam moments, scheduler and dropout masks as the first time.
  assert.deepEqual(continued, original);
  await screenshot(page, 'history-continued-1400px');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('after a Reset the previous run stays as a ghost curve until dismissed', async () => {
  const page = await browser.page(SMALL);
  await ready(page);
  for (let e = 0; e < 3; e++) await page.evaluate(() => window.gruLab.step());
  const before = await page.evaluate(() => window.gruLab.losses);
  await page.click('#reset');
  await page.waitForFunction(() => window.gruLab.epoch === 0 && window.gruLab.ghost);
  const ghost = await page.evaluate(() => window.gruLab.ghost);
  assert.match(ghost.name, /previous run/);
  assert.deepEqual(ghost.losses, before);
  await page.waitForSelector('#ghost-dismiss:not([hidden])');
  // A config change keeps the newest run's curve as the ghost.
  await page.evaluate(() => window.gruLab.step());
  await page.fill('#cfg-hidden', '5');
  await page.dispatchEvent('#cfg-hidden', 'change');
  await page.waitForFunction(() => window.gruLab.config.hidden === 5 && window.gruLab.ghost && window.gruLab.ghost.losses.length === 1);
  await page.click('#ghost-dismiss');
  await page.waitForFunction(() => window.gruLab.ghost === null);
  await page.waitForSelector('#ghost-dismiss[hidden]', { state: 'attached' });
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('every export opens: chart PNGs, the results figure, the history CSV, the run file', async () => {
  const page = await browser.page(SMALL);
  await ready(page);
  for (let e = 0; e < 4; e++) await page.evaluate(() => window.gruLab.step());
  await shown(page, 4);

  for (const id of ['prediction', 'loss', 'gates', 'gradients']) {
    const png = await downloaded(page, () => page.click(`#${id}-png`));
    assert.equal(png.name, `gru-lab-${id}.png`);
    const canvas = await page.$eval(`#${id}-chart`, (c) => [c.width, c.height]);
    assert.deepEqual(pngSize(png.bytes), canvas, `${id}: the PNG has the canvas's pixels`);
  }

  const figure = await downloaded(page, () => page.selectOption('#export', 'results'));
  assert.equal(figure.name, 'gru_sine_wave_results.png');
  assert.deepEqual(pngSize(figure.bytes), [1500, 1700]);

  const csv = await downloaded(page, () => page.selectOption('#export', 'history'));
  const lines = csv.bytes.toString('utf8').trim().split('\n');
  const header = lines[0].split(',');
  assert.deepEqual(header.slice(0, 7), ['epoch', 'loss', 'val_loss', 'lr', 'grad_norm', 'ms', 'dh_l0_t1']);
  // GRU (cho), 2 layers, window 6: dh and the gate highway per layer and step.
  assert.equal(header.length, 6 + 2 * 2 * 6);
  assert.equal(lines.length, 5);
  const losses = await page.evaluate(() => window.gruLab.losses);
  lines.slice(1).forEach((line, i) => {
    const cells = line.split(',');
    assert.equal(cells.length, header.length);
    assert.equal(Number(cells[0]), i + 1);
    assert.equal(Number(cells[1]), losses[i]);
    assert.ok(Number(cells[2]) > 0, 'the validation loss (split 0.2)');
  });

  const run = await downloaded(page, () => page.selectOption('#export', 'run'));
  const text = run.bytes.toString('utf8');
  const file = JSON.parse(text);
  assert.equal(file.format, 'gru-lab-run/1');
  assert.equal(file.reports.length, 4);
  assert.equal(file.config.hidden, 6);

  // Load restores the run: config, history (the loss curve), weights and the dropout stream; the
  // next epoch's loss (measured before its update) equals the original run's.
  const other = await browser.page('/?hidden=3&layers=1');
  await ready(other);
  assert.equal(await other.evaluate((t) => window.gruLab.loadWeights(t), text), true);
  assert.equal(await other.evaluate(() => window.gruLab.epoch), 4);
  assert.deepEqual(await other.evaluate(() => window.gruLab.losses), losses);
  assert.equal(await other.inputValue('#cfg-hidden'), '6');
  await page.evaluate(() => window.gruLab.step());
  await other.evaluate(() => window.gruLab.step());
  const [a, b] = await Promise.all([page, other].map((p) => p.evaluate(() => window.gruLab.losses)));
  assert.equal(b[4], a[4]);
  // A loaded run is shown back to the epoch it was saved at, not before.
  assert.equal(await other.getAttribute('#scrub', 'min'), '4');
  // A bad run file is refused with the reason; the run goes on.
  const broken = JSON.stringify({ ...file, reports: file.reports.slice(1) });
  assert.equal(await other.evaluate((t) => window.gruLab.loadWeights(t), broken), false);
  assert.match(await other.textContent('#message'), /run file history/);
  assert.equal(await other.evaluate(() => window.gruLab.epoch), 5);
  assert.deepEqual(page.problems, []);
  assert.deepEqual(other.problems, []);
  await page.close();
  await other.close();
});

test('the history bar at a phone width', async () => {
  const page = await browser.page(SMALL, { width: 390, height: 844 });
  await ready(page);
  for (let e = 0; e < 5; e++) await page.evaluate(() => window.gruLab.step());
  await page.evaluate(() => window.gruLab.scrubTo(2));
  await shown(page, 2);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow} px wider than the phone`);
  await screenshot(page, 'history-scrubbed-390px');
  assert.deepEqual(page.problems, []);
  await page.close();
});
