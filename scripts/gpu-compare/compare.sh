#!/usr/bin/env bash
# Issue 18's comparison: the same two kernels of the fused GPU pass (one GRU layer's forward pass
# over a window per invocation, and `sum_rows`) as CubeCL `#[cube]` kernels (cube/) and as WGSL with
# wgpu alone (wgsl/, what src/gpu ships). Builds both for the browser, prints each module's size, and
# runs both on the same inputs in headless Chromium on SwiftShader (their results must agree).
# A measurement, not part of the lab or its tests: BENCHMARKS.md has the figures.
#
#   scripts/gpu-compare/compare.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
target=${CARGO_TARGET_DIR:-$HOME/.cache/gru-lab/target}/gpu-compare
out=$target/page
mkdir -p "$out"
for twin in wgsl cube; do
  (cd "$here/$twin" && CARGO_TARGET_DIR=$target cargo build --locked --release --target wasm32-unknown-unknown --quiet)
  wasm-bindgen --target web --out-dir "$out/$twin" "$target/wasm32-unknown-unknown/release/${twin}_pass.wasm"
  wasm=$out/$twin/${twin}_pass_bg.wasm
  printf '%s: %d bytes raw, %d gzip\n' "$twin" "$(stat -c %s "$wasm")" "$(gzip -9 -c "$wasm" | wc -c)"
done
cp "$here/page.js" "$out/page.js"
echo '<!doctype html><meta charset="utf-8"><script type="module" src="page.js"></script>' > "$out/index.html"
node "$here/run.mjs" "$out"
