//! The main thread's half of the wasm glue: config validation (the one validation layer), the
//! charts drawn with plotters on canvases, the architecture SVG and the gate hit-test for hovering.

use super::messages::config_from;
use crate::cells::CellKind;
use crate::compare;
use crate::config::{ConfigError, LabConfig};
use crate::diagram;
use crate::forecast::ForecastReport;
use crate::gradient_flow::GradientFlow;
use crate::plot::{self, FlowHistory, FlowHit, FlowLayout, GateLayout, Pixels, Theme};
use crate::tasks::TaskKind;
use crate::trace::SampleTrace;
use crate::user_series::{Scaling, UserSeries};
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::{Clamped, JsCast};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};

/// `value` as a plain JavaScript object (maps as objects, as JSON would have them).
pub(super) fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()))
}

/// A config error as the page shows it.
#[derive(Serialize)]
struct FieldError {
    field: String,
    value: String,
    allowed: String,
    message: String,
}

impl From<&ConfigError> for FieldError {
    fn from(e: &ConfigError) -> Self {
        FieldError {
            field: e.field.clone(),
            value: e.value.clone(),
            allowed: e.allowed.clone(),
            message: e.to_string(),
        }
    }
}

#[derive(Serialize)]
struct Validated {
    config: LabConfig,
    query: String,
    parameters: usize,
    errors: Vec<FieldError>,
}

/// Applies `query` (`a=1&b=2`) on top of `base` (a config object, or undefined for the defaults).
/// Returns `{config, query, parameters, errors: [{field, value, allowed, message}]}`; invalid fields keep
/// their value from `base`. Keys listed in `foreign` belong to the page (`backend`, `embed`, …).
#[wasm_bindgen(js_name = applyQuery)]
pub fn apply_query(base: JsValue, query: &str, foreign: Vec<String>) -> Result<JsValue, JsError> {
    let base: LabConfig = if base.is_undefined() || base.is_null() {
        LabConfig::default()
    } else {
        serde_wasm_bindgen::from_value(base).map_err(|e| JsError::new(&format!("config: {e}")))?
    };
    let foreign: Vec<&str> = foreign.iter().map(String::as_str).collect();
    let (config, errors) = base.apply_query(query, &foreign);
    to_js(&Validated {
        query: config.to_query(),
        parameters: config.parameter_count(),
        errors: errors.iter().map(FieldError::from).collect(),
        config,
    })
}

/// The architecture diagram of `config` as SVG text; `with_cell`: the cell opened up under it.
#[wasm_bindgen(js_name = architectureSvg)]
pub fn architecture_svg(config: JsValue, with_cell: bool) -> Result<String, JsError> {
    Ok(diagram::architecture_svg(&config_from(config)?, with_cell))
}

/// The data flow inside one cell of `config`'s kind, one time step, as SVG text.
#[wasm_bindgen(js_name = cellSvg)]
pub fn cell_svg(config: JsValue) -> Result<String, JsError> {
    Ok(crate::cell_diagram::cell_svg(config_from(config)?.cell))
}

/// `[{gate, symbol, title, equation, meaning, range}]`: the quantities of the config's cell, in the
/// order its heatmaps and diagram show them.
#[wasm_bindgen(js_name = gateEquations)]
pub fn gate_equations(config: JsValue) -> Result<JsValue, JsError> {
    #[derive(Serialize)]
    struct Row {
        gate: &'static str,
        symbol: &'static str,
        title: &'static str,
        equation: &'static str,
        meaning: &'static str,
        range: (f32, f32),
    }
    let rows: Vec<Row> = config_from(config)?
        .cell
        .spec()
        .quantities
        .iter()
        .map(|q| Row {
            gate: q.name,
            symbol: q.symbol,
            title: q.title,
            equation: q.equation,
            meaning: q.meaning,
            range: q.range,
        })
        .collect();
    to_js(&rows)
}

