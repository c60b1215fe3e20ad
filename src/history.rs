//! Travel through training: a run's states at past epochs, kept within a memory budget, so that the
//! page can show any epoch again (the scrubber) and train on from it ("continue from here") exactly as
//! the run went on from there.
//!
//! A state ([`TrainerState`]) is everything that decides the next epochs: the weights, Adam's moments,
//! the scheduler and the dropout stream. Every epoch's state is kept while they fit the budget; past
//! it, only the epochs that are multiples of a stride, which doubles each time the budget fills (and
//! the newest). An epoch between two kept ones is recomputed by training on from the kept one before
//! it ([`rewind`]): training is deterministic, so the recomputed state is the one the run had, bit for
//! bit (`tests/history.rs`).

use crate::train::{TrainError, Trainer, TrainerState};
use serde::Serialize;

/// The default memory for one run's states: 64 MB (the tutorial's 2×32 GRU keeps ~530 epochs whole,
/// then every 2nd, 4th, … epoch).
pub const BUDGET: usize = 64 << 20;

/// The kept states of one run, oldest first; epoch 0 (the initial weights) and the newest epoch
/// are always among them.
pub struct History {
    kept: Vec<TrainerState>,
    /// Kept epochs are the multiples of this (and the newest).
    stride: usize,
    state_bytes: usize,
    budget: usize,
}

/// What the page says about the history: how much is kept, and how often.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HistorySummary {
    /// States held.
    pub kept: usize,
    /// Every `stride`-th epoch's state is held; the others are recomputed from the one before.
    pub stride: usize,
    /// Bytes the states hold.
    pub bytes: usize,
    pub budget: usize,
    /// The first epoch that can be shown again (0, unless the run was loaded from a file or moved
    /// off WebGPU after a lost device: its history starts there).
    pub earliest: usize,
}

impl History {
    /// The history of `trainer` from where it stands now, within `budget` bytes.
    pub fn new(trainer: &Trainer, budget: usize) -> History {
        History {
            kept: vec![trainer.state()],
            stride: 1,
            state_bytes: TrainerState::bytes(trainer.config.parameter_count()),
            budget,
        }
    }

    /// Keeps the state `trainer` reached with the epoch it just trained. The newest state stays only
    /// while its epoch is a multiple of the stride (the next one replaces it otherwise); when the
    /// budget is full, every other state goes and the stride doubles.
    pub fn record(&mut self, trainer: &Trainer) {
        let epoch = trainer.epoch();
        self.forget_after(epoch.saturating_sub(1));
        if self.kept.len() > 1 && !self.newest().is_multiple_of(self.stride) {
            self.kept.pop();
        }
        self.kept.push(trainer.state());
        while self.kept.len() * self.state_bytes > self.budget && self.stride < epoch {
            self.stride *= 2;
            let (stride, newest) = (self.stride, epoch);
            self.kept
                .retain(|s| s.epoch.is_multiple_of(stride) || s.epoch == newest);
        }
    }

    /// Forgets every state after `epoch` (the run goes on from there).
    pub fn forget_after(&mut self, epoch: usize) {
        while self.kept.len() > 1 && self.newest() > epoch {
            self.kept.pop();
        }
    }

    /// The newest epoch held.
    pub fn newest(&self) -> usize {
        self.kept.last().map_or(0, |s| s.epoch)
    }

    /// The newest kept state at or before `epoch`.
    fn nearest(&self, epoch: usize) -> &TrainerState {
        let at = self.kept.partition_point(|s| s.epoch <= epoch);
        &self.kept[at.saturating_sub(1)]
    }

    pub fn summary(&self) -> HistorySummary {
        HistorySummary {
            kept: self.kept.len(),
            stride: self.stride,
            bytes: self.kept.len() * self.state_bytes,
            budget: self.budget,
            earliest: self.kept[0].epoch,
        }
    }
}

/// Puts `trainer` in the state it had at the end of `epoch` (at most the epoch it has reached): the
/// nearest kept state at or before it, then the epochs between trained again. The reports after
/// `epoch` are dropped; those of recomputed epochs stay the original ones (their timings too).
pub async fn rewind(
    trainer: &mut Trainer,
    history: &History,
    epoch: usize,
) -> Result<(), TrainError> {
    let epoch = epoch.min(trainer.epoch());
    let earliest = history.kept[0].epoch;
    if epoch < earliest {
        return Err(TrainError::Backend(format!(
            "epoch {epoch} cannot be shown again: this run's history starts at epoch {earliest} \
             (it was loaded from a file, or moved off WebGPU, there)"
        )));
    }
    let reports = trainer.history[..epoch].to_vec();
    trainer.restore(history.nearest(epoch));
    while trainer.epoch() < epoch {
        trainer.step_epoch().await?;
    }
    trainer.history = reports;
    Ok(())
}

/// Runs `job` on `trainer` as it was at the end of `epoch`, then returns it to where it stands now:
/// what the page draws when the learner scrubs back (no epoch of the run changes).
pub async fn at_epoch<T>(
    trainer: &mut Trainer,
    history: &History,
    epoch: usize,
    job: impl AsyncFnOnce(&mut Trainer) -> T,
) -> Result<T, TrainError> {
    if epoch >= trainer.epoch() {
        return Ok(job(trainer).await);
    }
    let (live, reports) = (trainer.state(), trainer.history.clone());
    let result = match rewind(trainer, history, epoch).await {
        Ok(()) => Ok(job(trainer).await),
        Err(e) => Err(e),
    };
    trainer.restore(&live);
    trainer.history = reports;
    result
}
