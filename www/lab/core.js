// The main thread's wasm: the small CPU-only build (scripts/build-cpu-module.sh), loaded once per page,
// the same build the training worker loads (modules.js: with fused multiply-adds where the browser has
// relaxed SIMD, the plain build otherwise or if that one fails to load), so the browser fetches one. It
// validates configs and draws (plotters on canvases); it never trains (that is the worker's).
import { load } from './modules.js';

/** The bindings, once `wasmReady` has resolved (a live binding: importers see it set). */
export let core = null;
/** Resolves when the wasm is up; every use of `core` waits for it (index.js, mount). The page's own
 * text does not: a lesson shows its chapter while the module loads. */
export const wasmReady = load('cpu').then((bindings) => {
  core = bindings;
});
