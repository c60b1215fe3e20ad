#!/usr/bin/env bash
# Trunk post-build hook: builds the CPU-only module (no burn-wgpu) next to Trunk's full one, into
# dist/cpu/. The page's main thread (drawing, validation) and the training worker on the ndarray path
# load this small module; only a worker that found a WebGPU adapter loads the full one (see
# www/worker.js). WebGPU costs ~3.5 MB gzip that a CPU-only learner never downloads.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
out=${TRUNK_STAGING_DIR:?run by trunk as a post_build hook}/cpu
cargo build --release --locked --target wasm32-unknown-unknown --lib --no-default-features --quiet
mkdir -p "$out"
wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name gru-lab \
  "$target/wasm32-unknown-unknown/release/gru_lab.wasm"
