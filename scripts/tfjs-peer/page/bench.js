// TF.js port of the PyTorch-tutorial GRU (sin-wave next-step prediction), with the LSTM and
// SimpleRNN in its place for the lab's other cells (config.cell).
// Loaded by index.html; exposes window.runBench(config) -> Promise<result>.
//
// Task : t = linspace(0, 20, 1000), data = sin(t); windows of 10 points
//        predict the next one -> X [990, 10, 1], y [990, 1].
// Model: GRU(32, returnSequences) -> GRU(32) -> Dense(1) (last step only),
//        Adam(lr 0.01), MSE, full batch (990), no shuffling.
'use strict';
(() => {
  const VENDOR = {
    tf: '/vendor/tfjs/tf.min.js',
    wasm: '/vendor/tfjs-backend-wasm/tf-backend-wasm.min.js',
    wasmDir: '/vendor/tfjs-backend-wasm/',
    webgpu: '/vendor/tfjs-backend-webgpu/tf-backend-webgpu.min.js',
  };

  const DEFAULTS = {
    backend: 'cpu',      // cpu | wasm | webgl | webgpu
    cell: 'gru',         // gru | lstm | simplernn (the Keras layer)
    simd: true,          // wasm only: WASM_HAS_SIMD_SUPPORT
    threads: false,      // wasm only: WASM_HAS_MULTITHREAD_SUPPORT (needs crossOriginIsolated)
    numThreads: 0,       // wasm only: 0 = library default, -1 = navigator.hardwareConcurrency, n = n
    mode: 'train',       // train: fit + eval + warm inference; infer: cold inference only
    epochs: 100,
    batchSize: 990,
    lr: 0.01,
    hidden: 32,
    seqLen: 10,
    nPoints: 1000,
    seed: 1234,
    steadyFrom: 10,      // steady-state stats over epochs [steadyFrom, epochs] (1-based)
    inferenceReps: 20,
    progressEvery: 10,
    label: '',
  };

  function log(msg) {
    console.log('[bench] ' + msg);
    const el = document.getElementById('log');
    if (el) el.textContent += '\n' + msg;
  }

  function loadScript(src) {
    return new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = src;
      s.async = false;
      s.onload = () => resolve();
      s.onerror = () => reject(new Error('failed to load ' + src));
      document.head.appendChild(s);
    });
  }

  const sorted = (a) => Float64Array.from(a).sort();
  function median(a) {
    if (!a.length) return null;
    const s = sorted(a), h = s.length >> 1;
    return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
  }
  const min = (a) => (a.length ? Math.min(...a) : null);
  const max = (a) => (a.length ? Math.max(...a) : null);
  const r3 = (x) => (x == null || !Number.isFinite(x) ? x : Math.round(x * 1000) / 1000);

  // Same data as the PyTorch tutorial: np.sin(np.linspace(0, 20, 1000)).
  function makeData(nPoints, seqLen) {
    const step = 20 / (nPoints - 1);
    const data = new Float64Array(nPoints);
    for (let i = 0; i < nPoints; i++) data[i] = Math.sin(i * step);
    const m = nPoints - seqLen;
    const X = new Float32Array(m * seqLen);
    const y = new Float32Array(m);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < seqLen; j++) X[i * seqLen + j] = data[i + j];
      y[i] = data[i + seqLen];
    }
    return { X, y, m };
  }

  // The Keras layer for each cell (--cell): tfjs' GRU is Keras' reset_after=false variant (the
  // only one it has), sigmoid gates like PyTorch; LSTM with sigmoid gates; SimpleRNN with tanh,
  // like torch.nn.RNN.
  const LAYERS = {
    gru: (o) => tf.layers.gru({ ...o, activation: 'tanh', recurrentActivation: 'sigmoid' }),
    lstm: (o) => tf.layers.lstm({ ...o, activation: 'tanh', recurrentActivation: 'sigmoid' }),
    simplernn: (o) => tf.layers.simpleRNN({ ...o, activation: 'tanh' }),
  };

  // PyTorch initialises every recurrent / nn.Linear parameter ~ U(-1/sqrt(H), 1/sqrt(H))
  // (H = 32 = fan_in of the Linear layer too); do the same, with fixed seeds so every
  // backend and every run starts from identical weights.
  function buildModel(c) {
    const lim = 1 / Math.sqrt(c.hidden);
    let s = c.seed;
    const u = () => tf.initializers.randomUniform({ minval: -lim, maxval: lim, seed: s++ });
    const layer = LAYERS[c.cell];
    if (!layer) throw new Error(`cell ${c.cell}: expected one of ${Object.keys(LAYERS).join(', ')}`);
    const model = tf.sequential();
    model.add(layer({
      units: c.hidden, returnSequences: true, inputShape: [c.seqLen, 1],
      kernelInitializer: u(), recurrentInitializer: u(), biasInitializer: u(),
    }));
    model.add(layer({
      units: c.hidden, returnSequences: false,
      kernelInitializer: u(), recurrentInitializer: u(), biasInitializer: u(),
    }));
    model.add(tf.layers.dense({ units: 1, kernelInitializer: u(), biasInitializer: u() }));
    model.compile({
      // PyTorch Adam defaults except lr; tfjs' default epsilon would be 1e-7.
      optimizer: tf.train.adam(c.lr, 0.9, 0.999, 1e-8),
      loss: 'meanSquaredError',
    });
    return model;
  }

  // One forward pass over all windows, including the read-back of the 990 outputs.
  async function timeInference(model, xs, reps) {
    const times = [];
    for (let i = 0; i <= reps; i++) {
      const t = performance.now();
      const p = model.predict(xs, { batchSize: xs.shape[0] });
      await p.data();
      times.push(performance.now() - t);
      p.dispose();
    }
    const rest = times.slice(1);
    return { firstMs: r3(times[0]), medianMs: r3(median(rest)), minMs: r3(min(rest)), maxMs: r3(max(rest)), reps };
  }

  function memorySnapshot() {
    const out = { tf: null, performanceMemory: null, wasmMemoryBytes: null };
    try { out.tf = { ...tf.memory() }; } catch (e) { /* ignore */ }
    if (performance.memory) {
      const pm = performance.memory;
      out.performanceMemory = { usedJSHeapSize: pm.usedJSHeapSize, totalJSHeapSize: pm.totalJSHeapSize };
    }
    try {
      const b = tf.backend();
      if (b && b.wasm && b.wasm.HEAPU8) out.wasmMemoryBytes = b.wasm.HEAPU8.buffer.byteLength;
    } catch (e) { /* ignore */ }
    return out;
  }

  async function describeBackend(c) {
    const d = { active: tf.getBackend() };
    try {
      if (c.backend === 'wasm') {
        d.simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
        d.threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
        d.threadsCount = tf.wasm.getThreadsCount();
        d.wasmBinary = !d.simd ? 'tfjs-backend-wasm.wasm'
          : d.threads ? 'tfjs-backend-wasm-threaded-simd.wasm' : 'tfjs-backend-wasm-simd.wasm';
      } else if (c.backend === 'webgl') {
        const gl = tf.backend().gpgpu.gl;
        const ext = gl.getExtension('WEBGL_debug_renderer_info');
        d.renderer = ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
        d.webglVersion = tf.env().get('WEBGL_VERSION');
        d.float32Render = tf.env().get('WEBGL_RENDER_FLOAT32_ENABLED');
        d.packed = tf.env().get('WEBGL_PACK');
      } else if (c.backend === 'webgpu') {
        const a = await navigator.gpu.requestAdapter();
        const i = a && a.info;
        d.adapter = i ? { vendor: i.vendor, architecture: i.architecture, device: i.device,
          description: i.description, isFallbackAdapter: i.isFallbackAdapter } : null;
      }
    } catch (e) { d.describeError = String(e); }
    return d;
  }

  async function runBench(cfg) {
    const c = Object.assign({}, DEFAULTS, cfg || {});
    const res = { config: c, env: {}, timings: {} };
    const t0 = performance.now(); // ms since navigation start

    // 1. Fetch + evaluate only the bundles this backend needs.
    await loadScript(VENDOR.tf);
    if (c.backend === 'wasm') await loadScript(VENDOR.wasm);
    if (c.backend === 'webgpu') await loadScript(VENDOR.webgpu);
    const tScripts = performance.now();

    // 2. Backend initialisation.
    if (c.backend === 'wasm') {
      if (c.threads && !self.crossOriginIsolated) {
        throw new Error('wasm threads requested but the page is not crossOriginIsolated (COOP/COEP missing)');
      }
      tf.env().set('WASM_HAS_SIMD_SUPPORT', !!c.simd);
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', !!c.threads);
      if (c.numThreads === -1) tf.wasm.setThreadsCount(navigator.hardwareConcurrency);
      else if (c.numThreads > 0) tf.wasm.setThreadsCount(c.numThreads);
      tf.wasm.setWasmPaths(VENDOR.wasmDir);
    }
    if (c.backend === 'webgpu' && !navigator.gpu) {
      throw new Error('navigator.gpu is undefined (WebGPU not exposed: needs --enable-unsafe-webgpu on Linux)');
    }
    const ok = await tf.setBackend(c.backend);
    if (!ok || tf.getBackend() !== c.backend) {
      throw new Error(`tf.setBackend('${c.backend}') failed (active backend: ${tf.getBackend()})`);
    }
    await tf.ready();
    const tReady = performance.now();

    res.env = {
      tfVersion: tf.version,
      backend: await describeBackend(c),
      crossOriginIsolated: self.crossOriginIsolated,
      hardwareConcurrency: navigator.hardwareConcurrency, // may be overridden by the runner (see run.mjs)
      userAgent: navigator.userAgent,
    };

    // 3. Data + model.
    const { X, y, m } = makeData(c.nPoints, c.seqLen);
    const xs = tf.tensor3d(X, [m, c.seqLen, 1]);
    const ys = tf.tensor2d(y, [m, 1]);
    const model = buildModel(c);
    const tBuilt = performance.now();
    res.model = {
      params: model.countParams(),
      layers: model.layers.map((l) => `${l.getClassName()}(${JSON.stringify(l.outputShape)})`),
      samples: m,
    };
    res.timings.scriptsLoadedAtMs = r3(tScripts);
    res.timings.scriptLoadMs = r3(tScripts - t0);
    res.timings.backendInitMs = r3(tReady - tScripts);
    res.timings.modelBuildMs = r3(tBuilt - tReady);
    res.memoryAfterBuild = memorySnapshot();

    if (c.mode === 'infer') {
      // Cold inference: first forward pass in a fresh browser (kernel/shader compile included).
      res.inferenceCold = await timeInference(model, xs, c.inferenceReps);
      res.timings.pageToFirstPredictionMs = r3(tBuilt + res.inferenceCold.firstMs);
      res.memoryEnd = memorySnapshot();
      tf.dispose([xs, ys]); model.dispose();
      return res;
    }

    // 4. Training: full-batch model.fit, one timestamp per completed epoch.
    //    yieldEvery 'never' so tfjs does not insert requestAnimationFrame waits; the
    //    onEpochEnd callback reads the loss, i.e. every epoch ends with a device sync.
    const ends = [];
    const losses = [];
    log(`${c.label} fit start`);
    const tFit0 = performance.now();
    await model.fit(xs, ys, {
      epochs: c.epochs, batchSize: c.batchSize, shuffle: false, verbose: 0, yieldEvery: 'never',
      callbacks: {
        onEpochEnd: (epoch, logs) => {
          const now = performance.now();
          ends.push(now);
          losses.push(logs.loss);
          if (epoch === 0 || (epoch + 1) % c.progressEvery === 0) {
            const dt = now - (epoch ? ends[epoch - 1] : tFit0);
            log(`${c.label} epoch ${epoch + 1}/${c.epochs} loss=${logs.loss.toExponential(4)} ${dt.toFixed(1)} ms`);
          }
        },
      },
    });
    const tFit1 = performance.now();
    res.memoryAfterTrain = memorySnapshot();

    const epochMs = ends.map((t, i) => t - (i ? ends[i - 1] : tFit0));
    // Steady state = epochs steadyFrom..N (1-based); with fewer epochs, fall back to 2..N.
    const from = ends.length >= c.steadyFrom ? c.steadyFrom : Math.min(2, ends.length);
    const steady = epochMs.slice(from - 1);
    res.train = {
      epochs: ends.length,
      firstEpochMs: r3(epochMs[0]),
      pageToFirstEpochMs: r3(ends[0]),
      steadyEpochs: `${from}-${ends.length}`,
      medianEpochMs: r3(median(steady)),
      minEpochMs: r3(min(steady)),
      maxEpochMs: r3(max(steady)),
      meanEpochMs: r3(steady.reduce((a, b) => a + b, 0) / steady.length),
      totalMs: r3(ends[ends.length - 1] - tFit0),
      fitReturnMs: r3(tFit1 - tFit0),
      firstLoss: losses[0],
      finalLoss: losses[losses.length - 1],
      lossEvery10: losses.filter((_, i) => (i + 1) % 10 === 0 || i === 0),
      epochMs: epochMs.map(r3),
      losses,
    };

    // 5. Final MSE / MAE of the trained model on the 990 windows (float64 accumulation).
    const p = model.predict(xs, { batchSize: m });
    const pd = await p.data();
    p.dispose();
    let se = 0, ae = 0;
    for (let i = 0; i < m; i++) { const d = pd[i] - y[i]; se += d * d; ae += Math.abs(d); }
    res.eval = { mse: se / m, mae: ae / m };

    // 6. Warm inference (kernels/shaders already compiled by training).
    res.inferenceWarm = await timeInference(model, xs, c.inferenceReps);
    res.memoryEnd = memorySnapshot();
    log(`${c.label} done: final loss ${res.train.finalLoss.toExponential(4)}, mse ${res.eval.mse.toExponential(4)}`);
    tf.dispose([xs, ys]); model.dispose();
    return res;
  }

  window.runBench = runBench;

  // Manual use: index.html?backend=wasm&simd=1&threads=1&epochs=20
  window.addEventListener('DOMContentLoaded', () => {
    const q = new URLSearchParams(location.search);
    if (!q.has('backend')) return;
    const cfg = {};
    for (const [k, v] of q) cfg[k] = /^\d+(\.\d+)?$/.test(v) ? Number(v) : v === 'true' ? true : v === 'false' ? false : v;
    runBench(cfg).then((r) => log(JSON.stringify(r, null, 1)), (e) => log('ERROR ' + (e && e.stack || e)));
  });
})();
