//! Data-parallel training (crate::shards): a batch's shards add up to one pass over the whole batch
//! (within 1e-5, every cell, dropout on), a run is bit for bit the same on 1, 2 or 3 workers, a large
//! model's pieces keep the tape within its budget, and a configuration too large for memory is
//! refused before training.

use crate::common::*;
use gru_lab::bptt::Tape;
use gru_lab::cells::CellKind;
use gru_lab::config::LabConfig;
use gru_lab::params::ModelParams;
use gru_lab::rng::SplitMix64;
use gru_lab::shards::{self, PIECE_BUDGET, ShardJob, ShardPlan, ShardWorker};
use gru_lab::state_dict::ModelShape;
use gru_lab::train::{Trainer, TrainingPath};

fn config(cell: CellKind) -> LabConfig {
    LabConfig {
        cell,
        hidden: 6,
        layers: 3,
        dropout: 0.3,
        points: 300,
        epochs: 5,
        ..LabConfig::default()
    }
}

fn weights(trainer: &Trainer) -> Vec<f32> {
    let dict = pollster::block_on(trainer.state_dict()).unwrap();
    dict.values().flat_map(|t| t.data.iter().copied()).collect()
}

fn close(label: &str, got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len(), "{label}");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= 1e-5 * w.abs().max(1.0),
            "{label}[{i}]: {g} against {w}"
        );
    }
}

#[test]
fn shards_add_up_to_one_pass_over_the_whole_batch() {
    for cell in CellKind::ALL {
        let config = config(cell);
        let trainer = Trainer::new(config.clone(), &device());
        let data = &trainer.data;
        let shape = ModelShape::from(&config);
        let (batch, steps) = (data.samples(), data.window);
        let params = pollster::block_on(trainer.model().params()).unwrap();
        let stream = SplitMix64::new(77);
        let masks = trainer
            .model()
            .dropout()
            .masks(batch, steps, 0..batch, &stream);
        // One pass over all 290 windows.
        let mut tape = Tape::new(shape, batch, steps);
        tape.forward(&params, &data.inputs, &[], &masks);
        let mut whole = ModelParams::zeros(shape);
        let loss = tape.backward(&params, &data.targets, &masks, &mut whole, false);
        let flow = tape.gradient_flow();
        // The same batch in 4 shards, each in pieces of at most 30 windows.
        let plan = ShardPlan {
            batch,
            shards: 4,
            piece: 30,
        };
        let mut worker = ShardWorker::new(shape, trainer.model().dropout(), plan, steps);
        let job = ShardJob {
            params,
            dropout_stream: stream.position(),
        };
        let parts = (0..4).map(|k| worker.shard(data, &job, k));
        let sum = shards::combine(batch, parts);
        let label = format!("{cell:?}");
        assert!(
            (sum.squared_error - loss).abs() <= 1e-9 * loss,
            "{label} loss"
        );
        let (got, want): (Vec<f32>, Vec<f32>) =
            (sum.grads.values().collect(), whole.values().collect());
        close(&format!("{label} gradients"), &got, &want);
        let sharded = sum.flow.flow();
        for (s, w) in sharded.layers.iter().zip(&flow.layers) {
            close(&format!("{label} dh"), &s.dh, &w.dh);
            if let (Some(s), Some(w)) = (&s.dc, &w.dc) {
                close(&format!("{label} dc"), s, w);
            }
            if let (Some(s), Some(w)) = (&s.keep, &w.keep) {
                close(&format!("{label} keep"), s, w);
            }
        }
    }
}

#[test]
fn a_run_is_bit_for_bit_the_same_on_one_two_or_three_workers() {
    for cell in CellKind::ALL {
        let runs: Vec<(Vec<f64>, Vec<f32>)> = [1, 2, 3]
            .into_iter()
            .map(|workers| {
                let mut trainer = Trainer::new(config(cell), &device()).with_workers(workers);
                assert_eq!(trainer.workers(), workers);
                assert!(
                    trainer.shard_plan().shards >= 3,
                    "{cell:?}: too few shards to share"
                );
                let losses = (0..5)
                    .map(|_| pollster::block_on(trainer.step_epoch()).unwrap().loss)
                    .collect();
                (losses, weights(&trainer))
            })
            .collect();
        assert_eq!(runs[1], runs[0], "{cell:?}: 2 workers against 1");
        assert_eq!(runs[2], runs[0], "{cell:?}: 3 workers against 1");
    }
}

#[test]
fn the_largest_model_trains_in_pieces_within_the_tape_budget() {
    // Hidden 128, 4 layers, windows of 50 (the cliff): one pass over the whole batch would
    // keep close to 900 MB; a piece keeps at most the budget.
    let shape = ModelShape {
        cell: CellKind::Lstm,
        inputs: 1,
        hidden: 128,
        layers: 4,
    };
    let whole = Tape::bytes(shape, 950, 50);
    let plan = ShardPlan::new(shape, 950, 50);
    assert!(whole > 800 << 20, "{whole}");
    assert!(plan.tape_bytes(shape, 50) <= PIECE_BUDGET);
    assert_eq!(plan.shards, 12);
    // And it trains there, on the fused path.
    let config = LabConfig {
        cell: CellKind::Lstm,
        hidden: 128,
        layers: 4,
        window: 50,
        points: 120,
        ..LabConfig::default()
    };
    let mut trainer = Trainer::new(config, &device());
    assert_eq!(trainer.path(), TrainingPath::Fused);
    assert!(
        pollster::block_on(trainer.step_epoch())
            .unwrap()
            .loss
            .is_finite()
    );
}
