// The native CLI beside the browser tests: the same seed and config give the same numbers, so the
// page's are checked against `gru-lab train --history` (built by `cargo test --release` before them).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TARGET = process.env.CARGO_TARGET_DIR || join(process.env.HOME, '.cache', 'gru-lab', 'target');
export const CLI = join(TARGET, 'release', 'gru-lab');

/** The native run of `config` ({cell, hidden, …}) for `epochs` epochs: one row per epoch of its
 * --history CSV, `{epoch, loss, …, dh_l0_t1, …}`. */
export function nativeHistory(config, epochs) {
  const args = ['--epochs', String(epochs), ...Object.entries(config).flatMap(([k, v]) => [`--${k}`, String(v)])];
  const dir = mkdtempSync(join(tmpdir(), 'gru-lab-native-'));
  try {
    execFileSync(CLI, ['train', ...args, '--history', join(dir, 'h.csv'), '--out', dir], { cwd: ROOT, stdio: 'pipe' });
    const [header, ...rows] = readFileSync(join(dir, 'h.csv'), 'utf8').trim().split('\n');
    const names = header.split(',');
    return rows.map((row) => Object.fromEntries(row.split(',').map((v, i) => [names[i], Number(v)])));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Asserts that each epoch's `gradientFlow` (onEpoch) equals the native row's columns within `relative`. */
export function assertSameFlows(label, flows, native, relative) {
  flows.forEach((flow, e) => {
    flow.layers.forEach((layer, l) => {
      for (const series of ['dh', 'dc', 'keep']) {
        (layer[series] || []).forEach((v, t) => {
          const theirs = native[e][`${series}_l${l}_t${t + 1}`];
          if (Math.abs(v - theirs) > relative * Math.abs(theirs)) {
            throw new Error(`${label} epoch ${e + 1} layer ${l} ${series} t=${t + 1}: page ${v}, native ${theirs}`);
          }
        });
      }
    });
  });
}

/** Trains `epochs` epochs through the page's JS API and returns each epoch's gradientFlow. */
export async function trainedFlows(page, epochs) {
  return page.evaluate(async (n) => {
    const flows = [];
    window.gruLab.onEpoch((e) => flows.push(e.gradientFlow));
    for (let i = 0; i < n; i++) await window.gruLab.step();
    return flows;
  }, epochs);
}
