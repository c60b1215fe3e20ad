//! The only wasm glue: what the page's JavaScript calls. Two halves, one module build:
//!
//! - [`Session`] lives in the training Web Worker (`www/worker.js`): it picks the backend (WebGPU when
//!   an adapter comes up, ndarray otherwise), trains one epoch per call and reads everything back
//!   asynchronously, never with a sync read.
//! - The free functions serve the page's main thread: config validation (the one validation layer),
//!   the charts drawn with plotters on canvases, the architecture SVG and the gate hit-test for hovering.

use crate::cells::CellKind;
use crate::config::{ConfigError, LabConfig};
use crate::data::SineDataset;
use crate::diagram;
use crate::plot::{self, GateLayout, Theme};
use crate::trace::SampleTrace;
use crate::train::{TrainError, Trainer, TrainingPath};
use crate::weights;
use burn::tensor::Device;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()))
}

/// A config error as the page shows it.
#[derive(Serialize)]
struct FieldError {
    field: String,
    value: String,
    allowed: String,
    message: String,
}

impl From<&ConfigError> for FieldError {
    fn from(e: &ConfigError) -> Self {
        FieldError {
            field: e.field.clone(),
            value: e.value.clone(),
            allowed: e.allowed.clone(),
            message: e.to_string(),
        }
    }
}

#[derive(Serialize)]
struct Validated {
    config: LabConfig,
    query: String,
    parameters: usize,
    errors: Vec<FieldError>,
}

/// Applies `query` (`a=1&b=2`) on top of `base` (a config object, or undefined for the defaults).
/// Returns `{config, query, parameters, errors: [{field, value, allowed, message}]}`; invalid fields keep
/// their value from `base`. Keys listed in `foreign` belong to the page (`backend`, `embed`, …).
#[wasm_bindgen(js_name = applyQuery)]
pub fn apply_query(base: JsValue, query: &str, foreign: Vec<String>) -> Result<JsValue, JsError> {
    let base: LabConfig = if base.is_undefined() || base.is_null() {
        LabConfig::default()
    } else {
        serde_wasm_bindgen::from_value(base).map_err(|e| JsError::new(&format!("config: {e}")))?
    };
    let foreign: Vec<&str> = foreign.iter().map(String::as_str).collect();
    let (config, errors) = base.apply_query(query, &foreign);
    to_js(&Validated {
        query: config.to_query(),
        parameters: config.parameter_count(),
        errors: errors.iter().map(FieldError::from).collect(),
        config,
    })
}

/// The architecture diagram of `config` as SVG text.
#[wasm_bindgen(js_name = architectureSvg)]
pub fn architecture_svg(config: JsValue) -> Result<String, JsError> {
    Ok(diagram::architecture_svg(&config_from(config)?))
}

/// `[{gate, symbol, title, equation, meaning, range}]`: the quantities of the config's cell, in the
/// order its heatmaps and diagram show them.
#[wasm_bindgen(js_name = gateEquations)]
pub fn gate_equations(config: JsValue) -> Result<JsValue, JsError> {
    #[derive(Serialize)]
    struct Row {
        gate: &'static str,
        symbol: &'static str,
        title: &'static str,
        equation: &'static str,
        meaning: &'static str,
        range: (f32, f32),
    }
    let rows: Vec<Row> = config_from(config)?
        .cell
        .spec()
        .quantities
        .iter()
        .map(|q| Row {
            gate: q.name,
            symbol: q.symbol,
            title: q.title,
            equation: q.equation,
            meaning: q.meaning,
            range: q.range,
        })
        .collect();
    to_js(&rows)
}

/// `[{name, title}]`: every cell of the registry, for the page's cell control.
#[wasm_bindgen]
pub fn cells() -> Result<JsValue, JsError> {
    #[derive(Serialize)]
    struct Row {
        name: &'static str,
        title: &'static str,
    }
    let rows: Vec<Row> = CellKind::ALL
        .iter()
        .map(|c| Row {
            name: c.name(),
            title: c.spec().title,
        })
        .collect();
    to_js(&rows)
}

fn cell_named(name: &str) -> Result<CellKind, JsError> {
    CellKind::from_name(name).ok_or_else(|| {
        JsError::new(&format!(
            "cell = \"{name}\" is not allowed: cell must be one of {}",
            CellKind::names()
        ))
    })
}

