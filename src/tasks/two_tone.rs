//! Two tones: `sin t + 0.5 sin 2.7t`, a series that does not repeat within the window.

use super::{DataParams, Task, TaskSpec};
use crate::data::sample_signal;

pub struct TwoTone;

const SPEC: TaskSpec = TaskSpec {
    name: "two-tone",
    title: "two tones: sin t + 0.5 sin 2.7t",
    label: "Two tones",
    about: "Predict the next value of two sines of unrelated periods added together: the window must hold enough of both.",
    inputs: 1,
    chance_mse: None,
};

impl Task for TwoTone {
    fn spec(&self) -> &'static TaskSpec {
        &SPEC
    }

    fn signal(&self, c: &DataParams, count: usize) -> Option<Vec<f32>> {
        Some(sample_signal(c.points, count, |t| {
            t.sin() + 0.5 * (2.7 * t).sin()
        }))
    }
}
