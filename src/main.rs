//! `gru-lab`: the tutorial's experiment on the command line, on the same core the page runs.
//!
//! ```text
//! gru-lab train [--epochs N] [--cell cho|pytorch|lstm|rnn] [--hidden H] [--layers L] [--dropout P] [--lr X]
//!               [--seed S] [--window T] [--points N] [--init FILE] [--history FILE.csv] [--out DIR]
//!               [--task T] [--split F] [--samples N] [--noise X] [--data FILE.csv [--column NAME]]
//!               [--path fused|tensor] [--workers N] [--backend ndarray|wgpu]
//! gru-lab eval  --weights FILE [--cell C] [--layers L] [--hidden H]
//! gru-lab trace --weights FILE [--cell C] [--layers L] [--hidden H] --window v1,…,vT --json
//! gru-lab gradients --weights FILE [--cell C] [--layers L] [--hidden H] --json
//! ```
//! FILE is a PyTorch `state_dict` (`.pth`, the recurrent module under any attribute name) or a GRU Lab
//! weights file (`.json`); the cell, layers and hidden size are read off it. `train --out DIR` writes
//! the trained weights both ways. Every error ends the program with one line on stderr and exit code 2.

use gru_lab::bptt::Tape;
use gru_lab::config::LabConfig;
use gru_lab::data::Dataset;
use gru_lab::diagram::architecture_svg;
use gru_lab::epoch_log::EpochLog;
use gru_lab::gradient_flow::GradientFlow;
use gru_lab::metrics::{Metrics, thousands};
use gru_lab::model::RecurrentModel;
use gru_lab::params::ModelParams;
use gru_lab::plot::{FlowHistory, ResultsGradients, RunResults, Theme, draw_run_results};
use gru_lab::run_file::RunFile;
use gru_lab::state_dict::{ModelShape, StateDict};
use gru_lab::tasks::TaskKind;
use gru_lab::train::EpochReport;
use gru_lab::train::{Trainer, TrainingPath};
use gru_lab::user_series::UserSeries;
use gru_lab::weights;
use plotters::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage:
  gru-lab train [--epochs N] [--cell cho|pytorch|lstm|rnn] [--hidden H] [--layers L] [--dropout P] [--lr X]
                [--seed S] [--window T] [--points N] [--init FILE] [--history FILE.csv] [--out DIR]
                [--task sine|two-tone|square|sawtooth|noisy-sine|adding|recall|csv] [--split F] [--samples N] [--noise X]
                [--data FILE.csv [--column NAME|N]]  (the csv task's series: one value per line or columns, a header allowed)
                [--path fused|tensor]   (how gradients are computed: hand-derived BPTT or Burn autodiff)
                [--workers N]  (threads the fused path's shards train on; the same numbers for any N)
                [--backend ndarray|wgpu]  (wgpu: the WebGPU backend natively, builds with --features webgpu)
  gru-lab eval  --weights FILE [--cell cho|pytorch|lstm|rnn] [--layers L] [--hidden H]
  gru-lab trace --weights FILE [--cell cho|pytorch|lstm|rnn] [--layers L] [--hidden H] --window v1,...,vT --json
  gru-lab gradients --weights FILE [--cell cho|pytorch|lstm|rnn] [--layers L] [--hidden H] --json
                (the gradient through time of the tutorial's 990 windows, dropout off: |dL/dh_t| per layer and step)
FILE: a PyTorch state_dict (.pth) or a GRU Lab weights file (.json); cell, layers and hidden size
are read off it (a flag that contradicts the file is refused)";

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        eprintln!("error: internal error: {info}");
    }));
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<(), String> {
    let (command, rest) = args
        .split_first()
        .ok_or_else(|| format!("no command given\n{USAGE}"))?;
    let flags = Flags::parse(rest)?;
    match command.as_str() {
        "train" => train(flags),
        "eval" => eval(flags),
        "trace" => trace(flags),
        "gradients" => gradients(flags),
        "--help" | "-h" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(format!(
            "unknown command \"{other}\": use train, eval, trace or gradients\n{USAGE}"
        )),
    }
}

/// `--name value` pairs and bare `--switch`es, each allowed once.
struct Flags {
    values: BTreeMap<String, String>,
    switches: Vec<String>,
}

