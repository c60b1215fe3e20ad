//! Weights by PyTorch name: the state dict every path shares (the seeded init, `.pth` files read and
//! written, our JSON files), the model shape it must have, and why a set of weights does not fit.

use crate::cells::CellKind;
use crate::config::LabConfig;
use crate::rng::TorchRng;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// One named tensor in PyTorch's layout, row-major.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NamedTensor {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

/// Parameters by PyTorch name: `{m}.weight_ih_l0` `[G·H, I]`, `{m}.weight_hh_l0` `[G·H, H]`,
/// `{m}.bias_ih_l0` and `{m}.bias_hh_l0` `[G·H]` (or one `gru.bias_l0` for the cho cell), …,
/// `fc.weight` `[1, H]`, `fc.bias` `[1]`, where `m` is the cell's module name (`gru`, `lstm`, `rnn`).
pub type StateDict = BTreeMap<String, NamedTensor>;

/// The shape a state dict must have: what `--cell`, `--layers` and `--hidden` say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModelShape {
    pub cell: CellKind,
    pub layers: usize,
    pub hidden: usize,
    /// Input channels per step I (the task's: 1 for a series, 2 for the adding problem).
    pub inputs: usize,
}

impl From<&LabConfig> for ModelShape {
    fn from(c: &LabConfig) -> Self {
        ModelShape {
            cell: c.cell,
            layers: c.layers,
            hidden: c.hidden,
            inputs: c.task.spec().inputs,
        }
    }
}

impl ModelShape {
    /// Input width of layer `layer`: the task's channels for the first, the hidden state below for
    /// the rest.
    pub fn input_size(&self, layer: usize) -> usize {
        if layer == 0 { self.inputs } else { self.hidden }
    }

    /// Every key with its expected shape, in PyTorch's `named_parameters()` order.
    pub fn expected(&self) -> Vec<(String, Vec<usize>)> {
        let spec = self.cell.spec();
        let (h, rows, m) = (self.hidden, spec.blocks * self.hidden, spec.module);
        let mut keys = Vec::new();
        for l in 0..self.layers {
            keys.push((
                format!("{m}.weight_ih_l{l}"),
                vec![rows, self.input_size(l)],
            ));
            keys.push((format!("{m}.weight_hh_l{l}"), vec![rows, h]));
            if spec.hidden_bias {
                keys.push((format!("{m}.bias_ih_l{l}"), vec![rows]));
                keys.push((format!("{m}.bias_hh_l{l}"), vec![rows]));
            } else {
                keys.push((format!("{m}.bias_l{l}"), vec![rows]));
            }
        }
        keys.push(("fc.weight".into(), vec![1, h]));
        keys.push(("fc.bias".into(), vec![1]));
        keys
    }

    /// The tutorial's model construction under `torch.manual_seed(seed)`, with this shape's cell in
    /// place of `nn.GRU`: the recurrent module and `nn.Linear` first draw their default init (one
    /// uniform draw per parameter value), then `_initialize_weights` overwrites every weight with
    /// xavier-uniform (`bound = √(6 / (fan_in + fan_out))`, Glorot & Bengio 2010, with PyTorch's fans of
    /// an `[out, in]` matrix) and every bias with zero. Replaying PyTorch's generator makes seed 42 give
    /// the tutorial script's exact initial weights for every cell (see the tests).
    pub fn initial_state_dict(&self, seed: u64) -> StateDict {
        let mut rng = TorchRng::new(seed);
        let expected = self.expected();
        let default_init_draws: usize = expected
            .iter()
            .map(|(_, s)| s.iter().product::<usize>())
            .sum();
        for _ in 0..default_init_draws {
            rng.next_u32();
        }
        expected
            .into_iter()
            .map(|(name, shape)| {
                let len = shape.iter().product();
                let data = if name.contains("weight") {
                    let bound = (6.0 / (shape[0] + shape[1]) as f64).sqrt() as f32;
                    (0..len).map(|_| rng.uniform_f32(-bound, bound)).collect()
                } else {
                    vec![0.0; len]
                };
                (name, NamedTensor { shape, data })
            })
            .collect()
    }

