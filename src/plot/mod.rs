//! Every chart of the lab, drawn with plotters and generic over its `DrawingBackend`: the page draws
//! them on HTML canvases (plotters-canvas), the CLI into a PNG (the tutorial's 4-panel results figure).
//!
//! The gate heatmaps use [`GateLayout`], a pure function of the canvas size and the model shape, so the
//! page's hover read-out hits exactly the cell that was drawn. The gradient through time and the
//! memory tasks' prediction panel have their own files, [`gradients`] and [`memory`].

mod forecast;
mod gradients;
mod memory;
mod results;

pub use forecast::{ForecastChart, draw_forecast};
pub use gradients::{
    FlowHistory, FlowHit, FlowLayout, RELATIVE_DECADES, Rect, draw_gradient_flow, relative_decades,
    sequential,
};
pub use memory::{ScatterRun, WindowInputs, draw_memory_prediction};
pub use results::{RunResults, draw_run_results};

use crate::cells::{CellKind, Quantity};
use crate::trace::SampleTrace;
use plotters::chart::MeshStyle;
use plotters::coord::Shift;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Any drawing failure, as text (the backends' error types differ).
pub type PlotResult = Result<(), String>;

fn fail<E: std::fmt::Display>(e: E) -> String {
    format!("drawing failed: {e}")
}

/// A chart on `area` with the lab's margins (8 CSS px, 18 on the right, where the last x label
/// overhangs) and label areas of `x_labels` and `y_labels` CSS px.
fn chart_on<'a, 'b, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    theme: &Theme,
    (x_labels, y_labels): (f64, f64),
) -> ChartBuilder<'a, 'b, DB> {
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(theme.px(8.0))
        .margin_right(theme.px(RIGHT_MARGIN))
        .x_label_area_size(theme.px(x_labels))
        .y_label_area_size(theme.px(y_labels));
    builder
}

/// The right margin of [`chart_on`], in CSS px.
const RIGHT_MARGIN: f64 = 18.0;

/// The lab's grid, axis and label style on a chart's mesh, labels of `size` CSS px.
fn styled<'m, 'a, 'b, X, Y, XT, YT, DB>(
    mesh: &'m mut MeshStyle<'a, 'b, X, Y, DB>,
    theme: &Theme,
    size: u32,
) -> &'m mut MeshStyle<'a, 'b, X, Y, DB>
where
    X: Ranged<ValueType = XT> + ValueFormatter<XT>,
    Y: Ranged<ValueType = YT> + ValueFormatter<YT>,
    DB: DrawingBackend,
{
    mesh.light_line_style(theme.grid.mix(0.35))
        .bold_line_style(theme.grid)
        .axis_style(theme.foreground)
        .label_style(theme.text(size))
}

/// Colours of one colour scheme (the page follows `prefers-color-scheme`).
#[derive(Clone, Copy, Debug)]
pub struct Theme {
    pub background: RGBColor,
    pub foreground: RGBColor,
    pub grid: RGBColor,
    pub truth: RGBColor,
    pub prediction: RGBColor,
    pub error: RGBColor,
    pub loss: RGBColor,
    /// Compare mode: one colour per run (Okabe & Ito's colour-blind-safe palette).
    pub runs: [RGBColor; 4],
    /// The gate heatmaps' diverging scale: low end, midpoint, high end. The midpoint is near the
    /// background, so that a value at the middle of its range recedes on either theme.
    pub heat: [RGBColor; 3],
    /// Device pixels per CSS pixel (`devicePixelRatio`): every size below is multiplied by it, so the
    /// page's canvases can be drawn at full resolution and stay crisp on HiDPI screens.
    pub scale: f64,
}

impl Theme {
    pub const LIGHT: Theme = Theme {
        background: RGBColor(255, 255, 255),
        foreground: RGBColor(33, 37, 41),
        grid: RGBColor(222, 226, 230),
        truth: RGBColor(0, 114, 178),
        prediction: RGBColor(213, 94, 0),
        error: RGBColor(0, 158, 115),
        loss: RGBColor(0, 114, 178),
        runs: [
            RGBColor(0, 114, 178),
            RGBColor(213, 94, 0),
            RGBColor(0, 158, 115),
            RGBColor(204, 121, 167),
        ],
        // ColorBrewer PuOr ends around a neutral grey-white centre (colour-blind safe).
        heat: [
            RGBColor(84, 39, 136),
            RGBColor(247, 247, 247),
            RGBColor(179, 88, 6),
        ],
        scale: 1.0,
    };
    pub const DARK: Theme = Theme {
        background: RGBColor(24, 26, 31),
        foreground: RGBColor(230, 232, 235),
        grid: RGBColor(60, 64, 72),
        truth: RGBColor(86, 180, 233),
        prediction: RGBColor(230, 159, 0),
        error: RGBColor(0, 158, 115),
        loss: RGBColor(86, 180, 233),
        runs: [
            RGBColor(86, 180, 233),
            RGBColor(230, 159, 0),
            RGBColor(0, 158, 115),
            RGBColor(204, 121, 167),
        ],
        // The same hues, lightened, around a centre just above the dark background.
        heat: [
            RGBColor(167, 152, 222),
            RGBColor(44, 47, 54),
            RGBColor(244, 164, 68),
        ],
        scale: 1.0,
    };

    /// This theme at `scale` device pixels per CSS pixel.
    pub fn scaled(self, scale: f64) -> Theme {
        Theme {
            scale: if scale.is_finite() && scale > 0.0 {
                scale
            } else {
                1.0
            },
            ..self
        }
    }

    /// A length of `css` CSS pixels in device pixels.
    pub fn px(&self, css: f64) -> u32 {
        (css * self.scale).round().max(1.0) as u32
    }

    fn text(&self, size: u32) -> TextStyle<'static> {
        ("sans-serif", self.px(size as f64))
            .into_font()
            .color(&self.foreground)
    }
}

fn min_max(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if lo > hi {
        (-1.0, 1.0)
    } else if hi - lo < 1e-9 {
        (lo - 1e-3, hi + 1e-3)
    } else {
        (lo, hi)
    }
}

