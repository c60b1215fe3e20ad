//! The LSTM as `torch.nn.LSTM` runs it (Hochreiter & Schmidhuber 1997, *Long Short-Term Memory*,
//! with the forget gate of Gers, Schmidhuber & Cummins 2000). Blocks in PyTorch's order (i, f, g, o),
//! input and hidden biases, and a cell state c beside h (h₀ = c₀ = 0 unless given):
//!
//! ```text
//! i_t = σ(W_ii x_t + b_ii + W_hi h_{t−1} + b_hi)      input gate
//! f_t = σ(W_if x_t + b_if + W_hf h_{t−1} + b_hf)      forget gate
//! g_t = tanh(W_ig x_t + b_ig + W_hg h_{t−1} + b_hg)   candidate cell
//! o_t = σ(W_io x_t + b_io + W_ho h_{t−1} + b_ho)      output gate
//! c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t
//! h_t = o_t ⊙ tanh(c_t)
//! ```
//!
//! Backward, with `dc` carried from step t + 1 and `a_·` the pre-activations:
//! ```text
//! dc = dc_{from t+1} + dh·o·(1 − tanh²c)
//! da_o = dh·tanh(c)·o(1 − o)      da_i = dc·g·i(1 − i)      da_g = dc·i·(1 − g²)
//! da_f = dc·c_{t−1}·f(1 − f)      dc_{t−1} = dc·f
//! dx̂ = dĥ = [da_i, da_f, da_g, da_o]        dh_{t−1} = dĥ·Uᵀ
//! ```
//! The cell state's path `dc_{t−1} = dc·f` is the LSTM's answer to vanishing gradients: while f ≈ 1
//! the gradient flows back through time undiminished.

use super::picture::{Picture, arrow, block, line, memory, op, squash, terminal};
use super::unit::{Activation, Explained, UnitInputs, activated, number, update};
use super::{
    BackwardStep, Cell, CellSpec, ForwardStep, KeepGate, Quantity, RecurrentWeights, Source, State,
    Step, blocks, blocks_mut,
};
use crate::kernels::{sigmoid, tanh};
use burn::tensor::Tensor;
use burn::tensor::activation;

pub struct Lstm;

/// One window's pointwise forward step: `x`, `u` its `[4H]` rows of `x̂` and `ĥ`, `c_prev` its
/// `c_{t−1}`; writes the saved planes, `c_t` and `h_t`. Every slice it writes is a parameter of its
/// own, so the compiler knows they do not overlap and vectorises the loop ([`crate::cells`] says why).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn forward_row(
    x: &[f32],
    u: &[f32],
    c_prev: &[f32],
    si: &mut [f32],
    sf: &mut [f32],
    sg: &mut [f32],
    so: &mut [f32],
    stc: &mut [f32],
    c: &mut [f32],
    out: &mut [f32],
) {
    let h = c.len();
    let [xi, xf, xg, xo] = blocks::<4>(x, h);
    let [ui, uf, ug, uo] = blocks::<4>(u, h);
    for j in 0..h {
        let i = sigmoid(xi[j] + ui[j]);
        let f = sigmoid(xf[j] + uf[j]);
        let g = tanh(xg[j] + ug[j]);
        let o = sigmoid(xo[j] + uo[j]);
        let cj = f * c_prev[j] + i * g;
        let tc = tanh(cj);
        (si[j], sf[j], sg[j], so[j], stc[j]) = (i, f, g, o, tc);
        c[j] = cj;
        out[j] = o * tc;
    }
}

/// One window's pointwise backward step (the derivation above): `gates` its saved i, f, g, o,
/// `tanh_c` its tanh(c_t), `dh` the total `dL/dh_t`; `dc` carries `dc_{t+1}·f_{t+1}` in and
/// `dc_t·f_t` out, `dc_total` gets `dL/dc_t` and `di`, `df`, `dg`, `d_o` the window's blocks of `dx̂`.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn backward_row(
    [i, f, g, o]: [&[f32]; 4],
    tanh_c: &[f32],
    c_prev: &[f32],
    dh: &[f32],
    dc: &mut [f32],
    dc_total: &mut [f32],
    di: &mut [f32],
    df: &mut [f32],
    dg: &mut [f32],
    d_o: &mut [f32],
) {
    for j in 0..dh.len() {
        // h = o·tanh(c),  c = f·c_{t−1} + i·g
        let dcj = dc[j] + dh[j] * o[j] * (1.0 - tanh_c[j] * tanh_c[j]);
        d_o[j] = dh[j] * tanh_c[j] * o[j] * (1.0 - o[j]);
        di[j] = dcj * g[j] * i[j] * (1.0 - i[j]);
        dg[j] = dcj * i[j] * (1.0 - g[j] * g[j]);
        df[j] = dcj * c_prev[j] * f[j] * (1.0 - f[j]);
        dc[j] = dcj * f[j];
        dc_total[j] = dcj;
    }
}

