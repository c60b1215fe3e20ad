//! The tutorial's `train_model`, one epoch per call so the page can step it:
//! full batch → MSE → backward → `clip_grad_norm_(max_norm = 1)` over all parameters together →
//! Adam (lr 0.01, coupled L2 weight decay 1e-5, ε 1e-8, as `torch.optim.Adam`) →
//! `ReduceLROnPlateau` stepped with the epoch's loss.

use crate::config::LabConfig;
use crate::data::SineDataset;
use crate::model::{Evaluation, GruModel, ModelShape, StateDict, WeightsError};
use crate::rng::SplitMix64;
use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Tensor, TensorData, Transaction};
use serde::Serialize;
use std::fmt;

/// PyTorch Adam's defaults and the tutorial's weight decay and clipping norm.
pub const WEIGHT_DECAY: f32 = 1e-5;
pub const ADAM_EPSILON: f32 = 1e-8;
pub const MAX_GRAD_NORM: f32 = 1.0;

/// What one epoch did.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EpochReport {
    /// 1-based epoch number.
    pub epoch: usize,
    /// The epoch's training loss (MSE of the full batch before the update).
    pub loss: f64,
    /// The learning rate after the scheduler saw this loss (what the tutorial prints).
    pub lr: f64,
    /// Global L2 norm of all gradients before clipping (what `clip_grad_norm_` returns).
    pub grad_norm: f64,
    /// Wall time of the epoch in milliseconds.
    pub ms: f64,
}

/// `torch.optim.lr_scheduler.ReduceLROnPlateau(mode='min', factor, patience, threshold=1e-4,
/// threshold_mode='rel', cooldown=0, min_lr=0, eps=1e-8)`.
#[derive(Clone, Debug, PartialEq)]
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
pub fn clip_grad_norm(model: &GruModel, grads: &mut GradientsParams, max_norm: f32) -> Tensor<1> {
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

/// One training run: the data on the device, the model, Adam's state and the scheduler.
pub struct Trainer {
    pub config: LabConfig,
    pub data: SineDataset,
    device: Device,
    inputs: Tensor<3>,
    targets: Tensor<2>,
    model: GruModel,
    optimizer: ModuleOptimizer,
    pub scheduler: PlateauScheduler,
    dropout_rng: SplitMix64,
    pub history: Vec<EpochReport>,
}

impl Trainer {
    /// A fresh run with the seeded init. `device` may be any backend; autodiff is added here.
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
        let model =
            GruModel::from_state_dict(ModelShape::from(&config), config.dropout, dict, &device)?;
        let data = SineDataset::new(config.points, config.window);
        let (samples, window) = (data.samples(), data.window);
        let inputs = Tensor::from_data(
            TensorData::new(data.inputs.clone(), [samples, window, 1]),
            &device,
        );
        let targets =
            Tensor::from_data(TensorData::new(data.targets.clone(), [samples, 1]), &device);
        let optimizer = AdamConfig::new()
            .with_epsilon(ADAM_EPSILON)
            .with_weight_decay(Some(WeightDecayConfig::new(WEIGHT_DECAY)))
            .init();
        // Dropout masks come from their own stream, so they never shift the weight init.
        let dropout_rng = SplitMix64::new(config.seed ^ 0xD50F_D50F_D50F_D50F);
        Ok(Trainer {
            scheduler: PlateauScheduler::new(config.lr),
            config,
            data,
            device,
            inputs,
            targets,
            model,
            optimizer,
            dropout_rng,
            history: Vec::new(),
        })
    }

    pub fn epoch(&self) -> usize {
        self.history.len()
    }

    pub fn model(&self) -> &GruModel {
        &self.model
    }

    /// Changes the learning rate mid-run (the scheduler continues from it).
    pub fn set_learning_rate(&mut self, lr: f64) {
        self.scheduler.lr = lr;
        self.config.lr = lr;
    }

    /// Trains one epoch. On a NaN or infinite loss the weights and Adam's state stay as they were
    /// before the epoch and [`TrainError::Diverged`] is returned.
    pub async fn step_epoch(&mut self) -> Result<EpochReport, TrainError> {
        let started = web_time::Instant::now();
        let epoch = self.history.len() + 1;
        let [batch, steps, _] = self.inputs.dims();
        let masks = self
            .model
            .dropout_masks(batch, steps, &mut self.dropout_rng, &self.device);
        let output = self.model.forward(self.inputs.clone(), None, &masks, None);
        let loss = (output.prediction - self.targets.clone()).square().mean();
        let gradients = loss.backward();
        let mut grads = GradientsParams::from_grads(gradients, &self.model);
        let norm = clip_grad_norm(&self.model, &mut grads, MAX_GRAD_NORM);
        let lr = self.scheduler.lr;
        let before = (self.model.clone(), self.optimizer.clone());
        self.model = self.optimizer.step(lr, self.model.clone(), grads);
        let [loss, norm] = read_scalars([loss.inner(), norm]).await?;
        if !loss.is_finite() {
            (self.model, self.optimizer) = before;
            return Err(TrainError::Diverged { epoch, loss });
        }
        let report = EpochReport {
            epoch,
            loss,
            lr: self.scheduler.step(loss),
            grad_norm: norm,
            ms: started.elapsed().as_secs_f64() * 1e3,
        };
        self.history.push(report.clone());
        Ok(report)
    }

    /// The model's predictions for every window, in evaluation mode (no dropout).
    pub async fn predictions(&self) -> Result<Vec<f32>, String> {
        let model = self.model.valid();
        let inputs = self.inputs.clone().inner();
        let prediction = model.forward(inputs, None, &[], None).prediction;
        prediction
            .into_data_async()
            .await
            .map_err(|e| format!("reading predictions failed: {e:?}"))?
            .try_into_vec_as::<f32>()
            .map_err(|e| format!("reading predictions failed: {e:?}"))
    }

    /// Every window's prediction and the gates of the chosen windows, in evaluation mode (one pass).
    pub async fn evaluate(&self, samples: &[usize]) -> Result<Evaluation, String> {
        let idx: Vec<usize> = samples
            .iter()
            .map(|&s| s.min(self.data.samples() - 1))
            .collect();
        self.model.trace(self.inputs.clone(), None, &idx).await
    }

    /// The current weights in PyTorch's layout.
    pub async fn state_dict(&self) -> Result<StateDict, String> {
        self.model.valid().state_dict().await
    }
}

/// Reads scalar tensors `[1]` back in one transfer (one sync per epoch on WebGPU).
async fn read_scalars<const N: usize>(tensors: [Tensor<1>; N]) -> Result<[f64; N], TrainError> {
    let transaction = tensors
        .into_iter()
        .fold(Transaction::default(), |t, x| t.register(x));
    let data = transaction
        .execute_async()
        .await
        .map_err(|e| TrainError::Backend(format!("{e:?}")))?;
    let mut out = [0.0; N];
    for (slot, d) in out.iter_mut().zip(data) {
        let v = d
            .try_into_vec_as::<f32>()
            .map_err(|e| TrainError::Backend(format!("{e:?}")))?;
        *slot = v[0] as f64;
    }
    Ok(out)
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
