// The training loss of every epoch so far, log scale, with the learning rate; the validation loss
// beside it when the task holds windows out, and a memory task's chance level.
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
      draw({ config, store, dark, dpr }, changed) {
        if (!touched(changed, 'config', 'reports', 'theme', 'size')) return false;
        const latest = store.latest();
        core.drawLoss(canvas, store.losses.values(), store.valLosses.values(), config.task, latest ? latest.lr : config.lr, config.epochs, dark, dpr);
        return true;
      },
    };
  },
};
