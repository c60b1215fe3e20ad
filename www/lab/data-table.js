// A chart's numbers as a table, on demand: the text alternative of a canvas for a screen reader, for a
// learner who wants the values, and for copying into a spreadsheet. A "Table" button in the panel's
// title opens it under the chart; it refreshes while open (at most once a second during Play). A panel
// offers one by returning `table(view) → {caption, columns, rows} | null` from its mount (panels/index.js).
import { el } from './dom.js';

/** Rows shown at most (a long run's every epoch stays a readable page). */
const MAX_ROWS = 2000;
/** While playing, the open table is rebuilt no more often than this. */
const PLAY_REFRESH_MS = 1000;

const cell = (v) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : Number.isFinite(v) ? v.toPrecision(5) : '–') : String(v ?? '–'));

/**
 * Adds the button and the table box to `section` for `table` (the panel's). `ctx`: {id(name), on}.
 * Returns {refresh(view, drew)}: called after every frame the panel drew in (`drew`), rebuilds the
 * table if it is open.
 */
export function mountDataTable(ctx, panelId, section, title, table) {
  const box = el('div', { class: 'data-table', id: ctx.id(`${panelId}-table`), hidden: true, tabindex: '0', role: 'region', 'aria-label': `${title}: the numbers` });
  const button = el('button', { type: 'button', class: 'table-button secondary', id: ctx.id(`${panelId}-table-button`), text: 'Table', 'aria-expanded': 'false', title: 'the numbers of this chart as a table' });
  const heading = section.querySelector('h3');
  heading.insertBefore(button, heading.querySelector('.png-button'));
  section.append(box);
  let builtAt = 0;
  let last = null;

  function build(view) {
    const data = table(view);
    builtAt = performance.now();
    if (!data) {
      box.replaceChildren(el('p', { text: 'No numbers yet: train an epoch.' }));
      return;
    }
    const shown = data.rows.length > MAX_ROWS ? data.rows.slice(-MAX_ROWS) : data.rows;
    const caption = data.rows.length > MAX_ROWS ? `${data.caption} (the last ${MAX_ROWS} of ${data.rows.length} rows)` : data.caption;
    box.replaceChildren(el('table', {}, [
      el('caption', { text: caption }),
      el('thead', {}, [el('tr', {}, data.columns.map((c) => el('th', { scope: 'col', text: c })))]),
      el('tbody', {}, shown.map((row) => el('tr', {}, row.map((v) => el('td', { text: cell(v) }))))),
    ]));
  }

  ctx.on(button, 'click', () => {
    box.hidden = !box.hidden;
    button.setAttribute('aria-expanded', String(!box.hidden));
    button.textContent = box.hidden ? 'Table' : 'Hide table';
    if (!box.hidden && last) build(last);
  });
  return {
    refresh(view, drew) {
      if (!drew) return;
      last = view;
      if (box.hidden || (view.playing && performance.now() - builtAt < PLAY_REFRESH_MS)) return;
      build(view);
    },
  };
}
