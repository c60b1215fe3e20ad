//! Compare mode: up to four runs that share the task, its data and the seed, and differ in what the
//! learner picks per run (cell, hidden size, layers, learning rate, dropout, window). Each run is a
//! whole [`LabConfig`]: the lab's config with the run's own fields set through the same validation
//! as every other field, so a run alone and the same run in a comparison train identically.
//!
//! The URL key `compare` lists the runs, comma-separated; a run is a cell name, optionally followed by
//! `:field=value` pairs: `compare=rnn,cho,lstm`, or `compare=rnn,lstm:hidden=16:lr=0.003`.

use crate::config::{ConfigError, LabConfig};

/// Runs a comparison may hold.
pub const MAX_RUNS: usize = 4;
/// The fields a run may set for itself; the rest (task, data, seed, epochs, …) are shared.
pub const RUN_FIELDS: [&str; 6] = ["cell", "hidden", "layers", "lr", "dropout", "window"];

/// One run of a comparison: its config and how the legend and the table name it.
#[derive(Clone, Debug, PartialEq)]
pub struct CompareRun {
    pub config: LabConfig,
    /// The cell and the size, and any other field the run sets: `lstm 2×32`, `cho 1×8 lr 0.003`.
    pub label: String,
}

fn refused(field: String, value: &str, allowed: String) -> ConfigError {
    ConfigError {
        field,
        value: value.to_string(),
        allowed,
    }
}

/// The runs `text` describes on top of `base`. A run with a bad part is left out and each bad part is
/// reported (its field named `compare[2].hidden`, runs counted from 1); more than [`MAX_RUNS`] runs
/// refuse the whole list. An empty text is no comparison.
pub fn compare_runs(base: &LabConfig, text: &str) -> (Vec<CompareRun>, Vec<ConfigError>) {
    let items: Vec<&str> = text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if items.len() > MAX_RUNS {
        let allowed = format!("at most {MAX_RUNS} runs, e.g. rnn,cho,lstm");
        return (Vec::new(), vec![refused("compare".into(), text, allowed)]);
    }
    let mut runs = Vec::new();
    let mut errors = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match run(base, item, i + 1) {
            Ok(config) => runs.push(CompareRun {
                label: label(base, &config),
                config,
            }),
            Err(e) => errors.push(e),
        }
    }
    (runs, errors)
}

/// One run: `cell[:field=value…]`.
fn run(base: &LabConfig, item: &str, number: usize) -> Result<LabConfig, ConfigError> {
    let mut config = base.clone();
    for (j, part) in item.split(':').enumerate() {
        let (field, value) = match part.split_once('=') {
            Some((field, value)) => (field.trim(), value.trim()),
            // The first part may name the cell alone.
            None if j == 0 => ("cell", part.trim()),
            None => {
                return Err(refused(
                    format!("compare[{number}]"),
                    part,
                    "field=value after the cell, e.g. lstm:hidden=16".into(),
                ));
            }
        };
        if !RUN_FIELDS.contains(&field) {
            return Err(refused(
                format!("compare[{number}]"),
                part,
                format!(
                    "one of {} (task, data, seed and epochs are shared by the runs)",
                    RUN_FIELDS.join(", ")
                ),
            ));
        }
        config.set(field, value).map_err(|e| ConfigError {
            field: format!("compare[{number}].{}", e.field),
            ..e
        })?;
    }
    Ok(config)
}

/// `lstm 2×32`, and each other run field that differs from `base`.
fn label(base: &LabConfig, config: &LabConfig) -> String {
    let mut label = format!("{} {}×{}", config.cell.name(), config.layers, config.hidden);
    for field in ["lr", "dropout", "window"] {
        if config.get(field) != base.get(field) {
            label += &format!(" {field} {}", config.get(field).unwrap_or_default());
        }
    }
    label
}

/// The `compare` text of `runs` on top of `base`: each run's cell, then only the fields it sets
/// differently (what `compare_runs` reads back).
pub fn compare_text(base: &LabConfig, runs: &[CompareRun]) -> String {
    runs.iter()
        .map(|r| {
            let mut item = r.config.cell.name().to_string();
            for field in &RUN_FIELDS[1..] {
                let value = r.config.get(field).unwrap_or_default();
                if base.get(field).as_deref() != Some(value.as_str()) {
                    item += &format!(":{field}={value}");
                }
            }
            item
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cells::CellKind;

    #[test]
    fn cells_alone_and_with_their_own_fields_round_trip() {
        let base = LabConfig::default();
        let (runs, errors) = compare_runs(&base, "rnn, cho ,lstm:hidden=16:lr=0.003");
        assert!(errors.is_empty(), "{errors:?}");
        let cells: Vec<CellKind> = runs.iter().map(|r| r.config.cell).collect();
        assert_eq!(cells, [CellKind::Rnn, CellKind::Cho, CellKind::Lstm]);
        assert_eq!(runs[2].config.hidden, 16);
        assert_eq!(runs[2].label, "lstm 2×16 lr 0.003");
        assert_eq!(runs[0].config.seed, base.seed);
        let text = compare_text(&base, &runs);
        assert_eq!(text, "rnn,cho,lstm:hidden=16:lr=0.003");
        assert_eq!(compare_runs(&base, &text).0, runs);
    }

    #[test]
    fn bad_runs_are_refused_by_field_and_the_good_ones_kept() {
        let base = LabConfig::default();
        let (runs, errors) = compare_runs(&base, "rnn,gru,lstm:hidden=500,cho:seed=3");
        assert_eq!(runs.len(), 1);
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(errors[0].field, "compare[2].cell");
        assert!(
            text[0].contains("\"gru\"") && text[0].contains("\"rnn\""),
            "{}",
            text[0]
        );
        assert_eq!(errors[1].field, "compare[3].hidden");
        assert!(text[1].contains("1 to 128"), "{}", text[1]);
        assert_eq!(errors[2].field, "compare[4]");
        assert!(text[2].contains("shared"), "{}", text[2]);
        let (runs, errors) = compare_runs(&base, "rnn,cho,lstm,pytorch,rnn");
        assert!(runs.is_empty());
        assert!(errors[0].to_string().contains("at most 4 runs"));
    }
}
