// Prediction vs truth over every sample (a window of the series and the value after it), the error
// panel under it, and the choice of the sample whose gates are shown: a click, the slider, or the arrow
// keys on the focused chart. The chosen sample's values are read out beside the slider (and to screen
// readers), so they are not hover-only.
import { core } from '../core.js';
import { el } from '../dom.js';
import { touched } from '../changes.js';

/** Samples a PageUp/PageDown (or Shift+arrow) moves: a twentieth of the series. */
const bigStep = (n) => Math.max(2, Math.round(n / 20));

/** Predictions the net made (standardised, for a learner's series) in the data's own units. */
const inUnits = (series, values) => (series.scaling
  ? Float32Array.from(values, (z) => z * series.scaling.scale + series.scaling.mean)
  : Float32Array.from(values));

/** Arrays one after the other, and their lengths (what the Rust drawing calls take for several runs). */
const joined = (arrays) => {
  const all = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    all.set(a, at);
    at += a.length;
  }
  return all;
};
const lengths = (arrays) => Uint32Array.from(arrays, (a) => a.length);

/** A series task's predictions: the training windows', then the held-out ones'. */
const everyPrediction = (series, snapshot) => {
  if (!snapshot) return new Float32Array();
  const held = snapshot.validation || [];
  const all = new Float32Array(snapshot.predictions.length + held.length);
  all.set(snapshot.predictions);
  all.set(held, snapshot.predictions.length);
  return inUnits(series, all);
};

/** The lines the chart draws: the lone run's predictions, or every run's of a comparison on the x axis
 * of the run with the most windows (a longer window starts later: NaN before its first). Returns
 * {base: that run's series, names, values (one line after another), offset of the chosen run}. */
const predictionLines = (runs, chosen) => {
  const base = runs.reduce((a, r) => (r.series.truth.length > a.series.truth.length ? r : a), runs[0]).series;
  const n = base.truth.length;
  const lines = runs.map((r) => everyPrediction(r.series, r.store.snapshot));
  if (runs.length === 1) return { base, names: lines[0].length ? ['prediction'] : [], values: lines[0], offset: 0 };
  const drawn = lines.every((l) => l.length) ? lines : [];
  // Right-aligned: every run's last window ends where the series ends.
  const values = new Float32Array(drawn.length * n).fill(NaN);
  drawn.forEach((line, i) => values.set(line, i * n + (n - line.length)));
  const names = runs.length > 1 ? runs.map((r) => r.label) : ['prediction'];
  return { base, names: drawn.length ? names : [], values, offset: n - runs[chosen].series.truth.length };
};

