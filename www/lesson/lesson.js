// The guided lesson (index.html): one chapter of chapters.js at a time, its lab a <gru-lab> element set
// to the chapter's state. The URL keeps the place: `?chapter=gates` (a chapter's id or its number from
// 1); `&embed=1` shows the chapter alone, without the lesson's navigation, for a course page's iframe.
// Prev/next and the chapter list are plain links, so the browser's back button walks the lesson too.
import '../lab/element.js';
import { CHAPTERS } from './chapters.js';

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

function render() {
  const params = new URLSearchParams(window.location.search);
  const embed = params.get('embed') === '1';
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
    parts.push(el('nav', { class: 'chapters', 'aria-label': 'chapters' }, [list]));
  }
  if (error) parts.push(el('p', { class: 'lesson-error', role: 'alert', text: error }));
  const lab = el('gru-lab', { id: 'chapter-lab', embed: '1', ...Object.fromEntries(Object.entries(chapter.lab).map(([k, v]) => [k, String(v)])) });
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
