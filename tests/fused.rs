//! The fused path ([`gru_lab::bptt`]) held to the readable one ([`gru_lab::layer`] under Burn's
//! autodiff) within 1e-5: predictions, every quantity, the loss and every gradient, every cell, on the
//! golden cases (1–3 layers, zero and random h₀/c₀) and on the tutorial's full batch with dropout.

use crate::common::*;
use burn::tensor::{Tensor, TensorData};
use gru_lab::bptt::Tape;
use gru_lab::cells::CellKind;
use gru_lab::config::LabConfig;
use gru_lab::data::Dataset;
use gru_lab::model::RecurrentModel;
use gru_lab::params::ModelParams;
use gru_lab::rng::SplitMix64;
use gru_lab::state_dict::{ModelShape, StateDict};
use gru_lab::trace::LayerGates;
use gru_lab::train::{TrainError, Trainer, TrainingPath};

const TOLERANCE: f32 = 1e-5;

fn host_params(shape: ModelShape, dict: &StateDict) -> ModelParams {
    let model = RecurrentModel::from_state_dict(shape, 0.0, dict, &device()).unwrap();
    pollster::block_on(model.params()).unwrap()
}

/// Two traces of one layer hold the same quantities, each within `tolerance`.
fn assert_same_quantities(label: &str, ours: &LayerGates, theirs: &LayerGates, tolerance: f32) {
    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        theirs.keys().collect::<Vec<_>>(),
        "{label}"
    );
    for (name, steps) in theirs {
        for (step, row) in steps.iter().enumerate() {
            assert_close(
                &format!("{label} {name} step {step}"),
                &ours[name][step],
                row,
                tolerance,
            );
        }
    }
}

fn assert_same_gradients(label: &str, fused: &StateDict, readable: &StateDict) {
    assert_eq!(
        fused.keys().collect::<Vec<_>>(),
        readable.keys().collect::<Vec<_>>(),
        "{label}"
    );
    for (name, tensor) in readable {
        assert_eq!(fused[name].shape, tensor.shape, "{label} {name}");
        assert_close(
            &format!("{label} dL/d{name}"),
            &fused[name].data,
            &tensor.data,
            TOLERANCE,
        );
    }
}

#[test]
fn fused_forward_gates_and_gradients_match_the_readable_path_on_every_golden_case() {
    for case in cases() {
        let label = case.label();
        let (b, t) = (case.batch, case.steps);
        let (x, y) = (floats(&case.json["x"]), floats(&case.json["y"]));
        // The readable path: Burn's forward, gates and autodiff.
        let model =
            RecurrentModel::from_state_dict(case.shape, 0.0, &case.dict, &device()).unwrap();
        let xs = Tensor::from_data(TensorData::new(x.clone(), [b, t, 1]), &device());
        let samples: Vec<usize> = (0..b).collect();
        let readable =
            pollster::block_on(model.trace(xs, &case.initial_tensors(&device()), &samples))
                .unwrap();
        let (readable_loss, readable_grads, readable_dx) = loss_and_grads(&case, &case.dict);

        let params = host_params(case.shape, &case.dict);
        let mut tape = Tape::new(case.shape, b, t);
        let initial = case.initial();
        let initial: Vec<&[f32]> = initial.iter().map(Vec::as_slice).collect();
        let predictions = tape.forward(&params, &x, &initial, &[]).to_vec();
        assert_close(
            &format!("{label} predictions"),
            &predictions,
            &readable.predictions,
            TOLERANCE,
        );
        for trace in &readable.traces {
            let fused = tape.gates(trace.sample);
            for (layer, gates) in trace.layers.iter().enumerate() {
                assert_same_quantities(
                    &format!("{label} layer {layer} sample {}", trace.sample),
                    &fused[layer],
                    gates,
                    TOLERANCE,
                );
            }
        }
        let mut grads = ModelParams::zeros(case.shape);
        let loss = tape.backward(&params, &y, &[], &mut grads, true);
        assert!(
            (loss as f32 - readable_loss).abs() < TOLERANCE,
            "{label} loss {loss} vs {readable_loss}"
        );
        assert_same_gradients(&label, &grads.to_state_dict(), &readable_grads);
        assert_close(
            &format!("{label} dL/dx"),
            &tape.d_inputs(),
            &readable_dx,
            TOLERANCE,
        );
    }
}

