//! The tutorial's `GRUModel`: stacked GRU layers, dropout between layers (training only), and a Linear
//! head on the last time step's hidden state. Weights enter and leave as a [`StateDict`] with PyTorch's
//! key names and layouts, so the seeded init, a `.pth` import and our own weight files share one path.

use crate::config::{CellKind, LabConfig};
use crate::gru::{GruLayer, LayerGates, LayerRecording, SampleTrace};
use crate::params::{ModelParams, input_size};
use crate::rng::{SplitMix64, TorchRng};
use burn::module::{Module, Param};
use burn::tensor::{Device, Int, Tensor, TensorData, Transaction};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// One named tensor in PyTorch's layout, row-major.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NamedTensor {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

/// Parameters by PyTorch name: `gru.weight_ih_l0`, `gru.weight_hh_l0`, `gru.bias_ih_l0`,
/// `gru.bias_hh_l0` (pytorch cell) or `gru.bias_l0` (cho cell), …, `fc.weight` `[1, H]`, `fc.bias` `[1]`.
pub type StateDict = BTreeMap<String, NamedTensor>;

/// The shape a state dict must have: what `--layers`, `--hidden` and `--cell` say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModelShape {
    pub cell: CellKind,
    pub layers: usize,
    pub hidden: usize,
}

impl From<&LabConfig> for ModelShape {
    fn from(c: &LabConfig) -> Self {
        ModelShape {
            cell: c.cell,
            layers: c.layers,
            hidden: c.hidden,
        }
    }
}

impl ModelShape {
    /// Every key with its expected shape, in PyTorch's `named_parameters()` order.
    pub fn expected(&self) -> Vec<(String, Vec<usize>)> {
        let (h, three) = (self.hidden, 3 * self.hidden);
        let mut keys = Vec::new();
        for l in 0..self.layers {
            let input = if l == 0 { 1 } else { h };
            keys.push((format!("gru.weight_ih_l{l}"), vec![three, input]));
            keys.push((format!("gru.weight_hh_l{l}"), vec![three, h]));
            match self.cell {
                CellKind::Pytorch => {
                    keys.push((format!("gru.bias_ih_l{l}"), vec![three]));
                    keys.push((format!("gru.bias_hh_l{l}"), vec![three]));
                }
                CellKind::Cho => keys.push((format!("gru.bias_l{l}"), vec![three])),
            }
        }
        keys.push(("fc.weight".into(), vec![1, h]));
        keys.push(("fc.bias".into(), vec![1]));
        keys
    }

    /// The tutorial's model construction under `torch.manual_seed(seed)`: `nn.GRU` and `nn.Linear` first
    /// draw their default init (one uniform draw per parameter), then `_initialize_weights` overwrites
    /// every weight with xavier-uniform (`bound = √(6 / (fan_in + fan_out))`, Glorot & Bengio 2010, with
    /// PyTorch's fans of an `[out, in]` matrix) and every bias with zero. Replaying PyTorch's generator
    /// makes seed 42 give the tutorial's exact initial weights (see the tests).
    pub fn initial_state_dict(&self, seed: u64) -> StateDict {
        let mut rng = TorchRng::new(seed);
        let expected = self.expected();
        let default_init_draws: usize = expected
            .iter()
            .map(|(_, s)| s.iter().product::<usize>())
            .sum();
        for _ in 0..default_init_draws {
            rng.next_u32();
        }
        expected
            .into_iter()
            .map(|(name, shape)| {
                let len = shape.iter().product();
                let data = if name.contains("weight") {
                    let bound = (6.0 / (shape[0] + shape[1]) as f64).sqrt() as f32;
                    (0..len).map(|_| rng.uniform_f32(-bound, bound)).collect()
                } else {
                    vec![0.0; len]
                };
                (name, NamedTensor { shape, data })
            })
            .collect()
    }

