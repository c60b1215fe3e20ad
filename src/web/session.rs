//! The worker's half of the wasm glue: one training run ([`Session`]). Training and drawing are
//! separate calls: [`Session::train`] runs one epoch and returns its small report, and
//! [`Session::snapshot`] runs the evaluation pass the page draws (every window's prediction, the gates
//! of one window) only when the page asks for it, so Play can train ahead of the drawing.
//!
//! Errors are JS `Error`s whose `name` is their kind ([`ErrorKind`]), so the page branches on the kind,
//! never on the wording of a message.

use super::messages::{config_from, part_message, shard_job};
use super::page::to_js;
use crate::config::LabConfig;
use crate::epoch_log::EpochLog;
use crate::gradient_flow::GradientFlow;
use crate::history::{self, History, HistorySummary};
use crate::run_file::{self, RunFile};
use crate::shards::{ShardGradients, ShardJob};
use crate::state_dict::{ModelShape, StateDict};
use crate::train::{
    EpochReport, PendingEpoch, PlateauScheduler, TrainError, Trainer, TrainingPath,
};
use crate::weights;
use burn::tensor::Device;
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// What went wrong, as the `name` of the JS `Error` a [`Session`] call rejects with.
#[derive(Clone, Copy, Debug, PartialEq)]
enum ErrorKind {
    /// Another call holds the trainer (an epoch is running).
    Busy,
    /// The loss became NaN or infinite; the weights from before the epoch were kept.
    Diverged,
    /// The backend failed (a lost WebGPU device, a failed read-back) and could not fall back.
    Backend,
    /// A file was refused (not ours, or its tensors do not fit); the run is unchanged.
    Refused,
    /// A value is out of its allowed range; the error's `field` names it.
    Invalid,
}

impl ErrorKind {
    fn name(self) -> &'static str {
        match self {
            ErrorKind::Busy => "busy",
            ErrorKind::Diverged => "diverged",
            ErrorKind::Backend => "backend",
            ErrorKind::Refused => "refused",
            ErrorKind::Invalid => "invalid",
        }
    }
}

/// A JS `Error` with `name` = the kind's name and `message`; `field` is set for [`ErrorKind::Invalid`].
fn error(kind: ErrorKind, message: impl std::fmt::Display) -> JsValue {
    let e = js_sys::Error::new(&message.to_string());
    e.set_name(kind.name());
    e.into()
}

fn invalid(field: &str, message: impl std::fmt::Display) -> JsValue {
    let e = error(ErrorKind::Invalid, message);
    // Reflect::set on a fresh Error object cannot fail.
    let _ = js_sys::Reflect::set(&e, &"field".into(), &field.into());
    e
}

fn train_error(e: TrainError) -> JsValue {
    let kind = match e {
        TrainError::Diverged { .. } => ErrorKind::Diverged,
        TrainError::Backend(_) => ErrorKind::Backend,
    };
    error(kind, e)
}

/// A file was refused: the run is unchanged.
fn refused(e: &dyn std::fmt::Display) -> JsValue {
    error(ErrorKind::Refused, e)
}

fn no_epoch() -> JsValue {
    error(
        ErrorKind::Busy,
        "no epoch begun (Session.beginEpoch or ShardHelper.begin first)",
    )
}

fn busy() -> JsValue {
    error(ErrorKind::Busy, "busy: an epoch is running")
}

/// A serialisation failure of our own result types is a bug, reported as a backend error.
fn js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    to_js(value).map_err(JsValue::from)
}

/// One training run inside the worker.
#[wasm_bindgen]
pub struct Session {
    trainer: Option<Trainer>,
    device: Device,
    /// The fused path (on ndarray; its gradients may come from the GPU pass, [`super::GpuHelper`]);
    /// Burn's autodiff on WebGPU's op-by-op path (`webgpu-ops`).
    path: TrainingPath,
    backend: String,
    /// On the op-by-op WebGPU path: the weights, history and scheduler after the last finished epoch,
    /// read back after every epoch, so that a lost device or a failed step falls back to ndarray
    /// without losing the run.
    checkpoint: Option<Checkpoint>,
    /// The run's states at past epochs, for the scrubber and "continue from here" ([`History`]).
    history: History,
    /// Every epoch's gradient through time, for the history CSV and the run file.
    log: EpochLog,
    /// An epoch begun for helper workers ([`Session::begin_epoch`]) and its shards computed so far,
    /// here or by a helper, by shard index.
    pending: Option<(PendingEpoch, Vec<Option<ShardGradients>>)>,
}

