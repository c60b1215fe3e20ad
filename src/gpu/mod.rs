//! The fused training pass on WebGPU: an epoch's forward pass and backward pass through time for the
//! whole model in two compute kernels (WGSL, [`shader`]), on a WebGPU device of its own
//! (`request_device`). `train_windows` runs one window per invocation, the same algorithm as the
//! host's fused path ([`crate::bptt`], which derives it) with the batch dimension taken away, and
//! writes the window's gradients, squared error and gradient through time as one row; `sum_rows`
//! adds the rows up in window order. A batch whose rows do not fit one buffer runs in chunks, two
//! dispatches each; the tutorial's is one chunk: two dispatches, one submit and one read-back per
//! epoch.
//!
//! The pass returns what a shard of the host's fused path returns ([`ShardGradients`]) for the whole
//! batch, and the run's [`crate::train::Trainer`] clips it and applies Adam on the host, as it does
//! for the host's shards: the weights, Adam's moments and the history's kept states stay where the
//! scrubber, the snapshot, the forecast and a move between backends read them, and a lost device
//! costs nothing but the epoch's recomputation on the CPU. The price is the weights' upload and the
//! gradients' read-back every epoch (P values each way: 38 KB for the tutorial's model).

pub mod layout;
#[cfg(feature = "gpu-pass")]
mod pass;
pub mod shader;

#[cfg(feature = "gpu-pass")]
pub use pass::{GpuPass, request_device};
