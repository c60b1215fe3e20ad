//! Forecasting past one step: the model fed its own outputs ("free running", closed loop). The
//! tutorial's net only ever predicts one step ahead from true values; here each prediction becomes the
//! newest value of the next window, so its errors compound with the horizon:
//!
//! ```text
//! ŷ_s     = f(x_{s−T}, …, x_{s−1})
//! ŷ_{s+k} = f(x_{s−T+k}, …, x_{s−1}, ŷ_s, …, ŷ_{s+k−1})     (after T steps the window holds only ŷ)
//! ```
//!
//! Held to PyTorch by `tests/fixtures/tutorial_forecast.json` (`gen_golden.py`, `tutorial_forecast`).
//! The error at each horizon, averaged over many starting points, is drawn beside the naive forecast
//! (repeat the window's last value, `ŷ_{s+k} = x_{s−1}`) and the one-step error.

use crate::bptt::Tape;
use crate::params::ModelParams;
use crate::state_dict::ModelShape;

/// Starting points whose horizon errors are averaged, at most (the forecast of each is one batch row).
pub const ERROR_STARTS: usize = 100;
/// Starting points averaged over, at least, however large the model.
pub const MIN_ERROR_STARTS: usize = 8;
/// The most multiply-adds one forecast spends on its horizon errors, beyond [`MIN_ERROR_STARTS`]: the
/// page asks for a forecast after every snapshot and the worker trains nothing meanwhile. About the
/// tutorial's LSTM with 100 starts, 100 steps ahead (100 · 100 · 10 steps · 12,416); a 4 × 128 GRU
/// with windows of 50 gets the minimum (its 100 starts took 12 s in Chromium).
pub const WORK_BUDGET: usize = 1_300_000_000;
/// The longest horizon a forecast may have.
pub const MAX_HORIZON: usize = 1000;

/// `horizon` values after each of `windows` (`[N, steps]`, one input channel), in evaluation mode:
/// every prediction replaces the oldest value of its window for the next step. Returns `[N, horizon]`.
pub fn free_run(params: &ModelParams, windows: &[f32], steps: usize, horizon: usize) -> Vec<f32> {
    assert_eq!(params.shape.inputs, 1, "a forecast feeds back one channel");
    let n = windows.len() / steps;
    let mut tape = Tape::new(params.shape, n, steps);
    let mut current = windows.to_vec();
    let mut out = vec![0.0; n * horizon];
    for k in 0..horizon {
        let predictions = tape.forward(params, &current, &[], &[]);
        for (s, &p) in predictions.iter().enumerate() {
            out[s * horizon + k] = p;
            let window = &mut current[s * steps..(s + 1) * steps];
            window.rotate_left(1);
            window[steps - 1] = p;
        }
    }
    out
}

/// Multiply-adds of one step of the cell's products through every layer: Σ_l blocks·H·(I_l + H).
fn work_per_step(shape: ModelShape) -> usize {
    let (blocks, h) = (shape.cell.spec().blocks, shape.hidden);
    (0..shape.layers)
        .map(|l| blocks * h * (shape.input_size(l) + h))
        .sum()
}

/// How many starts the horizon errors average over: [`ERROR_STARTS`] within [`WORK_BUDGET`] (each
/// start runs `horizon` windows of `window` steps), never fewer than [`MIN_ERROR_STARTS`].
pub fn error_starts(shape: ModelShape, window: usize, horizon: usize) -> usize {
    let per_start = (horizon * window * work_per_step(shape)).max(1);
    (WORK_BUDGET / per_start).clamp(MIN_ERROR_STARTS, ERROR_STARTS)
}

/// Up to `count` starting points spread evenly over `first..=last` (each the index of the first value
/// forecast), always including `last`.
pub fn spread_starts(first: usize, last: usize, count: usize) -> Vec<usize> {
    if last <= first || count < 2 {
        return vec![last];
    }
    let span = last - first;
    let mut starts: Vec<usize> = (0..count).map(|i| first + span * i / (count - 1)).collect();
    starts.dedup();
    starts
}

/// Mean absolute error at each horizon step of the model's forecasts and of the naive one, over the
/// starts whose truth is known there (`truth` NaN past a learner's data).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HorizonErrors {
    /// Starting points averaged over.
    pub starts: usize,
    /// `[horizon]`: the model fed its own outputs.
    pub model: Vec<f64>,
    /// `[horizon]`: repeating each window's last value.
    pub naive: Vec<f64>,
}

impl HorizonErrors {
    /// `forecasts` and `truth` `[N, horizon]`; `last` the window's last value of each start `[N]`.
    pub fn of(forecasts: &[f32], truth: &[f32], last: &[f32], horizon: usize) -> HorizonErrors {
        let mut sums = vec![(0.0, 0.0, 0usize); horizon];
        for (s, &x) in last.iter().enumerate() {
            for (k, sum) in sums.iter_mut().enumerate() {
                let y = truth[s * horizon + k];
                if y.is_finite() {
                    sum.0 += f64::from((forecasts[s * horizon + k] - y).abs());
                    sum.1 += f64::from((x - y).abs());
                    sum.2 += 1;
                }
            }
        }
        let mean = |total: f64, n: usize| if n > 0 { total / n as f64 } else { f64::NAN };
        HorizonErrors {
            starts: last.len(),
            model: sums.iter().map(|&(m, _, n)| mean(m, n)).collect(),
            naive: sums.iter().map(|&(_, b, n)| mean(b, n)).collect(),
        }
    }