/// Labels for a time axis: whole numbers when the axis spans several units (`20`, not a clipped `20.0`).
fn time_label(span: f64) -> impl Fn(&f64) -> String {
    move |v| {
        if span >= 5.0 {
            format!("{v:.0}")
        } else {
            format!("{v:.1}")
        }
    }
}

/// Labels for a value axis spanning `span`: about three significant digits of the span (`0.012`,
/// `1.25`, `250`), so a learner's series in hundreds does not read `100.000`.
fn value_label(span: f64) -> impl Fn(&f64) -> String {
    let decimals = (2.0 - span.max(1e-12).log10().floor()).clamp(0.0, 4.0) as usize;
    move |v| format!("{v:.decimals$}")
}

/// A caption in coloured parts, centred at the top of `area`: the prediction chart's title names its
/// series in their line colours, so it is also the legend (a legend box covered a third of a small chart).
fn draw_caption<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    theme: &Theme,
    parts: &[(&str, RGBColor)],
) -> PlotResult {
    let style = |colour: RGBColor| ("sans-serif", theme.px(15.0)).into_font().color(&colour);
    // Text measurement drops leading and trailing spaces: measure a space between two letters.
    let width = |text: &str, colour: RGBColor| {
        area.estimate_text_size(text, &style(colour))
            .map_or(0, |(w, _)| w as i32)
    };
    let space = width("x x", theme.foreground) - width("xx", theme.foreground);
    let widths: Vec<i32> = parts
        .iter()
        .map(|(text, colour)| {
            let spaces = text.len() - text.trim_start().len() + text.len() - text.trim_end().len();
            width(text.trim(), *colour) + spaces as i32 * space
        })
        .collect();
    let total: i32 = widths.iter().sum();
    let mut x = (area.dim_in_pixel().0 as i32 - total) / 2;
    for ((text, colour), w) in parts.iter().zip(widths) {
        let lead = (text.len() - text.trim_start().len()) as i32 * space;
        area.draw(&Text::new(
            text.trim(),
            ((x + lead).max(0), theme.px(6.0) as i32),
            style(*colour),
        ))
        .map_err(fail)?;
        x += w;
    }
    Ok(())
}

/// One line of predictions: the lab's own (`name` "prediction"), or one run's in compare mode. NaN
/// where the run has no window (a longer window starts later).
#[derive(Clone, Copy, Debug)]
pub struct PredictionLine<'a> {
    pub name: &'a str,
    pub values: &'a [f32],
}

/// What the prediction chart draws of a series task: every window's target at its x, the training
/// windows first and the held-out ones after them, and the predictions of each (none before the first
/// snapshot), all in the data's own units.
#[derive(Clone, Copy, Debug)]
pub struct SeriesChart<'a> {
    /// What the series is called ("Sine wave", a learner's column name).
    pub label: &'a str,
    pub times: &'a [f64],
    pub truth: &'a [f32],
    /// One line (the lab), or one per run in compare mode, each as long as `truth`.
    pub predictions: &'a [PredictionLine<'a>],
    /// Index of the first held-out window (`times.len()` when nothing is held out).
    pub held_out_from: usize,
}

impl SeriesChart<'_> {
    /// `truth − prediction` of every window, when there is exactly one line of predictions.
    fn errors(&self) -> Option<Vec<f32>> {
        match self.predictions {
            [one] if one.values.len() == self.truth.len() => Some(
                self.truth
                    .iter()
                    .zip(one.values)
                    .map(|(y, p)| y - p)
                    .collect(),
            ),
            _ => None,
        }
    }

    /// The x range of the held-out windows, when there are some.
    fn held_out(&self) -> Option<(f64, f64)> {
        let first = *self.times.get(self.held_out_from)?;
        Some((first, *self.times.last()?))
    }
}

impl Theme {
    /// The colour of line `i` of `n`: the prediction colour for a lone line, a run's colour otherwise.
    pub fn line(&self, i: usize, n: usize) -> RGBColor {
        if n == 1 {
            self.prediction
        } else {
            self.runs[i % self.runs.len()]
        }
    }

    /// The foreground faded a little over half-way to the background: a ghost curve's colour.
    pub fn faint(&self) -> RGBColor {
        let mix = |f: u8, b: u8| ((f as f64 * 0.45) + (b as f64 * 0.55)).round() as u8;
        let (f, b) = (self.foreground, self.background);
        RGBColor(mix(f.0, b.0), mix(f.1, b.1), mix(f.2, b.2))
    }
}

