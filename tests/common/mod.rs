//! Helpers shared by the Rust test files: the golden cases of `tests/fixtures/cell_cases.json` (made by
//! `tests/fixtures/gen_golden.py` with PyTorch; every cell, 1–3 layers, zero and random h₀/c₀),
//! tolerance checks, and the readable path's gradients.
#![allow(dead_code)] // each test file uses its own part

use burn::tensor::{Device, Tensor, TensorData};
use gru_lab::cells::CellKind;
use gru_lab::model::RecurrentModel;
use gru_lab::params::transpose;
use gru_lab::state_dict::{ModelShape, NamedTensor, StateDict};
use serde_json::Value;

pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

#[allow(deprecated)] // ndarray is the design card's CPU backend
pub fn device() -> Device {
    Device::ndarray()
}

pub fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

pub fn assert_close(what: &str, ours: &[f32], theirs: &[f32], tol: f32) {
    assert_eq!(ours.len(), theirs.len(), "{what}: length");
    for (i, (a, b)) in ours.iter().zip(theirs).enumerate() {
        assert!((a - b).abs() <= tol, "{what}[{i}]: {a}, expected {b}");
    }
}

pub fn read<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_into_vec_as::<f32>().unwrap()
}

/// Every parameter's gradient in PyTorch's names and layouts.
pub fn gradients_by_name(model: &RecurrentModel, grads: &burn::tensor::Gradients) -> StateDict {
    let mut out = StateDict::new();
    let mut put = |name: String, shape: Vec<usize>, data: Vec<f32>| {
        out.insert(name, NamedTensor { shape, data });
    };
    let spec = model.layers[0].cell.spec();
    let (h, m) = (model.layers[0].hidden, spec.module);
    let width = spec.blocks * h;
    for (l, layer) in model.layers.iter().enumerate() {
        let input = if l == 0 { 1 } else { h };
        let w_ih = read(layer.w_input.val().grad(grads).unwrap());
        let w_hh = read(layer.w_hidden.val().grad(grads).unwrap());
        put(
            format!("{m}.weight_ih_l{l}"),
            vec![width, input],
            transpose(&w_ih, input, width),
        );
        put(
            format!("{m}.weight_hh_l{l}"),
            vec![width, h],
            transpose(&w_hh, h, width),
        );
        let b_in = read(layer.b_input.val().grad(grads).unwrap());
        match &layer.b_hidden {
            Some(b) => {
                put(format!("{m}.bias_ih_l{l}"), vec![width], b_in);
                put(
                    format!("{m}.bias_hh_l{l}"),
                    vec![width],
                    read(b.val().grad(grads).unwrap()),
                );
            }
            None => put(format!("{m}.bias_l{l}"), vec![width], b_in),
        }
    }
    put(
        "fc.weight".into(),
        vec![1, h],
        read(model.fc_weight.val().grad(grads).unwrap()),
    );
    put(
        "fc.bias".into(),
        vec![1],
        read(model.fc_bias.val().grad(grads).unwrap()),
    );
    out
}

pub struct Case {
    pub json: Value,
    pub shape: ModelShape,
    pub dict: StateDict,
    pub batch: usize,
    pub steps: usize,
}

pub fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(format!("{FIXTURES}/cell_cases.json")).unwrap();
    let all: Value = serde_json::from_str(&text).unwrap();
    all["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let cell = CellKind::from_name(c["cell"].as_str().unwrap()).unwrap();
            let shape = ModelShape {
                cell,
                layers: c["layers"].as_u64().unwrap() as usize,
                hidden: c["hidden"].as_u64().unwrap() as usize,
                inputs: 1,
            };
            let dict = c["params"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| {
                    let shape = v["shape"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|d| d.as_u64().unwrap() as usize)
                        .collect();
                    (
                        k.clone(),
                        NamedTensor {
                            shape,
                            data: floats(&v["data"]),
                        },
                    )
                })
                .collect();
            Case {
                batch: c["batch"].as_u64().unwrap() as usize,
                steps: c["steps"].as_u64().unwrap() as usize,
                json: c.clone(),
                shape,
                dict,
            }
        })
        .collect()
}

impl Case {
    /// The case's initial states as host values: h₀ and, for the LSTM, c₀, each `[L, B, H]`.
    pub fn initial(&self) -> Vec<Vec<f32>> {
        ["h0", "c0"]
            .iter()
            .filter(|k| !self.json[**k].is_null())
            .map(|k| floats(&self.json[*k]))
            .collect()
    }

    /// [`Case::initial`] as tensors on `device`.
    pub fn initial_tensors(&self, device: &Device) -> Vec<Tensor<3>> {
        let (b, h, l) = (self.batch, self.shape.hidden, self.shape.layers);
        self.initial()
            .into_iter()
            .map(|v| Tensor::from_data(TensorData::new(v, [l, b, h]), device))
            .collect()
    }

    pub fn label(&self) -> String {
        format!(
            "{} {} layers random h0 {}",
            self.shape.cell.name(),
            self.shape.layers,
            self.json["random_h0"]
        )
    }
}

/// MSE loss of a case, on an autodiff device, with the input tracked.
pub fn loss_and_grads(case: &Case, dict: &StateDict) -> (f32, StateDict, Vec<f32>) {
    let device = device().autodiff();
    let model = RecurrentModel::from_state_dict(case.shape, 0.0, dict, &device).unwrap();
    let (b, t) = (case.batch, case.steps);
    let x = Tensor::<3>::from_data(TensorData::new(floats(&case.json["x"]), [b, t, 1]), &device)
        .require_grad();
    let initial = case.initial_tensors(&device);
    let y = Tensor::from_data(TensorData::new(floats(&case.json["y"]), [b, 1]), &device);
    let prediction = model
        .forward(x.clone(), &initial, &[], None, false)
        .prediction;
    let loss = (prediction - y).square().mean();
    let grads = loss.backward();
    let grad_x = x
        .grad(&grads)
        .unwrap()
        .into_data()
        .try_into_vec_as::<f32>()
        .unwrap();
    let param_grads = gradients_by_name(&model, &grads);
    (loss.into_scalar::<f32>(), param_grads, grad_x)
}
