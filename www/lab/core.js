// The main thread's wasm: the small CPU-only build (scripts/build-cpu-module.sh), loaded once per page,
// the same build the training worker loads (modules.js: with fused multiply-adds where the browser has
// relaxed SIMD), so the browser fetches one. It validates configs and draws (plotters on canvases); it
// never trains (that is the worker's).
import { CPU_BUILDS, urls } from './modules.js';

async function firstThatLoads() {
  let failure;
  for (const build of CPU_BUILDS) {
    const { js, wasm } = urls(build);
    try {
      const bindings = await import(js);
      await bindings.default({ module_or_path: wasm });
      return bindings;
    } catch (e) {
      failure = e;
    }
  }
  throw failure;
}

/** The bindings, once `wasmReady` has resolved (a live binding: importers see it set). */
export let core = null;
/** Resolves when the wasm is up; every use of `core` waits for it (index.js, mount). The page's own
 * text does not: a lesson shows its chapter while the module loads. */
export const wasmReady = firstThatLoads().then((bindings) => {
  core = bindings;
});