/// Prediction against the truth over the whole series, the held-out part shaded; `selected` marks
/// the sample whose gates are shown. The caption names the lines in their colours (it is the legend).
pub fn draw_prediction<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    theme: &Theme,
    chart: &SeriesChart,
    selected: Option<usize>,
) -> PlotResult {
    let SeriesChart {
        times,
        truth,
        predictions,
        ..
    } = *chart;
    let (t0, t1) = min_max(times.iter().copied());
    let values = predictions.iter().flat_map(|p| p.values.iter());
    let (lo, hi) = min_max(
        truth
            .iter()
            .chain(values)
            .filter(|v| v.is_finite())
            .map(|&v| v as f64),
    );
    let pad = (hi - lo) * 0.1;
    let (head, body) = area.split_vertically(theme.px(28.0));
    let label = format!("{}: ", chart.label);
    let drawn: Vec<_> = predictions
        .iter()
        .filter(|p| !p.values.is_empty())
        .collect();
    // Beside several runs' colours the truth is drawn in the text colour, so no run shares its hue.
    let truth_colour = if drawn.len() > 1 {
        theme.foreground
    } else {
        theme.truth
    };
    let mut parts = vec![(label.as_str(), theme.foreground), ("truth", truth_colour)];
    for (i, line) in drawn.iter().enumerate() {
        let joint = match i {
            0 if drawn.len() == 1 => " and ",
            0 => ", ",
            _ => " · ",
        };
        parts.extend([
            (joint, theme.foreground),
            (line.name, theme.line(i, drawn.len())),
        ]);
    }
    draw_caption(&head, theme, &parts)?;
    let mut plot = chart_on(&body, theme, (36.0, 44.0))
        .build_cartesian_2d(t0..t1, (lo - pad)..(hi + pad))
        .map_err(fail)?;
    styled(&mut plot.configure_mesh(), theme, 12)
        .y_labels(5)
        .x_label_formatter(&time_label(t1 - t0))
        .x_desc("t")
        .draw()
        .map_err(fail)?;
    if let Some((a, b)) = chart.held_out() {
        plot.draw_series(std::iter::once(Rectangle::new(
            [(a, lo - pad), (b, hi + pad)],
            theme.foreground.mix(0.08).filled(),
        )))
        .map_err(fail)?;
        // Named inside the shaded band (a caption would not fit a phone).
        let style = theme.text(11).pos(Pos::new(HPos::Left, VPos::Top));
        plot.draw_series(std::iter::once(Text::new(
            "held out",
            (a + (t1 - t0) * 0.005, hi + pad * 0.8),
            style,
        )))
        .map_err(fail)?;
    }
    if let Some(s) = selected.filter(|&s| s < times.len()) {
        plot.draw_series(std::iter::once(Rectangle::new(
            [
                (times[s] - (t1 - t0) * 0.004, lo - pad),
                (times[s] + (t1 - t0) * 0.004, hi + pad),
            ],
            theme.foreground.mix(0.15).filled(),
        )))
        .map_err(fail)?;
    }
    let pairs = |v: &[f32]| {
        times
            .iter()
            .zip(v)
            .filter(|(_, y)| y.is_finite())
            .map(|(&t, &y)| (t, y as f64))
            .collect::<Vec<_>>()
    };
    plot.draw_series(LineSeries::new(
        pairs(truth),
        truth_colour.stroke_width(theme.px(2.0)),
    ))
    .map_err(fail)?;
    for (i, line) in drawn.iter().enumerate() {
        plot.draw_series(LineSeries::new(
            pairs(line.values),
            theme
                .line(i, drawn.len())
                .stroke_width(theme.px(if drawn.len() == 1 { 2.0 } else { 1.5 })),
        ))
        .map_err(fail)?;
    }
    Ok(())
}

/// The page's prediction panel: the prediction chart with the error panel under it when the area is
/// tall enough to read both and there is one line of predictions (an embedded lab's short canvas,
/// and compare mode, show the prediction chart only).
pub fn draw_prediction_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    theme: &Theme,
    chart: &SeriesChart,
    selected: Option<usize>,
) -> PlotResult {
    let height = area.dim_in_pixel().1;
    match chart.errors() {
        Some(errors) if height as f64 >= 240.0 * theme.scale => {
            let (upper, lower) = area.split_vertically((height as f64 * 0.68) as u32);
            draw_prediction(&upper, theme, chart, selected)?;
            draw_error(&lower, theme, chart.times, &errors)
        }
        _ => draw_prediction(area, theme, chart, selected),
    }
}

/// The prediction error `truth − prediction` over time, with a zero line.
pub fn draw_error<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    theme: &Theme,
    times: &[f64],
    errors: &[f32],
) -> PlotResult {
    let (t0, t1) = min_max(times.iter().copied());
    let (lo, hi) = min_max(errors.iter().map(|&e| e as f64).chain([0.0]));
    // As many y labels as fit the panel's height one label-height apart (they piled up on a phone).
    let height = area.dim_in_pixel().1 as f64;
    let y_labels =
        ((height - theme.px(60.0) as f64) / theme.px(22.0) as f64).clamp(2.0, 5.0) as usize;
    let mut chart = ChartBuilder::on(area)
        .caption("Prediction error (truth − prediction)", theme.text(13))
        .margin(theme.px(8.0))
        .margin_right(theme.px(18.0))
        .x_label_area_size(theme.px(24.0))
        .y_label_area_size(theme.px(60.0))
        .build_cartesian_2d(t0..t1, lo..hi)
        .map_err(fail)?;
    styled(&mut chart.configure_mesh(), theme, 11)
        .y_labels(y_labels)
        .y_label_formatter(&value_label(hi - lo))
        .x_label_formatter(&time_label(t1 - t0))
        .draw()
        .map_err(fail)?;
    chart
        .draw_series(LineSeries::new(
            [(t0, 0.0), (t1, 0.0)],
            theme.foreground.mix(0.5),
        ))
        .map_err(fail)?;
    chart
        .draw_series(LineSeries::new(
            times.iter().zip(errors).map(|(&t, &e)| (t, e as f64)),
            theme.error.stroke_width(theme.px(1.0)),
        ))
        .map_err(fail)?;
    Ok(())
}

/// One run's loss per epoch: training and validation (NaN where the task holds nothing out).
#[derive(Clone, Copy, Debug)]
pub struct LossCurves<'a> {
    /// The run's name in the legend (compare mode); unused for a lone run.
    pub name: &'a str,
    pub losses: &'a [f64],
    pub validation: &'a [f64],
}

/// A faint loss curve behind the runs' own: a run's epochs after the one the scrubber shows, the
/// future a "continue from here" abandoned, or the previous run's curve after a Reset.
pub struct Ghost<'a> {
    /// What the caption calls it ("later epochs", "previous run", …).
    pub name: &'a str,
    pub losses: &'a [f64],
}

