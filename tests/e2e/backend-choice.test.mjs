// backend=auto's choice (www/lab/backend-choice.js) for every kind of trial answer, in Node: the
// browser tests can only reach the "CPU stays" branch (SwiftShader is slower than the CPU).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { choose } from '../../www/lab/backend-choice.js';

test('WebGPU is chosen only when clearly faster than the faster of the trial\'s CPU and the run\'s own epochs', () => {
  assert.deepEqual(choose({ ok: true, cpuMs: 17.2, gpuMs: 1.94 }), { backend: 'webgpu', name: 'WebGPU: 1.9 ms/epoch against 17 on the CPU' });
  assert.deepEqual(choose({ ok: true, cpuMs: 17, gpuMs: 48 }), { backend: 'ndarray', name: 'ndarray: faster here than WebGPU, 17 against 48 ms/epoch' });
  // Within the margin (20 %) the CPU stays: moving costs a module load.
  assert.equal(choose({ ok: true, cpuMs: 10, gpuMs: 8.5 }).backend, 'ndarray');
  // The run trains on two workers at 6 ms: a GPU at 8 ms would make it slower.
  assert.deepEqual(choose({ ok: true, cpuMs: 12, gpuMs: 8 }, 6), { backend: 'ndarray', name: 'ndarray: faster here than WebGPU, 6.0 against 8.0 ms/epoch' });
  // Before the run has timed an epoch of its own (Infinity), the trial's CPU figure decides.
  assert.equal(choose({ ok: true, cpuMs: 12, gpuMs: 8 }, Infinity).backend, 'webgpu');
  assert.equal(choose({ ok: true, cpuMs: 3456.7, gpuMs: 107.6 }).name, 'WebGPU: 108 ms/epoch against 3,457 on the CPU');
});

test('a trial that could not run keeps the CPU and says why', () => {
  assert.deepEqual(choose({ ok: false, reason: 'WebGPU init failed: no device' }), { backend: 'ndarray', name: 'ndarray (WebGPU init failed: no device)' });
});
