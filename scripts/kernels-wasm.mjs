#!/usr/bin/env node
// examples/kernels.rs in V8, Chromium's engine: builds it for wasm32-unknown-unknown with simd128 (as
// the page's CPU module is built, .cargo/config.toml) and runs it here, giving the module its clock
// and its output as two imports. Prints the example's JSON lines; `make bench` runs it.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = process.env.CARGO_TARGET_DIR || join(os.homedir(), '.cache/gru-lab/target');
execFileSync('cargo', ['build', '--quiet', '--release', '--locked', '--target', 'wasm32-unknown-unknown',
  '--no-default-features', '--example', 'kernels'], { cwd: ROOT, stdio: 'inherit' });
const bytes = readFileSync(join(target, 'wasm32-unknown-unknown', 'release', 'examples', 'kernels.wasm'));
let memory = null;
// The library's page bindings come along in the module (the example links the whole crate); the
// example never calls them, so each is a function that says so if it ever is.
const unused = (module) => new Proxy({}, {
  get: (_, name) => () => { throw new Error(`kernels example called the binding ${module}.${String(name)}`); },
});
const { instance } = await WebAssembly.instantiate(bytes, {
  env: {
    host_now_ms: () => performance.now(),
    host_emit: (ptr, len) => console.log(new TextDecoder().decode(new Uint8Array(memory.buffer, ptr, len))),
  },
  __wbindgen_placeholder__: unused('__wbindgen_placeholder__'),
  __wbindgen_externref_xform__: unused('__wbindgen_externref_xform__'),
});
memory = instance.exports.memory;
instance.exports.main(0, 0);
