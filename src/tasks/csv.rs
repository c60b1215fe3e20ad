//! The learner's own series ([`crate::user_series`]): the next value from a window, as the tutorial
//! does with its sine, on values standardised with the training part's mean and scale.

use super::{DataParams, Task, TaskSpec};
use crate::data::Dataset;

pub struct Csv;

const SPEC: TaskSpec = TaskSpec {
    name: "csv",
    title: "your own series (CSV or pasted)",
    label: "Your series",
    about: "Predict the next value of a series you paste or load from a CSV file. Hold some of it out (validation split) to see whether the net learned the pattern or the points.",
    inputs: 1,
    chance_mse: None,
};

impl Task for Csv {
    fn spec(&self) -> &'static TaskSpec {
        &SPEC
    }

    /// Requires the series (the config refuses `task = csv` without one).
    fn dataset(&self, c: &DataParams) -> Dataset {
        let series = c
            .series
            .expect("the config refuses task csv without a series");
        Dataset::user(series, c.window, c.split)
    }
}
