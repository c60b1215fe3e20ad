//! The model's parameters on the host, in the layout of [`crate::layer::RecurrentLayer`]'s Burn
//! parameters (PyTorch's transposed for `x · W`). The fused path of [`crate::bptt`] computes
//! gradients in this form; [`crate::model::RecurrentModel`] reads its weights into it and takes
//! gradients from it.

use crate::state_dict::{ModelShape, NamedTensor, StateDict};

/// One layer's parameters (or their gradients) on the host; G is the cell's block count. As JSON, the
/// page's snapshot carries them for the live equations.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LayerParams {
    /// `[I, G·H]`.
    pub w_input: Vec<f32>,
    /// `[H, G·H]`.
    pub w_hidden: Vec<f32>,
    /// `[G·H]`.
    pub b_input: Vec<f32>,
    /// `[G·H]`, cells with a hidden bias only.
    pub b_hidden: Option<Vec<f32>>,
}

/// Every parameter of a model (or its gradient) on the host.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelParams {
    pub shape: ModelShape,
    pub layers: Vec<LayerParams>,
    /// `[H]`.
    pub fc_weight: Vec<f32>,
    pub fc_bias: f32,
}

/// Row-major `[rows, cols]` → `[cols, rows]`.
pub fn transpose(data: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut out = vec![0.0; data.len()];
    transpose_into(&mut out, data, rows, cols);
    out
}

/// [`transpose`] into a buffer of the same length (no allocation).
pub fn transpose_into(out: &mut [f32], data: &[f32], rows: usize, cols: usize) {
    assert_eq!(
        out.len(),
        data.len(),
        "transpose into a buffer of another size"
    );
    for r in 0..rows {
        for c in 0..cols {
            out[c * rows + r] = data[r * cols + c];
        }
    }
}

impl ModelParams {
    /// All zeros, the shape of `shape`'s parameters.
    pub fn zeros(shape: ModelShape) -> ModelParams {
        let spec = shape.cell.spec();
        let (h, width) = (shape.hidden, spec.blocks * shape.hidden);
        ModelParams {
            shape,
            layers: (0..shape.layers)
                .map(|l| LayerParams {
                    w_input: vec![0.0; shape.input_size(l) * width],
                    w_hidden: vec![0.0; h * width],
                    b_input: vec![0.0; width],
                    b_hidden: spec.hidden_bias.then(|| vec![0.0; width]),
                })
                .collect(),
            fc_weight: vec![0.0; h],
            fc_bias: 0.0,
        }
    }

