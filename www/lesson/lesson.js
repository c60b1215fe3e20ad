// The guided lesson (index.html): one chapter of chapters.js at a time, its lab a <gru-lab> element set
// to the chapter's state. The URL keeps the place: `?chapter=gates` (a chapter's id or its number from
// 1); `&embed=1` shows the chapter alone, without the lesson's navigation, for a course page's iframe.
// Prev/next and the chapter list are plain links, so the browser's back button walks the lesson too.
// `?challenge=<id>` shows a challenge of challenges.js instead: its goal checked live as the lab trains,
// and once solved a link that opens the same lab state for someone else. Lab options in the URL
// (`&hidden=8`) override the chapter's or the challenge's.
import '../lab/element.js';
import { OPTION_KEYS } from '../lab/options.js';
import { CHAPTERS } from './chapters.js';
import { CHALLENGES } from './challenges.js';

/** An element with attributes and children (strings become text; `html` is trusted chapter text). */
function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'html') node.innerHTML = v;
    else if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v);
  }
  node.append(...children);
  return node;
}

/** The chapter the URL names, or the first; `?chapter=` may be an id or a number from 1. */
function chosen(params) {
  const asked = params.get('chapter');
  if (asked === null) return { index: 0, error: null };
  const byId = CHAPTERS.findIndex((c) => c.id === asked);
  if (byId >= 0) return { index: byId, error: null };
  const n = Number(asked);
  if (Number.isInteger(n) && n >= 1 && n <= CHAPTERS.length) return { index: n - 1, error: null };
  return { index: 0, error: `chapter = "${asked}" is not a chapter: chapter must be a number from 1 to ${CHAPTERS.length} or one of ${CHAPTERS.map((c) => c.id).join(', ')}. Showing chapter 1.` };
}

function link(index, embed, text, attrs = {}) {
  const params = new URLSearchParams({ chapter: CHAPTERS[index].id });
  if (embed) params.set('embed', '1');
  return el('a', { href: `?${params}`, ...attrs }, [text]);
}

/** The lab options of the URL (a shared solution's), over `base`. */
function labOptions(base, params) {
  const options = Object.fromEntries(Object.entries(base).map(([k, v]) => [k, String(v)]));
  for (const key of OPTION_KEYS) if (key !== 'embed' && params.has(key)) options[key] = params.get(key);
  return { ...options, embed: '1' };
}

/** The challenges' links, for the lesson's navigation. */
function challengeList(current) {
  return el('details', { class: 'challenge-list' }, [
    el('summary', { text: `${CHALLENGES.length} challenges` }),
    el('ul', {}, CHALLENGES.map((c) => el('li', {}, [
      el('a', { href: `?${new URLSearchParams({ challenge: c.id })}`, ...(c.id === current ? { 'aria-current': 'page' } : {}) }, [c.title]),
    ]))),
  ]);
}

/** A challenge: its goal, its lab and a live check of the goal. */
function renderChallenge(challenge, params, embed) {
  document.title = `Challenge: ${challenge.title} (GRU Lab)`;
  const root = document.getElementById('lesson');
  root.classList.toggle('embedded', embed);
  const lab = el('gru-lab', { id: 'chapter-lab', ...labOptions(challenge.lab, params) });
  const status = el('p', { class: 'challenge-status', 'aria-live': 'polite', id: 'challenge-status', text: 'Train to check the goal.' });
  const share = el('p', { class: 'challenge-share', hidden: '' });
  const parts = [];
  if (!embed) parts.push(el('nav', { class: 'chapters', 'aria-label': 'chapters and challenges' }, [link(0, false, '← the lesson'), challengeList(challenge.id)]));
  parts.push(el('article', { class: 'chapter challenge', 'aria-labelledby': 'chapter-title' }, [
    el('p', { class: 'chapter-number', text: 'Challenge' }),
    el('h1', { id: 'chapter-title', text: challenge.title }),
    el('p', { class: 'challenge-goal', text: challenge.goal }),
    el('details', {}, [el('summary', { text: 'A hint' }), el('p', { text: challenge.hint })]),
    status, share, lab,
  ]));
  root.replaceChildren(...parts);
  let checker = challenge.checker();
  let solved = null;
  const check = () => {
    const run = lab.lab?.runs[0];
    if (!run || solved) return;
    const result = checker.update(run);
    status.textContent = result.text;
    if (!result.solved) return;
    // Solved stays solved (until the lab is built anew); the link reopens this lab state.
    solved = result;
    status.classList.add('solved');
    status.textContent = `✓ ${result.text}`;
    const state = new URLSearchParams({ challenge: challenge.id });
    for (const [k, v] of Object.entries(run.config)) if (OPTION_KEYS.includes(k) && (typeof v === 'number' || typeof v === 'string')) state.set(k, String(v));
    share.replaceChildren('Share it: ', el('a', { href: `?${state}`, id: 'challenge-link' }, ['a link to this lab, as you set it']));
    share.hidden = false;
  };
  lab.addEventListener('gru-lab-ready', () => {
    checker = challenge.checker();
    solved = null;
    status.classList.remove('solved');
    share.hidden = true;
    status.textContent = 'Train to check the goal.';
  });
  lab.addEventListener('gru-lab-epoch', check);
  // Changes without an epoch (Reset, a diverged epoch, Continue from here) are checked too.
  setInterval(check, 500);
  window.lesson = { challenge: challenge.id, lab, status, solved: () => solved !== null };
}

