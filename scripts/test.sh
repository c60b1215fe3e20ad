#!/usr/bin/env bash
# The whole test run, in order, failing fast: format, clippy (native and wasm32), native tests, the
# JavaScript unit tests, the wasm build, its size budget, then the browser tests of the built page
# without and with WebGPU.
# Ends with one summary line: "tests: N passed, M failed".
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/gru-lab/target}
export TRUNK_SKIP_VERSION_CHECK=true
log=$(mktemp)
trap 'rm -f "$log"' EXIT
started=$(date +%s)
stage() { printf '\n\033[1m== %s\033[0m (%ss)\n' "$*" "$(( $(date +%s) - started ))"; }

stage "setup"
scripts/setup.sh
stage "rustfmt"
cargo fmt --all -- --check
stage "clippy, native"
cargo clippy --release --all-targets --locked -- -D warnings
stage "clippy, wasm32"
cargo clippy --release --target wasm32-unknown-unknown --lib --no-default-features --features webgpu,gpu-pass --locked -- -D warnings
stage "native tests"
cargo test --release --locked 2>&1 | tee -a "$log"
stage "JavaScript unit tests"
node --test tests/js/ 2>&1 | tee -a "$log"
stage "wasm build (trunk, release)"
cargo fetch --locked
trunk build index.html --release
stage "wasm size"
node scripts/size.mjs --check
stage "browser tests, no WebGPU (ndarray fallback)"
node --test --test-concurrency=1 tests/e2e/backend-choice.test.mjs tests/e2e/page.test.mjs tests/e2e/play.test.mjs tests/e2e/ux.test.mjs tests/e2e/live-equations.test.mjs tests/e2e/embed.test.mjs tests/e2e/element.test.mjs tests/e2e/lesson.test.mjs tests/e2e/bad-input.test.mjs tests/e2e/weights.test.mjs tests/e2e/gradients.test.mjs tests/e2e/tasks.test.mjs tests/e2e/series.test.mjs tests/e2e/compare.test.mjs tests/e2e/forecast.test.mjs tests/e2e/history.test.mjs tests/e2e/parallel.test.mjs tests/e2e/stress.test.mjs 2>&1 | tee -a "$log"
stage "browser tests, --enable-unsafe-webgpu (SwiftShader)"
node --test --test-concurrency=1 tests/e2e/webgpu.test.mjs 2>&1 | tee -a "$log"

passed=$(( $(grep -oE 'test result: ok\. [0-9]+ passed' "$log" | awk '{s+=$4} END {print s+0}') + $(grep -oE '^# pass [0-9]+' "$log" | awk '{s+=$3} END {print s+0}') ))
failed=$(( $(grep -oE '[0-9]+ failed;' "$log" | awk '{s+=$1} END {print s+0}') + $(grep -oE '^# fail [0-9]+' "$log" | awk '{s+=$3} END {print s+0}') ))
printf '\nall stages green in %ss\n' "$(( $(date +%s) - started ))"
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
