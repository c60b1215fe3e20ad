// Bad input, table-driven: URL values, control values and JS API options. Each must give a message that
// names the field (or option), the value and what is allowed, as text, and the lab must still train.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, ready, epoch, stepTimes } from './browser.mjs';

let browser;
before(async () => { browser = await start(); });
after(async () => { await browser.close(); });

const SMALL = 'hidden=4&layers=1&points=50&window=5&epochs=20';

// [query, pattern the message must match]
const URL_CASES = [
  ['hidden=0', /hidden = "0".*integer from 1 to 128/],
  ['hidden=129', /hidden = "129".*1 to 128/],
  ['hidden=abc', /hidden = "abc".*1 to 128/],
  ['hidden=1.5', /hidden = "1.5".*integer/],
  ['hidden=-3', /hidden = "-3"/],
  ['layers=0', /layers = "0".*1 to 4/],
  ['layers=99', /layers = "99".*1 to 4/],
  ['cell=gru', /cell = "gru".*"cho", "pytorch", "lstm" or "rnn"/],
  ['cell=', /cell = "".*"cho", "pytorch", "lstm" or "rnn"/],
  ['lr=0', /lr = "0".*0\.00001 to 1|lr = "0".*1e-5 to 1/],
  ['lr=2', /lr = "2"/],
  ['lr=abc', /lr = "abc"/],
  ['lr=NaN', /lr = "NaN"/],
  ['dropout=1', /dropout = "1".*0 to 0\.9/],
  ['dropout=-0.1', /dropout = "-0.1"/],
  ['window=1', /window = "1".*2 to 50/],
  ['window=51', /window = "51"/],
  ['epochs=0', /epochs = "0".*1 to 10000/],
  ['epochs=100001', /epochs = "100001"/],
  ['seed=-1', /seed = "-1".*0 to 4294967295/],
  ['seed=99999999999', /seed = "99999999999"/],
  ['backend=cuda', /backend = "cuda".*auto, webgpu, ndarray/],
  ['panels=prediction,histogram', /panels: "histogram".*prediction, loss, runs, gates, cell, equations, gradients, forecast, architecture/],
  ['controls=step,fly', /controls: "fly"/],
  ['sample=-1', /sample = "-1"/],
  ['colour=red', /field = "colour".*hidden, layers/],
];

test(`${URL_CASES.length} bad URL values: a message each, defaults kept, training works`, async () => {
  for (const [query, pattern] of URL_CASES) {
    // The bad key comes after the small config, so a bad hidden or window overrides nothing valid.
    const page = await browser.page(`/?${SMALL}&${query}`);
    await ready(page);
    assert.ok(await page.isVisible('#message'), `${query}: message shown`);
    const message = await page.textContent('#message');
    assert.match(message, pattern, `${query}`);
    await stepTimes(page, 1);
    assert.equal(await epoch(page), 1, `${query}: the lab trains afterwards`);
    assert.deepEqual(page.problems, [], `${query}: no console errors`);
    await page.close();
  }
});

test('a crafted value is shown as text, never as markup', async () => {
  const page = await browser.page(`/?${SMALL}&cell=${encodeURIComponent('<img src=x onerror=alert(1)>')}`);
  await ready(page);
  assert.match(await page.textContent('#message'), /cell = "<img src=x onerror=alert\(1\)>"/);
  assert.equal(await page.$$eval('#message img, #message *', (n) => n.length), 0);
  await page.close();
});

// [control, value, pattern]
const CONTROL_CASES = [
  ['hidden', '0', /hidden = "0".*1 to 128/],
  ['hidden', '500', /hidden = "500"/],
  ['hidden', '', /hidden = ""/],
  ['lr', '0', /lr = "0"/],
  ['lr', '5', /lr = "5"/],
  ['dropout', '2', /dropout = "2"/],
  ['window', '0', /window = "0"/],
  ['window', '45', /window = "45".*at most points − 10 = 40/],
  ['epochs', '-1', /epochs = "-1"/],
  ['seed', '1e20', /seed = "1e20"/],
];

test(`${CONTROL_CASES.length} bad control values: refused with a message, the run and the field keep their values`, async () => {
  const page = await browser.page(`/?${SMALL}`);
  await ready(page);
  await stepTimes(page, 2);
  for (const [name, value, pattern] of CONTROL_CASES) {
    const before = await page.inputValue(`#cfg-${name}`);
    await page.fill(`#cfg-${name}`, value);
    await page.dispatchEvent(`#cfg-${name}`, 'change');
    await page.waitForFunction(() => !document.querySelector('#message').hidden);
    assert.match(await page.textContent('#message'), pattern, `${name}=${value}`);
    assert.equal(await page.inputValue(`#cfg-${name}`), before, `${name} reverted`);
    assert.equal(await epoch(page), 2, `${name}=${value}: the run was kept`);
    await page.$eval('#message', (m) => { m.hidden = true; });
  }
  await stepTimes(page, 1);
  assert.equal(await epoch(page), 3);
  assert.deepEqual(page.problems, []);
  await page.close();
});

const API_CASES = [
  [{ hidden: 0 }, /hidden = "0".*1 to 128/],
  [{ hidden: '12x' }, /hidden = "12x"/],
  [{ hidden: {} }, /option "hidden" has type object/],
  [{ hidden: null }, /option "hidden" has type object/],
  [{ layers: [2] }, /option "layers" has type object/],
  [{ cell: 'gru' }, /cell = "gru".*"cho", "pytorch", "lstm" or "rnn"/],
  [{ lr: -1 }, /lr = "-1"/],
  [{ epochs: 1e9 }, /epochs = "1000000000"/],
  [{ panels: 'prediction,bogus' }, /panels: "bogus"/],
  [{ controls: ['step', 42] }, /controls: "42"/],
  [{ backend: 'gpu' }, /backend = "gpu"/],
  [{ colour: 'red' }, /option "colour" is unknown/],
];

test(`${API_CASES.length} bad JS API options reject mount with a named Error; the host page goes on`, async () => {
  const page = await browser.page(`/?${SMALL}`);
  await ready(page);
  const results = await page.evaluate(async (cases) => {
    const { mount } = await import('/www/lab.js');
    const out = [];
    for (const options of cases) {
      const host = document.createElement('div');
      document.body.append(host);
      try { await mount(host, options); out.push({ message: 'mounted' }); } catch (e) { out.push({ message: e.message, error: e instanceof Error }); }
      host.remove();
    }
    return out;
  }, API_CASES.map(([o]) => o));
  results.forEach((r, i) => {
    assert.ok(r.error, `${JSON.stringify(API_CASES[i][0])} rejects with an Error`);
    assert.match(r.message, API_CASES[i][1], JSON.stringify(API_CASES[i][0]));
  });
  await stepTimes(page, 1);
  assert.equal(await epoch(page), 1);
  assert.deepEqual(page.problems, []);
  await page.close();
});
