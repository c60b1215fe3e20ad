//! What a task gives the model to learn ([`crate::tasks`]): training windows with one target each,
//! and, when there is one, a held-out validation set.
//!
//! Two shapes of data. A *series* task (the tutorial's `sin(t)` and its variations) samples `points`
//! values of a function over `t ∈ [0, 20]` and cuts them into sliding windows of `window` values, each
//! labelled with the value that follows it (`generate_sine_wave_data` in the tutorial: 1000 points,
//! windows of 10, 990 windows); with `split > 0` the last part of the windows is held out. A *memory*
//! task draws `samples` independent windows and a separate seeded validation set of as many.

use crate::rng::SplitMix64;
use crate::user_series::{Scaling, UserSeries};

/// End of the time axis, as in the tutorial (`np.linspace(0, 20, 1000)`).
pub const T_END: f64 = 20.0;

/// `t_i = 20 · i / (points − 1)` for `i < count` (`count > points` continues the grid past `t = 20`).
fn grid(points: usize, count: usize) -> Vec<f64> {
    let step = T_END / (points - 1) as f64;
    (0..count).map(|i| i as f64 * step).collect()
}

/// `value(t)` on the grid of a series of `points` points, `count` values of it (more than `points`: its
/// continuation, a forecast's truth), stored in f32. `value` is called in order of `t`, so a seeded
/// noise stream continues the same series.
pub fn sample_signal(points: usize, count: usize, mut value: impl FnMut(f64) -> f64) -> Vec<f32> {
    grid(points, count)
        .into_iter()
        .map(|t| value(t) as f32)
        .collect()
}

/// A set of windows, flat and row-major, ready for a tensor.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Windows {
    /// `[samples, window, channels]`.
    pub inputs: Vec<f32>,
    /// `[samples]`.
    pub targets: Vec<f32>,
    /// The x of each target in the prediction chart: its time for a series, its index otherwise.
    pub times: Vec<f64>,
}

impl Windows {
    pub fn samples(&self) -> usize {
        self.targets.len()
    }
}

/// A task's data: the training windows and the held-out ones.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// Window length T (time steps per window).
    pub window: usize,
    /// Input channels per step (1 for a series; the adding task's value and marker are 2).
    pub channels: usize,
    /// Series tasks: the x axis (`t_i = 20 · i / (points − 1)`; a learner's series: the file's line
    /// numbers) and the whole series (standardised, for a learner's); empty for memory tasks.
    pub t: Vec<f64>,
    pub series: Vec<f32>,
    /// `[samples, window, channels]`: the training windows.
    pub inputs: Vec<f32>,
    /// `[samples]`: their targets.
    pub targets: Vec<f32>,
    times: Vec<f64>,
    /// The validation windows, when the task holds some out.
    pub validation: Option<Windows>,
    /// A learner's series is standardised for training; this maps it back to its own units.
    pub scaling: Option<Scaling>,
}

impl Dataset {
    /// The tutorial's data: `sin(t)` over `points` points in windows of `window`, nothing held out.
    pub fn sine(points: usize, window: usize) -> Dataset {
        Dataset::series(points, window, 0.0, |t| t.sin())
    }

    /// A series task: `value(t)` sampled at `points` points of `t ∈ [0, 20]` (stored in f32, as
    /// `torch.FloatTensor` stores it), cut into sliding windows of `window` values, each labelled
    /// with the next value; the last `⌊split · windows⌋` windows are held out for validation.
    /// Requires `points > window` (the config validates this).
    pub fn series(
        points: usize,
        window: usize,
        split: f64,
        value: impl FnMut(f64) -> f64,
    ) -> Dataset {
        Dataset::from_signal(sample_signal(points, points, value), window, split)
    }

    /// A series task's windows from its `points` values on the grid of [`sample_signal`].
    pub fn from_signal(series: Vec<f32>, window: usize, split: f64) -> Dataset {
        let points = series.len();
        assert!(
            points > window,
            "points ({points}) must exceed window ({window})"
        );
        Dataset::windows_of(grid(points, points), series, window, split)
    }

    /// A learner's series ([`UserSeries`]), standardised with the mean and scale of the values its
    /// training windows read; the x axis is each value's line in the file.
    pub fn user(series: &UserSeries, window: usize, split: f64) -> Dataset {
        let windows = series.values.len() - window;
        let trained = windows - Self::held_out(windows, split);
        let scaling = series.scaling(trained + window);
        let t = series.lines.iter().map(|&l| f64::from(l)).collect();
        let values = series
            .values
            .iter()
            .map(|&x| scaling.standardise(x) as f32)
            .collect();
        Dataset {
            scaling: Some(scaling),
            ..Dataset::windows_of(t, values, window, split)
        }
    }

    /// Windows held out of `windows` by `split` (the last ones).
    fn held_out(windows: usize, split: f64) -> usize {
        (windows as f64 * split).floor() as usize
    }