const SWITCHES: [&str; 1] = ["json"];

impl Flags {
    fn parse(args: &[String]) -> Result<Flags, String> {
        let mut flags = Flags {
            values: BTreeMap::new(),
            switches: Vec::new(),
        };
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let name = arg
                .strip_prefix("--")
                .ok_or_else(|| format!("unexpected argument \"{arg}\" (flags start with --)"))?;
            if SWITCHES.contains(&name) {
                flags.switches.push(name.to_string());
                continue;
            }
            let value = it.next().ok_or_else(|| format!("--{name} needs a value"))?;
            if flags
                .values
                .insert(name.to_string(), value.clone())
                .is_some()
            {
                return Err(format!("--{name} is given twice"));
            }
        }
        Ok(flags)
    }

    /// Takes the flags that are config fields into `config`, validated by `LabConfig::set`.
    fn apply_config(&mut self, config: &mut LabConfig, fields: &[&str]) -> Result<(), String> {
        for field in fields {
            if let Some(value) = self.values.remove(*field) {
                config.set(field, &value).map_err(|e| format!("--{e}"))?;
            }
        }
        Ok(())
    }

    fn take(&mut self, name: &str) -> Option<String> {
        self.values.remove(name)
    }

    fn finish(self, command: &str) -> Result<(), String> {
        match self.values.keys().next() {
            Some(unknown) => Err(format!("{command} does not take --{unknown}\n{USAGE}")),
            None => Ok(()),
        }
    }
}

#[allow(deprecated)] // ndarray is the design card's CPU backend; flex is measured beside it
fn cpu_device() -> burn::tensor::Device {
    burn::tensor::Device::ndarray()
}

/// The device `train --backend` names: `ndarray` (the default, the CPU) or `wgpu` (the page's WebGPU
/// backend run natively on Vulkan, Metal or DX12; builds with the `webgpu` feature), with its label.
fn backend_device(name: Option<&str>) -> Result<(burn::tensor::Device, &'static str), String> {
    match name {
        None | Some("ndarray") => Ok((cpu_device(), "ndarray (CPU)")),
        #[cfg(feature = "webgpu")]
        Some("wgpu") => pollster::block_on(burn::tensor::Device::wgpu_options().init_async())
            .map(|device| (device, "wgpu (GPU)"))
            .map_err(|e| format!("--backend wgpu: no GPU adapter came up ({e})")),
        Some(other) => Err(format!(
            "--backend = \"{other}\" is not allowed: --backend must be ndarray{}",
            if cfg!(feature = "webgpu") {
                " or wgpu"
            } else {
                " (this build has no wgpu: cargo build --features webgpu)"
            }
        )),
    }
}

/// Reads a `.pth` or our `.json` weights file.
fn read_weights(path: &Path) -> Result<(Option<LabConfig>, StateDict), String> {
    if path.extension().is_some_and(|e| e == "json") {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let file = weights::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok((Some(file.config), file.tensors))
    } else {
        weights::read_pth(path)
            .map(|d| (None, d))
            .map_err(|e| e.to_string())
    }
}

/// The model shape for eval/trace: read off the file; `--cell/--layers/--hidden` must agree with it.
fn weights_config(flags: &mut Flags) -> Result<(LabConfig, StateDict), String> {
    let path = PathBuf::from(flags.take("weights").ok_or("--weights FILE is required")?);
    let (saved, dict) = read_weights(&path)?;
    let (inferred, dict) =
        ModelShape::infer(&dict).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut config = saved.unwrap_or_default();
    config.cell = inferred.cell;
    config.layers = inferred.layers;
    config.hidden = inferred.hidden;
    let mut asked = config.clone();
    flags.apply_config(&mut asked, &["cell", "layers", "hidden"])?;
    for field in ["cell", "layers", "hidden"] {
        let (wanted, found) = (asked.get(field), config.get(field));
        if wanted != found {
            return Err(format!(
                "{}: --{field} {} contradicts the file, which holds {inferred} (read off its tensors); leave --{field} out to use the file's",
                path.display(),
                wanted.unwrap_or_default(),
            ));
        }
    }
    ModelShape::from(&asked)
        .check(&dict)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok((asked, dict))
}

