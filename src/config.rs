//! The lab's configuration: every field a learner, a course author or the CLI can set, with its type,
//! its allowed range and one validation path shared by the URL query, the page's controls, the JS API
//! and the CLI flags.
//!
//! The defaults reproduce the tutorial's script: 2 GRU layers of 32 units, dropout 0.1, windows of 10
//! sine values over 1000 points of `sin(t)`, `t ∈ [0, 20]`, Adam at lr 0.01, 100 epochs, seed 42.

use crate::cells::CellKind;
use crate::tasks::{DataParams, TaskKind};
use crate::user_series::UserSeries;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A value that failed validation: which field, what was given, what is allowed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub field: String,
    pub value: String,
    pub allowed: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} = \"{}\" is not allowed: {} must be {}",
            self.field, self.value, self.field, self.allowed
        )
    }
}

impl std::error::Error for ConfigError {}

/// Everything that defines one training run. Two equal configs give the same run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LabConfig {
    /// Hidden units per recurrent layer.
    pub hidden: usize,
    /// Stacked recurrent layers.
    pub layers: usize,
    /// The recurrent cell (see [`crate::cells`]).
    pub cell: CellKind,
    /// Adam's learning rate at the start (the plateau scheduler halves it later).
    pub lr: f64,
    /// Dropout probability between recurrent layers, in training only.
    pub dropout: f64,
    /// Sine values per input window (the sequence length T).
    pub window: usize,
    /// Points of `sin(t)` sampled over `t ∈ [0, 20]`.
    pub points: usize,
    /// Epoch budget (one full-batch step per epoch).
    pub epochs: usize,
    /// Seed of the weight initialisation, the dropout masks and the tasks' random data.
    pub seed: u64,
    /// What the net learns (see [`crate::tasks`]).
    pub task: TaskKind,
    /// Series tasks: the fraction of windows (the last ones) held out for validation; 0, the
    /// tutorial's choice, scores on the training windows.
    pub split: f64,
    /// Memory tasks: training windows, and as many validation windows.
    pub samples: usize,
    /// The noisy sine's noise level (standard deviation).
    pub noise: f64,
    /// The `csv` task's data, read by [`UserSeries::parse`]. Not a URL field (it can be 100,000
    /// values); it stays when the task or any other field changes, so switching back finds it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub series: Option<UserSeries>,
}

impl Default for LabConfig {
    fn default() -> Self {
        LabConfig {
            hidden: 32,
            layers: 2,
            cell: CellKind::Cho,
            lr: 0.01,
            dropout: 0.1,
            window: 10,
            points: 1000,
            epochs: 100,
            seed: 42,
            task: TaskKind::Sine,
            split: 0.0,
            samples: 1000,
            noise: 0.1,
            series: None,
        }
    }
}

/// The fields in the order the URL query and the docs list them.
/// The task comes first: it decides which windows are allowed.
pub const FIELDS: [&str; 13] = [
    "task", "hidden", "layers", "cell", "lr", "dropout", "window", "points", "epochs", "seed",
    "split", "samples", "noise",
];

/// Inclusive integer ranges and float ranges of each field.
pub const HIDDEN_RANGE: (usize, usize) = (1, 128);
pub const LAYERS_RANGE: (usize, usize) = (1, 4);
pub const LR_RANGE: (f64, f64) = (1e-5, 1.0);
pub const DROPOUT_RANGE: (f64, f64) = (0.0, 0.9);
/// Series tasks take windows of up to 50 values; memory tasks gaps of up to 200 steps.
pub const WINDOW_RANGE: (usize, usize) = (2, 50);
pub const MEMORY_WINDOW_RANGE: (usize, usize) = (2, 200);
pub const SPLIT_RANGE: (f64, f64) = (0.0, 0.5);
pub const SAMPLES_RANGE: (usize, usize) = (10, 10_000);
pub const NOISE_RANGE: (f64, f64) = (0.0, 1.0);
pub const POINTS_RANGE: (usize, usize) = (20, 5000);
pub const EPOCHS_RANGE: (usize, usize) = (1, 10_000);
pub const SEED_RANGE: (u64, u64) = (0, 4_294_967_295);

fn error(field: &str, value: &str, allowed: String) -> ConfigError {
    ConfigError {
        field: field.to_string(),
        value: value.to_string(),
        allowed,
    }
}

fn parse_int<T>(field: &str, value: &str, (lo, hi): (T, T)) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + Copy + fmt::Display,
{
    let allowed = || format!("an integer from {lo} to {hi}");
    let parsed: T = value
        .trim()
        .parse()
        .map_err(|_| error(field, value, allowed()))?;
    if parsed < lo || parsed > hi {
        return Err(error(field, value, allowed()));
    }
    Ok(parsed)
}

