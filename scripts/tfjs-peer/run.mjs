#!/usr/bin/env node
// GRU Lab's copy of the TF.js peer benchmark (../shared/bench/tfjs-gru, read-only there), with one
// change: --cell picks the Keras layer (GRU, LSTM or SimpleRNN), so every cell of the lab has its
// matching peer in scripts/bench.mjs --tfjs.
//
// Runner: serves page/ + the npm-installed TF.js bundles on 127.0.0.1:<ephemeral>,
// launches headless Chromium (fresh profile per session), runs page/bench.js for each
// backend, prints ONE JSON document on stdout (progress goes to stderr).
//
//   node run.mjs [--cell gru|lstm|simplernn] [--backends cpu,wasm,webgl,webgpu] [--epochs 100] [--runs 3]
//                [--inference-reps 20] [--no-cold-infer] [--per-epoch]
//                [--timeout 1800] [--chromium /usr/bin/chromium] [--out results.json]
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import os from 'node:os';
import zlib from 'node:zlib';

const HERE = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

// ---------------------------------------------------------------- CLI
const USAGE = `usage: node run.mjs [options]
  --backends LIST      comma list of: cpu, wasm-plain, wasm-simd, wasm-simd-threads,
                       wasm-simd-threads-2, webgl, webgpu; aliases: wasm (all four
                       wasm variants), all (default)
  --cell NAME          the Keras recurrent layer: gru (default), lstm or simplernn
  --epochs N           training epochs (default 100)
  --runs N             runs per backend, interleaved round-robin (default 3)
  --inference-reps N   timed forward passes after the first one (default 20)
  --no-cold-infer      skip the separate cold-inference browser session
  --per-epoch          include per-epoch ms and loss arrays in the JSON
  --timeout S          per browser session limit in seconds (default 1800)
  --chromium PATH      browser binary (default $CHROMIUM or /usr/bin/chromium)
  --out FILE           also write the JSON document to FILE
  --keep-going         keep running a backend after it failed once
  --serve              only start the static server (prints its URL) for manual use`;

/** The recurrent layers the page can build (bench.js's LAYERS). */
const CELLS = ['gru', 'lstm', 'simplernn'];

function parseArgs(argv) {
  const o = {
    backends: 'all', epochs: 100, runs: 3, inferenceReps: 20, coldInfer: true, perEpoch: false,
    timeout: 1800, chromium: process.env.CHROMIUM || '/usr/bin/chromium', out: null, keepGoing: false,
    serve: false, cell: 'gru',
  };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let v;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) { v = a.slice(eq + 1); a = a.slice(0, eq); }
    const next = () => (v !== undefined ? v : argv[++i]);
    const int = (name) => {
      const n = Number(next());
      if (!Number.isInteger(n) || n < 0) throw new Error(`${name} needs a non-negative integer`);
      return n;
    };
    switch (a) {
      case '--backends': o.backends = next(); break;
      case '--cell': o.cell = next(); break;
      case '--epochs': o.epochs = int(a); break;
      case '--runs': o.runs = int(a); break;
      case '--inference-reps': o.inferenceReps = int(a); break;
      case '--timeout': o.timeout = int(a); break;
      case '--chromium': o.chromium = next(); break;
      case '--out': o.out = next(); break;
      case '--no-cold-infer': o.coldInfer = false; break;
      case '--per-epoch': o.perEpoch = true; break;
      case '--keep-going': o.keepGoing = true; break;
      case '--serve': o.serve = true; break;
      case '-h': case '--help': process.stdout.write(USAGE + '\n'); process.exit(0); break;
      default: throw new Error(`unknown argument ${argv[i]}\n${USAGE}`);
    }
  }
  if (o.epochs < 1 || o.runs < 1) throw new Error('--epochs and --runs must be >= 1');
  if (!CELLS.includes(o.cell)) throw new Error(`--cell ${o.cell}: expected one of ${CELLS.join(', ')}`);
  return o;
}