fn train(mut flags: Flags) -> Result<(), String> {
    let mut config = LabConfig::default();
    // A learner's series first: `--task csv` is refused without it, and its window check needs it.
    let data = flags.take("data");
    let column = flags.take("column");
    if let Some(path) = &data {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
        let window = match flags.values.get("window") {
            Some(w) => {
                let mut probe = LabConfig::default();
                probe.set("window", w).map_err(|e| format!("--{e}"))?;
                probe.window
            }
            None => config.window,
        };
        let series = UserSeries::parse(&text, column.as_deref(), window)
            .map_err(|e| format!("{path}: {e}"))?;
        config = config.with_series(series).map_err(|e| format!("--{e}"))?;
    } else if column.is_some() {
        return Err("--column needs --data FILE.csv".into());
    } else if flags.values.get("task").is_some_and(|t| t.trim() == "csv") {
        return Err(
            "--task csv needs --data FILE.csv (one value per line, or columns with a header)"
                .into(),
        );
    }
    flags.apply_config(
        &mut config,
        // The task first: it decides which windows are allowed.
        &[
            "task", "epochs", "cell", "hidden", "layers", "dropout", "lr", "seed", "points",
            "window", "split", "samples", "noise",
        ],
    )?;
    let init = flags.take("init").map(PathBuf::from);
    let history = flags.take("history").map(PathBuf::from);
    let out = PathBuf::from(flags.take("out").unwrap_or_else(|| "gru-lab-out".into()));
    let (device, backend) = backend_device(flags.take("backend").as_deref())?;
    let path = match flags.take("path").as_deref() {
        // The fused path runs on the host: on a GPU the tensor path is the one that uses it.
        None if backend.starts_with("wgpu") => TrainingPath::Tensor,
        None | Some("fused") => TrainingPath::Fused,
        Some("tensor") => TrainingPath::Tensor,
        Some(other) => {
            return Err(format!(
                "--path = \"{other}\" is not allowed: --path must be fused or tensor"
            ));
        }
    };
    let workers = match flags.take("workers") {
        None => 1,
        Some(n) => n
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=64).contains(n))
            .ok_or_else(|| {
                format!(
                    "--workers = \"{n}\" is not allowed: --workers must be an integer from 1 to 64"
                )
            })?,
    };
    flags.finish("train")?;
    if data.is_some() && config.task != TaskKind::Csv {
        return Err(format!(
            "--data is the csv task's series: use --task csv (not {})",
            config.task.name()
        ));
    }

    println!(
        "Starting {} sine wave prediction experiment...",
        config.cell.spec().short
    );
    if path == TrainingPath::Tensor {
        gru_lab::train::check_tensor_path(&config)?;
    }
    let mut trainer = match &init {
        Some(path) => {
            let (_, dict) = read_weights(path)?;
            Trainer::from_state_dict(config.clone(), &dict, &device)
                .map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => Trainer::new(config.clone(), &device),
    }
    .with_path(path)
    .with_workers(workers);
    let samples = trainer.data.samples();
    println!(
        "Data shape: X=[{samples}, {}, {}], y=[{samples}, 1]",
        config.window, trainer.data.channels
    );
    if let Some(v) = &trainer.data.validation {
        println!("Validation: {} held-out windows", v.samples());
    }
    if let (Some(series), Some(s)) = (&config.series, trainer.data.scaling) {
        println!(
            "Series: column \"{}\", {} values; standardised (x − {}) / {} (mean and scale of the training part)",
            series.column,
            thousands(series.values.len()),
            s.mean,
            s.scale
        );
    }
    let plan = trainer.shard_plan();
    println!(
        "Cell: {}, backend: {backend}, gradients: {}",
        config.cell.name(),
        match trainer.path() {
            TrainingPath::Fused => format!(
                "fused BPTT ({} shards of the batch on {} thread{}; tape {:.1} MB a thread)",
                plan.shards,
                trainer.workers(),
                if trainer.workers() == 1 { "" } else { "s" },
                plan.tape_bytes(trainer.model().shape(), config.window) as f64 / 1e6
            ),
            TrainingPath::Tensor => "Burn autodiff".into(),
        }
    );
    println!(
        "Number of model parameters: {}",
        thousands(config.parameter_count())
    );
    println!("Starting {} model training...", config.cell.spec().short);
    // Every epoch's gradient through time, for the --history CSV.
    let mut log = EpochLog::new();
    // Every epoch's |dL/dh_t| for the figure's heatmaps: `[epochs, layers, steps]`.
    let mut dh_history = Vec::new();
    for _ in 0..config.epochs {
        let report = pollster::block_on(trainer.step_epoch()).map_err(|e| e.to_string())?;
        let flow = trainer.gradient_flow();
        log.record(report.epoch, flow);
        dh_history.extend(flow.layers.iter().flat_map(|l| l.dh.iter().copied()));
        if report.epoch % 20 == 0 {
            println!(
                "Epoch [{}/{}], Loss: {:.6}, LR: {:.6}",
                report.epoch, config.epochs, report.loss, report.lr
            );
        }
    }
    // The history first: it is the run's record, whatever happens to the figures after it.
    if let Some(path) = history {
        write(&path, &log.csv(&trainer.history))?;
    }
    let predictions = pollster::block_on(trainer.predictions())?;
    println!("Model evaluation results:");
    println!(
        "{}",
        Metrics::of(&predictions, &trainer.data.targets).lines()
    );
    let held_out = pollster::block_on(trainer.validation_predictions())?;
    let mut scored = Metrics::of(&predictions, &trainer.data.targets);
    if let (Some(v), Some(held_out)) = (&trainer.data.validation, &held_out) {
        scored = Metrics::of(held_out, &v.targets);
        for line in scored.lines().lines() {
            println!("Validation {line}");
        }
    }
    if let Some(s) = trainer.data.scaling {
        println!(
            "In the series' own units: MAE {:.6}, RMSE {:.6} (the figures above are standardised)",
            scored.mae * s.scale,
            scored.rmse * s.scale
        );
    }

    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let figure = out.join("gru_sine_wave_results.png");
    let every_prediction: Vec<f32> = predictions
        .iter()
        .chain(held_out.iter().flatten())
        .copied()
        .collect();
    draw_png(
        &figure,
        (&trainer.data, &config.series_label()),
        &every_prediction,
        (&trainer.history, trainer.gradient_flow(), &dh_history),
        trainer.scheduler.lr,
        (
            config.cell.spec().keep.is_some(),
            config.task.spec().chance_mse,
        ),
    )?;
    let diagram = out.join("gru_model_architecture.svg");
    write(&diagram, &architecture_svg(&config, true))?;
    let model_file = out.join("gru_sine_wave_model.json");
    let dict = pollster::block_on(trainer.state_dict())?;
    write(&model_file, &weights::to_json(&config, &dict))?;
    let pth_file = out.join("gru_sine_wave_model.pth");
    std::fs::write(&pth_file, gru_lab::pth::write_pth_bytes(&dict))
        .map_err(|e| format!("cannot write {}: {e}", pth_file.display()))?;
    // The run file the page's Load restores (config, weights, history, scheduler, dropout stream).
    let run_file = out.join("gru_lab_run.json");
    let run = RunFile {
        format: gru_lab::run_file::FORMAT.into(),
        config: config.clone(),
        tensors: dict,
        reports: trainer.history.clone(),
        flows: log.flows().to_vec(),
        scheduler: trainer.scheduler.clone(),
        dropout_stream: trainer.dropout_stream(),
    };
    write(&run_file, &run.to_json())?;
    println!("Generated files:");
    for f in [&figure, &diagram, &model_file, &pth_file, &run_file] {
        println!("- {}", f.display());
    }
    Ok(())
}

