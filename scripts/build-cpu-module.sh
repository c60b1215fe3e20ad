#!/usr/bin/env bash
# Trunk post-build hook: builds the modules without burn-wgpu next to Trunk's full one: the CPU-only
# module twice, dist/cpu/ (wasm simd128) and dist/cpu-fma/ (with the relaxed-simd feature: fused
# multiply-adds in the matrix kernel, for browsers that validate relaxed SIMD; www/lab/modules.js
# chooses), and dist/gpu/ (the gpu-module feature: WebGPU's fused pass on wgpu alone, nothing else). The page's main
# thread (drawing, validation) and the training worker load a CPU one; a worker that finds a WebGPU
# adapter adds the GPU one (www/lab/gpu-pass.js); only backend=webgpu-ops loads the full one (Burn's
# op-by-op path on burn-wgpu).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
staging=${TRUNK_STAGING_DIR:?run by trunk as a post_build hook}
for variant in cpu cpu-fma gpu; do
  features=()
  [ "$variant" = cpu-fma ] && features=(--features relaxed-simd)
  [ "$variant" = gpu ] && features=(--features gpu-module)
  cargo build --release --locked --target wasm32-unknown-unknown --lib --no-default-features "${features[@]}" --quiet
  mkdir -p "$staging/$variant"
  # --remove-name-section: the function names (10% of a module, 12% of it gzipped) serve only a
  # developer's stack traces; a panic's message still reaches the page.
  wasm-bindgen --target web --no-typescript --remove-name-section --out-dir "$staging/$variant" --out-name gru-lab \
    "$target/wasm32-unknown-unknown/release/gru_lab.wasm"
done
