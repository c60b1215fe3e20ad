//! The learner's own series: one column of a CSV file or of pasted text, read into numbers with
//! messages that name the line (numbered as in the file, a header being line 1), the column and the
//! problem, so the learner can find and fix it.
//!
//! What is read: one value per line, or several columns separated by commas, tabs or semicolons (the
//! first of these the first line contains); a first line that is not all numbers is a header. The
//! column is chosen by its header name or its number (1 = the first); without a choice, the first
//! column whose first value is a number. Cells may be quoted (`"3.5"`), quotes do not protect a
//! separator. Blank lines at the end are ignored; a blank cell anywhere else is a gap and is refused.
//!
//! For training the values are standardised, `z = (x − mean) / scale`, with the mean and the
//! (population) standard deviation of the values the training windows read, so the held-out values
//! do not leak into the scaling ([`Scaling`]); charts draw them back in the data's own units.

use crate::metrics::thousands;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The most values a series may have.
pub const MAX_VALUES: usize = 100_000;
/// The largest text read (a file over it is refused before it is parsed).
pub const MAX_BYTES: usize = 16 * 1024 * 1024;
/// Windows needed beyond the window itself (the same margin as `points ≥ window + 10`).
pub const SPARE_VALUES: usize = 10;

/// One column of numbers read from a CSV file or pasted text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserSeries {
    /// The column's header name, or `column N` when the file has no header.
    pub column: String,
    /// Every header name (or `column 1`, …): what the learner may choose from.
    pub columns: Vec<String>,
    /// The values in file order, in the data's own units.
    pub values: Vec<f64>,
    /// The file line of each value (1-based, a header being line 1): the chart's x axis.
    pub lines: Vec<u32>,
}

/// Why a text was refused: where (line, column, when known) and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeriesError {
    pub line: Option<usize>,
    pub column: Option<String>,
    pub problem: String,
}

impl fmt::Display for SeriesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, &self.column) {
            (Some(line), Some(column)) => write!(f, "line {line}, column \"{column}\": ")?,
            (Some(line), None) => write!(f, "line {line}: ")?,
            (None, Some(column)) => write!(f, "column \"{column}\": ")?,
            (None, None) => {}
        }
        f.write_str(&self.problem)
    }
}

impl std::error::Error for SeriesError {}

fn refuse(line: Option<usize>, column: Option<&str>, problem: String) -> SeriesError {
    SeriesError {
        line,
        column: column.map(str::to_string),
        problem,
    }
}

/// A cell without its surrounding blanks and quotes.
fn unquoted(cell: &str) -> &str {
    let cell = cell.trim();
    cell.strip_prefix('"')
        .and_then(|c| c.strip_suffix('"'))
        .unwrap_or(cell)
        .trim()
}

/// A number as Rust reads it, `None` for anything else (NaN and infinities are numbers here; the
/// caller refuses them with their own message).
fn number(cell: &str) -> Option<f64> {
    unquoted(cell).parse().ok()
}

