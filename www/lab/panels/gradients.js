// The gradient through time: how much of the loss's gradient reaches each time step, per layer, for
// the newest epoch (a log axis), the gate highway beside it, and a heatmap epoch × step per layer that
// shows how that profile changes as training goes on. Hovering (or tapping) reads the values; the
// caption says in two sentences what the numbers show for this run.
import { core } from '../core.js';
import { el } from '../dom.js';
import { touched } from '../changes.js';

const fmt = (v) => (v === undefined || v === null || !Number.isFinite(v) ? '–' : v.toExponential(2));

/** Two sentences on what the learner sees: where the gradient shrinks, and what the gates do about it. */
function caption(flow, epoch) {
  if (!flow) return 'Train an epoch: each step\'s share of the gradient appears here. In a plain RNN it shrinks towards the first steps; gates keep it alive.';
  const first = flow.layers[0];
  const steps = first.dh.length;
  const ratio = first.dh[0] / first.dh[steps - 1];
  const how = ratio < 0.5 ? `shrinks to ${ratio.toPrecision(2)}× of step ${steps}'s by step 1 (it vanishes towards the first steps)`
    : ratio > 2 ? `grows to ${ratio.toPrecision(2)}× of step ${steps}'s by step 1`
      : `stays within a factor of two from step ${steps} back to step 1 (${ratio.toPrecision(2)}×)`;
  const sentence1 = `Epoch ${epoch}: in layer 1 the gradient of the loss with respect to h_t ${how}.`;
  const sentence2 = first.keep
    ? `Gate highway: on average ${first.keep[0].toPrecision(2)} of h_1 would reach step ${steps} untouched; units whose gates keep their state keep its gradient too.`
    : 'A plain RNN has no gate to keep the state: every step back multiplies the gradient by tanh′ · U, which over long windows can shrink it towards nothing (or blow it up).';
  return `${sentence1} ${sentence2}`;
}

export default {
  id: 'gradients',
  title: 'Gradient through time: how much of the loss reaches each step',
  mount(ctx) {
    const { section, canvas } = ctx.canvasPanel(this, 'the gradient of the loss with respect to each step\'s hidden state, per layer, log scale, and its history over the epochs');
    canvas.tabIndex = 0;
    const text = el('p', { class: 'gradient-caption', 'aria-live': 'polite' });
    const readout = el('p', { class: 'gate-readout', 'aria-live': 'polite' });
    section.append(text, readout);

    /** What the point (x, y) in canvas pixels is over, as a sentence, or null. */
    const describe = (x, y) => {
      const { config, store, dpr } = ctx.view();
      const flow = store.flow;
      const rows = flow.rows;
      const hit = core.gradientAt(canvas, config.cell, config.layers, config.window, rows, x, y, dpr);
      if (!hit) return null;
      const latest = flow.latest;
      if (hit.kind === 'heat') {
        const { epochs, dh } = flow.view();
        const width = flow.layers * flow.steps;
        const row = dh.subarray(hit.row * width + hit.layer * flow.steps, hit.row * width + (hit.layer + 1) * flow.steps);
        const largest = Math.max(...row);
        return `layer ${hit.layer + 1} · epoch ${epochs[hit.row]} · step ${hit.step + 1}: |∂L/∂h| = ${fmt(row[hit.step])} (${(row[hit.step] / largest).toPrecision(2)}× its epoch's largest)`;
      }
      if (!latest) return null;
      const t = hit.step;
      const parts = latest.layers.map((layer, l) => {
        if (hit.kind === 'highway') return layer.keep ? `layer ${l + 1} keeps ${layer.keep[t].toPrecision(3)}` : null;
        return `layer ${l + 1} |∂L/∂h| = ${fmt(layer.dh[t])}${layer.dc ? `, |∂L/∂c| = ${fmt(layer.dc[t])}` : ''}`;
      }).filter(Boolean);
      return `step ${t + 1}: ${parts.join(' · ')}`;
    };
    const pointAt = (event) => {
      const rect = canvas.getBoundingClientRect();
      const x = (event.clientX - rect.left) * (canvas.width / rect.width);
      const y = (event.clientY - rect.top) * (canvas.height / rect.height);
      const sentence = describe(x, y);
      if (sentence) ctx.tooltip.show(event, sentence);
      else ctx.tooltip.hide();
    };
    ctx.on(canvas, 'mousemove', pointAt);
    ctx.on(canvas, 'click', pointAt);
    ctx.on(canvas, 'mouseleave', () => ctx.tooltip.hide());
    // ←/→ read the newest profile step by step.
    let step = -1;
    ctx.on(canvas, 'keydown', (event) => {
      const { store } = ctx.view();
      const latest = store.flow.latest;
      if (!latest || !['ArrowLeft', 'ArrowRight'].includes(event.key)) return;
      event.preventDefault();
      const steps = latest.layers[0].dh.length;
      step = Math.min(steps - 1, Math.max(0, step + (event.key === 'ArrowRight' ? 1 : -1)));
      readout.textContent = `step ${step + 1}: ${latest.layers.map((layer, l) => `layer ${l + 1} |∂L/∂h| = ${fmt(layer.dh[step])}${layer.dc ? `, |∂L/∂c| = ${fmt(layer.dc[step])}` : ''}${layer.keep ? `, keeps ${layer.keep[step].toPrecision(3)}` : ''}`).join(' · ')}`;
    });
    ctx.on(canvas, 'blur', () => { readout.textContent = ''; step = -1; });

    return {
      section,
      canvas,
      /** The shown epoch's gradient through time, per layer and step (data-table.js). */
      table({ store }) {
        const latest = store.flow && store.flow.latest;
        if (!latest) return null;
        const memory = Boolean(latest.layers[0].dc);
        const keep = Boolean(latest.layers[0].keep);
        return {
          caption: `Gradient through time, epoch ${store.epoch}`,
          columns: ['layer', 'step', '|∂L/∂h_t|', ...(memory ? ['|∂L/∂c_t|'] : []), ...(keep ? ['kept to step T'] : [])],
          rows: latest.layers.flatMap((layer, l) => Array.from(layer.dh, (dh, t) => [l + 1, t + 1, dh, ...(memory ? [layer.dc[t]] : []), ...(keep ? [layer.keep[t]] : [])])),
        };
      },
      draw({ config, store, dark, dpr }, changed) {
        if (!touched(changed, 'config', 'reports', 'theme', 'size')) return false;
        const flow = store.flow;
        const { epochs, dh } = flow.view();
        core.drawGradients(canvas, flow.latest, epochs, dh, config.cell, config.layers, config.window, dark, dpr);
        text.textContent = caption(flow.latest, store.epoch);
        return true;
      },
    };
  },
};