fn eval(mut flags: Flags) -> Result<(), String> {
    let (config, dict) = weights_config(&mut flags)?;
    flags.finish("eval")?;
    let mut trainer =
        Trainer::from_state_dict(config, &dict, &cpu_device()).map_err(|e| e.to_string())?;
    let predictions = pollster::block_on(trainer.predictions())?;
    println!(
        "{}",
        Metrics::of(&predictions, &trainer.data.targets).lines()
    );
    Ok(())
}

fn trace(mut flags: Flags) -> Result<(), String> {
    let (config, dict) = weights_config(&mut flags)?;
    let window = flags
        .take("window")
        .ok_or("--window v1,...,vT is required")?;
    if !flags.switches.iter().any(|s| s == "json") {
        return Err("trace prints JSON only: add --json".into());
    }
    flags.finish("trace")?;
    let values: Vec<f32> = window
        .split(',')
        .map(|v| {
            v.trim()
                .parse::<f32>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| format!("--window value \"{v}\" is not a finite number"))
        })
        .collect::<Result<_, _>>()?;
    let device = cpu_device();
    let shape = ModelShape::from(&config);
    let model =
        RecurrentModel::from_state_dict(shape, 0.0, &dict, &device).map_err(|e| e.to_string())?;
    let steps = values.len();
    let inputs = burn::tensor::Tensor::from_data(
        burn::tensor::TensorData::new(values, [1, steps, 1]),
        &device,
    );
    let trace = pollster::block_on(model.trace(inputs, &[], &[0]))?
        .traces
        .remove(0);
    let json = serde_json::json!({
        "cell": config.cell.name(),
        "prediction": trace.prediction,
        "layers": trace.layers,
    });
    println!("{json}");
    Ok(())
}

