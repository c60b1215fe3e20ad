//! `sin t` plus Gaussian noise of standard deviation `noise` (seeded).

use super::{DataParams, Task, TaskSpec};
use crate::data::sample_signal;
use crate::rng::SplitMix64;
use std::f64::consts::TAU;

pub struct NoisySine;

const SPEC: TaskSpec = TaskSpec {
    name: "noisy-sine",
    title: "noisy sine (noise level: the noise field)",
    label: "Noisy sine",
    about: "Predict the next value of sin(t) plus random noise: the noise cannot be predicted, so the best validation MSE is about noise².",
    inputs: 1,
    chance_mse: None,
};

impl Task for NoisySine {
    fn spec(&self) -> &'static TaskSpec {
        &SPEC
    }

    fn signal(&self, c: &DataParams, count: usize) -> Option<Vec<f32>> {
        let mut rng = SplitMix64::new(c.seed ^ 0x0015_E5E5_0015_E5E5);
        // Box–Muller: one standard normal per value.
        Some(sample_signal(c.points, count, |t| {
            let (u, v) = (1.0 - rng.next_f64(), rng.next_f64());
            t.sin() + c.noise * (-2.0 * u.ln()).sqrt() * (TAU * v).cos()
        }))
    }
}
