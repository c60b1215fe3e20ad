//! The "gradient through time" chart ([`crate::gradient_flow`]). Top left, the newest epoch's profile
//! `|∂L/∂h_t|` per layer over the steps on a log axis (the LSTM's `|∂L/∂c_t|` dashed); top right, the
//! gate highway (how much of h_t would survive to step T); below, one heatmap per layer of the kept
//! epochs' profiles (epoch ↓, step →), coloured by `log₁₀` of each step's gradient relative to the
//! largest of its epoch, so that the *shape* shows while the overall scale falls with the loss.
//!
//! [`FlowLayout`] is a pure function of the canvas size and the shape, so the page's hover read-out
//! hits exactly the cell that was drawn.

use super::{Pixels, PlotResult, RIGHT_MARGIN, Theme, chart_on, draw_caption, fail, styled, ticks};
use crate::gradient_flow::GradientFlow;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The heatmaps' colour spans this many decades below each epoch's largest gradient: a step whose
/// gradient is 10⁻³ of its epoch's largest, or less, is drawn in the palest colour.
pub const RELATIVE_DECADES: f32 = 3.0;

/// The profiles of the kept epochs, `[rows, layers, steps]`: row r is epoch `epochs[r]` (ascending).
/// The page keeps a bounded number of rows (it thins them as a run grows), the CLI every epoch.
#[derive(Clone, Copy, Debug)]
pub struct FlowHistory<'a> {
    pub layers: usize,
    pub steps: usize,
    pub epochs: &'a [u32],
    /// `|∂L/∂h_t|`, `dh[(r · layers + l) · steps + t]`.
    pub dh: &'a [f32],
}

impl FlowHistory<'_> {
    pub fn rows(&self) -> usize {
        self.epochs.len()
    }

    /// Layer `l`'s profile in row `r`, `[T]`.
    pub fn profile(&self, r: usize, l: usize) -> &[f32] {
        let at = (r * self.layers + l) * self.steps;
        &self.dh[at..at + self.steps]
    }
}

/// `log₁₀(v / max)` of a profile, clamped to `[−RELATIVE_DECADES, 0]` (the heatmap's colour value).
pub fn relative_decades(v: f32, profile: &[f32]) -> f32 {
    let max = profile.iter().copied().fold(0.0f32, f32::max);
    if !(v > 0.0 && max > 0.0) {
        return -RELATIVE_DECADES;
    }
    (v / max).log10().clamp(-RELATIVE_DECADES, 0.0)
}

/// A rectangle in canvas pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    fn contains(&self, x: f64, y: f64) -> bool {
        x >= self.x && y >= self.y && x < self.x + self.w && y < self.y + self.h
    }
}

/// Where each part of the chart sits, in canvas pixels.
#[derive(Clone, Debug, PartialEq)]
pub struct FlowLayout {
    pub layers: usize,
    pub steps: usize,
    pub rows: usize,
    /// The profile chart's area and, inside it, its plotting area (the axes' box).
    pub profile: Rect,
    pub profile_plot: Rect,
    /// The gate highway's area and plotting area (cells with a keep gate).
    pub highway: Option<(Rect, Rect)>,
    /// The heatmap of layer l spans `heat` shifted right by `l · (heat.w + heat_gap)`.
    pub heat: Rect,
    pub heat_gap: f64,
    /// The colour legend's baseline.
    pub legend_y: f64,
}

/// What the pointer is over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowHit {
    /// Step `step` (0-based) of the newest profile.
    Profile { step: usize },
    /// Step `step` of the gate highway.
    Highway { step: usize },
    /// Kept row `row`, step `step` of layer `layer`'s heatmap.
    Heat {
        layer: usize,
        row: usize,
        step: usize,
    },
}

/// The plotting area of a line chart drawn by [`line_chart`] in `area`.
fn plot_rect(area: Rect, theme: &Theme) -> Rect {
    let s = |css: f64| theme.px(css) as f64;
    let (left, right, top, bottom) = (
        s(8.0) + s(50.0),
        s(RIGHT_MARGIN),
        s(26.0) + s(8.0),
        s(8.0) + s(40.0),
    );
    Rect {
        x: area.x + left,
        y: area.y + top,
        w: (area.w - left - right).max(1.0),
        h: (area.h - top - bottom).max(1.0),
    }
}

