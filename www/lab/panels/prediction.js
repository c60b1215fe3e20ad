// Prediction vs truth over every window, the error panel under it, and the slider (or a click) that
// picks the window whose gates are shown.
import { core } from '../core.js';
import { el } from '../dom.js';
import { touched } from '../changes.js';

export default {
  id: 'prediction',
  title: 'Prediction vs truth',
  /** Draws the snapshot (the view tracks which epoch it shows). */
  snapshot: true,
  mount(ctx) {
    const { section, canvas } = ctx.canvasPanel(this, 'sine wave: truth, prediction and error');
    const slider = el('input', { type: 'range', min: 0, max: 0, value: 0, 'aria-label': 'window whose gates are shown', id: ctx.id('sample') });
    const label = el('span', { class: 'sample-label' });
    section.append(el('label', { class: 'sample' }, [el('span', { text: 'gates of window ' }), slider, label]));

    /** The window under the pointer: the chart's plot area starts after the margin and y labels
     * (8 + 44 CSS px) and ends 8 px early. */
    const sampleAt = (event) => {
      const { series } = ctx.view();
      const rect = canvas.getBoundingClientRect();
      const frac = (event.clientX - rect.left - 52) / (rect.width - 60);
      if (frac < 0 || frac > 1 || !series) return null;
      const n = series.truth.length;
      return Math.min(n - 1, Math.max(0, Math.round(frac * (n - 1))));
    };
    ctx.on(slider, 'input', () => ctx.selectSample(Number(slider.value)));
    ctx.on(canvas, 'click', (e) => {
      const s = sampleAt(e);
      if (s !== null) ctx.selectSample(s);
    });
    ctx.on(canvas, 'mousemove', (e) => {
      const s = sampleAt(e);
      if (s === null) return ctx.tooltip.hide();
      const { series, snapshot } = ctx.view();
      const p = snapshot ? snapshot.predictions[s] : undefined;
      ctx.tooltip.show(e, `window #${s} · t = ${series.times[s].toFixed(3)} · truth ${series.truth[s].toFixed(4)}`
        + (p === undefined ? '' : ` · prediction ${p.toFixed(4)}`));
    });
    ctx.on(canvas, 'mouseleave', () => ctx.tooltip.hide());

    return {
      section,
      canvas,
      draw({ series, snapshot, sample, dark, dpr }, changed) {
        if (touched(changed, 'config')) slider.max = String(series.truth.length - 1);
        if (touched(changed, 'config', 'sample')) {
          slider.value = String(sample);
          label.textContent = `#${sample} (t = ${series.times[sample].toFixed(2)})`;
        }
        if (!touched(changed, 'config', 'snapshot', 'sample', 'theme', 'size')) return false;
        core.drawPrediction(canvas, series.times, series.truth, snapshot ? snapshot.predictions : new Float32Array(), sample, dark, dpr);
        return true;
      },
    };
  },
};
