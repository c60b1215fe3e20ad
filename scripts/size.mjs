#!/usr/bin/env node
// Prints the built wasm's size raw, gzip -9 and brotli q11; with --check it fails past the gzip budget.
// The budget was set from the first measurement (BENCHMARKS.md) with a little headroom: raise it only
// with a reason in the commit.
import { readFileSync } from 'node:fs';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

export const BUDGET_GZIP_BYTES = Number(process.env.BUDGET_GZIP_BYTES || 6_000_000);
const path = process.argv.find((a) => a.endsWith('.wasm')) || 'dist/gru-lab_bg.wasm';

export function sizes(file) {
  const bytes = readFileSync(file);
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const s = sizes(path);
  const mb = (n) => `${(n / 1e6).toFixed(2)} MB`;
  console.log(`wasm size (${path}): raw ${mb(s.raw)}, gzip ${mb(s.gzip)}, brotli ${mb(s.brotli)}; gzip budget ${mb(BUDGET_GZIP_BYTES)}`);
  if (process.argv.includes('--check') && s.gzip > BUDGET_GZIP_BYTES) {
    console.error(`size: gzip ${s.gzip} bytes exceeds the budget of ${BUDGET_GZIP_BYTES} bytes`);
    process.exit(1);
  }
}
