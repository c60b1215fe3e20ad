//! The tasks and their registry: what the net learns. A task is one file that builds its
//! [`Dataset`] from the config; here is what every task shares: its [`TaskSpec`] (name, the sentence a
//! learner reads, input channels, whether it is a series or a memory task) and the registry
//! [`TaskKind::task`].
//!
//! *Series* tasks predict the next value of a series from a window of it and are drawn over the whole
//! series; the tutorial's `sine` is the default and, with `split = 0`, reproduces the tutorial exactly.
//! *Memory* tasks have one target per window that depends on something far back in it: the gap the
//! net must bridge is the window length, which is what separates a gated cell from a plain RNN.
//!
//! Adding a task: one new file implementing [`Task`]; here, its `mod` line, its [`TaskKind`] variant
//! (also in [`TaskKind::ALL`]) and its line in [`TaskKind::task`].

pub mod adding;
pub mod csv;
pub mod noisy_sine;
pub mod recall;
pub mod sawtooth;
pub mod sine;
pub mod square;
pub mod two_tone;

use crate::data::Dataset;
use crate::user_series::UserSeries;
use serde::{Deserialize, Serialize};

/// Which task a run learns. The name is what URLs, the CLI, JSON and the JS API use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum TaskKind {
    /// The tutorial's `sin(t)`.
    #[default]
    Sine,
    TwoTone,
    Square,
    Sawtooth,
    NoisySine,
    /// The adding problem (Hochreiter & Schmidhuber 1997).
    Adding,
    /// Recall the first value of the window.
    Recall,
    /// The learner's own series.
    Csv,
}

impl TaskKind {
    /// Every task, in the order the page lists them.
    pub const ALL: [TaskKind; 8] = [
        TaskKind::Sine,
        TaskKind::TwoTone,
        TaskKind::Square,
        TaskKind::Sawtooth,
        TaskKind::NoisySine,
        TaskKind::Adding,
        TaskKind::Recall,
        TaskKind::Csv,
    ];

    /// The registry: the implementation of each task.
    pub fn task(self) -> &'static dyn Task {
        match self {
            TaskKind::Sine => &sine::Sine,
            TaskKind::TwoTone => &two_tone::TwoTone,
            TaskKind::Square => &square::Square,
            TaskKind::Sawtooth => &sawtooth::Sawtooth,
            TaskKind::NoisySine => &noisy_sine::NoisySine,
            TaskKind::Adding => &adding::Adding,
            TaskKind::Recall => &recall::Recall,
            TaskKind::Csv => &csv::Csv,
        }
    }

    pub fn spec(self) -> &'static TaskSpec {
        self.task().spec()
    }

    /// The name used in URLs, the CLI and JSON.
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    pub fn from_name(name: &str) -> Option<TaskKind> {
        TaskKind::ALL.into_iter().find(|t| t.name() == name)
    }

    /// `"sine", "two-tone", … or "recall"`, for messages.
    pub fn names() -> String {
        let quoted: Vec<String> = TaskKind::ALL
            .iter()
            .map(|t| format!("\"{}\"", t.name()))
            .collect();
        let (last, rest) = quoted.split_last().expect("tasks");
        format!("{} or {last}", rest.join(", "))
    }

    /// A memory task (one target per window, a validation set of its own, windows up to 200).
    pub fn is_memory(self) -> bool {
        self.spec().chance_mse.is_some()
    }
}

/// What the rest of the lab needs to know about a task.
#[derive(Debug)]
pub struct TaskSpec {
    /// URL / CLI / JSON name.
    pub name: &'static str,
    /// The name a learner reads in the task control.
    pub title: &'static str,
    /// What the prediction chart calls the series ("Sine wave").
    pub label: &'static str,
    /// One sentence on what the net must do and what makes it hard.
    pub about: &'static str,
    /// Input channels per time step (the first layer's input width I).
    pub inputs: usize,
    /// For a memory task, the MSE of the best constant guess (the chance line); `None` for a series.
    pub chance_mse: Option<f64>,
}

/// The config fields a task builds its data from (each task uses the ones it needs).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DataParams<'a> {
    /// Window length T.
    pub window: usize,
    /// Series tasks: points sampled over `t ∈ [0, 20]`, and the fraction of windows held out.
    pub points: usize,
    pub split: f64,
    /// Memory tasks: training windows (and as many validation windows).
    pub samples: usize,
    /// The noisy sine's noise level (standard deviation).
    pub noise: f64,
    pub seed: u64,
    /// The `csv` task's series (the learner's data).
    pub series: Option<&'a UserSeries>,
}

/// A task: its description and its data. A series task gives its signal and gets its windows from
/// it; a task without a formula (memory tasks, a learner's series) builds its own dataset.
pub trait Task: Sync {
    fn spec(&self) -> &'static TaskSpec;

    /// A series task's first `count` values on its time grid ([`crate::data::sample_signal`]):
    /// `count = points` is the data, more is its continuation (what a forecast is held to).
    fn signal(&self, _params: &DataParams, _count: usize) -> Option<Vec<f32>> {
        None
    }

    /// The training (and validation) windows.
    fn dataset(&self, params: &DataParams) -> Dataset {
        let values = self
            .signal(params, params.points)
            .expect("a task without a signal builds its own dataset");
        Dataset::from_signal(values, params.window, params.split)
    }
}

/// A uniform value in `[lo, hi)`.
pub fn uniform(rng: &mut crate::rng::SplitMix64, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * rng.next_f64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_task_builds_its_windows_with_its_channels() {
        let text: String = (0..200)
            .map(|i| format!("{}\n", (i as f64).cos()))
            .collect();
        let series = UserSeries::parse(&text, None, 10).unwrap();
        for task in TaskKind::ALL {
            let params = DataParams {
                window: 10,
                points: 1000,
                split: 0.2,
                samples: 50,
                noise: 0.1,
                seed: 42,
                series: Some(&series),
            };
            let d = task.task().dataset(&params);
            let spec = task.spec();
            assert_eq!(d.channels, spec.inputs, "{}", spec.name);
            assert_eq!(d.inputs.len(), d.samples() * d.window * d.channels);
            assert!(d.validation.is_some(), "{}: held out", spec.name);
            assert!(d.inputs.iter().chain(&d.targets).all(|v| v.is_finite()));
            assert_eq!(TaskKind::from_name(spec.name), Some(task));
        }
    }
}
