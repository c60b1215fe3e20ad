// The training worker: owns one GRU Lab `Session` (Rust, src/web/session.rs) and runs the page's
// requests one at a time, in arrival order, so epochs never overlap and the page's main thread only
// draws. While playing it trains epoch after epoch on its own and streams each epoch's small report;
// the heavy snapshot (predictions, gates) is evaluated only when the page asks for one.
//
// Requests (each answered {id, ok: true, result} or {id, ok: false, error: {kind, message, field?}}):
//   {type: 'create', token, config, backend: 'auto'|'webgpu'|'webgpu-ops'|'ndarray', workers: 'auto'|N}
//                                   → {backend, epoch}; workers: how many Web Workers train (parallel.js);
//                                   'auto' starts on the CPU and may move to WebGPU (backend-choice.js)
//   {type: 'move', backend}         the run goes on on 'webgpu' or 'ndarray', state and all → {backend, history}
//                                   (history: null when the run stayed in its session)
//   {type: 'step', sample}          one epoch and its snapshot → {report, backend, workers, snapshot}
//   {type: 'snapshot', sample}      → {epoch, lr, predictions, trace, ms}
//   {type: 'play', until, sample, every}  train until `until` epochs or a pause; `every`: a snapshot
//                                   with every report (for onEpoch subscribers) → null at once
//   {type: 'pause'}                 → {epoch}, answered at the next epoch boundary
//   {type: 'lr', lr}                applies from the next epoch on
//   {type: 'load', token, text}     a weights file or a run file → {config, reports}
//   {type: 'loadPth', token, bytes} → the file's config
//   {type: 'forecast', start, horizon, epoch?} → {start, horizon, times, path, truth, errors: {model, naive}}
//   {type: 'view', epoch, sample}   the snapshot of a past epoch, with its gradient_flow (the run unchanged)
//   {type: 'rewind', epoch}         continue from that epoch → {epoch, history}
//   {type: 'save'} → weights-file text;  {type: 'savePth'} → .pth bytes;  {type: 'saveRun'} → run-file
//   text;  {type: 'historyCsv'} → CSV text;  {type: 'memory'} → {wasmBytes}
// Streamed while playing (tagged with the token of the run they belong to):
//   {type: 'report', token, report, backend, workers: {count, note}, snapshot?}
//   {type: 'stopped', token, epoch, reason: 'done'|'error', error?}
//   {type: 'backend', token, backend, history?}  what `auto` chose and why (history: the run moved)
// Error kinds: the Rust session's (busy, diverged, backend, refused, invalid), 'crash' for a trapped
// wasm instance (a Rust panic: this worker is done for), 'error' for anything else.
//
import { Parallel } from './parallel.js';
import { load, webgpuAdapter } from './modules.js';
import { startTrial, choose } from './backend-choice.js';

const KINDS = ['busy', 'diverged', 'backend', 'refused', 'invalid'];

let session = null;
/** `auto`'s WebGPU trial while it runs ({done, cancel}), and the run's fastest epoch so far (ms). */
let trial = null;
let fastestMs = Infinity;
/** How many workers train the session's epochs, and the helpers (parallel.js). */
let parallel = null;
let memory = null;
/** The bindings of the module the session came from (Session.isRunFile). */
let bindings = null;
/** True while the session trains on Burn's op-by-op WebGPU path (webgpu-ops, the WebGPU module). */
let opByOp = false;
/** The run the session belongs to (the page's token); streamed messages carry it. */
let token = 0;
/** Requests run one after another on this chain. */
let queue = Promise.resolve();
/** While playing: {until, sample, every}. Set and cleared as requests arrive, read at epoch boundaries. */
let playing = null;
/** True while a slice of Play is queued or running (at most one at a time). */
let pumping = false;
/** A slice of Play: short epochs run back to back for this long before the worker yields, so that a
 * 3 ms epoch does not pay a task switch each; a pause or a snapshot request waits at most this long
 * plus one epoch. */
const SLICE_MS = 4;
// The next slice of Play is queued from a macrotask, so requests that arrived during a slice (pause,
// snapshot, lr) are queued before it and run at an epoch boundary.
const tick = new MessageChannel();
tick.port1.onmessage = () => enqueue(playSlice);

// Every GPUDevice opened in this worker (the fused pass's, Burn's wgpu backend's). A lost device makes
// the next epoch fail and the run goes on on the CPU; the list lets the browser test force a loss with
// GPUDevice.destroy().
self.gruLabGpuDevices = [];
if (self.GPUAdapter) {
  const requestDevice = GPUAdapter.prototype.requestDevice;
  GPUAdapter.prototype.requestDevice = async function (...args) {
    const device = await requestDevice.apply(this, args);
    self.gruLabGpuDevices.push(device);
    return device;
  };
}