function render() {
  const params = new URLSearchParams(window.location.search);
  const embed = params.get('embed') === '1';
  if (params.has('challenge')) {
    const challenge = CHALLENGES.find((c) => c.id === params.get('challenge'));
    if (challenge) return renderChallenge(challenge, params, embed);
  }
  const { index, error } = chosen(params);
  const chapter = CHAPTERS[index];
  document.title = `${chapter.title}: GRU Lab lesson ${index + 1}/${CHAPTERS.length}`;
  const root = document.getElementById('lesson');
  root.classList.toggle('embedded', embed);
  const parts = [];
  if (!embed) {
    // The chapter list folds away on a phone, where it would fill the first screen.
    const list = el('details', {}, [
      el('summary', { text: `All ${CHAPTERS.length} chapters` }),
      el('ol', {}, CHAPTERS.map((c, i) => el('li', {}, [
        link(i, false, c.title, i === index ? { 'aria-current': 'step' } : { class: i < index ? 'done' : '' }),
      ]))),
    ]);
    list.open = window.matchMedia('(min-width: 700px)').matches;
    parts.push(el('nav', { class: 'chapters', 'aria-label': 'chapters and challenges' }, [list, challengeList(null)]));
  }
  const unknown = params.has('challenge') ? `challenge = "${params.get('challenge')}" is not a challenge: challenge must be one of ${CHALLENGES.map((c) => c.id).join(', ')}. Showing the lesson.` : null;
  for (const message of [unknown, error]) if (message) parts.push(el('p', { class: 'lesson-error', role: 'alert', text: message }));
  const lab = el('gru-lab', { id: 'chapter-lab', ...labOptions(chapter.lab, params) });
  parts.push(el('article', { class: 'chapter', 'aria-labelledby': 'chapter-title' }, [
    el('p', { class: 'chapter-number', text: `Chapter ${index + 1} of ${CHAPTERS.length}` }),
    el('h1', { id: 'chapter-title', text: chapter.title }),
    ...chapter.text.map((p) => el('p', { html: p })),
    el('div', { class: 'chapter-tasks' }, [
      el('section', {}, [el('h2', { text: 'Do' }), el('ol', {}, chapter.todo.map((t) => el('li', { html: t })))]),
      el('section', {}, [el('h2', { text: 'Look for' }), el('ul', {}, chapter.lookFor.map((t) => el('li', { html: t })))]),
    ]),
    lab,
  ]));
  const pager = [];
  if (index > 0) pager.push(link(index - 1, embed, `← ${CHAPTERS[index - 1].title}`, { rel: 'prev', class: 'prev' }));
  if (index < CHAPTERS.length - 1) pager.push(link(index + 1, embed, `${CHAPTERS[index + 1].title} →`, { rel: 'next', class: 'next' }));
  if (!embed) parts.push(el('nav', { class: 'pager', 'aria-label': 'previous and next chapter' }, pager));
  root.replaceChildren(...parts);
  window.lesson = { chapter: chapter.id, index, lab };
}

render();
