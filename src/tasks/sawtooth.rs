//! A sawtooth of the sine's period: rises linearly from −1 to 1, then drops.

use super::{DataParams, Task, TaskSpec};
use crate::data::sample_signal;
use std::f64::consts::TAU;

pub struct Sawtooth;

const SPEC: TaskSpec = TaskSpec {
    name: "sawtooth",
    title: "sawtooth wave",
    label: "Sawtooth wave",
    about: "Predict the next value of a ramp that drops back once a period: easy on the ramp, hard at the drop.",
    inputs: 1,
    chance_mse: None,
};

impl Task for Sawtooth {
    fn spec(&self) -> &'static TaskSpec {
        &SPEC
    }

    fn signal(&self, c: &DataParams, count: usize) -> Option<Vec<f32>> {
        Some(sample_signal(c.points, count, |t| {
            2.0 * (t / TAU).fract() - 1.0
        }))
    }
}
