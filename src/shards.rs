//! Data-parallel training on the fused path ([`crate::bptt`]): one epoch's batch cut into a fixed
//! number of shards, each shard's gradients computed on its own (by whichever worker holds it), and
//! the shards' gradients added in shard order by the one worker that applies Adam.
//!
//! The loss is a mean over the batch, so its gradient is a sum over windows: a shard of windows
//! `S_k` contributes `∂/∂θ (1/B) Σ_{i∈S_k} (ŷ_i − y_i)²`, and the epoch's gradient is
//! `g = (((g_0 + g_1) + g_2) + … )`, always added in this order. The shards ([`ShardPlan`]) depend only
//! on the batch, never on how many workers run them, and each shard draws its own rows of the dropout
//! masks from the run's stream ([`crate::dropout`]), so a run is bit for bit the same on 1, 2 or 8
//! workers. Against one pass over the whole batch only the order of the additions differs (within
//! 1e-5, tests/shards.rs).
//!
//! Memory: a worker's [`Tape`] holds one *piece* of a shard at a time, [`PIECE_BUDGET`] bytes at
//! most, so a large configuration (hidden 128, 4 layers, windows of 50 or 200) trains in pieces of a
//! few windows instead of keeping the whole batch's forward pass (close to 900 MB of f32 at 128 × 4,
//! windows of 50). A shard's pieces add their gradients in piece order too.

use std::ops::Range;

use crate::bptt::Tape;
use crate::data::Dataset;
use crate::dropout::Dropout;
use crate::gradient_flow::FlowSums;
use crate::params::ModelParams;
use crate::rng::SplitMix64;
use crate::state_dict::ModelShape;
use crate::trace::LayerGates;

/// At most this many shards: enough to keep 2, 3, 4 or 6 workers evenly busy (12 divides by each).
pub const MAX_SHARDS: usize = 12;
/// A shard holds at least this many windows (a smaller batch has fewer shards), so the per-step
/// products keep a useful height.
pub const MIN_SHARD_WINDOWS: usize = 64;
/// The bytes one worker's tape may take: a shard larger than this trains in pieces.
pub const PIECE_BUDGET: usize = 64 << 20;

/// How one batch of `batch` windows of `steps` values is cut: into `shards` (the unit of work
/// handed to workers), each trained in pieces of at most `piece` windows (the unit of memory).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShardPlan {
    pub batch: usize,
    pub shards: usize,
    pub piece: usize,
}

impl ShardPlan {
    /// The plan for `batch` windows of `steps` values through a model of `shape`.
    pub fn new(shape: ModelShape, batch: usize, steps: usize) -> ShardPlan {
        let shards = (batch / MIN_SHARD_WINDOWS)
            .clamp(1, MAX_SHARDS)
            .min(batch.max(1));
        let largest = batch.div_ceil(shards);
        // A tape's bytes are a fixed part (the transposed weights) and a part per window.
        let per_window = Tape::bytes(shape, 2, steps) - Tape::bytes(shape, 1, steps);
        let fixed = Tape::bytes(shape, 1, steps) - per_window;
        let piece = (PIECE_BUDGET.saturating_sub(fixed) / per_window).clamp(1, largest.max(1));
        ShardPlan {
            batch,
            shards,
            piece,
        }
    }

    /// The windows of shard `k`: contiguous, sizes differing by at most one.
    pub fn shard(&self, k: usize) -> Range<usize> {
        k * self.batch / self.shards..(k + 1) * self.batch / self.shards
    }

    /// The bytes of one worker's tape ([`Tape::bytes`] for a piece).
    pub fn tape_bytes(&self, shape: ModelShape, steps: usize) -> usize {
        Tape::bytes(shape, self.piece, steps)
    }
}

/// What every worker needs to compute its shards of one epoch: the weights before the update and
/// where the dropout stream stood when the epoch began.
#[derive(Clone, Debug)]
pub struct ShardJob {
    pub params: ModelParams,
    pub dropout_stream: u64,
}

/// One shard's part of an epoch: its `Σ (ŷ − y)²`, its share of every gradient and its gradient
/// through time as sums.
#[derive(Clone, Debug, PartialEq)]
pub struct ShardGradients {
    pub squared_error: f64,
    pub grads: ModelParams,
    pub flow: FlowSums,
}

impl ShardGradients {
    /// The sums as one list of f64 (the message a helper worker sends): `Σ (ŷ − y)²`, the count,
    /// then per layer `dh`, `dc` and `keep` where present.
    pub fn sums(&self) -> Vec<f64> {
        let mut out = vec![self.squared_error, self.flow.count as f64];
        for l in &self.flow.layers {
            out.extend(&l.dh);
            out.extend(l.dc.iter().flatten());
            out.extend(l.keep.iter().flatten());
        }
        out
    }

