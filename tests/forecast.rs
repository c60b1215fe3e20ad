//! Forecasts (crate::forecast): the model fed its own outputs, held to PyTorch's own closed loop on the
//! tutorial's trained weights (tests/fixtures/tutorial_forecast.json), the sine continued past the data
//! as PyTorch continues it, and the teaching claim: after the tutorial's 100 epochs the forecast beats
//! repeating the last value at horizon 50.

use crate::common::*;
use gru_lab::config::LabConfig;
use gru_lab::forecast::free_run;
use gru_lab::model::RecurrentModel;
use gru_lab::state_dict::ModelShape;
use gru_lab::tasks::TaskKind;
use gru_lab::train::Trainer;
use serde_json::Value;

#[test]
fn the_closed_loop_equals_pytorchs_on_the_trained_tutorial_model() {
    let fixture: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{FIXTURES}/tutorial_forecast.json")).unwrap(),
    )
    .unwrap();
    let dict = gru_lab::weights::read_pth(std::path::Path::new(&format!(
        "{FIXTURES}/tutorial_trained.pth"
    )))
    .unwrap();
    let (shape, dict) = ModelShape::infer(&dict).unwrap();
    let model = RecurrentModel::from_state_dict(shape, 0.0, &dict, &device()).unwrap();
    let params = pollster::block_on(model.params()).unwrap();
    let horizon = fixture["horizon"].as_u64().unwrap() as usize;
    let signal = floats(&fixture["signal"]);
    // Our continuation of the sine is PyTorch's, bit for bit.
    let config = LabConfig::default();
    let ours = TaskKind::Sine
        .task()
        .signal(&config.data_params(), 1000 + horizon)
        .unwrap();
    assert_eq!(ours, signal);
    let starts: Vec<usize> = fixture["starts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_u64().unwrap() as usize)
        .collect();
    let windows: Vec<f32> = starts
        .iter()
        .flat_map(|&s| signal[s - 10..s].iter().copied())
        .collect();
    let forecasts = free_run(&params, &windows, 10, horizon);
    let theirs: Vec<f32> = fixture["forecasts"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(floats)
        .collect();
    // Each step feeds the last one back, so float differences may grow along the path: 1e-5 at the
    // first step, 1e-4 over the whole horizon.
    for (s, start) in starts.iter().enumerate() {
        let row = s * horizon;
        assert_close(
            &format!("start {start}, step 1"),
            &forecasts[row..row + 1],
            &theirs[row..row + 1],
            1e-5,
        );
        assert_close(
            &format!("start {start}, {horizon} steps"),
            &forecasts[row..row + horizon],
            &theirs[row..row + horizon],
            1e-4,
        );
    }
}

#[test]
fn after_the_tutorials_100_epochs_the_forecast_beats_the_naive_one_at_horizon_50() {
    let mut trainer = Trainer::new(LabConfig::default(), &device());
    for _ in 0..100 {
        pollster::block_on(trainer.step_epoch()).unwrap();
    }
    let report = pollster::block_on(trainer.forecast(1000, 200)).unwrap();
    let errors = &report.errors;
    println!(
        "forecast MAE at horizons 1, 10, 50, 100, 200: model {:?}, naive {:?}; never better again from step {:?}",
        [0, 9, 49, 99, 199].map(|k| (errors.model[k] * 1e4).round() / 1e4),
        [0, 9, 49, 99, 199].map(|k| (errors.naive[k] * 1e4).round() / 1e4),
        errors.no_better_from()
    );
    assert!(
        errors.model[49] < errors.naive[49],
        "horizon 50: model {} vs naive {}",
        errors.model[49],
        errors.naive[49]
    );
    // The path from the end of the data is compared with the sine continued past t = 20.
    assert_eq!(
        (report.start, report.path.len(), report.truth.len()),
        (1000, 200, 200)
    );
    assert!(report.truth.iter().all(|v| v.is_finite()));
    assert!((report.times[0] - 1000.0 * 20.0 / 999.0).abs() < 1e-9);
    // A memory task has nothing to forecast.
    let adding = LabConfig {
        task: TaskKind::Adding,
        hidden: 4,
        layers: 1,
        samples: 20,
        ..LabConfig::default()
    };
    let mut trainer = Trainer::new(adding, &device());
    assert!(pollster::block_on(trainer.forecast(10, 5)).is_err());
}
