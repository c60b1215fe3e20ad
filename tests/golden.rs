//! Every cell held to PyTorch: golden forward passes, every per-step quantity and every gradient
//! (tests/fixtures/cell_cases.json, made by tests/fixtures/gen_golden.py with `torch.nn.GRU`,
//! `torch.nn.LSTM`, `torch.nn.RNN` and the cho equations), a finite-difference check of the cho cell,
//! the tutorial's seeded init for every cell, and the tutorial's 100-epoch training loss curve for the
//! GRU, the LSTM and the RNN.

use burn::tensor::{Tensor, TensorData};
use gru_lab::cells::CellKind;
use gru_lab::config::LabConfig;
use gru_lab::model::RecurrentModel;
use gru_lab::state_dict::ModelShape;
use gru_lab::train::{Trainer, TrainingPath};
use serde_json::Value;

use crate::common::*;

#[test]
fn cases_cover_every_cell_one_to_three_layers_and_both_initial_states() {
    let cases = cases();
    for cell in CellKind::ALL {
        for layers in 1..=3 {
            for random in [false, true] {
                assert!(
                    cases.iter().any(|c| c.shape.cell == cell
                        && c.shape.layers == layers
                        && c.json["random_h0"] == random),
                    "{} {layers} {random}",
                    cell.name()
                );
            }
        }
    }
    for case in cases.iter().filter(|c| c.shape.cell == CellKind::Lstm) {
        assert_eq!(case.initial().len(), 2, "an LSTM case has h0 and c0");
    }
}