    /// A shard's part back from [`ShardGradients::sums`] and its gradients (in the order of
    /// [`ModelParams::values`]); `None` when the lengths do not fit `shape` and `steps`.
    pub fn from_parts(
        shape: ModelShape,
        steps: usize,
        sums: &[f64],
        grads: &[f32],
    ) -> Option<ShardGradients> {
        let spec = shape.cell.spec();
        let mut flow = FlowSums::zeros(shape.layers, steps, spec.memory, spec.keep.is_some());
        let mut all = ModelParams::zeros(shape);
        let series = 1 + usize::from(spec.memory) + usize::from(spec.keep.is_some());
        if sums.len() != 2 + shape.layers * series * steps || !all.assign(grads) {
            return None;
        }
        let mut values = sums[2..].chunks_exact(steps);
        for l in &mut flow.layers {
            for series in [Some(&mut l.dh), l.dc.as_mut(), l.keep.as_mut()]
                .into_iter()
                .flatten()
            {
                series.copy_from_slice(values.next()?);
            }
        }
        flow.count = sums[1] as usize;
        Some(ShardGradients {
            squared_error: sums[0],
            grads: all,
            flow,
        })
    }
}

/// The epoch's loss, gradients and gradient through time from every shard's part, added in shard
/// order: the same numbers whoever computed each part.
pub fn combine(batch: usize, parts: impl IntoIterator<Item = ShardGradients>) -> ShardGradients {
    let mut parts = parts.into_iter();
    let mut total = parts.next().expect("at least one shard");
    for part in parts {
        total.squared_error += part.squared_error;
        total.grads.add(&part.grads);
        total.flow.add(&part.flow);
    }
    total.squared_error /= batch as f64;
    total
}

/// One worker's fused pass: a tape for one piece and the buffers a shard's gradients gather in.
pub struct ShardWorker {
    shape: ModelShape,
    dropout: Dropout,
    plan: ShardPlan,
    steps: usize,
    tape: Tape,
    piece_grads: ModelParams,
}

impl ShardWorker {
    /// A worker for `plan`'s shards of windows of `steps` through a model of `shape` with `dropout`.
    pub fn new(shape: ModelShape, dropout: Dropout, plan: ShardPlan, steps: usize) -> ShardWorker {
        ShardWorker {
            shape,
            dropout,
            plan,
            steps,
            tape: Tape::new(shape, plan.piece, steps),
            piece_grads: ModelParams::zeros(shape),
        }
    }

    /// Shard `k`'s part of the epoch `job` describes, over the training windows of `data`.
    pub fn shard(&mut self, data: &Dataset, job: &ShardJob, k: usize) -> ShardGradients {
        let (batch, steps, channels) = (self.plan.batch, self.steps, data.channels);
        let stream = SplitMix64::new(job.dropout_stream);
        let spec = self.shape.cell.spec();
        let mut part = ShardGradients {
            squared_error: 0.0,
            grads: ModelParams::zeros(self.shape),
            flow: FlowSums::zeros(self.shape.layers, steps, spec.memory, spec.keep.is_some()),
        };
        let rows = self.plan.shard(k);
        let pieces = rows.len().div_ceil(self.plan.piece).max(1);
        for j in 0..pieces {
            // Pieces of equal size (within one), so none is a sliver.
            let piece =
                rows.start + j * rows.len() / pieces..rows.start + (j + 1) * rows.len() / pieces;
            let masks = self.dropout.masks(batch, steps, piece.clone(), &stream);
            self.tape.set_batch(piece.len());
            let inputs = &data.inputs[piece.start * steps * channels..piece.end * steps * channels];
            self.tape.forward(&job.params, inputs, &[], &masks);
            part.squared_error += self.tape.backward_part(
                &job.params,
                &data.targets[piece.clone()],
                &masks,
                &mut self.piece_grads,
                false,
                batch,
            );
            part.grads.add(&self.piece_grads);
            part.flow.add(self.tape.flow_sums());
        }
        part
    }

