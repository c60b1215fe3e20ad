//! What the page draws of one window: every layer's per-step quantities (gates, candidates, states)
//! by the names of the cell's [`crate::cells::CellSpec::quantities`], and the prediction.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One layer's quantities for one window: name (`"z"`, `"f"`, `"c"`, `"h"`, …) → `[T][H]`.
pub type LayerGates = BTreeMap<String, Vec<Vec<f32>>>;

/// Every layer's quantities for one window, plus the model's prediction for it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SampleTrace {
    pub sample: usize,
    pub prediction: f32,
    pub layers: Vec<LayerGates>,
}
