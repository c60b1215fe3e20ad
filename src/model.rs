//! The tutorial's `GRUModel` for any cell: stacked recurrent layers, dropout between layers (training
//! only), and a Linear head on the last time step's hidden state. Weights enter and leave as a
//! [`StateDict`] with PyTorch's key names and layouts, so the seeded init, a `.pth` import and our own
//! weight files share one path.

use crate::cells::State;
use crate::config::LabConfig;
use crate::dropout::Dropout;
use crate::gradient_flow::{GradientFlow, LayerFlow};
use crate::layer::{RecurrentLayer, probe_norms};
use crate::params::{LayerParams, ModelParams};
use crate::rng::SplitMix64;
use crate::state_dict::{ModelShape, StateDict, WeightsError};
use crate::trace::{LayerGates, SampleTrace, window_rows};
use burn::module::{Module, Param, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::{Device, Gradients, Int, Tensor, TensorData, Transaction};

/// The model: recurrent layers, inter-layer dropout probability, and the Linear head `fc`.
#[derive(Module, Debug)]
pub struct RecurrentModel {
    pub layers: Vec<RecurrentLayer>,
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
    /// Per layer, when samples were chosen for recording: one `[T, S, H]` tensor per quantity of the
    /// cell, in its order.
    pub recordings: Vec<Vec<Tensor<3>>>,
    /// Per layer, when probed: each step's probes ([`crate::layer`]) and the gate highway.
    pub probes: Vec<(Vec<State>, Option<Tensor<1>>)>,
}

/// A probed pass's gradient through time after `loss.backward()`, still on the device: per layer
/// `[T]` tensors of `‖∂L/∂h_t‖`, `‖∂L/∂c_t‖` (cells with memory) and the gate highway (cells with a
/// keep gate). Registered in a [`Transaction`] beside the loss, so the tensor path reads an epoch
/// with one transfer.
pub struct FlowTensors {
    layers: Vec<[Option<Tensor<1>>; 3]>,
}

impl FlowTensors {
    pub fn of(output: &ForwardOutput, grads: &Gradients) -> FlowTensors {
        let layers = output
            .probes
            .iter()
            .map(|(probes, keep)| {
                let (dh, dc) = probe_norms(probes, grads);
                [Some(dh), dc, keep.clone()]
            })
            .collect();
        FlowTensors { layers }
    }

    /// Adds every tensor to `transaction`, in the order [`FlowTensors::read`] takes them back.
    pub fn register(&self, mut transaction: Transaction) -> Transaction {
        for tensor in self.layers.iter().flatten().flatten() {
            transaction = transaction.register(tensor.clone());
        }
        transaction
    }

    /// The profiles from the transaction's results (positioned at this flow's first tensor).
    pub fn read(
        &self,
        data: &mut impl Iterator<Item = TensorData>,
    ) -> Result<GradientFlow, String> {
        let mut next = |present: bool| -> Result<Option<Vec<f32>>, String> {
            if !present {
                return Ok(None);
            }
            let values = data.next().ok_or("a flow tensor was not read")?;
            values
                .try_into_vec_as::<f32>()
                .map(Some)
                .map_err(|e| format!("reading the gradient flow failed: {e:?}"))
        };
        let layers = self
            .layers
            .iter()
            .map(|[dh, dc, keep]| {
                Ok(LayerFlow {
                    dh: next(dh.is_some())?.unwrap_or_default(),
                    dc: next(dc.is_some())?,
                    keep: next(keep.is_some())?,
                })
            })
            .collect::<Result<_, String>>()?;
        Ok(GradientFlow { layers })
    }
}

impl RecurrentModel {
    /// The seeded tutorial init of a model shaped by `config`.
    pub fn init(config: &LabConfig, device: &Device) -> RecurrentModel {
        let shape = ModelShape::from(config);
        let dict = shape.initial_state_dict(config.seed);
        RecurrentModel::from_state_dict(shape, config.dropout, &dict, device)
            .expect("the seeded init has the model's own shape")
    }

    /// Builds the model on `device` from weights that `shape.check` accepts.
    pub fn from_state_dict(
        shape: ModelShape,
        dropout: f64,
        dict: &StateDict,
        device: &Device,
    ) -> Result<RecurrentModel, WeightsError> {
        shape.check(dict)?;
        let params = ModelParams::from_state_dict(shape, dict);
        let layers = params
            .layers
            .iter()
            .enumerate()
            .map(|(l, layer)| {
                RecurrentLayer::from_params(
                    shape.cell,
                    shape.input_size(l),
                    shape.hidden,
                    layer,
                    device,
                )
            })
            .collect();
        let fc_weight =
            Tensor::from_data(TensorData::new(params.fc_weight, [shape.hidden, 1]), device);
        let fc_bias = Tensor::from_data(TensorData::new(vec![params.fc_bias], [1]), device);
        Ok(RecurrentModel {
            layers,
            fc_weight: Param::from_tensor(fc_weight),
            fc_bias: Param::from_tensor(fc_bias),
            dropout,
        }
        .numbered())
    }

    /// Gives every parameter its position as its id (0, 1, … in [`ModelParams::values`] order), so
    /// that two models of one shape name their parameters alike: Adam's moments, which Burn's
    /// optimiser keys by parameter id, then carry from a run in one module (the CPU one) to the same
    /// run in another (the WebGPU one), see [`crate::train::Trainer::moments`].
    fn numbered(mut self) -> RecurrentModel {
        let mut next = 0..;
        let mut number = || ParamId::from(next.next().expect("unbounded"));
        for layer in &mut self.layers {
            layer.w_input.id = number();
            layer.w_hidden.id = number();
            layer.b_input.id = number();
            if let Some(b) = &mut layer.b_hidden {
                b.id = number();
            }
        }
        self.fc_weight.id = number();
        self.fc_bias.id = number();
        self
    }

    pub fn shape(&self) -> ModelShape {
        ModelShape {
            cell: self.layers[0].cell,
            layers: self.layers.len(),
            hidden: self.layers[0].hidden,
            inputs: self.layers[0].w_input.shape().dims::<2>()[0],
        }
    }

    /// The model's weights as a PyTorch-layout state dict, read with one batched async transfer.
    pub async fn state_dict(&self) -> Result<StateDict, String> {
        Ok(self.params().await?.to_state_dict())
    }

    /// Reads the model's parameters to the host in one batched transfer.
    ///
    /// Each is read from a copy of its own ([`own`]): Burn's ndarray backend moves a tensor's buffer
    /// out when nothing else holds it, but reads a shared one (a parameter's, which the model keeps)
    /// element by element through a dynamic-rank iterator, which took 5 ms of every 136 ms epoch of
    /// the 128×2 GRU in Chromium.
    pub async fn params(&self) -> Result<ModelParams, String> {
        fn own<const D: usize>(param: &Param<Tensor<D>>) -> Tensor<D> {
            param.val().mul_scalar(1.0)
        }
        let mut transaction = Transaction::default();
        for layer in &self.layers {
            transaction = transaction
                .register(own(&layer.w_input))
                .register(own(&layer.w_hidden))
                .register(own(&layer.b_input));
            if let Some(b) = &layer.b_hidden {
                transaction = transaction.register(own(b));
            }
        }
        transaction = transaction
            .register(own(&self.fc_weight))
            .register(own(&self.fc_bias));
        let mut data = transaction
            .execute_async()
            .await
            .map_err(|e| format!("reading the weights failed: {e:?}"))?
            .into_iter();
        let mut next = || -> Result<Vec<f32>, String> {
            data.next()
                .expect("one read per registered tensor")
                .try_into_vec_as::<f32>()
                .map_err(|e| format!("reading the weights failed: {e:?}"))
        };
        let mut layers = Vec::with_capacity(self.layers.len());
        for layer in &self.layers {
            layers.push(LayerParams {
                w_input: next()?,
                w_hidden: next()?,
                b_input: next()?,
                b_hidden: match layer.b_hidden {
                    Some(_) => Some(next()?),
                    None => None,
                },
            });
        }
        Ok(ModelParams {
            shape: self.shape(),
            layers,
            fc_weight: next()?,
            fc_bias: next()?[0],
        })
    }

    /// Host values (e.g. the fused path's gradients) as the gradients of this model's parameters, on
    /// `device` (the model's device without autodiff), for Burn's optimizer.
    pub fn gradients(&self, values: &ModelParams, device: &Device) -> GradientsParams {
        fn put<const D: usize>(
            grads: &mut GradientsParams,
            param: &Param<Tensor<D>>,
            values: &[f32],
            device: &Device,
        ) {
            let shape = param.shape();
            let tensor = Tensor::<D>::from_data(TensorData::new(values.to_vec(), shape), device);
            grads.register::<D>(param.id, tensor);
        }
        let mut grads = GradientsParams::new();
        for (layer, values) in self.layers.iter().zip(&values.layers) {
            put(&mut grads, &layer.w_input, &values.w_input, device);
            put(&mut grads, &layer.w_hidden, &values.w_hidden, device);
            put(&mut grads, &layer.b_input, &values.b_input, device);
            if let (Some(param), Some(values)) = (&layer.b_hidden, &values.b_hidden) {
                put(&mut grads, param, values, device);
            }
        }
        put(&mut grads, &self.fc_weight, &values.fc_weight, device);
        put(&mut grads, &self.fc_bias, &[values.fc_bias], device);
        grads
    }

    /// The forward pass of `GRUModel.forward`: `xs: [B, T, 1]` → `[B, 1]`.
    ///
    /// `initial` holds h₀ `[L, B, H]` and, for cells with memory, c₀ (each zeros when absent, as in
    /// the tutorial). `dropout_masks` holds one
    /// `[B, T, H]` mask per layer but the last (already scaled by `1/(1−p)`); pass none to evaluate.
    /// `record` lists sample rows whose gates are kept; `None` records nothing and costs nothing.
    /// `probe` probes every layer's states for the gradient through time (training under autodiff).
    pub fn forward(
        &self,
        xs: Tensor<3>,
        initial: &[Tensor<3>],
        dropout_masks: &[Tensor<3>],
        record: Option<&[usize]>,
        probe: bool,
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
        let mut probes = Vec::new();
        let memory = self.layers[0].cell.spec().memory;
        for (l, layer) in self.layers.iter().enumerate() {
            let layer_start = |k: usize| match initial.get(k) {
                Some(s) => s.clone().narrow(0, l, 1).reshape([batch, hidden]),
                None => Tensor::zeros([batch, hidden], &device),
            };
            let start = State {
                h: layer_start(0),
                c: memory.then(|| layer_start(1)),
            };
            let output = layer.forward(sequence, start, rows.as_ref(), probe);
            recordings.extend(output.recording);
            if probe {
                probes.push((output.probes, output.keep));
            }
            sequence = match dropout_masks.get(l) {
                Some(mask) if l + 1 < self.layers.len() => output.outputs * mask.clone(),
                _ => output.outputs,
            };
        }
        let [_, steps, _] = sequence.dims();
        let last = sequence.narrow(1, steps - 1, 1).reshape([batch, hidden]);
        let prediction = last.matmul(self.fc_weight.val()) + self.fc_bias.val().unsqueeze::<2>();
        ForwardOutput {
            prediction,
            recordings,
            probes,
        }
    }

    /// Where this model has dropout ([`Dropout`]).
    pub fn dropout(&self) -> Dropout {
        Dropout {
            p: self.dropout,
            layers: self.layers.len(),
            hidden: self.layers[0].hidden,
        }
    }

    /// Inverted-dropout masks for one training pass over the whole batch, drawn from `rng` (which
    /// moves on past them): one `[B, T, H]` mask per layer but the last; none when p is 0 or there is
    /// one layer ([`Dropout::masks`]).
    pub fn dropout_mask_values(
        &self,
        batch: usize,
        steps: usize,
        rng: &mut SplitMix64,
    ) -> Vec<Vec<f32>> {
        let dropout = self.dropout();
        let masks = dropout.masks(batch, steps, 0..batch, rng);
        rng.skip(dropout.draws(batch, steps));
        masks
    }

    /// [`RecurrentModel::dropout_mask_values`] as tensors on `device`.
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

impl RecurrentModel {
    /// Runs `inputs: [B, T, 1]` (from `initial` as in [`RecurrentModel::forward`]) in evaluation
    /// mode and returns every prediction and the quantities of the `samples` rows (indices into B).
    pub async fn trace(
        &self,
        inputs: Tensor<3>,
        initial: &[Tensor<3>],
        samples: &[usize],
    ) -> Result<Evaluation, String> {
        let model = self.valid();
        let initial: Vec<Tensor<3>> = initial.iter().map(|t| t.clone().inner()).collect();
        let inputs = inputs.inner();
        let ids: Vec<i64> = samples.iter().map(|&s| s as i64).collect();
        let rows =
            Tensor::<1, Int>::from_data(TensorData::new(ids, [samples.len()]), &inputs.device());
        let windows = inputs.clone().select(0, rows);
        let output = model.forward(inputs, &initial, &[], Some(samples), false);
        let names = self.layers[0].cell.spec().quantities.iter().map(|q| q.name);
        read_traces(
            samples,
            names.collect(),
            output.prediction,
            windows,
            output.recordings,
        )
        .await
    }
}

/// Every row's prediction and the gates of the recorded rows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Evaluation {
    pub predictions: Vec<f32>,
    pub traces: Vec<SampleTrace>,
}

/// Reads the predictions and the recorded quantities (named `names`, per layer) in one transfer.
async fn read_traces(
    samples: &[usize],
    names: Vec<&str>,
    predictions: Tensor<2>,
    windows: Tensor<3>,
    recordings: Vec<Vec<Tensor<3>>>,
) -> Result<Evaluation, String> {
    let [_, steps, channels] = windows.dims();
    let mut transaction = Transaction::default()
        .register(predictions)
        .register(windows);
    let mut dims = Vec::new();
    for layer in recordings {
        dims.push(layer[0].dims());
        for quantity in layer {
            transaction = transaction.register(quantity);
        }
    }
    let data = transaction
        .execute_async()
        .await
        .map_err(|e| format!("reading the gates failed: {e:?}"))?;
    let mut values = data
        .into_iter()
        .map(|d| d.try_into_vec_as::<f32>().map_err(|e| format!("{e:?}")));
    let predictions = values.next().expect("predictions registered")?;
    let windows = values.next().expect("windows registered")?;
    let mut traces: Vec<SampleTrace> = samples
        .iter()
        .zip(windows.chunks_exact(steps * channels))
        .map(|(&s, window)| SampleTrace {
            sample: s,
            prediction: predictions[s],
            inputs: window_rows(window, channels),
            layers: Vec::new(),
        })
        .collect();
    for [steps, count, hidden] in dims {
        let mut layer: Vec<LayerGates> = vec![LayerGates::new(); count];
        for name in &names {
            let flat = values.next().expect("one read per quantity")?;
            // [T, S, H] → per sample [T][H].
            for (s, gates) in layer.iter_mut().enumerate() {
                let rows = (0..steps)
                    .map(|t| flat[(t * count + s) * hidden..(t * count + s + 1) * hidden].to_vec())
                    .collect();
                gates.insert(name.to_string(), rows);
            }
        }
        for (trace, gates) in traces.iter_mut().zip(layer) {
            trace.layers.push(gates);
        }
    }
    Ok(Evaluation {
        predictions,
        traces,
    })
}