/** An exception as the page receives it: `{kind, message, field?}`. */
function typed(e) {
  if (e instanceof WebAssembly.RuntimeError) return { kind: 'crash', message: `${e.name}: ${e.message}` };
  const kind = e && KINDS.includes(e.name) ? e.name : 'error';
  const error = { kind, message: String(e && e.message ? e.message : e) };
  if (e && typeof e.field === 'string') error.field = e.field;
  return error;
}

/** One epoch on as many workers as train this run; with how many and why. */
async function trainEpoch() {
  const trained = await parallel.train();
  // The run's own speed, for `auto`'s choice: its fastest epoch once the first two have warmed up.
  if (trained.report.epoch > 2) fastestMs = Math.min(fastestMs, trained.report.ms);
  return { ...trained, workers: parallel.status() };
}

/** Makes `created` (a Session of `module`) the worker's session, freeing the one before. */
function adopt(module, created) {
  if (session) session.free();
  session = created;
  bindings = module;
  memory = module.memory;
}

/** Stops `auto`'s trial: the run it was for is gone. */
function endTrial() {
  if (trial) trial.cancel();
  trial = null;
}

/** `auto`: times run `forToken`'s model on WebGPU beside the CPU (its weights at the start), then keeps
 * the CPU or moves the run, at an epoch boundary; the page hears the choice and why. */
function beginTrial(forToken, config, weights) {
  trial = startTrial(config, weights);
  trial.done.then((answer) => {
    if (forToken !== token) return;
    trial = null;
    const choice = choose(answer, fastestMs);
    if (choice.backend === 'ndarray') {
      self.postMessage({ type: 'backend', token, backend: choice.name });
      return;
    }
    enqueue(async () => {
      if (forToken !== token) return;
      try {
        const moved = await move('webgpu', choice.name);
        self.postMessage({ type: 'backend', token, ...moved });
      } catch (e) {
        self.postMessage({ type: 'backend', token, backend: `ndarray (moving to WebGPU failed: ${typed(e).message})` });
      }
    });
  });
}

/** Moves the run to `to` ('webgpu' or 'ndarray') as it stands. A run on the host (every run but an
 * op-by-op WebGPU one) stays in its session: WebGPU's fused pass is switched on or off beside it
 * (parallel.js, gpu-pass.js), so its weights, Adam's moments, scheduler, dropout stream and the
 * scrubber's states stay where they are. An op-by-op run (webgpu-ops) moves into a CPU session first,
 * by a run file: Adam's moments cannot be read off that path (Session.saveMoments) and start afresh,
 * and the badge says so. Resolves `{backend, history}` (history: null when it stayed); on failure the
 * run stays where it was. */
async function move(to, name) {
  if (to !== 'webgpu' && to !== 'ndarray') throw new Error(`backend "${to}" is unknown: use webgpu or ndarray`);
  let history = null;
  let afresh = '';
  if (opByOp) {
    const config = session.shardConfig();
    const run = await session.saveRun();
    const module = await load('cpu');
    const next = await module.Session.create(config, 'ndarray');
    try {
      history = next.loadRun(run).history;
    } catch (e) {
      next.free();
      throw e;
    }
    adopt(module, next);
    opByOp = false;
    parallel.reset(session, module.build);
    afresh = ' (moved from WebGPU op by op, which cannot hand over Adam\'s moments: they start afresh)';
  }
  if (to === 'webgpu') {
    await parallel.useGpu().catch((e) => {
      throw new Error(`WebGPU cannot train this run: ${e.message}`);
    });
  } else {
    parallel.useCpu();
  }
  return { backend: (name ?? (to === 'webgpu' ? 'WebGPU' : session.backend)) + afresh, history };
}

/** After a load: WebGPU's fused pass, when on, is made again for the loaded config, or the run goes
 * on on the CPU and the page hears why. */
async function gpuAfterLoad() {
  const lost = await parallel.refreshGpu();
  if (lost) self.postMessage({ type: 'backend', token, backend: `ndarray (WebGPU: ${lost})` });
}

async function snapshot(sample) {
  const started = performance.now();
  const snap = await session.snapshot(sample);
  snap.ms = performance.now() - started;
  return snap;
}

/** One epoch of Play and its report; false when Play is over (done, paused, or an error). */
async function playEpoch() {
  if (!playing || !session) return false;
  if (session.epoch >= playing.until) {
    playing = null;
    self.postMessage({ type: 'stopped', token, epoch: session.epoch, reason: 'done' });
    return false;
  }
  try {
    const { sample, every } = playing;
    const message = { type: 'report', token, ...await trainEpoch() };
    if (every) message.snapshot = await snapshot(sample);
    self.postMessage(message);
    return true;
  } catch (e) {
    playing = null;
    self.postMessage({ type: 'stopped', token, epoch: session.epoch, reason: 'error', error: typed(e) });
    return false;
  }
}

/** Epochs of Play back to back for up to SLICE_MS, then a yield (the next slice is queued from a
 * macrotask) so that the requests that arrived meanwhile run at this epoch boundary. */