/// `gradients --json`: the gradient through time of the file's weights over the tutorial's windows
/// (the config's series; dropout off), on the fused path.
fn gradients(mut flags: Flags) -> Result<(), String> {
    let (config, dict) = weights_config(&mut flags)?;
    if !flags.switches.iter().any(|s| s == "json") {
        return Err("gradients prints JSON only: add --json".into());
    }
    flags.finish("gradients")?;
    let shape = ModelShape::from(&config);
    let model = RecurrentModel::from_state_dict(shape, 0.0, &dict, &cpu_device())
        .map_err(|e| e.to_string())?;
    let params = pollster::block_on(model.params())?;
    let data = config.dataset();
    let mut tape = Tape::new(shape, data.samples(), data.window);
    tape.forward(&params, &data.inputs, &[], &[]);
    let loss = tape.backward(
        &params,
        &data.targets,
        &[],
        &mut ModelParams::zeros(shape),
        false,
    );
    let flow: GradientFlow = tape.gradient_flow();
    let json = serde_json::json!({
        "cell": config.cell.name(),
        "loss": loss,
        "layers": flow.layers,
    });
    println!("{json}");
    Ok(())
}

/// The results figure ([`draw_run_results`]); `predictions` of every window, training then held out
/// (standardised).
fn draw_png(
    path: &Path,
    (data, label): (&Dataset, &str),
    predictions: &[f32],
    (history, last_flow, dh): (&[EpochReport], &GradientFlow, &[f32]),
    lr: f64,
    (highway, chance): (bool, Option<f64>),
) -> Result<(), String> {
    let losses: Vec<f64> = history.iter().map(|r| r.loss).collect();
    let validation: Vec<f64> = history
        .iter()
        .map(|r| r.val_loss.unwrap_or(f64::NAN))
        .collect();
    let epochs: Vec<u32> = history.iter().map(|r| r.epoch as u32).collect();
    let gradients = (!history.is_empty()).then(|| ResultsGradients {
        current: last_flow,
        history: FlowHistory {
            layers: last_flow.layers.len(),
            steps: last_flow.steps(),
            epochs: &epochs,
            dh,
        },
        highway,
    });
    plotters::style::register_font(
        "sans-serif",
        FontStyle::Normal,
        include_bytes!("../assets/LiberationSans-Regular.ttf"),
    )
    .map_err(|_| "the bundled font is invalid".to_string())?;
    let results = RunResults {
        data,
        label,
        predictions,
        losses: &losses,
        validation: &validation,
        lr,
        chance,
        gradients,
    };
    let root = BitMapBackend::new(path, results.size()).into_drawing_area();
    draw_run_results(&root, &Theme::LIGHT, results)?;
    root.present()
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn cell_names_parse() {
        let mut c = super::LabConfig::default();
        c.set("cell", "lstm").unwrap();
        assert_eq!(c.cell, gru_lab::cells::CellKind::Lstm);
    }
}