/// Saved planes: i, f, g, o and tanh(c_t).
/// The data flow of one step (`cell_diagram.rs` draws it): the cell state c along the top, kept by f
/// and written by i ⊙ g; h_t = o ⊙ tanh(c_t) leaves at the bottom right.
const PICTURE: Picture = Picture {
    width: 480.0,
    height: 270.0,
    nodes: &[&[
        terminal((30.0, 40.0), "c_{t−1}"),
        terminal((455.0, 40.0), "c_t"),
        terminal((30.0, 230.0), "h_{t−1}"),
        terminal((80.0, 258.0), "x_t"),
        terminal((458.0, 215.0), "h_t"),
        op((150.0, 40.0), "⊙", None),
        op((290.0, 40.0), "+", Some("c")),
        op((290.0, 110.0), "⊙", None),
        block((150.0, 170.0), "σ", "f", "f"),
        block((220.0, 170.0), "σ", "i", "i"),
        block((290.0, 170.0), "tanh", "g", "g"),
        block((360.0, 170.0), "σ", "o", "o"),
        squash((430.0, 100.0)),
        op((430.0, 170.0), "⊙", Some("h")),
    ]],
    wires: &[&[
        memory(&[(56.0, 40.0), (139.0, 40.0)]),
        memory(&[(161.0, 40.0), (279.0, 40.0)]),
        memory(&[(301.0, 40.0), (436.0, 40.0)]),
        arrow(&[(150.0, 156.0), (150.0, 51.0)]),
        arrow(&[(220.0, 156.0), (220.0, 110.0), (279.0, 110.0)]),
        arrow(&[(290.0, 156.0), (290.0, 121.0)]),
        arrow(&[(290.0, 99.0), (290.0, 51.0)]),
        arrow(&[(430.0, 40.0), (430.0, 86.0)]),
        arrow(&[(430.0, 114.0), (430.0, 159.0)]),
        arrow(&[(382.0, 170.0), (419.0, 170.0)]),
        arrow(&[(430.0, 181.0), (430.0, 215.0), (440.0, 215.0)]),
        line(&[(56.0, 230.0), (360.0, 230.0)]),
        line(&[(80.0, 250.0), (80.0, 230.0)]),
        arrow(&[(150.0, 230.0), (150.0, 184.0)]),
        arrow(&[(220.0, 230.0), (220.0, 184.0)]),
        arrow(&[(290.0, 230.0), (290.0, 184.0)]),
        arrow(&[(360.0, 230.0), (360.0, 184.0)]),
    ]],
    junctions: &[
        (430.0, 40.0),
        (80.0, 230.0),
        (150.0, 230.0),
        (220.0, 230.0),
        (290.0, 230.0),
    ],
    notes: &[((220.0, 20.0), "cell state: kept by f, written by i ⊙ g")],
};

/// [`forward_row`] and [`backward_row`] for one window on the GPU ([`CellSpec::wgsl`]).
const WGSL: &str = r"
fn cell_forward(x_proj: u32, previous: u32, memory_previous: u32, next: u32, memory_next: u32,
        saved: u32, recurrent: u32) {
    project(previous, 0u, 4u, recurrent);
    for (var j = 0u; j < H; j++) {
        let i = sigmoid(at(x_proj + j) + at(recurrent + j));
        let f = sigmoid(at(x_proj + H + j) + at(recurrent + H + j));
        let g = tanh_(at(x_proj + 2u * H + j) + at(recurrent + 2u * H + j));
        let o = sigmoid(at(x_proj + 3u * H + j) + at(recurrent + 3u * H + j));
        let c = f * at(memory_previous + j) + i * g;
        let tc = tanh_(c);
        put(saved + j, i);
        put(saved + H + j, f);
        put(saved + 2u * H + j, g);
        put(saved + 3u * H + j, o);
        put(saved + 4u * H + j, tc);
        put(memory_next + j, c);
        put(next + j, o * tc);
    }
}