/// Where a WebGPU run stood after its last finished epoch.
struct Checkpoint {
    weights: StateDict,
    history: Vec<EpochReport>,
    scheduler: PlateauScheduler,
}

impl Checkpoint {
    async fn of(trainer: &Trainer) -> Result<Checkpoint, String> {
        Ok(Checkpoint {
            weights: trainer.state_dict().await?,
            history: trainer.history.clone(),
            scheduler: trainer.scheduler.clone(),
        })
    }

    /// A fresh run from `weights` (a loaded file): no history yet.
    fn fresh(weights: StateDict, trainer: &Trainer) -> Checkpoint {
        Checkpoint {
            weights,
            history: Vec::new(),
            scheduler: trainer.scheduler.clone(),
        }
    }
}

/// What [`Session::train`] returns: a few hundred bytes, sent to the page after every epoch.
#[derive(Serialize)]
struct Trained<'a> {
    report: Report<'a>,
    /// Set when this epoch changed the backend (a WebGPU failure fell back to ndarray): its new name.
    backend: Option<String>,
    /// How much of the run's past is kept.
    history: HistorySummary,
}

/// An epoch's report as the page reads it: `{epoch, loss, lr, grad_norm, ms, gradient_flow}`.
#[derive(Serialize)]
struct Report<'a> {
    #[serde(flatten)]
    report: EpochReport,
    gradient_flow: &'a GradientFlow,
}

/// What [`Session::snapshot`] returns: what the page draws of the model as it is now.
#[derive(Serialize)]
struct Snapshot {
    /// Epochs trained so far.
    epoch: usize,
    /// The learning rate the next epoch will use.
    lr: f64,
    /// Every training window's prediction, in evaluation mode (no dropout).
    predictions: Vec<f32>,
    /// Every validation window's prediction, when the task holds some out.
    validation: Option<Vec<f32>>,
    /// The gates of the selected window.
    trace: Option<crate::trace::SampleTrace>,
    /// Every layer's weights as the trace ran them, for the live equations (with a trace only).
    #[serde(skip_serializing_if = "Option::is_none")]
    weights: Option<Vec<crate::params::LayerParams>>,
    /// The gradient through time of the epoch shown (set by [`Session::view`], which shows a past
    /// epoch; the newest epoch's comes with its report).
    #[serde(skip_serializing_if = "Option::is_none")]
    gradient_flow: Option<GradientFlow>,
}

impl Snapshot {
    /// What the page draws of `trainer` as it stands: one evaluation pass, no training.
    async fn of(trainer: &mut Trainer, sample: usize) -> Result<Snapshot, String> {
        let evaluation = trainer.evaluate(&[sample]).await?;
        let validation = trainer.validation_predictions().await?;
        let trace = evaluation.traces.into_iter().next();
        let weights = match trace {
            Some(_) => Some(trainer.model().params().await?.layers),
            None => None,
        };
        Ok(Snapshot {
            epoch: trainer.epoch(),
            lr: trainer.scheduler.lr,
            predictions: evaluation.predictions,
            validation,
            trace,
            weights,
            gradient_flow: None,
        })
    }
}