#[test]
fn fused_matches_the_readable_path_on_the_tutorial_batch_with_dropout() {
    for cell in CellKind::ALL {
        let config = LabConfig {
            cell,
            ..LabConfig::default()
        };
        let shape = ModelShape::from(&config);
        let data = Dataset::sine(config.points, config.window);
        let (b, t) = (data.samples(), data.window);
        let dict = shape.initial_state_dict(config.seed);
        let ad = device().autodiff();
        let model = RecurrentModel::from_state_dict(shape, config.dropout, &dict, &ad).unwrap();
        let masks = model.dropout_mask_values(b, t, &mut SplitMix64::new(7));
        assert_eq!(masks.len(), 1, "one mask between two layers");

        let mask_tensors: Vec<Tensor<3>> = masks
            .iter()
            .map(|m| Tensor::from_data(TensorData::new(m.clone(), [b, t, config.hidden]), &ad))
            .collect();
        let xs = Tensor::from_data(TensorData::new(data.inputs.clone(), [b, t, 1]), &ad);
        let ys = Tensor::from_data(TensorData::new(data.targets.clone(), [b, 1]), &ad);
        let prediction = model
            .forward(xs, &[], &mask_tensors, None, false)
            .prediction;
        let readable_predictions = read(prediction.clone().inner());
        let loss = (prediction - ys).square().mean();
        let grads = loss.backward();
        let readable_grads = gradients_by_name(&model, &grads);
        let readable_loss = read(loss.inner())[0];

        let params = pollster::block_on(model.params()).unwrap();
        let mut tape = Tape::new(shape, b, t);
        let predictions = tape.forward(&params, &data.inputs, &[], &masks).to_vec();
        let label = format!("{cell:?} tutorial batch");
        assert_close(
            &format!("{label} predictions"),
            &predictions,
            &readable_predictions,
            TOLERANCE,
        );
        let mut fused_grads = ModelParams::zeros(shape);
        let fused_loss = tape.backward(&params, &data.targets, &masks, &mut fused_grads, false);
        assert!(
            (fused_loss as f32 - readable_loss).abs() < TOLERANCE,
            "{label} loss {fused_loss} vs {readable_loss}"
        );
        assert_same_gradients(&label, &fused_grads.to_state_dict(), &readable_grads);
    }
}

/// Both paths, trained from PyTorch's init (dropout 0) for the tutorial's 100 epochs, stay on PyTorch's
/// loss curve (see golden.rs for the fused default); here they are held to each other.
#[test]
fn a_fused_run_and_a_tensor_run_give_the_same_losses_and_predictions() {
    for cell in CellKind::ALL {
        let config = LabConfig {
            cell,
            hidden: 8,
            points: 200,
            ..LabConfig::default()
        };
        let mut fused = Trainer::new(config.clone(), &device());
        let mut tensor = Trainer::new(config.clone(), &device()).with_path(TrainingPath::Tensor);
        assert_eq!(fused.path(), TrainingPath::Fused);
        assert_eq!(tensor.path(), TrainingPath::Tensor);
        for epoch in 1..=30 {
            let a = pollster::block_on(fused.step_epoch()).unwrap();
            let b = pollster::block_on(tensor.step_epoch()).unwrap();
            let rel = (a.loss - b.loss).abs() / b.loss;
            assert!(
                rel < 1e-4,
                "{cell:?} epoch {epoch}: {} vs {}",
                a.loss,
                b.loss
            );
            assert!((a.grad_norm - b.grad_norm).abs() / b.grad_norm < 1e-4);
            assert_eq!(a.lr, b.lr);
        }
        let a = pollster::block_on(fused.evaluate(&[3])).unwrap();
        let b = pollster::block_on(tensor.evaluate(&[3])).unwrap();
        assert_close("predictions", &a.predictions, &b.predictions, 1e-4);
        assert_eq!(a.traces.len(), 1);
        for (fl, tl) in a.traces[0].layers.iter().zip(&b.traces[0].layers) {
            assert_same_quantities(cell.name(), fl, tl, 1e-4);
        }
    }
}

#[test]
fn a_diverging_fused_epoch_changes_nothing() {
    let config = LabConfig {
        hidden: 8,
        points: 100,
        ..LabConfig::default()
    };
    // A finite but huge output bias: the squared error overflows to infinity in the first epoch.
    let mut dict = ModelShape::from(&config).initial_state_dict(config.seed);
    dict.get_mut("fc.bias").unwrap().data[0] = 1e30;
    let mut trainer = Trainer::from_state_dict(config, &dict, &device()).unwrap();
    assert_eq!(trainer.path(), TrainingPath::Fused);
    match pollster::block_on(trainer.step_epoch()) {
        Err(TrainError::Diverged { epoch: 1, loss }) => assert!(!(loss as f32).is_finite()),
        other => panic!("expected divergence at epoch 1, got {other:?}"),
    }
    assert_eq!(pollster::block_on(trainer.state_dict()).unwrap(), dict);
    assert_eq!(trainer.epoch(), 0);
    assert!(trainer.history.is_empty());
}
