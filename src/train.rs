//! The tutorial's `train_model`, one epoch per call so the page can step it:
//! full batch → MSE → backward → `clip_grad_norm_(max_norm = 1)` over all parameters together →
//! Adam (lr 0.01, coupled L2 weight decay 1e-5, ε 1e-8, as `torch.optim.Adam`) →
//! `ReduceLROnPlateau` stepped with the epoch's loss.
//!
//! Two ways to get the gradients, one result ([`TrainingPath`]): the fused host BPTT of
//! [`crate::bptt`] (the CPU default, fast) and Burn's autodiff through the op-by-op model of
//! [`crate::layer`] (the readable reference, and the path that runs on WebGPU). Either way Burn's Adam
//! updates the Burn model.

use crate::config::LabConfig;
use crate::data::Dataset;
use crate::forecast::{self, ForecastReport, MAX_HORIZON};
use crate::gradient_flow::GradientFlow;
use crate::model::{Evaluation, FlowTensors, RecurrentModel};
use crate::rng::SplitMix64;
use crate::shards::{self, ShardGradients, ShardJob, ShardPlan, ShardWorker};
use crate::state_dict::{ModelShape, StateDict, WeightsError};
use crate::trace::{SampleTrace, window_rows};
use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Tensor, TensorData, Transaction};
use serde::{Deserialize, Serialize};
use std::fmt;

/// PyTorch Adam's defaults and the tutorial's weight decay and clipping norm.
pub const WEIGHT_DECAY: f32 = 1e-5;
pub const ADAM_EPSILON: f32 = 1e-8;
pub const MAX_GRAD_NORM: f32 = 1.0;

/// What one epoch did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochReport {
    /// 1-based epoch number.
    pub epoch: usize,
    /// The epoch's training loss (MSE of the full batch before the update).
    pub loss: f64,
    /// The learning rate after the scheduler saw this loss (what the tutorial prints).
    pub lr: f64,
    /// Global L2 norm of all gradients before clipping (what `clip_grad_norm_` returns).
    pub grad_norm: f64,
    /// The MSE on the held-out windows after this epoch's update, when the task holds some out.
    pub val_loss: Option<f64>,
    /// Wall time of the epoch in milliseconds.
    pub ms: f64,
}

/// `torch.optim.lr_scheduler.ReduceLROnPlateau(mode='min', factor, patience, threshold=1e-4,
/// threshold_mode='rel', cooldown=0, min_lr=0, eps=1e-8)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlateauScheduler {
    pub lr: f64,
    pub factor: f64,
    pub patience: usize,
    pub threshold: f64,
    best: f64,
    bad_epochs: usize,
}

impl PlateauScheduler {
    pub fn new(lr: f64) -> Self {
        PlateauScheduler {
            lr,
            factor: 0.5,
            patience: 10,
            threshold: 1e-4,
            best: f64::INFINITY,
            bad_epochs: 0,
        }
    }

    /// Feeds one epoch's loss; returns the learning rate for the next epoch.
    pub fn step(&mut self, loss: f64) -> f64 {
        if loss < self.best * (1.0 - self.threshold) {
            self.best = loss;
            self.bad_epochs = 0;
        } else {
            self.bad_epochs += 1;
        }
        if self.bad_epochs > self.patience {
            let reduced = self.lr * self.factor;
            if self.lr - reduced > 1e-8 {
                self.lr = reduced;
            }
            self.bad_epochs = 0;
        }
        self.lr
    }
}

/// Why an epoch could not finish.
#[derive(Clone, Debug, PartialEq)]
pub enum TrainError {
    /// The loss became NaN or infinite; the weights from before this epoch were kept.
    Diverged { epoch: usize, loss: f64 },
    /// The backend failed (e.g. a lost WebGPU device).
    Backend(String),
}

impl fmt::Display for TrainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrainError::Diverged { epoch, loss } => write!(
                f,
                "loss diverged at epoch {epoch} (loss = {loss}): lower the learning rate"
            ),
            TrainError::Backend(why) => write!(f, "training failed: {why}"),
        }
    }
}