fn cell_backward(d_state: u32, d_memory: u32, previous: u32, state: u32, memory_previous: u32,
        memory: u32, saved: u32, d_x_proj: u32, d_recurrent: u32, d_previous: u32,
        d_memory_total: u32, scratch: u32) {
    for (var j = 0u; j < H; j++) {
        let i = at(saved + j);
        let f = at(saved + H + j);
        let g = at(saved + 2u * H + j);
        let o = at(saved + 3u * H + j);
        let tc = at(saved + 4u * H + j);
        let dh = at(d_state + j);
        // h = o·tanh(c),  c = f·c_{t−1} + i·g
        let dc = at(d_memory + j) + dh * o * (1.0 - tc * tc);
        put(d_x_proj + 3u * H + j, dh * tc * o * (1.0 - o));
        put(d_x_proj + j, dc * g * i * (1.0 - i));
        put(d_x_proj + 2u * H + j, dc * i * (1.0 - g * g));
        put(d_x_proj + H + j, dc * at(memory_previous + j) * f * (1.0 - f));
        put(d_memory + j, dc * f);
        put(d_memory_total + j, dc);
    }
    // dh_{t−1} = dĥ·Uᵀ
    project_back(d_x_proj, 0u, 4u, d_previous, false);
}
";

pub(super) const SPEC: CellSpec = CellSpec {
    name: "lstm",
    title: "LSTM (torch.nn.LSTM)",
    about: "The LSTM keeps a cell state c beside h: the forget gate f keeps it, the input gate i writes the candidate g into it, the output gate o shows it as h.",
    picture: &PICTURE,
    short: "LSTM",
    module: "lstm",
    blocks: 4,
    hidden_bias: true,
    memory: true,
    saved: 5,
    recurrent_inputs: &[(0..4, Source::State)],
    separate_recurrent_gradient: false,
    keep: Some(KeepGate {
        quantity: "f",
        complement: false,
    }),
    wgsl: WGSL,
    quantities: &[
        Quantity {
            name: "i",
            symbol: "i",
            title: "input gate i",
            equation: "i_t = σ(W_ii x_t + b_ii + W_hi h_{t−1} + b_hi)",
            meaning: "i ≈ 1 writes the candidate g into the cell state; i ≈ 0 writes nothing",
            range: (0.0, 1.0),
            source: Source::Saved(0),
        },
        Quantity {
            name: "f",
            symbol: "f",
            title: "forget gate f",
            equation: "f_t = σ(W_if x_t + b_if + W_hf h_{t−1} + b_hf)",
            meaning: "f ≈ 1 keeps the cell state (and its gradient) from the step before; f ≈ 0 forgets it",
            range: (0.0, 1.0),
            source: Source::Saved(1),
        },
        Quantity {
            name: "g",
            symbol: "g",
            title: "candidate g",
            equation: "g_t = tanh(W_ig x_t + b_ig + W_hg h_{t−1} + b_hg)",
            meaning: "the new content the cell proposes to write",
            range: (-1.0, 1.0),
            source: Source::Saved(2),
        },
        Quantity {
            name: "o",
            symbol: "o",
            title: "output gate o",
            equation: "o_t = σ(W_io x_t + b_io + W_ho h_{t−1} + b_ho)",
            meaning: "o ≈ 1 shows the cell state as h; o ≈ 0 hides it",
            range: (0.0, 1.0),
            source: Source::Saved(3),
        },
        Quantity {
            name: "c",
            symbol: "c",
            title: "cell state c",
            equation: "c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t",
            meaning: "the long-term memory; it is not squashed, so it can leave [−1, 1]",
            range: (-2.0, 2.0),
            source: Source::Memory,
        },
        Quantity {
            name: "h",
            symbol: "h",
            title: "hidden state h",
            equation: "h_t = o_t ⊙ tanh(c_t)",
            meaning: "what the layer shows of its memory, in time and upward",
            range: (-1.0, 1.0),
            source: Source::State,
        },
    ],
};

