// Embedding: the lesson page with two labs through the JS API and one through an iframe.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, screenshot } from './browser.mjs';

let browser;
let page;
before(async () => {
  browser = await start();
  page = await browser.page('/www/examples/lesson.html', { width: 1400, height: 1400 });
  await page.waitForFunction(() => window.lessonLabs && window.frameEvents.some((e) => e.type === 'gru-lab:ready'), null, { timeout: 90_000 });
});
after(async () => { await browser.close(); });

const epochs = () => page.evaluate(() => ({
  small: window.lessonLabs.small.epoch,
  large: window.lessonLabs.large.epoch,
  frame: window.frameEvents.filter((e) => e.type === 'gru-lab:epoch').length,
}));

test('the labs train independently: stepping one moves no other', async () => {
  await page.evaluate(async () => { await window.lessonLabs.small.step(); await window.lessonLabs.small.step(); });
  assert.deepEqual(await epochs(), { small: 2, large: 0, frame: 0 });
  await page.evaluate(() => window.lessonLabs.large.step());
  assert.deepEqual(await epochs(), { small: 2, large: 1, frame: 0 });
  assert.deepEqual(page.problems, []);
});

test('onEpoch fires once per epoch with the documented fields and a falling loss over 20 epochs', async () => {
  const seen = await page.evaluate(async () => {
    const lab = window.lessonLabs.small;
    const events = [];
    const off = lab.onEpoch((e) => events.push(e));
    for (let i = 0; i < 20; i++) await lab.step();
    off();
    return events.map((e) => ({
      epoch: e.epoch, loss: e.loss, lr: e.lr, ms: e.ms, backend: e.backend,
      predictions: e.predictions.length, layers: e.gates.layers.length,
    }));
  });
  assert.equal(seen.length, 20);
  assert.deepEqual(seen.map((e) => e.epoch), Array.from({ length: 20 }, (_, i) => i + 3));
  for (const e of seen) {
    assert.ok(e.loss > 0 && e.lr > 0 && e.ms >= 0 && /ndarray/.test(e.backend), JSON.stringify(e));
    assert.equal(e.layers, 1);
    assert.ok(e.predictions > 900);
  }
  assert.ok(seen[19].loss < seen[0].loss, `loss ${seen[0].loss} -> ${seen[19].loss}`);
  await screenshot(page, 'lesson');
});

test('the iframe posts epoch events, obeys a valid command and ignores malformed ones', async () => {
  await page.click('#frame-step');
  await page.waitForFunction(() => window.frameEvents.filter((e) => e.type === 'gru-lab:epoch').length === 1, null, { timeout: 60_000 });
  const event = await page.evaluate(() => window.frameEvents.find((e) => e.type === 'gru-lab:epoch'));
  assert.equal(event.epoch, 1);
  assert.ok(event.loss > 0);
  await page.evaluate(() => {
    const w = document.getElementById('lab-frame').contentWindow;
    w.postMessage('step', '*');
    w.postMessage({ type: 'gru-lab:command', command: 'eval', code: 'alert(1)' }, '*');
    w.postMessage({ type: 'gru-lab:command', command: 'step', extra: true }, '*');
    w.postMessage({ type: 'gru-lab:command', command: ['step'] }, '*');
    w.postMessage({ type: 'gru-lab:cmd', command: 'step' }, '*');
  });
  await page.waitForTimeout(2000);
  assert.equal((await epochs()).frame, 1, 'malformed commands were ignored');
  const frame = page.frames().find((f) => f.url().includes('embed=1'));
  assert.equal(await frame.textContent('#epoch'), '1');
  assert.deepEqual(page.problems, []);
});

test('a bad option rejects mount with an Error naming the option and the allowed values', async () => {
  const errors = await page.evaluate(async () => {
    const { mount } = await import('/www/lab.js');
    const tries = [{ hidden: 0 }, { panels: ['prediction', 'histogram'] }, { hidden: {} }, { colour: 'red' }, { cell: 'gru' }];
    const out = [];
    for (const options of tries) {
      const host = document.createElement('div');
      document.body.append(host);
      try { await mount(host, options); out.push('mounted'); } catch (e) { out.push(e.message); }
      out.push(host.childElementCount);
      host.remove();
    }
    return out;
  });
  assert.match(errors[0], /hidden = "0".*1 to 128/);
  assert.match(errors[2], /panels.*"histogram".*prediction, loss, runs, gates, cell, equations, gradients, forecast, architecture/);
  assert.match(errors[4], /hidden.*object.*number/);
  assert.match(errors[6], /option "colour" is unknown/);
  assert.match(errors[8], /cell = "gru".*"cho", "pytorch", "lstm" or "rnn"/);
  for (const i of [1, 3, 5, 7, 9]) assert.equal(errors[i], 0, 'nothing was left in the host element');
  // The host page keeps working.
  await page.evaluate(() => window.lessonLabs.large.step());
  assert.equal((await epochs()).large, 2);
});

test('destroy removes the lab and stops its training', async () => {
  const result = await page.evaluate(async () => {
    const lab = window.lessonLabs.large;
    let after = 0;
    let destroyed = false;
    lab.onEpoch(() => { if (destroyed) after++; });
    lab.play();
    await new Promise((r) => setTimeout(r, 300));
    lab.destroy();
    destroyed = true;
    await new Promise((r) => setTimeout(r, 1500));
    return { after, children: document.getElementById('lab-large').childElementCount, small: window.lessonLabs.small.epoch };
  });
  assert.equal(result.after, 0, 'no epoch after destroy');
  assert.equal(result.children, 0);
  await page.evaluate(() => window.lessonLabs.small.step());
  assert.equal((await epochs()).small, 23, 'the other lab still trains');
  assert.deepEqual(page.problems.filter((p) => !/lab destroyed/.test(p)), []);
});
