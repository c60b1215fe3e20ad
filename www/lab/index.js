// GRU Lab in a page: `mount` builds a lab (controls, status, panels) inside an element and returns its
// handle. The lab trains in its own Web Worker and draws with the Rust drawing code (plotters on
// canvases) on the main thread.
//
//   import { mount } from './www/lab/index.js';
//   const lab = await mount(element, { hidden: 16, layers: 1, epochs: 50 });
//   lab.step(); lab.play(); lab.pause(); lab.reset(); lab.setLearningRate(0.003);
//   lab.onReport((r) => console.log(r.epoch, r.loss)); lab.destroy();
//
// The parts: options.js (what a lab is given), run.js + worker.js (one run: a worker, a model),
// store.js (what the run reported), view.js (one lab: draws the run), controls.js, status.js and
// panels/ (one file per panel).
import { wasmReady, core } from './core.js';
import { PAGE_KEYS, pageOptions, optionsToQuery, compareText } from './options.js';
import { LabView } from './view.js';

export { PAGE_KEYS, OPTION_KEYS, PANELS, CONTROLS, optionsToQuery } from './options.js';

/** The public handle returned by `mount` (documented in EMBEDDING.md). */
function handle(lab) {
  return {
    step: () => lab.step(),
    play: () => lab.play(),
    pause: () => lab.pause(),
    reset: () => lab.reset(),
    setLearningRate: (lr) => lab.setLearningRate(lr),
    /** The run as GRU Lab weights-file text (also offered as a download). */
    saveWeights: (options) => lab.saveWeights(options),
    savePth: (options) => lab.savePth(options),
    /** Starts over from weights-file text, run-file text (its history too) or .pth bytes; resolves false
     * (with a message shown) for a bad file. */
    loadWeights: (file, options) => lab.loadWeights(file, options),
    /** Trains on your own series (task csv): `text` is a CSV file's text or pasted values (a header line
     * allowed), `column` a header name or a 1-based number (default: the first numeric column). Resolves
     * true, or false with the reason (line, column, problem) shown; the run is unchanged then. */
    useSeries: async (text, { column = '' } = {}) => (await lab.useSeries(text, column)) === null,
    /** Every epoch with every field, predictions and gates included (Play evaluates each epoch for it), and
     * gradientFlow: {layers: [{dh: [T], dc?: [T], keep?: [T]}]}: per layer (layer 1 first) and step
     * (t = 1 first) |∂L/∂h_t|, the LSTM's |∂L/∂c_t|, and the gate highway. */
    onEpoch: (cb) => lab.onEpoch(cb),
    /** Every epoch's report only: {epoch, loss, lr, gradNorm, ms, backend, gradientFlow}. Free for Play. */
    onReport: (cb) => lab.onReport(cb),
    /** Compare mode: trains `runs` side by side on the same data and seed, `[{cell: 'rnn'}, {cell: 'lstm',
     * hidden: 16}]` or `'rnn,lstm:hidden=16'` (empty: one run again); bad parts are shown and left out. */
    compare: (runs) => lab.setCompare(compareText(runs)),
    /** Every run (one outside compare mode): {label, config, parameters, epoch, losses, valLosses, error}. */
    get runs() {
      return lab.lanes.map((l) => ({
        label: l.label, config: { ...l.config }, parameters: l.parameters, epoch: l.store.epoch,
        losses: Array.from(l.store.losses.values()), valLosses: Array.from(l.store.valLosses.values()),
        error: l.error ? { kind: l.error.kind, message: l.error.message } : null,
      }));
    },
    /** Shows every panel as it was at the end of `epoch` (null: the newest), without training. */
    scrubTo: (epoch) => lab.scrubTo(epoch),
    /** Trains on from the end of `epoch`, exactly as the run went on from there; the later epochs stay as
     * a faint ghost in the loss chart. Resolves false (with the reason shown) if it could not. */
    continueFrom: (epoch) => lab.continueFrom(epoch),
    /** The deep dive shown: 'gates', 'gradients', 'forecast', 'architecture', or 'all' (no tabs). */
    get dive() { return lab.page.dive; },
    /** Shows deep dive `id` (as its tab does); false if this lab has no such tab. */
    showDive: (id) => lab.deepDive.show(id),
    /** Hides the loss chart's ghost curve (the previous run's, or abandoned epochs). */
    dismissGhost: () => lab.dismissGhost(),
    /** The epoch the panels show (the scrubber's; `epoch` when it shows the newest). */
    get shownEpoch() { return lab.scrubEpoch ?? lab.store.epoch; },
    /** The loss chart's ghost curve: {name, losses} or null. */
    get ghost() {
      const g = lab.viewState().ghost;
      return g ? { name: g.name, losses: Array.from(g.losses) } : null;
    },
    /** How much of the run's past its worker keeps: {kept, stride, bytes, budget, earliest} or null. */
    get history() { return lab.lane.history ? { ...lab.lane.history } : null; },
    /** Downloads an export and resolves its Blob: 'results' (the results figure, PNG), 'history' (CSV)
     * or 'run' (the run file, which loadWeights restores); null (with the reason shown) if it failed. */
    exportFile: (kind) => lab.exportFile(kind),
    destroy: () => lab.destroy(),
    /** Epochs reported so far (the counter). */
    get epoch() { return lab.store.epoch; },
    /** The training loss of every epoch so far. */
    get losses() { return Array.from(lab.store.losses.values()); },
    /** Epochs the worker's trainer has run, as far as the page has heard (equals `epoch` when idle). */
    get trainedEpochs() { return lab.run.trainedEpochs; },
    /** The epoch whose predictions and gates are on screen (behind `epoch` while playing). */
    get drawnEpoch() { return lab.drawnEpoch; },
    /** True when every panel on screen has drawn what changed and no frame is pending (a panel left over
     * by a frame's budget draws in a later frame). */
    get settled() { return lab.settled; },
    get playing() { return lab.playing; },
    /** Bytes of the training worker's wasm memory. */
    workerMemory: () => lab.run.memory(),
    get config() { return { ...lab.config }; },
    get backend() { return lab.lane.backendName; },
    /** Moves the run to 'webgpu' or 'ndarray' as it stands (weights, Adam's moments, scheduler, dropout
     * stream), so that it goes on as the same run; resolves the badge's text, or null with the reason
     * shown. `backend=auto` does this by itself when WebGPU is clearly faster. */
    moveTo: (backend) => lab.moveTo(backend),
    /** `{count, note}`: how many Web Workers train the run now, and why (null before an epoch). */
    get workers() { return lab.lane.workers ?? null; },
  };
}