/// What [`Session::load_run`] returns: the file's config and its history, for the page's store.
#[derive(Serialize)]
struct LoadedRun<'a> {
    config: &'a LabConfig,
    reports: Vec<Report<'a>>,
    history: HistorySummary,
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
    /// Starts a run of `config` on `backend`: `"ndarray"` (the fused path; on WebGPU its gradients
    /// come from a [`super::GpuHelper`] through [`Session::finish_whole_epoch`]) or `"webgpu-ops"`
    /// (Burn's op-by-op autodiff on WebGPU, the GPU pass's reference; falls back to ndarray if WebGPU
    /// cannot start or hold the run, and `backend` says why).
    pub async fn create(config: JsValue, backend: String) -> Result<Session, JsValue> {
        let config = config_from(config)?;
        let too_large = crate::train::check_tensor_path(&config).err();
        let (device, path, name) = match backend.as_str() {
            // A run WebGPU's op-by-op path cannot hold trains on the CPU, in pieces.
            "webgpu-ops" if too_large.is_some() => (
                ndarray_device(),
                TrainingPath::Fused,
                format!(
                    "ndarray (WebGPU: {})",
                    too_large.as_deref().unwrap_or_default()
                ),
            ),
            "webgpu-ops" => match webgpu_device().await {
                Ok(device) => (
                    device,
                    TrainingPath::Tensor,
                    "WebGPU (op by op)".to_string(),
                ),
                Err(why) => (
                    ndarray_device(),
                    TrainingPath::Fused,
                    format!("ndarray (WebGPU init failed: {why})"),
                ),
            },
            "ndarray" => (ndarray_device(), TrainingPath::Fused, "ndarray".to_string()),
            other => {
                return Err(invalid(
                    "backend",
                    format!("backend \"{other}\" is unknown: use webgpu-ops or ndarray"),
                ));
            }
        };
        let trainer = Trainer::new(config, &device).with_path(path);
        let checkpoint = match path {
            TrainingPath::Tensor => Some(
                Checkpoint::of(&trainer)
                    .await
                    .map_err(|e| error(ErrorKind::Backend, e))?,
            ),
            TrainingPath::Fused => None,
        };
        Ok(Session {
            history: History::new(&trainer, history::BUDGET),
            log: EpochLog::new(),
            trainer: Some(trainer),
            device,
            path,
            backend: name,
            checkpoint,
            pending: None,
        })
    }

    /// Starts over from a GRU Lab weights file (the CLI's `gru_sine_wave_model.json` or the page's
    /// Save): its config and weights, epoch 0. Returns the file's config. A file that is not ours, or
    /// whose tensors do not fit its config, is refused with the reason and the current run goes on.
    #[wasm_bindgen(js_name = loadWeights)]
    pub fn load_weights(&mut self, text: &str) -> Result<JsValue, JsValue> {
        if self.trainer.is_none() {
            return Err(busy());
        }
        let file = weights::from_json(text).map_err(|e| refused(&e))?;
        let trainer = self.trainer_for(&file.config, &file.tensors)?;
        self.start_over(trainer, file.tensors);
        js(&file.config)
    }

    /// Starts over from a PyTorch `.pth` state_dict (the tutorial's `gru_sine_wave_model.pth`): the
    /// layers, hidden size and cell are read off the file, the rest of the current config stays; epoch
    /// 0. Returns the config. A file that is not a recurrent state_dict is refused with the reason and
    /// the current run goes on.
    #[wasm_bindgen(js_name = loadPth)]
    pub fn load_pth(&mut self, bytes: &[u8]) -> Result<JsValue, JsValue> {
        let current = self.trainer.as_ref().ok_or_else(busy)?.config.clone();
        let dict = crate::pth::read_pth_bytes(bytes).map_err(|e| refused(&e))?;
        let (shape, dict) = ModelShape::infer(&dict).map_err(|e| refused(&e))?;
        let config = LabConfig {
            cell: shape.cell,
            layers: shape.layers,
            hidden: shape.hidden,
            ..current
        };
        config
            .validate()
            .map_err(|e| refused(&format!("the file's model: {e}")))?;
        let trainer = self.trainer_for(&config, &dict)?;
        self.start_over(trainer, dict);
        js(&config)
    }

    /// The current run as a GRU Lab weights file (config and PyTorch-layout state dict), read
    /// asynchronously.
    #[wasm_bindgen(js_name = saveWeights)]
    pub async fn save_weights(&mut self) -> Result<String, JsValue> {
        let trainer = self.trainer.take().ok_or_else(busy)?;
        let result = trainer.state_dict().await;
        let config = trainer.config.clone();
        self.trainer = Some(trainer);
        let dict = result.map_err(|e| error(ErrorKind::Backend, e))?;
        Ok(weights::to_json(&config, &dict))
    }

    /// The current weights as a PyTorch `.pth` file (bytes for `torch.load` + `load_state_dict` of the
    /// matching `torch.nn` module under the attribute name `gru`, `lstm` or `rnn`, and `fc`).
    #[wasm_bindgen(js_name = savePth)]
    pub async fn save_pth(&mut self) -> Result<Vec<u8>, JsValue> {
        let trainer = self.trainer.take().ok_or_else(busy)?;
        let result = trainer.state_dict().await;
        self.trainer = Some(trainer);
        let dict = result.map_err(|e| error(ErrorKind::Backend, e))?;
        Ok(crate::pth::write_pth_bytes(&dict))
    }

    /// The backend in use, with the reason when it is a fallback.
    #[wasm_bindgen(getter)]
    pub fn backend(&self) -> String {
        self.backend.clone()
    }

    /// Epochs trained so far.
    #[wasm_bindgen(getter)]
    pub fn epoch(&self) -> usize {
        self.trainer.as_ref().map_or(0, Trainer::epoch)
    }

    /// Changes the learning rate without resetting the run; the next epoch uses it.
    #[wasm_bindgen(js_name = setLearningRate)]
    pub fn set_learning_rate(&mut self, lr: f64) -> Result<(), JsValue> {
        let mut checked = LabConfig::default();
        checked
            .set("lr", &lr.to_string())
            .map_err(|e| invalid("lr", e))?;
        self.trainer
            .as_mut()
            .ok_or_else(busy)?
            .set_learning_rate(lr);
        Ok(())
    }

    /// Trains one epoch; returns `{report: {epoch, loss, lr, grad_norm, ms}, backend}`. The loss is the
    /// training pass's own; nothing is evaluated for drawing (that is [`Session::snapshot`]). The
    /// trainer is taken out for the duration, so an overlapping call gets a `busy` error, never a
    /// double borrow across the await.
    ///
    /// On WebGPU op by op, an epoch that fails in the backend (a lost device, say) falls back to
    /// ndarray: the run continues there from the last finished epoch's weights, history and learning
    /// rate, the epoch is trained again, and `backend` in the result names the new backend and why.
    pub async fn train(&mut self) -> Result<JsValue, JsValue> {
        let mut trainer = self.trainer.take().ok_or_else(busy)?;
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
                    self.history = History::new(&trainer, history::BUDGET);
                    result = trainer.step_epoch().await;
                }
                Err(e) => {
                    result = Err(TrainError::Backend(format!(
                        "{why}; falling back failed: {e}"
                    )))
                }
            }
        }
        // A checkpoint that cannot be read keeps the previous one (the fallback message names the
        // epoch it continues from).
        if result.is_ok()
            && self.checkpoint.is_some()
            && let Ok(checkpoint) = Checkpoint::of(&trainer).await
        {
            self.checkpoint = Some(checkpoint);
        }
        let trained = self.trained(&trainer, result, switched);
        self.trainer = Some(trainer);
        trained
    }

    /// The fused path's shards of one epoch (0 on WebGPU): the units the page's helper workers
    /// ([`ShardHelper`]) share out.
    #[wasm_bindgen(getter)]
    pub fn shards(&self) -> usize {
        match &self.trainer {
            Some(t) if t.path() == TrainingPath::Fused => t.shard_plan().shards,
            _ => 0,
        }
    }

    /// The run's config as a helper worker builds its [`ShardHelper`] from (the learner's series
    /// included).
    #[wasm_bindgen(js_name = shardConfig)]
    pub fn shard_config(&self) -> Result<JsValue, JsValue> {
        js(&self.trainer.as_ref().ok_or_else(busy)?.config)
    }

    /// Begins an epoch whose shards helper workers share: returns `{params, stream}` for them (the
    /// weights before the update as a `Float32Array` and the dropout stream's position as
    /// `[high, low]` 32-bit halves), or null on WebGPU. [`Session::compute_shards`] then computes this
    /// worker's share and [`Session::finish_epoch`] ends the epoch with the helpers'.
    #[wasm_bindgen(js_name = beginEpoch)]
    pub async fn begin_epoch(&mut self) -> Result<JsValue, JsValue> {
        let mut trainer = self.trainer.take().ok_or_else(busy)?;
        let begun = trainer.begin_epoch().await;
        let shards = trainer.shard_plan().shards;
        self.trainer = Some(trainer);
        let Some(pending) = begun.map_err(train_error)? else {
            return Ok(JsValue::NULL);
        };
        let params = pending.job.params.to_flat();
        let stream = pending.job.dropout_stream;
        let slots = (0..shards).map(|_| None).collect();
        self.pending = Some((pending, slots));
        let job = js_sys::Object::new();
        let halves = js_sys::Array::of2(&((stream >> 32) as u32).into(), &(stream as u32).into());
        js_sys::Reflect::set(
            &job,
            &"params".into(),
            &js_sys::Float32Array::from(params.as_slice()),
        )?;
        js_sys::Reflect::set(&job, &"stream".into(), &halves)?;
        Ok(job.into())
    }

    /// Computes shards `from..to` of the begun epoch here (this worker's share, or shards it took
    /// over from a helper).
    #[wasm_bindgen(js_name = computeShards)]
    pub fn compute_shards(&mut self, from: usize, to: usize) -> Result<(), JsValue> {
        let (pending, slots) = self.pending.as_mut().ok_or_else(no_epoch)?;
        let trainer = self.trainer.as_mut().ok_or_else(busy)?;
        if from > to || to > slots.len() {
            return Err(error(
                ErrorKind::Invalid,
                format!("shards {from}..{to} of an epoch of {} shards", slots.len()),
            ));
        }
        for (slot, part) in slots[from..to]
            .iter_mut()
            .zip(trainer.compute_shards(&pending.job, from..to))
        {
            *slot = Some(part);
        }
        Ok(())
    }

    /// Ends the begun epoch with `helpers`' parts (each `{shard, sums: Float64Array, grads:
    /// Float32Array}` from [`ShardHelper::shard`]) beside the shards computed here: every shard
    /// exactly once, added in shard order whoever computed it. Returns what [`Session::train`]
    /// returns.
    #[wasm_bindgen(js_name = finishEpoch)]
    pub async fn finish_epoch(&mut self, helpers: js_sys::Array) -> Result<JsValue, JsValue> {
        let (pending, mut slots) = self.pending.take().ok_or_else(no_epoch)?;
        let mut trainer = self.trainer.take().ok_or_else(busy)?;
        let (shape, steps) = (trainer.model().shape(), trainer.data.window);
        let mut result = Ok(());
        for part in helpers.iter() {
            let field = |name: &str| js_sys::Reflect::get(&part, &name.into());
            let shard = field("shard")
                .ok()
                .and_then(|k| k.as_f64())
                .map(|k| k as usize)
                .filter(|&k| k < slots.len());
            let decoded = match (field("sums"), field("grads")) {
                (Ok(sums), Ok(grads)) => ShardGradients::from_parts(
                    shape,
                    steps,
                    &js_sys::Float64Array::new(&sums).to_vec(),
                    &js_sys::Float32Array::new(&grads).to_vec(),
                ),
                _ => None,
            };
            match (shard, decoded) {
                (Some(k), Some(_)) if slots[k].is_some() => {
                    result = Err(error(
                        ErrorKind::Invalid,
                        format!("shard {k} came back twice"),
                    ))
                }
                (Some(k), Some(part)) => slots[k] = Some(part),
                _ => result = Err(error(ErrorKind::Invalid, "a helper's shard did not fit")),
            }
        }
        if let Err(e) = result {
            self.trainer = Some(trainer);
            return Err(e);
        }
        let parts = slots.into_iter().flatten().collect();
        let report = trainer.finish_epoch(pending, parts).await;
        let trained = self.trained(&trainer, report, None);
        self.trainer = Some(trainer);
        trained
    }

    /// Ends the begun epoch with the whole batch's part computed by the GPU pass
    /// ([`super::GpuHelper::compute`]: `sums`, `grads`), instead of shards. Returns what
    /// [`Session::train`] returns.
    #[wasm_bindgen(js_name = finishWholeEpoch)]
    pub async fn finish_whole_epoch(
        &mut self,
        sums: &[f64],
        grads: &[f32],
    ) -> Result<JsValue, JsValue> {
        let trainer = self.trainer.as_ref().ok_or_else(busy)?;
        let part =
            ShardGradients::from_parts(trainer.model().shape(), trainer.data.window, sums, grads)
                .ok_or_else(|| error(ErrorKind::Invalid, "the GPU pass's part did not fit"))?;
        let (pending, _) = self.pending.take().ok_or_else(no_epoch)?;
        let mut trainer = self.trainer.take().ok_or_else(busy)?;
        let report = trainer.finish_epoch_whole(pending, part).await;
        let trained = self.trained(&trainer, report, None);
        self.trainer = Some(trainer);
        trained
    }

    /// The model fed its own outputs for `horizon` steps (1–1,000) from series index `start` (clamped
    /// to the data; its length is the end of the data), and the error at each horizon over many starts
    /// beside the naive forecast's (crate::forecast::ForecastReport). Refused for a memory task.
    ///
    /// With `epoch`, the forecast of the weights the run had at the end of that epoch (the
    /// scrubber's), the run itself unchanged.
    pub async fn forecast(
        &mut self,
        start: usize,
        horizon: usize,
        epoch: Option<usize>,
    ) -> Result<JsValue, JsValue> {
        let mut trainer = self.trainer.take().ok_or_else(busy)?;
        let epoch = epoch.unwrap_or(usize::MAX);
        let report = history::at_epoch(
            &mut trainer,
            &self.history,
            epoch,
            async |t: &mut Trainer| t.forecast(start, horizon).await,
        )
        .await;
        self.trainer = Some(trainer);
        js(&report
            .map_err(train_error)?
            .map_err(|e| invalid("task", e))?)
    }

    /// What the page draws of the model as it is now: `{epoch, lr, predictions, validation, trace}`
    /// with every window's prediction and the gates of window `sample` (one evaluation pass, no training).
    pub async fn snapshot(&mut self, sample: usize) -> Result<JsValue, JsValue> {
        let mut trainer = self.trainer.take().ok_or_else(busy)?;
        let snapshot = Snapshot::of(&mut trainer, sample).await;
        self.trainer = Some(trainer);
        js(&snapshot.map_err(|e| error(ErrorKind::Backend, e))?)
    }

    /// What the page drew at the end of epoch `epoch` (0 … the epoch reached), the scrubber's view:
    /// [`Session::snapshot`] of the weights the run had then, with that epoch's gradient through
    /// time. The run is unchanged; an epoch whose state is not kept is recomputed from the kept one
    /// before it ([`crate::history`]).
    pub async fn view(&mut self, epoch: usize, sample: usize) -> Result<JsValue, JsValue> {
        let mut trainer = self.trainer.take().ok_or_else(busy)?;
        let snapshot = history::at_epoch(
            &mut trainer,
            &self.history,
            epoch,
            async |t: &mut Trainer| {
                let mut snapshot = Snapshot::of(t, sample).await?;
                snapshot.gradient_flow = Some(t.gradient_flow().clone());
                Ok::<_, String>(snapshot)
            },
        )
        .await;
        self.trainer = Some(trainer);
        js(&snapshot
            .map_err(train_error)?
            .map_err(|e| error(ErrorKind::Backend, e))?)
    }

    /// "Continue from here": the run goes back to the end of epoch `epoch` (weights, Adam's moments,
    /// scheduler, dropout stream) and forgets the epochs after it, so that training on repeats them
    /// exactly as they went (with the same settings). Returns `{epoch, history}`.
    pub async fn rewind(&mut self, epoch: usize) -> Result<JsValue, JsValue> {
        let mut trainer = self.trainer.take().ok_or_else(busy)?;
        let rewound = history::rewind(&mut trainer, &self.history, epoch).await;
        if rewound.is_ok() {
            self.history.forget_after(trainer.epoch());
            self.log.truncate(trainer.epoch());
            if self.checkpoint.is_some()
                && let Ok(checkpoint) = Checkpoint::of(&trainer).await
            {
                self.checkpoint = Some(checkpoint);
            }
        }
        let epoch = trainer.epoch();
        self.trainer = Some(trainer);
        rewound.map_err(train_error)?;
        #[derive(Serialize)]
        struct Rewound {
            epoch: usize,
            history: HistorySummary,
        }
        js(&Rewound {
            epoch,
            history: self.history.summary(),
        })
    }

    /// The run's history as CSV (crate::epoch_log: the CLI's `--history` columns).
    #[wasm_bindgen(js_name = historyCsv)]
    pub fn history_csv(&self) -> Result<String, JsValue> {
        let trainer = self.trainer.as_ref().ok_or_else(busy)?;
        Ok(self.log.csv(&trainer.history))
    }

    /// The run's whole state as a run file (crate::run_file): config, weights, history, scheduler and
    /// dropout stream.
    #[wasm_bindgen(js_name = saveRun)]
    pub async fn save_run(&mut self) -> Result<String, JsValue> {
        let trainer = self.trainer.take().ok_or_else(busy)?;
        let dict = trainer.state_dict().await;
        let file = dict.map(|tensors| RunFile {
            format: run_file::FORMAT.into(),
            config: trainer.config.clone(),
            tensors,
            reports: trainer.history.clone(),
            flows: self.log.flows().to_vec(),
            scheduler: trainer.scheduler.clone(),
            dropout_stream: trainer.dropout_stream(),
        });
        self.trainer = Some(trainer);
        Ok(file.map_err(|e| error(ErrorKind::Backend, e))?.to_json())
    }

    /// Starts the run again as a run file saved it: its config, weights, history, learning rate and
    /// dropout stream (Adam's moments afresh). Returns `{config, reports, history}`. A file that is
    /// not a run file, or whose tensors do not fit its config, is refused and the current run goes on.
    #[wasm_bindgen(js_name = loadRun)]
    pub fn load_run(&mut self, text: &str) -> Result<JsValue, JsValue> {
        if self.trainer.is_none() {
            return Err(busy());
        }
        let file = RunFile::from_json(text).map_err(|e| refused(&e))?;
        let last_flow = file.flows.last().cloned().unwrap_or_default();
        let trainer = self.trainer_for(&file.config, &file.tensors)?.resume(
            file.reports.clone(),
            file.scheduler.clone(),
            file.dropout_stream,
            last_flow,
        );
        self.start_over(trainer, file.tensors.clone());
        if let Some(checkpoint) = &mut self.checkpoint {
            checkpoint.history = file.reports.clone();
            checkpoint.scheduler = file.scheduler.clone();
        }
        self.log = EpochLog::from_flows(file.flows.clone());
        let reports = file
            .reports
            .iter()
            .cloned()
            .zip(&file.flows)
            .map(|(report, gradient_flow)| Report {
                report,
                gradient_flow,
            })
            .collect();
        js(&LoadedRun {
            config: &file.config,
            reports,
            history: self.history.summary(),
        })
    }

    /// Adam's moments and step count (Burn's optimiser record): with [`Session::save_run`], what the
    /// worker carries when it moves the run to the other module ([`Session::load_moments`]). None on
    /// WebGPU, where Burn cannot read them (its record reads tensors synchronously, which wasm cannot
    /// wait for): a run leaving WebGPU starts Adam afresh, as the fallback on a lost device does.
    #[wasm_bindgen(js_name = saveMoments)]
    pub fn save_moments(&self) -> Result<Option<Vec<u8>>, JsValue> {
        let trainer = self.trainer.as_ref().ok_or_else(busy)?;
        if self.path == TrainingPath::Tensor {
            return Ok(None);
        }
        trainer
            .moments()
            .map(Some)
            .map_err(|e| error(ErrorKind::Backend, e))
    }

    /// Takes over Adam's moments from [`Session::save_moments`] of the same run (after
    /// [`Session::load_run`] of its run file), so that it trains on exactly as it would have there.
    #[wasm_bindgen(js_name = loadMoments)]
    pub fn load_moments(&mut self, bytes: &[u8]) -> Result<(), JsValue> {
        let trainer = self.trainer.as_mut().ok_or_else(busy)?;
        trainer.load_moments(bytes).map_err(|e| refused(&e))
    }

    /// Whether `text` is a run file (rather than a weights file).
    #[wasm_bindgen(js_name = isRunFile)]
    pub fn is_run_file(text: &str) -> bool {
        RunFile::is_run_file(text)
    }
}