    /// Reads the shape off a state dict's keys: layers from `weight_ih_l{k}`, hidden from
    /// `weight_hh_l0`, the cell from its biases (`bias_ih_l0` for pytorch, `bias_l0` for cho).
    pub fn infer(dict: &StateDict) -> Result<ModelShape, WeightsError> {
        let unreadable =
            |why: &str| WeightsError::Unreadable(format!("not a GRU state dict: {why}"));
        let layers = (0..)
            .take_while(|l| dict.contains_key(&format!("gru.weight_ih_l{l}")))
            .count();
        if layers == 0 {
            return Err(unreadable("no \"gru.weight_ih_l0\" key"));
        }
        let hidden = dict
            .get("gru.weight_hh_l0")
            .and_then(|t| t.shape.get(1).copied())
            .ok_or_else(|| unreadable("no 2-D \"gru.weight_hh_l0\""))?;
        let cell = if dict.contains_key("gru.bias_ih_l0") {
            CellKind::Pytorch
        } else {
            CellKind::Cho
        };
        Ok(ModelShape {
            cell,
            layers,
            hidden,
        })
    }

    /// Checks that `dict` has exactly this shape's keys with the right shapes.
    pub fn check(&self, dict: &StateDict) -> Result<(), WeightsError> {
        let expected = self.expected();
        for (name, shape) in &expected {
            let found = dict.get(name).ok_or_else(|| WeightsError::MissingKey {
                key: name.clone(),
                shape: *self,
            })?;
            if &found.shape != shape || found.data.len() != shape.iter().product::<usize>() {
                return Err(WeightsError::WrongShape {
                    key: name.clone(),
                    expected: shape.clone(),
                    found: found.shape.clone(),
                });
            }
            if let Some(bad) = found.data.iter().position(|v| !v.is_finite()) {
                return Err(WeightsError::NotFinite {
                    key: name.clone(),
                    index: bad,
                });
            }
        }
        if let Some(extra) = dict.keys().find(|k| !expected.iter().any(|(e, _)| e == *k)) {
            return Err(WeightsError::UnexpectedKey {
                key: extra.clone(),
                shape: *self,
            });
        }
        Ok(())
    }
}

/// Why a set of weights does not fit the model.
#[derive(Clone, Debug, PartialEq)]
pub enum WeightsError {
    MissingKey {
        key: String,
        shape: ModelShape,
    },
    UnexpectedKey {
        key: String,
        shape: ModelShape,
    },
    WrongShape {
        key: String,
        expected: Vec<usize>,
        found: Vec<usize>,
    },
    NotFinite {
        key: String,
        index: usize,
    },
    /// The file could not be read or parsed at all.
    Unreadable(String),
}

impl fmt::Display for ModelShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} layer(s) of {} units, {} cell",
            self.layers,
            self.hidden,
            self.cell.name()
        )
    }
}

impl fmt::Display for WeightsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WeightsError::MissingKey { key, shape } => write!(
                f,
                "weights lack \"{key}\", which a model of {shape} needs (check --layers, --hidden and --cell)"
            ),
            WeightsError::UnexpectedKey { key, shape } => write!(
                f,
                "weights hold \"{key}\", which a model of {shape} does not have (check --layers and --cell)"
            ),
            WeightsError::WrongShape {
                key,
                expected,
                found,
            } => write!(
                f,
                "weights \"{key}\" have shape {found:?}, the model needs {expected:?} (check --hidden and --layers)"
            ),
            WeightsError::NotFinite { key, index } => {
                write!(
                    f,
                    "weights \"{key}\" hold a NaN or infinite value at index {index}"
                )
            }
            WeightsError::Unreadable(why) => write!(f, "{why}"),
        }
    }
}

impl std::error::Error for WeightsError {}

/// The model: GRU layers, inter-layer dropout probability, and the Linear head `fc`.
#[derive(Module, Debug)]
pub struct GruModel {
    pub layers: Vec<GruLayer>,
    /// `[H, 1]` (PyTorch's `fc.weight` transposed).
    pub fc_weight: Param<Tensor<2>>,
    /// `[1]`.
    pub fc_bias: Param<Tensor<1>>,
    pub dropout: f64,
}

/// What a forward pass returns.
pub struct ForwardOutput {
    /// `[B, 1]`.
    pub prediction: Tensor<2>,
    /// Per layer, when samples were chosen for recording.
    pub recordings: Vec<LayerRecording>,
}

