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
}

const FIELDS = { losses: 'loss', lrs: 'lr', gradNorms: 'grad_norm', ms: 'ms' };

export class Store {
  constructor() {
    for (const column of Object.keys(FIELDS)) this[column] = new Column();
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
    for (const [column, field] of Object.entries(FIELDS)) this[column].push(report[field]);
  }

  truncate(epochs) {
    for (const column of Object.keys(FIELDS)) this[column].length = Math.min(this[column].length, epochs);
  }

  /** The newest epoch's report, `{epoch, loss, lr, gradNorm, ms}`, or null before the first epoch. */
  latest() {
    const i = this.epoch - 1;
    if (i < 0) return null;
    return { epoch: i + 1, loss: this.losses.at(i), lr: this.lrs.at(i), gradNorm: this.gradNorms.at(i), ms: this.ms.at(i) };
  }

  setSnapshot(snapshot, sample) {
    this.snapshot = { ...snapshot, sample };
  }
}
