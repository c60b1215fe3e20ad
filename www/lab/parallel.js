// Data-parallel training across Web Workers, for the training worker (worker.js). A run's batch is cut
// into a fixed number of shards (src/shards.rs); this worker and each helper worker (helper-worker.js)
// start on a group of them, whoever runs out first takes over shards another has not started
// (shard-share.js), and the Rust session adds every shard's gradients in shard order and applies
// Adam. The shards and the order of the sums do not depend on which workers compute them, so the run
// is bit for bit the same on 1, 2 or 8 workers, and switching is free.
//
// On WebGPU (gpu-pass.js) the GPU computes the whole batch instead and no helper trains.
//
// How many: `workers` = 'auto' or a count (helpers join after the first epochs, see WARM_UP), or
// 'alternate' for `make bench`: every core, but every other epoch on this worker alone, so that one run
// times both and the machine's slow phases (seconds long on a shared host) hit both alike. 'auto'
// decides by measured cost: the run's first epochs train
// here alone; when they take long enough to be worth sharing, helpers start in the background, a few
// epochs are timed with them, and they stay only when the epochs got faster. Every decision comes with
// its reason (`status()`), which the page shows in the status line.

import { createGpuPass, gpuEpoch } from './gpu-pass.js';
import { shareEpoch, pause } from './shard-share.js';

/** Epochs timed on one worker before 'auto' decides, and with helpers before it keeps them; the first
 * of each warms up and is not counted. What counts is the fastest of the others: noise (another tab,
 * garbage collection, V8 still compiling the hot code to its optimising tier) only ever adds time. */
const TIMED_SOLO = 5;
const TIMED_SHARED = 3;
/** Epochs a forced count still trains alone first: meanwhile V8 compiles the hot wasm code to its
 * optimising tier on the idle core, and the helpers share that code (with every core busy from the
 * first epoch the compiler starves, and the first ~5 epochs run several times slower). */
const WARM_UP = 2;
/** Below this many ms an epoch on one worker is left alone: messages would cost more than they save. */
const WORTH_SHARING_MS = 4;
/** At most this many workers train one run. */
export const MAX_WORKERS = 8;

class Helper {
  constructor() {
    this.worker = new Worker(new URL('./helper-worker.js', import.meta.url), { type: 'module' });
    this.pending = new Map();
    this.next = 1;
    this.worker.onmessage = ({ data }) => {
      const waiting = this.pending.get(data.id);
      if (!waiting) return;
      if (data.part) {
        waiting.onPart(data.part);
        return;
      }
      this.pending.delete(data.id);
      if (data.ok === false) waiting.reject(new Error(`helper worker: ${data.message}`));
      else waiting.resolve(data);
    };
    this.worker.onerror = (e) => this.failAll(`helper worker failed: ${e.message || 'unknown error'}`);
  }

  ask(msg) {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...msg, id });
    });
  }

  /** Begins an epoch (helper-worker.js): its weights and dropout stream, for the shards asked next. */
  begin({ params, stream }) {
    this.worker.postMessage({ type: 'begin', params, stream });
  }

  /** Shards `from..to` of the begun epoch (helper-worker.js): `onPart` gets each part as it comes;
   * `done` resolves when the helper stopped; `limit(to)` asks it to stop before shard `to`. */
  compute(from, to, onPart) {
    const id = this.next++;
    const done = new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onPart });
      this.worker.postMessage({ type: 'compute', id, from, to });
    });
    return { done, limit: (end) => this.worker.postMessage({ type: 'limit', id, to: end }) };
  }

  failAll(why) {
    for (const { reject } of this.pending.values()) reject(new Error(why));
    this.pending.clear();
  }

  terminate() {
    this.worker.terminate();
    this.failAll('helper stopped');
  }
}

const fastest = (xs) => Math.min(...xs.slice(1));

