//! The gradient through time ([`gru_lab::gradient_flow`]) held to PyTorch within 1e-4 relative, on both
//! paths: `‖∂L/∂h_t‖` (and the LSTM's `‖∂L/∂c_t‖`) from `retain_grad` in a step-by-step loop, and the
//! gate highway, for every cell and 1–3 layers (tests/fixtures/cell_cases.json) and for the tutorial
//! model at its seed-42 init over the 990 windows (tests/fixtures/tutorial_flow.json). With dropout the
//! two paths give the same numbers for the epoch actually trained.

use crate::common::*;
use burn::tensor::{Tensor, TensorData, Transaction};
use gru_lab::bptt::Tape;
use gru_lab::cells::CellKind;
use gru_lab::config::LabConfig;
use gru_lab::data::Dataset;
use gru_lab::gradient_flow::{GradientFlow, LayerFlow};
use gru_lab::model::{FlowTensors, RecurrentModel};
use gru_lab::params::ModelParams;
use gru_lab::state_dict::{ModelShape, StateDict};
use gru_lab::train::{Trainer, TrainingPath};
use serde_json::Value;

const RELATIVE: f32 = 1e-4;

fn assert_relative(what: &str, ours: &[f32], theirs: &[f32]) {
    assert_eq!(ours.len(), theirs.len(), "{what}: length");
    for (t, (a, b)) in ours.iter().zip(theirs).enumerate() {
        assert!(
            (a - b).abs() <= RELATIVE * b.abs() + 1e-12,
            "{what} t = {}: {a}, expected {b} (rel {})",
            t + 1,
            (a - b).abs() / b.abs()
        );
    }
}

/// The fixture's `[{dh, dc?, keep?}]` per layer.
fn expected(layers: &Value) -> GradientFlow {
    serde_json::from_value(serde_json::json!({ "layers": layers })).unwrap()
}

fn assert_same_flow(label: &str, ours: &GradientFlow, theirs: &GradientFlow) {
    assert_eq!(ours.layers.len(), theirs.layers.len(), "{label}: layers");
    for (l, (a, b)) in ours.layers.iter().zip(&theirs.layers).enumerate() {
        let names = |f: &LayerFlow| f.series().map(|(n, _)| n).collect::<Vec<_>>();
        assert_eq!(names(a), names(b), "{label} layer {l}: series");
        for ((name, x), (_, y)) in a.series().zip(b.series()) {
            assert_relative(&format!("{label} layer {l} {name}"), x, y);
        }
    }
}

/// The fused path's flow: one forward and backward pass of the tape.
fn fused_flow(
    shape: ModelShape,
    dict: &StateDict,
    (x, y): (&[f32], &[f32]),
    initial: &[Vec<f32>],
    steps: usize,
) -> (f64, GradientFlow) {
    let batch = y.len();
    let model = RecurrentModel::from_state_dict(shape, 0.0, dict, &device()).unwrap();
    let params = pollster::block_on(model.params()).unwrap();
    let mut tape = Tape::new(shape, batch, steps);
    let initial: Vec<&[f32]> = initial.iter().map(Vec::as_slice).collect();
    tape.forward(&params, x, &initial, &[]);
    let loss = tape.backward(&params, y, &[], &mut ModelParams::zeros(shape), false);
    (loss, tape.gradient_flow().clone())
}

/// The tensor path's flow: Burn's autodiff through the probed readable model.
fn tensor_flow(
    shape: ModelShape,
    dict: &StateDict,
    (x, y): (&[f32], &[f32]),
    initial: &[Vec<f32>],
    steps: usize,
) -> (f64, GradientFlow) {
    let batch = y.len();
    let device = device().autodiff();
    let model = RecurrentModel::from_state_dict(shape, 0.0, dict, &device).unwrap();
    let xs = Tensor::from_data(TensorData::new(x.to_vec(), [batch, steps, 1]), &device);
    let ys = Tensor::from_data(TensorData::new(y.to_vec(), [batch, 1]), &device);
    let initial: Vec<Tensor<3>> = initial
        .iter()
        .map(|v| {
            let shape = [shape.layers, batch, shape.hidden];
            Tensor::from_data(TensorData::new(v.clone(), shape), &device)
        })
        .collect();
    let output = model.forward(xs, &initial, &[], None, true);
    let loss = (output.prediction.clone() - ys).square().mean();
    let grads = loss.backward();
    let flow = FlowTensors::of(&output, &grads);
    let mut data = flow
        .register(Transaction::default().register(loss.inner()))
        .execute()
        .into_iter();
    let loss = data.next().unwrap().try_into_vec_as::<f32>().unwrap()[0];
    (loss as f64, flow.read(&mut data).unwrap())
}