fn config_from(value: JsValue) -> Result<LabConfig, JsError> {
    let config: LabConfig =
        serde_wasm_bindgen::from_value(value).map_err(|e| JsError::new(&format!("config: {e}")))?;
    config
        .validate()
        .map_err(|e| JsError::new(&e.to_string()))?;
    Ok(config)
}

fn theme(dark: bool, scale: f64) -> Theme {
    if dark { Theme::DARK } else { Theme::LIGHT }.scaled(scale)
}

fn canvas_area(
    canvas: HtmlCanvasElement,
) -> Result<DrawingArea<CanvasBackend, plotters::coord::Shift>, JsError> {
    let backend = CanvasBackend::with_canvas_object(canvas)
        .ok_or_else(|| JsError::new("no 2D context on canvas"))?;
    Ok(backend.into_drawing_area())
}

/// The canvas as a drawing area, filled with the theme's background.
fn cleared_area(
    canvas: HtmlCanvasElement,
    theme: &Theme,
) -> Result<DrawingArea<CanvasBackend, plotters::coord::Shift>, JsError> {
    let area = canvas_area(canvas)?;
    area.fill(&theme.background)
        .map_err(|e| JsError::new(&e.to_string()))?;
    Ok(area)
}

fn drawn(result: plot::PlotResult) -> Result<(), JsError> {
    result.map_err(|e| JsError::new(&e))
}

/// The prediction chart (truth, prediction, the selected window) with the error panel under it.
#[wasm_bindgen(js_name = drawPrediction)]
#[allow(clippy::too_many_arguments)]
pub fn draw_prediction(
    canvas: HtmlCanvasElement,
    times: &[f64],
    truth: &[f32],
    predictions: &[f32],
    selected: Option<usize>,
    dark: bool,
    scale: f64,
) -> Result<(), JsError> {
    let theme = theme(dark, scale);
    let area = cleared_area(canvas, &theme)?;
    // The error panel needs some height to be readable: small (embedded) canvases show the prediction only.
    let height = area.dim_in_pixel().1;
    let (chart, error_panel) =
        if (height as f64) < 240.0 * theme.scale || predictions.len() != truth.len() {
            (area, None)
        } else {
            let (upper, lower) = area.split_vertically((height as f64 * 0.68) as u32);
            (upper, Some(lower))
        };
    drawn(plot::draw_prediction(
        &chart,
        &theme,
        times,
        truth,
        predictions,
        selected,
    ))?;
    if let Some(lower) = error_panel {
        let errors: Vec<f32> = truth.iter().zip(predictions).map(|(y, p)| y - p).collect();
        drawn(plot::draw_error(&lower, &theme, times, &errors))?;
    }
    Ok(())
}

/// The loss curve on a log scale.
#[wasm_bindgen(js_name = drawLoss)]
pub fn draw_loss(
    canvas: HtmlCanvasElement,
    losses: &[f64],
    lr: f64,
    epochs: usize,
    dark: bool,
    scale: f64,
) -> Result<(), JsError> {
    let theme = theme(dark, scale);
    drawn(plot::draw_loss(
        &cleared_area(canvas, &theme)?,
        &theme,
        losses,
        lr,
        epochs,
    ))
}

fn gate_layout(
    canvas: &HtmlCanvasElement,
    trace: &SampleTrace,
    cell: CellKind,
    scale: f64,
) -> GateLayout {
    // Every cell records its hidden state h: `[T][H]`.
    let h = trace.layers.first().and_then(|l| l.get("h"));
    let steps = h.map_or(1, Vec::len);
    let hidden = h.and_then(|rows| rows.first()).map_or(1, Vec::len);
    GateLayout::new(
        cell,
        canvas.width() as f64,
        canvas.height() as f64,
        trace.layers.len(),
        steps,
        hidden,
        scale,
    )
}

/// Heatmaps of every layer's gates for one window (`trace` as returned by `Session.step`).
#[wasm_bindgen(js_name = drawGates)]
pub fn draw_gates(
    canvas: HtmlCanvasElement,
    trace: JsValue,
    cell: &str,
    dark: bool,
    scale: f64,
) -> Result<(), JsError> {
    let trace: SampleTrace =
        serde_wasm_bindgen::from_value(trace).map_err(|e| JsError::new(&e.to_string()))?;
    let layout = gate_layout(&canvas, &trace, cell_named(cell)?, scale);
    let theme = theme(dark, scale);
    drawn(plot::draw_gates(
        &canvas_area(canvas)?,
        &theme,
        &layout,
        &trace,
    ))
}

