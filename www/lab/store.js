// What one run has told the page so far: a column per report field (one number per epoch, packed
// arrays: the soak test reads the heap after 2,000 epochs) and the newest snapshot. The view reads it
// at frame rate; `reportsVersion` and `snapshotVersion` tell it what changed since it last drew.

export class Store {
  constructor() {
    this.losses = [];
    this.lrs = [];
    this.gradNorms = [];
    this.ms = [];
    /** `{epoch, lr, predictions, trace, sample, ms}` of the newest evaluation, or null. */
    this.snapshot = null;
    this.reportsVersion = 0;
    this.snapshotVersion = 0;
  }

  /** Epochs reported. */
  get epoch() {
    return this.losses.length;
  }

  /** Appends the report of epoch `report.epoch`; a report of an epoch already held (trained again after
   * a backend fallback) first drops that epoch and every later one. */
  push(report) {
    if (report.epoch <= this.epoch) this.truncate(report.epoch - 1);
    this.losses.push(report.loss);
    this.lrs.push(report.lr);
    this.gradNorms.push(report.grad_norm);
    this.ms.push(report.ms);
    this.reportsVersion++;
  }

  truncate(epochs) {
    for (const column of [this.losses, this.lrs, this.gradNorms, this.ms]) column.length = Math.min(column.length, epochs);
    this.reportsVersion++;
  }

  /** The newest epoch's report, `{epoch, loss, lr, gradNorm, ms}`, or null before the first epoch. */
  latest() {
    const i = this.epoch - 1;
    if (i < 0) return null;
    return { epoch: i + 1, loss: this.losses[i], lr: this.lrs[i], gradNorm: this.gradNorms[i], ms: this.ms[i] };
  }

  setSnapshot(snapshot, sample) {
    this.snapshot = { ...snapshot, sample };
    this.snapshotVersion++;
  }
}
