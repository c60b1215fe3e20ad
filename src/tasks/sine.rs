//! The tutorial's task: the next value of `sin(t)`.

use super::{DataParams, Task, TaskSpec};
use crate::data::sample_signal;

pub struct Sine;

const SPEC: TaskSpec = TaskSpec {
    name: "sine",
    title: "sine wave (the tutorial)",
    label: "Sine wave",
    about: "Predict the next value of sin(t) from the last few. Any net learns it, gated or not.",
    inputs: 1,
    chance_mse: None,
};

impl Task for Sine {
    fn spec(&self) -> &'static TaskSpec {
        &SPEC
    }

    fn signal(&self, c: &DataParams, count: usize) -> Option<Vec<f32>> {
        Some(sample_signal(c.points, count, f64::sin))
    }
}
