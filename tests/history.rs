//! Travel through training (crate::history): a run sent back to epoch k trains on exactly as it went
//! from there (bit for bit, dropout on, every cell, on the fused path and the tensor path), a shown
//! past epoch leaves the run as it was, the memory budget thins the kept states and recomputes the
//! rest exactly, and a run file restores the history and weights.

use crate::common::*;
use gru_lab::cells::CellKind;
use gru_lab::config::LabConfig;
use gru_lab::epoch_log::{EpochLog, REPORT_COLUMNS};
use gru_lab::history::{self, History};
use gru_lab::train::{Trainer, TrainerState, TrainingPath};

fn small(cell: CellKind) -> LabConfig {
    LabConfig {
        cell,
        hidden: 6,
        layers: 2,
        dropout: 0.3,
        points: 200,
        epochs: 40,
        ..LabConfig::default()
    }
}

fn train(trainer: &mut Trainer, history: &mut History, epochs: usize) -> Vec<f64> {
    (0..epochs)
        .map(|_| {
            let report = pollster::block_on(trainer.step_epoch()).unwrap();
            history.record(trainer);
            report.loss
        })
        .collect()
}

fn weights(trainer: &Trainer) -> Vec<f32> {
    let dict = pollster::block_on(trainer.state_dict()).unwrap();
    dict.values().flat_map(|t| t.data.iter().copied()).collect()
}

#[test]
fn continuing_from_an_earlier_epoch_repeats_the_run_bit_for_bit() {
    for path in [TrainingPath::Fused, TrainingPath::Tensor] {
        for cell in CellKind::ALL {
            let mut trainer = Trainer::new(small(cell), &device()).with_path(path);
            let mut history = History::new(&trainer, history::BUDGET);
            let losses = train(&mut trainer, &mut history, 12);
            let final_weights = weights(&trainer);
            pollster::block_on(history::rewind(&mut trainer, &history, 5)).unwrap();
            history.forget_after(5);
            assert_eq!(trainer.epoch(), 5);
            assert_eq!(trainer.history.len(), 5);
            let again = train(&mut trainer, &mut history, 7);
            // Bit for bit: the same weights, Adam moments, scheduler and dropout masks.
            assert_eq!(again, losses[5..], "{cell:?} {path:?}");
            assert_eq!(weights(&trainer), final_weights, "{cell:?} {path:?}");
        }
    }
}

#[test]
fn showing_a_past_epoch_leaves_the_run_as_it_was() {
    let mut trainer = Trainer::new(small(CellKind::Lstm), &device());
    let mut history = History::new(&trainer, history::BUDGET);
    let losses = train(&mut trainer, &mut history, 8);
    let at_three = pollster::block_on(history::at_epoch(
        &mut trainer,
        &history,
        3,
        async |t: &mut Trainer| (t.epoch(), t.predictions().await.unwrap()),
    ))
    .unwrap();
    assert_eq!(at_three.0, 3);
    assert_eq!(trainer.epoch(), 8);
    // The run goes on as if nothing had been shown.
    let mut fresh = Trainer::new(small(CellKind::Lstm), &device());
    let mut fresh_history = History::new(&fresh, history::BUDGET);
    let mut reference = train(&mut fresh, &mut fresh_history, 8);
    assert_eq!(reference, losses);
    let prediction_at_three = {
        let mut t = Trainer::new(small(CellKind::Lstm), &device());
        let mut h = History::new(&t, history::BUDGET);
        train(&mut t, &mut h, 3);
        pollster::block_on(t.predictions()).unwrap()
    };
    assert_eq!(at_three.1, prediction_at_three);
    reference.extend(train(&mut fresh, &mut fresh_history, 4));
    let mut next = losses.clone();
    next.extend(train(&mut trainer, &mut history, 4));
    assert_eq!(next, reference);
}

