//! A run's whole state as one file, what the page's "Save run" writes and its Load restores: the
//! config (the data choice with it: the task's fields, a learner's series), the weights in PyTorch's
//! layout, every epoch's report and gradient through time, the scheduler and the dropout stream. A
//! loaded run shows the same history and weights and trains on from the same epoch, learning rate
//! and dropout masks; Adam's moments are not in the file and start afresh.

use crate::config::LabConfig;
use crate::gradient_flow::GradientFlow;
use crate::state_dict::{StateDict, WeightsError};
use crate::train::{EpochReport, PlateauScheduler};
use serde::{Deserialize, Serialize};

/// Identifies run files and their version.
pub const FORMAT: &str = "gru-lab-run/1";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunFile {
    pub format: String,
    pub config: LabConfig,
    pub tensors: StateDict,
    /// Epochs 1 … n.
    pub reports: Vec<EpochReport>,
    /// The gradient through time of epochs 1 … n.
    pub flows: Vec<GradientFlow>,
    pub scheduler: PlateauScheduler,
    /// `SplitMix64::position` of the dropout stream.
    pub dropout_stream: u64,
}

impl RunFile {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("plain data serialises")
    }

    /// Parses a run file; the caller checks the tensors against the model (`Trainer::from_state_dict`).
    pub fn from_json(text: &str) -> Result<RunFile, WeightsError> {
        let file: RunFile = serde_json::from_str(text)
            .map_err(|e| WeightsError::Unreadable(format!("not a GRU Lab run file: {e}")))?;
        crate::weights::check_header("run file", &file.format, FORMAT, &file.config)?;
        let numbered = file
            .reports
            .iter()
            .enumerate()
            .all(|(i, r)| r.epoch == i + 1);
        if !numbered || file.flows.len() != file.reports.len() {
            return Err(WeightsError::Unreadable(format!(
                "run file history: {} reports numbered 1, 2, … and as many gradient profiles expected ({} given)",
                file.reports.len(),
                file.flows.len()
            )));
        }
        Ok(file)
    }

    /// Whether `text` is a run file rather than a weights file (by its format field).
    pub fn is_run_file(text: &str) -> bool {
        #[derive(Deserialize)]
        struct Head {
            format: String,
        }
        serde_json::from_str::<Head>(text).is_ok_and(|h| h.format == FORMAT)
    }
}