export class Parallel {
  /**
   * @param {'auto'|number} workers  'auto', or the count to use (1 trains here alone)
   * @param {number} cores  navigator.hardwareConcurrency
   */
  constructor(workers, cores) {
    this.requested = workers;
    /** Workers that trained the last epoch, 1 again once the helpers stop (status()). */
    this.trainedBy = 1;
    /** How many shards of the last shared epoch each worker computed, this one first. */
    this.shares = null;
    this.cores = Math.max(1, Math.min(cores || 1, MAX_WORKERS));
    this.helpers = [];
    /** The GPU pass (gpu-pass.js) when the run trains on WebGPU, and the config it was made for. */
    this.gpu = null;
    this.gpuConfig = null;
    this.reset(null, null);
  }

  /** Trains the run's epochs on WebGPU's fused pass from the next epoch on (helpers stop); rejects
   * with the reason, the run staying as it was. */
  async useGpu() {
    const config = this.session.shardConfig();
    const gpu = await createGpuPass(config);
    this.dropGpu();
    for (const h of this.helpers) h.terminate();
    this.helpers = [];
    this.trainedBy = 1;
    this.starting = null;
    this.gpu = gpu;
    this.gpuConfig = JSON.stringify(config);
    this.note = 'one worker: the GPU trains';
  }

  /** Back to the CPU from the next epoch on (helpers may join again). */
  useCpu() {
    this.dropGpu();
    this.reset(this.session, this.build);
  }

  dropGpu() {
    if (this.gpu) this.gpu.free();
    this.gpu = null;
    this.gpuConfig = null;
  }

  /** After a load into the same session: a GPU pass made for another config is made again (or, if
   * that fails, dropped: null, or why). */
  async refreshGpu() {
    if (!this.gpu || JSON.stringify(this.session.shardConfig()) === this.gpuConfig) return null;
    try {
      await this.useGpu();
      return null;
    } catch (e) {
      this.useCpu();
      return String(e && e.message ? e.message : e);
    }
  }

  /** A new run (create, load): helpers of the old one stop; timing starts over. `build`: the session's
   * compiled module and its bindings' URL, `{module, js}`, which the helpers instantiate too. */
  reset(session, build) {
    for (const h of this.helpers) h.terminate();
    this.helpers = [];
    this.trainedBy = 1;
    this.session = session;
    this.build = build;
    this.shards = session ? session.shards : 0;
    this.solo = [];
    this.shared = [];
    this.starting = null;
    const forced = this.requested !== 'auto';
    const most = typeof this.requested === 'number' ? this.requested : this.cores;
    this.target = Math.max(1, Math.min(most, this.shards || 1));
    if (!session) this.note = '';
    else if (this.shards < 2) this.note = this.shards === 0 ? 'one worker (the GPU trains)' : 'one worker: the batch is one shard';
    else if (this.target < 2) this.note = forced ? 'one worker (workers=1)' : 'one worker: this machine reports one core';
    else if (forced) this.note = `one worker (workers=${this.requested}: warming up first)`;
    else this.note = 'one worker, timing…';
    if (this.gpu) this.note = 'one worker: the GPU trains';
  }

  /** `{count, note, shares}`: how many workers trained the last epoch, and why; when they were more
   * than one, how many shards each computed (this worker first), else null. */
  status() {
    return { count: this.trainedBy, note: this.note, shares: this.trainedBy > 1 ? this.shares : null };
  }

  /** Starts the helpers in the background; they train from the epoch after they are all ready. */
  start() {
    const config = this.session.shardConfig();
    const helpers = Array.from({ length: this.target - 1 }, () => new Helper());
    this.helpers = helpers;
    const { module, js } = this.build;
    this.starting = Promise.all(helpers.map((h) => h.ask({ type: 'init', config, module, js })))
      .then(() => {
        if (this.helpers === helpers) this.starting = null;
      })
      .catch((e) => {
        if (this.helpers !== helpers) return;
        for (const h of helpers) h.terminate();
        this.helpers = [];
        this.starting = null;
        this.target = 1;
        this.note = `one worker: the helper workers did not start (${e.message})`;
      });
  }