/// Loss per epoch on a log scale (the tutorial's `set_yscale('log')`): for one run training and
/// validation in two colours, captioned with the lr; for several (compare mode) one colour per run,
/// validation dashed. A memory task's chance level dashed grey.
pub fn draw_loss<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    theme: &Theme,
    runs: &[LossCurves],
    ghost: Option<&Ghost>,
    chance: Option<f64>,
    lr: Option<f64>,
    epoch_budget: usize,
) -> PlotResult {
    let shown = |l: &f64| l.is_finite() && *l > 0.0;
    let ghost_losses = ghost.map_or(&[][..], |g| g.losses);
    let finite: Vec<f64> = runs
        .iter()
        .flat_map(|r| r.losses.iter().chain(r.validation))
        .chain(ghost_losses)
        .chain(&chance)
        .copied()
        .filter(shown)
        .collect();
    let (lo, hi) = if finite.is_empty() {
        (1e-4, 1.0)
    } else {
        let (lo, hi) = min_max(finite.iter().copied());
        (lo * 0.8, hi * 1.25)
    };
    let longest = runs
        .iter()
        .map(|r| r.losses.len())
        .chain(std::iter::once(ghost_losses.len()))
        .max()
        .unwrap_or(0);
    let x_end = epoch_budget.max(longest).max(2);
    let has_validation = runs.iter().any(|r| r.validation.iter().any(shown));
    let lone = runs.len() == 1;
    let (head, body) = area.split_vertically(theme.px(28.0));
    let lr_text = lr.map_or(String::new(), |lr| format!(" · lr {lr:.6}"));
    // The caption is the legend; a narrow chart drops its title, then the notes on dashed lines.
    let legend = |title: bool, notes: bool| {
        let mut parts = Vec::new();
        if title {
            parts.push(("Loss (MSE, log): ", theme.foreground));
        }
        if lone {
            parts.push(("training", theme.loss));
            if has_validation {
                parts.extend([(", ", theme.foreground), ("validation", theme.prediction)]);
            }
        } else {
            for (i, run) in runs.iter().enumerate() {
                if i > 0 {
                    parts.push((" · ", theme.foreground));
                }
                parts.push((run.name, theme.line(i, runs.len())));
            }
            if has_validation && notes {
                parts.push(("; - - validation", theme.foreground));
            }
        }
        if chance.is_some() && notes {
            parts.push((", - - chance", theme.foreground));
        }
        if let Some(g) = ghost.filter(|_| notes) {
            parts.push((", faint: ", theme.foreground));
            parts.push((g.name, theme.faint()));
        }
        parts.push((lr_text.as_str(), theme.foreground));
        parts
    };
    let width = |parts: &[(&str, RGBColor)]| {
        let text: String = parts.iter().map(|(t, _)| *t).collect();
        area.estimate_text_size(&text, &theme.text(15))
            .map_or(0, |(w, _)| w)
    };
    let fits = |parts: &[(&str, RGBColor)]| width(parts) + theme.px(12.0) <= area.dim_in_pixel().0;
    let parts = [(true, true), (false, true), (false, false)]
        .into_iter()
        .map(|(title, notes)| legend(title, notes))
        .find(|parts| fits(parts))
        .unwrap_or_else(|| legend(false, false));
    draw_caption(&head, theme, &parts)?;
    let mut chart = chart_on(&body, theme, (36.0, 56.0))
        .build_cartesian_2d(1..x_end, (lo..hi).log_scale())
        .map_err(fail)?;
    styled(&mut chart.configure_mesh(), theme, 12)
        .x_desc("epoch")
        .y_labels(5)
        .y_label_formatter(&|v| format!("{v:.0e}"))
        .draw()
        .map_err(fail)?;
    if let Some(c) = chance.filter(shown) {
        chart
            .draw_series(DashedLineSeries::new(
                [(1, c), (x_end, c)],
                theme.px(6.0),
                theme.px(4.0),
                theme.foreground.mix(0.6).stroke_width(theme.px(1.0)),
            ))
            .map_err(fail)?;
    }
    let points = |values: &[f64]| -> Vec<(usize, f64)> {
        values
            .iter()
            .enumerate()
            .filter(|(_, l)| shown(l))
            .map(|(i, &l)| (i + 1, l))
            .collect()
    };
    if let Some(g) = ghost {
        chart
            .draw_series(LineSeries::new(
                points(g.losses),
                theme.faint().stroke_width(theme.px(1.5)),
            ))
            .map_err(fail)?;
    }
    for (i, run) in runs.iter().enumerate() {
        let (train_colour, validation_colour) = if lone {
            (theme.loss, theme.prediction)
        } else {
            let c = theme.line(i, runs.len());
            (c, c)
        };
        if lone {
            chart
                .draw_series(LineSeries::new(
                    points(run.validation),
                    validation_colour.stroke_width(theme.px(2.0)),
                ))
                .map_err(fail)?;
        } else {
            chart
                .draw_series(DashedLineSeries::new(
                    points(run.validation),
                    theme.px(5.0),
                    theme.px(3.0),
                    validation_colour.stroke_width(theme.px(1.5)),
                ))
                .map_err(fail)?;
        }
        chart
            .draw_series(LineSeries::new(
                points(run.losses),
                train_colour.stroke_width(theme.px(2.0)),
            ))
            .map_err(fail)?;
        // The latest epoch as a dot, so that even a single epoch shows.
        for (values, colour) in [
            (run.validation, validation_colour),
            (run.losses, train_colour),
        ] {
            if let Some(&last) = points(values).last().filter(|p| p.0 == values.len()) {
                chart
                    .draw_series(std::iter::once(Circle::new(
                        last,
                        theme.px(3.0),
                        colour.filled(),
                    )))
                    .map_err(fail)?;
            }
        }
    }
    Ok(())
}

/// Histogram of the errors in 30 bins (the tutorial's fourth panel).
pub fn draw_error_histogram<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    theme: &Theme,
    errors: &[f32],
) -> PlotResult {
    const BINS: usize = 30;
    let (lo, hi) = min_max(errors.iter().map(|&e| e as f64));
    let width = (hi - lo) / BINS as f64;
    let mut counts = [0usize; BINS];
    for &e in errors {
        let bin = (((e as f64 - lo) / width) as usize).min(BINS - 1);
        counts[bin] += 1;
    }
    let top = counts.iter().copied().max().unwrap_or(1).max(1) as f64 * 1.1;
    let mut chart = ChartBuilder::on(area)
        .caption("Error distribution", theme.text(13))
        .margin(theme.px(8.0))
        .x_label_area_size(theme.px(24.0))
        .y_label_area_size(theme.px(44.0))
        .build_cartesian_2d(lo..hi, 0.0..top)
        .map_err(fail)?;
    styled(&mut chart.configure_mesh(), theme, 11)
        .x_label_formatter(&|v| format!("{v:.3}"))
        .y_desc("frequency")
        .draw()
        .map_err(fail)?;
    chart
        .draw_series(counts.iter().enumerate().map(|(i, &c)| {
            let x0 = lo + i as f64 * width;
            Rectangle::new(
                [(x0, 0.0), (x0 + width, c as f64)],
                theme.prediction.mix(0.75).filled(),
            )
        }))
        .map_err(fail)?;
    Ok(())
}