export default {
  id: 'prediction',
  title: 'Prediction vs truth',
  /** Draws the snapshot (the view tracks which epoch it shows). */
  snapshot: true,
  mount(ctx) {
    const { section, canvas } = ctx.canvasPanel(this, 'the series: truth, prediction and error (held-out windows shaded); arrow keys choose the sample whose gates are shown');
    canvas.tabIndex = 0;
    const slider = el('input', { type: 'range', min: 0, max: 0, value: 0, 'aria-label': 'sample whose gates are shown', id: ctx.id('sample') });
    const readout = el('span', { class: 'sample-label', 'aria-live': 'polite' });
    const chooser = el('label', { class: 'sample' }, [el('span', { text: 'gates of sample ' }), slider]);
    // Without the gates panel there is nothing to choose a sample for.
    chooser.hidden = !ctx.panels.includes('gates');
    section.append(chooser, readout);

    /** The sample under the pointer: the chart's plot area starts after the margin and y labels
     * (8 + 44 CSS px) and ends 8 px early. */
    const sampleAt = (event) => {
      const { series } = ctx.view();
      // A memory task's chart is a scatter: its x is a target, not a sample (the slider chooses).
      if (!series || series.memory) return null;
      const rect = canvas.getBoundingClientRect();
      const frac = (event.clientX - rect.left - 52) / (rect.width - 60);
      if (frac < 0 || frac > 1 || !series) return null;
      // The chart spans the held-out windows too; only training windows have gates to show.
      const n = series.truth.length;
      return Math.min(series.samples - 1, Math.max(0, Math.round(frac * (n - 1))));
    };
    const describe = (s) => {
      const { config, series, snapshot } = ctx.view();
      const p = snapshot ? inUnits(series, [snapshot.predictions[s]])[0] : undefined;
      const x = series.memory ? '' : config.task === 'csv' ? ` · line ${series.times[s]}` : ` · t = ${series.times[s].toFixed(2)}`;
      return `sample #${s}${x} · truth ${series.targets[s].toFixed(4)}`
        + (p === undefined ? '' : ` · prediction ${p.toFixed(4)}`);
    };
    const move = (event, by) => {
      const { series, sample } = ctx.view();
      event.preventDefault();
      ctx.selectSample(Math.min(series.samples - 1, Math.max(0, sample + by)));
    };
    const keys = (event) => {
      const n = ctx.view().series.samples;
      const step = event.shiftKey ? bigStep(n) : 1;
      if (event.key === 'ArrowLeft' || event.key === 'ArrowDown') move(event, -step);
      else if (event.key === 'ArrowRight' || event.key === 'ArrowUp') move(event, step);
      else if (event.key === 'PageDown') move(event, -bigStep(n));
      else if (event.key === 'PageUp') move(event, bigStep(n));
      else if (event.key === 'Home') move(event, -n);
      else if (event.key === 'End') move(event, n);
    };
    ctx.on(canvas, 'keydown', keys);
    ctx.on(slider, 'keydown', (event) => {
      if (event.key === 'PageUp' || event.key === 'PageDown') keys(event);
    });
    ctx.on(slider, 'input', () => ctx.selectSample(Number(slider.value)));
    ctx.on(canvas, 'click', (e) => {
      const s = sampleAt(e);
      if (s !== null) ctx.selectSample(s);
    });
    ctx.on(canvas, 'mousemove', (e) => {
      const s = sampleAt(e);
      if (s === null) return ctx.tooltip.hide();
      ctx.tooltip.show(e, describe(s));
    });
    ctx.on(canvas, 'mouseleave', () => ctx.tooltip.hide());

    return {
      section,
      canvas,
      /** The shown run's prediction for every window beside the truth (data-table.js). */
      table({ series, snapshot }) {
        if (!snapshot) return null;
        if (series.memory) {
          const held = snapshot.validation || [];
          return { caption: `${series.label}: the held-out windows, epoch ${snapshot.epoch}`, columns: ['window', 'target', 'prediction'], rows: series.truth.map((t, k) => [k, t, held[k]]) };
        }
        const predicted = everyPrediction(series, snapshot);
        return {
          caption: `${series.label}: the value after each window, epoch ${snapshot.epoch}`,
          columns: ['window', 't', 'truth', 'prediction', 'windows'],
          rows: Array.from(series.truth, (t, k) => [k, series.times[k], t, predicted[k], k >= series.heldOutFrom ? 'held out' : 'training']),
        };
      },
      draw({ series, snapshot, sample, runs, chosen, playing, dark, dpr }, changed) {
        if (touched(changed, 'config')) slider.max = String(series.samples - 1);
        if (touched(changed, 'config', 'sample')) slider.value = String(sample);
        // Read out on a choice, and after training steps, not at every frame of Play.
        if (touched(changed, 'config', 'sample') || (changed.has('snapshot') && !playing)) readout.textContent = describe(sample);
        if (!touched(changed, 'config', 'snapshot', 'sample', 'theme', 'size')) return false;
        if (series.memory) {
          // A memory task: prediction against target per validation window, and the selected
          // (training) window's inputs.
          const size = series.window * series.channels;
          const inputs = series.inputs.slice(sample * size, (sample + 1) * size);
          const targets = runs.map((r) => r.series.truth);
          const predictions = runs.map((r) => (r.store.snapshot && r.store.snapshot.validation) || []);
          core.drawMemoryPrediction(canvas, runs.map((r) => r.label), joined(targets), lengths(targets), joined(predictions), lengths(predictions),
            sample, Float32Array.from(inputs), series.channels, dark, dpr);
        } else {
          const { base, names, values, offset } = predictionLines(runs, chosen);
          core.drawPrediction(canvas, series.label, base.times, base.truth, names, values, base.heldOutFrom, sample + offset, dark, dpr);
        }
        return true;
      },
    };
  },
};
