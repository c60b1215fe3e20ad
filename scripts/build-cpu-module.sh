#!/usr/bin/env bash
# Trunk post-build hook: builds the CPU-only module (no burn-wgpu) next to Trunk's full one, twice:
# dist/cpu/ (wasm simd128) and dist/cpu-fma/ (with the relaxed-simd feature: fused multiply-adds in the
# matrix kernel, for browsers that validate relaxed SIMD; www/lab/modules.js chooses). The page's main
# thread (drawing, validation) and the training worker on the ndarray path load one of these; only a
# worker that finds a WebGPU adapter loads the full one (see www/lab/worker.js). WebGPU costs ~4 MB gzip
# that a CPU-only learner never downloads.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
staging=${TRUNK_STAGING_DIR:?run by trunk as a post_build hook}
for variant in cpu cpu-fma; do
  features=()
  [ "$variant" = cpu-fma ] && features=(--features relaxed-simd)
  cargo build --release --locked --target wasm32-unknown-unknown --lib --no-default-features "${features[@]}" --quiet
  mkdir -p "$staging/$variant"
  wasm-bindgen --target web --no-typescript --out-dir "$staging/$variant" --out-name gru-lab \
    "$target/wasm32-unknown-unknown/release/gru_lab.wasm"
done
