// What one run has told the page so far: a column per report field (one number per epoch) and the
// newest snapshot. The view reads it at frame rate (it tracks what changed itself, per panel).

/** A growable column of numbers: a Float64Array that doubles when full, so that a long run costs eight
 * bytes an epoch per field (the soak test reads the heap after 2,000 epochs). */
class Column {
  constructor() {
    this.data = new Float64Array(64);
    this.length = 0;
  }

  push(value) {
    if (this.length === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }

  at(i) {
    return this.data[i];
  }

  /** The values so far, without a copy (valid until the next push). */
  values() {
    return this.data.subarray(0, this.length);
  }

  /** The first `n` values as a column of their own (a copy: a ghost curve outlives this run). */
  copy(n = this.length) {
    return this.data.slice(0, Math.min(n, this.length));
  }

  /** The first `n` values, read-only and without a copy (the scrubber's view of an earlier epoch). */
  upTo(n) {
    const length = Math.min(n, this.length);
    return { length, at: (i) => this.data[i], values: () => this.data.subarray(0, length) };
  }
}

/** Store column ← report field; a missing validation loss is stored as NaN. */
const FIELDS = { losses: 'loss', valLosses: 'val_loss', lrs: 'lr', gradNorms: 'grad_norm', ms: 'ms' };

/** Rows the gradient history keeps at most: beyond it, every other row goes (see FlowHistory). */
const FLOW_ROWS = 256;

/** The gradient through time of the run's epochs, for the heatmap epoch × step: `|∂L/∂h_t|` of every
 * layer and step, one row per kept epoch, in a fixed Float32Array (a 2,000-epoch run costs no more
 * memory than a 256-epoch one). It keeps the epochs that are multiples of `stride` plus the newest;
 * when full it drops every other row and doubles the stride. Also the newest epoch's whole flow
 * ({layers: [{dh, dc?, keep?}]}) for the profile chart. */
export class FlowHistory {
  constructor() {
    this.rows = 0;
    this.stride = 1;
    this.latest = null;
  }

  push(epoch, flow) {
    this.latest = flow;
    if (!flow || !flow.layers.length) return;
    if (!this.dh) {
      this.layers = flow.layers.length;
      this.steps = flow.layers[0].dh.length;
      this.dh = new Float32Array(FLOW_ROWS * this.layers * this.steps);
      this.epochs = new Uint32Array(FLOW_ROWS);
    }
    // The newest row stays only while it is a multiple of the stride; otherwise the next one replaces it.
    if (this.rows > 0 && this.epochs[this.rows - 1] % this.stride !== 0) this.rows--;
    if (this.rows === FLOW_ROWS) this.thin();
    const width = this.layers * this.steps;
    flow.layers.forEach((layer, l) => this.dh.set(layer.dh, this.rows * width + l * this.steps));
    this.epochs[this.rows++] = epoch;
  }

  /** Keeps the rows whose epoch is a multiple of twice the stride, and doubles the stride. */
  thin() {
    this.stride *= 2;
    const width = this.layers * this.steps;
    let kept = 0;
    for (let r = 0; r < this.rows; r++) {
      if (this.epochs[r] % this.stride !== 0) continue;
      this.epochs[kept] = this.epochs[r];
      this.dh.copyWithin(kept * width, r * width, (r + 1) * width);
      kept++;
    }
    this.rows = kept;
  }

  /** Drops the rows after epoch `epochs` (a retrained epoch after a backend fallback). */
  truncate(epochs) {
    while (this.rows > 0 && this.epochs[this.rows - 1] > epochs) this.rows--;
  }

  /** The history as it was at the end of epoch `epoch`, whose whole flow is `latest` (the scrubber's
   * view: the rows of later epochs left out, nothing copied). */
  upTo(epoch, latest) {
    const view = Object.create(FlowHistory.prototype);
    Object.assign(view, this, { latest });
    while (view.rows > 0 && view.epochs[view.rows - 1] > epoch) view.rows--;
    return view;
  }

  /** The kept epochs and their rows `[rows, layers, steps]`, without a copy. */
  view() {
    const width = (this.layers || 0) * (this.steps || 0);
    return {
      epochs: this.epochs ? this.epochs.subarray(0, this.rows) : new Uint32Array(0),
      dh: this.dh ? this.dh.subarray(0, this.rows * width) : new Float32Array(0),
    };
  }
}

export class Store {
  constructor() {
    for (const column of Object.keys(FIELDS)) this[column] = new Column();
    this.flow = new FlowHistory();
    /** `{epoch, lr, predictions, trace, sample, ms}` of the newest evaluation, or null. */
    this.snapshot = null;
  }

  /** Epochs reported. */
  get epoch() {
    return this.losses.length;
  }

  /** Appends the report of epoch `report.epoch`; a report of an epoch already held (trained again after
   * a backend fallback) first drops that epoch and every later one. */
  push(report) {
    if (report.epoch <= this.epoch) this.truncate(report.epoch - 1);
    for (const [column, field] of Object.entries(FIELDS)) this[column].push(report[field] ?? NaN);
    this.flow.push(report.epoch, report.gradient_flow);
  }

  truncate(epochs) {
    for (const column of Object.keys(FIELDS)) this[column].length = Math.min(this[column].length, epochs);
    this.flow.truncate(epochs);
  }

  /** The newest epoch's report, `{epoch, loss, valLoss, lr, gradNorm, ms}` (valLoss NaN without a
   * validation set), or null before the first epoch. */
  latest() {
    const i = this.epoch - 1;
    if (i < 0) return null;
    return { epoch: i + 1, loss: this.losses.at(i), valLoss: this.valLosses.at(i), lr: this.lrs.at(i), gradNorm: this.gradNorms.at(i), ms: this.ms.at(i) };
  }

  setSnapshot(snapshot, sample) {
    this.snapshot = { ...snapshot, sample };
  }

  /** What the run had reported at the end of epoch `epoch`, read-only and without a copy: the
   * scrubber shows it with `snapshot`, that epoch's evaluation (session.rs, view), whose
   * `gradient_flow` is the epoch's. */
  upTo(epoch, snapshot) {
    const view = Object.create(Store.prototype);
    for (const column of Object.keys(FIELDS)) view[column] = this[column].upTo(epoch);
    view.flow = this.flow.upTo(epoch, snapshot ? snapshot.gradient_flow : null);
    view.snapshot = snapshot;
    return view;
  }

  /** The training losses as a copy (a ghost curve: the previous run's, or an abandoned future). */
  lossCurve() {
    return this.losses.copy();
  }
}