/// The tutorial's `gru_sine_wave_results.png`: prediction, loss, error, histogram in a 2×2 grid, and
/// under it, when given, the gradient through time ([`draw_gradient_flow`]).
#[allow(clippy::too_many_arguments)]
pub fn draw_results_figure<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    theme: &Theme,
    series: &SeriesChart,
    (losses, validation, chance): (&[f64], &[f64], Option<f64>),
    lr: f64,
    gradients: Option<ResultsGradients>,
) -> PlotResult {
    area.fill(&theme.background).map_err(fail)?;
    let errors = series.errors().unwrap_or_default();
    let (grid, below) = match gradients {
        Some(_) => {
            let (grid, below) = area.split_vertically(area.dim_in_pixel().1 * 3 / 5);
            (grid, Some(below))
        }
        None => (area.clone(), None),
    };
    let panels = grid.split_evenly((2, 2));
    draw_prediction(&panels[0], theme, series, None)?;
    let curves = LossCurves {
        name: "",
        losses,
        validation,
    };
    draw_loss(
        &panels[1],
        theme,
        &[curves],
        None,
        chance,
        Some(lr),
        losses.len(),
    )?;
    draw_error(&panels[2], theme, series.times, &errors)?;
    draw_error_histogram(&panels[3], theme, &errors)?;
    if let (Some(g), Some(below)) = (gradients, below) {
        let (w, h) = below.dim_in_pixel();
        let layout = FlowLayout::new(
            theme,
            (w as f64, h as f64),
            (g.history.layers, g.history.steps, g.history.rows()),
            g.highway,
        );
        draw_gradient_flow(
            &below,
            theme,
            &layout,
            Some(g.current),
            g.history,
            &mut |p| paint_pixels(&below, p),
        )?;
    }
    Ok(())
}

/// The gradient-through-time panel of the results figure: the last epoch's flow and every epoch's
/// profile; `highway` when the cell has a keep gate.
pub struct ResultsGradients<'a> {
    pub current: &'a crate::gradient_flow::GradientFlow,
    pub history: FlowHistory<'a>,
    pub highway: bool,
}

/// A diverging scale over `[lo, hi]`: `v = lo` is `palette[0]`, the midpoint `palette[1]`, `v = hi`
/// `palette[2]` ([`Theme::heat`]); values outside clamp, a non-finite value is the midpoint.
pub fn diverging(v: f32, lo: f32, hi: f32, palette: &[RGBColor; 3]) -> RGBColor {
    let x = if v.is_finite() {
        ((v - lo) / (hi - lo)).clamp(0.0, 1.0) * 2.0 - 1.0
    } else {
        0.0
    };
    let (a, b, t) = if x < 0.0 {
        (palette[1], palette[0], -x)
    } else {
        (palette[1], palette[2], x)
    };
    let mix = |p: u8, q: u8| (p as f32 + (q as f32 - p as f32) * t).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Where each heatmap of the gate chart sits: one row per layer, one column per quantity of the cell.
#[derive(Clone, Debug, PartialEq)]
pub struct GateLayout {
    pub cell: CellKind,
    pub layers: usize,
    pub steps: usize,
    pub hidden: usize,
    /// Left edge of column `g` is `left + g * (cell_w * steps + gap)`.
    pub left: f64,
    pub top: f64,
    pub cell_w: f64,
    pub cell_h: f64,
    pub gap: f64,
    pub row_gap: f64,
}

/// What the pointer is over in the gate chart.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GateHit {
    pub layer: usize,
    /// The quantity's name (`"z"`, `"f"`, `"c"`, …).
    pub gate: &'static str,
    pub step: usize,
    pub unit: usize,
}

const HEADER: f64 = 22.0;
const LEGEND: f64 = 34.0;
const ROW_LABEL: f64 = 54.0;

impl GateLayout {
    /// Fits `layers × quantities` heatmaps of `steps × hidden` cells into a `width × height` canvas.
    /// `scale` is device pixels per CSS pixel, as in [`Theme::scale`].
    pub fn new(
        cell: CellKind,
        width: f64,
        height: f64,
        layers: usize,
        steps: usize,
        hidden: usize,
        scale: f64,
    ) -> GateLayout {
        let (header, legend, row_label) = (HEADER * scale, LEGEND * scale, ROW_LABEL * scale);
        let gap = 14.0 * scale;
        let row_gap = 22.0 * scale;
        let gates = cell.spec().quantities.len() as f64;
        let cell_w = ((width - row_label - 8.0 * scale - gap * (gates - 1.0))
            / (gates * steps as f64))
            .max(1.0);
        let rows_h = height - header - legend - row_gap * layers as f64;
        // A short canvas (the embedded lab) gets rows thinner than a pixel rather than overflowing.
        let cell_h = (rows_h / (layers * hidden) as f64).max(0.05);
        GateLayout {
            cell,
            layers,
            steps,
            hidden,
            left: row_label,
            top: header + row_gap,
            cell_w,
            cell_h,
            gap,
            row_gap,
        }
    }

    /// Top-left corner of the heatmap of `layer`, gate column `g`.
    pub fn origin(&self, layer: usize, g: usize) -> (f64, f64) {
        let x = self.left + g as f64 * (self.cell_w * self.steps as f64 + self.gap);
        let y = self.top + layer as f64 * (self.cell_h * self.hidden as f64 + self.row_gap);
        (x, y)
    }

