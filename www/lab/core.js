// The main thread's wasm: the small CPU-only build (scripts/build-cpu-module.sh), loaded once per page.
// It validates configs and draws (plotters on canvases); it never trains (that is the worker's).
import init, * as core from '../../cpu/gru-lab.js';

export const wasmReady = init({ module_or_path: new URL('../../cpu/gru-lab_bg.wasm', import.meta.url) });
export { core };
