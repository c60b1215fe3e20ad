// The builds of the crate a page can run, and whether this browser has a WebGPU adapter. The CPU
// module (ndarray only, small) draws on the main thread (core.js) and starts every run, in one of two
// builds (scripts/build-cpu-module.sh): cpu-fma/ where the browser validates relaxed SIMD (fused
// multiply-adds in the matrix kernel, 8–10% faster), cpu/ elsewhere (Safari) or if cpu-fma/ fails to
// load. The GPU one (gpu/: WebGPU's fused pass on wgpu alone) is loaded when WebGPU trains or `auto`
// times it (gpu-pass.js, gpu-trial.js); the full one adds burn-wgpu, only for backend=webgpu-ops.

const MODULES = {
  cpu: { js: '../../cpu/gru-lab.js', wasm: '../../cpu/gru-lab_bg.wasm' },
  'cpu-fma': { js: '../../cpu-fma/gru-lab.js', wasm: '../../cpu-fma/gru-lab_bg.wasm' },
  gpu: { js: '../../gpu/gru-lab.js', wasm: '../../gpu/gru-lab_bg.wasm' },
  full: { js: '../../gru-lab.js', wasm: '../../gru-lab_bg.wasm' },
};
const loaded = {};

/** A module with one function that uses `f32x4.relaxed_madd`: valid where relaxed SIMD is. */
function relaxedSimd() {
  const zeros = [0xfd, 0x0c, ...new Array(16).fill(0)];
  const body = [0x00, ...zeros, ...zeros, ...zeros, 0xfd, 0x85, 0x02, 0x0b];
  const code = [0x01, body.length, ...body];
  return WebAssembly.validate(new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // types: () -> v128
    0x03, 0x02, 0x01, 0x00, // one function of that type
    0x0a, code.length, ...code,
  ]));
}

/** The CPU builds to try, best first. */
const CPU_BUILDS = relaxedSimd() ? ['cpu-fma', 'cpu'] : ['cpu'];

/** The bindings of module `which` ('cpu': the best CPU build that loads, 'gpu' or 'full'), loaded once per
 * thread (the main thread's core.js, a worker), with its wasm memory and `build` ({module, js}): the compiled module and its bindings' URL,
 * which helper workers reuse. */
export function load(which) {
  if (!loaded[which]) {
    const builds = which === 'cpu' ? CPU_BUILDS : [which];
    loaded[which] = builds.slice(1).reduce((attempt, next) => attempt.catch(() => loadBuild(next)), loadBuild(builds[0]));
  }
  return loaded[which];
}

async function loadBuild(which) {
  const js = new URL(MODULES[which].js, import.meta.url).href;
  const wasm = new URL(MODULES[which].wasm, import.meta.url);
  const bindings = await import(js);
  // Compiled here and handed to the helper workers as it is (parallel.js): they share its code,
  // optimised tiers included, instead of compiling it again while they train.
  const response = await fetch(wasm);
  if (!response.ok) throw new Error(`${wasm}: HTTP ${response.status}`);
  const module = await WebAssembly.compile(await response.arrayBuffer());
  const exports = await bindings.default({ module_or_path: module });
  return { ...bindings, memory: exports.memory, build: { module, js } };
}

/** Null when a WebGPU adapter exists, else why not (the badge's words). */
export async function webgpuAdapter() {
  if (!('gpu' in navigator) || !navigator.gpu) return 'this browser has no WebGPU';
  try {
    const adapter = await navigator.gpu.requestAdapter();
    return adapter ? null : 'no WebGPU adapter';
  } catch (e) {
    return `WebGPU adapter request failed: ${e.message || e}`;
  }
}