impl std::error::Error for TrainError {}

/// Sums the squares of every parameter's gradient (one tensor per parameter, no read-back).
struct SquaredGradients<'a> {
    grads: &'a GradientsParams,
    sums: Vec<Tensor<1>>,
}

impl ModuleVisitor for SquaredGradients<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(g) = self.grads.get::<D>(param.id) {
            self.sums.push(g.square().sum());
        }
    }
}

/// Multiplies every gradient by one scale tensor `[1]`.
struct ScaleGradients<'a> {
    grads: &'a mut GradientsParams,
    scale: Tensor<1>,
}

impl ModuleVisitor for ScaleGradients<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(g) = self.grads.remove::<D>(param.id) {
            let scale = self.scale.clone().reshape([1; D]);
            self.grads.register::<D>(param.id, g * scale);
        }
    }
}

/// `torch.nn.utils.clip_grad_norm_`: one norm over all gradients together; when it exceeds `max_norm`
/// every gradient is scaled by `max_norm / (norm + 1e-6)`. Burn's own `GradientClipping::Norm` clips
/// each parameter on its own, which is not the tutorial's rule. Returns the norm before clipping,
/// still on the device (the caller reads it with the loss, in one transfer).
pub fn clip_grad_norm(
    model: &RecurrentModel,
    grads: &mut GradientsParams,
    max_norm: f32,
) -> Tensor<1> {
    let mut squares = SquaredGradients {
        grads,
        sums: Vec::new(),
    };
    model.visit(&mut squares);
    let norm = Tensor::cat(squares.sums, 0).sum().sqrt();
    let scale = ((norm.clone() + 1e-6).recip() * max_norm).clamp_max(1.0);
    model.visit(&mut ScaleGradients { grads, scale });
    norm
}

/// How an epoch's gradients are computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrainingPath {
    /// Hand-derived BPTT on the host ([`crate::bptt`]): one pass over flat buffers with SIMD kernels.
    Fused,
    /// Burn's autodiff through the op-by-op model ([`crate::layer`]), on the model's device.
    Tensor,
}

/// The most bytes a run on the tensor path may keep for one training pass: Burn's autodiff keeps every
/// op's output of the whole batch until the backward pass (the fused path trains in pieces instead,
/// [`crate::shards`]), and a page's wasm memory ends at 4 GB.
pub const TENSOR_PATH_LIMIT: usize = 2 << 30;

/// About what one training pass over `batch` windows of `steps` keeps on the tensor path: the fused
/// tape's quantities twice over (the op-by-op graph holds each gate before and after its
/// activation, and its gradients).
pub fn tensor_path_bytes(shape: ModelShape, batch: usize, steps: usize) -> usize {
    2 * crate::bptt::Tape::bytes(shape, batch, steps)
}

/// Refuses a run the tensor path cannot hold, naming the fields that make it large.
pub fn check_tensor_path(config: &LabConfig) -> Result<(), String> {
    let data = config.dataset();
    let bytes = tensor_path_bytes(ModelShape::from(config), data.samples(), data.window);
    if bytes <= TENSOR_PATH_LIMIT {
        return Ok(());
    }
    Err(format!(
        "this run needs about {:.1} GB for one training pass on the op-by-op path (hidden {} × layers {} × window {} × {} windows), more than its {} GB: lower hidden, layers, window or the data (points, samples), or train on the fused path, which trains in pieces",
        bytes as f64 / 1e9,
        config.hidden,
        config.layers,
        data.window,
        data.samples(),
        TENSOR_PATH_LIMIT >> 30
    ))
}

/// The fused path's workers: one per thread the run trains on (natively; in the page one, the others
/// being Web Workers driven from JavaScript), each with its tape for one piece of a shard
/// ([`crate::shards`]). The first also evaluates.
struct Fused {
    workers: Vec<ShardWorker>,
}

