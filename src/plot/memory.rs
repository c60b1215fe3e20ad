//! The prediction panel of a memory task ([`crate::tasks`]): predicted against target over the
//! validation windows (a scatter with the `y = x` line and the best constant guess dashed), and under it the selected
//! window's input sequence, its marked steps highlighted, so a learner can hold it beside the gates of
//! that window.

use super::{PlotResult, Theme, chart_on, draw_caption, fail, styled};
use plotters::coord::Shift;
use plotters::prelude::*;

/// One window's inputs `[T, channels]` as the chart reads them: channel 0 is the value; a second
/// channel, when present, is the marker (the adding problem's).
#[derive(Clone, Copy, Debug)]
pub struct WindowInputs<'a> {
    pub values: &'a [f32],
    pub channels: usize,
}

/// One run's validation windows: their targets and its predictions (empty before the first snapshot).
#[derive(Clone, Copy, Debug)]
pub struct ScatterRun<'a> {
    /// The run's name in compare mode (unused for a lone run).
    pub name: &'a str,
    pub targets: &'a [f32],
    pub predictions: &'a [f32],
}

/// The scatter over every validation window, one per run side by side in compare mode, and, when
/// `window` is given and the area is tall enough, the inputs of training window `selected` under it.
pub fn draw_memory_prediction<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    theme: &Theme,
    runs: &[ScatterRun],
    selected: Option<usize>,
    window: Option<WindowInputs>,
) -> PlotResult {
    let height = area.dim_in_pixel().1;
    let scatters = |area: &DrawingArea<DB, Shift>| -> PlotResult {
        if runs.len() < 2 {
            return runs
                .iter()
                .try_for_each(|r| draw_scatter(area, theme, r, None));
        }
        let (width, _) = area.dim_in_pixel();
        let cuts: Vec<i32> = (1..runs.len())
            .map(|i| (width as usize * i / runs.len()) as i32)
            .collect();
        let parts = area.split_by_breakpoints(cuts, Vec::<i32>::new());
        runs.iter()
            .zip(&parts)
            .enumerate()
            .try_for_each(|(i, (r, part))| {
                draw_scatter(part, theme, r, Some(theme.line(i, runs.len())))
            })
    };
    match window {
        Some(w) if height as f64 >= 240.0 * theme.scale => {
            let (upper, lower) = area.split_vertically((height as f64 * 0.62) as u32);
            scatters(&upper)?;
            draw_window(&lower, theme, w, selected)
        }
        _ => scatters(area),
    }
}

/// One run's scatter; `colour` names it (compare mode) in its caption and its points.
fn draw_scatter<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    theme: &Theme,
    run: &ScatterRun,
    colour: Option<RGBColor>,
) -> PlotResult {
    let ScatterRun {
        targets,
        predictions,
        ..
    } = *run;
    let (lo, hi) = targets
        .iter()
        .chain(predictions)
        .filter(|v| v.is_finite())
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    let (lo, hi) = if lo < hi {
        (lo as f64, hi as f64)
    } else {
        (-1.0, 1.0)
    };
    let pad = (hi - lo) * 0.05;
    let (lo, hi) = (lo - pad, hi + pad);
    let mean = targets.iter().map(|&v| v as f64).sum::<f64>() / targets.len().max(1) as f64;
    let (head, body) = area.split_vertically(theme.px(28.0));
    let points = colour.unwrap_or(theme.prediction);
    match colour {
        Some(c) => draw_caption(&head, theme, &[(run.name, c)])?,
        None => draw_caption(
            &head,
            theme,
            &[
                ("Each validation window: ", theme.foreground),
                ("prediction", theme.prediction),
                (
                    " against target; y = x is right; - - always guessing the mean",
                    theme.foreground,
                ),
            ],
        )?,
    }
    let mut chart = chart_on(&body, theme, (36.0, 44.0))
        .build_cartesian_2d(lo..hi, lo..hi)
        .map_err(fail)?;
    styled(&mut chart.configure_mesh(), theme, 12)
        .x_labels(6)
        .y_labels(5)
        .x_desc("target")
        .y_desc("prediction")
        .draw()
        .map_err(fail)?;
    chart
        .draw_series(LineSeries::new(
            [(lo, lo), (hi, hi)],
            theme.truth.stroke_width(theme.px(1.0)),
        ))
        .map_err(fail)?;
    chart
        .draw_series(DashedLineSeries::new(
            [(lo, mean), (hi, mean)],
            theme.px(6.0),
            theme.px(4.0),
            theme.foreground.mix(0.6).stroke_width(theme.px(1.0)),
        ))
        .map_err(fail)?;
    if predictions.len() == targets.len() {
        chart
            .draw_series(targets.iter().zip(predictions).map(|(&y, &p)| {
                Circle::new(
                    (y as f64, p as f64),
                    theme.px(1.5),
                    points.mix(0.5).filled(),
                )
            }))
            .map_err(fail)?;
    }
    Ok(())
}

/// The selected window's values over its steps as bars, the marked steps in the prediction colour.
fn draw_window<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    theme: &Theme,
    window: WindowInputs,
    selected: Option<usize>,
) -> PlotResult {
    let steps = window.values.len() / window.channels.max(1);
    let value = |t: usize| window.values[t * window.channels] as f64;
    let marked = |t: usize| window.channels > 1 && window.values[t * window.channels + 1] > 0.5;
    let (lo, hi) = (0..steps).fold((0.0f64, 0.0f64), |(lo, hi), t| {
        (lo.min(value(t)), hi.max(value(t)))
    });
    let (lo, hi) = if hi > lo { (lo, hi) } else { (-1.0, 1.0) };
    let (head, body) = area.split_vertically(theme.px(26.0));
    let title = format!(
        "Inputs of window #{}{}",
        selected.unwrap_or(0),
        if window.channels > 1 {
            " (marked steps in colour)"
        } else {
            ""
        }
    );
    draw_caption(&head, theme, &[(&title, theme.foreground)])?;
    let mut chart = chart_on(&body, theme, (30.0, 44.0))
        .build_cartesian_2d(0.5..steps as f64 + 0.5, lo..hi)
        .map_err(fail)?;
    styled(&mut chart.configure_mesh(), theme, 12)
        .x_labels(10)
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_labels(3)
        .x_desc("step t")
        .draw()
        .map_err(fail)?;
    chart
        .draw_series((0..steps).map(|t| {
            let x = (t + 1) as f64;
            let colour = if marked(t) {
                theme.prediction.filled()
            } else {
                theme.grid.mix(0.9).filled()
            };
            Rectangle::new([(x - 0.4, 0.0), (x + 0.4, value(t))], colour)
        }))
        .map_err(fail)?;
    Ok(())
}