    /// The heatmap cell under the point `(x, y)`, if any.
    pub fn hit(&self, x: f64, y: f64) -> Option<GateHit> {
        for layer in 0..self.layers {
            for (g, gate) in self.cell.spec().quantities.iter().enumerate() {
                let (x0, y0) = self.origin(layer, g);
                let (dx, dy) = (x - x0, y - y0);
                if dx >= 0.0 && dy >= 0.0 {
                    let step = (dx / self.cell_w) as usize;
                    let unit = (dy / self.cell_h) as usize;
                    if step < self.steps && unit < self.hidden {
                        return Some(GateHit {
                            layer,
                            gate: gate.name,
                            step,
                            unit,
                        });
                    }
                }
            }
        }
        None
    }

    fn legend_y(&self) -> f64 {
        self.origin(self.layers, 0).1 - self.row_gap * 0.6
    }
}

/// The colour range of one gate column. By default the quantity's true range ([`Quantity::range`]: 0–1
/// for a sigmoid gate, −1–1 for a tanh quantity), so that colours mean the same in every column, epoch
/// and sample. `stretch`: centred on the quantity's midpoint and stretched to the largest deviation in
/// this sample, so that the small differences of an untrained network are visible (the legend under
/// each column gives the range).
pub fn gate_colour_range(trace: &SampleTrace, gate: &Quantity, stretch: bool) -> (f32, f32) {
    let (lo, hi) = gate.range;
    if !stretch {
        return (lo, hi);
    }
    let mid = (lo + hi) / 2.0;
    let half = (hi - lo) / 2.0;
    let deviation = trace
        .layers
        .iter()
        .flat_map(|l| l.get(gate.name).into_iter().flatten().flatten())
        .filter(|v| v.is_finite())
        .fold(0.0f32, |m, v| m.max((v - mid).abs()));
    let d = deviation.clamp(half * 0.05, half);
    (mid - d, mid + d)
}

/// One quantity's heatmap in the gate chart: a `[step][unit]` block of cells at `(x, y)` in canvas
/// pixels, coloured on the [`diverging`] scale over `range`.
pub struct HeatBlock<'a> {
    pub x: f64,
    pub y: f64,
    pub cell_w: f64,
    pub cell_h: f64,
    /// `[T][H]` values: step `t` is the column, unit `u` the row.
    pub rows: &'a [Vec<f32>],
    pub range: (f32, f32),
    pub palette: [RGBColor; 3],
}

/// A block of RGBA pixels to put on a canvas at `(x, y)`.
pub struct Pixels {
    pub x: i32,
    pub y: i32,
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

impl HeatBlock<'_> {
    /// The block as opaque pixels: each cell covers the pixels from its rounded left/top edge to the
    /// next cell's, exactly the rectangles a rectangle-per-cell drawing fills. One `putImageData` on
    /// the web instead of a `fillRect` (and a colour string) per cell.
    pub fn pixels(&self) -> Pixels {
        let steps = self.rows.len();
        let units = self.rows.first().map_or(0, Vec::len);
        let (lo, hi) = self.range;
        Pixels::grid(
            (self.x, self.y),
            (self.cell_w, self.cell_h),
            (steps, units),
            |t, u| diverging(self.rows[t][u], lo, hi, &self.palette),
        )
    }
}

impl Pixels {
    /// A grid of `columns × rows` cells of `cell_w × cell_h` pixels at `(x, y)` as opaque pixels, cell
    /// `(column, row)` in `colour(column, row)`: each cell covers the pixels from its rounded left/top
    /// edge to the next cell's, exactly the rectangles a rectangle-per-cell drawing fills.
    pub fn grid(
        (x, y): (f64, f64),
        (cell_w, cell_h): (f64, f64),
        (columns, rows): (usize, usize),
        colour: impl Fn(usize, usize) -> RGBColor,
    ) -> Pixels {
        let edges = |origin: f64, size: f64, n: usize| -> Vec<i32> {
            (0..=n)
                .map(|i| (origin + i as f64 * size).round() as i32)
                .collect()
        };
        let (xs, ys) = (edges(x, cell_w, columns), edges(y, cell_h, rows));
        let (x0, y0) = (xs[0], ys[0]);
        let width = (xs[columns] - x0).max(0) as u32;
        let height = (ys[rows] - y0).max(0) as u32;
        let mut rgba = vec![255u8; width as usize * height as usize * 4];
        for c in 0..columns {
            for r in 0..rows {
                let RGBColor(red, green, blue) = colour(c, r);
                for py in ys[r]..ys[r + 1] {
                    let line = (py - y0) as usize * width as usize;
                    for px in xs[c]..xs[c + 1] {
                        let i = (line + (px - x0) as usize) * 4;
                        rgba[i..i + 3].copy_from_slice(&[red, green, blue]);
                    }
                }
            }
        }
        Pixels {
            x: x0,
            y: y0,
            width,
            height,
            rgba,
        }
    }
}

/// Draws a block of pixels point by point: the native (PNG) counterpart of the page's
/// `putImageData`.
pub fn paint_pixels<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    pixels: &Pixels,
) -> PlotResult {
    for py in 0..pixels.height as i32 {
        for px in 0..pixels.width as i32 {
            let i = (py as usize * pixels.width as usize + px as usize) * 4;
            let [r, g, b] = [pixels.rgba[i], pixels.rgba[i + 1], pixels.rgba[i + 2]];
            area.draw_pixel((pixels.x + px, pixels.y + py), &RGBColor(r, g, b))
                .map_err(fail)?;
        }
    }
    Ok(())
}

/// The heatmap cell the keyboard is on: layer, quantity (its index in the cell's order), step, unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct GateCursor {
    pub layer: usize,
    pub gate: usize,
    pub step: usize,
    pub unit: usize,
}