/// How one path computes a model's flow over `(inputs, targets)` from given initial states.
type FlowOf =
    fn(ModelShape, &StateDict, (&[f32], &[f32]), &[Vec<f32>], usize) -> (f64, GradientFlow);

const PATHS: [(&str, FlowOf); 2] = [("fused", fused_flow), ("tensor", tensor_flow)];

#[test]
fn every_golden_case_matches_pytorchs_retain_grad_on_both_paths() {
    for case in cases() {
        let label = case.label();
        let theirs = expected(&case.json["flow"]);
        let (x, y) = (floats(&case.json["x"]), floats(&case.json["y"]));
        for (path, flow) in PATHS {
            let (_, ours) = flow(
                case.shape,
                &case.dict,
                (&x, &y),
                &case.initial(),
                case.steps,
            );
            assert_same_flow(&format!("{label} {path}"), &ours, &theirs);
        }
        let spec = case.shape.cell.spec();
        assert_eq!(
            theirs.layers[0].dc.is_some(),
            spec.memory,
            "{label}: dc for cells with a cell state"
        );
        assert_eq!(
            theirs.layers[0].keep.is_some(),
            spec.keep.is_some(),
            "{label}: keep"
        );
    }
}

#[test]
fn the_tutorial_models_flow_at_init_matches_pytorch_over_990_windows() {
    let text = std::fs::read_to_string(format!("{FIXTURES}/tutorial_flow.json")).unwrap();
    let fixture: Value = serde_json::from_str(&text).unwrap();
    let data = Dataset::sine(1000, 10);
    for entry in fixture["flows"].as_array().unwrap() {
        let cell = CellKind::from_name(entry["cell"].as_str().unwrap()).unwrap();
        let path = format!("{FIXTURES}/{}", entry["weights"].as_str().unwrap());
        let read = gru_lab::weights::read_pth(std::path::Path::new(&path)).unwrap();
        let (shape, dict) = ModelShape::infer(&read).unwrap();
        assert_eq!(shape.cell, cell, "{path}");
        let theirs = expected(&entry["layers"]);
        for (path, flow) in PATHS {
            let label = format!("tutorial {} {path}", cell.name());
            let (loss, ours) = flow(shape, &dict, (&data.inputs, &data.targets), &[], 10);
            let their_loss = entry["loss"].as_f64().unwrap();
            assert!(
                ((loss - their_loss) / their_loss).abs() < 1e-5,
                "{label}: loss {loss} vs {their_loss}"
            );
            assert_same_flow(&label, &ours, &theirs);
        }
    }
}

#[test]
fn with_dropout_both_paths_report_the_flow_of_the_epoch_trained() {
    for cell in CellKind::ALL {
        let config = LabConfig {
            cell,
            points: 300,
            ..LabConfig::default()
        };
        assert!(config.dropout > 0.0 && config.layers > 1);
        let mut fused = Trainer::new(config.clone(), &device());
        let mut tensor = Trainer::new(config.clone(), &device()).with_path(TrainingPath::Tensor);
        for epoch in 1..=3 {
            pollster::block_on(fused.step_epoch()).unwrap();
            pollster::block_on(tensor.step_epoch()).unwrap();
            let (a, b) = (fused.gradient_flow(), tensor.gradient_flow());
            assert_same_flow(&format!("{} epoch {epoch}", cell.name()), a, b);
            assert_eq!(a.steps(), config.window);
        }
    }
}
