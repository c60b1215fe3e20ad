// The trial behind `backend=auto` (backend-choice.js): a worker of its own that times a few epochs of
// the run's model on WebGPU and on the CPU, from the run's weights, in fresh sessions of the full module
// (the run itself is never touched, and goes on training meanwhile in the training worker).
//
// Request: {config, weights}: the run's config and a weights-file text (Session.saveWeights).
// Answer:  {ok: true, cpuMs, gpuMs}: the fastest timed epoch of each, or {ok: false, reason}: why
//          WebGPU cannot train this run here (the badge's words).
import { load } from './modules.js';

/** Epochs before the timing: at least one (the GPU's first compiles its kernels), and on for WARM_MS
 * (V8 compiles hot wasm code to its optimising tier meanwhile). Then at least one timed epoch, at most
 * TIMED, and no more once they add up to TIME_MS. The fastest counts: noise only ever adds. Each
 * epoch's time is the session's own (`report.ms`, what the status line shows): the full module's
 * promises resolve a few ms late, which would wrongly be charged to the CPU here. */
const WARM_MS = 300;
const TIMED = 3;
const TIME_MS = 1000;

async function fastestEpoch(session) {
  const warming = performance.now();
  do await session.train();
  while (performance.now() - warming < WARM_MS);
  let fastest = Infinity;
  let spent = 0;
  for (let i = 0; i < TIMED && (i === 0 || spent < TIME_MS); i++) {
    const { report } = await session.train();
    fastest = Math.min(fastest, report.ms);
    spent += report.ms;
  }
  return fastest;
}

async function trial({ config, weights }) {
  const module = await load('full').catch(() => null);
  if (!module) return { ok: false, reason: 'the WebGPU module did not load' };
  const gpu = await module.Session.create(config, 'webgpu');
  try {
    // The session says "WebGPU" when it trains there, else why not (init failed, run too large).
    if (gpu.backend !== 'WebGPU') return { ok: false, reason: gpu.backend.replace(/^ndarray \((.*)\)$/, '$1') };
    gpu.loadWeights(weights);
    const cpu = await module.Session.create(config, 'ndarray');
    try {
      cpu.loadWeights(weights);
      const cpuMs = await fastestEpoch(cpu);
      const gpuMs = await fastestEpoch(gpu);
      return { ok: true, cpuMs, gpuMs };
    } finally {
      cpu.free();
    }
  } finally {
    gpu.free();
  }
}

self.onmessage = async ({ data }) => {
  try {
    self.postMessage(await trial(data));
  } catch (e) {
    self.postMessage({ ok: false, reason: `WebGPU trial failed: ${e && e.message ? e.message : e}` });
  }
};
