// Heatmaps of the cell's gates and states for every layer, for the selected window: time step across,
// hidden unit down. Hovering names the quantity, layer, step and unit, and highlights its equation
// and its block in the diagram.
import { core } from '../core.js';
import { touched } from '../changes.js';

export default {
  id: 'gates',
  title: 'Gate activations of the selected window: time step → across, hidden unit ↓ down',
  /** Draws the snapshot (the view tracks which epoch it shows). */
  snapshot: true,
  mount(ctx) {
    const { section, canvas } = ctx.canvasPanel(this, 'heatmaps of the cell\'s gates and states for every layer');
    ctx.on(canvas, 'mousemove', (event) => {
      const { snapshot, config, dpr } = ctx.view();
      if (!snapshot || !snapshot.trace) return;
      const rect = canvas.getBoundingClientRect();
      const x = (event.clientX - rect.left) * (canvas.width / rect.width);
      const y = (event.clientY - rect.top) * (canvas.height / rect.height);
      const hit = core.gateAt(canvas, snapshot.trace, config.cell, x, y, dpr);
      if (!hit) {
        ctx.tooltip.hide();
        ctx.highlight(null);
        return;
      }
      ctx.highlight(hit.gate);
      ctx.tooltip.show(event, `layer ${hit.layer + 1} · ${hit.gate} · step ${hit.step + 1} · unit ${hit.unit + 1} = ${hit.value.toFixed(4)}`);
    });
    ctx.on(canvas, 'mouseleave', () => { ctx.tooltip.hide(); ctx.highlight(null); });
    return {
      section,
      canvas,
      draw({ config, snapshot, dark, dpr }, changed) {
        if (touched(changed, 'config')) {
          const titles = core.gateEquations(config).map((q) => q.title);
          canvas.setAttribute('aria-label', `heatmaps of ${titles.join(', ')} for every layer`);
        }
        if (!touched(changed, 'config', 'snapshot', 'theme', 'size')) return false;
        if (snapshot && snapshot.trace) core.drawGates(canvas, snapshot.trace, config.cell, dark, dpr);
        else canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
        return true;
      },
    };
  },
};
