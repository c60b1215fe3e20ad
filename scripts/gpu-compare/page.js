// compare.sh's page: both twins on the same weights and windows (a tutorial-sized GRU layer, 200
// windows of 10), their results compared value by value, each first run timed (device, kernel
// compilation and dispatch included).
import initCube, * as cube from './cube/cube_pass.js';
import initWgsl, * as wgsl from './wgsl/wgsl_pass.js';

const H = 32;
const T = 10;
const WINDOWS = 200;
let seed = 1;
const uniform = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5) * 0.4;
const params = Float32Array.from({ length: 3 * H * (H + 3) }, uniform);
const inputs = Float32Array.from({ length: WINDOWS * T }, (_, i) => Math.sin(i * 0.1));
try {
  await initWgsl();
  await initCube();
  const t0 = performance.now();
  const a = await wgsl.run(params, inputs, H, T);
  const t1 = performance.now();
  const b = await cube.run(params, inputs, H, T);
  const t2 = performance.now();
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  window.result = { values: a.length, largestDifference: worst, firstRunMs: { wgsl: t1 - t0, cube: t2 - t1 } };
} catch (e) {
  window.result = { error: String((e && e.stack) || e) };
}
