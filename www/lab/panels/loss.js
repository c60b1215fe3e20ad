// The training loss of every epoch so far, log scale, with the learning rate; the validation loss
// beside it when the task holds windows out, and a memory task's chance level. In compare mode every
// run's curves, one colour per run (validation dashed). A faint ghost curve behind them: scrubbed back,
// the later epochs; after "continue from here" the abandoned ones; after a Reset or a change, the
// previous run's (with a button that hides it).
import { core } from '../core.js';
import { el } from '../dom.js';
import { touched } from '../changes.js';

export default {
  id: 'loss',
  title: 'Training loss',
  mount(ctx) {
    const { section, canvas } = ctx.canvasPanel(this, 'training loss per epoch, log scale');
    const dismiss = el('button', { type: 'button', class: 'secondary ghost-dismiss', id: ctx.id('ghost-dismiss'), text: 'hide faint curve', hidden: true });
    section.append(dismiss);
    ctx.on(dismiss, 'click', () => ctx.dismissGhost());
    return {
      section,
      canvas,
      /** Every epoch of every run: losses and learning rate (data-table.js). */
      table({ runs }) {
        const rows = runs.flatMap((r) => Array.from({ length: r.store.epoch }, (_, i) => [
          ...(runs.length > 1 ? [r.label] : []), i + 1, r.store.losses.at(i), r.store.valLosses.at(i), r.store.lrs.at(i)]));
        if (!rows.length) return null;
        return { caption: 'Loss (MSE) per epoch', columns: [...(runs.length > 1 ? ['run'] : []), 'epoch', 'training loss', 'validation loss', 'learning rate'], rows };
      },
      draw({ config, store, runs, ghost, dark, dpr }, changed) {
        if (!touched(changed, 'config', 'reports', 'theme', 'size')) return false;
        dismiss.hidden = !(ghost && ghost.dismissable);
        if (ghost) dismiss.textContent = `hide the faint curve (${ghost.name})`;
        const stores = runs.map((r) => r.store);
        const lengths = Uint32Array.from(stores, (s) => s.epoch);
        const join = (column) => {
          // A lone run's column as it is (no copy: a long run draws every frame of Play).
          if (stores.length === 1) return stores[0][column].values();
          const all = new Float64Array(lengths.reduce((a, b) => a + b, 0));
          let at = 0;
          for (const s of stores) {
            all.set(s[column].values(), at);
            at += s.epoch;
          }
          return all;
        };
        const latest = store.latest();
        // A lone run's caption carries its learning rate; the runs of a comparison may differ in it.
        const lr = runs.length > 1 ? undefined : (latest ? latest.lr : config.lr);
        core.drawLoss(canvas, runs.map((r) => r.label), join('losses'), join('valLosses'), lengths, ghost ? ghost.losses : new Float64Array(), ghost ? ghost.name : '', config.task, lr, config.epochs, dark, dpr);
        return true;
      },
    };
  },
};
