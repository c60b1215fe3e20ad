// The training loss of every epoch so far, log scale, with the learning rate; the validation loss
// beside it when the task holds windows out, and a memory task's chance level. In compare mode every
// run's curves, one colour per run (validation dashed).
import { core } from '../core.js';
import { touched } from '../changes.js';

export default {
  id: 'loss',
  title: 'Training loss',
  mount(ctx) {
    const { section, canvas } = ctx.canvasPanel(this, 'training loss per epoch, log scale');
    return {
      section,
      canvas,
      draw({ config, store, runs, dark, dpr }, changed) {
        if (!touched(changed, 'config', 'reports', 'theme', 'size')) return false;
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
        core.drawLoss(canvas, runs.map((r) => r.label), join('losses'), join('valLosses'), lengths, config.task, lr, config.epochs, dark, dpr);
        return true;
      },
    };
  },
};
