// The cell's equations, one per quantity, with what each one means; under each, once the learner points
// at a heatmap cell, the same equation with that unit's numbers (live-equations.js), following every
// new epoch and the scrubber.
import { core } from '../core.js';
import { el, subscripts } from '../dom.js';
import { touched } from '../changes.js';
import { liveEquations } from '../live-equations.js';

const HINT = 'Point at a heatmap cell (or focus the heatmaps and use the arrow keys) to see its equations with their numbers.';

export default {
  id: 'equations',
  title: 'Equations',
  mount(ctx) {
    const caption = el('p', { id: ctx.id('equations-unit'), class: 'live-caption', text: HINT });
    const list = el('ol', { id: ctx.id('equations'), class: 'equations' });
    const section = ctx.section(this, el('div', {}, [caption, list]), 'equations-panel');
    let rows = [];
    return {
      section,
      draw({ config, snapshot, pointed }, changed) {
        if (changed.has('config')) {
          rows = core.gateEquations(config).map((row) => {
            const live = el('span', { class: 'live' });
            const item = el('li', { 'data-gate': row.gate }, [
              ...subscripts(row.equation), el('span', { class: 'meaning', text: ` — ${row.meaning}` }), live,
            ]);
            return { gate: row.gate, item, live };
          });
          list.replaceChildren(...rows.map((r) => r.item));
        }
        if (!touched(changed, 'config', 'unit', 'snapshot')) return false;
        const lines = liveEquations(config, snapshot, pointed);
        caption.textContent = lines
          ? `With the numbers of layer ${pointed.layer + 1}, step ${pointed.step + 1}, unit ${pointed.unit + 1} (window #${snapshot.trace.sample}, epoch ${snapshot.epoch}):`
          : HINT;
        for (const row of rows) {
          const line = lines && lines.find((l) => l.quantity === row.gate);
          row.live.textContent = line ? line.text : '';
          row.live.hidden = !line;
        }
        return true;
      },
    };
  },
};
