// WebGPU's fused pass (src/gpu, src/web/gpu_helper.rs) beside a run's CPU session: the GPU computes an
// epoch's gradients from the weights and dropout stream the session hands out (as a helper worker
// computes its shards, parallel.js), and the session applies the update on the host. The run never
// leaves its session, so turning the GPU on or off moves nothing: weights, Adam's moments, scheduler,
// dropout stream and the scrubber's states stay where they are.
import { load } from './modules.js';

/** The GPU pass for runs of `config`, from the GPU module (gpu/); rejects with the reason (the badge's
 * words: the module did not load, no device, the run too large for the pass). */
export async function createGpuPass(config) {
  const gpu = await load('gpu').catch(() => {
    throw new Error('the WebGPU module did not load');
  });
  return gpu.GpuHelper.create(config);
}

/** One epoch of `session` with its gradients from `gpu`: `{trained, failed}`, `trained` what
 * `session.train()` resolves. When the GPU fails, the session computes the same epoch's gradients
 * itself, from the same weights and dropout stream, and `failed` says why (nothing of the run is
 * lost). */
export async function gpuEpoch(session, gpu) {
  const job = await session.beginEpoch();
  let part;
  try {
    part = await gpu.compute(job.params, job.stream[0], job.stream[1]);
  } catch (e) {
    session.computeShards(0, session.shards);
    return { trained: await session.finishEpoch([]), failed: String(e && e.message ? e.message : e) };
  }
  return { trained: await session.finishWholeEpoch(part.sums, part.grads), failed: null };
}
