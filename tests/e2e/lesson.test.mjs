// The guided lesson (www/lesson/): every chapter sets its lab's state and trains, the URL keeps the
// place, a chapter embeds alone; and axe-core finds no serious or critical accessibility violation on
// the lab, the lesson, an embedded lab and a <gru-lab> course page; a challenge is checked live.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { start, ready, screenshot } from './browser.mjs';
import { CHAPTERS } from '../../www/lesson/chapters.js';

let browser;
before(async () => { browser = await start(); });
after(async () => { await browser.close(); });

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Opens a lesson URL and waits until its chapter's lab is up. */
async function chapterPage(query, size) {
  const page = await browser.page(`/www/lesson/index.html${query}`, size);
  await page.waitForFunction(() => window.lesson && window.lesson.lab.lab, null, { timeout: 90_000 });
  return page;
}

/** The lab's options as a chapter states them, read back from the lab (config and page keys). */
const expected = (lab) => Object.fromEntries(Object.entries(lab).filter(([k]) => !['panels', 'controls', 'compare'].includes(k)));

test('every chapter sets its lab, trains two epochs without a console error, and links to its neighbours', async () => {
  const series = readFileSync(new URL('../../www/data/airline-passengers.csv', import.meta.url), 'utf8');
  for (const [i, chapter] of CHAPTERS.entries()) {
    const page = await chapterPage(`?chapter=${chapter.id}`);
    const state = await page.evaluate(async (text) => {
      const el = window.lesson.lab;
      // The last chapter's learner brings a series (here the page's own example).
      if (window.lesson.chapter === 'data-of-your-own' && !(await el.lab.useSeries(text))) throw new Error('series refused');
      await el.step();
      await el.step();
      return {
        title: document.querySelector('h1').textContent,
        config: el.lab.config,
        runs: el.lab.runs.map((r) => ({ config: r.config, epoch: r.epoch, error: r.error })),
        panels: [...el.querySelectorAll('.panel, section[data-panel]')].filter((s) => !s.hidden).length,
        prev: document.querySelector('a[rel=prev]')?.getAttribute('href') ?? null,
        next: document.querySelector('a[rel=next]')?.getAttribute('href') ?? null,
        current: document.querySelector('.chapters [aria-current]').textContent,
        listOpen: document.querySelector('.chapters details').open,
      };
    }, series);
    assert.equal(state.title, chapter.title);
    assert.equal(state.current, chapter.title);
    assert.equal(state.listOpen, true, 'the chapter list is open on a wide screen');
    const wanted = { ...expected(chapter.lab), ...(chapter.id === 'data-of-your-own' ? { task: 'csv' } : {}) };
    for (const [k, v] of Object.entries(wanted)) assert.equal(String(state.config[k]), String(v), `${chapter.id}: ${k}`);
    const runs = chapter.lab.compare ? chapter.lab.compare.split(',') : [state.config.cell];
    assert.deepEqual(state.runs.map((r) => r.config.cell), runs, chapter.id);
    for (const r of state.runs) assert.deepEqual([r.epoch, r.error], [2, null], `${chapter.id}: ${JSON.stringify(r)}`);
    assert.equal(state.prev, i > 0 ? `?chapter=${CHAPTERS[i - 1].id}` : null);
    assert.equal(state.next, i < CHAPTERS.length - 1 ? `?chapter=${CHAPTERS[i + 1].id}` : null);
    assert.deepEqual(page.problems, [], chapter.id);
    await page.close();
  }
});

