// The two builds of the crate a worker can run, and whether this browser has a WebGPU adapter. cpu/
// (ndarray only, small) starts every run; the full one adds burn-wgpu and is loaded only when WebGPU
// is asked for, or when `auto` times it (gpu-trial.js).

const MODULES = {
  cpu: { js: '../../cpu/gru-lab.js', wasm: '../../cpu/gru-lab_bg.wasm' },
  full: { js: '../../gru-lab.js', wasm: '../../gru-lab_bg.wasm' },
};
const loaded = {};

/** The bindings of module `which` ('cpu' or 'full'), loaded once per worker, with its wasm memory and
 * `build` ({module, js}): the compiled module and its bindings' URL, which helper workers reuse. */
export function load(which) {
  if (!loaded[which]) {
    const { js, wasm } = MODULES[which];
    loaded[which] = import(js).then(async (bindings) => {
      // Compiled here and handed to the helper workers as it is (parallel.js): they share its code,
      // optimised tiers included, instead of compiling it again while they train.
      const response = await fetch(new URL(wasm, import.meta.url));
      const module = await WebAssembly.compile(await response.arrayBuffer());
      const exports = await bindings.default({ module_or_path: module });
      return { ...bindings, memory: exports.memory, build: { module, js: new URL(js, import.meta.url).href } };
    });
  }
  return loaded[which];
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