/// An epoch begun on the fused path ([`Trainer::begin_epoch`]): the job every worker computes its
/// shards of, and what [`Trainer::finish_epoch`] needs to report it.
pub struct PendingEpoch {
    pub job: ShardJob,
    plan: ShardPlan,
    epoch: usize,
    lr: f64,
    started: web_time::Instant,
}

/// Everything that decides what a run's next epochs do, at the end of epoch `epoch`: the weights,
/// Adam's moments, the scheduler and the dropout stream, with that epoch's gradient through time. A
/// run returned to it ([`Trainer::restore`]) trains on exactly as it did from there, bit for bit.
/// Taking one copies no tensor: Burn's tensors share their buffers when cloned, and the next update
/// writes new ones (copy on write), so a state costs the memory of one set of weights and moments.
#[derive(Clone)]
pub struct TrainerState {
    pub epoch: usize,
    model: RecurrentModel,
    optimizer: ModuleOptimizer,
    scheduler: PlateauScheduler,
    dropout_rng: SplitMix64,
    gradient_flow: GradientFlow,
}

impl TrainerState {
    /// The bytes a state holds for a model of `parameters` parameters: the weights and Adam's two
    /// moments, f32 each, and an allowance of 8 KB for the tensors' and the optimiser record's
    /// bookkeeping (which is most of a tiny model's state).
    pub fn bytes(parameters: usize) -> usize {
        3 * 4 * parameters + 8 * 1024
    }

    /// The gradient through time of the epoch that ended here (empty for epoch 0).
    pub fn gradient_flow(&self) -> &GradientFlow {
        &self.gradient_flow
    }
}

/// One training run: the data on the device, the model, Adam's state and the scheduler.
pub struct Trainer {
    pub config: LabConfig,
    pub data: Dataset,
    device: Device,
    inputs: Tensor<3>,
    targets: Tensor<2>,
    /// The held-out windows `[V, T, I]` (no autodiff), when the task has them.
    validation: Option<Tensor<3>>,
    model: RecurrentModel,
    optimizer: ModuleOptimizer,
    pub scheduler: PlateauScheduler,
    dropout_rng: SplitMix64,
    /// Present when the run trains on the fused path.
    fused: Option<Fused>,
    pub history: Vec<EpochReport>,
    /// The last epoch's gradient through time ([`Trainer::gradient_flow`]); only the last is kept, so
    /// a long run's memory stays flat (the page keeps its own thinned history, the CLI its CSV).
    gradient_flow: GradientFlow,
}

impl Trainer {
    /// A fresh run with the seeded init on the fused path (when its tape fits the memory budget).
    /// `device` may be any backend; autodiff is added here.
    pub fn new(config: LabConfig, device: &Device) -> Trainer {
        let shape = ModelShape::from(&config);
        let dict = shape.initial_state_dict(config.seed);
        Trainer::from_state_dict(config, &dict, device).expect("the seeded init fits its own shape")
    }

    /// A run that starts from given weights (a PyTorch state dict or our own file).
    pub fn from_state_dict(
        config: LabConfig,
        dict: &StateDict,
        device: &Device,
    ) -> Result<Trainer, WeightsError> {
        let device = device.clone().autodiff();
        let model = RecurrentModel::from_state_dict(
            ModelShape::from(&config),
            config.dropout,
            dict,
            &device,
        )?;
        let data = config.dataset();
        let (samples, window, channels) = (data.samples(), data.window, data.channels);
        let inputs = Tensor::from_data(
            TensorData::new(data.inputs.clone(), [samples, window, channels]),
            &device,
        );
        let validation = data.validation.as_ref().map(|v| {
            Tensor::from_data(
                TensorData::new(v.inputs.clone(), [v.samples(), window, channels]),
                &device.clone().inner(),
            )
        });
        let targets =
            Tensor::from_data(TensorData::new(data.targets.clone(), [samples, 1]), &device);
        let optimizer = AdamConfig::new()
            .with_epsilon(ADAM_EPSILON)
            .with_weight_decay(Some(WeightDecayConfig::new(WEIGHT_DECAY)))
            .init();
        // Dropout masks come from their own stream, so they never shift the weight init.
        let dropout_rng = SplitMix64::new(config.seed ^ 0xD50F_D50F_D50F_D50F);
        let epoch_budget = config.epochs;
        Ok(Trainer {
            scheduler: PlateauScheduler::new(config.lr),
            config,
            data,
            device,
            inputs,
            targets,
            validation,
            model,
            optimizer,
            dropout_rng,
            fused: None,
            // Allocated once for the epoch budget, so a long run's memory stays flat.
            history: Vec::with_capacity(epoch_budget),
            gradient_flow: GradientFlow::default(),
        }
        .with_path(TrainingPath::Fused))
    }

