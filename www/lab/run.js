// One run: one training worker (worker.js), one model. It trains on its own while playing and streams
// small per-epoch reports to `onReport`; everything else is a request answered by a promise. Reports
// of an older run (before a create or a load) never reach the subscriber: each run has a token and the
// worker tags what it streams with it.

/** A failed request, typed as the worker sent it: `kind` is busy, diverged, backend, refused, invalid,
 * crash (the worker's wasm trapped: start a new worker) or error. */
export class RunError extends Error {
  constructor({ kind, message, field }) {
    super(message);
    this.name = 'RunError';
    this.kind = kind;
    if (field) this.field = field;
  }
}

export class Run {
  /**
   * @param {object} handlers
   * @param {(msg: {report, backend, snapshot?}) => void} handlers.onReport  every epoch of Play
   * @param {(msg: {epoch, reason, error?}) => void} handlers.onStopped  Play ended by itself (done, error)
   * @param {(text: string) => void} handlers.onFailure  the worker itself failed to load or run
   * @param {(msg: {backend, history?}) => void} handlers.onBackend  `auto` chose (history: the run moved)
   */
  constructor({ onReport, onStopped, onFailure, onBackend }) {
    this.handlers = { onReport, onStopped, onFailure, onBackend };
    this.requests = new Map();
    this.nextRequest = 1;
    this.token = 0;
    /** The highest epoch the worker has said its trainer reached. */
    this.trainedEpochs = 0;
    this.startWorker();
  }

  /** A fresh worker (after a crash); requests still waiting on the old one are rejected. */
  startWorker() {
    if (this.worker) this.worker.terminate();
    this.rejectAll('training worker restarted');
    this.worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    this.worker.onmessage = (e) => this.receive(e.data);
    this.worker.onerror = (e) => this.handlers.onFailure(`training worker failed: ${e.message || 'unknown error'}`);
  }

  rejectAll(why) {
    for (const { reject } of this.requests.values()) reject(new RunError({ kind: 'error', message: why }));
    this.requests.clear();
  }

  request(type, payload = {}, transfer = []) {
    const id = this.nextRequest++;
    return new Promise((resolve, reject) => {
      this.requests.set(id, { resolve, reject });
      this.worker.postMessage({ id, type, ...payload }, transfer);
    });
  }

  receive(msg) {
    if (msg.type === 'backend') {
      if (msg.token === this.token) this.handlers.onBackend(msg);
      return;
    }
    if (msg.type === 'report' || msg.type === 'stopped') {
      if (msg.token !== this.token) return;
      if (msg.type === 'report') {
        this.trainedEpochs = msg.report.epoch;
        this.handlers.onReport(msg);
      } else {
        this.trainedEpochs = msg.epoch;
        this.handlers.onStopped({ ...msg, error: msg.error && new RunError(msg.error) });
      }
      return;
    }
    const pending = this.requests.get(msg.id);
    if (!pending) return;
    this.requests.delete(msg.id);
    if (msg.ok) pending.resolve(msg.result);
    else pending.reject(new RunError(msg.error));
  }

  /** A new model of `config`; resolves `{backend}` (with the reason when it is a fallback). `workers`:
   * how many Web Workers may train it, 'auto' (parallel.js decides by measured cost) or a count. */
  async create(config, backend, workers = 'auto') {
    this.token++;
    this.trainedEpochs = 0;
    return this.request('create', { token: this.token, config, backend, workers });
  }

  /** Moves the run to `backend` ('webgpu' or 'ndarray') as it stands, state and all; resolves
   * `{backend, history}`, or rejects with the reason (the run stays where it was). */
  move(backend) {
    return this.request('move', { backend });
  }

  /** One epoch and its snapshot: `{report, backend, snapshot}`. */
  async step(sample) {
    const result = await this.request('step', { sample });
    this.trainedEpochs = result.report.epoch;
    return result;
  }

  /** Predictions and the gates of window `sample` now: `{epoch, lr, predictions, trace, ms}`. */
  async snapshot(sample) {
    const snap = await this.request('snapshot', { sample });
    this.trainedEpochs = Math.max(this.trainedEpochs, snap.epoch);
    return snap;
  }

  /** Trains until `until` epochs or a pause; with `every`, each report carries its snapshot of window
   * `sample`. Called again while playing, it changes `until`, `sample` and `every` for the next epoch. */
  play({ until, sample, every }) {
    this.request('play', { until, sample, every }).catch(() => {});
  }

  /** Stops at the next epoch boundary; resolves `{epoch}` once the worker has stopped. */
  async pause() {
    const { epoch } = await this.request('pause');
    this.trainedEpochs = epoch;
    return { epoch };
  }

  /** The model fed its own outputs for `horizon` steps from series index `start` (session.rs); with
   * `epoch`, of the weights the run had at the end of that epoch. */
  forecast(start, horizon, epoch = null) {
    return this.request('forecast', { start, horizon, epoch });
  }

  /** What the page drew at the end of epoch `epoch`: a snapshot of window `sample` with that epoch's
   * `gradient_flow` (session.rs, view); the run is unchanged. */
  view(epoch, sample) {
    return this.request('view', { epoch, sample });
  }

  /** "Continue from here": the run goes back to the end of epoch `epoch` and forgets the epochs after
   * it; resolves `{epoch, history}`. */
  async rewind(epoch) {
    const result = await this.request('rewind', { epoch });
    this.trainedEpochs = result.epoch;
    return result;
  }

  /** The run's history as CSV text (the CLI's `--history` columns). */
  historyCsv() {
    return this.request('historyCsv');
  }

  /** The run's whole state as run-file text (src/run_file.rs). */
  saveRun() {
    return this.request('saveRun');
  }

  setLearningRate(lr) {
    return this.request('lr', { lr });
  }

  /** Starts over from weights-file or run-file text, or `.pth` bytes; resolves `{config, reports}`
   * (a run file's history; none for weights). A refused file leaves the current run as it was (its
   * token too). */
  async load(file) {
    const previous = this.token;
    this.token++;
    try {
      const loaded = typeof file === 'string'
        ? await this.request('load', { token: this.token, text: file })
        : { config: await this.request('loadPth', { token: this.token, bytes: file }, [file]), reports: [] };
      this.trainedEpochs = loaded.reports.length;
      return loaded;
    } catch (e) {
      this.token = previous;
      throw e;
    }
  }

  save() {
    return this.request('save');
  }

  savePth() {
    return this.request('savePth');
  }

  /** Bytes of the worker's wasm memory (the soak test reads it). */
  memory() {
    return this.request('memory');
  }

  terminate() {
    this.worker.terminate();
    this.rejectAll('lab destroyed');
  }
}
