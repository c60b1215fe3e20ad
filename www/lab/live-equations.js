// The live equations of the heatmap cell a learner points at ({layer, step, unit}): every equation of
// that unit with the shown window's numbers substituted, recomputed from the shown epoch's weights by
// the cell's own code (core.explainUnit, src/live_equations.rs). Computed once per snapshot and cell:
// the gates panel's tooltip and the equations panel read the same lines.
import { core } from './core.js';

/** Each snapshot's lines for the unit last pointed at (`{key, lines}`), held only as long as the
 * snapshot itself: a snapshot the panels have let go is not kept alive here. */
const explained = new WeakMap();

/** `[{quantity, text, value, terms}]` for `at` in `snapshot`, or null (nothing pointed at, no gates yet,
 * or `at` outside the snapshot's shape). */
export function liveEquations(config, snapshot, at) {
  if (!at || !snapshot || !snapshot.trace || !snapshot.weights || !snapshot.weights[at.layer]) return null;
  const key = `${config.cell}/${at.layer}/${at.step}/${at.unit}`;
  const memo = explained.get(snapshot);
  if (memo && memo.key === key) return memo.lines;
  let lines = null;
  try {
    lines = core.explainUnit(config.cell, snapshot.trace, snapshot.weights[at.layer], at.layer, at.step, at.unit);
  } catch {
    lines = null; // a unit of another shape (the run changed under the pointer): nothing to show
  }
  explained.set(snapshot, { key, lines });
  return lines;
}
