//! The GRU core held to PyTorch: golden forward passes, gates and gradients (tests/fixtures/gru_cases.json,
//! made by tests/fixtures/gen_golden.py), a finite-difference check of the cho cell, the tutorial's
//! seeded init, and the tutorial's 100-epoch training loss curve.

use burn::tensor::{Tensor, TensorData};
use gru_lab::config::{CellKind, LabConfig};
use gru_lab::gru::GateKind;
use gru_lab::model::{GruModel, ModelShape};
use gru_lab::train::{Trainer, TrainingPath};
use serde_json::Value;

mod common;

use common::*;

#[test]
fn cases_cover_both_cells_one_to_three_layers_and_both_h0() {
    let cases = cases();
    for cell in [CellKind::Cho, CellKind::Pytorch] {
        for layers in 1..=3 {
            for random in [false, true] {
                assert!(cases.iter().any(|c| c.shape.cell == cell
                    && c.shape.layers == layers
                    && c.json["random_h0"] == random));
            }
        }
    }
}

#[test]
fn forward_and_gates_match_pytorch() {
    let device = device();
    for case in cases() {
        let label = format!(
            "{:?} {} layers h0 {}",
            case.shape.cell, case.shape.layers, case.json["random_h0"]
        );
        let model = GruModel::from_state_dict(case.shape, 0.0, &case.dict, &device).unwrap();
        let (b, t, h, l) = (case.batch, case.steps, case.shape.hidden, case.shape.layers);
        let x = Tensor::from_data(TensorData::new(floats(&case.json["x"]), [b, t, 1]), &device);
        let h0 = Tensor::from_data(
            TensorData::new(floats(&case.json["h0"]), [l, b, h]),
            &device,
        );
        let samples: Vec<usize> = (0..b).collect();
        let traces = pollster::block_on(model.trace(x, Some(h0), &samples))
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
                for gate in GateKind::ALL {
                    for step in 0..t {
                        let theirs = floats(&case.json["trace"][layer][gate.name()][step]);
                        assert_close(
                            &format!(
                                "{label} layer {layer} {} step {step} sample {s}",
                                gate.name()
                            ),
                            &gates.get(gate)[step],
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
        let label = format!("{:?} {} layers", case.shape.cell, case.shape.layers);
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

#[test]
fn seed_42_gives_the_tutorials_initial_weights_bit_for_bit() {
    let theirs = gru_lab::weights::read_pth(std::path::Path::new(&format!(
        "{FIXTURES}/tutorial_init.pth"
    )))
    .unwrap();
    let config = LabConfig {
        cell: CellKind::Pytorch,
        ..LabConfig::default()
    };
    let ours = ModelShape::from(&config).initial_state_dict(42);
    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        theirs.keys().collect::<Vec<_>>()
    );
    for (name, t) in &ours {
        assert_eq!(t.shape, theirs[name].shape, "{name}");
        assert_eq!(t.data, theirs[name].data, "{name}");
    }
}

#[test]
fn training_from_pytorchs_init_follows_pytorchs_loss_curve() {
    let run: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{FIXTURES}/tutorial_run.json")).unwrap(),
    )
    .unwrap();
    let init = gru_lab::weights::read_pth(std::path::Path::new(&format!(
        "{FIXTURES}/tutorial_init.pth"
    )))
    .unwrap();
    let config = LabConfig {
        cell: CellKind::Pytorch,
        dropout: 0.0,
        ..LabConfig::default()
    };
    // Both ways of computing gradients: the fused BPTT (the CPU default) and Burn's autodiff.
    for path in [TrainingPath::Fused, TrainingPath::Tensor] {
        let mut trainer = Trainer::from_state_dict(config.clone(), &init, &device())
            .unwrap()
            .with_path(path);
        let losses = run["losses"].as_array().unwrap();
        let lrs = run["lrs"].as_array().unwrap();
        for (epoch, (loss, lr)) in losses.iter().zip(lrs).enumerate() {
            let report = pollster::block_on(trainer.step_epoch()).unwrap();
            let theirs = loss.as_f64().unwrap();
            let rel = (report.loss - theirs).abs() / theirs;
            assert!(
                rel < 1e-3,
                "{path:?} epoch {}: loss {} vs PyTorch {theirs} (rel {rel})",
                epoch + 1,
                report.loss
            );
            assert_eq!(
                report.lr,
                lr.as_f64().unwrap(),
                "{path:?} epoch {} lr",
                epoch + 1
            );
        }
        let predictions = pollster::block_on(trainer.predictions()).unwrap();
        let m = gru_lab::metrics::Metrics::of(&predictions, &trainer.data.targets);
        assert_eq!(
            format!("{:.6}", m.mse),
            run["mse_6"].as_str().unwrap(),
            "{path:?}"
        );
        assert_eq!(
            format!("{:.6}", m.mae),
            run["mae_6"].as_str().unwrap(),
            "{path:?}"
        );
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