/// `[{quantity, text, value, terms}]`: the live equations of unit `unit` (0-based, as `layer` and
/// `step`) of the window in `trace` (as `Session.snapshot` returns it), computed from `weights`, the
/// snapshot's `weights[layer]`: one line per quantity of `cell`, e.g. `z = σ(0.312 − 0.118 + 0.050) =
/// σ(0.244) = 0.561`.
#[wasm_bindgen(js_name = explainUnit)]
pub fn explain_unit(
    cell: &str,
    trace: JsValue,
    weights: JsValue,
    layer: usize,
    step: usize,
    unit: usize,
) -> Result<JsValue, JsError> {
    let trace: SampleTrace =
        serde_wasm_bindgen::from_value(trace).map_err(|e| JsError::new(&format!("trace: {e}")))?;
    let weights: crate::params::LayerParams = serde_wasm_bindgen::from_value(weights)
        .map_err(|e| JsError::new(&format!("weights: {e}")))?;
    let at = crate::live_equations::UnitAt { layer, step, unit };
    let lines = crate::live_equations::explain(cell_named(cell)?, &weights, &trace, at)
        .map_err(|e| JsError::new(&e))?;
    to_js(&lines)
}

/// `[{name, title, about}]`: every cell of the registry, for the page's cell control.
#[wasm_bindgen]
pub fn cells() -> Result<JsValue, JsError> {
    #[derive(Serialize)]
    struct Row {
        name: &'static str,
        title: &'static str,
        about: &'static str,
    }
    let rows: Vec<Row> = CellKind::ALL
        .iter()
        .map(|c| Row {
            name: c.name(),
            title: c.spec().title,
            about: c.spec().about,
        })
        .collect();
    to_js(&rows)
}

/// `[{name, title, about, memory, chanceMse}]`: every task of the registry, for the task control.
#[wasm_bindgen]
pub fn tasks() -> Result<JsValue, JsError> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Row {
        name: &'static str,
        title: &'static str,
        about: &'static str,
        memory: bool,
        chance_mse: Option<f64>,
    }
    let rows: Vec<Row> = TaskKind::ALL
        .iter()
        .map(|t| Row {
            name: t.name(),
            title: t.spec().title,
            about: t.spec().about,
            memory: t.is_memory(),
            chance_mse: t.spec().chance_mse,
        })
        .collect();
    to_js(&rows)
}

fn task_named(name: &str) -> Result<TaskKind, JsError> {
    TaskKind::from_name(name).ok_or_else(|| {
        JsError::new(&format!(
            "task = \"{name}\" is not allowed: task must be one of {}",
            TaskKind::names()
        ))
    })
}

fn cell_named(name: &str) -> Result<CellKind, JsError> {
    CellKind::from_name(name).ok_or_else(|| {
        JsError::new(&format!(
            "cell = \"{name}\" is not allowed: cell must be one of {}",
            CellKind::names()
        ))
    })
}

fn theme(dark: bool, scale: f64) -> Theme {
    if dark { Theme::DARK } else { Theme::LIGHT }.scaled(scale)
}

fn canvas_area(
    canvas: HtmlCanvasElement,
) -> Result<DrawingArea<CanvasBackend, plotters::coord::Shift>, JsError> {
    let backend = CanvasBackend::with_canvas_object(canvas)
        .ok_or_else(|| JsError::new("no 2D context on canvas"))?;
    Ok(backend.into_drawing_area())
}

/// The canvas as a drawing area, filled with the theme's background.
fn cleared_area(
    canvas: HtmlCanvasElement,
    theme: &Theme,
) -> Result<DrawingArea<CanvasBackend, plotters::coord::Shift>, JsError> {
    let area = canvas_area(canvas)?;
    area.fill(&theme.background)
        .map_err(|e| JsError::new(&e.to_string()))?;
    Ok(area)
}

fn drawn(result: plot::PlotResult) -> Result<(), JsError> {
    result.map_err(|e| JsError::new(&e))
}

