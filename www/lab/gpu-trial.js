// The trial behind `backend=auto` (backend-choice.js): a worker of its own that times a few epochs of
// the run's model on WebGPU's fused pass (gpu-pass.js) and on the CPU, from the run's weights, in fresh
// sessions of the CPU module (the run itself is never touched, and goes on training meanwhile in the
// training worker).
//
// Request: {config, weights}: the run's config and a weights-file text (Session.saveWeights).
// Answer:  {ok: true, cpuMs, gpuMs}: the fastest timed epoch of each, or {ok: false, reason}: why
//          WebGPU cannot train this run here (the badge's words).
import { load } from './modules.js';
import { createGpuPass, gpuEpoch } from './gpu-pass.js';

/** Epochs before the timing: at least one (the GPU's first compiles its kernels), and on for WARM_MS
 * (V8 compiles hot wasm code to its optimising tier meanwhile). Then at least one timed epoch, at most
 * TIMED, and no more once they add up to TIME_MS. The fastest counts: noise only ever adds. Each
 * epoch's time is the session's own (`report.ms`, what the status line shows): a wasm module's
 * promises may resolve a few ms late, which would wrongly be charged to the CPU here. */
const WARM_MS = 300;
const TIMED = 3;
const TIME_MS = 1000;

async function fastestEpoch(train) {
  const warming = performance.now();
  do await train();
  while (performance.now() - warming < WARM_MS);
  let fastest = Infinity;
  let spent = 0;
  for (let i = 0; i < TIMED && (i === 0 || spent < TIME_MS); i++) {
    const { report } = await train();
    fastest = Math.min(fastest, report.ms);
    spent += report.ms;
  }
  return fastest;
}

async function trial({ config, weights }) {
  let gpu;
  try {
    gpu = await createGpuPass(config);
  } catch (e) {
    const why = String(e && e.message ? e.message : e);
    return { ok: false, reason: /module did not load/.test(why) ? why : `WebGPU: ${why}` };
  }
  const { Session } = await load('cpu');
  const onGpu = await Session.create(config, 'ndarray');
  const cpu = await Session.create(config, 'ndarray');
  try {
    onGpu.loadWeights(weights);
    cpu.loadWeights(weights);
    const cpuMs = await fastestEpoch(() => cpu.train());
    const gpuMs = await fastestEpoch(async () => {
      const { trained, failed } = await gpuEpoch(onGpu, gpu);
      if (failed) throw new Error(failed);
      return trained;
    });
    return { ok: true, cpuMs, gpuMs };
  } finally {
    cpu.free();
    onGpu.free();
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