    /// Switches how gradients are computed from the next epoch on.
    pub fn with_path(mut self, path: TrainingPath) -> Trainer {
        self.fused = (path == TrainingPath::Fused).then(|| Fused {
            workers: vec![self.shard_worker_for(self.shard_plan())],
        });
        // The fused path computes its own gradients: its parameters must not require them, or each
        // epoch's new parameters pile up in Burn's autodiff graph, which only a backward pass
        // clears (~12 KB an epoch).
        self.model = self.model.set_require_grad(self.fused.is_none());
        self
    }

    /// Trains the fused path's shards on `workers` threads (natively; 1 on wasm32, where the other
    /// workers are Web Workers). The numbers are the same for any count ([`crate::shards`]).
    pub fn with_workers(mut self, workers: usize) -> Trainer {
        let plan = self.shard_plan();
        let count = workers.clamp(1, plan.shards);
        if let Some(mut fused) = self.fused.take() {
            fused.workers.truncate(count);
            while fused.workers.len() < count {
                fused.workers.push(self.shard_worker_for(plan));
            }
            self.fused = Some(fused);
        }
        self
    }

    /// How this run's batch is cut into shards and pieces.
    pub fn shard_plan(&self) -> ShardPlan {
        ShardPlan::new(self.model.shape(), self.data.samples(), self.data.window)
    }

    /// A worker for this run's shards (another thread's).
    fn shard_worker_for(&self, plan: ShardPlan) -> ShardWorker {
        ShardWorker::new(
            self.model.shape(),
            self.model.dropout(),
            plan,
            self.data.window,
        )
    }

    /// Threads the fused path trains on (0 on the tensor path).
    pub fn workers(&self) -> usize {
        self.fused.as_ref().map_or(0, |f| f.workers.len())
    }

    /// Takes over where another run stopped: its epoch history and learning-rate scheduler (used
    /// when a WebGPU run falls back to the CPU with the weights of its last finished epoch; Adam's
    /// moments start afresh).
    pub fn continue_from(
        mut self,
        history: Vec<EpochReport>,
        scheduler: PlateauScheduler,
    ) -> Trainer {
        self.config.lr = scheduler.lr;
        self.history = history;
        self.scheduler = scheduler;
        self
    }

    /// Where the run stands now ([`TrainerState`]).
    pub fn state(&self) -> TrainerState {
        TrainerState {
            epoch: self.epoch(),
            model: self.model.clone(),
            optimizer: self.optimizer.clone(),
            scheduler: self.scheduler.clone(),
            dropout_rng: self.dropout_rng.clone(),
            gradient_flow: self.gradient_flow.clone(),
        }
    }

    /// Returns the run to `state`, taken from this run earlier: the reports of the epochs after it
    /// are dropped from the history (the caller keeps them if it comes back, see
    /// [`crate::history::rewind`]).
    pub fn restore(&mut self, state: &TrainerState) {
        self.model = state.model.clone();
        self.optimizer = state.optimizer.clone();
        self.scheduler = state.scheduler.clone();
        self.config.lr = state.scheduler.lr;
        self.dropout_rng = state.dropout_rng.clone();
        self.gradient_flow = state.gradient_flow.clone();
        self.history.truncate(state.epoch);
    }