// Flags from the brief; every session gets a fresh --user-data-dir.
const BASE_FLAGS = [
  '--headless', '--no-sandbox', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const SPECS = {
  'cpu': { backend: 'cpu', flags: [] },
  'wasm-plain': { backend: 'wasm', simd: false, threads: false, flags: [] },
  'wasm-simd': { backend: 'wasm', simd: true, threads: false, flags: [] },
  // Threaded+SIMD binary with the library's default XNNPACK pool. tfjs-backend-wasm caps the
  // pool at navigator.hardwareConcurrency / 2 (it assumes 2 hyper-threads per core), so on a
  // 2-vCPU machine this is ONE thread: it measures the threaded binary, not parallelism.
  'wasm-simd-threads': { backend: 'wasm', simd: true, threads: true, numThreads: 0, flags: [] },
  // Same binary with a 2-thread pool: navigator.hardwareConcurrency is overridden to 4 through
  // CDP (Emulation.setHardwareConcurrencyOverride) so that the cap allows setThreadsCount(2).
  'wasm-simd-threads-2': { backend: 'wasm', simd: true, threads: true, numThreads: 2, hardwareConcurrency: 4, flags: [] },
  'webgl': { backend: 'webgl', flags: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader'] },
  'webgpu': { backend: 'webgpu', flags: ['--enable-unsafe-webgpu'] },
};
const ALIASES = {
  all: Object.keys(SPECS),
  wasm: ['wasm-plain', 'wasm-simd', 'wasm-simd-threads', 'wasm-simd-threads-2'],
};

function expandBackends(list) {
  const out = [];
  for (const raw of list.split(',').map((s) => s.trim()).filter(Boolean)) {
    const names = ALIASES[raw] || [raw];
    for (const n of names) {
      if (!SPECS[n]) throw new Error(`unknown backend '${raw}' (known: ${[...Object.keys(SPECS), ...Object.keys(ALIASES)].join(', ')})`);
      if (!out.includes(n)) out.push(n);
    }
  }
  return out;
}

// ---------------------------------------------------------------- static server
const COI_HEADERS = {
  // Cross-origin isolation, required for SharedArrayBuffer (wasm threads).
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};
const MIME = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm', '.map': 'application/json' };

function pkgDir(name) {
  return dirname(require.resolve(`${name}/package.json`));
}
const ROUTES = {
  '/vendor/tfjs/': join(pkgDir('@tensorflow/tfjs'), 'dist'),
  '/vendor/tfjs-backend-wasm/': join(pkgDir('@tensorflow/tfjs-backend-wasm'), 'dist'),
  '/vendor/tfjs-backend-webgpu/': join(pkgDir('@tensorflow/tfjs-backend-webgpu'), 'dist'),
  '/': join(HERE, 'page'),
};

function startServer() {
  const state = { log: [] };
  const server = createServer((req, res) => {
    let path;
    try { path = decodeURIComponent(new URL(req.url, 'http://x').pathname); } catch { path = '/'; }
    if (path === '/') path = '/index.html';
    let file = null;
    for (const [prefix, dir] of Object.entries(ROUTES)) {
      if (!path.startsWith(prefix)) continue;
      const name = path.slice(prefix.length);
      if (/^[A-Za-z0-9._-]+$/.test(name) && !name.startsWith('.')) file = join(dir, name);
      break;
    }
    let body = null;
    if (file) { try { if (statSync(file).isFile()) body = readFileSync(file); } catch { /* 404 */ } }
    const entry = { path, status: body ? 200 : 404, bytes: body ? body.length : 0, file: body ? file : null };
    state.log.push(entry);
    if (!body) {
      res.writeHead(404, { ...COI_HEADERS, 'Content-Type': 'text/plain' });
      res.end('not found');
      return;
    }
    const ext = file.slice(file.lastIndexOf('.'));
    res.writeHead(200, { ...COI_HEADERS, 'Content-Type': MIME[ext] || 'application/octet-stream', 'Content-Length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  return new Promise((resolveP) => {
    server.listen(0, '127.0.0.1', () => resolveP({ server, state, base: `http://127.0.0.1:${server.address().port}` }));
  });
}

const compressedCache = new Map();
function compressedSizes(file) {
  if (!compressedCache.has(file)) {
    const buf = readFileSync(file);
    compressedCache.set(file, {
      raw: buf.length,
      gzip: zlib.gzipSync(buf, { level: 9 }).length,
      brotli: zlib.brotliCompressSync(buf, {
        params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length },
      }).length,
    });
  }
  return compressedCache.get(file);
}

function assetReport(log) {
  const seen = new Map();
  for (const e of log) if (e.status === 200 && !seen.has(e.path)) seen.set(e.path, e);
  const assets = [...seen.values()].map((e) => ({ path: e.path, requests: log.filter((x) => x.path === e.path).length, ...compressedSizes(e.file) }));
  const sum = (arr, k) => arr.reduce((a, b) => a + b[k], 0);
  const tfjs = assets.filter((a) => a.path.startsWith('/vendor/'));
  const harness = assets.filter((a) => !a.path.startsWith('/vendor/'));
  return {
    tfjs: { raw: sum(tfjs, 'raw'), gzip: sum(tfjs, 'gzip'), brotli: sum(tfjs, 'brotli'), files: tfjs },
    harnessPage: { raw: sum(harness, 'raw'), gzip: sum(harness, 'gzip'), brotli: sum(harness, 'brotli'), files: harness.map((a) => a.path) },
    notFound: log.filter((e) => e.status !== 200).map((e) => e.path),
  };
}

// ---------------------------------------------------------------- browser
let liveBrowserPid = null;

async function launchBrowser(opts, extraFlags, workDir) {
  const profile = mkdtempSync(join(workDir, 'profile-'));
  const args = [...BASE_FLAGS, `--user-data-dir=${profile}`, ...extraFlags, '--remote-debugging-port=0', 'about:blank'];
  const proc = spawn(opts.chromium, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, TMPDIR: workDir },
  });
  liveBrowserPid = proc.pid;
  let stderrTail = '';
  const wsEndpoint = await new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`chromium did not print a DevTools endpoint in 60 s:\n${stderrTail}`)), 60000);
    proc.stderr.on('data', (d) => {
      stderrTail = (stderrTail + d).slice(-4000);
      const m = stderrTail.match(/DevTools listening on (ws:\/\/\S+)/);
      if (m) { clearTimeout(timer); res(m[1]); }
    });
    proc.on('error', (e) => { clearTimeout(timer); rej(e); });
    proc.on('exit', (code, sig) => { clearTimeout(timer); rej(new Error(`chromium exited (${code ?? sig}) before DevTools was up:\n${stderrTail}`)); });
  });
  const { chromium } = await import('playwright-core');
  const browser = await chromium.connectOverCDP(wsEndpoint);
  return { proc, browser, profile, args, stderr: () => stderrTail };
}