    /// The predictions for every window of `inputs` (`[N, T, I]`) in evaluation mode, piece by
    /// piece, and the quantities of the windows in `samples` (each `< N`), in that order.
    pub fn evaluate(
        &mut self,
        params: &ModelParams,
        inputs: &[f32],
        samples: &[usize],
    ) -> (Vec<f32>, Vec<Vec<LayerGates>>) {
        let per_window = self.steps * self.shape.inputs;
        let count = inputs.len() / per_window;
        let mut predictions = Vec::with_capacity(count);
        let mut gates = vec![Vec::new(); samples.len()];
        for (p, piece) in inputs.chunks(self.plan.piece * per_window).enumerate() {
            let first = p * self.plan.piece;
            self.tape.set_batch(piece.len() / per_window);
            predictions.extend_from_slice(self.tape.forward(params, piece, &[], &[]));
            for (slot, &s) in gates.iter_mut().zip(samples) {
                if (first..first + self.tape.batch()).contains(&s) {
                    *slot = self.tape.gates(s - first);
                }
            }
        }
        (predictions, gates)
    }
}

/// Every shard of the epoch `job` describes, computed by `workers` (this thread and one more thread
/// for each further worker), in shard order. Each thread takes the next shard not yet taken, so a
/// thread the machine slows computes fewer (as the page's workers share them, `www/lab/shard-share.js`);
/// who computed a shard does not change its numbers.
#[cfg(not(target_arch = "wasm32"))]
pub fn compute_all(
    workers: &mut [ShardWorker],
    data: &Dataset,
    job: &ShardJob,
) -> Vec<ShardGradients> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let shards = workers[0].plan.shards;
    if workers.len() == 1 {
        let worker = &mut workers[0];
        return (0..shards).map(|k| worker.shard(data, job, k)).collect();
    }
    let next = AtomicUsize::new(0);
    let mut parts: Vec<(usize, ShardGradients)> = std::thread::scope(|scope| {
        let handles: Vec<_> = workers
            .iter_mut()
            .map(|worker| {
                let next = &next;
                scope.spawn(move || {
                    let mut computed = Vec::new();
                    loop {
                        let k = next.fetch_add(1, Ordering::Relaxed);
                        if k >= shards {
                            return computed;
                        }
                        computed.push((k, worker.shard(data, job, k)));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a shard worker panicked"))
            .collect()
    });
    parts.sort_unstable_by_key(|(k, _)| *k);
    parts.into_iter().map(|(_, part)| part).collect()
}

/// [`compute_all`] where there are no threads (wasm32: other workers are Web Workers, driven from
/// JavaScript): one worker computes every shard.
#[cfg(target_arch = "wasm32")]
pub fn compute_all(
    workers: &mut [ShardWorker],
    data: &Dataset,
    job: &ShardJob,
) -> Vec<ShardGradients> {
    let worker = &mut workers[0];
    (0..worker.plan.shards)
        .map(|k| worker.shard(data, job, k))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cells::CellKind;

    fn shape(hidden: usize, layers: usize) -> ModelShape {
        ModelShape {
            cell: CellKind::Cho,
            inputs: 1,
            hidden,
            layers,
        }
    }

    #[test]
    fn shards_cover_the_batch_in_order() {
        let plan = ShardPlan::new(shape(32, 2), 990, 10);
        assert_eq!(plan.shards, 12);
        assert_eq!(plan.shard(0).start, 0);
        assert_eq!(plan.shard(11).end, 990);
        for k in 1..12 {
            assert_eq!(plan.shard(k - 1).end, plan.shard(k).start);
            assert!((82..=83).contains(&plan.shard(k).len()));
        }
        assert_eq!(ShardPlan::new(shape(8, 1), 100, 10).shards, 1);
    }

    #[test]
    fn a_large_model_trains_in_pieces_within_the_budget() {
        let plan = ShardPlan::new(shape(128, 4), 950, 50);
        assert!(plan.piece < plan.batch.div_ceil(plan.shards));
        assert!(plan.tape_bytes(shape(128, 4), 50) <= PIECE_BUDGET);
    }

    #[test]
    fn parts_travel_as_numbers_and_come_back_equal() {
        let shape = ModelShape {
            cell: CellKind::Lstm,
            ..shape(3, 2)
        };
        let mut part = ShardGradients {
            squared_error: 1.5,
            grads: ModelParams::zeros(shape),
            flow: FlowSums::zeros(2, 4, true, true),
        };
        let values: Vec<f32> = (0..part.grads.value_count())
            .map(|i| i as f32 * 0.25)
            .collect();
        assert!(part.grads.assign(&values));
        part.flow.layers[1].dc.as_mut().unwrap()[2] = 7.0;
        part.flow.count = 9;
        let grads = part.grads.to_flat();
        assert_eq!(grads, values);
        let back = ShardGradients::from_parts(shape, 4, &part.sums(), &grads);
        assert_eq!(back, Some(part.clone()));
        assert_eq!(
            ShardGradients::from_parts(shape, 5, &part.sums(), &grads),
            None
        );
    }
}
