// The <gru-lab> custom element (www/lab/element.js) on a course page that writes only HTML
// (www/examples/element.html): attributes are the options, events carry every epoch, methods drive it,
// and a changed attribute builds the lab anew.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start } from './browser.mjs';

let browser;
let page;
before(async () => {
  browser = await start();
  page = await browser.page('/www/examples/element.html', { width: 1000, height: 1000 });
  await page.waitForFunction(() => window.labEvents.some((e) => e.type === 'gru-lab-ready'), null, { timeout: 90_000 });
});
after(async () => { await browser.close(); });

const events = (type) => page.evaluate((t) => window.labEvents.filter((e) => e.type === t).map(({ epoch, target }) => ({ epoch, target })), type);

test('the attributes are the options: an 8-unit LSTM, shown although its attribute is named hidden', async () => {
  const lab = await page.evaluate(() => {
    const el = document.getElementById('lab');
    const box = el.getBoundingClientRect();
    return { config: el.lab.config, height: box.height };
  });
  assert.equal(lab.config.cell, 'lstm');
  assert.equal(lab.config.hidden, 8);
  assert.equal(lab.config.layers, 1);
  assert.equal(lab.config.points, 300);
  assert.ok(lab.height > 200, `the element is ${lab.height} px high`);
  assert.deepEqual(await events('gru-lab-ready'), [{ epoch: 0, target: 'lab' }]);
  assert.deepEqual(page.problems, []);
});

test('methods step, play, pause and reset drive it; gru-lab-epoch carries what onEpoch gives', async () => {
  await page.click('#step-twice');
  await page.waitForFunction(() => window.labEvents.filter((e) => e.type === 'gru-lab-epoch').length === 2);
  const detail = await page.evaluate(() => {
    const d = window.labEvents.at(-1).detail;
    return { epoch: d.epoch, loss: d.loss, predictions: d.predictions.length, gates: d.gates.layers.length };
  });
  assert.equal(detail.epoch, 2);
  assert.ok(Number.isFinite(detail.loss) && detail.loss > 0);
  assert.equal(detail.predictions, 290);
  assert.equal(detail.gates, 1);
  // Play trains to the run's last epoch (the epochs attribute, 60) unless paused.
  const played = await page.evaluate(async () => {
    const el = document.getElementById('lab');
    const playing = el.play();
    while (el.lab.epoch < 5) await new Promise((r) => setTimeout(r, 10));
    await el.pause();
    await playing;
    return el.lab.epoch;
  });
  assert.ok(played >= 5 && played < 60, `paused at ${played}`);
  const seen = (await events('gru-lab-epoch')).map((e) => e.epoch);
  assert.deepEqual(seen, Array.from({ length: played }, (_, i) => i + 1));
  await page.evaluate(() => document.getElementById('lab').reset());
  assert.equal(await page.evaluate(() => document.getElementById('lab').lab.epoch), 0);
  assert.deepEqual(page.problems, []);
});

test('a changed attribute builds the lab anew; a bad one is named in the lab, which keeps working', async () => {
  const before = (await events('gru-lab-ready')).length;
  await page.evaluate(() => {
    const el = document.getElementById('lab');
    el.setAttribute('cell', 'rnn');
    el.setAttribute('layers', '2');
  });
  // Two attributes set together: one new lab.
  await page.waitForFunction((n) => window.labEvents.filter((e) => e.type === 'gru-lab-ready').length === n + 1, before);
  let config = await page.evaluate(() => document.getElementById('lab').lab.config);
  assert.equal(config.cell, 'rnn');
  assert.equal(config.layers, 2);
  assert.equal(config.hidden, 8);
  await page.evaluate(() => document.getElementById('lab').setAttribute('hidden', '9999'));
  await page.waitForFunction((n) => window.labEvents.filter((e) => e.type === 'gru-lab-ready').length === n + 2, before);
  const message = await page.evaluate(() => document.getElementById('lab').textContent);
  assert.match(message, /hidden = "9999" is not allowed: hidden must be an integer from 1 to \d+/);
  config = await page.evaluate(async () => {
    const el = document.getElementById('lab');
    await el.step();
    return { ...el.lab.config, epoch: el.lab.epoch };
  });
  assert.equal(config.cell, 'rnn');
  assert.equal(config.hidden, 32);
  assert.equal(config.epoch, 1);
  assert.deepEqual(page.problems, []);
});

test('removed from the page, the element stops its lab', async () => {
  const left = await page.evaluate(async () => {
    const el = document.getElementById('lab');
    el.remove();
    return { lab: el.lab, children: el.childElementCount };
  });
  assert.deepEqual(left, { lab: null, children: 0 });
  assert.deepEqual(page.problems, []);
});