fn parse_float(field: &str, value: &str, (lo, hi): (f64, f64)) -> Result<f64, ConfigError> {
    let allowed = || format!("a number from {lo} to {hi}");
    let parsed: f64 = value
        .trim()
        .parse()
        .map_err(|_| error(field, value, allowed()))?;
    if !parsed.is_finite() || parsed < lo || parsed > hi {
        return Err(error(field, value, allowed()));
    }
    Ok(parsed)
}

impl LabConfig {
    /// Sets one field from its text form, validating type and range. On error `self` is unchanged.
    pub fn set(&mut self, field: &str, value: &str) -> Result<(), ConfigError> {
        let mut next = self.clone();
        next.set_unchecked(field, value)?;
        next.check_window_fits()
            .map_err(|e| error(field, value, e.allowed))?;
        *self = next;
        Ok(())
    }

    fn set_unchecked(&mut self, field: &str, value: &str) -> Result<(), ConfigError> {
        match field {
            "hidden" => self.hidden = parse_int(field, value, HIDDEN_RANGE)?,
            "layers" => self.layers = parse_int(field, value, LAYERS_RANGE)?,
            "cell" => {
                self.cell = CellKind::from_name(value.trim())
                    .ok_or_else(|| error(field, value, format!("one of {}", CellKind::names())))?
            }
            "lr" => self.lr = parse_float(field, value, LR_RANGE)?,
            "dropout" => self.dropout = parse_float(field, value, DROPOUT_RANGE)?,
            "window" if self.task.is_memory() => {
                self.window = parse_int(field, value, MEMORY_WINDOW_RANGE)?
            }
            "window" => {
                self.window = parse_int(field, value, WINDOW_RANGE).map_err(|e| {
                    let longest = MEMORY_WINDOW_RANGE.1;
                    let hint = format!("(up to {longest} for the memory tasks adding and recall)");
                    error(
                        field,
                        value,
                        format!("{} for a series task {hint}", e.allowed),
                    )
                })?
            }
            "points" => self.points = parse_int(field, value, POINTS_RANGE)?,
            "epochs" => self.epochs = parse_int(field, value, EPOCHS_RANGE)?,
            "seed" => self.seed = parse_int(field, value, SEED_RANGE)?,
            "task" => {
                self.task = TaskKind::from_name(value.trim())
                    .ok_or_else(|| error(field, value, format!("one of {}", TaskKind::names())))?
            }
            "split" => self.split = parse_float(field, value, SPLIT_RANGE)?,
            "samples" => self.samples = parse_int(field, value, SAMPLES_RANGE)?,
            "noise" => self.noise = parse_float(field, value, NOISE_RANGE)?,
            _ => {
                return Err(error(
                    "field",
                    field,
                    format!("one of {}", FIELDS.join(", ")),
                ));
            }
        }
        Ok(())
    }

    /// The text form of one field, as `set` reads it back.
    pub fn get(&self, field: &str) -> Option<String> {
        Some(match field {
            "hidden" => self.hidden.to_string(),
            "layers" => self.layers.to_string(),
            "cell" => self.cell.name().to_string(),
            "lr" => self.lr.to_string(),
            "dropout" => self.dropout.to_string(),
            "window" => self.window.to_string(),
            "points" => self.points.to_string(),
            "epochs" => self.epochs.to_string(),
            "seed" => self.seed.to_string(),
            "task" => self.task.name().to_string(),
            "split" => self.split.to_string(),
            "samples" => self.samples.to_string(),
            "noise" => self.noise.to_string(),
            _ => return None,
        })
    }

    /// Validates every field of a config built some other way (serde, struct literal).
    pub fn validate(&self) -> Result<(), ConfigError> {
        // Each field alone, against this config's task (it decides which windows are allowed).
        let probe = LabConfig {
            task: self.task,
            ..LabConfig::default()
        };
        for field in FIELDS {
            let value = self.get(field).expect("FIELDS lists only known fields");
            probe.clone().set_unchecked(field, &value)?;
        }
        self.check_window_fits()
    }

    /// A series task's windows are at most 50 values and leave at least ten windows to train on;
    /// a memory task's gap may reach 200 steps.
    fn check_window_fits(&self) -> Result<(), ConfigError> {
        if self.task.is_memory() {
            return Ok(());
        }
        if self.task == TaskKind::Csv {
            let Some(series) = &self.series else {
                return Err(error(
                    "task",
                    "csv",
                    "one with its data: \"csv\" needs a series first (paste values or choose a CSV file)"
                        .into(),
                ));
            };
            return series
                .fits(self.window)
                .map_err(|allowed| error("window", &self.window.to_string(), allowed));
        }
        if self.window > WINDOW_RANGE.1 {
            let (lo, hi) = WINDOW_RANGE;
            return Err(error(
                "window",
                &self.window.to_string(),
                format!(
                    "an integer from {lo} to {hi} for a series task (up to {} for the memory tasks adding and recall)",
                    MEMORY_WINDOW_RANGE.1
                ),
            ));
        }
        if self.points < self.window + 10 {
            return Err(error(
                "window",
                &self.window.to_string(),
                format!(
                    "at most points − 10 = {} (points is {})",
                    self.points.saturating_sub(10),
                    self.points
                ),
            ));
        }
        Ok(())
    }