    /// Sliding windows of `window` values of `series`, each labelled with the next value; the last
    /// `⌊split · windows⌋` windows are held out for validation.
    fn windows_of(t: Vec<f64>, series: Vec<f32>, window: usize, split: f64) -> Dataset {
        let windows = series.len() - window;
        let held_out = Self::held_out(windows, split);
        let cut = |range: std::ops::Range<usize>| Windows {
            inputs: range
                .clone()
                .flat_map(|s| series[s..s + window].iter().copied())
                .collect(),
            targets: range.clone().map(|s| series[s + window]).collect(),
            times: range.map(|s| t[s + window]).collect(),
        };
        let train = cut(0..windows - held_out);
        let validation = (held_out > 0).then(|| cut(windows - held_out..windows));
        Dataset {
            window,
            channels: 1,
            t,
            series,
            inputs: train.inputs,
            targets: train.targets,
            times: train.times,
            validation,
            scaling: None,
        }
    }

    /// A memory task: `samples` training windows and as many validation windows, each drawn by
    /// `draw(rng, inputs)` (which fills one window's `[window, channels]` inputs and returns its
    /// target) from two seeded streams.
    pub fn memory(
        window: usize,
        channels: usize,
        samples: usize,
        seed: u64,
        draw: impl Fn(&mut SplitMix64, &mut [f32]) -> f32,
    ) -> Dataset {
        let set = |stream: u64| {
            let mut rng = SplitMix64::new(seed ^ stream);
            let mut inputs = vec![0.0; samples * window * channels];
            let targets = inputs
                .chunks_exact_mut(window * channels)
                .map(|w| draw(&mut rng, w))
                .collect();
            Windows {
                inputs,
                targets,
                times: (0..samples).map(|s| s as f64).collect(),
            }
        };
        let train = set(0x7A5C_0000_0000_0001);
        Dataset {
            window,
            channels,
            t: Vec::new(),
            series: Vec::new(),
            inputs: train.inputs,
            targets: train.targets,
            times: train.times,
            validation: Some(set(0x7A5C_0000_0000_0002)),
            scaling: None,
        }
    }

    /// Number of training windows (990 for the tutorial).
    pub fn samples(&self) -> usize {
        self.targets.len()
    }

    /// The inputs of training window `s`, `[window · channels]`.
    pub fn window_of(&self, s: usize) -> &[f32] {
        let size = self.window * self.channels;
        &self.inputs[s * size..(s + 1) * size]
    }

    /// The x of each training target (a series: `t[window..]`), the prediction chart's x axis.
    pub fn target_times(&self) -> &[f64] {
        &self.times
    }

    /// What the prediction chart of a series draws: the x and the target of every window, the
    /// training windows then the held-out ones, in the data's own units, and where the held-out
    /// ones start.
    pub fn chart_targets(&self) -> (Vec<f64>, Vec<f32>, usize) {
        let held_out = self.validation.as_ref();
        let times = self
            .times
            .iter()
            .chain(held_out.map_or(&[][..], |v| &v.times))
            .copied()
            .collect();
        let targets: Vec<f32> = self
            .targets
            .iter()
            .chain(held_out.map_or(&[][..], |v| &v.targets))
            .copied()
            .collect();
        (times, self.in_units(&targets), self.samples())
    }

    /// Values the net sees (standardised, for a learner's series) in the data's own units.
    pub fn in_units(&self, values: &[f32]) -> Vec<f32> {
        match self.scaling {
            Some(s) => values
                .iter()
                .map(|&z| s.restore(f64::from(z)) as f32)
                .collect(),
            None => values.to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tutorial_shapes_and_values() {
        let d = Dataset::sine(1000, 10);
        assert_eq!(d.samples(), 990);
        assert_eq!(d.inputs.len(), 9900);
        assert_eq!(d.window_of(3), &d.series[3..13]);
        assert_eq!(d.targets[0], d.series[10]);
        assert!((d.t[999] - 20.0).abs() < 1e-12);
        assert_eq!(d.series[1], (20.0f64 / 999.0).sin() as f32);
        assert_eq!(d.target_times(), &d.t[10..]);
        assert!(d.validation.is_none());
    }

    #[test]
    fn a_split_holds_out_the_last_windows() {
        let d = Dataset::series(1000, 10, 0.2, f64::sin);
        let v = d.validation.as_ref().unwrap();
        assert_eq!((d.samples(), v.samples()), (792, 198));
        assert_eq!(v.targets[0], d.series[792 + 10]);
        assert_eq!(*v.targets.last().unwrap(), d.series[999]);
        let (times, truth, from) = d.chart_targets();
        assert_eq!((times.len(), truth.len(), from), (990, 990, 792));
        assert_eq!(&truth[..], &d.series[10..]);
    }

    #[test]
    fn a_learners_series_trains_standardised_and_draws_in_its_units() {
        let text: String = (0..40).map(|i| format!("{}\n", 100.0 + i as f64)).collect();
        let series = UserSeries::parse(&format!("level\n{text}"), None, 10).unwrap();
        let d = Dataset::user(&series, 10, 0.25);
        // 30 windows, 7 held out: the scaling reads the 23 + 10 values the training windows touch.
        assert_eq!(
            (d.samples(), d.validation.as_ref().unwrap().samples()),
            (23, 7)
        );
        let s = d.scaling.unwrap();
        assert_eq!(s.mean, 116.0);
        assert!((d.series.iter().take(33).map(|&z| f64::from(z)).sum::<f64>()).abs() < 1e-4);
        let (times, truth, _) = d.chart_targets();
        assert_eq!(
            (times[0], truth[0], *truth.last().unwrap()),
            (12.0, 110.0, 139.0)
        );
    }
}