/// What the pointer at canvas pixel `(x, y)` is over: `{layer, gate, step, unit, value}` or null.
#[wasm_bindgen(js_name = gateAt)]
pub fn gate_at(
    canvas: HtmlCanvasElement,
    trace: JsValue,
    cell: &str,
    x: f64,
    y: f64,
    scale: f64,
) -> Result<JsValue, JsError> {
    let trace: SampleTrace =
        serde_wasm_bindgen::from_value(trace).map_err(|e| JsError::new(&e.to_string()))?;
    let layout = gate_layout(&canvas, &trace, cell_named(cell)?, scale);
    #[derive(Serialize)]
    struct Hit {
        layer: usize,
        gate: &'static str,
        step: usize,
        unit: usize,
        value: f32,
    }
    match layout.hit(x, y) {
        Some(hit) => to_js(&Hit {
            layer: hit.layer,
            gate: hit.gate,
            step: hit.step,
            unit: hit.unit,
            value: trace.layers[hit.layer]
                .get(hit.gate)
                .and_then(|rows| rows.get(hit.step))
                .and_then(|row| row.get(hit.unit))
                .copied()
                .ok_or_else(|| JsError::new(&format!("the trace has no \"{}\"", hit.gate)))?,
        }),
        None => Ok(JsValue::NULL),
    }
}

/// The series the prediction chart draws: `{times, truth}` of every window's target.
#[wasm_bindgen(js_name = dataset)]
pub fn dataset(config: JsValue) -> Result<JsValue, JsError> {
    #[derive(Serialize)]
    struct Series<'a> {
        times: &'a [f64],
        truth: &'a [f32],
    }
    let config = config_from(config)?;
    let data = SineDataset::new(config.points, config.window);
    to_js(&Series {
        times: data.target_times(),
        truth: &data.targets,
    })
}

/// One training run inside the worker.
#[wasm_bindgen]
pub struct Session {
    trainer: Option<Trainer>,
    device: Device,
    /// Fused host BPTT on ndarray; Burn's autodiff on WebGPU, so the GPU does the work.
    path: TrainingPath,
    backend: String,
    /// On WebGPU: the weights, history and scheduler after the last finished epoch, read back after
    /// every epoch, so that a lost device or a failed step falls back to ndarray without losing the run.
    checkpoint: Option<Checkpoint>,
}

/// Where a WebGPU run stood after its last finished epoch.
struct Checkpoint {
    weights: crate::state_dict::StateDict,
    history: Vec<crate::train::EpochReport>,
    scheduler: crate::train::PlateauScheduler,
}

impl Checkpoint {
    async fn of(trainer: &Trainer) -> Result<Checkpoint, String> {
        Ok(Checkpoint {
            weights: trainer.state_dict().await?,
            history: trainer.history.clone(),
            scheduler: trainer.scheduler.clone(),
        })
    }
}

/// What one call of `Session.step` or `Session.snapshot` returns to the page.
#[derive(Serialize)]
struct Snapshot {
    report: Option<crate::train::EpochReport>,
    epoch: usize,
    lr: f64,
    predictions: Vec<f32>,
    trace: Option<SampleTrace>,
    /// Set when this step changed the backend (a WebGPU failure fell back to ndarray): its new name.
    backend: Option<String>,
}

#[allow(deprecated)] // ndarray is the design card's CPU backend (Burn 0.22 prefers flex)
fn ndarray_device() -> Device {
    Device::ndarray()
}

#[cfg(feature = "webgpu")]
async fn webgpu_device() -> Result<Device, String> {
    Device::wgpu_options()
        .init_async()
        .await
        .map_err(|e| format!("{e}"))
}

#[cfg(not(feature = "webgpu"))]
async fn webgpu_device() -> Result<Device, String> {
    Err("this build has no WebGPU backend".into())
}