    /// Applies `key=value&…` pairs on top of `self`. Valid fields take effect; each invalid or unknown
    /// one is reported and leaves that field as it was. Keys this config does not own (listed in
    /// `foreign`, e.g. the page's `backend` or `embed`) are skipped silently.
    pub fn apply_query(&self, query: &str, foreign: &[&str]) -> (LabConfig, Vec<ConfigError>) {
        let mut config = self.clone();
        let mut errors = Vec::new();
        // The task first, wherever it stands: it decides which windows are allowed.
        let mut pairs = parse_query(query);
        pairs.sort_by_key(|(key, _)| key != "task");
        for (key, value) in pairs {
            if foreign.contains(&key.as_str()) {
                continue;
            }
            if let Err(e) = config.set(&key, &value) {
                errors.push(e);
            }
        }
        (config, errors)
    }

    /// The query string that `apply_query` turns back into this config (every field, fixed order).
    pub fn to_query(&self) -> String {
        FIELDS
            .iter()
            .map(|f| format!("{f}={}", self.get(f).expect("known field")))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// What the task builds its data from.
    pub fn data_params(&self) -> DataParams<'_> {
        DataParams {
            window: self.window,
            points: self.points,
            split: self.split,
            samples: self.samples,
            noise: self.noise,
            seed: self.seed,
            series: self.series.as_ref(),
        }
    }

    /// This config learning `series` (task `csv`); refused, with nothing changed, when the window
    /// does not fit it.
    pub fn with_series(&self, series: UserSeries) -> Result<LabConfig, ConfigError> {
        let next = LabConfig {
            task: TaskKind::Csv,
            series: Some(series),
            ..self.clone()
        };
        next.check_window_fits()?;
        Ok(next)
    }

    /// What the prediction chart calls the series: the task's label, or the learner's column.
    pub fn series_label(&self) -> String {
        match (&self.series, self.task) {
            (Some(series), TaskKind::Csv) => series.column.clone(),
            _ => self.task.spec().label.to_string(),
        }
    }

    /// The task's data for this config.
    pub fn dataset(&self) -> crate::data::Dataset {
        self.task.task().dataset(&self.data_params())
    }

    /// Learnable parameters of the model this config builds (tutorial shape 2×32: RNN 3,265, the
    /// pytorch GRU 9,729, the cho GRU 9,537, LSTM 12,961).
    pub fn parameter_count(&self) -> usize {
        let (h, spec) = (self.hidden, self.cell.spec());
        let rows = spec.blocks * h;
        let biases = if spec.hidden_bias { 2 } else { 1 };
        let recurrent: usize = (0..self.layers)
            .map(|l| {
                let input = if l == 0 { self.task.spec().inputs } else { h };
                rows * (input + h) + biases * rows
            })
            .sum();
        recurrent + h + 1
    }
}

