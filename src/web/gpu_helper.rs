//! The fused GPU pass ([`crate::gpu`]) as a helper of a run's [`super::Session`], like a helper
//! worker's [`super::ShardHelper`]: it gets an epoch's weights and dropout stream
//! ([`super::Session::begin_epoch`]) and returns the whole batch's loss, gradients and gradient
//! through time, which [`super::Session::finish_whole_epoch`] turns into the update. The run itself
//! stays in its session on the host, so switching the GPU on or off moves nothing: weights, Adam's
//! moments, scheduler, dropout stream and the scrubber's states stay where they are
//! (`www/lab/gpu-pass.js` drives it).

use super::messages::{config_from, part_message, shard_job};
use crate::dropout::Dropout;
use crate::gpu::{GpuPass, request_device};
use crate::state_dict::ModelShape;
use wasm_bindgen::prelude::*;

/// The GPU pass for one run's config, on a WebGPU device of its own.
#[wasm_bindgen]
pub struct GpuHelper {
    pass: GpuPass,
    shape: ModelShape,
}

#[wasm_bindgen]
impl GpuHelper {
    /// The pass for runs of `config` (what [`super::Session::shard_config`] gives); rejects with the
    /// reason, in words, when WebGPU does not start or the pass cannot hold the run.
    pub async fn create(config: JsValue) -> Result<GpuHelper, JsValue> {
        let config = config_from(config)?;
        let shape = ModelShape::from(&config);
        let dropout = Dropout {
            p: config.dropout,
            layers: config.layers,
            hidden: config.hidden,
        };
        let device = request_device().await.map_err(|e| JsError::new(&e))?;
        let pass = GpuPass::new((&device.0, &device.1), shape, dropout, &config.dataset())
            .map_err(|e| JsError::new(&e))?;
        Ok(GpuHelper { pass, shape })
    }

    /// The whole batch's part of the epoch whose weights are `params` ([`ModelParams::to_flat`]'s
    /// layout) and whose dropout stream stood at `high`·2³² + `low`: `{sums: Float64Array, grads:
    /// Float32Array}` ([`crate::shards::ShardGradients::sums`]). Rejects with the reason when the
    /// GPU fails (a lost device, say).
    pub async fn compute(
        &mut self,
        params: &[f32],
        high: u32,
        low: u32,
    ) -> Result<JsValue, JsValue> {
        let job = shard_job(self.shape, params, high, low)
            .ok_or_else(|| JsError::new("the weights do not fit the GPU pass's model"))?;
        let part = self
            .pass
            .compute(&job)
            .await
            .map_err(|e| JsError::new(&e))?;
        part_message(&part)
    }
}
