//! The GRU core held to PyTorch: golden forward passes, gates and gradients (tests/fixtures/gru_cases.json,
//! made by tests/fixtures/gen_golden.py), a finite-difference check of the cho cell, the tutorial's
//! seeded init, and the tutorial's 100-epoch training loss curve.

use burn::tensor::{Device, Tensor, TensorData};
use gru_lab::config::{CellKind, LabConfig};
use gru_lab::gru::GateKind;
use gru_lab::model::{GruModel, ModelShape, NamedTensor, StateDict};
use gru_lab::train::Trainer;
use serde_json::Value;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

#[allow(deprecated)]
fn device() -> Device {
    Device::ndarray()
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

fn assert_close(what: &str, ours: &[f32], theirs: &[f32], tol: f32) {
    assert_eq!(ours.len(), theirs.len(), "{what}: length");
    for (i, (a, b)) in ours.iter().zip(theirs).enumerate() {
        assert!((a - b).abs() <= tol, "{what}[{i}]: ours {a}, PyTorch {b}");
    }
}

fn read<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_into_vec_as::<f32>().unwrap()
}

/// Every parameter's gradient in PyTorch's names and layouts.
fn gradients_by_name(model: &GruModel, grads: &burn::tensor::Gradients) -> StateDict {
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

struct Case {
    json: Value,
    shape: ModelShape,
    dict: StateDict,
    batch: usize,
    steps: usize,
}

fn cases() -> Vec<Case> {
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

/// MSE loss of a case, on an autodiff device, with the input tracked.
fn loss_and_grads(case: &Case, dict: &StateDict) -> (f32, StateDict, Vec<f32>) {
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
    let mut trainer = Trainer::from_state_dict(config, &init, &device()).unwrap();
    let losses = run["losses"].as_array().unwrap();
    let lrs = run["lrs"].as_array().unwrap();
    for (epoch, (loss, lr)) in losses.iter().zip(lrs).enumerate() {
        let report = pollster::block_on(trainer.step_epoch()).unwrap();
        let theirs = loss.as_f64().unwrap();
        let rel = (report.loss - theirs).abs() / theirs;
        assert!(
            rel < 1e-3,
            "epoch {}: loss {} vs PyTorch {theirs} (rel {rel})",
            epoch + 1,
            report.loss
        );
        assert_eq!(report.lr, lr.as_f64().unwrap(), "epoch {} lr", epoch + 1);
    }
    let predictions = pollster::block_on(trainer.predictions()).unwrap();
    let m = gru_lab::metrics::Metrics::of(&predictions, &trainer.data.targets);
    assert_eq!(format!("{:.6}", m.mse), run["mse_6"].as_str().unwrap());
    assert_eq!(format!("{:.6}", m.mae), run["mae_6"].as_str().unwrap());
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
