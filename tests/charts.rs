//! The charts' text never overlaps and never leaves its canvas, at the sizes the page draws them
//! (desktop, phone, the 720×480 embed): every chart is drawn on a backend that records each text's box
//! (measured with the bundled Liberation Sans, metric-compatible with the browsers' default sans-serif),
//! then every pair of boxes is checked.

use gru_lab::cells::CellKind;
use gru_lab::data::Dataset;
use gru_lab::gradient_flow::{GradientFlow, LayerFlow};
use gru_lab::plot::{self, GateLayout, GateView, Theme};
use gru_lab::trace::SampleTrace;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendTextStyle, DrawingBackend, DrawingErrorKind,
};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// One text as drawn: its string and its box `[x0, x1) × [y0, y1)` in pixels.
#[derive(Clone, Debug)]
struct TextBox {
    text: String,
    x: (i32, i32),
    y: (i32, i32),
}

/// A backend that draws nothing but remembers where every text went.
struct Recorder {
    size: (u32, u32),
    texts: Rc<RefCell<Vec<TextBox>>>,
}

impl DrawingBackend for Recorder {
    type ErrorType = std::convert::Infallible;

    fn get_size(&self) -> (u32, u32) {
        self.size
    }
    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        Ok(())
    }
    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        Ok(())
    }
    fn draw_pixel(
        &mut self,
        _: BackendCoord,
        _: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        Ok(())
    }
    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let ((x0, y0), (x1, y1)) = style
            .layout_box(text)
            .expect("the bundled font lays out text");
        let (w, h) = (x1 - x0, y1 - y0);
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Right => -w,
            HPos::Center => -w / 2,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -h / 2,
            VPos::Bottom => -h,
        };
        let (x, y) = (pos.0 + dx, pos.1 + dy);
        if !text.trim().is_empty() {
            self.texts.borrow_mut().push(TextBox {
                text: text.to_string(),
                x: (x, x + w),
                y: (y, y + h),
            });
        }
        Ok(())
    }
}

fn register_font() {
    plotters::style::register_font(
        "sans-serif",
        FontStyle::Normal,
        include_bytes!("../assets/LiberationSans-Regular.ttf"),
    )
    .map_err(|_| "font")
    .expect("the bundled font is valid");
}

/// Draws with `draw` on a `w × h` recorder and checks the recorded texts.
fn check(
    what: &str,
    (w, h): (u32, u32),
    draw: impl FnOnce(&DrawingArea<Recorder, plotters::coord::Shift>),
) {
    let texts = Rc::new(RefCell::new(Vec::new()));
    draw(
        &Recorder {
            size: (w, h),
            texts: texts.clone(),
        }
        .into_drawing_area(),
    );
    let texts = texts.take();
    assert!(!texts.is_empty(), "{what}: no text drawn");
    for t in &texts {
        assert!(
            t.x.0 >= 0 && t.x.1 <= w as i32 && t.y.0 >= 0 && t.y.1 <= h as i32,
            "{what} at {w}×{h}: \"{}\" at x {:?} y {:?} leaves the canvas",
            t.text,
            t.x,
            t.y
        );
    }
    for (i, a) in texts.iter().enumerate() {
        for b in &texts[i + 1..] {
            let apart = a.x.1 <= b.x.0 || b.x.1 <= a.x.0 || a.y.1 <= b.y.0 || b.y.1 <= a.y.0;
            assert!(
                apart,
                "{what} at {w}×{h}: \"{}\" {:?}{:?} overlaps \"{}\" {:?}{:?}",
                a.text, a.x, a.y, b.text, b.x, b.y
            );
        }
    }
}

/// The canvas sizes of the page (device pixels at devicePixelRatio 1): desktop, phone (390 px wide),
/// embedded (720×480, three panels).
const CHART_SIZES: [(u32, u32); 3] = [(652, 300), (330, 300), (300, 140)];