impl FlowLayout {
    /// The layout of a `width × height` canvas for `layers` layers of `steps` steps with `rows` kept
    /// epochs; `highway` when the cell has a keep gate.
    pub fn new(
        theme: &Theme,
        (width, height): (f64, f64),
        (layers, steps, rows): (usize, usize, usize),
        highway: bool,
    ) -> FlowLayout {
        let s = |css: f64| theme.px(css) as f64;
        let side_by_side = width >= s(460.0);
        let (profile, highway_area, band_bottom) = match (highway, side_by_side) {
            (false, _) => {
                let h = (height * 0.5).max(s(140.0)).min(height);
                (rect(0.0, 0.0, width, h), None, h)
            }
            (true, true) => {
                let h = (height * 0.5).max(s(140.0)).min(height);
                (
                    rect(0.0, 0.0, width * 0.58, h),
                    Some(rect(width * 0.58, 0.0, width * 0.42, h)),
                    h,
                )
            }
            // A phone: the profile, the highway under it, then the heatmaps.
            (true, false) => {
                let (h1, h2) = (height * 0.34, height * 0.24);
                (
                    rect(0.0, 0.0, width, h1),
                    Some(rect(0.0, h1, width, h2)),
                    h1 + h2,
                )
            }
        };
        let (left, gap, right) = (s(58.0), s(16.0), s(14.0));
        // Above the heatmaps: the section title, the layer names, the step numbers.
        let heat_top = band_bottom + s(56.0);
        let legend_h = s(34.0);
        let heat_w = ((width - left - right - gap * (layers.max(1) - 1) as f64)
            / layers.max(1) as f64)
            .max(1.0);
        let heat_h = (height - heat_top - legend_h).max(s(24.0));
        FlowLayout {
            layers,
            steps,
            rows,
            profile,
            profile_plot: plot_rect(profile, theme),
            highway: highway_area.map(|a| (a, plot_rect(a, theme))),
            heat: rect(left, heat_top, heat_w, heat_h),
            heat_gap: gap,
            legend_y: heat_top + heat_h + s(8.0),
        }
    }

    /// Layer `l`'s heatmap.
    pub fn heat_of(&self, l: usize) -> Rect {
        Rect {
            x: self.heat.x + l as f64 * (self.heat.w + self.heat_gap),
            ..self.heat
        }
    }

    /// The step under `x` in a line chart's plotting area (steps 1…T sit at 0.5 … T − 0.5 of T).
    fn step_at(&self, plot: Rect, x: f64) -> usize {
        (((x - plot.x) / plot.w * self.steps as f64).floor().max(0.0) as usize).min(self.steps - 1)
    }

    /// What is under the point `(x, y)`, if anything.
    pub fn hit(&self, x: f64, y: f64) -> Option<FlowHit> {
        if self.steps == 0 {
            return None;
        }
        if self.profile_plot.contains(x, y) {
            return Some(FlowHit::Profile {
                step: self.step_at(self.profile_plot, x),
            });
        }
        if let Some((_, plot)) = self.highway.filter(|(_, p)| p.contains(x, y)) {
            return Some(FlowHit::Highway {
                step: self.step_at(plot, x),
            });
        }
        (0..self.layers).find_map(|layer| {
            let r = self.heat_of(layer);
            (self.rows > 0 && r.contains(x, y)).then(|| FlowHit::Heat {
                layer,
                row: (((y - r.y) / r.h * self.rows as f64) as usize).min(self.rows - 1),
                step: (((x - r.x) / r.w * self.steps as f64) as usize).min(self.steps - 1),
            })
        })
    }
}

fn rect(x: f64, y: f64, w: f64, h: f64) -> Rect {
    Rect { x, y, w, h }
}