/**
 * Mounts a lab in `element`. With `options.query` (a URL query string) bad values are shown in the
 * lab's message area and the defaults are used; with plain options a bad value rejects the promise
 * with an Error naming the option and the allowed values.
 */
export async function mount(element, options = {}) {
  if (!(element instanceof Element)) throw new Error('mount: element must be a DOM Element');
  await wasmReady;
  const { query, ids = false, syncUrl = false, keyboard = false, ...rest } = options;
  const strict = query === undefined;
  const text = strict ? optionsToQuery(rest) : query;
  const errors = [];
  const page = pageOptions(text, errors);
  const validated = core.applyQuery(undefined, text, PAGE_KEYS);
  errors.push(...validated.errors.map((e) => e.message));
  if (page.compare) {
    // Each run of a comparison is validated like the config; the runs kept are the ones that passed.
    const compared = core.compareRuns(validated.config, page.compare);
    errors.push(...compared.errors.map((e) => e.message));
    page.compare = compared.text;
  }
  if (strict && errors.length) throw new Error(errors.join('\n'));
  const lab = new LabView(element, validated.config, page, { ids, syncUrl, keyboard });
  if (errors.length) lab.status.showError(`${errors.join('\n')}\nUsing the default for each of these.`);
  await lab.start();
  lab.syncUrl();
  return handle(lab);
}
