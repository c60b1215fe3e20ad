#!/usr/bin/env node
// Prints the built wasm modules' sizes raw, gzip -9 and brotli q11; with --check it fails past a gzip
// budget. cpu/ is what every learner downloads (main thread and the ndarray worker); the full module
// (with burn-wgpu) loads only where a WebGPU adapter exists. Budgets were set from the first
// measurements (BENCHMARKS.md) with a little headroom: raise one only with a reason in the commit.
import { readFileSync } from 'node:fs';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

export const MODULES = [
  { name: 'cpu (ndarray, loaded by every page)', path: 'dist/cpu/gru-lab_bg.wasm', budgetGzip: 2_500_000 },
  { name: 'full (ndarray + WebGPU, loaded when an adapter exists)', path: 'dist/gru-lab_bg.wasm', budgetGzip: 6_000_000 },
];

export function sizes(file) {
  const bytes = readFileSync(file);
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const mb = (n) => `${(n / 1e6).toFixed(2)} MB`;
  let over = false;
  for (const m of MODULES) {
    const s = sizes(m.path);
    console.log(`wasm ${m.name}: raw ${mb(s.raw)}, gzip ${mb(s.gzip)}, brotli ${mb(s.brotli)}; gzip budget ${mb(m.budgetGzip)}`);
    if (s.gzip > m.budgetGzip) {
      console.error(`size: ${m.path} is ${s.gzip} bytes gzipped, over its budget of ${m.budgetGzip}`);
      over = true;
    }
  }
  if (process.argv.includes('--check') && over) process.exit(1);
}