impl Cell for Lstm {
    fn step(
        &self,
        x_proj: Tensor<2>,
        state: &State,
        w: &RecurrentWeights,
        memory_probe: Option<Tensor<2>>,
    ) -> Step {
        let pre = x_proj + w.project(state.h.clone(), 0);
        let i = activation::sigmoid(w.block(pre.clone(), 0));
        let f = activation::sigmoid(w.block(pre.clone(), 1));
        let g = w.block(pre.clone(), 2).tanh();
        let o = activation::sigmoid(w.block(pre, 3));
        let c_prev = state.c.clone().expect("an LSTM state has a cell state");
        let c = f.clone() * c_prev + i.clone() * g.clone();
        // The gradient-flow probe enters where c_t is formed, before h_t reads it.
        let c = match memory_probe {
            Some(probe) => c + probe,
            None => c,
        };
        let h = o.clone() * c.clone().tanh();
        Step {
            state: State {
                h: h.clone(),
                c: Some(c.clone()),
            },
            quantities: vec![i, f, g, o, c, h],
        }
    }

    fn forward(&self, step: ForwardStep) {
        let ForwardStep {
            x_proj,
            previous,
            next,
            memory_previous,
            memory_next,
            mut saved,
            recurrent,
            weights,
        } = step;
        let (batch, h) = (weights.batch, weights.hidden);
        weights.project(previous, 0..4, recurrent);
        let [si, sf, sg, so, stc] = saved.split::<5>();
        for b in 0..batch {
            let (row, wide) = (b * h..(b + 1) * h, b * 4 * h..(b + 1) * 4 * h);
            forward_row(
                &x_proj[wide.clone()],
                &recurrent[wide],
                &memory_previous[row.clone()],
                &mut si[row.clone()],
                &mut sf[row.clone()],
                &mut sg[row.clone()],
                &mut so[row.clone()],
                &mut stc[row.clone()],
                &mut memory_next[row.clone()],
                &mut next[row],
            );
        }
    }

    fn backward(&self, step: BackwardStep) {
        let BackwardStep {
            d_state,
            d_memory,
            memory_previous,
            saved,
            d_x_proj,
            d_previous,
            d_memory_total,
            weights,
            ..
        } = step;
        let (batch, h) = (weights.batch, weights.hidden);
        let [si, sf, sg, so, stc] = saved.get::<5>();
        for b in 0..batch {
            let row = b * h..(b + 1) * h;
            let [di, df, dg, d_o] = blocks_mut::<4>(&mut d_x_proj[b * 4 * h..], h);
            backward_row(
                [
                    &si[row.clone()],
                    &sf[row.clone()],
                    &sg[row.clone()],
                    &so[row.clone()],
                ],
                &stc[row.clone()],
                &memory_previous[row.clone()],
                &d_state[row.clone()],
                &mut d_memory[row.clone()],
                &mut d_memory_total[row],
                di,
                df,
                dg,
                d_o,
            );
        }
        // dh_{t−1} = dĥ·Uᵀ
        weights.project_back(d_x_proj, 0..4, d_previous, false);
    }

    /// The forward step's equations for one unit: four gates from one product, then c and h.
    fn explain(&self, u: &UnitInputs) -> Vec<Explained> {
        use Activation::{Sigmoid, Tanh};
        let gate = |name, activation, k| {
            let terms = vec![
                u.input_term(k),
                u.input_bias(k),
                u.recurrent_term(k, u.previous),
                u.hidden_bias(k),
            ];
            activated(name, name, activation, terms)
        };
        let (i, f, g, o) = (
            gate("i", Sigmoid, 0),
            gate("f", Sigmoid, 1),
            gate("g", Tanh, 2),
            gate("o", Sigmoid, 3),
        );
        let cp = u.memory_previous;
        let c = update(
            "c",
            "c",
            format!(
                "{}·{} + {}·{}",
                number(f.value),
                number(cp),
                number(i.value),
                number(g.value)
            ),
            f.value * cp + i.value * g.value,
        );
        let h = update(
            "h",
            "h",
            format!("{}·tanh({})", number(o.value), number(c.value)),
            o.value * tanh(c.value),
        );
        vec![i, f, g, o, c, h]
    }
}
