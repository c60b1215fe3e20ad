//! The tutorial's task: the next value of `sin(t)`.

use super::{DataParams, Task, TaskSpec};
use crate::data::Dataset;

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

    fn dataset(&self, c: &DataParams) -> Dataset {
        Dataset::series(c.points, c.window, c.split, f64::sin)
    }
}
