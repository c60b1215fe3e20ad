//! What more than one export reads from JavaScript or writes back: a run's config (validated, the one
//! validation layer, [`LabConfig::validate`]), and the messages between a run's session and its
//! helpers (a helper worker's `ShardHelper`, the GPU pass's `GpuHelper`): an epoch's job in,
//! a part of the epoch's gradients out.

use crate::config::LabConfig;
use crate::params::ModelParams;
use crate::shards::{ShardGradients, ShardJob};
use crate::state_dict::ModelShape;
use wasm_bindgen::prelude::*;

/// A config from the page, checked field by field (the error names the field, the value and the
/// allowed range).
pub(super) fn config_from(value: JsValue) -> Result<LabConfig, JsError> {
    let config: LabConfig =
        serde_wasm_bindgen::from_value(value).map_err(|e| JsError::new(&format!("config: {e}")))?;
    config
        .validate()
        .map_err(|e| JsError::new(&e.to_string()))?;
    Ok(config)
}

/// An epoch's job for a helper from its message: the weights `params` (in [`ModelParams::values`]
/// order) of a model of `shape` and the dropout stream at `high·2³² + low`; None when the weights do
/// not fit the shape.
pub(super) fn shard_job(
    shape: ModelShape,
    params: &[f32],
    high: u32,
    low: u32,
) -> Option<ShardJob> {
    let mut weights = ModelParams::zeros(shape);
    weights.assign(params).then(|| ShardJob {
        params: weights,
        dropout_stream: (u64::from(high) << 32) | u64::from(low),
    })
}

/// A part as a helper sends it back: `{sums: Float64Array, grads: Float32Array}`
/// ([`ShardGradients::sums`], the gradients in [`ModelParams::values`] order).
pub(super) fn part_message(part: &ShardGradients) -> Result<JsValue, JsValue> {
    let message = js_sys::Object::new();
    js_sys::Reflect::set(
        &message,
        &"sums".into(),
        &js_sys::Float64Array::from(part.sums().as_slice()),
    )?;
    js_sys::Reflect::set(
        &message,
        &"grads".into(),
        &js_sys::Float32Array::from(part.grads.to_flat().as_slice()),
    )?;
    Ok(message.into())
}
