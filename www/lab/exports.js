// What a learner or teacher takes away from a run: each chart as a PNG at the screen's resolution, the
// tutorial's results figure (the CLI's own plotters code, src/plot/results.rs), the run's history as
// CSV (the CLI's `--history` columns, src/epoch_log.rs) and the run file (src/run_file.rs) that Load
// restores. Weights and .pth files are the toolbar's Save buttons. Each export downloads its file and
// resolves its Blob.
import { core } from './core.js';
import { download } from './dom.js';

/** The export menu's entries: value → what it says. */
export const EXPORTS = {
  results: 'results figure (PNG)',
  history: 'history (CSV)',
  run: 'run file (JSON, Load restores it)',
};

/** A canvas as a PNG Blob, at its own pixel size (the screen's resolution). */
export function canvasPng(canvas) {
  return new Promise((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the chart could not be encoded as PNG'))), 'image/png'));
}

async function offer(blob, name) {
  download(blob, name);
  return blob;
}

/** A chart panel's canvas as `gru-lab-<name>.png`. */
export async function chartPng(canvas, name) {
  return offer(await canvasPng(canvas), `gru-lab-${name}.png`);
}

/** The results figure of `lane` as the panels show it (`shown`: its store and snapshot, a past epoch's
 * when scrubbed), as `gru_sine_wave_results.png` like the CLI's. */
export async function resultsFigure(shown) {
  const { config, store } = shown;
  const snap = store.snapshot;
  if (!snap) throw new Error('train an epoch first: the figure shows the predictions');
  const predictions = new Float32Array(snap.predictions.length + (snap.validation ? snap.validation.length : 0));
  predictions.set(snap.predictions);
  if (snap.validation) predictions.set(snap.validation, snap.predictions.length);
  const { epochs, dh } = store.flow.view();
  const canvas = document.createElement('canvas');
  const latest = store.latest();
  core.drawResultsFigure(canvas, config, predictions, store.losses.values(), store.valLosses.values(), latest ? latest.lr : config.lr, store.flow.latest ?? null, epochs, dh);
  return offer(await canvasPng(canvas), 'gru_sine_wave_results.png');
}

/** The run's history, one row per epoch, as `gru-lab-history.csv`. */
export async function historyCsv(run) {
  return offer(new Blob([await run.historyCsv()], { type: 'text/csv' }), 'gru-lab-history.csv');
}

/** The run's whole state as `gru-lab-run.json`. */
export async function runFile(run) {
  return offer(new Blob([await run.saveRun()], { type: 'application/json' }), 'gru-lab-run.json');
}
