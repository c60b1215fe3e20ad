//! A run's results figure from its data and history: the tutorial's `gru_sine_wave_results.png`
//! ([`super::draw_results_figure`]: prediction, loss, error, histogram, and the gradient through
//! time below), drawn by the CLI into a PNG and by the page's "Results figure" export onto a canvas.

use super::{
    PlotResult, PredictionLine, ResultsGradients, SeriesChart, Theme, draw_results_figure,
};
use crate::data::Dataset;
use plotters::coord::Shift;
use plotters::prelude::*;

/// What the figure shows of a run.
pub struct RunResults<'a> {
    pub data: &'a Dataset,
    /// What the prediction chart calls the series (`LabConfig::series_label`).
    pub label: &'a str,
    /// Every window's prediction, the training windows then the held-out ones (standardised, as the
    /// model sees the data).
    pub predictions: &'a [f32],
    /// Every epoch's training loss and validation loss (NaN where nothing is held out).
    pub losses: &'a [f64],
    pub validation: &'a [f64],
    /// The learning rate now.
    pub lr: f64,
    /// A memory task's chance level.
    pub chance: Option<f64>,
    /// The gradient through time, after the first epoch.
    pub gradients: Option<ResultsGradients<'a>>,
}

impl RunResults<'_> {
    /// The figure's size in pixels: the CLI's PNG, and the page's export.
    pub fn size(&self) -> (u32, u32) {
        (1500, if self.gradients.is_some() { 1700 } else { 1000 })
    }
}

/// Draws `results` on `area` (of [`RunResults::size`]).
pub fn draw_run_results<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    theme: &Theme,
    results: RunResults,
) -> PlotResult {
    let (times, truth, held_out_from) = results.data.chart_targets();
    let predictions = results.data.in_units(results.predictions);
    let line = PredictionLine {
        name: "prediction",
        values: &predictions,
    };
    let series = SeriesChart {
        label: results.label,
        times: &times,
        truth: &truth,
        predictions: &[line],
        held_out_from,
    };
    draw_results_figure(
        area,
        theme,
        &series,
        (results.losses, results.validation, results.chance),
        results.lr,
        results.gradients,
    )
}
