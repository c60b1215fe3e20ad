// Heatmaps of the cell's gates and states for every layer, for the selected sample: time step across,
// hidden unit down, each quantity on its true scale (0–1 for a gate, −1–1 for tanh) unless the learner
// stretches the colours to the sample's own range. Under each column, what a high or low value means
// for this cell. Hovering (or the arrow keys on the focused chart) names the layer, step and unit with
// the quantity's equation and its numbers (live-equations.js), points the equations panel at that unit,
// and highlights its equation and its block in the diagrams.
import { core } from '../core.js';
import { el } from '../dom.js';
import { touched } from '../changes.js';
import { liveEquations } from '../live-equations.js';

/** A trace of the config's shape with no values yet (NaN draws as each scale's midpoint). */
function emptyTrace(config, quantities) {
  const rows = () => Array.from({ length: config.window }, () => new Array(config.hidden).fill(NaN));
  const layer = () => Object.fromEntries(quantities.map((q) => [q.gate, rows()]));
  return { sample: 0, prediction: 0, inputs: [], layers: Array.from({ length: config.layers }, layer) };
}

export default {
  id: 'gates',
  title: 'Gates of the selected sample: time step → across, hidden unit ↓ down',
  /** Draws the snapshot (the view tracks which epoch it shows). */
  snapshot: true,
  mount(ctx) {
    const { section, canvas } = ctx.canvasPanel(this, 'heatmaps of the cell\'s gates and states for every layer');
    canvas.tabIndex = 0;
    const about = el('p', { class: 'cell-about' });
    section.insertBefore(about, section.querySelector('.canvas-box'));
    const meanings = el('ul', { class: 'gate-meanings' });
    const stretch = el('input', { type: 'checkbox', id: ctx.id('stretch') });
    const readout = el('p', { class: 'gate-readout', 'aria-live': 'polite' });
    section.append(meanings, el('label', { class: 'stretch' }, [stretch,
      ' stretch each column\'s colours to this sample\'s own range (shows small differences; the legend gives the range)']), readout);
    ctx.on(stretch, 'change', () => ctx.invalidate('options'));

    /** The keyboard's cell: layer, quantity (index), step, unit. */
    const cursor = { layer: 0, gate: 0, step: 0, unit: 0 };
    let quantities = [];
    let pointed = null;
    let shownShape = '';
    const show = (hit, event) => {
      ctx.highlight(hit ? hit.gate : null);
      if (!hit) return ctx.tooltip.hide();
      const at = { layer: hit.layer, step: hit.step, unit: hit.unit };
      if (!pointed || pointed.layer !== at.layer || pointed.step !== at.step || pointed.unit !== at.unit) {
        pointed = at;
        ctx.point(at);
      }
      // The hovered quantity's own equation with its numbers (live-equations.js), else its value.
      const { config, snapshot } = ctx.view();
      const line = (liveEquations(config, snapshot, at) || []).find((l) => l.quantity === hit.gate);
      const where = `layer ${hit.layer + 1} · step ${hit.step + 1} · unit ${hit.unit + 1}`;
      const text = line ? `${where}: ${line.text}` : `${where} · ${hit.gate} = ${hit.value.toFixed(4)}`;
      if (event) ctx.tooltip.show(event, text);
      else readout.textContent = text;
    };
    const pointAt = (event) => {
      const { snapshot, config, dpr } = ctx.view();
      if (!snapshot || !snapshot.trace) return;
      const rect = canvas.getBoundingClientRect();
      const x = (event.clientX - rect.left) * (canvas.width / rect.width);
      const y = (event.clientY - rect.top) * (canvas.height / rect.height);
      show(core.gateAt(canvas, snapshot.trace, config.cell, x, y, dpr), event);
    };
    ctx.on(canvas, 'mousemove', pointAt);
    ctx.on(canvas, 'click', pointAt); // a tap, where there is no hover
    ctx.on(canvas, 'mouseleave', () => { ctx.tooltip.hide(); ctx.highlight(null); });
    // Arrow keys walk the cells: ←/→ time step, ↑/↓ unit, PageUp/PageDown the quantity, Home/End the layer.
    ctx.on(canvas, 'keydown', (event) => {
      const { snapshot } = ctx.view();
      if (!snapshot || !snapshot.trace) return;
      const layers = snapshot.trace.layers;
      const steps = layers[0].h.length;
      const units = layers[0].h[0].length;
      const moves = {
        ArrowLeft: ['step', -1, steps], ArrowRight: ['step', 1, steps], ArrowUp: ['unit', -1, units], ArrowDown: ['unit', 1, units],
        PageUp: ['gate', -1, quantities.length], PageDown: ['gate', 1, quantities.length], Home: ['layer', -1, layers.length], End: ['layer', 1, layers.length],
      };
      const move = moves[event.key];
      if (!move) return;
      event.preventDefault();
      const [field, by, n] = move;
      cursor[field] = Math.min(n - 1, Math.max(0, cursor[field] + by));
      const gate = quantities[cursor.gate].gate;
      const value = layers[cursor.layer][gate][cursor.step][cursor.unit];
      show({ layer: cursor.layer, gate, step: cursor.step, unit: cursor.unit, value });
      ctx.invalidate('options');
    });
    ctx.on(canvas, 'blur', () => { readout.textContent = ''; ctx.highlight(null); ctx.invalidate('options'); });

    return {
      section,
      canvas,
      /** Every layer, step and unit of the selected window: one column per quantity (data-table.js). */
      table({ snapshot }) {
        const trace = snapshot && snapshot.trace;
        if (!trace) return null;
        const names = quantities.map((q) => q.gate);
        const rows = trace.layers.flatMap((layer, l) => layer.h.flatMap((row, t) => row.map((_, u) => [l + 1, t + 1, u + 1, ...names.map((n) => layer[n][t][u])])));
        return { caption: `Gates of window #${trace.sample}, epoch ${snapshot.epoch}`, columns: ['layer', 'step', 'unit', ...quantities.map((q) => q.title)], rows };
      },
      draw({ config, snapshot, dark, dpr }, changed) {
        if (touched(changed, 'config')) {
          // A model of another shape: the keyboard's cell and the pointed unit start over (the same
          // model, e.g. scrubbed back, keeps them).
          const shape = `${config.cell}/${config.layers}/${config.hidden}/${config.window}`;
          if (shape !== shownShape) {
            shownShape = shape;
            Object.assign(cursor, { layer: 0, gate: 0, step: 0, unit: 0 });
            pointed = null;
            ctx.point(null);
          }
          quantities = core.gateEquations(config);
          const cell = core.cells().find((c) => c.name === config.cell);
          about.textContent = cell.about;
          canvas.setAttribute('aria-label', `heatmaps of ${quantities.map((q) => q.title).join(', ')} for every layer; arrow keys read the values`);
          meanings.replaceChildren(...quantities.map((q) => el('li', { 'data-gate': q.gate }, [el('strong', { text: `${q.title}: ` }), q.meaning])));
          meanings.style.setProperty('--columns', String(quantities.length));
        }
        if (!touched(changed, 'config', 'snapshot', 'theme', 'size', 'options')) return false;
        if (snapshot && snapshot.trace) {
          const focused = document.activeElement === canvas ? cursor : null;
          core.drawGates(canvas, snapshot.trace, config.cell, stretch.checked, focused, dark, dpr);
        } else {
          // Before the first snapshot: the empty chart (titles, step and unit numbers, legends), so the
          // learner sees where the gates will show, and the first draw's one-time costs are paid
          // before training starts rather than in the middle of Play.
          core.drawGates(canvas, emptyTrace(config, quantities), config.cell, false, null, dark, dpr);
        }
        return true;
      },
    };
  },
};
