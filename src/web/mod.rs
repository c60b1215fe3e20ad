//! The only wasm glue: what the page's JavaScript calls. Two halves, one module build:
//!
//! - [`Session`] (`session.rs`) lives in the training Web Worker (`www/lab/worker.js`): it picks the
//!   backend (WebGPU when an adapter comes up, ndarray otherwise), trains one epoch per call, evaluates
//!   the drawing snapshot only when asked, and reads everything back asynchronously, never with a sync
//!   read. Its errors cross the worker boundary typed (a JS `Error` whose `name` is the kind).
//! - The free functions (`page.rs`) serve the page's main thread: config validation (the one
//!   validation layer), the charts drawn with plotters on canvases, the architecture SVG and the gate
//!   hit-test for hovering.

#[cfg(feature = "gpu-pass")]
mod gpu_helper;
mod page;
mod session;

#[cfg(feature = "gpu-pass")]
pub use gpu_helper::GpuHelper;
pub use page::*;
pub use session::{Session, ShardHelper};

use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()))
}
