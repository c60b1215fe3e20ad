// Every panel the lab can show, in page order. A panel is one file exporting
//   {id, title, snapshot?, available?(view), mount(ctx) → {section, canvas?, draw(view, changed)}}
// where `view` is {config, series, store, snapshot, sample, playing, dark, dpr} and `changed` is the set of what
// changed since the panel last drew (../changes.js); `draw` redraws only for what the panel shows and
// returns whether it drew. `snapshot: true` marks a panel that draws the snapshot (predictions, gates);
// `available(view)` false: the panel has nothing to show for this run (its deep-dive tab hides too,
// ../deep-dive.js).
// `ctx` is what a panel may use of the lab (view.js, panelContext).
import prediction from './prediction.js';
import loss from './loss.js';
import runs from './runs.js';
import gates from './gates.js';
import architecture from './architecture.js';
import equations from './equations.js';
import cell from './cell.js';
import gradients from './gradients.js';
import forecast from './forecast.js';

// The cell's picture and its equations come right after the heatmaps: on a wide lab they sit beside
// them (lab.css), so hovering a heatmap lights its block and its equation in view. The gradient through
// time follows, full width. The runs table (compare mode only) sits under the two charts.
export const PANEL_MODULES = [prediction, loss, runs, gates, cell, equations, gradients, forecast, architecture];
export const PANEL_IDS = PANEL_MODULES.map((p) => p.id);