/// Splits `a=1&b=2` (a leading `?` allowed) into decoded pairs.
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16);
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(hi), Some(lo)) => {
                    out.push((hi * 16 + lo) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_tutorial_and_parameter_counts_follow_the_cell() {
        let mut c = LabConfig::default();
        assert_eq!(c.validate(), Ok(()));
        for (cell, count) in [
            (CellKind::Cho, 9_537),
            (CellKind::Pytorch, 9_729),
            (CellKind::Lstm, 12_961),
            (CellKind::Rnn, 3_265),
        ] {
            c.cell = cell;
            assert_eq!(c.parameter_count(), count, "{}", cell.name());
        }
    }

    #[test]
    fn every_cell_name_parses_and_a_wrong_one_lists_them() {
        let mut c = LabConfig::default();
        for cell in CellKind::ALL {
            c.set("cell", cell.name()).unwrap();
            assert_eq!(c.cell, cell);
        }
        let e = c.set("cell", "gru").unwrap_err().to_string();
        assert!(
            e.contains("\"cho\", \"pytorch\", \"lstm\" or \"rnn\""),
            "{e}"
        );
    }

    #[test]
    fn query_round_trips() {
        let mut c = LabConfig::default();
        c.set("hidden", "7").unwrap();
        c.set("cell", "pytorch").unwrap();
        c.set("lr", "0.003").unwrap();
        c.set("seed", "9").unwrap();
        c.set("split", "0.25").unwrap();
        c.set("noise", "0.3").unwrap();
        c.set("task", "noisy-sine").unwrap();
        let (back, errors) = LabConfig::default().apply_query(&c.to_query(), &[]);
        assert!(errors.is_empty());
        assert_eq!(back, c);
        c.set("task", "adding").unwrap();
        c.set("window", "150").unwrap();
        c.set("samples", "300").unwrap();
        let (back, errors) = LabConfig::default().apply_query(&c.to_query(), &[]);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(back, c);
    }

    #[test]
    fn long_windows_are_for_memory_tasks_and_the_adding_task_has_two_inputs() {
        let mut c = LabConfig::default();
        let e = c.set("window", "60").unwrap_err();
        assert_eq!(e.field, "window");
        assert!(
            e.allowed.contains("2 to 50") && e.allowed.contains("200"),
            "{e}"
        );
        c.set("task", "recall").unwrap();
        c.set("window", "200").unwrap();
        assert!(c.set("window", "201").is_err());
        // Back to a series task with a window too long for it: refused, nothing changed.
        assert_eq!(c.set("task", "sine").unwrap_err().field, "task");
        assert_eq!((c.task, c.window), (TaskKind::Recall, 200));
        assert!(
            c.set("task", "gauss")
                .unwrap_err()
                .allowed
                .contains("\"adding\"")
        );
        // The adding task's first layer reads two channels: 3H more weights than one.
        c.set("window", "10").unwrap();
        let one = c.parameter_count();
        c.set("task", "adding").unwrap();
        assert_eq!(c.parameter_count(), one + 3 * 32);
    }

    #[test]
    fn bad_values_name_field_value_and_range_and_keep_the_rest() {
        let (c, errors) = LabConfig::default()
            .apply_query("?hidden=0&lr=abc&layers=99&seed=5&backend=x", &["backend"]);
        assert_eq!(c.seed, 5);
        assert_eq!(c.hidden, 32);
        let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(text.len(), 3, "{text:?}");
        assert!(
            text[0].contains("hidden") && text[0].contains("\"0\"") && text[0].contains("1 to 128")
        );
        assert!(text[1].contains("lr") && text[1].contains("abc") && text[1].contains("1 to"));
        assert!(text[2].contains("layers") && text[2].contains("99") && text[2].contains("1 to 4"));
    }

    #[test]
    fn a_learners_series_is_needed_for_csv_stays_through_changes_and_never_enters_the_url() {
        let mut c = LabConfig::default();
        let e = c.set("task", "csv").unwrap_err();
        assert!(e.to_string().contains("needs a series first"), "{e}");
        let text: String = (0..25).map(|i| format!("{}\n", i * i)).collect();
        let series = UserSeries::parse(&text, None, 10).unwrap();
        c = c.with_series(series.clone()).unwrap();
        assert_eq!(c.task, TaskKind::Csv);
        assert!(!c.to_query().contains("625"), "{}", c.to_query());
        // 25 values leave room for windows up to 15.
        assert!(c.set("window", "15").is_ok());
        let e = c.set("window", "16").unwrap_err();
        assert!(e.allowed.contains("at most values − 10 = 15"), "{e}");
        c.set("task", "sine").unwrap();
        c.set("hidden", "4").unwrap();
        c.set("task", "csv").unwrap();
        assert_eq!(c.series.as_ref(), Some(&series));
        assert_eq!(c.validate(), Ok(()));
        let (back, errors) = c.apply_query("lr=0.02", &[]);
        assert!(errors.is_empty());
        assert_eq!(back.series, c.series);
    }

    #[test]
    fn window_must_fit_in_the_series() {
        let mut c = LabConfig::default();
        c.set("points", "30").unwrap();
        let e = c.set("window", "25").unwrap_err();
        assert_eq!(e.field, "window");
        assert!(e.allowed.contains("20"), "{e}");
        assert_eq!(c.window, 10);
    }

    #[test]
    fn unknown_fields_and_non_finite_numbers_are_rejected() {
        let mut c = LabConfig::default();
        assert!(
            c.set("colour", "red")
                .unwrap_err()
                .to_string()
                .contains("hidden")
        );
        assert!(c.set("lr", "NaN").is_err());
        assert!(c.set("dropout", "inf").is_err());
        assert_eq!(c, LabConfig::default());
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(
            parse_query("a=%3Cb%3E&c=1+2&d=%zz"),
            vec![
                ("a".to_string(), "<b>".to_string()),
                ("c".to_string(), "1 2".to_string()),
                ("d".to_string(), "%zz".to_string()),
            ]
        );
    }
}