/// The colours of layers 1, 2, 3, … (cycling).
fn layer_colour(theme: &Theme, l: usize) -> RGBColor {
    [theme.truth, theme.prediction, theme.error][l % 3]
}

/// `from` at `lo`, `to` at `hi`, blended between (clamped; non-finite is `from`).
pub fn sequential(v: f32, lo: f32, hi: f32, from: RGBColor, to: RGBColor) -> RGBColor {
    let t = if v.is_finite() {
        ((v - lo) / (hi - lo)).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let mix = |p: u8, q: u8| (p as f32 + (q as f32 - p as f32) * t).round() as u8;
    RGBColor(mix(from.0, to.0), mix(from.1, to.1), mix(from.2, to.2))
}

/// One line chart over the steps 1…T in `area` (log y when `log`), with `series` as
/// `(values, colour, dashed)`, the caption in coloured parts.
fn line_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    theme: &Theme,
    area: Rect,
    caption: &[(&str, RGBColor)],
    steps: usize,
    series: &[(&[f32], RGBColor, bool)],
    log: bool,
) -> PlotResult {
    let sub = root.clone().shrink(
        (area.x as u32, area.y as u32),
        (area.w as u32, area.h as u32),
    );
    let (head, body) = sub.split_vertically(theme.px(26.0));
    draw_caption(&head, theme, caption)?;
    let values = series
        .iter()
        .flat_map(|(v, ..)| v.iter())
        .map(|&v| v as f64)
        .filter(|v| v.is_finite() && (!log || *v > 0.0));
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let x_range = 0.5..steps.max(1) as f64 + 0.5;
    let x_ticks = ticks(
        steps,
        plot_rect(area, theme).w / steps.max(1) as f64,
        theme.px(18.0) as f64,
    );
    let x_label = move |v: &f64| {
        let step = v.round() as usize;
        if (v - v.round()).abs() < 1e-6 && x_ticks.contains(&step) {
            step.to_string()
        } else {
            String::new()
        }
    };
    let style = |c: RGBColor| c.stroke_width(theme.px(2.0));
    // The same chart on a log or a linear y axis (two coordinate types, hence a macro).
    macro_rules! plot {
        ($y:expr) => {{
            let mut chart = chart_on(&body, theme, (40.0, 50.0))
                .build_cartesian_2d(x_range.clone(), $y)
                .map_err(fail)?;
            styled(&mut chart.configure_mesh(), theme, 12)
                .x_labels(steps.max(1) * 2 + 1)
                .x_label_formatter(&x_label)
                .y_labels(5)
                .y_label_formatter(&|v: &f64| {
                    if log {
                        format!("{v:.0e}")
                    } else {
                        format!("{v:.1}")
                    }
                })
                .x_desc("step t")
                .draw()
                .map_err(fail)?;
            for (values, colour, dashed) in series {
                let points: Vec<(f64, f64)> = values
                    .iter()
                    .enumerate()
                    .map(|(t, &v)| ((t + 1) as f64, v as f64))
                    .filter(|(_, v)| v.is_finite() && (!log || *v > 0.0))
                    .collect();
                if *dashed {
                    chart
                        .draw_series(DashedLineSeries::new(
                            points.clone(),
                            theme.px(6.0),
                            theme.px(4.0),
                            style(*colour),
                        ))
                        .map_err(fail)?;
                } else {
                    chart
                        .draw_series(LineSeries::new(points.clone(), style(*colour)))
                        .map_err(fail)?;
                    chart
                        .draw_series(
                            points
                                .iter()
                                .map(|&p| Circle::new(p, theme.px(2.5), colour.filled())),
                        )
                        .map_err(fail)?;
                }
            }
        }};
    }
    if log {
        let (lo, hi) = if lo <= hi {
            (lo * 0.6, hi * 1.6)
        } else {
            (1e-4, 1.0)
        };
        plot!((lo..hi).log_scale());
    } else {
        plot!(0.0..1.05);
    }
    Ok(())
}

