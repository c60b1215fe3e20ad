// The deep dive: the main view (controls, prediction, loss, the runs table) always shows; of the panels
// that look inside the model, one group at a time: the gates with the cell's picture and its equations,
// the gradient through time, the forecast, the architecture. A tab or a key (1–4, with the lab's
// keyboard shortcuts) switches; ←/→ move between the focused tabs (the WAI-ARIA tabs pattern). With
// `dive=all`, or in an embed, every panel shows on one page as before.
import { el } from './dom.js';

export const DIVES = [
  { id: 'gates', title: 'Gates & equations', short: 'Gates', panels: ['gates', 'cell', 'equations'] },
  { id: 'gradients', title: 'Gradient through time', short: 'Gradient', panels: ['gradients'] },
  { id: 'forecast', title: 'Forecast', short: 'Forecast', panels: ['forecast'] },
  { id: 'architecture', title: 'Architecture', short: 'Architecture', panels: ['architecture'] },
];
/** The `dive` option's values: a group, or every panel at once. */
export const DIVE_OPTIONS = [...DIVES.map((d) => d.id), 'all'];
export const DEFAULT_DIVE = 'gates';
/** Labs with tabs mounted so far on this page (their ids must not collide). */
let mounted = 0;

/**
 * The tab bar over `panels` (the lab's mounted panels, `{id, section, available?(view)}`), showing
 * `chosen` first. A panel of another group gets `offDive = true` (the view does not draw it; its
 * section has the class `off-dive`). `ctx`: {id(name), on(target, type, fn), keyboard}; `shown(dive)` is
 * called after every switch. Returns {element (null: no tabs, every panel shows), dive, show(id),
 * sync(view)}: `sync` hides the tab of a group with nothing to show for this run (the forecast of a
 * memory task) and moves off it.
 */
export function mountDeepDive(ctx, panels, chosen, shown) {
  const present = DIVES.filter((d) => d.panels.some((p) => panels.some((x) => x.id === p)));
  if (chosen === 'all' || present.length < 2) return { element: null, dive: 'all', show: () => false, sync: () => {} };
  const groupOf = (panelId) => present.find((d) => d.panels.includes(panelId));
  // The tabs and their panels name each other by id: the lab's own ids, or unique ones per lab.
  const serial = ++mounted;
  const idFor = (name) => ctx.id(name) ?? `gru-lab-${serial}-${name}`;
  const tabs = present.map((d, k) => el('button', {
    type: 'button', role: 'tab', class: 'dive-tab', id: idFor(`dive-${d.id}`), 'data-dive': d.id,
    text: d.short, title: ctx.keyboard ? `${d.title} (key ${k + 1})` : d.title,
  }));
  const element = el('div', { class: 'dive-tabs', role: 'tablist', 'aria-label': 'look inside the model' }, tabs);
  // Each group's sections are its tab's panels (WAI-ARIA tabs: tabpanel, labelled by the tab it belongs to).
  for (const [k, d] of present.entries()) {
    const members = panels.filter((p) => d.panels.includes(p.id));
    for (const panel of members) {
      panel.section.id ||= idFor(`panel-${panel.id}`);
      panel.section.setAttribute('role', 'tabpanel');
      panel.section.setAttribute('aria-labelledby', tabs[k].id);
    }
    tabs[k].setAttribute('aria-controls', members.map((p) => p.section.id).join(' '));
  }
  const dive = { element, dive: present.some((d) => d.id === chosen) ? chosen : present[0].id, show, sync };

  /** Selects tab `id` and shows its panels only. */
  function select(id) {
    dive.dive = id;
    for (const tab of tabs) {
      tab.setAttribute('aria-selected', String(tab.dataset.dive === id));
      tab.tabIndex = tab.dataset.dive === id ? 0 : -1;
    }
    for (const panel of panels) {
      const group = groupOf(panel.id);
      panel.offDive = Boolean(group) && group.id !== id;
      panel.section.classList.toggle('off-dive', panel.offDive);
    }
  }

  function sync(view) {
    for (const [k, d] of present.entries()) {
      const members = panels.filter((p) => d.panels.includes(p.id));
      tabs[k].hidden = !members.some((p) => !p.available || p.available(view));
    }
    const at = present.findIndex((d) => d.id === dive.dive);
    if (tabs[at].hidden) {
      const next = tabs.findIndex((t) => !t.hidden);
      if (next >= 0) show(present[next].id);
    }
  }

  function show(id, { focus = false } = {}) {
    const index = present.findIndex((d) => d.id === id);
    if (index < 0) return false;
    select(id);
    if (focus) tabs[index].focus();
    // On a phone the row scrolls sideways: bring the chosen tab into it.
    const tab = tabs[index].getBoundingClientRect();
    const row = element.getBoundingClientRect();
    if (tab.right > row.right) element.scrollLeft += tab.right - row.right;
    else if (tab.left < row.left) element.scrollLeft -= row.left - tab.left;
    shown(id);
    return true;
  }

  tabs.forEach((tab) => ctx.on(tab, 'click', () => show(tab.dataset.dive)));
  ctx.on(element, 'keydown', (e) => {
    const at = present.findIndex((d) => d.id === dive.dive);
    const to = { ArrowLeft: at - 1, ArrowRight: at + 1, Home: 0, End: present.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault(); // not also the lab's → (Step)
    // The next shown tab that way (a hidden one is skipped).
    const step = e.key === 'ArrowLeft' || e.key === 'End' ? -1 : 1;
    let k = (to + present.length) % present.length;
    while (tabs[k].hidden) k = (k + step + present.length) % present.length;
    show(present[k].id, { focus: true });
  });
  if (ctx.keyboard) {
    ctx.on(document, 'keydown', (e) => {
      if (e.altKey || e.ctrlKey || e.metaKey || e.defaultPrevented) return;
      if (e.target.closest && e.target.closest('input, select, textarea, [contenteditable]')) return;
      const k = Number(e.key);
      if (Number.isInteger(k) && k >= 1 && k <= present.length && !tabs[k - 1].hidden) {
        e.preventDefault();
        // Focus follows the selection when it was on a tab (else it would stay on the old one).
        show(present[k - 1].id, { focus: tabs.includes(document.activeElement) });
      }
    });
  }
  select(dive.dive); // the first state, without `shown` (the lab is still being built)
  return dive;
}
