//! Recall: the first value of the window, uniform in [−1, 1], followed by T − 1 distractors drawn the
//! same way; the target is the first value. Nothing after step 1 helps, so the net must carry it
//! through every later step. The best constant guess (0) gives MSE = Var(U[−1, 1]) = 1/3.

use super::{DataParams, Task, TaskSpec, uniform};
use crate::data::Dataset;

pub struct Recall;

const SPEC: TaskSpec = TaskSpec {
    name: "recall",
    title: "recall the first value (memory)",
    label: "Recall",
    about: "Remember the first value of the window through all the distractors after it. Always answering 0 scores MSE 0.333.",
    inputs: 1,
    chance_mse: Some(1.0 / 3.0),
};

impl Task for Recall {
    fn spec(&self) -> &'static TaskSpec {
        &SPEC
    }

    fn dataset(&self, c: &DataParams) -> Dataset {
        Dataset::memory(c.window, 1, c.samples, c.seed, |rng, window| {
            for v in window.iter_mut() {
                *v = uniform(rng, -1.0, 1.0) as f32;
            }
            window[0]
        })
    }
}