#[wasm_bindgen]
impl Session {
    /// Starts a run of `config` on `backend`: `"webgpu"` (falls back to ndarray if WebGPU cannot start;
    /// `backendNote` says why) or `"ndarray"`.
    pub async fn create(config: JsValue, backend: String) -> Result<Session, JsError> {
        let config = config_from(config)?;
        let (device, path, name) = match backend.as_str() {
            "webgpu" => match webgpu_device().await {
                Ok(device) => (device, TrainingPath::Tensor, "WebGPU".to_string()),
                Err(why) => (
                    ndarray_device(),
                    TrainingPath::Fused,
                    format!("ndarray (WebGPU init failed: {why})"),
                ),
            },
            "ndarray" => (ndarray_device(), TrainingPath::Fused, "ndarray".to_string()),
            other => {
                return Err(JsError::new(&format!(
                    "backend \"{other}\" is unknown: use webgpu or ndarray"
                )));
            }
        };
        let trainer = Trainer::new(config, &device).with_path(path);
        let checkpoint = match path {
            TrainingPath::Tensor => Some(
                Checkpoint::of(&trainer)
                    .await
                    .map_err(|e| JsError::new(&e))?,
            ),
            TrainingPath::Fused => None,
        };
        Ok(Session {
            trainer: Some(trainer),
            device,
            path,
            backend: name,
            checkpoint,
        })
    }

    /// Starts over from a GRU Lab weights file (the CLI's `gru_sine_wave_model.json` or the page's
    /// Save): its config and weights, epoch 0. Returns the file's config. A file that is not ours, or
    /// whose tensors do not fit its config, is refused with the reason and the current run goes on.
    #[wasm_bindgen(js_name = loadWeights)]
    pub fn load_weights(&mut self, text: &str) -> Result<JsValue, JsError> {
        if self.trainer.is_none() {
            return Err(JsError::new("busy: an epoch is running"));
        }
        let file = weights::from_json(text).map_err(|e| JsError::new(&e.to_string()))?;
        let trainer = Trainer::from_state_dict(file.config.clone(), &file.tensors, &self.device)
            .map_err(|e| JsError::new(&e.to_string()))?;
        let trainer = trainer.with_path(self.path);
        if self.checkpoint.is_some() {
            self.checkpoint = Some(Checkpoint {
                weights: file.tensors.clone(),
                history: Vec::new(),
                scheduler: trainer.scheduler.clone(),
            });
        }
        self.trainer = Some(trainer);
        to_js(&file.config)
    }

    /// Starts over from a PyTorch `.pth` state_dict (the tutorial's `gru_sine_wave_model.pth`): the
    /// layers, hidden size and cell are read off the file, the rest of the current config stays; epoch
    /// 0. Returns the config. A file that is not a GRU state_dict is refused with the reason and the
    /// current run goes on.
    #[wasm_bindgen(js_name = loadPth)]
    pub fn load_pth(&mut self, bytes: &[u8]) -> Result<JsValue, JsError> {
        let current = self
            .trainer
            .as_ref()
            .ok_or_else(|| JsError::new("busy: an epoch is running"))?
            .config
            .clone();
        let dict = crate::pth::read_pth_bytes(bytes).map_err(|e| JsError::new(&e.to_string()))?;
        let (shape, dict) = crate::state_dict::ModelShape::infer(&dict)
            .map_err(|e| JsError::new(&e.to_string()))?;
        let config = LabConfig {
            cell: shape.cell,
            layers: shape.layers,
            hidden: shape.hidden,
            ..current
        };
        config
            .validate()
            .map_err(|e| JsError::new(&format!("the file's model: {e}")))?;
        let trainer = Trainer::from_state_dict(config.clone(), &dict, &self.device)
            .map_err(|e| JsError::new(&e.to_string()))?
            .with_path(self.path);
        if self.checkpoint.is_some() {
            self.checkpoint = Some(Checkpoint {
                weights: dict,
                history: Vec::new(),
                scheduler: trainer.scheduler.clone(),
            });
        }
        self.trainer = Some(trainer);
        to_js(&config)
    }

    /// The current run as a GRU Lab weights file (config and PyTorch-layout state dict), read
    /// asynchronously.
    #[wasm_bindgen(js_name = saveWeights)]
    pub async fn save_weights(&mut self) -> Result<String, JsError> {
        let trainer = self
            .trainer
            .take()
            .ok_or_else(|| JsError::new("busy: an epoch is running"))?;
        let result = trainer.state_dict().await;
        let config = trainer.config.clone();
        self.trainer = Some(trainer);
        let dict = result.map_err(|e| JsError::new(&e))?;
        Ok(weights::to_json(&config, &dict))
    }

    /// The current weights as a PyTorch `.pth` file (bytes for `torch.load` + `load_state_dict` of the
    /// matching `torch.nn` module under the attribute name `gru`, `lstm` or `rnn`, and `fc`).
    #[wasm_bindgen(js_name = savePth)]
    pub async fn save_pth(&mut self) -> Result<Vec<u8>, JsError> {
        let trainer = self
            .trainer
            .take()
            .ok_or_else(|| JsError::new("busy: an epoch is running"))?;
        let result = trainer.state_dict().await;
        self.trainer = Some(trainer);
        let dict = result.map_err(|e| JsError::new(&e))?;
        Ok(crate::pth::write_pth_bytes(&dict))
    }