/// The whole chart: `current` is the newest epoch's flow (None before the first epoch), `history`
/// the kept epochs for the heatmaps. Heatmap cells are given to `paint` as one block of pixels per
/// layer (on the web one `putImageData`; natively [`super::paint_pixels`]).
pub fn draw_gradient_flow<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    theme: &Theme,
    layout: &FlowLayout,
    current: Option<&GradientFlow>,
    history: FlowHistory,
    paint: &mut dyn FnMut(&Pixels) -> PlotResult,
) -> PlotResult {
    area.fill(&theme.background).map_err(fail)?;
    let steps = layout.steps;
    let s = |css: f64| theme.px(css) as i32;
    let px = |v: f64| v.round() as i32;
    let layers: Vec<_> = current
        .map(|f| f.layers.iter().collect())
        .unwrap_or_default();
    // The profile: one colour per layer, dh solid with dots, dc dashed.
    // The caption is the legend: the layers in their colours; a narrow chart gets the short form.
    let memory = layers.iter().any(|f| f.dc.is_some());
    let legend = |short: bool| -> Vec<(String, RGBColor)> {
        let fg = theme.foreground;
        let mut parts = vec![(
            if short {
                "|∂L/∂h_t|: "
            } else {
                "|∂L/∂h_t| (log) of "
            }
            .to_string(),
            fg,
        )];
        for l in 0..layers.len() {
            if l > 0 {
                parts.push((" · ".into(), fg));
            }
            let name = if short { "L" } else { "layer " };
            parts.push((format!("{name}{}", l + 1), layer_colour(theme, l)));
        }
        if memory {
            parts.push((
                if short {
                    "; - - c"
                } else {
                    "; dashed: |∂L/∂c_t|"
                }
                .into(),
                fg,
            ));
        }
        parts
    };
    let width_of = |parts: &[(String, RGBColor)]| {
        let text: String = parts.iter().map(|(t, _)| t.as_str()).collect();
        area.estimate_text_size(&text, &theme.text(15))
            .map_or(0.0, |(w, _)| w as f64)
    };
    let mut caption = legend(false);
    if width_of(&caption) > layout.profile.w - theme.px(12.0) as f64 {
        caption = legend(true);
    }
    if layers.is_empty() {
        caption = vec![(
            "|∂L/∂h_t| per step: train an epoch".into(),
            theme.foreground,
        )];
    }
    let mut series: Vec<(&[f32], RGBColor, bool)> = Vec::new();
    for (l, flow) in layers.iter().enumerate() {
        series.push((&flow.dh, layer_colour(theme, l), false));
        if let Some(dc) = &flow.dc {
            series.push((dc, layer_colour(theme, l), true));
        }
    }
    let parts: Vec<(&str, RGBColor)> = caption.iter().map(|(t, c)| (t.as_str(), *c)).collect();
    line_chart(area, theme, layout.profile, &parts, steps, &series, true)?;
    if let Some((highway, _)) = layout.highway {
        let series: Vec<(&[f32], RGBColor, bool)> = layers
            .iter()
            .enumerate()
            .filter_map(|(l, f)| {
                f.keep
                    .as_deref()
                    .map(|k| (k, layer_colour(theme, l), false))
            })
            .collect();
        let caption = [("Gate highway: h_t kept to step T", theme.foreground)];
        line_chart(area, theme, highway, &caption, steps, &series, false)?;
    }
    // The heatmaps: epoch ↓ (first kept at the top), step →.
    let rows = history.rows();
    let small = theme.text(11);
    let title = theme.text(12);
    area.draw(&Text::new(
        "Every epoch's profile, relative to its largest step (log colour)",
        (px(layout.heat.x) - s(52.0), px(layout.heat.y) - s(50.0)),
        title.clone(),
    ))
    .map_err(fail)?;
    let centred = small.pos(Pos::new(HPos::Center, VPos::Bottom));
    let right = small.pos(Pos::new(HPos::Right, VPos::Center));
    let step_ticks = ticks(
        steps,
        layout.heat.w / steps.max(1) as f64,
        theme.px(16.0) as f64,
    );
    for l in 0..layout.layers {
        let r = layout.heat_of(l);
        area.draw(&Text::new(
            format!("layer {}", l + 1),
            (px(r.x), px(r.y) - s(32.0)),
            theme.text(11),
        ))
        .map_err(fail)?;
        for &t in &step_ticks {
            let x = r.x + (t as f64 - 0.5) * r.w / steps as f64;
            area.draw(&Text::new(
                t.to_string(),
                (px(x), px(r.y) - s(2.0)),
                centred.clone(),
            ))
            .map_err(fail)?;
        }
        if rows > 0 && history.layers == layout.layers && history.steps == steps {
            let row_h = r.h / rows as f64;
            paint(&Pixels::grid(
                (r.x, r.y),
                (r.w / steps as f64, row_h),
                (steps, rows),
                |t, row| {
                    let profile = history.profile(row, l);
                    sequential(
                        relative_decades(profile[t], profile),
                        -RELATIVE_DECADES,
                        0.0,
                        theme.heat[1],
                        theme.heat[2],
                    )
                },
            ))?;
        }
        area.draw(&Rectangle::new(
            [(px(r.x), px(r.y)), (px(r.x + r.w), px(r.y + r.h))],
            theme.grid.stroke_width(theme.px(1.0)),
        ))
        .map_err(fail)?;
    }
    // Epoch labels left of the first heatmap: the first and the newest kept epoch.
    if rows > 0 {
        let r = layout.heat_of(0);
        let row_h = r.h / rows as f64;
        let label = |row: usize| format!("epoch {}", history.epochs[row]);
        area.draw(&Text::new(
            label(0),
            (
                px(r.x) - s(4.0),
                px(r.y + row_h * 0.5).max(px(r.y) + s(6.0)),
            ),
            right.clone(),
        ))
        .map_err(fail)?;
        if rows > 1 {
            area.draw(&Text::new(
                label(rows - 1),
                (
                    px(r.x) - s(4.0),
                    px(r.y + r.h - row_h * 0.5).min(px(r.y + r.h) - s(6.0)),
                ),
                right.clone(),
            ))
            .map_err(fail)?;
        }
    }
    draw_relative_legend(area, theme, layout)
}

