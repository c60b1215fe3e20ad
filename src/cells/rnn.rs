//! The plain recurrent net as `torch.nn.RNN` runs it (Elman 1990, *Finding Structure in Time*),
//! with tanh and input and hidden biases. One block, no gates:
//!
//! ```text
//! h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh)
//! ```
//!
//! Backward:
//! ```text
//! da = dh·(1 − h_t²)        dx̂ = dĥ = da        dh_{t−1} = da·Uᵀ
//! ```
//! Every step back through time multiplies the gradient by `diag(1 − h²)·Uᵀ`: unless U's scale is just
//! right it shrinks (or grows) geometrically, the vanishing-gradient problem the gated cells address
//! (Bengio, Simard & Frasconi 1994).

use super::picture::{Picture, arrow, block, terminal};
use super::unit::{Activation, Explained, UnitInputs, activated};
use super::{
    BackwardStep, Cell, CellSpec, ForwardStep, Quantity, RecurrentWeights, Source, State, Step,
};
use crate::kernels::tanh;
use burn::tensor::Tensor;

pub struct Rnn;

/// The data flow of one step (`cell_diagram.rs` draws it): no gate between h_{t−1} and h_t.
const PICTURE: Picture = Picture {
    width: 480.0,
    height: 200.0,
    nodes: &[&[
        terminal((40.0, 100.0), "h_{t−1}"),
        terminal((240.0, 185.0), "x_t"),
        terminal((440.0, 100.0), "h_t"),
        block((240.0, 100.0), "tanh", "h", "h"),
    ]],
    wires: &[&[
        arrow(&[(66.0, 100.0), (218.0, 100.0)]),
        arrow(&[(240.0, 173.0), (240.0, 114.0)]),
        arrow(&[(262.0, 100.0), (418.0, 100.0)]),
    ]],
    junctions: &[],
    notes: &[(
        (240.0, 45.0),
        "no gate: every step overwrites h with tanh(W x + U h + b)",
    )],
};

/// The fused forward and backward step for one window on the GPU ([`CellSpec::wgsl`]).
const WGSL: &str = r"
fn cell_forward(x_proj: u32, previous: u32, memory_previous: u32, next: u32, memory_next: u32,
        saved: u32, recurrent: u32) {
    project(previous, 0u, 1u, recurrent);
    for (var j = 0u; j < H; j++) {
        put(next + j, tanh_(at(x_proj + j) + at(recurrent + j)));
    }
}

fn cell_backward(d_state: u32, d_memory: u32, previous: u32, state: u32, memory_previous: u32,
        memory: u32, saved: u32, d_x_proj: u32, d_recurrent: u32, d_previous: u32,
        d_memory_total: u32, scratch: u32) {
    // h = tanh(a)
    for (var j = 0u; j < H; j++) {
        let h = at(state + j);
        put(d_x_proj + j, at(d_state + j) * (1.0 - h * h));
    }
    // dh_{t−1} = da·Uᵀ
    project_back(d_x_proj, 0u, 1u, d_previous, false);
}
";

pub(super) const SPEC: CellSpec = CellSpec {
    name: "rnn",
    title: "Plain RNN (torch.nn.RNN, tanh)",
    about: "No gates: every step overwrites h with tanh of the input and the old state, so what the layer saw long ago fades, and so does its gradient.",
    picture: &PICTURE,
    short: "RNN",
    module: "rnn",
    blocks: 1,
    hidden_bias: true,
    memory: false,
    saved: 0,
    recurrent_inputs: &[(0..1, Source::State)],
    separate_recurrent_gradient: false,
    keep: None,
    wgsl: WGSL,
    quantities: &[Quantity {
        name: "h",
        symbol: "h",
        title: "hidden state h",
        equation: "h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh)",
        meaning: "the whole memory: no gate decides what to keep, every step rewrites it",
        range: (-1.0, 1.0),
        source: Source::State,
    }],
};

impl Cell for Rnn {
    fn step(
        &self,
        x_proj: Tensor<2>,
        state: &State,
        w: &RecurrentWeights,
        _memory_probe: Option<Tensor<2>>,
    ) -> Step {
        let h = (x_proj + w.project(state.h.clone(), 0)).tanh();
        Step {
            state: State {
                h: h.clone(),
                c: None,
            },
            quantities: vec![h],
        }
    }

    fn forward(&self, step: ForwardStep) {
        let ForwardStep {
            x_proj,
            previous,
            next,
            recurrent,
            weights,
            ..
        } = step;
        weights.project(previous, 0..1, recurrent);
        for ((out, x), u) in next.iter_mut().zip(x_proj).zip(recurrent.iter()) {
            *out = tanh(x + u);
        }
    }

    fn backward(&self, step: BackwardStep) {
        let BackwardStep {
            d_state,
            state,
            d_x_proj,
            d_previous,
            weights,
            ..
        } = step;
        // h = tanh(a)
        for ((da, dh), h) in d_x_proj.iter_mut().zip(d_state).zip(state) {
            *da = dh * (1.0 - h * h);
        }
        // dh_{t−1} = da·Uᵀ
        weights.project_back(d_x_proj, 0..1, d_previous, false);
    }

    /// The one equation, for one unit.
    fn explain(&self, u: &UnitInputs) -> Vec<Explained> {
        let terms = vec![
            u.input_term(0),
            u.input_bias(0),
            u.recurrent_term(0, u.previous),
            u.hidden_bias(0),
        ];
        vec![activated("h", "h", Activation::Tanh, terms)]
    }
}