impl Session {
    /// Records a trained epoch in the history and the log and says it as the page reads it.
    fn trained(
        &mut self,
        trainer: &Trainer,
        result: Result<EpochReport, TrainError>,
        switched: Option<String>,
    ) -> Result<JsValue, JsValue> {
        if let Ok(report) = &result {
            self.history.record(trainer);
            self.log.record(report.epoch, trainer.gradient_flow());
        }
        result.map_err(train_error).and_then(|report| {
            js(&Trained {
                report: Report {
                    report,
                    gradient_flow: trainer.gradient_flow(),
                },
                backend: switched,
                history: self.history.summary(),
            })
        })
    }

    /// A run of `config` from a file's `weights`, on this session's device and path; refused when the
    /// tensors do not fit the config.
    fn trainer_for(&self, config: &LabConfig, weights: &StateDict) -> Result<Trainer, JsValue> {
        if self.path == TrainingPath::Tensor {
            crate::train::check_tensor_path(config).map_err(|e| refused(&e))?;
        }
        Ok(
            Trainer::from_state_dict(config.clone(), weights, &self.device)
                .map_err(|e| refused(&e))?
                .with_path(self.path),
        )
    }

    /// Replaces the run with `trainer`, fresh from the loaded `weights`.
    fn start_over(&mut self, trainer: Trainer, weights: StateDict) {
        if self.checkpoint.is_some() {
            self.checkpoint = Some(Checkpoint::fresh(weights, &trainer));
        }
        self.history = History::new(&trainer, history::BUDGET);
        self.log = EpochLog::new();
        self.pending = None;
        self.trainer = Some(trainer);
    }
}