/// The prediction panel on a canvas: truth and predictions of every window (the held-out ones after
/// `heldOutFrom`, shaded), the selected sample, and the error panel under it when the canvas is tall
/// enough and there is one line (plot::draw_prediction_panel). `names` names each line ("prediction",
/// or the runs of a comparison) and `predictions` holds them one after the other, each as long as
/// `truth` (NaN where a run has no window), or is empty before the first snapshot. Values in the
/// data's own units.
#[wasm_bindgen(js_name = drawPrediction)]
#[allow(clippy::too_many_arguments)]
pub fn draw_prediction(
    canvas: HtmlCanvasElement,
    label: &str,
    times: &[f64],
    truth: &[f32],
    names: Vec<String>,
    predictions: &[f32],
    held_out_from: usize,
    selected: Option<usize>,
    dark: bool,
    scale: f64,
) -> Result<(), JsError> {
    let theme = theme(dark, scale);
    let lines: Vec<plot::PredictionLine> = if predictions.is_empty() || truth.is_empty() {
        Vec::new()
    } else {
        names
            .iter()
            .zip(predictions.chunks(truth.len()))
            .map(|(name, values)| plot::PredictionLine { name, values })
            .collect()
    };
    let chart = plot::SeriesChart {
        label,
        times,
        truth,
        predictions: &lines,
        held_out_from,
    };
    drawn(plot::draw_prediction_panel(
        &cleared_area(canvas, &theme)?,
        &theme,
        &chart,
        selected,
    ))
}

/// The loss curves on a log scale (plot::draw_loss): one run's training and validation, or every
/// run's of a comparison. `names` names the runs; `losses` and `validation` (NaN where nothing is held
/// out) hold them one after the other, `lengths[i]` epochs each; `lr` (a lone run) goes in the caption;
/// a memory task's chance level is drawn. `ghost` (empty: none), captioned `ghost_name`, is drawn faint
/// behind them: the epochs after the one the scrubber shows, an abandoned future, the previous run.
#[wasm_bindgen(js_name = drawLoss)]
#[allow(clippy::too_many_arguments)]
pub fn draw_loss(
    canvas: HtmlCanvasElement,
    names: Vec<String>,
    losses: &[f64],
    validation: &[f64],
    lengths: &[u32],
    ghost: &[f64],
    ghost_name: &str,
    task: &str,
    lr: Option<f64>,
    epochs: usize,
    dark: bool,
    scale: f64,
) -> Result<(), JsError> {
    let theme = theme(dark, scale);
    let ghost = (!ghost.is_empty()).then_some(plot::Ghost {
        name: ghost_name,
        losses: ghost,
    });
    let mut start = 0;
    let mut curves = Vec::new();
    for (name, &n) in names.iter().zip(lengths) {
        let range = start..start + n as usize;
        let (Some(l), Some(v)) = (losses.get(range.clone()), validation.get(range)) else {
            return Err(JsError::new("drawLoss: lengths exceed the losses given"));
        };
        curves.push(plot::LossCurves {
            name,
            losses: l,
            validation: v,
        });
        start += n as usize;
    }
    drawn(plot::draw_loss(
        &cleared_area(canvas, &theme)?,
        &theme,
        &curves,
        ghost.as_ref(),
        task_named(task)?.spec().chance_mse,
        lr,
        epochs,
    ))
}

