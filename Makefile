# GRU Lab. The two commands: `make serve` (build and serve the lab on http://127.0.0.1:8080) and
# `make test` (everything, in a real browser). Both install what is missing first.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/gru-lab/target
export TRUNK_SKIP_VERSION_CHECK := true

.PHONY: serve test setup build size cli bench
# Trunk runs offline (Trunk.toml): cargo fetch first fills the registry on a fresh machine.
serve:
	scripts/setup.sh build
	cargo fetch --locked
	trunk build index.html --release
	node scripts/serve.mjs dist 8080

test:
	scripts/test.sh

setup:
	scripts/setup.sh

build:
	scripts/setup.sh build
	cargo fetch --locked
	trunk build index.html --release

size: build
	node scripts/size.mjs

# The native CLI: make cli ARGS="train --cell pytorch"
cli:
	cargo run --release --bin gru-lab -- $(ARGS)

# Speed and size figures (not tests): make bench [BENCH_ARGS=--tfjs]. Installs what the browser runs
# need first (scripts/setup.sh), like make test: a fresh clone can start here.
bench: setup build
	cargo build --release --bin gru-lab
	node scripts/bench.mjs $(BENCH_ARGS)
