//! The forecast panel ([`crate::forecast`]): the series around the forecast, its continuation where it
//! is known, and the model's free-running path; under it the mean absolute error against the horizon,
//! the model's beside the naive forecast's (repeat the last value),
//! where the model beats the naive forecast (shaded) and the step from which it never does again.

use super::{PlotResult, Theme, chart_on, draw_caption, fail, min_max, styled, time_label};
use crate::forecast::no_better_from;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// What the forecast panel draws, every value in the data's own units.
#[derive(Clone, Copy, Debug)]
pub struct ForecastChart<'a> {
    /// What the series is called ("Sine wave", a learner's column).
    pub label: &'a str,
    /// The data: the x and the value of each point.
    pub times: &'a [f64],
    pub series: &'a [f32],
    /// The forecast: the x of each step, the model's path, the truth (NaN where unknown).
    pub path_times: &'a [f64],
    pub path: &'a [f32],
    pub truth: &'a [f32],
    /// Mean absolute error at each horizon step over many starts: the model's and the naive one's.
    pub model_errors: &'a [f64],
    pub naive_errors: &'a [f64],
}

/// The path over its context and, when the area is tall enough, the errors by horizon under it.
pub fn draw_forecast<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    theme: &Theme,
    chart: &ForecastChart,
) -> PlotResult {
    let height = area.dim_in_pixel().1;
    if (height as f64) < 260.0 * theme.scale {
        return draw_path(area, theme, chart);
    }
    let (upper, lower) = area.split_vertically((height as f64 * 0.56) as u32);
    draw_path(&upper, theme, chart)?;
    draw_errors(&lower, theme, chart)
}

fn draw_path<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    theme: &Theme,
    chart: &ForecastChart,
) -> PlotResult {
    let (Some(&first), Some(&last)) = (chart.path_times.first(), chart.path_times.last()) else {
        return Ok(());
    };
    // The context before the forecast: as long as the forecast, at least 30 points.
    let step = chart
        .times
        .get(1)
        .zip(chart.times.first())
        .map_or(1.0, |(b, a)| b - a);
    let from = first - (last - first).max(30.0 * step);
    let context: Vec<(f64, f64)> = chart
        .times
        .iter()
        .zip(chart.series)
        .filter(|(t, _)| **t >= from && **t < first)
        .map(|(&t, &v)| (t, f64::from(v)))
        .collect();
    let pairs = |values: &[f32]| -> Vec<(f64, f64)> {
        chart
            .path_times
            .iter()
            .zip(values)
            .filter(|(_, v)| v.is_finite())
            .map(|(&t, &v)| (t, f64::from(v)))
            .collect()
    };
    let (truth, path) = (pairs(chart.truth), pairs(chart.path));
    let x0 = context.first().map_or(first, |p| p.0);
    let (lo, hi) = min_max(context.iter().chain(&truth).chain(&path).map(|p| p.1));
    let pad = (hi - lo) * 0.1;
    let (head, body) = area.split_vertically(theme.px(28.0));
    let label = format!("{}: ", chart.label);
    draw_caption(
        &head,
        theme,
        &[
            (label.as_str(), theme.foreground),
            ("truth", theme.truth),
            (" and ", theme.foreground),
            ("forecast", theme.prediction),
        ],
    )?;
    let mut plot = chart_on(&body, theme, (36.0, 44.0))
        .build_cartesian_2d(x0..last, (lo - pad)..(hi + pad))
        .map_err(fail)?;
    styled(&mut plot.configure_mesh(), theme, 12)
        .y_labels(5)
        .x_label_formatter(&time_label(last - x0))
        .x_desc("t")
        .draw()
        .map_err(fail)?;
    // Where the forecast starts: from here on the model sees only its own outputs.
    plot.draw_series(std::iter::once(PathElement::new(
        [(first, lo - pad), (first, hi + pad)],
        theme.foreground.mix(0.4).stroke_width(theme.px(1.0)),
    )))
    .map_err(fail)?;
    plot.draw_series(LineSeries::new(
        context,
        theme.truth.stroke_width(theme.px(2.0)),
    ))
    .map_err(fail)?;
    plot.draw_series(LineSeries::new(
        truth,
        theme.truth.mix(0.55).stroke_width(theme.px(2.0)),
    ))
    .map_err(fail)?;
    plot.draw_series(LineSeries::new(
        path,
        theme.prediction.stroke_width(theme.px(2.0)),
    ))
    .map_err(fail)?;
    Ok(())
}

fn draw_errors<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    theme: &Theme,
    chart: &ForecastChart,
) -> PlotResult {
    let horizon = chart.model_errors.len();
    let shown = |v: &&f64| v.is_finite();
    let (lo, hi) = min_max(
        chart
            .model_errors
            .iter()
            .chain(chart.naive_errors)
            .filter(shown)
            .copied()
            .chain([0.0]),
    );
    let (head, body) = area.split_vertically(theme.px(28.0));
    draw_caption(
        &head,
        theme,
        &[
            ("Mean |error|: ", theme.foreground),
            ("model", theme.prediction),
            (", - - last value repeated", theme.foreground),
        ],
    )?;
    let x_end = horizon.max(2);
    let mut plot = chart_on(&body, theme, (36.0, 56.0))
        .build_cartesian_2d(1..x_end, lo..hi * 1.1)
        .map_err(fail)?;
    styled(&mut plot.configure_mesh(), theme, 12)
        .y_labels(4)
        .x_desc("steps ahead")
        .y_label_formatter(&|v| format!("{v:.2}"))
        .draw()
        .map_err(fail)?;
    let points = |values: &[f64]| -> Vec<(usize, f64)> {
        values
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .map(|(k, &v)| (k + 1, v))
            .collect()
    };
    plot.draw_series(DashedLineSeries::new(
        points(chart.naive_errors),
        theme.px(6.0),
        theme.px(4.0),
        theme.foreground.mix(0.7).stroke_width(theme.px(1.5)),
    ))
    .map_err(fail)?;
    plot.draw_series(LineSeries::new(
        points(chart.model_errors),
        theme.prediction.stroke_width(theme.px(2.0)),
    ))
    .map_err(fail)?;
    // Where the model beats repeating the last value (shaded), and the step from which it never does.
    let top = hi * 1.1;
    let better = chart
        .model_errors
        .iter()
        .zip(chart.naive_errors)
        .enumerate()
        .filter(|(_, (m, n))| m < n)
        .map(|(k, _)| {
            Rectangle::new(
                [(k + 1, lo), ((k + 2).min(x_end), top)],
                theme.prediction.mix(0.12).filled(),
            )
        });
    plot.draw_series(better).map_err(fail)?;
    if let Some(k) = no_better_from(chart.model_errors, chart.naive_errors) {
        plot.draw_series(std::iter::once(PathElement::new(
            [(k, lo), (k, top)],
            theme.foreground.mix(0.5).stroke_width(theme.px(1.0)),
        )))
        .map_err(fail)?;
        let anchor = if k * 2 < x_end {
            HPos::Left
        } else {
            HPos::Right
        };
        let style = theme.text(11).pos(Pos::new(anchor, VPos::Top));
        let text = format!("  never better from step {k}  ");
        plot.draw_series(std::iter::once(Text::new(text, (k, top), style)))
            .map_err(fail)?;
    }
    Ok(())
}