/// A helper worker's half of a run's epochs: the same model and data as the run's [`Session`], to
/// compute the shards of its epochs that the session hands out ([`crate::shards`]).
#[wasm_bindgen]
pub struct ShardHelper {
    trainer: Trainer,
    /// The epoch begun last ([`ShardHelper::begin`]).
    job: Option<ShardJob>,
}

#[wasm_bindgen]
impl ShardHelper {
    /// A helper for runs of `config` (what [`Session::shard_config`] gives).
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue) -> Result<ShardHelper, JsValue> {
        let config = config_from(config)?;
        Ok(ShardHelper {
            trainer: Trainer::new(config, &ndarray_device()),
            job: None,
        })
    }

    /// Begins the epoch whose weights are `params` (in [`crate::params::ModelParams::values`]
    /// order) and whose dropout stream stood at `high·2³² + low`.
    pub fn begin(&mut self, params: &[f32], high: u32, low: u32) -> Result<(), JsValue> {
        // A job that does not fit leaves none begun: no shard of the last epoch is computed again.
        self.job = shard_job(self.trainer.model().shape(), params, high, low);
        self.job.as_ref().map(|_| ()).ok_or_else(|| {
            error(
                ErrorKind::Invalid,
                "a shard job that does not fit this helper's model",
            )
        })
    }

    /// Shard `k` of the begun epoch: `{sums, grads}`.
    pub fn shard(&mut self, k: usize) -> Result<JsValue, JsValue> {
        let job = self.job.as_ref().ok_or_else(no_epoch)?;
        let shards = self.trainer.shard_plan().shards;
        if k >= shards {
            return Err(error(
                ErrorKind::Invalid,
                format!("shard {k} of an epoch of {shards} shards"),
            ));
        }
        let part = self.trainer.compute_shards(job, k..k + 1);
        part_message(&part[0])
    }
}
