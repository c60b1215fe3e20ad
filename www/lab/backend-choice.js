// `backend=auto`: a run starts on the CPU at once; when a WebGPU adapter exists, a trial
// (gpu-trial.js) times the same model on both in the background, and the run moves to WebGPU only
// when it is clearly faster there, carrying its whole state (worker.js, `move`). Either way the badge
// says what was chosen and why.

/** WebGPU must win by this factor: moving costs a module load, and timings on a busy machine wobble. */
const MARGIN = 0.8;

/** Times the run's model on WebGPU and the CPU in a worker of its own; resolves the trial's answer
 * (`{ok, cpuMs, gpuMs}` or `{ok: false, reason}`). `cancel()` ends it early (the run changed). */
export function startTrial(config, weights) {
  const worker = new Worker(new URL('./gpu-trial.js', import.meta.url), { type: 'module' });
  const done = new Promise((resolve) => {
    worker.onmessage = ({ data }) => resolve(data);
    worker.onerror = (e) => resolve({ ok: false, reason: `WebGPU trial failed: ${e.message || 'unknown error'}` });
  }).finally(() => worker.terminate());
  worker.postMessage({ config, weights });
  return { done, cancel: () => worker.terminate() };
}

function ms(value) {
  return value < 10 ? value.toFixed(1) : Math.round(value).toLocaleString('en-US');
}

/** The choice for a trial's answer, `cpuMs` the faster of the trial's CPU epochs and the run's own
 * (which may train on several workers): `{backend: 'webgpu'|'ndarray', name}`, `name` the badge. */
export function choose(answer, cpuMs = answer.cpuMs) {
  if (!answer.ok) return { backend: 'ndarray', name: `ndarray (${answer.reason})` };
  const cpu = Math.min(cpuMs, answer.cpuMs);
  if (answer.gpuMs < MARGIN * cpu) {
    return { backend: 'webgpu', name: `WebGPU: ${ms(answer.gpuMs)} ms/epoch against ${ms(cpu)} on the CPU` };
  }
  return { backend: 'ndarray', name: `ndarray: faster here than WebGPU, ${ms(cpu)} against ${ms(answer.gpuMs)} ms/epoch` };
}