/// How the gate chart is drawn beyond the data: the colour range and the keyboard's cell.
#[derive(Clone, Copy, Debug, Default)]
pub struct GateView {
    /// Stretch each column's colours to the sample's own range ([`gate_colour_range`]).
    pub stretch: bool,
    /// Outline this cell (the keyboard's position).
    pub cursor: Option<GateCursor>,
}

/// Tick labels every `k` items from the first (1, 1 + k, 1 + 2k, …), `k` from 1, 2, 5, 10, … so
/// that neighbours are at least `min_gap` pixels apart when an item is `size` pixels.
fn ticks(count: usize, size: f64, min_gap: f64) -> Vec<usize> {
    let k = [1, 2, 5, 10, 20, 50, 100]
        .into_iter()
        .find(|&k| k as f64 * size >= min_gap)
        .unwrap_or(count.max(1));
    (1..=count).step_by(k).collect()
}

/// A range end as short as it can be written: `0`, `1`, `-1`, `0.39`.
fn range_label(v: f32) -> String {
    let text = format!("{v:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.into()
    }
}

/// Heatmaps of the cell's quantities (its gates, candidate and states) for one window: time step →
/// right, hidden unit → down, one column per quantity in the cell's order, steps numbered above each
/// row and units in the left margin. The titles, numbers, frames and legends are drawn here; the cells
/// of each block are given to `paint` (on the web: one `putImageData` per block, see
/// [`HeatBlock::pixels`]), before the block's frame is drawn over them.
pub fn draw_gates<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    theme: &Theme,
    layout: &GateLayout,
    trace: &SampleTrace,
    view: GateView,
    paint: &mut dyn FnMut(&HeatBlock) -> PlotResult,
) -> PlotResult {
    area.fill(&theme.background).map_err(fail)?;
    let px = |v: f64| v.round() as i32;
    let s = |css: f64| theme.px(css) as i32;
    let quantities = layout.cell.spec().quantities;
    // A title that does not fit its column (six LSTM columns on a phone) gives way to the symbol.
    let column = layout.cell_w * layout.steps as f64;
    let fits = |title: &str| title.chars().count() as f64 * theme.px(7.0) as f64 <= column;
    for (g, gate) in quantities.iter().enumerate() {
        let (x0, _) = layout.origin(0, g);
        area.draw(&Text::new(
            if fits(gate.title) {
                gate.title
            } else {
                gate.symbol
            },
            (px(x0), s(4.0)),
            theme.text(13),
        ))
        .map_err(fail)?;
    }
    let ranges: Vec<(f32, f32)> = quantities
        .iter()
        .map(|gate| gate_colour_range(trace, gate, view.stretch))
        .collect();
    let small = theme.text(10);
    let centred = small.pos(Pos::new(HPos::Center, VPos::Bottom));
    let right = small.pos(Pos::new(HPos::Right, VPos::Center));
    let step_ticks = ticks(layout.steps, layout.cell_w, theme.px(16.0) as f64);
    let unit_ticks = ticks(layout.hidden, layout.cell_h, theme.px(12.0) as f64);
    for (layer, gates) in trace.layers.iter().enumerate() {
        let (_, y_row) = layout.origin(layer, 0);
        area.draw(&Text::new(
            format!("layer {}", layer + 1),
            (2, px(y_row) - s(18.0)),
            theme.text(12),
        ))
        .map_err(fail)?;
        for &u in &unit_ticks {
            let y = y_row + (u as f64 - 0.5) * layout.cell_h;
            area.draw(&Text::new(
                u.to_string(),
                (px(layout.left) - s(4.0), px(y)),
                right.clone(),
            ))
            .map_err(fail)?;
        }
        for (g, gate) in quantities.iter().enumerate() {
            let (x0, y0) = layout.origin(layer, g);
            for &t in &step_ticks {
                let x = x0 + (t as f64 - 0.5) * layout.cell_w;
                area.draw(&Text::new(
                    t.to_string(),
                    (px(x), px(y0) - s(2.0)),
                    centred.clone(),
                ))
                .map_err(fail)?;
            }
            if let Some(rows) = gates.get(gate.name) {
                paint(&HeatBlock {
                    x: x0,
                    y: y0,
                    cell_w: layout.cell_w,
                    cell_h: layout.cell_h,
                    rows,
                    range: ranges[g],
                    palette: theme.heat,
                })?;
            }
            let (w, h) = (
                layout.cell_w * layout.steps as f64,
                layout.cell_h * layout.hidden as f64,
            );
            area.draw(&Rectangle::new(
                [(px(x0), px(y0)), (px(x0 + w), px(y0 + h))],
                theme.grid.stroke_width(theme.px(1.0)),
            ))
            .map_err(fail)?;
        }
    }
    if let Some(c) = view
        .cursor
        .filter(|c| c.layer < layout.layers && c.gate < quantities.len() && c.step < layout.steps)
    {
        let (x0, y0) = layout.origin(c.layer, c.gate);
        let (x, y) = (
            x0 + c.step as f64 * layout.cell_w,
            y0 + c.unit.min(layout.hidden - 1) as f64 * layout.cell_h,
        );
        area.draw(&Rectangle::new(
            [
                (px(x) - 1, px(y) - 1),
                (px(x + layout.cell_w) + 1, px(y + layout.cell_h) + 1),
            ],
            theme.foreground.stroke_width(theme.px(2.0)),
        ))
        .map_err(fail)?;
    }
    draw_gate_legends(area, theme, layout, &ranges)
}

