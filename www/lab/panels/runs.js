// Compare mode's table: one row per run (its colour, cell and size, parameters, epoch, ms/epoch, the
// newest training and validation loss, and the MAE and RMSE of its newest snapshot), the best run
// marked. Choosing a row shows that run's gates, gradients and status line. Hidden for a lone run.
import { el } from '../dom.js';
import { touched } from '../changes.js';

/** The run colours of plot::Theme::runs, light and dark (Okabe & Ito). */
const COLOURS = { light: ['#0072b2', '#d55e00', '#009e73', '#cc79a7'], dark: ['#56b4e9', '#e69f00', '#009e73', '#cc79a7'] };
const fixed = (v, digits = 6) => (Number.isFinite(v) ? v.toFixed(digits) : '–');

export default {
  id: 'runs',
  title: 'Runs compared',
  mount(ctx) {
    const body = el('tbody');
    const head = el('thead', {}, [el('tr', {}, ['run', 'parameters', 'epoch', 'ms/epoch', 'train loss', 'validation loss', 'MAE', 'RMSE', 'result', 'gates'].map((h) => el('th', { scope: 'col', text: h })))]);
    const note = el('p', { class: 'runs-note', id: ctx.id('runs-note'), text: 'The best validation loss (training loss without a validation set) is marked ★. Choose a run to see its gates and gradient; the table scrolls sideways on a narrow screen.' });
    const table = el('table', { id: ctx.id('runs-table'), class: 'runs-table', 'aria-describedby': ctx.id('runs-note') }, [head, body]);
    const section = ctx.section(this, el('div', {}, [note, el('div', { class: 'table-box' }, [table])]), 'runs');
    section.hidden = true;
    // One listener for the rows' buttons (the rows are rebuilt every epoch).
    ctx.on(body, 'click', (event) => {
      const button = event.target.closest('button[data-run]');
      if (button) ctx.chooseRun(Number(button.dataset.run));
    });
    return {
      section,
      draw({ runs, chosen, dark }, changed) {
        section.hidden = runs.length < 2;
        if (section.hidden || !touched(changed, 'config', 'reports', 'snapshot', 'theme')) return false;
        const rows = runs.map((r) => r.row());
        const score = (row) => (row.latest ? (Number.isFinite(row.latest.valLoss) ? row.latest.valLoss : row.latest.loss) : Infinity);
        const best = rows.reduce((b, row, i) => (score(row) < score(rows[b]) ? i : b), 0);
        const colours = dark ? COLOURS.dark : COLOURS.light;
        body.replaceChildren(...runs.map((run, i) => {
          const { latest, mae, rmse } = rows[i];
          const choose = el('button', { type: 'button', class: 'secondary', 'data-run': i, text: i === chosen ? 'shown' : 'show', 'aria-pressed': String(i === chosen), title: `show ${run.label}'s gates and gradient` });
          const name = el('th', { scope: 'row' }, [el('span', { class: 'swatch', style: `background:${colours[i % colours.length]}` }), ` ${run.label}`]);
          const status = run.error ? el('td', { class: 'run-error', text: `stopped: ${run.error.kind}` }) : el('td', { text: i === best && latest ? '★ best' : '' });
          return el('tr', { class: i === chosen ? 'chosen' : '' }, [
            name,
            el('td', { text: run.parameters.toLocaleString('en-US') }),
            el('td', { text: String(latest ? latest.epoch : 0) }),
            el('td', { text: latest ? latest.ms.toFixed(latest.ms < 10 ? 1 : 0) : '–' }),
            el('td', { text: latest ? fixed(latest.loss) : '–' }),
            el('td', { text: latest ? fixed(latest.valLoss) : '–' }),
            el('td', { text: fixed(mae, 4) }),
            el('td', { text: fixed(rmse, 4) }),
            status,
            el('td', {}, [choose]),
          ]);
        }));
        return true;
      },
    };
  },
};
