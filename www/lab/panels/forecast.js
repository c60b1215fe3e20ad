// Forecasting past one step (series tasks): the model fed its own outputs for a chosen number of steps
// from a chosen point (the end of the data by default), against the truth where it is known (a
// generated signal continues past the data), and the mean error at each horizon over many starting
// points beside repeating the last value. The worker computes it (session.rs, forecast) when the
// newest snapshot, the start or the horizon changes; one request at a time.
import { core } from '../core.js';
import { el } from '../dom.js';
import { touched } from '../changes.js';

/** One sentence on where the model beats the naive forecast, from the errors by horizon. */
function caption(errors, horizon) {
  const { model, naive } = errors;
  const better = model.filter((m, k) => m < naive[k]).length;
  let last = -1;
  model.forEach((m, k) => { if (m < naive[k]) last = k; });
  const where = last < 0 ? 'at no step: repeating the last value is as good everywhere'
    : last === horizon - 1 ? `at ${better} of ${horizon} steps, up to the last`
      : `at ${better} of ${horizon} steps, and never again from step ${last + 2}`;
  return `Fed its own outputs, the model beats repeating the last value (shaded) ${where} (mean |error| over ${errors.starts} starting points; one step ahead: ${model[0].toPrecision(2)} against ${naive[0].toPrecision(2)}).`;
}

/** A memory task has no series to continue (the panel hides itself; so does its deep-dive tab). */
const available = ({ series }) => !series || !series.memory;

export default {
  id: 'forecast',
  title: 'Forecast: the model fed its own outputs',
  available,
  mount(ctx) {
    const { section, canvas } = ctx.canvasPanel(this, 'the forecast of the model fed its own outputs against the truth, and its mean error at each horizon beside repeating the last value');
    const horizon = el('input', { type: 'number', min: 1, max: 1000, step: 1, value: 100, id: ctx.id('forecast-horizon'), inputmode: 'numeric' });
    const start = el('input', { type: 'range', min: 0, max: 0, value: 0, id: ctx.id('forecast-start'), 'aria-label': 'where the forecast starts' });
    const where = el('span', { class: 'sample-label' });
    const text = el('p', { class: 'gradient-caption', 'aria-live': 'polite', id: ctx.id('forecast-caption') });
    section.append(
      el('div', { class: 'forecast-controls' }, [
        el('label', {}, [el('span', { text: 'steps ahead ' }), horizon]),
        el('label', { class: 'sample' }, [el('span', { text: 'from ' }), start, where]),
      ]),
      text,
    );
    let report = null;
    let asked = '';
    let inFlight = false;
    let again = false;
    /** The end of the data (a start there forecasts past it). */
    let end = 0;

    const steps = () => Math.min(1000, Math.max(1, Math.round(Number(horizon.value)) || 100));
    const ask = () => {
      const { snapshot, config } = ctx.view();
      const key = `${JSON.stringify([config.task, config.cell, config.hidden, config.layers, config.window, config.seed])}:${snapshot ? snapshot.epoch : 0}:${start.value}:${steps()}`;
      if (key === asked) return;
      // One request at a time; a change meanwhile is asked for when it is answered.
      if (inFlight) {
        again = true;
        return;
      }
      asked = key;
      inFlight = true;
      const settle = () => {
        inFlight = false;
        if (again) {
          again = false;
          ask();
        }
      };
      ctx.forecast(Number(start.value), steps()).then((next) => {
        report = next;
        ctx.invalidate('forecast');
        settle();
      }, (e) => {
        text.textContent = `No forecast: ${e.message}`;
        settle();
      });
    };
    ctx.on(horizon, 'change', () => { horizon.value = String(steps()); ask(); });
    ctx.on(start, 'input', () => ask());

    return {
      section,
      canvas,
      /** The forecast and the mean errors by horizon (data-table.js). */
      table({ series }) {
        if (!report) return null;
        const { model, naive } = report.errors;
        // The path and the truth in the data's own units (a learner's series is standardised).
        const units = (z) => (series.scaling ? z * series.scaling.scale + series.scaling.mean : z);
        return {
          caption: `Forecast from${where.textContent}, and the mean |error| over ${report.errors.starts} starting points`,
          columns: ['steps ahead', 't', 'forecast', 'truth', 'mean |error|, model', 'mean |error|, last value repeated'],
          rows: model.map((m, k) => [k + 1, report.times[k], units(report.path[k]), units(report.truth[k]), m, naive[k]]),
        };
      },
      draw(view, changed) {
        const { config, series, snapshot, dark, dpr } = view;
        section.hidden = !available(view);
        if (section.hidden) return false;
        if (touched(changed, 'config')) {
          // A new run: from the end of its data by default.
          end = series.times.length + series.window;
          start.min = String(series.window);
          start.max = String(end);
          start.value = String(end);
          report = null;
          asked = '';
        }
        if (touched(changed, 'config', 'snapshot')) ask();
        if (!touched(changed, 'forecast', 'theme', 'size', 'config')) return false;
        if (!report) {
          text.textContent = snapshot ? 'Computing the forecast…' : 'Train an epoch: the forecast of the model fed its own outputs appears here.';
          return false;
        }
        const s = Number(report.start);
        where.textContent = s >= end ? ' the end of the data' : ` t = ${report.times[0].toFixed(2)}`;
        text.textContent = caption(report.errors, report.horizon);
        core.drawForecast(canvas, series.label, series.times, series.truth, report, series.scaling ?? null, dark, dpr);
        return true;
      },
    };
  },
};