async function closeBrowser(b) {
  try {
    const s = await b.browser.newBrowserCDPSession();
    await Promise.race([s.send('Browser.close'), new Promise((r) => setTimeout(r, 5000))]);
  } catch { /* already gone */ }
  const exited = new Promise((r) => (b.proc.exitCode !== null || b.proc.signalCode !== null ? r() : b.proc.once('exit', r)));
  const killed = await Promise.race([exited.then(() => false), new Promise((r) => setTimeout(() => r(true), 10000))]);
  if (killed) { try { process.kill(b.proc.pid, 'SIGKILL'); } catch { /* gone */ } await exited; }
  liveBrowserPid = null;
  rmSync(b.profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
}

function withTimeout(promise, ms, what) {
  let t;
  return Promise.race([
    promise.finally(() => clearTimeout(t)),
    new Promise((_, rej) => { t = setTimeout(() => rej(new Error(`${what} timed out after ${ms / 1000} s`)), ms); }),
  ]);
}

// One browser session = one fresh Chromium + profile + page; runs runBench(cfg).
async function session(opts, srv, name, cfg, workDir) {
  const spec = SPECS[name];
  const b = await launchBrowser(opts, spec.flags, workDir);
  const consoleLines = [];
  const heap = { samples: 0, peakUsedSize: 0, peakTotalSize: 0 };
  let sampler = null;
  try {
    const context = b.browser.contexts()[0] || (await b.browser.newContext());
    const page = await context.newPage();
    page.on('console', (m) => {
      const text = m.text();
      if (text.startsWith('[bench]')) process.stderr.write(`  ${text}\n`);
      else if (m.type() === 'error' || m.type() === 'warning' || m.type() === 'warn') consoleLines.push(`${m.type()}: ${text}`.slice(0, 500));
    });
    page.on('pageerror', (e) => consoleLines.push(`pageerror: ${String(e && e.message || e).slice(0, 500)}`));
    const cdp = await context.newCDPSession(page);
    if (spec.hardwareConcurrency) {
      await cdp.send('Emulation.setHardwareConcurrencyOverride', { hardwareConcurrency: spec.hardwareConcurrency });
    }
    srv.state.log = [];
    await page.goto(`${srv.base}/index.html`, { waitUntil: 'load' });
    const sample = async () => {
      try {
        const h = await cdp.send('Runtime.getHeapUsage');
        heap.samples++;
        heap.peakUsedSize = Math.max(heap.peakUsedSize, h.usedSize);
        heap.peakTotalSize = Math.max(heap.peakTotalSize, h.totalSize);
        return h;
      } catch { return null; }
    };
    heap.start = await sample();
    sampler = setInterval(sample, 500);
    const result = await withTimeout(page.evaluate((c) => window.runBench(c), cfg), opts.timeout * 1000, `${name} ${cfg.mode}`);
    clearInterval(sampler); sampler = null;
    heap.end = await sample();
    result.jsHeap = {
      source: 'CDP Runtime.getHeapUsage, sampled every 500 ms (peak is a lower bound)',
      ...heap,
    };
    result.assets = assetReport(srv.state.log);
    result.browser = { version: b.browser.version(), flags: b.args.filter((a) => !a.startsWith('--user-data-dir') && a !== 'about:blank') };
    result.consoleWarnings = consoleLines;
    return result;
  } catch (e) {
    const err = new Error(String(e && e.message || e).split('\n')[0]);
    err.console = consoleLines;
    err.chromiumStderr = b.stderr().split('\n').filter((l) => l && !/DevTools listening/.test(l)).slice(-15);
    throw err;
  } finally {
    if (sampler) clearInterval(sampler);
    await closeBrowser(b);
  }
}

// ---------------------------------------------------------------- stats
const median = (a) => {
  const s = [...a].sort((x, y) => x - y), h = s.length >> 1;
  return s.length ? (s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2) : null;
};
const get = (o, path) => path.split('.').reduce((x, k) => (x == null ? x : x[k]), o);
const round = (x, d = 3) => (typeof x === 'number' && Number.isFinite(x) ? Number(x.toFixed(d)) : x);

const SUMMARY_KEYS = {
  firstEpochMs: 'train.firstEpochMs',
  medianEpochMs: 'train.medianEpochMs',
  minEpochMs: 'train.minEpochMs',
  totalTrainMs: 'train.totalMs',
  pageToFirstEpochMs: 'train.pageToFirstEpochMs',
  scriptLoadMs: 'timings.scriptLoadMs',
  backendInitMs: 'timings.backendInitMs',
  modelBuildMs: 'timings.modelBuildMs',
  finalLoss: 'train.finalLoss',
  evalMse: 'eval.mse',
  evalMae: 'eval.mae',
  inferWarmFirstMs: 'inferenceWarm.firstMs',
  inferWarmMedianMs: 'inferenceWarm.medianMs',
  inferWarmMinMs: 'inferenceWarm.minMs',
  inferColdFirstMs: 'cold.inferenceCold.firstMs',
  inferColdMedianMs: 'cold.inferenceCold.medianMs',
  jsHeapPeakUsedBytes: 'jsHeap.peakUsedSize',
  jsHeapEndUsedBytes: 'jsHeap.end.usedSize',
  wasmMemoryBytes: 'memoryAfterTrain.wasmMemoryBytes',
  tfNumBytes: 'memoryAfterTrain.tf.numBytes',
};

function summarize(runs) {
  const out = {};
  for (const [k, path] of Object.entries(SUMMARY_KEYS)) {
    const vals = runs.map((r) => get(r, path)).filter((v) => typeof v === 'number' && Number.isFinite(v));
    if (!vals.length) continue;
    const med = median(vals), lo = Math.min(...vals), hi = Math.max(...vals);
    const isLoss = /Loss|Mse|Mae/.test(k);
    out[k] = {
      median: isLoss ? med : round(med, 1),
      min: isLoss ? lo : round(lo, 1),
      max: isLoss ? hi : round(hi, 1),
      spreadPct: med ? round(((hi - lo) / Math.abs(med)) * 100, 1) : 0,
      n: vals.length,
    };
  }
  return out;
}

function fmtTable(results) {
  const cols = [
    ['backend', 18], ['1st ep ms', 10], ['med ep ms', 10], ['min ep ms', 10], ['total s', 8],
    ['final loss', 11], ['mse', 10], ['mae', 9], ['infer ms', 9], ['cold inf', 9], ['heap MB', 8], ['spread%', 8],
  ];
  const pad = (s, w) => String(s).padStart(w);
  const lines = [cols.map(([n, w]) => pad(n, w)).join(' ')];
  for (const [name, r] of Object.entries(results)) {
    const s = r.summary || {};
    const m = (k, f = (x) => x) => (s[k] ? f(s[k].median) : '-');
    if (!r.runs.length) { lines.push(`${pad(name, 18)} FAILED: ${r.errors[0] && r.errors[0].error}`); continue; }
    lines.push([
      pad(name, 18), pad(m('firstEpochMs', (x) => x.toFixed(0)), 10), pad(m('medianEpochMs', (x) => x.toFixed(1)), 10),
      pad(m('minEpochMs', (x) => x.toFixed(1)), 10), pad(m('totalTrainMs', (x) => (x / 1000).toFixed(1)), 8),
      pad(m('finalLoss', (x) => x.toExponential(3)), 11), pad(m('evalMse', (x) => x.toExponential(2)), 10),
      pad(m('evalMae', (x) => x.toFixed(4)), 9), pad(m('inferWarmMedianMs', (x) => x.toFixed(1)), 9),
      pad(m('inferColdFirstMs', (x) => x.toFixed(0)), 9), pad(m('jsHeapPeakUsedBytes', (x) => (x / 2 ** 20).toFixed(1)), 8),
      pad(s.medianEpochMs ? s.medianEpochMs.spreadPct : '-', 8),
    ].join(' '));
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------- main
function versions() {
  const v = (n) => { try { return JSON.parse(readFileSync(join(pkgDir(n), 'package.json'), 'utf8')).version; } catch { return null; } };
  return Object.fromEntries(['@tensorflow/tfjs', '@tensorflow/tfjs-core', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-backend-cpu',
    '@tensorflow/tfjs-backend-webgl', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-webgpu', 'playwright-core'].map((n) => [n, v(n)]));
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.serve) {
    const { base } = await startServer();
    process.stderr.write(`serving ${base}/index.html (try ?backend=wasm&simd=1&epochs=20); Ctrl-C to stop\n`);
    return;
  }
  const names = expandBackends(opts.backends);
  const workDir = join(HERE, '.tmp');
  mkdirSync(workDir, { recursive: true });
  // Keep Playwright's own temp files in the harness folder too.
  process.env.TMPDIR = workDir;

  const srv = await startServer();
  const cleanup = () => {
    if (liveBrowserPid) { try { process.kill(liveBrowserPid, 'SIGKILL'); } catch { /* gone */ } }
    srv.server.close();
  };
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { cleanup(); process.exit(130); });

  const started = new Date();
  const meta = {
    benchmark: `TF.js ${opts.cell} sin-wave (PyTorch tutorial port), headless Chromium`,
    startedAt: started.toISOString(),
    task: { data: 'sin(linspace(0,20,1000))', window: 10, samples: 990, inputShape: [990, 10, 1] },
    model: 'GRU(32, returnSequences) -> GRU(32) -> Dense(1); Adam(lr=0.01, eps=1e-8); MSE; batch 990; shuffle off',
    cell: opts.cell, epochs: opts.epochs, runs: opts.runs, inferenceReps: opts.inferenceReps,
    steadyStateEpochs: opts.epochs >= 10 ? `10-${opts.epochs}` : `${Math.min(2, opts.epochs)}-${opts.epochs}`,
    versions: versions(),
    node: process.version,
    host: { platform: `${os.platform()} ${os.release()}`, cpus: os.cpus().length, cpuModel: os.cpus()[0] && os.cpus()[0].model, memGiB: round(os.totalmem() / 2 ** 30, 1), loadavgStart: os.loadavg().map((x) => round(x, 2)) },
    chromium: opts.chromium,
    baseFlags: BASE_FLAGS,
    order: 'round-robin: run 1 of every backend, then run 2, ...; each session is a fresh Chromium with a fresh profile',
    notes: [
      'firstEpochMs: model.fit start -> end of epoch 1 (includes kernel/shader compilation and warm-up).',
      'pageToFirstEpochMs: navigation start -> end of epoch 1 (script fetch+eval, backend init, model build, epoch 1).',
      'median/min epoch ms over epochs 10..N; each epoch ends with a loss read-back (device sync).',
      'inferenceWarm: model.predict on the 990 windows + data() read-back, after training (compiled kernels).',
      'inferenceCold: same, first call in a fresh browser session without training.',
      'jsHeap: V8 heap of the page (CDP Runtime.getHeapUsage); wasm linear memory and GPU buffers are not in it.',
      'Assets are served uncompressed; gzip (level 9) and brotli (q11) sizes are computed from the same bytes.',
    ],
  };

  const results = {};
  for (const n of names) results[n] = { spec: SPECS[n], runs: [], errors: [] };

  // Assemble the JSON document (also used for the partial --out file after each session).
  const buildDoc = (done) => {
    const out = { meta: { ...meta, host: { ...meta.host } }, results: {} };
    for (const [n, r] of Object.entries(results)) {
      const first = r.runs[0];
      out.results[n] = {
        status: r.runs.length === opts.runs ? 'ok' : r.runs.length ? 'partial' : r.errors.length ? 'failed' : 'pending',
        backend: first ? first.env.backend : { requested: SPECS[n].backend },
        browserFlags: first ? first.browser.flags : [...BASE_FLAGS, ...SPECS[n].flags],
        model: first ? first.model : null,
        summary: summarize(r.runs),
        downloadCost: first ? first.assets : null,
        runs: r.runs.map((x) => {
          const { assets, config, browser, env, model, ...rest } = x;
          return rest;
        }),
        errors: r.errors,
      };
    }
    out.meta.complete = done;
    out.meta.finishedAt = done ? new Date().toISOString() : null;
    out.meta.host.loadavgEnd = os.loadavg().map((x) => round(x, 2));
    out.meta.crossOriginIsolated = Object.values(results).map((r) => r.runs[0] && r.runs[0].env.crossOriginIsolated).find((x) => x != null);
    out.meta.userAgent = Object.values(results).map((r) => r.runs[0] && r.runs[0].env.userAgent).find(Boolean) || null;
    out.meta.chromiumVersion = Object.values(results).map((r) => r.runs[0] && r.runs[0].browser.version).find(Boolean) || null;
    return out;
  };
  const writePartial = () => {
    if (opts.out) writeFileSync(resolve(opts.out), JSON.stringify(buildDoc(false), null, 2) + '\n');
  };

  for (let run = 1; run <= opts.runs; run++) {
    for (const n of names) {
      const r = results[n];
      if (r.errors.length && !opts.keepGoing) continue;
      const spec = SPECS[n];
      const base = { backend: spec.backend, simd: spec.simd, threads: spec.threads, numThreads: spec.numThreads || 0, cell: opts.cell, epochs: opts.epochs, inferenceReps: opts.inferenceReps, label: `${n}#${run}` };
      process.stderr.write(`[run ${run}/${opts.runs}] ${n}: train (load ${os.loadavg()[0].toFixed(2)})\n`);
      const t0 = Date.now();
      const loadStart = os.loadavg()[0];
      try {
        const res = await session(opts, srv, n, { ...base, mode: 'train' }, workDir);
        if (opts.coldInfer) {
          process.stderr.write(`[run ${run}/${opts.runs}] ${n}: cold inference\n`);
          const cold = await session(opts, srv, n, { ...base, mode: 'infer' }, workDir);
          res.cold = { inferenceCold: cold.inferenceCold, timings: cold.timings, jsHeap: cold.jsHeap, pageToFirstPredictionMs: cold.timings.pageToFirstPredictionMs };
        }
        if (!opts.perEpoch) { delete res.train.epochMs; delete res.train.losses; }
        res.run = run;
        res.sessionWallMs = Date.now() - t0;
        res.loadavg1 = { start: round(loadStart, 2), end: round(os.loadavg()[0], 2) };
        r.runs.push(res);
        process.stderr.write(`  -> ${n}#${run}: first ${res.train.firstEpochMs.toFixed(0)} ms, median ${res.train.medianEpochMs.toFixed(1)} ms/epoch, total ${(res.train.totalMs / 1000).toFixed(1)} s, loss ${res.train.finalLoss.toExponential(3)}\n`);
      } catch (e) {
        r.errors.push({ run, error: e.message, console: e.console, chromiumStderr: e.chromiumStderr });
        process.stderr.write(`  !! ${n}#${run} failed: ${e.message}\n`);
      }
      writePartial();
    }
  }

  const out = buildDoc(true);
  process.stderr.write('\n' + fmtTable(out.results) + '\n(medians over runs; spread% = (max-min)/median of median epoch ms)\n');
  const json = JSON.stringify(out, null, 2);
  if (opts.out) writeFileSync(resolve(opts.out), json + '\n');
  srv.server.close();
  try { if (!readdirSync(workDir).length) rmSync(workDir, { recursive: true, force: true }); } catch { /* ignore */ }
  const failed = Object.values(out.results).every((r) => r.status === 'failed');
  // Exit explicitly (lingering keep-alive sockets must not keep the process up),
  // but only once stdout has been flushed.
  process.stdout.write(json + '\n', () => process.exit(failed ? 1 : 0));
}

main().catch((e) => {
  process.stderr.write(`fatal: ${e && e.stack || e}\n`);
  if (liveBrowserPid) { try { process.kill(liveBrowserPid, 'SIGKILL'); } catch { /* gone */ } }
  process.exit(2);
});