test('Next walks the lesson and Back returns: the chapter is in the URL; a bad chapter is named', async () => {
  const page = await chapterPage('?chapter=1');
  await page.click('a[rel=next]');
  await page.waitForFunction(() => window.lesson && window.lesson.index === 1 && window.lesson.lab.lab, null, { timeout: 90_000 });
  assert.match(page.url(), /\?chapter=equations$/);
  await page.goBack();
  await page.waitForFunction(() => window.lesson && window.lesson.index === 0, null, { timeout: 90_000 });
  await page.goto(`${browser.base}/www/lesson/index.html?chapter=42`);
  await page.waitForFunction(() => window.lesson && window.lesson.lab.lab, null, { timeout: 90_000 });
  assert.match(await page.textContent('.lesson-error'), /chapter = "42" is not a chapter: chapter must be a number from 1 to 9 or one of data, equations, .*\. Showing chapter 1\./);
  assert.equal(await page.textContent('h1'), CHAPTERS[0].title);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a chapter embeds alone (embed=1): no chapter list, no pager; its links keep embed', async () => {
  const page = await chapterPage('?chapter=adding&embed=1', { width: 720, height: 900 });
  const shown = await page.evaluate(() => ({
    chapters: document.querySelectorAll('.chapters').length,
    pager: document.querySelectorAll('.pager').length,
    title: document.querySelector('h1').textContent,
  }));
  assert.deepEqual(shown, { chapters: 0, pager: 0, title: 'The adding problem: where gates matter' });
  await screenshot(page, 'lesson-embedded-720');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a challenge is checked live: blow the loss up, recover without Reset, and share the solved lab', async () => {
  const page = await chapterPage('?challenge=blow-up');
  const status = () => page.textContent('#challenge-status');
  const result = await page.evaluate(async () => {
    const el = window.lesson.lab;
    for (let i = 0; i < 15; i++) await el.step();
    await new Promise((r) => setTimeout(r, 600));
    const before = document.querySelector('#challenge-status').textContent;
    await el.lab.setLearningRate(1);
    let steps = 0;
    while (!/It blew up/.test(document.querySelector('#challenge-status').textContent) && steps < 20) {
      await el.step();
      steps++;
      await new Promise((r) => setTimeout(r, 50));
    }
    const blown = document.querySelector('#challenge-status').textContent;
    // Back to the end of epoch 15 (its weights and learning rate), then on.
    // (An epoch's loss is measured before its update: epoch 16 repeats the lowest, epoch 17 beats it.)
    await el.lab.continueFrom(15);
    let after = 0;
    while (!window.lesson.solved() && after < 5) {
      await el.step();
      after++;
      await new Promise((r) => setTimeout(r, 600));
    }
    return { before, blown, steps, after, solved: window.lesson.solved(), link: document.querySelector('#challenge-link')?.getAttribute('href') };
  });
  assert.match(result.before, /^Lowest training loss so far [\d.]+: raise the learning rate until the loss passes [\d.]+\.$/);
  assert.match(result.blown, /^It blew up\. Now bring the training loss below [\d.]+ without Reset/, `after ${result.steps} epochs at lr 1`);
  assert.equal(result.solved, true, `not solved ${result.after} epochs after continuing from epoch 15`);
  assert.match(await status(), /^✓ Solved at epoch 1[6-9]: the loss blew up past [\d.]+ and came back to [\d.]+, below its lowest [\d.]+, without a Reset\.$/);
  assert.match(result.link, /^\?challenge=blow-up&.*hidden=16/);
  // The shared link opens the same challenge and lab state.
  await page.goto(`${browser.base}/www/lesson/index.html${result.link}`);
  await page.waitForFunction(() => window.lesson && window.lesson.lab.lab, null, { timeout: 90_000 });
  assert.equal(await page.evaluate(() => window.lesson.challenge), 'blow-up');
  assert.equal(await page.evaluate(() => window.lesson.lab.lab.config.hidden), 16);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a goal the model does not fit yet says what to change', async () => {
  const page = await chapterPage('?challenge=small');
  await page.evaluate(() => window.lesson.lab.step());
  await page.waitForFunction(() => /parameters/.test(document.querySelector('#challenge-status').textContent));
  assert.equal(await page.textContent('#challenge-status'), 'This model has 9,537 parameters: make it smaller (at most 2,000), then train.');
  // A smaller model, as a shared link would set it: now the goal is a number to beat.
  await page.goto(`${browser.base}/www/lesson/index.html?challenge=small&hidden=8&layers=1`);
  await page.waitForFunction(() => window.lesson && window.lesson.lab.lab, null, { timeout: 90_000 });
  await page.evaluate(() => window.lesson.lab.step());
  await page.waitForFunction(() => /^Not yet/.test(document.querySelector('#challenge-status').textContent));
  assert.match(await page.textContent('#challenge-status'), /^Not yet: validation MSE [\d.]+ at epoch 1 \(best [\d.]+\), the goal is below 0\.001 with 249 parameters\.$/);
  assert.deepEqual(page.problems, []);
  await page.close();
});

/** axe-core's serious and critical violations on `page`, each as "rule: target …". */
async function violations(page) {
  await page.evaluate(AXE);
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  });
  return found;
}

test('axe-core: no serious or critical violation on the lab, the lesson, an embedded lab and a <gru-lab> page', async () => {
  const pages = [
    ['/index.html', (p) => ready(p)],
    ['/index.html?embed=1&hidden=8&layers=1&panels=prediction,loss,gates&controls=step,play,reset,lr', (p) => ready(p)],
    ['/www/lesson/index.html?chapter=gates', (p) => p.waitForFunction(() => window.lesson && window.lesson.lab.lab, null, { timeout: 90_000 })],
    ['/www/lesson/index.html?challenge=small', (p) => p.waitForFunction(() => window.lesson && window.lesson.lab.lab, null, { timeout: 90_000 })],
    ['/www/examples/element.html', (p) => p.waitForFunction(() => window.labEvents.some((e) => e.type === 'gru-lab-ready'), null, { timeout: 90_000 })],
  ];
  const report = [];
  for (const [path, up] of pages) {
    for (const width of [1400, 390]) {
      const page = await browser.page(path, { width, height: 900 });
      await up(page);
      // Trained once, so that every panel has drawn and its controls exist.
      await page.evaluate(() => (window.gruLab ?? window.lesson?.lab ?? document.querySelector('gru-lab')).step());
      const found = await violations(page);
      if (found.length) report.push(`${path} at ${width} px:\n  ${found.join('\n  ')}`);
      assert.deepEqual(page.problems, [], path);
      await page.close();
    }
  }
  assert.deepEqual(report, []);
});

test('screenshots of the lesson at a desktop and a phone width', async () => {
  for (const [width, name] of [[1400, 'lesson-1400'], [390, 'lesson-390']]) {
    const page = await chapterPage('?chapter=gradient', { width, height: 1400 });
    await page.evaluate(async () => { await window.lesson.lab.step(); await window.lesson.lab.step(); });
    await screenshot(page, name);
    // Folded on a phone, open on a desktop.
    assert.equal(await page.evaluate(() => document.querySelector('.chapters details').open), width > 700);
    assert.deepEqual(page.problems, []);
    await page.close();
  }
});