#[test]
fn prediction_error_and_loss_charts_keep_their_labels_apart() {
    register_font();
    let data = Dataset::sine(1000, 10);
    let times = data.target_times();
    let predictions: Vec<f32> = data.targets.iter().map(|y| y * 0.97 + 0.01).collect();
    let losses: Vec<f64> = (0..100).map(|e| 0.5 * 0.95f64.powi(e)).collect();
    for theme in [Theme::LIGHT, Theme::DARK] {
        for size in CHART_SIZES {
            check("prediction", size, |area| {
                let line = plot::PredictionLine {
                    name: "prediction",
                    values: &predictions,
                };
                let chart = plot::SeriesChart {
                    label: "Sine wave",
                    times,
                    truth: &data.targets,
                    predictions: &[line],
                    held_out_from: 800,
                };
                plot::draw_prediction_panel(area, &theme, &chart, Some(3)).unwrap()
            });
            let alone = |validation| plot::LossCurves {
                name: "",
                losses: &losses,
                validation,
            };
            check("loss", size, |area| {
                plot::draw_loss(area, &theme, &[alone(&[])], None, None, Some(0.01), 100).unwrap()
            });
            let validation: Vec<f64> = losses.iter().map(|l| l * 1.3).collect();
            check("loss with validation and chance", size, |area| {
                let curves = [alone(&validation)];
                plot::draw_loss(area, &theme, &curves, None, Some(0.167), Some(0.01), 100).unwrap()
            });
            // Scrubbed back to epoch 40, the later epochs faint behind it (the ghost's caption too).
            let ghost = plot::Ghost {
                name: "later epochs",
                losses: &validation,
            };
            check("loss with a ghost", size, |area| {
                let early = plot::LossCurves {
                    name: "",
                    losses: &losses[..40],
                    validation: &validation[..40],
                };
                plot::draw_loss(area, &theme, &[early], Some(&ghost), None, Some(0.01), 100)
                    .unwrap()
            });
            // Compare mode: three runs, one colour each, validation dashed.
            let runs: Vec<Vec<f64>> = (1..=3)
                .map(|k| losses.iter().map(|l| l * k as f64).collect())
                .collect();
            let curves: Vec<plot::LossCurves> = ["rnn 2×32", "cho 2×32", "lstm 2×32"]
                .iter()
                .zip(&runs)
                .map(|(name, l)| plot::LossCurves {
                    name,
                    losses: l,
                    validation: &validation,
                })
                .collect();
            check("loss of three runs", size, |area| {
                plot::draw_loss(area, &theme, &curves, None, Some(0.167), None, 100).unwrap()
            });
            // The forecast panel: 100 steps past the data, the errors by horizon under it.
            let path_times: Vec<f64> = (0..100).map(|k| 20.0 + 0.02 * k as f64).collect();
            let path: Vec<f32> = path_times.iter().map(|t| (t.sin() * 0.9) as f32).collect();
            let truth: Vec<f32> = path_times.iter().map(|t| t.sin() as f32).collect();
            let model: Vec<f64> = (0..100).map(|k| 0.01 * k as f64).collect();
            let naive = vec![0.5; 100];
            check("forecast", size, |area| {
                let chart = plot::ForecastChart {
                    label: "Sine wave",
                    times,
                    series: &data.targets,
                    path_times: &path_times,
                    path: &path,
                    truth: &truth,
                    model_errors: &model,
                    naive_errors: &naive,
                };
                plot::draw_forecast(area, &theme, &chart).unwrap()
            });
            // Compare mode on a series: three lines of predictions and the held-out band.
            let lines: Vec<plot::PredictionLine> = ["rnn 2×32", "cho 2×32", "lstm 2×32"]
                .iter()
                .map(|name| plot::PredictionLine {
                    name,
                    values: &predictions,
                })
                .collect();
            check("prediction of three runs", size, |area| {
                let chart = plot::SeriesChart {
                    label: "Sine wave",
                    times,
                    truth: &data.targets,
                    predictions: &lines,
                    held_out_from: 800,
                };
                plot::draw_prediction_panel(area, &theme, &chart, Some(3)).unwrap()
            });
        }
    }
}