#[test]
fn past_the_budget_every_kth_state_is_kept_and_the_rest_recomputed_exactly() {
    let config = small(CellKind::Cho);
    let mut trainer = Trainer::new(config.clone(), &device());
    // Room for 6 states: the stride doubles as the run grows.
    let budget = 6 * TrainerState::bytes(config.parameter_count());
    let mut history = History::new(&trainer, budget);
    let mut snapshots = vec![weights(&trainer)];
    for _ in 0..20 {
        pollster::block_on(trainer.step_epoch()).unwrap();
        history.record(&trainer);
        snapshots.push(weights(&trainer));
        let summary = history.summary();
        assert!(summary.bytes <= budget, "{summary:?}");
    }
    let summary = history.summary();
    assert_eq!(summary.stride, 4, "{summary:?}");
    assert_eq!(
        summary.kept, 6,
        "epochs 0, 4, 8, 12, 16 and 20: {summary:?}"
    );
    for epoch in [0, 3, 8, 13, 19, 20] {
        let w = pollster::block_on(history::at_epoch(
            &mut trainer,
            &history,
            epoch,
            async |t: &mut Trainer| weights(t),
        ))
        .unwrap();
        assert_eq!(w, snapshots[epoch], "epoch {epoch}");
    }
    assert_eq!(weights(&trainer), snapshots[20]);
}

#[test]
fn the_history_csv_has_the_documented_header_and_one_row_per_epoch() {
    let mut trainer = Trainer::new(small(CellKind::Lstm), &device());
    let mut log = EpochLog::new();
    for _ in 0..3 {
        let report = pollster::block_on(trainer.step_epoch()).unwrap();
        log.record(report.epoch, trainer.gradient_flow());
    }
    let csv = log.csv(&trainer.history);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4);
    let header: Vec<&str> = lines[0].split(',').collect();
    assert_eq!(header[..6].join(","), REPORT_COLUMNS);
    // LSTM, 2 layers, window 10: dh, dc and keep per layer and step.
    assert_eq!(header.len(), 6 + 2 * 3 * 10);
    assert_eq!(header[6], "dh_l0_t1");
    for (i, line) in lines[1..].iter().enumerate() {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells.len(), header.len());
        assert_eq!(cells[0], (i + 1).to_string());
        let loss: f64 = cells[1].parse().unwrap();
        assert_eq!(loss, trainer.history[i].loss);
    }
}

/// The page's `auto` moves a run between its two wasm modules (CPU to WebGPU) as a run file's fields
/// and Adam's moments: the moved run trains on bit for bit (same path here, so exactly), every cell,
/// dropout on. Without the moments it would not: Adam would start over.
#[test]
fn a_run_moved_with_its_moments_trains_on_exactly() {
    for cell in CellKind::ALL {
        let config = small(cell);
        let mut original = Trainer::new(config.clone(), &device());
        let mut history = History::new(&original, history::BUDGET);
        train(&mut original, &mut history, 4);
        let moved = |moments: Option<Vec<u8>>| {
            let dict = pollster::block_on(original.state_dict()).unwrap();
            let trainer = Trainer::from_state_dict(config.clone(), &dict, &device())
                .unwrap()
                .resume(
                    original.history.clone(),
                    original.scheduler.clone(),
                    original.dropout_stream(),
                    original.gradient_flow().clone(),
                );
            let mut trainer = trainer;
            if let Some(bytes) = moments {
                trainer.load_moments(&bytes).unwrap();
            }
            trainer
        };
        let mut with_moments = moved(Some(original.moments().unwrap()));
        let mut afresh = moved(None);
        let expected = train(&mut original, &mut history, 3);
        let mut scratch = History::new(&with_moments, history::BUDGET);
        assert_eq!(
            train(&mut with_moments, &mut scratch, 3),
            expected,
            "{cell:?}"
        );
        assert_eq!(weights(&with_moments), weights(&original), "{cell:?}");
        let mut scratch = History::new(&afresh, history::BUDGET);
        assert_ne!(train(&mut afresh, &mut scratch, 3), expected, "{cell:?}");
    }
    let mut trainer = Trainer::new(small(CellKind::Rnn), &device());
    let refused = trainer.load_moments(b"not a record").err().unwrap();
    assert!(
        refused.starts_with("Adam's moments could not be read"),
        "{refused}"
    );
}
