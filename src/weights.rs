//! Weight files: our own JSON format (the config plus a PyTorch-layout state dict; readable anywhere,
//! the page included) and, natively, the tutorial's `torch.save(model.state_dict(), …)` `.pth` files read
//! with Burn's own PyTorch reader (burn-store).

use crate::config::LabConfig;
use crate::state_dict::{StateDict, WeightsError};
use serde::{Deserialize, Serialize};

/// Identifies our weight files and their version.
pub const FORMAT: &str = "gru-lab-weights/1";

/// A saved run: what model it is and its weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeightsFile {
    pub format: String,
    pub config: LabConfig,
    pub tensors: StateDict,
}

/// Our file's text for `config` and `tensors`.
pub fn to_json(config: &LabConfig, tensors: &StateDict) -> String {
    let file = WeightsFile {
        format: FORMAT.into(),
        config: config.clone(),
        tensors: tensors.clone(),
    };
    serde_json::to_string(&file).expect("plain data serialises")
}

/// Parses our file; the caller checks the tensors against the model with `ModelShape::check`.
pub fn from_json(text: &str) -> Result<WeightsFile, WeightsError> {
    let file: WeightsFile = serde_json::from_str(text)
        .map_err(|e| WeightsError::Unreadable(format!("not a GRU Lab weights file: {e}")))?;
    check_header("weights file", &file.format, FORMAT, &file.config)?;
    Ok(file)
}

/// A file of ours (`kind`: "weights file", "run file") names its `format` and holds a valid config.
pub(crate) fn check_header(
    kind: &str,
    format: &str,
    expected: &str,
    config: &LabConfig,
) -> Result<(), WeightsError> {
    if format != expected {
        return Err(WeightsError::Unreadable(format!(
            "{kind} format \"{format}\" is not supported (expected \"{expected}\")"
        )));
    }
    config
        .validate()
        .map_err(|e| WeightsError::Unreadable(format!("{kind} config: {e}")))
}

/// Reads a PyTorch `state_dict` file (`.pth`, zip or legacy pickle) into a state dict, keys as saved.
#[cfg(feature = "cli")]
pub fn read_pth(path: &std::path::Path) -> Result<StateDict, WeightsError> {
    use burn::store::{ModuleStore, PytorchStore, bridge};
    let unreadable = |e: &dyn std::fmt::Display| {
        WeightsError::Unreadable(format!(
            "cannot read {} as a PyTorch state dict: {e}",
            path.display()
        ))
    };
    if !path.is_file() {
        return Err(WeightsError::Unreadable(format!(
            "no such file: {}",
            path.display()
        )));
    }
    let mut store = PytorchStore::from_file(path).map_indices_contiguous(false);
    let tensors = store.get_all_tensors().map_err(|e| unreadable(&e))?;
    let mut dict = StateDict::new();
    for (name, tensor) in tensors {
        let data = bridge::to_data(tensor).map_err(|e| unreadable(&e))?;
        let shape: Vec<usize> = data.shape().iter().copied().collect();
        let values = data
            .try_into_vec_as::<f32>()
            .map_err(|e| unreadable(&format!("{e:?}")))?;
        dict.insert(
            name.clone(),
            crate::state_dict::NamedTensor {
                shape,
                data: values,
            },
        );
    }
    Ok(dict)
}
