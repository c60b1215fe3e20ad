//! The `gru-lab` binary: the tutorial's lines, eval and trace on PyTorch weights, and one clear line with
//! exit code 2 for every kind of bad argument.

use std::path::PathBuf;
use std::process::{Command, Output};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gru-lab"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gru-lab-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn eval_prints_the_tutorials_metrics_for_pytorch_weights() {
    let out = run(&[
        "eval",
        "--weights",
        &format!("{FIXTURES}/tutorial_trained.pth"),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let run: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{FIXTURES}/tutorial_run.json")).unwrap(),
    )
    .unwrap();
    let expected = format!(
        "MSE: {}\nMAE: {}\nRMSE: {}\n",
        run["mse_6"].as_str().unwrap(),
        run["mae_6"].as_str().unwrap(),
        run["rmse_6"].as_str().unwrap()
    );
    assert_eq!(text(&out.stdout), expected);
}

#[test]
fn trace_prints_gates_per_layer_and_step_as_json() {
    let out = run(&[
        "trace",
        "--weights",
        &format!("{FIXTURES}/tutorial_trained.pth"),
        "--cell",
        "pytorch",
        "--window",
        "0,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9",
        "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_str(&text(&out.stdout)).unwrap();
    assert_eq!(json["cell"], "pytorch");
    assert!(json["prediction"].as_f64().unwrap().is_finite());
    let layers = json["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 2);
    for layer in layers {
        for gate in ["r", "z", "candidate", "h"] {
            let steps = layer[gate].as_array().unwrap();
            assert_eq!(steps.len(), 10);
            assert!(steps.iter().all(|s| s.as_array().unwrap().len() == 32));
        }
    }
}

#[test]
fn trace_prints_each_cells_own_quantities() {
    for (file, cell, names) in [
        ("lstm_init.pth", "lstm", vec!["c", "f", "g", "h", "i", "o"]),
        ("rnn_init.pth", "rnn", vec!["h"]),
    ] {
        let out = run(&[
            "trace",
            "--weights",
            &format!("{FIXTURES}/{file}"),
            "--window",
            "0,0.1,0.2",
            "--json",
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let json: serde_json::Value = serde_json::from_str(&text(&out.stdout)).unwrap();
        assert_eq!(json["cell"], cell);
        for layer in json["layers"].as_array().unwrap() {
            let keys: Vec<&str> = layer
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            assert_eq!(keys, names, "{file}");
            assert_eq!(layer["h"].as_array().unwrap().len(), 3);
        }
    }
}

/// A state dict saved by any script: the recurrent module under another attribute name is found, the
/// cell inferred from its tensors, and a flag that contradicts the file is refused with both named.
#[test]
fn pth_files_with_any_module_name_are_read_and_contradicting_flags_refused() {
    let dir = scratch("prefix");
    let dict =
        gru_lab::weights::read_pth(std::path::Path::new(&format!("{FIXTURES}/lstm_init.pth")))
            .unwrap();
    let renamed: gru_lab::state_dict::StateDict = dict
        .into_iter()
        .map(|(k, v)| (k.replace("lstm.", "encoder."), v))
        .collect();
    let file = dir.join("encoder.pth");
    std::fs::write(&file, gru_lab::pth::write_pth_bytes(&renamed)).unwrap();
    let out = run(&["eval", "--weights", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("MSE: "));
    let out = run(&["eval", "--weights", file.to_str().unwrap(), "--cell", "rnn"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "--cell rnn contradicts the file, which holds 2 layer(s) of 32 units, lstm cell"
        ),
        "{stderr}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn train_prints_the_tutorials_lines_and_writes_its_files() {
    let dir = scratch("train");
    let history = dir.join("history.csv");
    let out = run(&[
        "train",
        "--epochs",
        "20",
        "--hidden",
        "16",
        "--out",
        dir.to_str().unwrap(),
        "--history",
        history.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("Number of model parameters: 2,465"),
        "{stdout}"
    );
    assert!(stdout.contains("Epoch [20/20], Loss: "), "{stdout}");
    for line in ["MSE: ", "MAE: ", "RMSE: "] {
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with(line) && l.split('.').nth(1).unwrap().len() == 6),
            "{stdout}"
        );
    }
    let csv = std::fs::read_to_string(&history).unwrap();
    // The epoch's figures (no validation loss: the tutorial holds nothing out), then |dL/dh_t| of
    // each layer and step, then the gate highway.
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    assert_eq!(
        header[..6],
        ["epoch", "loss", "val_loss", "lr", "grad_norm", "ms"]
    );
    assert_eq!(header[6], "dh_l0_t1");
    assert!(header.contains(&"dh_l1_t10") && header.contains(&"keep_l1_t10"));
    assert_eq!(header.len(), 6 + 2 * 2 * 10);
    assert_eq!(csv.lines().count(), 21);
    for line in csv.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells.len(), header.len(), "{line}");
        assert_eq!(cells[2], "", "{line}: no validation set");
        let flow: Vec<f64> = cells[6..26].iter().map(|v| v.parse().unwrap()).collect();
        assert!(flow.iter().all(|v| v.is_finite() && *v >= 0.0), "{line}");
    }
    let png = std::fs::read(dir.join("gru_sine_wave_results.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    assert!(
        std::fs::read_to_string(dir.join("gru_model_architecture.svg"))
            .unwrap()
            .starts_with("<svg")
    );
    // Our own weights file and the .pth beside it (which holds no config: the default series, which
    // this run trained on) go back in through eval.
    let mse_train = stdout.lines().find(|l| l.starts_with("MSE: ")).unwrap();
    for name in ["gru_sine_wave_model.json", "gru_sine_wave_model.pth"] {
        let weights = dir.join(name);
        let eval = run(&["eval", "--weights", weights.to_str().unwrap()]);
        assert!(eval.status.success(), "{}", text(&eval.stderr));
        assert_eq!(
            text(&eval.stdout).lines().next().unwrap(),
            mse_train,
            "{name}"
        );
    }
    // The run file the page's Load restores: the history equals the CSV's.
    let run_file = gru_lab::run_file::RunFile::from_json(
        &std::fs::read_to_string(dir.join("gru_lab_run.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(run_file.reports.len(), 20);
    assert_eq!(run_file.flows.len(), 20);
    let first_loss: f64 = csv
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(run_file.reports[0].loss, first_loss);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn gradients_prints_pytorchs_gradient_through_time_for_the_tutorial_weights() {
    let fixture: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{FIXTURES}/tutorial_flow.json")).unwrap(),
    )
    .unwrap();
    for entry in fixture["flows"].as_array().unwrap() {
        let weights = format!("{FIXTURES}/{}", entry["weights"].as_str().unwrap());
        let out = run(&["gradients", "--weights", &weights, "--json"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let json: serde_json::Value = serde_json::from_str(&text(&out.stdout)).unwrap();
        let label = entry["cell"].as_str().unwrap();
        assert_eq!(json["cell"], entry["cell"]);
        let loss = json["loss"].as_f64().unwrap();
        let their_loss = entry["loss"].as_f64().unwrap();
        assert!(
            ((loss - their_loss) / their_loss).abs() < 1e-5,
            "{label} loss"
        );
        let layers = json["layers"].as_array().unwrap();
        assert_eq!(layers.len(), 2, "{label}: layer 0 first, then layer 1");
        for (l, (ours, theirs)) in layers
            .iter()
            .zip(entry["layers"].as_array().unwrap())
            .enumerate()
        {
            for series in ["dh", "dc", "keep"] {
                assert_eq!(
                    ours[series].is_null(),
                    theirs[series].is_null(),
                    "{label} {series}"
                );
                if theirs[series].is_null() {
                    continue;
                }
                let (a, b) = (
                    ours[series].as_array().unwrap(),
                    theirs[series].as_array().unwrap(),
                );
                assert_eq!(a.len(), 10, "{label}: t = 1 … 10");
                for (t, (x, y)) in a.iter().zip(b).enumerate() {
                    let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
                    assert!(
                        (x - y).abs() <= 1e-4 * y.abs(),
                        "{label} layer {l} {series} t = {}: {x} vs PyTorch {y}",
                        t + 1
                    );
                }
            }
        }
    }
    let out = run(&[
        "gradients",
        "--weights",
        &format!("{FIXTURES}/rnn_init.pth"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "error: gradients prints JSON only: add --json\n"
    );
}

/// Every bad argument: exit code 2, exactly one line on stderr naming the problem, nothing else.
#[test]
fn bad_arguments_end_with_one_clear_line() {
    let dir = scratch("bad");
    let garbage = dir.join("garbage.pth");
    std::fs::write(&garbage, b"this is not a pickle at all").unwrap();
    let truncated = dir.join("truncated.pth");
    let pth = std::fs::read(format!("{FIXTURES}/tutorial_init.pth")).unwrap();
    std::fs::write(&truncated, &pth[..pth.len() / 2]).unwrap();
    let bad_json = dir.join("bad.json");
    std::fs::write(
        &bad_json,
        b"{\"format\": \"gru-lab-weights/1\", \"config\": {}, \"tensors\": {}}",
    )
    .unwrap();
    let trained = format!("{FIXTURES}/tutorial_trained.pth");
    // A 5H weight_ih_l0: no cell has five blocks.
    let mut five = gru_lab::weights::read_pth(std::path::Path::new(&trained)).unwrap();
    let w = five.get_mut("gru.weight_ih_l0").unwrap();
    w.shape = vec![160, 1];
    w.data.resize(160, 0.0);
    let five_blocks = dir.join("five.pth");
    std::fs::write(&five_blocks, gru_lab::pth::write_pth_bytes(&five)).unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec![], "no command"),
        (vec!["fly"], "unknown command \"fly\""),
        (vec!["train", "--cell", "gru"], "cell = \"gru\""),
        (vec!["train", "--hidden", "0"], "hidden = \"0\""),
        (vec!["train", "--lr", "abc"], "lr = \"abc\""),
        (vec!["train", "--layers", "99"], "1 to 4"),
        (vec!["train", "--epochs"], "--epochs needs a value"),
        (vec!["train", "--colour", "red"], "does not take --colour"),
        (vec!["train", "--init", "/no/such/file.pth"], "no such file"),
        (vec!["eval"], "--weights FILE is required"),
        (
            vec!["eval", "--weights", garbage.to_str().unwrap()],
            "cannot read",
        ),
        (
            vec!["eval", "--weights", truncated.to_str().unwrap()],
            "cannot read",
        ),
        (
            vec!["eval", "--weights", bad_json.to_str().unwrap()],
            "no \"….weight_ih_l0\" key",
        ),
        (
            vec!["eval", "--weights", five_blocks.to_str().unwrap()],
            "has 160 rows for hidden size 32 (5H)",
        ),
        (
            vec!["eval", "--weights", &trained, "--hidden", "16"],
            "--hidden 16 contradicts the file",
        ),
        (
            vec!["eval", "--weights", &trained, "--layers", "3"],
            "--layers 3 contradicts the file",
        ),
        (
            vec!["eval", "--weights", &trained, "--cell", "cho"],
            "--cell cho contradicts the file, which holds 2 layer(s) of 32 units, pytorch cell",
        ),
        (
            vec![
                "trace",
                "--weights",
                &trained,
                "--window",
                "0.1,x",
                "--json",
            ],
            "\"x\" is not a finite number",
        ),
        (
            vec!["trace", "--weights", &trained, "--window", "0.1"],
            "--json",
        ),
        (
            vec!["train", "--workers", "0"],
            "--workers must be an integer from 1 to 64",
        ),
        // Too large for the op-by-op path's memory: refused before anything is allocated.
        (
            vec![
                "train",
                "--path",
                "tensor",
                "--task",
                "adding",
                "--window",
                "200",
                "--samples",
                "10000",
                "--hidden",
                "128",
                "--layers",
                "4",
                "--cell",
                "lstm",
            ],
            "lower hidden, layers, window or the data (points, samples)",
        ),
    ];
    for (args, expected) in cases {
        let out = run(&args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert!(
            stderr.contains(expected),
            "{args:?}: expected {expected:?} in {stderr}"
        );
        assert!(
            !stderr.contains("panicked") && !stderr.contains("backtrace"),
            "{args:?}: {stderr}"
        );
        let first_block = stderr.split("\nusage:").next().unwrap();
        assert_eq!(
            first_block.trim_end().lines().count(),
            1,
            "{args:?}: {stderr}"
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}