/// The run's results figure (plot::draw_run_results, the CLI's `gru_sine_wave_results.png`) on
/// `canvas`, which it sizes to the figure (1500 × 1000 px, 1700 with the gradient through time):
/// `predictions` of every window, training then held out (standardised), every epoch's `losses` and
/// `validation` (NaN where nothing is held out), the learning rate now, and the gradient through time
/// as the gradients panel has it (`current` the newest epoch's, `epochs`/`dh` its kept history).
#[wasm_bindgen(js_name = drawResultsFigure)]
#[allow(clippy::too_many_arguments)]
pub fn draw_results_figure(
    canvas: HtmlCanvasElement,
    config: JsValue,
    predictions: &[f32],
    losses: &[f64],
    validation: &[f64],
    lr: f64,
    current: JsValue,
    epochs: &[u32],
    dh: &[f32],
) -> Result<(), JsError> {
    let config = config_from(config)?;
    let current: Option<GradientFlow> = serde_wasm_bindgen::from_value(current)
        .map_err(|e| JsError::new(&format!("gradient flow: {e}")))?;
    let data = config.dataset();
    let expected = data.samples() + data.validation.as_ref().map_or(0, |v| v.samples());
    if predictions.len() != expected || validation.len() != losses.len() {
        return Err(JsError::new(&format!(
            "results figure: {} predictions for {expected} windows, {} validation losses for {} epochs",
            predictions.len(),
            validation.len(),
            losses.len()
        )));
    }
    let label = config.series_label();
    let gradients = current.as_ref().map(|current| plot::ResultsGradients {
        current,
        history: FlowHistory {
            layers: current.layers.len(),
            steps: current.steps(),
            epochs,
            dh,
        },
        highway: config.cell.spec().keep.is_some(),
    });
    let results = plot::RunResults {
        data: &data,
        label: &label,
        predictions,
        losses,
        validation,
        lr,
        chance: config.task.spec().chance_mse,
        gradients,
    };
    let (width, height) = results.size();
    canvas.set_width(width);
    canvas.set_height(height);
    drawn(plot::draw_run_results(
        &canvas_area(canvas)?,
        &Theme::LIGHT,
        results,
    ))
}

/// The forecast panel (plot::draw_forecast): the series (`times`, `series`: the prediction chart's, in
/// the data's own units) around the forecast `report` (as `Session.forecast` returned it), and the
/// errors by horizon. `scaling` `{mean, scale}` maps a learner's standardised values back to its units.
#[wasm_bindgen(js_name = drawForecast)]
#[allow(clippy::too_many_arguments)]
pub fn draw_forecast(
    canvas: HtmlCanvasElement,
    label: &str,
    times: &[f64],
    series: &[f32],
    report: JsValue,
    scaling: JsValue,
    dark: bool,
    scale: f64,
) -> Result<(), JsError> {
    let theme = theme(dark, scale);
    let report: ForecastReport = serde_wasm_bindgen::from_value(report)
        .map_err(|e| JsError::new(&format!("forecast: {e}")))?;
    let scaling: Option<Scaling> = serde_wasm_bindgen::from_value(scaling)
        .map_err(|e| JsError::new(&format!("scaling: {e}")))?;
    let units = |values: &[f32]| -> Vec<f32> {
        values
            .iter()
            .map(|&z| scaling.map_or(z, |s| s.restore(f64::from(z)) as f32))
            .collect()
    };
    let stretch = |errors: &[f64]| -> Vec<f64> {
        errors
            .iter()
            .map(|e| e * scaling.map_or(1.0, |s| s.scale))
            .collect()
    };
    let (path, truth) = (units(&report.path), units(&report.truth));
    let (model, naive) = (stretch(&report.errors.model), stretch(&report.errors.naive));
    drawn(plot::draw_forecast(
        &cleared_area(canvas, &theme)?,
        &theme,
        &plot::ForecastChart {
            label,
            times,
            series,
            path_times: &report.times,
            path: &path,
            truth: &truth,
            model_errors: &model,
            naive_errors: &naive,
        },
    ))
}

/// The runs of a comparison (crate::compare): `text` (`rnn,cho,lstm:hidden=16`) on top of `base`.
/// Returns `{runs: [{config, label, parameters}], text, errors: [{field, value, allowed, message}]}`:
/// a run with a bad part is left out, `text` is the canonical form of the runs kept.
#[wasm_bindgen(js_name = compareRuns)]
pub fn compare_runs(base: JsValue, text: &str) -> Result<JsValue, JsError> {
    #[derive(Serialize)]
    struct Run {
        config: LabConfig,
        label: String,
        parameters: usize,
    }
    #[derive(Serialize)]
    struct Runs {
        runs: Vec<Run>,
        text: String,
        errors: Vec<FieldError>,
    }
    let base = config_from(base)?;
    let (runs, errors) = compare::compare_runs(&base, text);
    to_js(&Runs {
        text: compare::compare_text(&base, &runs),
        errors: errors.iter().map(FieldError::from).collect(),
        runs: runs
            .into_iter()
            .map(|r| Run {
                parameters: r.config.parameter_count(),
                config: r.config,
                label: r.label,
            })
            .collect(),
    })
}