/// The heatmaps' colour bar: `10⁻³` or less (palest) … `1` (the epoch's largest).
fn draw_relative_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    theme: &Theme,
    layout: &FlowLayout,
) -> PlotResult {
    let s = |css: f64| theme.px(css) as i32;
    let y = layout.legend_y.round() as i32;
    let x0 = layout.heat.x.round() as i32;
    let style = theme.text(11).pos(Pos::new(HPos::Left, VPos::Top));
    let low = format!("≤ 1e-{}", RELATIVE_DECADES as i32);
    area.draw(&Text::new(low.clone(), (x0, y), style.clone()))
        .map_err(fail)?;
    let low_w = area
        .estimate_text_size(&low, &theme.text(11))
        .map_or(40, |(w, _)| w as i32);
    let bar_x = x0 + low_w + s(6.0);
    let bar_w = s(120.0);
    let segments = 24;
    for i in 0..segments {
        let v = -RELATIVE_DECADES + RELATIVE_DECADES * (i as f32 + 0.5) / segments as f32;
        let colour = sequential(v, -RELATIVE_DECADES, 0.0, theme.heat[1], theme.heat[2]);
        let (a, b) = (
            bar_x + bar_w * i / segments,
            bar_x + bar_w * (i + 1) / segments,
        );
        area.draw(&Rectangle::new([(a, y), (b, y + s(10.0))], colour.filled()))
            .map_err(fail)?;
    }
    area.draw(&Rectangle::new(
        [(bar_x, y), (bar_x + bar_w, y + s(10.0))],
        theme.grid.stroke_width(1),
    ))
    .map_err(fail)?;
    area.draw(&Text::new(
        "1 (its largest)",
        (bar_x + bar_w + s(6.0), y),
        style,
    ))
    .map_err(fail)?;
    Ok(())
}