#[test]
fn forward_and_every_quantity_match_pytorch() {
    let device = device();
    for case in cases() {
        let label = case.label();
        let model = RecurrentModel::from_state_dict(case.shape, 0.0, &case.dict, &device).unwrap();
        let (b, t, h) = (case.batch, case.steps, case.shape.hidden);
        let x = Tensor::from_data(TensorData::new(floats(&case.json["x"]), [b, t, 1]), &device);
        let samples: Vec<usize> = (0..b).collect();
        let traces = pollster::block_on(model.trace(x, &case.initial_tensors(&device), &samples))
            .unwrap()
            .traces;
        let expected_pred = floats(&case.json["prediction"]);
        for (s, trace) in traces.iter().enumerate() {
            assert_close(
                &format!("{label} prediction"),
                &[trace.prediction],
                &[expected_pred[s]],
                1e-5,
            );
            for (layer, gates) in trace.layers.iter().enumerate() {
                let names: Vec<&str> = case
                    .shape
                    .cell
                    .spec()
                    .quantities
                    .iter()
                    .map(|q| q.name)
                    .collect();
                assert_eq!(
                    gates
                        .keys()
                        .map(String::as_str)
                        .collect::<std::collections::BTreeSet<_>>(),
                    names.iter().copied().collect(),
                    "{label}: the trace holds exactly the cell's quantities"
                );
                for name in names {
                    assert_eq!(gates[name].len(), t, "{label} {name}: one row per step");
                    for (step, ours) in gates[name].iter().enumerate() {
                        let theirs = floats(&case.json["trace"][layer][name][step]);
                        assert_close(
                            &format!("{label} layer {layer} {name} step {step} sample {s}"),
                            ours,
                            &theirs[s * h..(s + 1) * h],
                            1e-5,
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn gradients_of_every_parameter_and_the_input_match_pytorch() {
    for case in cases() {
        let label = case.label();
        let (loss, grads, grad_x) = loss_and_grads(&case, &case.dict);
        assert!(
            (loss - case.json["loss"].as_f64().unwrap() as f32).abs() < 1e-5,
            "{label} loss"
        );
        assert_close(
            &format!("{label} dL/dx"),
            &grad_x,
            &floats(&case.json["grad_x"]),
            1e-5,
        );
        for (name, theirs) in case.json["grads"].as_object().unwrap() {
            assert_close(
                &format!("{label} dL/d{name}"),
                &grads[name].data,
                &floats(theirs),
                1e-5,
            );
        }
    }
}

#[test]
fn cho_gradients_pass_a_finite_difference_check() {
    let case = cases()
        .into_iter()
        .find(|c| c.shape.cell == CellKind::Cho && c.shape.layers == 2)
        .unwrap();
    let (_, grads, _) = loss_and_grads(&case, &case.dict);
    let eps = 1e-2f32;
    let mut checked = 0;
    for (name, tensor) in &case.dict {
        for index in (0..tensor.data.len()).step_by(5) {
            let nudged = |delta: f32| {
                let mut dict = case.dict.clone();
                dict.get_mut(name).unwrap().data[index] += delta;
                loss_and_grads(&case, &dict).0 as f64
            };
            let numeric = (nudged(eps) - nudged(-eps)) / (2.0 * eps as f64);
            let analytic = grads[name].data[index] as f64;
            assert!(
                (numeric - analytic).abs() <= 2e-3 + 2e-2 * analytic.abs(),
                "{name}[{index}]: analytic {analytic}, finite difference {numeric}"
            );
            checked += 1;
        }
    }
    assert!(checked > 40, "checked {checked} entries");
}

/// The PyTorch runs of the tutorial's loop, one per cell family: the init `torch.manual_seed(42)` gives
/// with that module in place of `nn.GRU`, and the per-epoch losses of 100 epochs from it (dropout 0),
/// with how closely our loss must follow PyTorch's: every epoch, and the first 20.
///
/// The plain RNN's run is far more sensitive to rounding than the gated ones: its gradient norm stays
/// above the clipping threshold for ~30 epochs and its loss oscillates. Measured in PyTorch itself
/// (2.15, one thread): nudging every initial weight by one ulp moves the GRU's 100-epoch loss curve by
/// at most 9e-6 relative, the LSTM's by 2e-6, the RNN's by 3.4e-4; float32 against float64 differs by
/// 1.8e-6, 1.3e-6 and 6.0e-4. Our RNN curve (both paths, which agree with each other) stays within
/// 7.6e-4 of PyTorch's for 20 epochs and 7.6e-3 over 100, with the same learning rates, MSE to six
/// decimals and MAE within 0.05%; the per-epoch math is held to 1e-5 by the golden cases above.
const TUTORIAL_RUNS: [(CellKind, &str, &str, f64, f64); 3] = [
    (
        CellKind::Pytorch,
        "tutorial_init.pth",
        "tutorial_run.json",
        1e-3,
        1e-3,
    ),
    (CellKind::Lstm, "lstm_init.pth", "lstm_run.json", 1e-3, 1e-3),
    (CellKind::Rnn, "rnn_init.pth", "rnn_run.json", 1e-2, 1e-3),
];

fn read_fixture_pth(name: &str) -> gru_lab::state_dict::StateDict {
    gru_lab::weights::read_pth(std::path::Path::new(&format!("{FIXTURES}/{name}"))).unwrap()
}

#[test]
fn seed_42_gives_the_tutorials_initial_weights_bit_for_bit_for_every_cell() {
    for (cell, init, ..) in TUTORIAL_RUNS {
        let theirs = read_fixture_pth(init);
        let config = LabConfig {
            cell,
            ..LabConfig::default()
        };
        let ours = ModelShape::from(&config).initial_state_dict(42);
        assert_eq!(
            ours.keys().collect::<Vec<_>>(),
            theirs.keys().collect::<Vec<_>>(),
            "{init}"
        );
        for (name, t) in &ours {
            assert_eq!(t.shape, theirs[name].shape, "{init} {name}");
            assert_eq!(t.data, theirs[name].data, "{init} {name}");
        }
    }
}

#[test]
fn training_from_pytorchs_init_follows_pytorchs_loss_curve_for_every_cell() {
    for (cell, init, run, tolerance, first_20) in TUTORIAL_RUNS {
        let run: Value =
            serde_json::from_str(&std::fs::read_to_string(format!("{FIXTURES}/{run}")).unwrap())
                .unwrap();
        let init = read_fixture_pth(init);
        let config = LabConfig {
            cell,
            dropout: 0.0,
            ..LabConfig::default()
        };
        // Both ways of computing gradients: the fused BPTT (the CPU default) and Burn's autodiff.
        for path in [TrainingPath::Fused, TrainingPath::Tensor] {
            let label = format!("{} {path:?}", cell.name());
            let mut trainer = Trainer::from_state_dict(config.clone(), &init, &device())
                .unwrap()
                .with_path(path);
            let losses = run["losses"].as_array().unwrap();
            let lrs = run["lrs"].as_array().unwrap();
            for (epoch, (loss, lr)) in losses.iter().zip(lrs).enumerate() {
                let report = pollster::block_on(trainer.step_epoch()).unwrap();
                let theirs = loss.as_f64().unwrap();
                let rel = (report.loss - theirs).abs() / theirs;
                let bound = if epoch < 20 { first_20 } else { tolerance };
                assert!(
                    rel < bound,
                    "{label} epoch {}: loss {} vs PyTorch {theirs} (rel {rel})",
                    epoch + 1,
                    report.loss
                );
                assert_eq!(
                    report.lr,
                    lr.as_f64().unwrap(),
                    "{label} epoch {} lr",
                    epoch + 1
                );
            }
            let predictions = pollster::block_on(trainer.predictions()).unwrap();
            let m = gru_lab::metrics::Metrics::of(&predictions, &trainer.data.targets);
            assert_eq!(
                format!("{:.6}", m.mse),
                run["mse_6"].as_str().unwrap(),
                "{label}"
            );
            let mae = run["mae"].as_f64().unwrap();
            if tolerance <= 1e-3 {
                assert_eq!(
                    format!("{:.6}", m.mae),
                    run["mae_6"].as_str().unwrap(),
                    "{label}"
                );
            } else {
                assert!(
                    (m.mae - mae).abs() / mae < 5e-4,
                    "{label}: MAE {} vs PyTorch {mae}",
                    m.mae
                );
            }
        }
    }
}

#[test]
fn same_seed_same_run_other_seed_other_run() {
    let config = LabConfig {
        hidden: 6,
        layers: 2,
        points: 120,
        ..LabConfig::default()
    };
    let run = |config: &LabConfig| {
        let mut trainer = Trainer::new(config.clone(), &device());
        (0..3)
            .map(|_| pollster::block_on(trainer.step_epoch()).unwrap().loss)
            .collect::<Vec<_>>()
    };
    assert_eq!(run(&config), run(&config));
    assert_ne!(
        run(&config),
        run(&LabConfig {
            seed: 7,
            ..config.clone()
        })
    );
}