impl GruModel {
    /// The seeded tutorial init of a model shaped by `config`.
    pub fn init(config: &LabConfig, device: &Device) -> GruModel {
        let shape = ModelShape::from(config);
        let dict = shape.initial_state_dict(config.seed);
        GruModel::from_state_dict(shape, config.dropout, &dict, device)
            .expect("the seeded init has the model's own shape")
    }

    /// Builds the model on `device` from weights that `shape.check` accepts.
    pub fn from_state_dict(
        shape: ModelShape,
        dropout: f64,
        dict: &StateDict,
        device: &Device,
    ) -> Result<GruModel, WeightsError> {
        shape.check(dict)?;
        let params = ModelParams::from_state_dict(shape, dict);
        let layers = params
            .layers
            .iter()
            .enumerate()
            .map(|(l, layer)| {
                GruLayer::from_params(
                    shape.cell,
                    input_size(l, shape.hidden),
                    shape.hidden,
                    layer,
                    device,
                )
            })
            .collect();
        let fc_weight =
            Tensor::from_data(TensorData::new(params.fc_weight, [shape.hidden, 1]), device);
        let fc_bias = Tensor::from_data(TensorData::new(vec![params.fc_bias], [1]), device);
        Ok(GruModel {
            layers,
            fc_weight: Param::from_tensor(fc_weight),
            fc_bias: Param::from_tensor(fc_bias),
            dropout,
        })
    }

    pub fn shape(&self) -> ModelShape {
        ModelShape {
            cell: self.layers[0].cell,
            layers: self.layers.len(),
            hidden: self.layers[0].hidden,
        }
    }

    /// The model's weights as a PyTorch-layout state dict, read with one batched async transfer.
    pub async fn state_dict(&self) -> Result<StateDict, String> {
        Ok(ModelParams::read(self).await?.to_state_dict())
    }

    /// The forward pass of `GRUModel.forward`: `xs: [B, T, 1]` → `[B, 1]`.
    ///
    /// `h0` is `[L, B, H]` (zeros when `None`, as in the tutorial). `dropout_masks` holds one
    /// `[B, T, H]` mask per layer but the last (already scaled by `1/(1−p)`); pass none to evaluate.
    /// `record` lists sample rows whose gates are kept; `None` records nothing and costs nothing.
    pub fn forward(
        &self,
        xs: Tensor<3>,
        h0: Option<Tensor<3>>,
        dropout_masks: &[Tensor<3>],
        record: Option<&[usize]>,
    ) -> ForwardOutput {
        let [batch, _, _] = xs.dims();
        let hidden = self.layers[0].hidden;
        let device = xs.device();
        let rows = record.map(|samples| {
            let ids: Vec<i64> = samples.iter().map(|&s| s as i64).collect();
            Tensor::<1, Int>::from_data(TensorData::new(ids, [samples.len()]), &device)
        });
        let mut sequence = xs;
        let mut recordings = Vec::new();
        for (l, layer) in self.layers.iter().enumerate() {
            let start = match &h0 {
                Some(h0) => h0.clone().narrow(0, l, 1).reshape([batch, hidden]),
                None => Tensor::zeros([batch, hidden], &device),
            };
            let (outputs, recording) = layer.forward(sequence, start, rows.as_ref());
            recordings.extend(recording);
            sequence = match dropout_masks.get(l) {
                Some(mask) if l + 1 < self.layers.len() => outputs * mask.clone(),
                _ => outputs,
            };
        }
        let [_, steps, _] = sequence.dims();
        let last = sequence.narrow(1, steps - 1, 1).reshape([batch, hidden]);
        let prediction = last.matmul(self.fc_weight.val()) + self.fc_bias.val().unsqueeze::<2>();
        ForwardOutput {
            prediction,
            recordings,
        }
    }

