#!/usr/bin/env node
// Prints the built wasm modules' sizes raw, gzip -9 and brotli q11; with --check it fails past a gzip
// budget. cpu/ or cpu-fma/ is what every learner downloads (main thread and the ndarray worker); gpu/ is
// added where a WebGPU adapter exists; the full module (with burn-wgpu) loads only for backend=webgpu-ops. Budgets were set from the first
// measurements (BENCHMARKS.md) with a little headroom; cpu-fma/ is cpu/ with relaxed-SIMD multiply-adds: raise one only with a reason in the commit.
import { readFileSync } from 'node:fs';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

export const MODULES = [
  { name: 'cpu (ndarray, loaded by every page without relaxed SIMD)', path: 'dist/cpu/gru-lab_bg.wasm', budgetGzip: 2_500_000 },
  { name: 'cpu-fma (ndarray with fused multiply-adds, loaded by every page with relaxed SIMD)', path: 'dist/cpu-fma/gru-lab_bg.wasm', budgetGzip: 2_500_000 },
  { name: 'gpu (WebGPU\'s fused pass on wgpu alone, loaded beside a cpu one when an adapter exists)', path: 'dist/gpu/gru-lab_bg.wasm', budgetGzip: 250_000 },
  { name: 'full (ndarray + burn-wgpu, loaded only for backend=webgpu-ops)', path: 'dist/gru-lab_bg.wasm', budgetGzip: 6_000_000 },
];

/** Raw and gzip -9 sizes; brotli q11 too unless `brotli` is false (it takes ~20 s per module on two
 * cores, and the budget is on gzip: `make test` skips it, `make size` prints it). */
export function sizes(file, { brotli = true } = {}) {
  const bytes = readFileSync(file);
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotli ? brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length : null,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const mb = (n) => `${(n / 1e6).toFixed(2)} MB`;
  const check = process.argv.includes('--check');
  let over = false;
  for (const m of MODULES) {
    const s = sizes(m.path, { brotli: !check });
    const brotli = s.brotli === null ? '' : `, brotli ${mb(s.brotli)}`;
    console.log(`wasm ${m.name}: raw ${mb(s.raw)}, gzip ${mb(s.gzip)}${brotli}; gzip budget ${mb(m.budgetGzip)}`);
    if (s.gzip > m.budgetGzip) {
      console.error(`size: ${m.path} is ${s.gzip} bytes gzipped, over its budget of ${m.budgetGzip}`);
      over = true;
    }
  }
  if (check && over) process.exit(1);
}