/// Under each gate column, its colour bar between the two ends of its range (`0 … 1`, `-1 … 1`, or
/// the stretched range); a column too narrow for a bar between the labels shows the labels alone.
fn draw_gate_legends<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    theme: &Theme,
    layout: &GateLayout,
    ranges: &[(f32, f32)],
) -> PlotResult {
    let y = layout.legend_y().round() as i32;
    let s = |css: f64| theme.px(css) as i32;
    let style = theme.text(11);
    let width_of = |text: &str| -> i32 {
        area.estimate_text_size(text, &style)
            .map_or(s(7.0) * text.len() as i32, |(w, _)| w as i32)
    };
    let column = (layout.cell_w * layout.steps as f64) as i32;
    for (g, (lo, hi)) in ranges.iter().enumerate() {
        let x0 = layout.origin(0, g).0.round() as i32;
        let (lo_text, hi_text) = (range_label(*lo), range_label(*hi));
        let (lo_w, hi_w) = (width_of(&lo_text), width_of(&hi_text));
        area.draw(&Text::new(lo_text, (x0, y), style.clone()))
            .map_err(fail)?;
        area.draw(&Text::new(hi_text, (x0 + column - hi_w, y), style.clone()))
            .map_err(fail)?;
        let bar_x = x0 + lo_w + s(4.0);
        let width = (column - lo_w - hi_w - s(8.0)).min(s(140.0));
        for k in 0..width.max(0) {
            let v = lo + (hi - lo) * k as f32 / (width - 1).max(1) as f32;
            area.draw(&Rectangle::new(
                [(bar_x + k, y + s(2.0)), (bar_x + k + 1, y + s(11.0))],
                diverging(v, *lo, *hi, &theme.heat).filled(),
            ))
            .map_err(fail)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diverging_scale_ends_and_middle() {
        let heat = &Theme::LIGHT.heat;
        assert_eq!(diverging(0.5, 0.0, 1.0, heat), RGBColor(247, 247, 247));
        assert_eq!(diverging(0.0, 0.0, 1.0, heat), RGBColor(84, 39, 136));
        assert_eq!(diverging(1.0, -1.0, 1.0, heat), RGBColor(179, 88, 6));
        assert_eq!(
            diverging(f32::NAN, -1.0, 1.0, heat),
            RGBColor(247, 247, 247)
        );
        // On the dark theme the midpoint sits near the background, not white.
        assert_eq!(
            diverging(0.0, -1.0, 1.0, &Theme::DARK.heat),
            Theme::DARK.heat[1]
        );
    }

    #[test]
    fn gate_colours_stretch_around_the_midpoint() {
        let gates = [
            ("z", vec![vec![0.45, 0.6]]),
            ("r", vec![vec![0.5, 0.5]]),
            ("candidate", vec![vec![-0.9, 0.2]]),
            ("h", vec![vec![f32::NAN, 0.1]]),
        ]
        .map(|(name, values)| (name.to_string(), values))
        .into_iter()
        .collect();
        let trace = SampleTrace {
            sample: 0,
            prediction: 0.0,
            inputs: Vec::new(),
            layers: vec![gates],
        };
        let close =
            |(a, b): (f32, f32), (c, d): (f32, f32)| (a - c).abs() < 1e-6 && (b - d).abs() < 1e-6;
        let spec = CellKind::Cho.spec();
        let range = |name: &str| gate_colour_range(&trace, spec.quantity(name).unwrap(), true);
        assert!(close(range("z"), (0.4, 0.6)));
        assert!(close(range("r"), (0.475, 0.525)));
        assert!(close(range("candidate"), (-0.9, 0.9)));
        assert!(close(range("h"), (-0.1, 0.1)));
        // Unstretched (the default), every column shows its quantity's true range.
        let true_range =
            |name: &str| gate_colour_range(&trace, spec.quantity(name).unwrap(), false);
        assert_eq!(true_range("z"), (0.0, 1.0));
        assert_eq!(true_range("candidate"), (-1.0, 1.0));
    }

    #[test]
    fn heat_block_pixels_fill_each_cell_with_its_colour() {
        let rows = vec![vec![0.0, 1.0], vec![0.5, 0.25]];
        let block = HeatBlock {
            x: 10.4,
            y: 2.0,
            cell_w: 2.5,
            cell_h: 3.0,
            rows: &rows,
            range: (0.0, 1.0),
            palette: Theme::LIGHT.heat,
        };
        let p = block.pixels();
        // Columns from round(10.4) = 10 to round(15.4) = 15, rows from 2 to 8.
        assert_eq!((p.x, p.y, p.width, p.height), (10, 2, 5, 6));
        let at = |x: i32, y: i32| {
            let i = (((y - p.y) * p.width as i32 + (x - p.x)) * 4) as usize;
            RGBColor(p.rgba[i], p.rgba[i + 1], p.rgba[i + 2])
        };
        // Step 0 covers x 10..13 (round(12.9) = 13), step 1 covers 13..15; unit 0 y 2..5, unit 1 y 5..8.
        assert_eq!(at(10, 2), diverging(0.0, 0.0, 1.0, &Theme::LIGHT.heat));
        assert_eq!(at(12, 7), diverging(1.0, 0.0, 1.0, &Theme::LIGHT.heat));
        assert_eq!(at(13, 4), diverging(0.5, 0.0, 1.0, &Theme::LIGHT.heat));
        assert_eq!(at(14, 5), diverging(0.25, 0.0, 1.0, &Theme::LIGHT.heat));
        assert!(p.rgba.chunks(4).all(|c| c[3] == 255));
    }

    #[test]
    fn layout_hits_every_cell_it_draws_for_every_cell() {
        for cell in CellKind::ALL {
            let layout = GateLayout::new(cell, 900.0, 500.0, 2, 10, 32, 1.0);
            let quantities = cell.spec().quantities;
            for layer in 0..2 {
                for (g, gate) in quantities.iter().enumerate() {
                    let (x0, y0) = layout.origin(layer, g);
                    let hit = layout
                        .hit(x0 + layout.cell_w * 3.5, y0 + layout.cell_h * 7.5)
                        .expect("inside a heatmap");
                    assert_eq!(
                        (hit.layer, hit.gate, hit.step, hit.unit),
                        (layer, gate.name, 3, 7)
                    );
                }
            }
            assert_eq!(layout.hit(1.0, 1.0), None);
            let (x_last, y_last) = layout.origin(1, quantities.len() - 1);
            assert!(x_last + layout.cell_w * 10.0 <= 900.0);
            assert!(y_last + layout.cell_h * 32.0 <= 500.0);
        }
    }
}
