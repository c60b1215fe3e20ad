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
    /// `[T][I]`: the window's inputs x_t, the first layer's input (the live equations read them).
    pub inputs: Vec<Vec<f32>>,
    pub layers: Vec<LayerGates>,
}

/// `[T][I]` rows of one window stored flat `[T·I]`.
pub fn window_rows(flat: &[f32], channels: usize) -> Vec<Vec<f32>> {
    flat.chunks_exact(channels).map(<[f32]>::to_vec).collect()
}
