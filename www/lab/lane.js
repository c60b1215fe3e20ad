// One run as the view holds it: its config, its worker (run.js), what it reported (store.js), the data
// its prediction chart draws, and its own snapshot requests. A lab has one lane; compare mode has up to
// four, each training in its own worker (so several cores train them at once), started, stepped,
// played and paused together by the view; a lane that fails stops alone.
import { core } from './core.js';
import { Run } from './run.js';
import { Store } from './store.js';

/** While playing, the next snapshot is asked for no sooner than this many times the last snapshot's
 * cost (its evaluation in the worker and its drawing) after it arrived: snapshots then take at most
 * ~1/10 of the time, and training keeps the rest. */
const SNAPSHOT_SPACING = 10;

export class Lane {
  /**
   * @param {number} index  the run's number in a comparison (0 for a lone run)
   * @param {object} handlers  {onReport(lane, msg), onStopped(lane, msg), onFailure(lane, text),
   *   onBackend(lane, msg)}
   */
  constructor(index, { onReport, onStopped, onFailure, onBackend }) {
    this.index = index;
    this.run = new Run({
      onReport: (msg) => onReport(this, msg),
      onStopped: (msg) => onStopped(this, msg),
      onFailure: (text) => onFailure(this, text),
      onBackend: (msg) => onBackend(this, msg),
    });
    this.store = new Store();
    /** Bumped by every start: answers that belong to an older run of this lane are dropped. */
    this.generation = 0;
    this.created = false;
    this.playing = false;
    this.crashed = false;
    /** The typed error that stopped this lane (compare mode shows it in the table), or null. */
    this.error = null;
    this.snapshotInFlight = false;
    this.nextSnapshotAt = 0;
    /** The scrubber's snapshot of a past epoch (session.rs, view), or null. */
    this.past = null;
    /** How much of the run's past its worker keeps (history.rs, HistorySummary), once it has trained. */
    this.history = null;
  }

  /** A fresh run of `config` (`label` and `parameters` name it in a comparison); with `loaded`, the
   * worker already holds it (a weights file). Resolves `{backend}`. */
  start(config, { label = '', parameters = 0, backend, workers = 'auto', loaded = false }) {
    this.generation++;
    this.config = config;
    this.label = label;
    this.parameters = parameters;
    this.store = new Store();
    this.lr = config.lr;
    this.series = core.dataset(config);
    this.created = false;
    this.playing = false;
    this.error = null;
    this.past = null;
    this.history = null;
    const generation = this.generation;
    this.startup = loaded ? Promise.resolve({ backend: this.backendName }) : this.run.create(config, backend, workers);
    return this.startup.then((created) => {
      if (generation === this.generation) {
        this.backendName = created.backend;
        this.created = true;
      }
      return created;
    });
  }

  /** Everything this lane's epochs reported: a report (with `history`, what the worker keeps of the
   * past), and the snapshot that came with it. */
  push(report, snapshot, sample, history = null) {
    this.store.push(report);
    this.lr = report.lr;
    if (history) this.history = history;
    if (snapshot) this.store.setSnapshot(snapshot, sample);
  }

  /** One epoch and its snapshot of window `sample`: `{report, backend, snapshot}`. */
  async step(sample) {
    await this.startup;
    const result = await this.run.step(sample);
    this.push(result.report, result.snapshot, sample, result.history);
    this.workers = result.workers;
    return result;
  }

  /** This lane as the panels see it at the end of epoch `epoch` (null: now): the lane itself, or a
   * view of it whose store holds epochs 1 … epoch and the scrubber's snapshot of that epoch. */
  shown(epoch) {
    if (epoch === null || epoch >= this.store.epoch) return this;
    const past = this.past && this.past.epoch === epoch ? this.past : null;
    return Object.assign(Object.create(this), { store: this.store.upTo(epoch, past) });
  }

  /** Asks the worker for the snapshot of window `sample` at the end of epoch `epoch` (at most the
   * newest); resolves true when it arrived for this lane's current run. */
  async viewPast(epoch, sample) {
    const generation = this.generation;
    const past = await this.run.view(Math.min(epoch, this.store.epoch), sample);
    if (generation !== this.generation) return false;
    this.past = { ...past, sample };
    return true;
  }

  /** "Continue from here": the run goes back to the end of epoch `epoch`; the store forgets the later
   * epochs and shows that epoch's snapshot. Resolves the abandoned training losses (a ghost curve). */
  async continueFrom(epoch) {
    const abandoned = this.store.lossCurve();
    const { history } = await this.run.rewind(Math.min(epoch, this.store.epoch));
    this.history = history;
    this.store.truncate(epoch);
    // The newest flow is the one of the epoch the run stands at now.
    if (this.past && this.past.epoch === epoch) {
      this.store.flow.latest = this.past.gradient_flow;
      this.store.setSnapshot(this.past, this.past.sample);
    } else {
      this.store.snapshot = null;
    }
    this.lr = this.store.epoch ? this.store.lrs.at(this.store.epoch - 1) : this.config.lr;
    this.past = null;
    return abandoned;
  }

  /** Whether the snapshot on screen is older than the newest epoch or of another window. */
  stale(sample) {
    const snap = this.store.snapshot;
    return !snap || snap.epoch < this.store.epoch || snap.sample !== sample;
  }

  /** Asks for a snapshot of window `sample` when the one held is stale: one at a time, spaced while
   * playing. Resolves true when a new one arrived for this lane's current run. */
  async refresh(sample, { playing, drawMs }) {
    if (this.snapshotInFlight || !this.created || this.crashed || !this.stale(sample)) return false;
    if (playing && performance.now() < this.nextSnapshotAt) return false;
    const generation = this.generation;
    this.snapshotInFlight = true;
    try {
      const next = await this.run.snapshot(sample);
      if (generation !== this.generation) return false;
      this.nextSnapshotAt = performance.now() + SNAPSHOT_SPACING * (next.ms + drawMs);
      this.store.setSnapshot(next, sample);
      return true;
    } finally {
      this.snapshotInFlight = false;
    }
  }

  /** The newest epoch's figures and the MAE and RMSE of its snapshot on the validation windows (on the
   * training windows when nothing is held out): one row of the comparison table. */
  row() {
    const latest = this.store.latest();
    const snap = this.store.snapshot;
    const held = snap && snap.validation && snap.validation.length;
    const predictions = held ? snap.validation : snap && snap.predictions;
    const targets = held ? this.heldOutTargets() : this.series.targets;
    let mae = NaN;
    let mse = NaN;
    if (predictions && targets && predictions.length === targets.length && predictions.length) {
      const scale = this.series.scaling ? this.series.scaling.scale : 1;
      const mean = this.series.scaling ? this.series.scaling.mean : 0;
      let abs = 0;
      let sq = 0;
      for (let i = 0; i < targets.length; i++) {
        // The targets are in the data's units; the net's outputs are standardised for a learner's series.
        const e = (targets[i] - mean) / scale - predictions[i];
        abs += Math.abs(e);
        sq += e * e;
      }
      mae = abs / targets.length;
      mse = sq / targets.length;
    }
    return { latest, mae, mse, rmse: Math.sqrt(mse), snapshotEpoch: snap ? snap.epoch : 0 };
  }

  /** The validation windows' targets in the data's own units (a memory task's are `truth`). */
  heldOutTargets() {
    return this.series.memory ? this.series.truth : this.series.truth.slice(this.series.heldOutFrom);
  }
}
