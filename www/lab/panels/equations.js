// The cell's equations, one per quantity, with what each one means.
import { core } from '../core.js';
import { el, subscripts } from '../dom.js';

export default {
  id: 'equations',
  title: 'Equations',
  mount(ctx) {
    const list = el('ol', { id: ctx.id('equations'), class: 'equations' });
    const section = ctx.section(this, list, 'equations-panel');
    return {
      section,
      draw({ config }, changed) {
        if (!changed.has('config')) return false;
        list.replaceChildren(...core.gateEquations(config).map((row) => el('li', { 'data-gate': row.gate }, [
          ...subscripts(row.equation), el('span', { class: 'meaning', text: ` — ${row.meaning}` }),
        ])));
        return true;
      },
    };
  },
};