fn gate_layout(
    canvas: &HtmlCanvasElement,
    trace: &SampleTrace,
    cell: CellKind,
    scale: f64,
) -> GateLayout {
    // Every cell records its hidden state h: `[T][H]`.
    let h = trace.layers.first().and_then(|l| l.get("h"));
    let steps = h.map_or(1, Vec::len);
    let hidden = h.and_then(|rows| rows.first()).map_or(1, Vec::len);
    GateLayout::new(
        cell,
        canvas.width() as f64,
        canvas.height() as f64,
        trace.layers.len(),
        steps,
        hidden,
        scale,
    )
}

/// Heatmaps of every layer's gates for one window (`trace` as returned by `Session.snapshot`), on each
/// quantity's true range or, with `stretch`, on the sample's own; `cursor` (`{layer, gate, step, unit}`
/// or null) outlines the keyboard's cell. The cells go on the canvas as one `putImageData` per block
/// (plot::HeatBlock::pixels): a cell-by-cell `fillRect` costs the main thread several times more,
/// every frame of Play.
#[wasm_bindgen(js_name = drawGates)]
pub fn draw_gates(
    canvas: HtmlCanvasElement,
    trace: JsValue,
    cell: &str,
    stretch: bool,
    cursor: JsValue,
    dark: bool,
    scale: f64,
) -> Result<(), JsError> {
    let cursor: Option<plot::GateCursor> = serde_wasm_bindgen::from_value(cursor)
        .map_err(|e| JsError::new(&format!("cursor: {e}")))?;
    let trace: SampleTrace =
        serde_wasm_bindgen::from_value(trace).map_err(|e| JsError::new(&e.to_string()))?;
    let layout = gate_layout(&canvas, &trace, cell_named(cell)?, scale);
    let theme = theme(dark, scale);
    let put = image_putter(&canvas)?;
    let mut paint = |block: &plot::HeatBlock| put(&block.pixels());
    drawn(plot::draw_gates(
        &canvas_area(canvas)?,
        &theme,
        &layout,
        &trace,
        plot::GateView { stretch, cursor },
        &mut paint,
    ))
}

/// Puts blocks of pixels on the canvas, one `putImageData` each.
fn image_putter(
    canvas: &HtmlCanvasElement,
) -> Result<impl Fn(&Pixels) -> plot::PlotResult + use<>, JsError> {
    let context: CanvasRenderingContext2d = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into().ok())
        .ok_or_else(|| JsError::new("no 2D context on canvas"))?;
    Ok(move |pixels: &Pixels| -> plot::PlotResult {
        if pixels.width == 0 || pixels.height == 0 {
            return Ok(());
        }
        let image = ImageData::new_with_u8_clamped_array(Clamped(&pixels.rgba), pixels.width)
            .map_err(|e| format!("{e:?}"))?;
        context
            .put_image_data(&image, pixels.x.into(), pixels.y.into())
            .map_err(|e| format!("{e:?}"))
    })
}

fn flow_layout(
    canvas: &HtmlCanvasElement,
    theme: &Theme,
    cell: CellKind,
    (layers, steps, rows): (usize, usize, usize),
) -> FlowLayout {
    let size = (canvas.width() as f64, canvas.height() as f64);
    FlowLayout::new(
        theme,
        size,
        (layers, steps, rows),
        cell.spec().keep.is_some(),
    )
}

