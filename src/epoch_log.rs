//! Every epoch's gradient through time beside the trainer's reports, and the run's history as CSV:
//! what `gru-lab train --history FILE.csv` writes and the page's "History CSV" export, one row per
//! epoch: `epoch,loss,val_loss,lr,grad_norm,ms`, then the gradient-through-time columns of
//! [`GradientFlow::csv_header`] (`dh_l0_t1, …`). `val_loss` is empty when nothing is held out.

use crate::gradient_flow::GradientFlow;
use crate::train::EpochReport;
use std::fmt::Write;

/// The header's first columns, one per [`EpochReport`] figure.
pub const REPORT_COLUMNS: &str = "epoch,loss,val_loss,lr,grad_norm,ms";

/// The gradient through time of epochs 1, 2, … (the reports live in `Trainer::history`).
#[derive(Clone, Debug, Default)]
pub struct EpochLog {
    flows: Vec<GradientFlow>,
}

impl EpochLog {
    pub fn new() -> EpochLog {
        EpochLog::default()
    }

    /// A log of the flows a run file carried.
    pub fn from_flows(flows: Vec<GradientFlow>) -> EpochLog {
        EpochLog { flows }
    }

    /// Records epoch `epoch`'s flow; a later epoch already held (the run went back) is dropped first.
    pub fn record(&mut self, epoch: usize, flow: &GradientFlow) {
        self.truncate(epoch.saturating_sub(1));
        self.flows.push(flow.clone());
    }

    /// Keeps epochs 1 … `epochs`.
    pub fn truncate(&mut self, epochs: usize) {
        self.flows.truncate(epochs);
    }

    pub fn flows(&self) -> &[GradientFlow] {
        &self.flows
    }

    /// The CSV of `reports` (epochs 1 … n) with this log's flows beside them.
    pub fn csv(&self, reports: &[EpochReport]) -> String {
        let mut csv = String::from(REPORT_COLUMNS);
        if let Some(first) = self.flows.first() {
            for column in first.csv_header() {
                let _ = write!(csv, ",{column}");
            }
        }
        csv.push('\n');
        for (i, report) in reports.iter().enumerate() {
            let val_loss = report.val_loss.map_or(String::new(), |v| v.to_string());
            let _ = write!(
                csv,
                "{},{},{val_loss},{},{},{:.3}",
                report.epoch, report.loss, report.lr, report.grad_norm, report.ms
            );
            for v in self.flows.get(i).into_iter().flat_map(|f| f.csv_values()) {
                let _ = write!(csv, ",{v}");
            }
            csv.push('\n');
        }
        csv
    }
}
