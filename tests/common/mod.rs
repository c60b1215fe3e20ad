//! Helpers shared by the Rust test files: the golden cases of `tests/fixtures/gru_cases.json` (made by
//! `tests/fixtures/gen_golden.py` with PyTorch), tolerance checks, and the readable path's gradients.
#![allow(dead_code)] // each test file uses its own part

use burn::tensor::{Device, Tensor, TensorData};
use gru_lab::config::CellKind;
use gru_lab::model::{GruModel, ModelShape, NamedTensor, StateDict};
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
pub fn gradients_by_name(model: &GruModel, grads: &burn::tensor::Gradients) -> StateDict {
    let mut out = StateDict::new();
    let mut put = |name: String, shape: Vec<usize>, data: Vec<f32>| {
        out.insert(name, NamedTensor { shape, data });
    };
    let h = model.layers[0].hidden;
    for (l, layer) in model.layers.iter().enumerate() {
        let input = if l == 0 { 1 } else { h };
        let w_ih = read(layer.w_input.val().grad(grads).unwrap());
        let w_hh = read(layer.w_hidden.val().grad(grads).unwrap());
        put(
            format!("gru.weight_ih_l{l}"),
            vec![3 * h, input],
            gru_lab::gru::transpose(&w_ih, input, 3 * h),
        );
        put(
            format!("gru.weight_hh_l{l}"),
            vec![3 * h, h],
            gru_lab::gru::transpose(&w_hh, h, 3 * h),
        );
        let b_in = read(layer.b_input.val().grad(grads).unwrap());
        match &layer.b_hidden {
            Some(b) => {
                put(format!("gru.bias_ih_l{l}"), vec![3 * h], b_in);
                put(
                    format!("gru.bias_hh_l{l}"),
                    vec![3 * h],
                    read(b.val().grad(grads).unwrap()),
                );
            }
            None => put(format!("gru.bias_l{l}"), vec![3 * h], b_in),
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
    let text = std::fs::read_to_string(format!("{FIXTURES}/gru_cases.json")).unwrap();
    let all: Value = serde_json::from_str(&text).unwrap();
    all["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let cell = if c["cell"] == "cho" {
                CellKind::Cho
            } else {
                CellKind::Pytorch
            };
            let shape = ModelShape {
                cell,
                layers: c["layers"].as_u64().unwrap() as usize,
                hidden: c["hidden"].as_u64().unwrap() as usize,
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

/// MSE loss of a case, on an autodiff device, with the input tracked.
pub fn loss_and_grads(case: &Case, dict: &StateDict) -> (f32, StateDict, Vec<f32>) {
    let device = device().autodiff();
    let model = GruModel::from_state_dict(case.shape, 0.0, dict, &device).unwrap();
    let (b, t, h, l) = (case.batch, case.steps, case.shape.hidden, case.shape.layers);
    let x = Tensor::<3>::from_data(TensorData::new(floats(&case.json["x"]), [b, t, 1]), &device)
        .require_grad();
    let h0 = Tensor::from_data(
        TensorData::new(floats(&case.json["h0"]), [l, b, h]),
        &device,
    );
    let y = Tensor::from_data(TensorData::new(floats(&case.json["y"]), [b, 1]), &device);
    let prediction = model.forward(x.clone(), Some(h0), &[], None).prediction;
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