    /// The dropout stream's position, for a run file ([`crate::run_file`]).
    pub fn dropout_stream(&self) -> u64 {
        self.dropout_rng.position()
    }

    /// Takes over a run saved in a file: its reports, scheduler, dropout stream and last gradient
    /// through time (Adam's moments start afresh: the file holds the weights, not the optimiser).
    pub fn resume(
        self,
        history: Vec<EpochReport>,
        scheduler: PlateauScheduler,
        dropout_stream: u64,
        gradient_flow: GradientFlow,
    ) -> Trainer {
        let mut trainer = self.continue_from(history, scheduler);
        trainer.dropout_rng = SplitMix64::new(dropout_stream);
        trainer.gradient_flow = gradient_flow;
        trainer
    }

    /// Adam's moments (and its step count) as bytes, for [`Trainer::load_moments`] on the same run in
    /// another module: with [`Trainer::resume`]'s run file they make that run go on exactly as this
    /// one would (the page's `auto` moves a run from the CPU to WebGPU this way). Burn's optimiser
    /// record in its burnpack format, keyed by parameter id, which every model of a shape numbers
    /// alike ([`RecurrentModel`]'s ids are positions).
    pub fn moments(&self) -> Result<Vec<u8>, String> {
        let bytes = self
            .optimizer
            .into_bytes()
            .map_err(|e| format!("Adam's moments could not be written: {e:?}"))?;
        Ok(bytes.to_vec())
    }

    /// Takes over Adam's moments from [`Trainer::moments`] of the same run (the caller's to match:
    /// same config); refused, the run unchanged, when the bytes are not an optimiser record.
    pub fn load_moments(&mut self, bytes: &[u8]) -> Result<(), String> {
        let record = burn::tensor::Bytes::from_bytes_vec(bytes.to_vec());
        self.optimizer = self
            .optimizer
            .clone()
            .from_bytes(record)
            .map_err(|e| format!("Adam's moments could not be read: {e:?}"))?;
        Ok(())
    }

    /// The path the next epoch takes.
    pub fn path(&self) -> TrainingPath {
        if self.fused.is_some() {
            TrainingPath::Fused
        } else {
            TrainingPath::Tensor
        }
    }

    pub fn epoch(&self) -> usize {
        self.history.len()
    }

    pub fn model(&self) -> &RecurrentModel {
        &self.model
    }

    /// The gradient through time of the last epoch trained, per layer and step (empty before the
    /// first): `|∂L/∂h_t|`, the LSTM's `|∂L/∂c_t|` and the gate highway ([`crate::gradient_flow`]),
    /// of the pass that epoch's update used (dropout included).
    pub fn gradient_flow(&self) -> &GradientFlow {
        &self.gradient_flow
    }

    /// Changes the learning rate mid-run (the scheduler continues from it).
    pub fn set_learning_rate(&mut self, lr: f64) {
        self.scheduler.lr = lr;
        self.config.lr = lr;
    }

    /// Trains one epoch. On a NaN or infinite loss the weights and Adam's state stay as they were
    /// before the epoch and [`TrainError::Diverged`] is returned.
    pub async fn step_epoch(&mut self) -> Result<EpochReport, TrainError> {
        if let Some(pending) = self.begin_epoch().await? {
            let fused = self.fused.as_mut().expect("fused path");
            let parts = shards::compute_all(&mut fused.workers, &self.data, &pending.job);
            return self.finish_epoch(pending, parts).await;
        }
        let started = web_time::Instant::now();
        let epoch = self.history.len() + 1;
        let lr = self.scheduler.lr;
        let (loss, norm, gradient_flow) = self.tensor_epoch(epoch, lr).await?;
        self.report(epoch, started, loss, norm, gradient_flow).await
    }