  /** One epoch, on the GPU or on as many workers as are ready and chosen; resolves what
   * session.train() does. When the GPU fails, the session computes that epoch itself and trains on
   * the CPU from then on; `backend` in the result says so. */
  async train() {
    const session = this.session;
    if (this.gpu) {
      const epoch = session.epoch;
      const { trained, failed } = await gpuEpoch(session, this.gpu);
      if (failed) {
        this.useCpu();
        trained.backend = `ndarray (WebGPU failed at epoch ${epoch + 1}: ${failed.split('\n')[0]}; continued from epoch ${epoch}'s weights)`;
      }
      return trained;
    }
    const alone = this.requested === 'alternate' && session.epoch % 2 === 1;
    if (this.helpers.length === 0 || this.starting || alone) {
      const trained = await session.train();
      this.trainedBy = 1;
      this.timedSolo(trained.report.ms);
      return trained;
    }
    const job = await session.beginEpoch();
    const workers = this.helpers.length + 1;
    this.trainedBy = workers;
    for (const h of this.helpers) h.begin(job);
    let parts;
    try {
      const shared = await shareEpoch(this.shards, (k) => session.computeShards(k, k + 1), this.helpers, pause);
      parts = shared.parts;
      this.shares = shared.counts;
    } catch (e) {
      if (!e.here) throw e;
      // A helper that fails costs nothing but time: this worker computes the shards still missing, and
      // trains alone from now on.
      const have = new Set([...e.here, ...e.parts.map((part) => part.shard)]);
      for (let k = 0; k < this.shards; k++) if (!have.has(k)) session.computeShards(k, k + 1);
      parts = e.parts;
      this.shares = null;
      for (const h of this.helpers) h.terminate();
      this.helpers = [];
      this.trainedBy = 1;
      this.target = 1;
      this.note = `one worker: a helper failed (${e.message})`;
    }
    const trained = await session.finishEpoch(parts);
    this.timedShared(trained.report.ms, workers);
    return trained;
  }

  timedSolo(ms) {
    if (this.target < 2 || this.helpers.length > 0 || this.solo.length >= TIMED_SOLO) return;
    this.solo.push(ms);
    if (this.requested !== 'auto') {
      if (this.solo.length === WARM_UP) {
        this.note = `${this.target} workers (workers=${this.requested}), starting…`;
        this.start();
      }
      return;
    }
    if (this.solo.length < TIMED_SOLO) return;
    const solo = fastest(this.solo);
    if (solo < WORTH_SHARING_MS) {
      this.target = 1;
      this.note = `one worker: an epoch takes ${solo.toFixed(1)} ms, too little to share`;
    } else {
      this.note = `one worker (${solo.toFixed(1)} ms/epoch), timing ${this.target}…`;
      this.start();
    }
  }

  timedShared(ms, workers) {
    if (this.requested !== 'auto') {
      this.note = this.requested === 'alternate'
        ? `${workers} workers and one, epoch by epoch (workers=alternate)`
        : `${workers} workers (workers=${this.requested})`;
      return;
    }
    if (this.shared.length >= TIMED_SHARED) return;
    this.shared.push(ms);
    if (this.shared.length < TIMED_SHARED) return;
    const solo = fastest(this.solo);
    const shared = fastest(this.shared);
    if (shared < solo * 0.9) {
      this.note = `${workers} workers: ${shared.toFixed(1)} against ${solo.toFixed(1)} ms/epoch on one`;
    } else {
      for (const h of this.helpers) h.terminate();
      this.helpers = [];
      this.trainedBy = 1;
      this.target = 1;
      this.note = `one worker: ${workers} took ${shared.toFixed(1)} against ${solo.toFixed(1)} ms/epoch on one`;
    }
  }
}
