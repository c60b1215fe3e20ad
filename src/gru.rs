//! One GRU layer, written out from its equations so it reads beside the tutorial.
//!
//! Both variants share one weight layout, PyTorch's `torch.nn.GRU` transposed for `x · W`:
//! `w_input` is `[I, 3H]`, `w_hidden` is `[H, 3H]`, and the three column blocks are, in order, the
//! reset gate r, the update gate z and the candidate n (h̃ in the tutorial).
//!
//! **cho** (Cho et al. 2014, *Learning Phrase Representations using RNN Encoder–Decoder*; the tutorial's
//! equations), one bias `b`:
//!
//! ```text
//! z_t = σ(W_z x_t + U_z h_{t−1} + b_z)                 update gate
//! r_t = σ(W_r x_t + U_r h_{t−1} + b_r)                 reset gate
//! h̃_t = tanh(W_h x_t + U_h (r_t ⊙ h_{t−1}) + b_h)      candidate: reset applied before U_h
//! h_t = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h̃_t
//! ```
//!
//! **pytorch** (`torch.nn.GRU`, what the tutorial's script runs), input and hidden biases:
//!
//! ```text
//! r_t = σ(W_ir x_t + b_ir + W_hr h_{t−1} + b_hr)
//! z_t = σ(W_iz x_t + b_iz + W_hz h_{t−1} + b_hz)
//! n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t−1} + b_hn))   reset applied after W_hn
//! h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}
//! ```
//!
//! Note that z plays opposite roles: in cho it is the share of the *new* candidate, in pytorch the share
//! of the *old* state kept.

use crate::config::CellKind;
use crate::params::LayerParams;
use burn::module::{Module, Param};
use burn::tensor::activation::sigmoid;
use burn::tensor::{Tensor, TensorData};
use serde::Serialize;

/// The four quantities the page draws for every layer, time step and hidden unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GateKind {
    Z,
    R,
    Candidate,
    H,
}

impl GateKind {
    /// Drawing order: the update gate first, as the tutorial introduces it.
    pub const ALL: [GateKind; 4] = [GateKind::Z, GateKind::R, GateKind::Candidate, GateKind::H];

    pub fn name(self) -> &'static str {
        match self {
            GateKind::Z => "z",
            GateKind::R => "r",
            GateKind::Candidate => "candidate",
            GateKind::H => "h",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            GateKind::Z => "update gate z",
            GateKind::R => "reset gate r",
            GateKind::Candidate => "candidate",
            GateKind::H => "hidden state h",
        }
    }

    /// Value range: sigmoid gates in [0, 1], tanh quantities in [−1, 1].
    pub fn range(self) -> (f32, f32) {
        match self {
            GateKind::Z | GateKind::R => (0.0, 1.0),
            GateKind::Candidate | GateKind::H => (-1.0, 1.0),
        }
    }
}

/// One layer's gates for one sample, each `[T][H]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct LayerGates {
    pub r: Vec<Vec<f32>>,
    pub z: Vec<Vec<f32>>,
    pub candidate: Vec<Vec<f32>>,
    pub h: Vec<Vec<f32>>,
}

impl LayerGates {
    pub fn get(&self, gate: GateKind) -> &[Vec<f32>] {
        match gate {
            GateKind::Z => &self.z,
            GateKind::R => &self.r,
            GateKind::Candidate => &self.candidate,
            GateKind::H => &self.h,
        }
    }
}

/// Every layer's gates for one window, plus the model's prediction for it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct SampleTrace {
    pub sample: usize,
    pub prediction: f32,
    pub layers: Vec<LayerGates>,
}

/// Gate tensors recorded during a forward pass for the chosen samples: per gate `[T, S, H]`.
#[derive(Clone, Debug)]
pub struct LayerRecording {
    pub r: Tensor<3>,
    pub z: Tensor<3>,
    pub candidate: Tensor<3>,
    pub h: Tensor<3>,
}

/// One GRU layer: its weights, with `b_hidden` present only for the pytorch cell.
#[derive(Module, Debug)]
pub struct GruLayer {
    /// `[I, 3H]`: W_r | W_z | W_n (PyTorch's `weight_ih_l{k}` transposed).
    pub w_input: Param<Tensor<2>>,
    /// `[H, 3H]`: U_r | U_z | U_n (PyTorch's `weight_hh_l{k}` transposed).
    pub w_hidden: Param<Tensor<2>>,
    /// `[3H]`: b (cho) or b_ih (pytorch).
    pub b_input: Param<Tensor<1>>,
    /// `[3H]`: b_hh, pytorch cell only.
    pub b_hidden: Option<Param<Tensor<1>>>,
    pub hidden: usize,
    #[module(skip)]
    pub cell: CellKind,
}

/// Row-major `[rows, cols]` → `[cols, rows]`.
pub fn transpose(data: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut out = vec![0.0; data.len()];
    for r in 0..rows {
        for c in 0..cols {
            out[c * rows + r] = data[r * cols + c];
        }
    }
    out
}

impl GruLayer {
    /// Builds a layer on `device` from host parameters in its own layout.
    pub fn from_params(
        cell: CellKind,
        input: usize,
        hidden: usize,
        params: &LayerParams,
        device: &burn::tensor::Device,
    ) -> GruLayer {
        let three = 3 * hidden;
        fn param<const D: usize>(
            data: &[f32],
            shape: [usize; D],
            device: &burn::tensor::Device,
        ) -> Param<Tensor<D>> {
            Param::from_tensor(Tensor::from_data(
                TensorData::new(data.to_vec(), shape),
                device,
            ))
        }
        GruLayer {
            w_input: param(&params.w_input, [input, three], device),
            w_hidden: param(&params.w_hidden, [hidden, three], device),
            b_input: param(&params.b_input, [three], device),
            b_hidden: params
                .b_hidden
                .as_deref()
                .map(|b| param(b, [three], device)),
            hidden,
            cell,
        }
    }