    /// The backend in use, with the reason when it is a fallback.
    #[wasm_bindgen(getter)]
    pub fn backend(&self) -> String {
        self.backend.clone()
    }

    /// Changes the learning rate without resetting the run.
    #[wasm_bindgen(js_name = setLearningRate)]
    pub fn set_learning_rate(&mut self, lr: f64) -> Result<(), JsError> {
        let mut checked = LabConfig::default();
        checked
            .set("lr", &lr.to_string())
            .map_err(|e| JsError::new(&e.to_string()))?;
        let trainer = self
            .trainer
            .as_mut()
            .ok_or_else(|| JsError::new("busy: an epoch is running"))?;
        trainer.set_learning_rate(lr);
        Ok(())
    }

    /// Trains one epoch; returns `{report, epoch, lr, predictions, trace}` with the gates of `sample`.
    /// The trainer is taken out for the duration, so an overlapping call gets an error, never a
    /// double borrow across the await.
    ///
    /// On WebGPU, a step that fails in the backend (a lost device, say) falls back to ndarray: the run
    /// continues there from the last finished epoch's weights, history and learning rate, the epoch
    /// is trained again, and `backend` in the result names the new backend and why.
    pub async fn step(&mut self, sample: usize) -> Result<JsValue, JsError> {
        let mut trainer = self
            .trainer
            .take()
            .ok_or_else(|| JsError::new("busy: an epoch is running"))?;
        let mut result = trainer.step_epoch().await;
        let mut switched = None;
        if let (Err(TrainError::Backend(why)), Some(checkpoint)) = (&result, &self.checkpoint) {
            let epoch = checkpoint.history.len();
            match Trainer::from_state_dict(
                trainer.config.clone(),
                &checkpoint.weights,
                &ndarray_device(),
            ) {
                Ok(fallback) => {
                    trainer = fallback
                        .with_path(TrainingPath::Fused)
                        .continue_from(checkpoint.history.clone(), checkpoint.scheduler.clone());
                    self.device = ndarray_device();
                    self.path = TrainingPath::Fused;
                    self.checkpoint = None;
                    let reason = why.lines().next().unwrap_or("unknown error").trim();
                    self.backend = format!(
                        "ndarray (WebGPU failed at epoch {}: {reason}; continued from epoch {epoch}'s weights)",
                        epoch + 1
                    );
                    switched = Some(self.backend.clone());
                    result = trainer.step_epoch().await;
                }
                Err(e) => {
                    result = Err(TrainError::Backend(format!(
                        "{why}; falling back failed: {e}"
                    )))
                }
            }
        }
        let snapshot = match result {
            Ok(report) => {
                // A checkpoint that cannot be read keeps the previous one (the fallback message
                // names the epoch it continues from).
                if self.checkpoint.is_some()
                    && let Ok(checkpoint) = Checkpoint::of(&trainer).await
                {
                    self.checkpoint = Some(checkpoint);
                }
                snapshot(&mut trainer, Some(report), sample, switched).await
            }
            Err(e) => Err(train_error(e)),
        };
        self.trainer = Some(trainer);
        snapshot
    }

    /// The current predictions and gates of `sample`, without training.
    pub async fn snapshot(&mut self, sample: usize) -> Result<JsValue, JsError> {
        let mut trainer = self
            .trainer
            .take()
            .ok_or_else(|| JsError::new("busy: an epoch is running"))?;
        let result = snapshot(&mut trainer, None, sample, None).await;
        self.trainer = Some(trainer);
        result
    }
}

fn train_error(e: TrainError) -> JsError {
    JsError::new(&e.to_string())
}

async fn snapshot(
    trainer: &mut Trainer,
    report: Option<crate::train::EpochReport>,
    sample: usize,
    backend: Option<String>,
) -> Result<JsValue, JsError> {
    let evaluation = trainer
        .evaluate(&[sample])
        .await
        .map_err(|e| JsError::new(&e))?;
    to_js(&Snapshot {
        report,
        epoch: trainer.epoch(),
        lr: trainer.scheduler.lr,
        predictions: evaluation.predictions,
        trace: evaluation.traces.into_iter().next(),
        backend,
    })
}
