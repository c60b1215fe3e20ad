// The training worker: owns one GRU Lab `Session` (Rust, src/web) and answers the page's requests one
// at a time, so epochs never overlap and the page's main thread only draws.
//
// Requests:  {id, type: 'create', config, backend: 'auto'|'webgpu'|'ndarray'}
//            {id, type: 'step' | 'snapshot', sample}
//            {id, type: 'lr', lr}
//            {id, type: 'load', text} → the file's config;  {id, type: 'save'} → the file's text
//            {id, type: 'loadPth', bytes} (a PyTorch .pth state_dict, ArrayBuffer) → the config
//            {id, type: 'savePth'} → the current weights as .pth bytes (Uint8Array)
//            {id, type: 'memory'}  (the worker's wasm memory size, for the soak test)
// Replies:   {id, ok: true, result} or {id, ok: false, error}
// Two builds of the same crate: cpu/ (ndarray only, small) and the full one with burn-wgpu, loaded
// only when a WebGPU adapter exists.
const MODULES = {
  cpu: { js: '../cpu/gru-lab.js', wasm: '../cpu/gru-lab_bg.wasm' },
  full: { js: '../gru-lab.js', wasm: '../gru-lab_bg.wasm' },
};
const loaded = {};

function load(which) {
  if (!loaded[which]) {
    const { js, wasm } = MODULES[which];
    loaded[which] = import(js).then(async (bindings) => {
      const exports = await bindings.default({ module_or_path: new URL(wasm, import.meta.url) });
      return { ...bindings, memory: exports.memory };
    });
  }
  return loaded[which];
}

let session = null;
let memory = null;
let queue = Promise.resolve();

// Every GPUDevice that Burn's wgpu backend opens in this worker. A lost device makes the next step
// fail, and the Rust session falls back to ndarray (src/web); the list lets the browser test force a
// loss with GPUDevice.destroy().
self.gruLabGpuDevices = [];
if (self.GPUAdapter) {
  const requestDevice = GPUAdapter.prototype.requestDevice;
  GPUAdapter.prototype.requestDevice = async function (...args) {
    const device = await requestDevice.apply(this, args);
    self.gruLabGpuDevices.push(device);
    return device;
  };
}

async function webgpuAdapter() {
  if (!('gpu' in navigator) || !navigator.gpu) return 'this browser has no WebGPU';
  try {
    const adapter = await navigator.gpu.requestAdapter();
    return adapter ? null : 'no WebGPU adapter';
  } catch (e) {
    return `WebGPU adapter request failed: ${e.message || e}`;
  }
}

async function handle(msg) {
  switch (msg.type) {
    case 'create': {
      let backend = msg.backend === 'ndarray' ? 'ndarray' : 'webgpu';
      let note = null;
      if (backend === 'webgpu') {
        note = await webgpuAdapter();
        if (note) backend = 'ndarray';
      }
      const module = await load(backend === 'webgpu' ? 'full' : 'cpu');
      const { Session } = module;
      memory = module.memory;
      if (session) session.free();
      session = null;
      session = await Session.create(msg.config, backend);
      const name = session.backend;
      return { backend: note ? `ndarray (${note})` : name };
    }
    case 'step':
      return await session.step(msg.sample);
    case 'snapshot':
      return await session.snapshot(msg.sample);
    case 'load':
      return session.loadWeights(msg.text);
    case 'loadPth':
      return session.loadPth(new Uint8Array(msg.bytes));
    case 'save':
      return await session.saveWeights();
    case 'savePth':
      return await session.savePth();
    case 'memory':
      return { wasmBytes: memory ? memory.buffer.byteLength : 0 };
    case 'lr':
      session.setLearningRate(msg.lr);
      return null;
    default:
      throw new Error(`unknown request ${msg.type}`);
  }
}

self.onmessage = (event) => {
  const msg = event.data;
  queue = queue.then(async () => {
    try {
      const result = await handle(msg);
      self.postMessage({ id: msg.id, ok: true, result });
    } catch (e) {
      self.postMessage({ id: msg.id, ok: false, error: String(e && e.message ? e.message : e) });
    }
  });
};