    /// Runs the layer over a whole sequence `xs: [B, T, I]` from `h0: [B, H]`, returning every step's
    /// hidden state `[B, T, H]`. With `record` the gates of those sample rows are kept for the page.
    pub fn forward(
        &self,
        xs: Tensor<3>,
        h0: Tensor<2>,
        record: Option<&Tensor<1, burn::tensor::Int>>,
    ) -> (Tensor<3>, Option<LayerRecording>) {
        let [batch, steps, input] = xs.dims();
        let h = self.hidden;
        // The input projections of all time steps in one matmul: [B·T, I] · [I, 3H].
        let projected = xs
            .reshape([batch * steps, input])
            .matmul(self.w_input.val())
            + self.b_input.val().unsqueeze::<2>();
        let projected = projected.reshape([batch, steps, 3 * h]);
        let recurrent = self.recurrent_weights();
        let mut state = h0;
        let mut outputs = Vec::with_capacity(steps);
        let mut recorded: [Vec<Tensor<2>>; 4] = Default::default();
        for t in 0..steps {
            let x_proj = projected.clone().narrow(1, t, 1).reshape([batch, 3 * h]);
            let gates = self.step(x_proj, state, &recurrent);
            if let Some(rows) = record {
                for (slot, value) in
                    recorded
                        .iter_mut()
                        .zip([&gates.r, &gates.z, &gates.candidate, &gates.h])
                {
                    slot.push(value.clone().select(0, rows.clone()));
                }
            }
            state = gates.h.clone();
            outputs.push(gates.h);
        }
        let recording = record.map(|_| {
            let [r, z, candidate, h] = recorded.map(|steps| Tensor::stack::<3>(steps, 0));
            LayerRecording { r, z, candidate, h }
        });
        (Tensor::stack::<3>(outputs, 1), recording)
    }

    /// The recurrent weights in the form each cell's step uses, prepared once per sequence, not per step.
    fn recurrent_weights(&self) -> RecurrentWeights {
        let h = self.hidden;
        let w_hidden = self.w_hidden.val();
        match self.cell {
            CellKind::Cho => RecurrentWeights::Cho {
                u_rz: w_hidden.clone().narrow(1, 0, 2 * h),
                u_h: w_hidden.narrow(1, 2 * h, h),
            },
            CellKind::Pytorch => RecurrentWeights::Pytorch {
                w_hidden,
                b_hidden: self.b_hidden.as_ref().map(|b| b.val().unsqueeze::<2>()),
            },
        }
    }

    /// One time step. `x_proj = x_t · W + b_input` is `[B, 3H]`, `state = h_{t−1}` is `[B, H]`.
    fn step(&self, x_proj: Tensor<2>, state: Tensor<2>, weights: &RecurrentWeights) -> StepGates {
        let h = self.hidden;
        let block = |t: Tensor<2>, k: usize| t.narrow(1, k * h, h);
        match weights {
            RecurrentWeights::Cho { u_rz, u_h } => {
                // r and z see U h_{t−1}; the candidate sees U_h (r ⊙ h_{t−1}).
                let recurrent = state.clone().matmul(u_rz.clone());
                let r = sigmoid(block(x_proj.clone(), 0) + block(recurrent.clone(), 0));
                let z = sigmoid(block(x_proj.clone(), 1) + block(recurrent, 1));
                let candidate =
                    (block(x_proj, 2) + (r.clone() * state.clone()).matmul(u_h.clone())).tanh();
                let new_state = (1.0 - z.clone()) * state + z.clone() * candidate.clone();
                StepGates {
                    r,
                    z,
                    candidate,
                    h: new_state,
                }
            }
            RecurrentWeights::Pytorch { w_hidden, b_hidden } => {
                let mut recurrent = state.clone().matmul(w_hidden.clone());
                if let Some(b) = b_hidden {
                    recurrent = recurrent + b.clone();
                }
                let r = sigmoid(block(x_proj.clone(), 0) + block(recurrent.clone(), 0));
                let z = sigmoid(block(x_proj.clone(), 1) + block(recurrent.clone(), 1));
                let candidate = (block(x_proj, 2) + r.clone() * block(recurrent, 2)).tanh();
                let new_state = (1.0 - z.clone()) * candidate.clone() + z.clone() * state;
                StepGates {
                    r,
                    z,
                    candidate,
                    h: new_state,
                }
            }
        }
    }
}

/// Recurrent weights per cell: cho splits `U` into `U_rz` (`[H, 2H]`) and `U_h` (`[H, H]`); pytorch
/// uses the whole `[H, 3H]` matrix and the hidden bias, broadcast to `[1, 3H]`.
enum RecurrentWeights {
    Cho {
        u_rz: Tensor<2>,
        u_h: Tensor<2>,
    },
    Pytorch {
        w_hidden: Tensor<2>,
        b_hidden: Option<Tensor<2>>,
    },
}

/// The gates of one time step, each `[B, H]`.
struct StepGates {
    r: Tensor<2>,
    z: Tensor<2>,
    candidate: Tensor<2>,
    h: Tensor<2>,
}
