#!/usr/bin/env bash
# Installs what GRU Lab needs to build, serve and test, at pinned versions, and only what is missing
# (idempotent). Nothing is downloaded from outside the package registries: rustup's target, crates.io
# (trunk, wasm-bindgen-cli), Debian (chromium, chromium-driver), npm (playwright-core and axe-core from package-lock).
#
#   scripts/setup.sh          everything (build + browser tests)
#   scripts/setup.sh build    only what building and serving needs
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.22.1
# Must equal the wasm-bindgen crate in Cargo.lock (checked below).
WASM_BINDGEN_VERSION=0.2.130
what=${1:-all}

log() { printf '\033[1msetup:\033[0m %s\n' "$*" >&2; }

locked=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/[^0-9.]/, ""); print; exit}' Cargo.lock)
if [ "$locked" != "$WASM_BINDGEN_VERSION" ]; then
  echo "setup: Cargo.lock has wasm-bindgen $locked but scripts/setup.sh pins $WASM_BINDGEN_VERSION: update the pin (and Trunk.toml)" >&2
  exit 1
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
for component in rustfmt clippy; do
  if ! rustup component list --installed | grep -q "^$component"; then
    log "adding rustup component $component"
    rustup component add "$component"
  fi
done

# cargo install builds in its own temporary folder, not in the project's shared target folder. --force: a
# package cargo remembers as installed is reinstalled when one of its binaries has gone missing.
if ! trunk --version 2>/dev/null | grep -qF "$TRUNK_VERSION"; then
  log "building trunk $TRUNK_VERSION (about 10-17 minutes once; it declares rust 1.96 but builds with ours)"
  env -u CARGO_TARGET_DIR cargo install trunk --version "$TRUNK_VERSION" --locked --ignore-rust-version --force --quiet
fi
if ! wasm-bindgen --version 2>/dev/null | grep -qF "$WASM_BINDGEN_VERSION"; then
  log "building wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # Not --locked: its lock file names a dependency version the registry no longer serves.
  env -u CARGO_TARGET_DIR cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force --quiet
fi

for tool in "trunk $TRUNK_VERSION" "wasm-bindgen $WASM_BINDGEN_VERSION"; do
  set -- $tool
  if ! "$1" --version 2>/dev/null | grep -qF "$2"; then
    echo "setup: $1 $2 is still not on PATH after installing it (is ~/.cargo/bin on PATH?)" >&2
    exit 1
  fi
done

[ "$what" = build ] && exit 0

if ! command -v chromium >/dev/null 2>&1; then
  log "installing Debian's chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi
if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/axe-core ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages from package-lock.json"
  npm ci --no-audit --no-fund --silent
fi
log "ready: $(trunk --version), $(wasm-bindgen --version), $(chromium --version 2>/dev/null | head -1)"