#[test]
fn gate_heatmaps_keep_titles_ticks_and_legends_apart_for_every_cell() {
    register_font();
    for cell in CellKind::ALL {
        for (layers, hidden) in [(2, 32), (1, 4), (4, 128)] {
            let steps = 10;
            let trace = SampleTrace {
                sample: 0,
                prediction: 0.0,
                inputs: vec![vec![0.0]; steps],
                layers: (0..layers)
                    .map(|_| {
                        cell.spec()
                            .quantities
                            .iter()
                            .map(|q| (q.name.to_string(), vec![vec![0.3f32; hidden]; steps]))
                            .collect::<BTreeMap<_, _>>()
                    })
                    .collect(),
            };
            // Desktop, phone, embedded (up to 2 layers: EMBEDDING.md says a deeper model's heatmaps
            // need the full lab); the stretched legend has the longest labels.
            let sizes: &[(u32, u32)] = if layers <= 2 {
                &[(1338, 420), (330, 420), (700, 140)]
            } else {
                &[(1338, 420), (330, 420)]
            };
            for &(w, h) in sizes {
                for stretch in [false, true] {
                    let layout =
                        GateLayout::new(cell, w as f64, h as f64, layers, steps, hidden, 1.0);
                    check(
                        &format!(
                            "{} gates, {layers}×{hidden}, stretch {stretch}",
                            cell.name()
                        ),
                        (w, h),
                        |area| {
                            plot::draw_gates(
                                area,
                                &Theme::LIGHT,
                                &layout,
                                &trace,
                                GateView {
                                    stretch,
                                    cursor: None,
                                },
                                &mut |_| Ok(()),
                            )
                            .unwrap()
                        },
                    );
                }
            }
        }
    }
}

#[test]
fn gradient_chart_keeps_its_labels_apart_for_every_cell_and_hover_hits_what_was_drawn() {
    register_font();
    for cell in CellKind::ALL {
        let spec = cell.spec();
        for layers in [1, 2, 3] {
            let steps = 10;
            let flow = GradientFlow {
                layers: (0..layers)
                    .map(|l| LayerFlow {
                        dh: (0..steps)
                            .map(|t| 1e-4 * 1.5f32.powi((t + l) as i32))
                            .collect(),
                        dc: spec.memory.then(|| vec![2e-3; steps]),
                        keep: spec
                            .keep
                            .map(|_| (0..steps).map(|t| t as f32 / 9.0).collect()),
                    })
                    .collect(),
            };
            let epochs: Vec<u32> = (1..=120).collect();
            let dh: Vec<f32> = epochs
                .iter()
                .flat_map(|_| flow.layers.iter().flat_map(|l| l.dh.clone()))
                .collect();
            let history = plot::FlowHistory {
                layers,
                steps,
                epochs: &epochs,
                dh: &dh,
            };
            // Desktop, phone (the panel's canvas is taller there), embedded.
            for (w, h) in [(1338, 460), (330, 620), (700, 320)] {
                let layout = plot::FlowLayout::new(
                    &Theme::LIGHT,
                    (w as f64, h as f64),
                    (layers, steps, epochs.len()),
                    spec.keep.is_some(),
                );
                let what = format!("{} gradients, {layers} layers", cell.name());
                let mut painted = Vec::new();
                check(&what, (w, h), |area| {
                    plot::draw_gradient_flow(
                        area,
                        &Theme::LIGHT,
                        &layout,
                        Some(&flow),
                        history,
                        &mut |p| {
                            painted.push((p.x, p.y, p.width, p.height));
                            Ok(())
                        },
                    )
                    .unwrap()
                });
                assert_eq!(painted.len(), layers, "{what}: one heatmap per layer");
                // Each painted block is that layer's heatmap (to the pixel), and hovering its bottom
                // middle reads the newest epoch's middle step.
                for (l, &(x, y, pw, ph)) in painted.iter().enumerate() {
                    let r = layout.heat_of(l);
                    let near = |a: f64, b: f64| (a - b).abs() <= 1.0;
                    assert!(
                        near(x as f64, r.x)
                            && near(y as f64, r.y)
                            && near(pw as f64, r.w)
                            && near(ph as f64, r.h),
                        "{what} at {w}×{h}: painted {x},{y} {pw}×{ph}, layout {r:?}"
                    );
                    let hit = layout.hit(r.x + r.w / 2.0 + 0.1, r.y + r.h - 1e-3);
                    assert_eq!(
                        hit,
                        Some(plot::FlowHit::Heat {
                            layer: l,
                            row: epochs.len() - 1,
                            step: steps / 2
                        }),
                        "{what} at {w}×{h}"
                    );
                }
                let p = layout.profile_plot;
                assert_eq!(
                    layout.hit(p.x + 1.0, p.y + p.h / 2.0),
                    Some(plot::FlowHit::Profile { step: 0 })
                );
            }
        }
    }
}
