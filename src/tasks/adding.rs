//! The adding problem (Hochreiter & Schmidhuber 1997, *Long Short-Term Memory*, experiment 4; Le,
//! Jaitly & Hinton 2015): every step carries two inputs, a value uniform in [0, 1] and a marker that
//! is 1 at exactly two steps (one in each half of the window) and 0 elsewhere; the target is the sum
//! of the two marked values. The first marker is up to T steps before the answer, so the net must keep
//! a value for as long as the window, unchanged by the steps in between. Always answering 1 (the mean
//! of the sum) gives MSE = Var(u₁ + u₂) = 2/12 ≈ 0.167.

use super::{DataParams, Task, TaskSpec, uniform};
use crate::data::Dataset;

pub struct Adding;

const SPEC: TaskSpec = TaskSpec {
    name: "adding",
    title: "adding problem (memory)",
    label: "Adding problem",
    about: "Each step has a value and a marker; add the two marked values. The first mark can be a whole window back: the net must hold it unchanged. Always answering 1 scores MSE 0.167.",
    inputs: 2,
    chance_mse: Some(1.0 / 6.0),
};

impl Task for Adding {
    fn spec(&self) -> &'static TaskSpec {
        &SPEC
    }

    fn dataset(&self, c: &DataParams) -> Dataset {
        let t = c.window;
        Dataset::memory(t, 2, c.samples, c.seed, |rng, window| {
            for step in window.chunks_exact_mut(2) {
                step[0] = uniform(rng, 0.0, 1.0) as f32;
                step[1] = 0.0;
            }
            let half = t / 2;
            let first = (rng.next_u64() % half as u64) as usize;
            let second = half + (rng.next_u64() % (t - half) as u64) as usize;
            window[2 * first + 1] = 1.0;
            window[2 * second + 1] = 1.0;
            window[2 * first] + window[2 * second]
        })
    }
}