/// The gradient through time (plot::draw_gradient_flow): `current` is the newest epoch's
/// `gradient_flow` (`{layers: [{dh, dc?, keep?}]}`) or null; `epochs` and `dh` `[rows, layers, steps]`
/// the kept history for the heatmaps (store.js, FlowHistory).
#[wasm_bindgen(js_name = drawGradients)]
#[allow(clippy::too_many_arguments)]
pub fn draw_gradients(
    canvas: HtmlCanvasElement,
    current: JsValue,
    epochs: &[u32],
    dh: &[f32],
    cell: &str,
    layers: usize,
    steps: usize,
    dark: bool,
    scale: f64,
) -> Result<(), JsError> {
    let current: Option<GradientFlow> = serde_wasm_bindgen::from_value(current)
        .map_err(|e| JsError::new(&format!("gradient flow: {e}")))?;
    if dh.len() != epochs.len() * layers * steps {
        return Err(JsError::new(&format!(
            "gradient history: {} values for {} epochs of {layers} layers × {steps} steps",
            dh.len(),
            epochs.len()
        )));
    }
    let theme = theme(dark, scale);
    let layout = flow_layout(
        &canvas,
        &theme,
        cell_named(cell)?,
        (layers, steps, epochs.len()),
    );
    let put = image_putter(&canvas)?;
    let history = FlowHistory {
        layers,
        steps,
        epochs,
        dh,
    };
    drawn(plot::draw_gradient_flow(
        &canvas_area(canvas)?,
        &theme,
        &layout,
        current.as_ref(),
        history,
        &mut |pixels: &Pixels| put(pixels),
    ))
}

/// What the pointer at canvas pixel `(x, y)` of the gradient chart is over: `{kind: "profile" |
/// "highway", step}`, `{kind: "heat", layer, row, step}` (0-based) or null.
#[wasm_bindgen(js_name = gradientAt)]
#[allow(clippy::too_many_arguments)]
pub fn gradient_at(
    canvas: HtmlCanvasElement,
    cell: &str,
    layers: usize,
    steps: usize,
    rows: usize,
    x: f64,
    y: f64,
    scale: f64,
) -> Result<JsValue, JsError> {
    let theme = theme(false, scale);
    let layout = flow_layout(&canvas, &theme, cell_named(cell)?, (layers, steps, rows));
    #[derive(Serialize)]
    #[serde(tag = "kind", rename_all = "lowercase")]
    enum Hit {
        Profile {
            step: usize,
        },
        Highway {
            step: usize,
        },
        Heat {
            layer: usize,
            row: usize,
            step: usize,
        },
    }
    match layout.hit(x, y) {
        Some(FlowHit::Profile { step }) => to_js(&Hit::Profile { step }),
        Some(FlowHit::Highway { step }) => to_js(&Hit::Highway { step }),
        Some(FlowHit::Heat { layer, row, step }) => to_js(&Hit::Heat { layer, row, step }),
        None => Ok(JsValue::NULL),
    }
}

/// What the pointer at canvas pixel `(x, y)` is over: `{layer, gate, step, unit, value}` or null.
#[wasm_bindgen(js_name = gateAt)]
pub fn gate_at(
    canvas: HtmlCanvasElement,
    trace: JsValue,
    cell: &str,
    x: f64,
    y: f64,
    scale: f64,
) -> Result<JsValue, JsError> {
    let trace: SampleTrace =
        serde_wasm_bindgen::from_value(trace).map_err(|e| JsError::new(&e.to_string()))?;
    let layout = gate_layout(&canvas, &trace, cell_named(cell)?, scale);
    #[derive(Serialize)]
    struct Hit {
        layer: usize,
        gate: &'static str,
        step: usize,
        unit: usize,
        value: f32,
    }
    match layout.hit(x, y) {
        Some(hit) => to_js(&Hit {
            layer: hit.layer,
            gate: hit.gate,
            step: hit.step,
            unit: hit.unit,
            value: trace.layers[hit.layer]
                .get(hit.gate)
                .and_then(|rows| rows.get(hit.step))
                .and_then(|row| row.get(hit.unit))
                .copied()
                .ok_or_else(|| JsError::new(&format!("the trace has no \"{}\"", hit.gate)))?,
        }),
        None => Ok(JsValue::NULL),
    }
}