    /// The horizon step (1-based) from which the model is never again better than the naive forecast;
    /// `None` when it is better at every step.
    pub fn no_better_from(&self) -> Option<usize> {
        no_better_from(&self.model, &self.naive)
    }
}

/// See [`HorizonErrors::no_better_from`]: one past the last step where `model < naive` (1 when it
/// never is); steps without a known truth (NaN) count as not better.
pub fn no_better_from(model: &[f64], naive: &[f64]) -> Option<usize> {
    let better = |k: usize| model[k] < naive[k];
    match (0..model.len().min(naive.len())).rev().find(|&k| better(k)) {
        Some(k) if k + 1 == model.len() => None,
        Some(k) => Some(k + 2),
        None => Some(1),
    }
}

/// A forecast as the page and the CLI show it: the path from `start` with the truth over it (NaN
/// where unknown) at its x values, and the horizon errors over many starts. Values as the net sees them
/// (standardised, for a learner's series).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ForecastReport {
    /// Index (in the series) of the first value forecast; the series' length is the end of the data.
    pub start: usize,
    pub horizon: usize,
    /// `[horizon]`: x, forecast and truth of each step.
    pub times: Vec<f64>,
    pub path: Vec<f32>,
    pub truth: Vec<f32>,
    pub errors: HorizonErrors,
}

/// The forecast of `horizon` steps from `start` (clamped to `window..=end`) and the horizon errors
/// over [`error_starts`] starts spread over the data. `signal`: the series and its continuation (at
/// least `end + horizon` values, NaN where unknown), `times` the x of each of its values, `end` the
/// length of the data.
pub fn forecast(
    params: &ModelParams,
    (signal, times, end): (&[f32], &[f64], usize),
    window: usize,
    start: usize,
    horizon: usize,
) -> ForecastReport {
    let horizon = horizon.clamp(1, MAX_HORIZON);
    let start = start.clamp(window, end);
    let count = error_starts(params.shape, window, horizon);
    let mut starts = spread_starts(window, end, count);
    let chosen = starts.iter().position(|&s| s == start).unwrap_or_else(|| {
        starts.push(start);
        starts.len() - 1
    });
    let windows: Vec<f32> = starts
        .iter()
        .flat_map(|&s| signal[s - window..s].iter().copied())
        .collect();
    let truth: Vec<f32> = starts
        .iter()
        .flat_map(|&s| signal[s..s + horizon].iter().copied())
        .collect();
    let last: Vec<f32> = starts.iter().map(|&s| signal[s - 1]).collect();
    let forecasts = free_run(params, &windows, window, horizon);
    let row = chosen * horizon..(chosen + 1) * horizon;
    ForecastReport {
        start,
        horizon,
        times: times[start..start + horizon].to_vec(),
        path: forecasts[row.clone()].to_vec(),
        truth: truth[row].to_vec(),
        errors: HorizonErrors::of(&forecasts, &truth, &last, horizon),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_are_spread_and_end_at_the_last() {
        assert_eq!(spread_starts(10, 1000, 3), vec![10, 505, 1000]);
        assert_eq!(spread_starts(10, 12, 100), vec![10, 11, 12]);
        assert_eq!(spread_starts(5, 5, 100), vec![5]);
    }

    #[test]
    fn horizon_errors_skip_unknown_truth_and_find_where_the_model_stops_being_better() {
        let forecasts = [1.0, 2.0, 5.0, 1.0, 2.0, 3.0];
        let truth = [1.0, 1.0, 1.0, 1.0, f32::NAN, f32::NAN];
        let e = HorizonErrors::of(&forecasts, &truth, &[1.0, 0.0], 3);
        assert_eq!(e.model, vec![0.0, 1.0, 4.0]);
        assert_eq!(e.naive, vec![0.5, 0.0, 0.0]);
        assert_eq!(e.no_better_from(), Some(2));
        assert_eq!(no_better_from(&[1.0, 0.5, 2.0], &[0.9, 1.0, 1.0]), Some(3));
        assert_eq!(no_better_from(&[0.1, 0.5], &[0.9, 1.0]), None);
    }

    #[test]
    fn large_models_average_over_fewer_starts_within_the_budget() {
        use crate::cells::CellKind;
        let shape = |cell, layers, hidden| ModelShape {
            cell,
            layers,
            hidden,
            inputs: 1,
        };
        // The tutorial's models, 100 steps ahead: every start.
        for cell in CellKind::ALL {
            assert_eq!(error_starts(shape(cell, 2, 32), 10, 100), ERROR_STARTS);
        }
        // 1,000 steps ahead: a tenth of the LSTM's 100 (each start is 1,000 windows).
        assert_eq!(error_starts(shape(CellKind::Lstm, 2, 32), 10, 1000), 10);
        assert_eq!(
            error_starts(shape(CellKind::Cho, 4, 128), 50, 100),
            MIN_ERROR_STARTS
        );
    }
}
