//! A square wave of the sine's period: `sign(sin t)`.

use super::{DataParams, Task, TaskSpec};
use crate::data::sample_signal;

pub struct Square;

const SPEC: TaskSpec = TaskSpec {
    name: "square",
    title: "square wave",
    label: "Square wave",
    about: "Predict the next value of a wave that jumps between −1 and 1: flat stretches give no hint of the next jump except how long they have lasted.",
    inputs: 1,
    chance_mse: None,
};

impl Task for Square {
    fn spec(&self) -> &'static TaskSpec {
        &SPEC
    }

    fn signal(&self, c: &DataParams, count: usize) -> Option<Vec<f32>> {
        Some(sample_signal(c.points, count, |t| {
            if t.sin() >= 0.0 { 1.0 } else { -1.0 }
        }))
    }
}