    /// Reads the shape off a state dict saved by any script: the recurrent module is found under
    /// whatever attribute name holds `weight_ih_l0` (`gru.`, `lstm.`, `rnn.`, `encoder.`, …) beside
    /// `fc.`; layers from `weight_ih_l{k}`, hidden from `weight_hh_l0`, the cell as the one in the
    /// registry whose blocks match the rows of `weight_ih_l0` (4H: lstm, 3H: a GRU, H: rnn) and whose
    /// biases match (`bias_ih_l0` and `bias_hh_l0`, or the cho GRU's one `bias_l0`). Returns the shape
    /// and the dict with the module renamed to the cell's own name (`lstm.weight_ih_l0`, …).
    pub fn infer(dict: &StateDict) -> Result<(ModelShape, StateDict), WeightsError> {
        let unreadable = |why: String| {
            WeightsError::Unreadable(format!("not a recurrent model's state dict: {why}"))
        };
        let modules: Vec<&str> = dict
            .keys()
            .filter_map(|k| k.strip_suffix(".weight_ih_l0"))
            .collect();
        let module = match modules.as_slice() {
            [one] => *one,
            [] => return Err(unreadable("no \"….weight_ih_l0\" key".into())),
            many => {
                return Err(unreadable(format!(
                    "{} recurrent modules ({}), expected one",
                    many.len(),
                    many.join(", ")
                )));
            }
        };
        let key = |name: &str| format!("{module}.{name}");
        let layers = (0..)
            .take_while(|l| dict.contains_key(&key(&format!("weight_ih_l{l}"))))
            .count();
        let hidden = dict
            .get(&key("weight_hh_l0"))
            .filter(|t| t.shape.len() == 2 && t.shape[1] > 0)
            .map(|t| t.shape[1])
            .ok_or_else(|| unreadable(format!("no 2-D \"{}\"", key("weight_hh_l0"))))?;
        let rows = dict[&key("weight_ih_l0")]
            .shape
            .first()
            .copied()
            .unwrap_or(0);
        let inputs = dict[&key("weight_ih_l0")]
            .shape
            .get(1)
            .copied()
            .filter(|&i| i > 0)
            .unwrap_or(1);
        let blocks = (rows % hidden == 0).then_some(rows / hidden);
        let hidden_bias = dict.contains_key(&key("bias_ih_l0"));
        let cell = CellKind::ALL
            .into_iter()
            .find(|c| Some(c.spec().blocks) == blocks && c.spec().hidden_bias == hidden_bias)
            .ok_or_else(|| {
                let mut families: Vec<String> = CellKind::ALL
                    .iter()
                    .map(|c| format!("{} {}", c.spec().short, blocks_of_h(c.spec().blocks)))
                    .collect();
                families.dedup();
                unreadable(format!(
                    "\"{}\" has {rows} rows for hidden size {hidden} ({}){}: {}",
                    key("weight_ih_l0"),
                    blocks.map_or("not a multiple of H".into(), blocks_of_h),
                    if hidden_bias {
                        ", with bias_ih/bias_hh"
                    } else {
                        ", with one bias"
                    },
                    families.join(", ")
                ))
            })?;
        let own = cell.spec().module;
        let renamed = dict
            .iter()
            .map(|(name, tensor)| {
                let name = match name.strip_prefix(module).and_then(|r| r.strip_prefix('.')) {
                    Some(rest) => format!("{own}.{rest}"),
                    None => name.clone(),
                };
                (name, tensor.clone())
            })
            .collect();
        Ok((
            ModelShape {
                cell,
                layers,
                hidden,
                inputs,
            },
            renamed,
        ))
    }

    /// Checks that `dict` has exactly this shape's keys with the right shapes.
    pub fn check(&self, dict: &StateDict) -> Result<(), WeightsError> {
        let expected = self.expected();
        for (name, shape) in &expected {
            let found = dict.get(name).ok_or_else(|| WeightsError::MissingKey {
                key: name.clone(),
                shape: *self,
            })?;
            if &found.shape != shape || found.data.len() != shape.iter().product::<usize>() {
                return Err(WeightsError::WrongShape {
                    key: name.clone(),
                    expected: shape.clone(),
                    found: found.shape.clone(),
                });
            }
            if let Some(bad) = found.data.iter().position(|v| !v.is_finite()) {
                return Err(WeightsError::NotFinite {
                    key: name.clone(),
                    index: bad,
                });
            }
        }
        if let Some(extra) = dict.keys().find(|k| !expected.iter().any(|(e, _)| e == *k)) {
            return Err(WeightsError::UnexpectedKey {
                key: extra.clone(),
                shape: *self,
            });
        }
        Ok(())
    }
}

/// `3H`, `4H`, and `H` for one block.
fn blocks_of_h(blocks: usize) -> String {
    if blocks == 1 {
        "H".into()
    } else {
        format!("{blocks}H")
    }
}

/// Why a set of weights does not fit the model.
#[derive(Clone, Debug, PartialEq)]
pub enum WeightsError {
    MissingKey {
        key: String,
        shape: ModelShape,
    },
    UnexpectedKey {
        key: String,
        shape: ModelShape,
    },
    WrongShape {
        key: String,
        expected: Vec<usize>,
        found: Vec<usize>,
    },
    NotFinite {
        key: String,
        index: usize,
    },
    /// The file could not be read or parsed at all.
    Unreadable(String),
}

impl fmt::Display for ModelShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} layer(s) of {} units, {} cell",
            self.layers,
            self.hidden,
            self.cell.name()
        )
    }
}

impl fmt::Display for WeightsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WeightsError::MissingKey { key, shape } => write!(
                f,
                "weights lack \"{key}\", which a model of {shape} needs (check --layers, --hidden and --cell)"
            ),
            WeightsError::UnexpectedKey { key, shape } => write!(
                f,
                "weights hold \"{key}\", which a model of {shape} does not have (check --layers and --cell)"
            ),
            WeightsError::WrongShape {
                key,
                expected,
                found,
            } => write!(
                f,
                "weights \"{key}\" have shape {found:?}, the model needs {expected:?} (check --hidden, --layers and --cell)"
            ),
            WeightsError::NotFinite { key, index } => {
                write!(
                    f,
                    "weights \"{key}\" hold a NaN or infinite value at index {index}"
                )
            }
            WeightsError::Unreadable(why) => write!(f, "{why}"),
        }
    }
}

impl std::error::Error for WeightsError {}
