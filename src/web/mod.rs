//! The only wasm glue: what the page's JavaScript calls. Two halves in the lab's modules (the CPU
//! ones and the full one), and a third alone in the GPU module (feature `gpu-module`):
//!
//! - [`Session`] (`session.rs`) lives in the training Web Worker (`www/lab/worker.js`): it picks the
//!   backend (WebGPU when an adapter comes up, ndarray otherwise), trains one epoch per call, evaluates
//!   the drawing snapshot only when asked, and reads everything back asynchronously, never with a sync
//!   read. Its errors cross the worker boundary typed (a JS `Error` whose `name` is the kind).
//! - The free functions (`page.rs`) serve the page's main thread: config validation (the one
//!   validation layer), the charts drawn with plotters on canvases, the architecture SVG and the gate
//!   hit-test for hovering.
//! - [`GpuHelper`] (`gpu_helper.rs`, feature `gpu-pass`): WebGPU's fused pass as a helper of a run's
//!   `Session`. The GPU module (scripts/build-cpu-module.sh) holds nothing else, so that a learner with
//!   WebGPU downloads the pass and wgpu, not a second copy of Burn: the run stays in the CPU module's
//!   session.
//!
//! `messages.rs` has what more than one of them reads from or writes to JavaScript.

#[cfg(feature = "gpu-pass")]
mod gpu_helper;
mod messages;
#[cfg(not(feature = "gpu-module"))]
mod page;
#[cfg(not(feature = "gpu-module"))]
mod session;

#[cfg(feature = "gpu-pass")]
pub use gpu_helper::GpuHelper;
#[cfg(not(feature = "gpu-module"))]
pub use page::*;
#[cfg(not(feature = "gpu-module"))]
pub use session::{Session, ShardHelper};

use wasm_bindgen::prelude::*;

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}
