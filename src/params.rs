//! The model's parameters on the host, in the layout of [`crate::gru::GruLayer`]'s Burn parameters:
//! read from a [`GruModel`] in one transfer, written out as a PyTorch state dict, or handed to Burn's
//! optimizer as gradients (the fused path of [`crate::bptt`] computes gradients in this form).

use crate::config::CellKind;
use crate::gru::transpose;
use crate::model::{GruModel, ModelShape, NamedTensor, StateDict};
use burn::module::Param;
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor, TensorData, Transaction};

/// Input width of layer `layer`: the sine value for the first, the hidden state below for the rest.
pub fn input_size(layer: usize, hidden: usize) -> usize {
    if layer == 0 { 1 } else { hidden }
}

/// One layer's parameters (or their gradients) on the host, in [`crate::gru::GruLayer`]'s layout.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerParams {
    /// `[I, 3H]`.
    pub w_input: Vec<f32>,
    /// `[H, 3H]`.
    pub w_hidden: Vec<f32>,
    /// `[3H]`.
    pub b_input: Vec<f32>,
    /// `[3H]`, pytorch cell only.
    pub b_hidden: Option<Vec<f32>>,
}

/// Every parameter of a [`GruModel`] (or its gradient) on the host.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelParams {
    pub shape: ModelShape,
    pub layers: Vec<LayerParams>,
    /// `[H]`.
    pub fc_weight: Vec<f32>,
    pub fc_bias: f32,
}

impl ModelParams {
    /// All zeros, the shape of `shape`'s parameters.
    pub fn zeros(shape: ModelShape) -> ModelParams {
        let (h, three) = (shape.hidden, 3 * shape.hidden);
        ModelParams {
            shape,
            layers: (0..shape.layers)
                .map(|l| LayerParams {
                    w_input: vec![0.0; input_size(l, h) * three],
                    w_hidden: vec![0.0; h * three],
                    b_input: vec![0.0; three],
                    b_hidden: (shape.cell == CellKind::Pytorch).then(|| vec![0.0; three]),
                })
                .collect(),
            fc_weight: vec![0.0; h],
            fc_bias: 0.0,
        }
    }

    /// Reads the model's parameters in one batched transfer.
    pub async fn read(model: &GruModel) -> Result<ModelParams, String> {
        let mut transaction = Transaction::default();
        for layer in &model.layers {
            transaction = transaction
                .register(layer.w_input.val())
                .register(layer.w_hidden.val())
                .register(layer.b_input.val());
            if let Some(b) = &layer.b_hidden {
                transaction = transaction.register(b.val());
            }
        }
        transaction = transaction
            .register(model.fc_weight.val())
            .register(model.fc_bias.val());
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
        let mut layers = Vec::with_capacity(model.layers.len());
        for layer in &model.layers {
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
            shape: model.shape(),
            layers,
            fc_weight: next()?,
            fc_bias: next()?[0],
        })
    }

    /// These values as the gradients of `model`'s parameters, on `device` (the model's device without
    /// autodiff), for Burn's optimizer.
    pub fn to_gradients(&self, model: &GruModel, device: &Device) -> GradientsParams {
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
        for (layer, values) in model.layers.iter().zip(&self.layers) {
            put(&mut grads, &layer.w_input, &values.w_input, device);
            put(&mut grads, &layer.w_hidden, &values.w_hidden, device);
            put(&mut grads, &layer.b_input, &values.b_input, device);
            if let (Some(param), Some(values)) = (&layer.b_hidden, &values.b_hidden) {
                put(&mut grads, param, values, device);
            }
        }
        put(&mut grads, &model.fc_weight, &self.fc_weight, device);
        put(&mut grads, &model.fc_bias, &[self.fc_bias], device);
        grads
    }

    /// From a state dict in PyTorch's names and layouts that `shape.check` accepted (the inverse of
    /// [`ModelParams::to_state_dict`]).
    pub fn from_state_dict(shape: ModelShape, dict: &StateDict) -> ModelParams {
        let (h, three) = (shape.hidden, 3 * shape.hidden);
        let take = |key: String| dict[&key].data.clone();
        let layers = (0..shape.layers)
            .map(|l| {
                let input = input_size(l, h);
                let (b_input, b_hidden) = match shape.cell {
                    CellKind::Cho => (take(format!("gru.bias_l{l}")), None),
                    CellKind::Pytorch => (
                        take(format!("gru.bias_ih_l{l}")),
                        Some(take(format!("gru.bias_hh_l{l}"))),
                    ),
                };
                LayerParams {
                    w_input: transpose(&take(format!("gru.weight_ih_l{l}")), three, input),
                    w_hidden: transpose(&take(format!("gru.weight_hh_l{l}")), three, h),
                    b_input,
                    b_hidden,
                }
            })
            .collect();
        ModelParams {
            shape,
            layers,
            fc_weight: take("fc.weight".into()),
            fc_bias: dict["fc.bias"].data[0],
        }
    }

    /// In PyTorch's names and layouts (`weight_ih_l{k}` is `[3H, I]`, …, `fc.weight` `[1, H]`).
    pub fn to_state_dict(&self) -> StateDict {
        let (h, three) = (self.shape.hidden, 3 * self.shape.hidden);
        let mut dict = StateDict::new();
        let mut put = |name: String, shape: Vec<usize>, data: Vec<f32>| {
            dict.insert(name, NamedTensor { shape, data });
        };
        for (l, layer) in self.layers.iter().enumerate() {
            let input = input_size(l, h);
            put(
                format!("gru.weight_ih_l{l}"),
                vec![three, input],
                transpose(&layer.w_input, input, three),
            );
            put(
                format!("gru.weight_hh_l{l}"),
                vec![three, h],
                transpose(&layer.w_hidden, h, three),
            );
            match (&layer.b_hidden, self.shape.cell) {
                (Some(b_hidden), CellKind::Pytorch) => {
                    put(
                        format!("gru.bias_ih_l{l}"),
                        vec![three],
                        layer.b_input.clone(),
                    );
                    put(format!("gru.bias_hh_l{l}"), vec![three], b_hidden.clone());
                }
                _ => put(format!("gru.bias_l{l}"), vec![three], layer.b_input.clone()),
            }
        }
        put("fc.weight".into(), vec![1, h], self.fc_weight.clone());
        put("fc.bias".into(), vec![1], vec![self.fc_bias]);
        dict
    }

    /// Every value, in a fixed order (for norms and comparisons).
    pub fn values(&self) -> impl Iterator<Item = f32> + '_ {
        self.layers
            .iter()
            .flat_map(|l| {
                l.w_input
                    .iter()
                    .chain(&l.w_hidden)
                    .chain(&l.b_input)
                    .chain(l.b_hidden.iter().flatten())
            })
            .chain(&self.fc_weight)
            .chain(std::iter::once(&self.fc_bias))
            .copied()
    }

    /// Multiplies every value by `factor`.
    pub fn scale(&mut self, factor: f32) {
        for l in &mut self.layers {
            for v in l
                .w_input
                .iter_mut()
                .chain(&mut l.w_hidden)
                .chain(&mut l.b_input)
                .chain(l.b_hidden.iter_mut().flatten())
            {
                *v *= factor;
            }
        }
        self.fc_weight.iter_mut().for_each(|v| *v *= factor);
        self.fc_bias *= factor;
    }
}