    /// Starts an epoch on the fused path (None on the tensor path): the weights before the update
    /// and the dropout stream's position, which every worker computes its shards from; the stream
    /// moves on past this epoch's masks.
    pub async fn begin_epoch(&mut self) -> Result<Option<PendingEpoch>, TrainError> {
        if self.fused.is_none() {
            return Ok(None);
        }
        let started = web_time::Instant::now();
        let params = self.model.params().await.map_err(TrainError::Backend)?;
        let dropout_stream = self.dropout_rng.position();
        self.dropout_rng.skip(
            self.model
                .dropout()
                .draws(self.data.samples(), self.data.window),
        );
        Ok(Some(PendingEpoch {
            job: ShardJob {
                params,
                dropout_stream,
            },
            plan: self.shard_plan(),
            epoch: self.history.len() + 1,
            lr: self.scheduler.lr,
            started,
        }))
    }

    /// Shards `shards` of the epoch `job` describes, computed on this run's first worker (the page's
    /// share of a begun epoch, or a helper worker's share of its run's). Empty on the tensor path.
    pub fn compute_shards(
        &mut self,
        job: &ShardJob,
        shards: std::ops::Range<usize>,
    ) -> Vec<ShardGradients> {
        let Some(fused) = &mut self.fused else {
            return Vec::new();
        };
        let worker = &mut fused.workers[0];
        shards.map(|k| worker.shard(&self.data, job, k)).collect()
    }

    /// Ends a begun epoch with every shard's part, in shard order: the parts added up, then
    /// [`Trainer::update`].
    pub async fn finish_epoch(
        &mut self,
        pending: PendingEpoch,
        parts: Vec<ShardGradients>,
    ) -> Result<EpochReport, TrainError> {
        if parts.len() != pending.plan.shards {
            return Err(TrainError::Backend(format!(
                "{} of {} shards came back",
                parts.len(),
                pending.plan.shards
            )));
        }
        let whole = shards::combine(pending.plan.batch, parts);
        self.update(pending, whole).await
    }

    /// Ends a begun epoch whose whole batch was computed in one part elsewhere (the GPU pass of
    /// `crate::gpu`), as [`Trainer::finish_epoch`] ends one from its shards.
    pub async fn finish_epoch_whole(
        &mut self,
        pending: PendingEpoch,
        part: ShardGradients,
    ) -> Result<EpochReport, TrainError> {
        let whole = shards::combine(pending.plan.batch, [part]);
        self.update(pending, whole).await
    }

    /// The update of a begun epoch from the whole batch's loss and gradients: checked, clipped and
    /// handed to Burn's Adam. The loss is known before the update, so a diverged epoch changes
    /// nothing but the dropout stream.
    async fn update(
        &mut self,
        pending: PendingEpoch,
        whole: ShardGradients,
    ) -> Result<EpochReport, TrainError> {
        let PendingEpoch {
            epoch, lr, started, ..
        } = pending;
        let ShardGradients {
            squared_error: loss,
            mut grads,
            flow,
        } = whole;
        // clip_grad_norm_: one L2 norm over every gradient, scale by max_norm / (norm + 1e-6) ≤ 1.
        let norm = grads
            .values()
            .map(|g| g as f64 * g as f64)
            .sum::<f64>()
            .sqrt();
        // f32, as the tensor path holds the loss: a loss beyond f32's range has diverged too.
        if !(loss as f32).is_finite() || !norm.is_finite() {
            return Err(TrainError::Diverged { epoch, loss });
        }
        let scale = MAX_GRAD_NORM as f64 / (norm + 1e-6);
        if scale < 1.0 {
            grads.scale(scale as f32);
        }
        let grads = self.model.gradients(&grads, &self.device.clone().inner());
        self.model = self.optimizer.step(lr, self.model.clone(), grads);
        self.report(epoch, started, loss, norm, flow.flow()).await
    }

    /// The epoch's report after its update: the validation loss, the scheduler's step, the history.
    async fn report(
        &mut self,
        epoch: usize,
        started: web_time::Instant,
        loss: f64,
        norm: f64,
        gradient_flow: GradientFlow,
    ) -> Result<EpochReport, TrainError> {
        let val_loss = self.validation_loss().await.map_err(TrainError::Backend)?;
        let report = EpochReport {
            epoch,
            loss,
            lr: self.scheduler.step(loss),
            grad_norm: norm,
            val_loss,
            ms: started.elapsed().as_secs_f64() * 1e3,
        };
        self.gradient_flow = gradient_flow;
        self.history.push(report.clone());
        Ok(report)
    }