impl UserSeries {
    /// Reads `text` (a CSV file or pasted values) and takes `column` (a header name or a 1-based
    /// number; `None`: the first numeric column), refusing anything a window of `window` values
    /// cannot train on.
    pub fn parse(
        text: &str,
        column: Option<&str>,
        window: usize,
    ) -> Result<UserSeries, SeriesError> {
        if text.len() > MAX_BYTES {
            return Err(refuse(
                None,
                None,
                format!(
                    "the text is {:.1} MB; the limit is {} MB",
                    text.len() as f64 / 1048576.0,
                    MAX_BYTES / 1048576
                ),
            ));
        }
        let mut lines: Vec<&str> = text.lines().collect();
        while lines.last().is_some_and(|l| l.trim().is_empty()) {
            lines.pop();
        }
        let Some(first) = lines.first() else {
            return Err(refuse(
                None,
                None,
                "there is no data: paste one value per line, or choose a CSV file".into(),
            ));
        };
        let separator = [',', '\t', ';'].into_iter().find(|&s| first.contains(s));
        let split = |line: &str| -> Vec<String> {
            match separator {
                Some(s) => line.split(s).map(str::to_string).collect(),
                None => vec![line.to_string()],
            }
        };
        let head = split(first);
        let has_header = head.iter().any(|c| number(c).is_none());
        let columns: Vec<String> = if has_header {
            head.iter()
                .enumerate()
                .map(|(i, c)| match unquoted(c) {
                    "" => format!("column {}", i + 1),
                    name => name.to_string(),
                })
                .collect()
        } else {
            (1..=head.len()).map(|i| format!("column {i}")).collect()
        };
        let data_start = usize::from(has_header);
        let index = match column.map(str::trim).filter(|c| !c.is_empty()) {
            Some(asked) => columns
                .iter()
                .position(|c| c == asked)
                .or_else(|| {
                    asked
                        .parse::<usize>()
                        .ok()
                        .filter(|&n| (1..=columns.len()).contains(&n))
                        .map(|n| n - 1)
                })
                .ok_or_else(|| {
                    refuse(
                        Some(1),
                        None,
                        format!(
                            "there is no column \"{asked}\": the columns are {}",
                            columns
                                .iter()
                                .map(|c| format!("\"{c}\""))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )
                })?,
            None => lines
                .get(data_start)
                .and_then(|l| split(l).iter().position(|c| number(c).is_some()))
                .unwrap_or(0),
        };
        let name = columns[index].clone();
        let mut values = Vec::new();
        let mut line_numbers = Vec::new();
        for (i, line) in lines.iter().enumerate().skip(data_start) {
            let line_no = i + 1;
            let row = split(line);
            let cell = row.get(index).ok_or_else(|| {
                refuse(
                    Some(line_no),
                    Some(&name),
                    format!(
                        "the line has {} cell{} and this column is cell {}",
                        row.len(),
                        if row.len() == 1 { "" } else { "s" },
                        index + 1
                    ),
                )
            })?;
            let text = unquoted(cell);
            if text.is_empty() {
                return Err(refuse(
                    Some(line_no),
                    Some(&name),
                    "the cell is empty (a series cannot have gaps)".into(),
                ));
            }
            let value: f64 = text.parse().map_err(|_| {
                refuse(
                    Some(line_no),
                    Some(&name),
                    format!("\"{text}\" is not a number"),
                )
            })?;
            if !value.is_finite() {
                return Err(refuse(
                    Some(line_no),
                    Some(&name),
                    format!(
                        "\"{text}\" is not a finite number (NaN and infinity cannot be learned)"
                    ),
                ));
            }
            if values.len() == MAX_VALUES {
                return Err(refuse(
                    Some(line_no),
                    Some(&name),
                    format!(
                        "more than {} values (the limit): cut the series",
                        thousands(MAX_VALUES)
                    ),
                ));
            }
            values.push(value);
            line_numbers.push(line_no as u32);
        }
        let needed = window + SPARE_VALUES;
        match (line_numbers.first(), line_numbers.last()) {
            (None, _) | (_, None) => Err(refuse(
                Some(1),
                Some(&name),
                "the column is empty: there are no values under the header".into(),
            )),
            (Some(&a), Some(&b)) if values.len() < needed => Err(refuse(
                Some(b as usize),
                Some(&name),
                format!(
                    "only {} value{} (lines {a}–{b}); a window of {window} needs at least {needed} (window + {SPARE_VALUES})",
                    values.len(),
                    if values.len() == 1 { "" } else { "s" },
                ),
            )),
            _ if values.iter().all(|&v| v == values[0]) => Err(refuse(
                None,
                Some(&name),
                format!(
                    "every value is {}: a constant series has nothing to learn",
                    values[0]
                ),
            )),
            _ => Ok(UserSeries {
                column: name,
                columns,
                values,
                lines: line_numbers,
            }),
        }
    }

    /// The window check for a series already read (when the window changes after the data).
    pub fn fits(&self, window: usize) -> Result<(), String> {
        let needed = window + SPARE_VALUES;
        if self.values.len() < needed {
            return Err(format!(
                "at most values − {SPARE_VALUES} = {} (column \"{}\" has {} values)",
                self.values.len().saturating_sub(SPARE_VALUES),
                self.column,
                self.values.len()
            ));
        }
        Ok(())
    }

    /// Mean and scale of the first `count` values (those the training windows read).
    pub fn scaling(&self, count: usize) -> Scaling {
        let head = &self.values[..count.clamp(1, self.values.len())];
        let mean = head.iter().sum::<f64>() / head.len() as f64;
        let variance = head.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / head.len() as f64;
        // A stretch that is constant over the training part still trains (on zeros): scale 1.
        let scale = if variance > 0.0 { variance.sqrt() } else { 1.0 };
        Scaling { mean, scale }
    }
}

/// The standardisation of a learner's series: the net sees `(x − mean) / scale`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scaling {
    pub mean: f64,
    pub scale: f64,
}

impl Scaling {
    pub fn standardise(&self, x: f64) -> f64 {
        (x - self.mean) / self.scale
    }

    /// Back to the data's own units.
    pub fn restore(&self, z: f64) -> f64 {
        z * self.scale + self.mean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(n: usize) -> String {
        (0..n).map(|i| format!("{}\n", i as f64 * 0.5)).collect()
    }

    #[test]
    fn one_value_per_line_without_header() {
        let s = UserSeries::parse(&values(30), None, 10).unwrap();
        assert_eq!(s.values.len(), 30);
        assert_eq!(s.column, "column 1");
        assert_eq!((s.lines[0], s.lines[29]), (1, 30));
    }

    #[test]
    fn a_header_names_the_columns_and_the_first_numeric_one_is_taken() {
        let mut text = String::from("date,price,volume\n");
        for i in 0..25 {
            text += &format!("2024-01-{i},{}.5,\"{}\"\n", i, 100 + i);
        }
        let s = UserSeries::parse(&text, None, 10).unwrap();
        assert_eq!(
            (s.column.as_str(), s.values[1], s.lines[0]),
            ("price", 1.5, 2)
        );
        let v = UserSeries::parse(&text, Some("volume"), 10).unwrap();
        assert_eq!(v.values[0], 100.0);
        assert_eq!(UserSeries::parse(&text, Some("3"), 10).unwrap(), v);
        let e = UserSeries::parse(&text, Some("cost"), 10).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 1: there is no column \"cost\": the columns are \"date\", \"price\", \"volume\""
        );
    }

    #[test]
    fn bad_cells_name_line_and_column() {
        let mut text = String::from("x\n") + &values(30);
        text = text.replacen("2.5\n", "abc\n", 1);
        let e = UserSeries::parse(&text, None, 10).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 7, column \"x\": \"abc\" is not a number"
        );
        let e = UserSeries::parse(&values(12), None, 10).unwrap_err();
        assert!(e.to_string().starts_with("line 12, column \"column 1\": only 12 values (lines 1–12); a window of 10 needs at least 20"), "{e}");
    }

    #[test]
    fn scaling_reads_the_training_part_only() {
        let s = UserSeries::parse(&values(40), None, 10).unwrap();
        let sc = s.scaling(3);
        assert_eq!(sc.mean, 0.5);
        assert!((sc.restore(sc.standardise(7.25)) - 7.25).abs() < 1e-12);
    }
}