    /// From a state dict in PyTorch's names and layouts that `shape.check` accepted (the inverse of
    /// [`ModelParams::to_state_dict`]).
    pub fn from_state_dict(shape: ModelShape, dict: &StateDict) -> ModelParams {
        let spec = shape.cell.spec();
        let (h, width, m) = (shape.hidden, spec.blocks * shape.hidden, spec.module);
        let take = |key: String| dict[&key].data.clone();
        let layers = (0..shape.layers)
            .map(|l| {
                let (b_input, b_hidden) = if spec.hidden_bias {
                    (
                        take(format!("{m}.bias_ih_l{l}")),
                        Some(take(format!("{m}.bias_hh_l{l}"))),
                    )
                } else {
                    (take(format!("{m}.bias_l{l}")), None)
                };
                LayerParams {
                    w_input: transpose(
                        &take(format!("{m}.weight_ih_l{l}")),
                        width,
                        shape.input_size(l),
                    ),
                    w_hidden: transpose(&take(format!("{m}.weight_hh_l{l}")), width, h),
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

    /// In PyTorch's names and layouts (`weight_ih_l{k}` is `[G·H, I]`, …, `fc.weight` `[1, H]`).
    pub fn to_state_dict(&self) -> StateDict {
        let spec = self.shape.cell.spec();
        let (h, width, m) = (
            self.shape.hidden,
            spec.blocks * self.shape.hidden,
            spec.module,
        );
        let mut dict = StateDict::new();
        let mut put = |name: String, shape: Vec<usize>, data: Vec<f32>| {
            dict.insert(name, NamedTensor { shape, data });
        };
        for (l, layer) in self.layers.iter().enumerate() {
            let input = self.shape.input_size(l);
            put(
                format!("{m}.weight_ih_l{l}"),
                vec![width, input],
                transpose(&layer.w_input, input, width),
            );
            put(
                format!("{m}.weight_hh_l{l}"),
                vec![width, h],
                transpose(&layer.w_hidden, h, width),
            );
            match &layer.b_hidden {
                Some(b_hidden) => {
                    put(
                        format!("{m}.bias_ih_l{l}"),
                        vec![width],
                        layer.b_input.clone(),
                    );
                    put(format!("{m}.bias_hh_l{l}"), vec![width], b_hidden.clone());
                }
                None => put(format!("{m}.bias_l{l}"), vec![width], layer.b_input.clone()),
            }
        }
        put("fc.weight".into(), vec![1, h], self.fc_weight.clone());
        put("fc.bias".into(), vec![1], vec![self.fc_bias]);
        dict
    }

    /// Every tensor's values in a fixed order: per layer `w_input`, `w_hidden`, `b_input`,
    /// `b_hidden`, then the head's weight and bias. This order is the flat layout of
    /// [`ModelParams::to_flat`] (a worker's message) and of [`ModelParams::values`].
    pub fn slices(&self) -> impl Iterator<Item = &[f32]> + '_ {
        self.layers
            .iter()
            .flat_map(|l| {
                [&l.w_input, &l.w_hidden, &l.b_input]
                    .into_iter()
                    .map(Vec::as_slice)
                    .chain(l.b_hidden.as_deref())
            })
            .chain([
                self.fc_weight.as_slice(),
                std::slice::from_ref(&self.fc_bias),
            ])
    }

    /// [`ModelParams::slices`], mutable.
    pub fn slices_mut(&mut self) -> impl Iterator<Item = &mut [f32]> + '_ {
        self.layers
            .iter_mut()
            .flat_map(|l| {
                [&mut l.w_input, &mut l.w_hidden, &mut l.b_input]
                    .into_iter()
                    .map(Vec::as_mut_slice)
                    .chain(l.b_hidden.as_deref_mut())
            })
            .chain([
                self.fc_weight.as_mut_slice(),
                std::slice::from_mut(&mut self.fc_bias),
            ])
    }

    /// How many values there are.
    pub fn value_count(&self) -> usize {
        self.slices().map(<[f32]>::len).sum()
    }

    /// Every value, in the order of [`ModelParams::slices`] (for norms and comparisons).
    pub fn values(&self) -> impl Iterator<Item = f32> + '_ {
        self.slices().flatten().copied()
    }

    /// Every value in one vector, tensor by tensor (a copy per tensor, not per value: this is what
    /// a helper worker sends and receives every epoch).
    pub fn to_flat(&self) -> Vec<f32> {
        let mut out = Vec::with_capacity(self.value_count());
        for slice in self.slices() {
            out.extend_from_slice(slice);
        }
        out
    }

    /// Sets every value from `flat` ([`ModelParams::to_flat`]'s layout); false, changing nothing,
    /// when its length does not match.
    pub fn assign(&mut self, flat: &[f32]) -> bool {
        if flat.len() != self.value_count() {
            return false;
        }
        let mut rest = flat;
        for slice in self.slices_mut() {
            let (head, tail) = rest.split_at(slice.len());
            slice.copy_from_slice(head);
            rest = tail;
        }
        true
    }

    /// Adds `other` value by value (the shards' gradients, [`crate::shards`]), vector by vector so
    /// that the loops vectorise.
    pub fn add(&mut self, other: &ModelParams) {
        fn add(to: &mut [f32], from: &[f32]) {
            to.iter_mut().zip(from).for_each(|(t, f)| *t += f);
        }
        for (to, from) in self.layers.iter_mut().zip(&other.layers) {
            add(&mut to.w_input, &from.w_input);
            add(&mut to.w_hidden, &from.w_hidden);
            add(&mut to.b_input, &from.b_input);
            if let (Some(to), Some(from)) = (&mut to.b_hidden, &from.b_hidden) {
                add(to, from);
            }
        }
        add(&mut self.fc_weight, &other.fc_weight);
        self.fc_bias += other.fc_bias;
    }

    /// Multiplies every value by `factor`.
    pub fn scale(&mut self, factor: f32) {
        for slice in self.slices_mut() {
            slice.iter_mut().for_each(|v| *v *= factor);
        }
    }
}
