// The data box of the `csv` task: the learner's own series, pasted or read from a CSV file, its column
// chosen, read by Rust (core.useSeries: the one parser, the CLI's too). A refused text shows the
// parser's message (line, column, problem) here and changes nothing: the current run goes on. The
// series lives in the config, not in the URL, so it stays while other controls change.
import { el } from './dom.js';

/** The example a learner can try in one click (Box & Jenkins' monthly airline passengers). */
const EXAMPLE = new URL('../data/airline-passengers.csv', import.meta.url);

/** `1234.5678` with about four significant digits. */
const short = (v) => Number(v.toPrecision(4)).toString();

/**
 * Builds the box. `ctx`: {id(name), on(target, type, fn)}; `actions`: {use(text, column)}. Returns
 * {element, open(), close(), refused(message), sync(config, series)}.
 */
export function mountSeriesBox(ctx, actions) {
  const text = el('textarea', {
    id: ctx.id('series-text'), rows: 5, spellcheck: 'false',
    placeholder: 'one value per line, or CSV with a header line, e.g.\nmonth,sales\n2024-01,112\n2024-02,118',
  });
  const file = el('input', { id: ctx.id('series-file'), type: 'file', accept: '.csv,.tsv,.txt,text/csv,text/plain', class: 'visually-hidden' });
  const choose = el('label', { class: 'file-button secondary', title: 'read a CSV file (up to 100,000 values)' }, ['Choose CSV file…', file]);
  const example = el('button', { type: 'button', class: 'secondary', text: 'Example: airline passengers', title: 'monthly airline passengers 1949–1960 (Box & Jenkins): a trend and a season' });
  const column = el('select', { id: ctx.id('series-column'), name: 'column' });
  const columnLabel = el('label', { hidden: true }, [el('span', { text: 'column' }), column]);
  const use = el('button', { id: ctx.id('series-use'), type: 'button', text: 'Use this data' });
  const message = el('p', { class: 'series-error', role: 'alert', id: ctx.id('series-error') });
  const summary = el('p', { class: 'series-summary', 'aria-live': 'polite', id: ctx.id('series-summary') });
  const element = el('fieldset', { class: 'series-box', hidden: true }, [
    el('legend', { text: 'Your series' }),
    el('label', { class: 'series-text' }, [el('span', { text: 'values (paste here)' }), text]),
    el('div', { class: 'series-actions' }, [choose, example, columnLabel, use]),
    message,
    summary,
  ]);

  /** Reads `source` with the chosen column (none: the first numeric one). */
  const submit = async (source, chosen) => {
    message.textContent = '';
    await actions.use(source, chosen);
  };
  ctx.on(use, 'click', () => submit(text.value, column.value));
  ctx.on(column, 'change', () => submit(text.value, column.value));
  ctx.on(file, 'change', async () => {
    const chosen = file.files[0];
    file.value = '';
    if (!chosen) return;
    text.value = await chosen.text();
    await submit(text.value, '');
  });
  ctx.on(example, 'click', async () => {
    try {
      text.value = await (await fetch(EXAMPLE)).text();
      await submit(text.value, '');
    } catch (e) {
      message.textContent = `the example could not be read: ${e.message}`;
    }
  });

  let opened = false;
  return {
    element,
    /** Shows the box before any series is taken (the learner chose the csv task). */
    open() {
      opened = true;
      element.hidden = false;
      text.focus();
    },
    /** Shows the box while the task is csv (or was just chosen), with the series taken and its scaling. */
    sync(config, series) {
      message.textContent = '';
      if (config.task === 'csv') opened = false;
      element.hidden = config.task !== 'csv' && !opened;
      const taken = config.series;
      columnLabel.hidden = !taken || taken.columns.length < 2;
      if (taken) {
        column.replaceChildren(...taken.columns.map((c) => el('option', { value: c, text: c })));
        column.value = taken.column;
      }
      summary.textContent = taken && config.task === 'csv' && series && series.scaling
        ? `${taken.values.length.toLocaleString('en')} values of "${taken.column}" (lines ${taken.lines[0]}–${taken.lines[taken.lines.length - 1]}); `
          + `the net sees (x − ${short(series.scaling.mean)}) / ${short(series.scaling.scale)}, the mean and scale of the training part; charts show x.`
        : '';
    },
    /** A text was refused: its message, the run unchanged. */
    refused(why) {
      element.hidden = false;
      message.textContent = `${why}. The current run is unchanged.`;
    },
    /** Another task was chosen: the box closes (the series stays in the config). */
    close() {
      opened = false;
      element.hidden = true;
      message.textContent = '';
    },
  };
}