/// What the prediction chart draws, `{label, samples, targets, memory, times, truth, heldOutFrom,
/// scaling, channels, window, inputs}`. `samples`: the training windows (the ones whose gates can be
/// shown), `targets` theirs in the data's own units.
/// A series: `times`/`truth` of every window, training then held out from `heldOutFrom`, in the data's
/// own units; `scaling` `{mean, scale}` maps a learner's standardised predictions back to them. A
/// memory task: `truth` is the validation windows' targets (the scatter's), `inputs` every training
/// window's inputs `[samples, window, channels]` (to draw the selected one).
#[wasm_bindgen(js_name = dataset)]
pub fn dataset(config: JsValue) -> Result<JsValue, JsError> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Series<'a> {
        label: String,
        samples: usize,
        targets: Vec<f32>,
        memory: bool,
        times: Vec<f64>,
        truth: Vec<f32>,
        held_out_from: usize,
        scaling: Option<Scaling>,
        channels: usize,
        window: usize,
        inputs: &'a [f32],
    }
    let config = config_from(config)?;
    let data = config.dataset();
    let memory = config.task.is_memory();
    let (times, truth, held_out_from) = match (&data.validation, memory) {
        (Some(v), true) => (v.times.clone(), v.targets.clone(), v.samples()),
        _ => data.chart_targets(),
    };
    to_js(&Series {
        label: config.series_label(),
        samples: data.samples(),
        targets: data.in_units(&data.targets),
        memory,
        times,
        truth,
        held_out_from,
        scaling: data.scaling,
        channels: data.channels,
        window: data.window,
        inputs: if memory { &data.inputs } else { &[] },
    })
}

/// Reads a learner's series (`text`: a CSV file or pasted values; `column`: a header name or a
/// 1-based number, empty for the first numeric column) and returns `config` learning it (task
/// `csv`), as `applyQuery` does: `{config, query, parameters, errors: []}`. A refused text throws an
/// Error whose message names the line, the column and the problem; nothing changes.
#[wasm_bindgen(js_name = useSeries)]
pub fn use_series(config: JsValue, text: &str, column: &str) -> Result<JsValue, JsError> {
    let config = config_from(config)?;
    let column = Some(column).filter(|c| !c.trim().is_empty());
    let series =
        UserSeries::parse(text, column, config.window).map_err(|e| JsError::new(&e.to_string()))?;
    let config = config
        .with_series(series)
        .map_err(|e| JsError::new(&e.to_string()))?;
    to_js(&Validated {
        query: config.to_query(),
        parameters: config.parameter_count(),
        errors: Vec::new(),
        config,
    })
}

/// A memory task's prediction panel (plot::draw_memory_prediction): each run's prediction against
/// the target of every validation window (one run, or a comparison's side by side), and the inputs
/// `[window · channels]` of the selected training window under it. `targets` and `predictions` hold
/// the runs one after the other: `targetLengths[i]` and `predictionLengths[i]` values each (a run
/// without a snapshot yet has 0 predictions).
#[wasm_bindgen(js_name = drawMemoryPrediction)]
#[allow(clippy::too_many_arguments)]
pub fn draw_memory_prediction(
    canvas: HtmlCanvasElement,
    names: Vec<String>,
    targets: &[f32],
    target_lengths: &[u32],
    predictions: &[f32],
    prediction_lengths: &[u32],
    selected: Option<usize>,
    inputs: &[f32],
    channels: usize,
    dark: bool,
    scale: f64,
) -> Result<(), JsError> {
    let theme = theme(dark, scale);
    let (mut t, mut p) = (0, 0);
    let mut runs = Vec::new();
    for ((name, &tn), &pn) in names.iter().zip(target_lengths).zip(prediction_lengths) {
        let (tn, pn) = (tn as usize, pn as usize);
        let (Some(targets), Some(predictions)) =
            (targets.get(t..t + tn), predictions.get(p..p + pn))
        else {
            return Err(JsError::new(
                "drawMemoryPrediction: lengths exceed the values given",
            ));
        };
        runs.push(plot::ScatterRun {
            name,
            targets,
            predictions,
        });
        (t, p) = (t + tn, p + pn);
    }
    let window = (!inputs.is_empty() && channels > 0).then_some(plot::WindowInputs {
        values: inputs,
        channels,
    });
    drawn(plot::draw_memory_prediction(
        &cleared_area(canvas, &theme)?,
        &theme,
        &runs,
        selected,
        window,
    ))
}