async function playSlice() {
  const started = performance.now();
  let going;
  do going = await playEpoch();
  while (going && performance.now() - started < SLICE_MS);
  if (going && playing) tick.port2.postMessage(null);
  else pumping = false;
}

async function handle(msg) {
  switch (msg.type) {
    case 'create': {
      endTrial();
      fastestMs = Infinity;
      // 'auto' starts on the CPU module at once; WebGPU is timed beside it (backend-choice.js).
      // 'webgpu' trains on the CPU session with WebGPU's fused pass beside it (gpu-pass.js);
      // 'webgpu-ops' on Burn's op-by-op path in the WebGPU module (the fused pass's reference).
      const forced = ['webgpu', 'webgpu-ops', 'ndarray'];
      const auto = !forced.includes(msg.backend);
      let gpu = auto || msg.backend === 'ndarray' ? null : msg.backend;
      let note = null;
      if (msg.backend !== 'ndarray') {
        note = await webgpuAdapter();
        if (note) gpu = null;
      }
      let module = null;
      if (gpu === 'webgpu-ops') {
        // A course page may leave the WebGPU module out (EMBEDDING.md): then the CPU module trains.
        module = await load('full').catch(() => {
          note = 'the WebGPU module did not load';
          gpu = null;
          return null;
        });
      }
      module ??= await load('cpu');
      if (session) session.free();
      session = null;
      adopt(module, await module.Session.create(msg.config, gpu === 'webgpu-ops' ? 'webgpu-ops' : 'ndarray'));
      opByOp = gpu === 'webgpu-ops';
      parallel ??= new Parallel(msg.workers ?? 'auto', navigator.hardwareConcurrency);
      parallel.requested = msg.workers ?? 'auto';
      parallel.dropGpu();
      parallel.reset(session, module.build);
      token = msg.token;
      if (gpu === 'webgpu') {
        await parallel.useGpu().catch((e) => {
          note = /module did not load/.test(e.message) ? e.message : `WebGPU: ${e.message}`;
          gpu = null;
        });
      }
      if (auto && !note) {
        beginTrial(token, msg.config, await session.saveWeights());
        return { backend: 'ndarray (timing WebGPU…)', epoch: 0 };
      }
      if (note) return { backend: `ndarray (${note})`, epoch: 0 };
      return { backend: gpu === 'webgpu' ? 'WebGPU' : session.backend, epoch: 0 };
    }
    case 'move':
      return await move(msg.backend);
    case 'step': {
      const trained = await trainEpoch();
      return { ...trained, snapshot: await snapshot(msg.sample) };
    }
    case 'snapshot':
      return await snapshot(msg.sample);
    case 'play':
    case 'pause':
      return { epoch: session ? session.epoch : 0 };
    case 'load': {
      endTrial();
      const loaded = bindings.Session.isRunFile(msg.text)
        ? session.loadRun(msg.text)
        : { config: session.loadWeights(msg.text), reports: [] };
      parallel.reset(session, bindings.build);
      token = msg.token;
      await gpuAfterLoad();
      return loaded;
    }
    case 'loadPth': {
      endTrial();
      const config = session.loadPth(new Uint8Array(msg.bytes));
      parallel.reset(session, bindings.build);
      token = msg.token;
      await gpuAfterLoad();
      return config;
    }
    case 'view': {
      const started = performance.now();
      const snap = await session.view(msg.epoch, msg.sample);
      snap.ms = performance.now() - started;
      return snap;
    }
    case 'rewind':
      return await session.rewind(msg.epoch);
    case 'saveRun':
      return await session.saveRun();
    case 'historyCsv':
      return session.historyCsv();
    case 'save':
      return await session.saveWeights();
    case 'savePth':
      return await session.savePth();
    case 'forecast':
      return await session.forecast(msg.start, msg.horizon, msg.epoch ?? undefined);
    case 'memory':
      return { wasmBytes: memory ? memory.buffer.byteLength : 0 };
    case 'lr':
      session.setLearningRate(msg.lr);
      return null;
    default:
      throw new Error(`unknown request ${msg.type}`);
  }
}

function enqueue(job) {
  queue = queue.then(job);
}

self.onmessage = (event) => {
  const msg = event.data;
  // Play state changes as requests arrive; the epoch running now finishes first either way.
  if (msg.type === 'play') {
    playing = { until: msg.until, sample: msg.sample, every: msg.every };
    if (!pumping) {
      pumping = true;
      tick.port2.postMessage(null);
    }
  } else if (['pause', 'create', 'load', 'loadPth', 'rewind'].includes(msg.type)) {
    playing = null;
  }
  enqueue(async () => {
    try {
      const result = await handle(msg);
      self.postMessage({ id: msg.id, ok: true, result });
    } catch (e) {
      self.postMessage({ id: msg.id, ok: false, error: typed(e) });
    }
  });
};
