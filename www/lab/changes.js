// What can change between two frames, so that a panel redraws only for what it shows:
//   'config'   a new config (a new run, a new series, another cell)
//   'reports'  new epoch reports (loss, lr, ms)
//   'snapshot' a new snapshot (predictions, gates)
//   'sample'   another selected window
//   'theme'    light/dark switched
//   'size'     the canvases were resized (which clears them)
//   'options'  a panel's own display option (its stretch box, its keyboard cursor)
//   'forecast' a forecast the forecast panel asked for arrived
//   'history'  the scrubber moved (the shown epoch's snapshot follows as 'reports' + 'snapshot')
//   'unit'     the learner points at another heatmap cell (the live equations follow it)
export const ALL_CHANGES = ['config', 'reports', 'snapshot', 'sample', 'theme', 'size', 'options', 'forecast', 'history', 'unit'];

/** True when one of `kinds` is in the set `changed`. */
export function touched(changed, ...kinds) {
  return kinds.some((k) => changed.has(k));
}