    /// One epoch on the tensor path: Burn's autodiff, the clipping and Adam on the device, then one
    /// read of the loss, the norm and the gradient through time (from the probed states, see
    /// [`crate::layer`]); a diverged epoch restores the model and Adam's state.
    async fn tensor_epoch(
        &mut self,
        epoch: usize,
        lr: f64,
    ) -> Result<(f64, f64, GradientFlow), TrainError> {
        let [batch, steps, _] = self.inputs.dims();
        let masks = self
            .model
            .dropout_masks(batch, steps, &mut self.dropout_rng, &self.device);
        let output = self
            .model
            .forward(self.inputs.clone(), &[], &masks, None, true);
        let loss = (output.prediction.clone() - self.targets.clone())
            .square()
            .mean();
        let gradients = loss.backward();
        let flow = FlowTensors::of(&output, &gradients);
        let mut grads = GradientsParams::from_grads(gradients, &self.model);
        let norm = clip_grad_norm(&self.model, &mut grads, MAX_GRAD_NORM);
        let before = (self.model.clone(), self.optimizer.clone());
        self.model = self.optimizer.step(lr, self.model.clone(), grads);
        let transaction = Transaction::default().register(loss.inner()).register(norm);
        let mut data = flow
            .register(transaction)
            .execute_async()
            .await
            .map_err(|e| TrainError::Backend(format!("{e:?}")))?
            .into_iter();
        let [loss, norm] = [(); 2].map(|_| data.next().map(scalar));
        let (loss, norm) = (loss.ok_or_else(unread)??, norm.ok_or_else(unread)??);
        let gradient_flow = flow.read(&mut data).map_err(TrainError::Backend)?;
        if !loss.is_finite() {
            (self.model, self.optimizer) = before;
            return Err(TrainError::Diverged { epoch, loss });
        }
        Ok((loss, norm, gradient_flow))
    }

    /// The MSE of the current weights on the held-out windows (None when the task holds none out).
    pub async fn validation_loss(&mut self) -> Result<Option<f64>, String> {
        let Some(predictions) = self.validation_predictions().await? else {
            return Ok(None);
        };
        let targets = &self
            .data
            .validation
            .as_ref()
            .expect("validation windows")
            .targets;
        let sum: f64 = predictions
            .iter()
            .zip(targets)
            .map(|(p, y)| (*p as f64 - *y as f64).powi(2))
            .sum();
        Ok(Some(sum / targets.len() as f64))
    }

    /// The model fed its own outputs for `horizon` steps from `start` (crate::forecast): a series
    /// task's truth continues past the data where the task has a formula (a learner's series: NaN
    /// there). Refused for a memory task.
    pub async fn forecast(
        &mut self,
        start: usize,
        horizon: usize,
    ) -> Result<ForecastReport, String> {
        let data = &self.data;
        if data.series.is_empty() || data.channels != 1 {
            return Err("forecasts are for series tasks (the next value of a series)".into());
        }
        let (end, horizon) = (data.series.len(), horizon.clamp(1, MAX_HORIZON));
        let count = end + horizon;
        let signal = self
            .config
            .task
            .task()
            .signal(&self.config.data_params(), count)
            .unwrap_or_else(|| {
                let unknown = std::iter::repeat(f32::NAN);
                data.series
                    .iter()
                    .copied()
                    .chain(unknown)
                    .take(count)
                    .collect()
            });
        // x past the data: the grid's step (the file's next lines, for a learner's series).
        let step = data.t[1] - data.t[0];
        let last = data.t[end - 1];
        let times: Vec<f64> = (0..count)
            .map(|i| {
                data.t
                    .get(i)
                    .copied()
                    .unwrap_or(last + step * (i + 1 - end) as f64)
            })
            .collect();
        let params = self.model.params().await?;
        Ok(forecast::forecast(
            &params,
            (&signal, &times, end),
            data.window,
            start,
            horizon,
        ))
    }