    /// Inverted-dropout masks for one training pass, drawn from `rng`: each entry is 0 with
    /// probability p and `1/(1−p)` otherwise (PyTorch's `nn.Dropout` in training). One `[B, T, H]`
    /// mask per layer but the last; none when p is 0 or there is one layer.
    pub fn dropout_mask_values(
        &self,
        batch: usize,
        steps: usize,
        rng: &mut SplitMix64,
    ) -> Vec<Vec<f32>> {
        let p = self.dropout;
        if p <= 0.0 || self.layers.len() < 2 {
            return Vec::new();
        }
        let hidden = self.layers[0].hidden;
        let keep = (1.0 / (1.0 - p)) as f32;
        // `next_f64() < p` without the float conversion: next_f64 is the top 53 bits over 2⁵³.
        let threshold = (p * (1u64 << 53) as f64).ceil() as u64;
        (0..self.layers.len() - 1)
            .map(|_| {
                (0..batch * steps * hidden)
                    .map(|_| {
                        if rng.next_u64() >> 11 < threshold {
                            0.0
                        } else {
                            keep
                        }
                    })
                    .collect()
            })
            .collect()
    }

    /// [`GruModel::dropout_mask_values`] as tensors on `device`.
    pub fn dropout_masks(
        &self,
        batch: usize,
        steps: usize,
        rng: &mut SplitMix64,
        device: &Device,
    ) -> Vec<Tensor<3>> {
        let hidden = self.layers[0].hidden;
        self.dropout_mask_values(batch, steps, rng)
            .into_iter()
            .map(|mask| Tensor::from_data(TensorData::new(mask, [batch, steps, hidden]), device))
            .collect()
    }
}

impl GruModel {
    /// Runs `inputs: [B, T, 1]` (from `h0: [L, B, H]`, zeros when `None`) in evaluation mode and returns the gates and predictions of the
    /// `samples` rows (indices into B).
    pub async fn trace(
        &self,
        inputs: Tensor<3>,
        h0: Option<Tensor<3>>,
        samples: &[usize],
    ) -> Result<Evaluation, String> {
        let model = self.valid();
        let output = model.forward(inputs.inner(), h0.map(Tensor::inner), &[], Some(samples));
        read_traces(samples, output.prediction, output.recordings).await
    }
}

/// Every row's prediction and the gates of the recorded rows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Evaluation {
    pub predictions: Vec<f32>,
    pub traces: Vec<SampleTrace>,
}

/// Reads the predictions and the recorded gate tensors in one transfer.
async fn read_traces(
    samples: &[usize],
    predictions: Tensor<2>,
    recordings: Vec<LayerRecording>,
) -> Result<Evaluation, String> {
    let mut transaction = Transaction::default().register(predictions);
    let mut dims = Vec::new();
    for rec in recordings {
        dims.push(rec.r.dims());
        transaction = transaction
            .register(rec.r)
            .register(rec.z)
            .register(rec.candidate)
            .register(rec.h);
    }
    let data = transaction
        .execute_async()
        .await
        .map_err(|e| format!("reading the gates failed: {e:?}"))?;
    let mut values = data
        .into_iter()
        .map(|d| d.try_into_vec_as::<f32>().map_err(|e| format!("{e:?}")));
    let predictions = values.next().expect("predictions registered")?;
    let mut traces: Vec<SampleTrace> = samples
        .iter()
        .map(|&s| SampleTrace {
            sample: s,
            prediction: predictions[s],
            layers: Vec::new(),
        })
        .collect();
    for [steps, count, hidden] in dims {
        let mut gates: [Vec<f32>; 4] = Default::default();
        for slot in gates.iter_mut() {
            *slot = values.next().expect("four gates per layer")?;
        }
        // [T, S, H] → per sample [T][H].
        let per_sample = |flat: &[f32], s: usize| -> Vec<Vec<f32>> {
            (0..steps)
                .map(|t| flat[(t * count + s) * hidden..(t * count + s + 1) * hidden].to_vec())
                .collect()
        };
        for (s, trace) in traces.iter_mut().enumerate() {
            trace.layers.push(LayerGates {
                r: per_sample(&gates[0], s),
                z: per_sample(&gates[1], s),
                candidate: per_sample(&gates[2], s),
                h: per_sample(&gates[3], s),
            });
        }
    }
    Ok(Evaluation {
        predictions,
        traces,
    })
}