    /// The model's predictions for the held-out windows, in evaluation mode.
    pub async fn validation_predictions(&mut self) -> Result<Option<Vec<f32>>, String> {
        let (Some(validation), Some(inputs)) = (&self.data.validation, &self.validation) else {
            return Ok(None);
        };
        if let Some(fused) = &mut self.fused {
            let params = self.model.params().await?;
            let (predictions, _) = fused.workers[0].evaluate(&params, &validation.inputs, &[]);
            return Ok(Some(predictions));
        }
        let prediction = self
            .model
            .valid()
            .forward(inputs.clone(), &[], &[], None, false)
            .prediction;
        let values = prediction
            .into_data_async()
            .await
            .map_err(|e| format!("reading predictions failed: {e:?}"))?
            .try_into_vec_as::<f32>()
            .map_err(|e| format!("reading predictions failed: {e:?}"))?;
        Ok(Some(values))
    }

    /// The model's predictions for every window, in evaluation mode (no dropout).
    pub async fn predictions(&mut self) -> Result<Vec<f32>, String> {
        Ok(self.evaluate(&[]).await?.predictions)
    }

    /// Every window's prediction and the gates of the chosen windows, in evaluation mode (one pass).
    pub async fn evaluate(&mut self, samples: &[usize]) -> Result<Evaluation, String> {
        let idx: Vec<usize> = samples
            .iter()
            .map(|&s| s.min(self.data.samples() - 1))
            .collect();
        let Some(fused) = &mut self.fused else {
            let model = self.model.valid();
            let inputs = self.inputs.clone().inner();
            if idx.is_empty() {
                let prediction = model.forward(inputs, &[], &[], None, false).prediction;
                let predictions = prediction
                    .into_data_async()
                    .await
                    .map_err(|e| format!("reading predictions failed: {e:?}"))?
                    .try_into_vec_as::<f32>()
                    .map_err(|e| format!("reading predictions failed: {e:?}"))?;
                return Ok(Evaluation {
                    predictions,
                    traces: Vec::new(),
                });
            }
            return self.model.trace(self.inputs.clone(), &[], &idx).await;
        };
        let params = self.model.params().await?;
        let (predictions, gates) = fused.workers[0].evaluate(&params, &self.data.inputs, &idx);
        let traces = idx
            .iter()
            .zip(gates)
            .map(|(&s, layers)| {
                let per_window = self.data.window * self.data.channels;
                let window = &self.data.inputs[s * per_window..(s + 1) * per_window];
                SampleTrace {
                    sample: s,
                    prediction: predictions[s],
                    inputs: window_rows(window, self.data.channels),
                    layers,
                }
            })
            .collect();
        Ok(Evaluation {
            predictions,
            traces,
        })
    }

    /// The current weights in PyTorch's layout.
    pub async fn state_dict(&self) -> Result<StateDict, String> {
        self.model.valid().state_dict().await
    }
}

/// The value of a scalar tensor `[1]` read back by a transaction.
fn scalar(data: TensorData) -> Result<f64, TrainError> {
    let v = data
        .try_into_vec_as::<f32>()
        .map_err(|e| TrainError::Backend(format!("{e:?}")))?;
    Ok(v[0] as f64)
}

fn unread() -> TrainError {
    TrainError::Backend("a registered tensor was not read back".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plateau_halves_after_eleven_bad_epochs() {
        let mut s = PlateauScheduler::new(0.01);
        assert_eq!(s.step(1.0), 0.01);
        for _ in 0..10 {
            assert_eq!(s.step(1.0), 0.01);
        }
        assert_eq!(s.step(1.0), 0.005);
        // An improvement smaller than the relative threshold does not count.
        assert_eq!(s.step(0.99995), 0.005);
        assert_eq!(s.step(0.5), 0.005);
    }
}
