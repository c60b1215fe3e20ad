//! The GRU as `torch.nn.GRU` runs it (what the tutorial's script trains): the reset gate applied
//! *after* the hidden matmul, separate input and hidden biases. Blocks in PyTorch's order (r, z, n):
//!
//! ```text
//! r_t = σ(W_ir x_t + b_ir + W_hr h_{t−1} + b_hr)
//! z_t = σ(W_iz x_t + b_iz + W_hz h_{t−1} + b_hz)
//! n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t−1} + b_hn))
//! h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}
//! ```
//!
//! z is the share of the *old* state kept (the opposite of the cho cell's z).
//!
//! Backward, with `x̂ = x·W + b_i`, `ĥ = h_{t−1}·U + b_h` and `a_·` the pre-activations:
//! ```text
//! da_n = dh·(1 − z)·(1 − n²)        da_z = dh·(h_{t−1} − n)·z(1 − z)        da_r = da_n·ĥ_n·r(1 − r)
//! dx̂ = [da_r, da_z, da_n]           dĥ = [da_r, da_z, da_n·r]
//! dh_{t−1} = dh·z + dĥ·Uᵀ
//! ```

use super::gru_cho::{GRU_JUNCTIONS, GRU_NODES, GRU_WIRES};
use super::picture::{Picture, arrow, block, op};
use super::unit::{
    Activation, Explained, UnitInputs, activated, explained_activation, number, sum, update,
};
use super::{
    BackwardStep, Cell, CellSpec, ForwardStep, KeepGate, Quantity, RecurrentWeights, Source, State,
    Step, blocks, blocks_mut,
};
use crate::kernels::{sigmoid, tanh};
use burn::tensor::Tensor;
use burn::tensor::activation;

pub struct GruTorch;

/// One window's pointwise forward step: `x`, `u` its `[3H]` rows of `x̂` and `ĥ`, `hp` its
/// `h_{t−1}`; writes the saved planes and `h_t`. Every slice it writes is a parameter of its own, so
/// the compiler knows they do not overlap and vectorises the loop ([`crate::cells`] says why).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn forward_row(
    x: &[f32],
    u: &[f32],
    hp: &[f32],
    r: &mut [f32],
    z: &mut [f32],
    n: &mut [f32],
    hn: &mut [f32],
    out: &mut [f32],
) {
    let h = out.len();
    let [xr, xz, xn] = blocks::<3>(x, h);
    let [ur, uz, un] = blocks::<3>(u, h);
    for j in 0..h {
        let rj = sigmoid(xr[j] + ur[j]);
        let zj = sigmoid(xz[j] + uz[j]);
        let nj = tanh(xn[j] + rj * un[j]);
        r[j] = rj;
        z[j] = zj;
        n[j] = nj;
        hn[j] = un[j];
        out[j] = (1.0 - zj) * nj + zj * hp[j];
    }
}

/// One window's pointwise backward step (the derivation above): from its saved r, z, n, `ĥ_n`, its
/// `h_{t−1}` and the total `dL/dh_t`, its blocks of `dx̂` and `dĥ` and the direct part of
/// `dh_{t−1}` (`dh·z`). Each block it writes is a parameter of its own ([`crate::cells`] says why).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn backward_row(
    [r, z, n, hn]: [&[f32]; 4],
    hp: &[f32],
    dh: &[f32],
    dxr: &mut [f32],
    dxz: &mut [f32],
    dxn: &mut [f32],
    dur: &mut [f32],
    duz: &mut [f32],
    dun: &mut [f32],
    dp: &mut [f32],
) {
    for j in 0..dh.len() {
        // h = (1 − z)·n + z·h_{t−1},  n = tanh(x̂_n + r·ĥ_n)
        let da_n = dh[j] * (1.0 - z[j]) * (1.0 - n[j] * n[j]);
        let da_z = dh[j] * (hp[j] - n[j]) * z[j] * (1.0 - z[j]);
        let da_r = da_n * hn[j] * r[j] * (1.0 - r[j]);
        dxr[j] = da_r;
        dxz[j] = da_z;
        dxn[j] = da_n;
        dur[j] = da_r;
        duz[j] = da_z;
        dun[j] = da_n * r[j];
        dp[j] = dh[j] * z[j];
    }
}

/// Saved planes: r, z, n and `ĥ_n = W_hn h_{t−1} + b_hn`.
/// The data flow of one step (`cell_diagram.rs` draws it): the tutorial GRU's picture, but r scales
/// U_hn h_{t−1} + b_hn after the product, and h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}: z keeps the old state.
const PICTURE: Picture = Picture {
    width: 480.0,
    height: 250.0,
    nodes: &[
        GRU_NODES,
        &[
            op((345.0, 120.0), "1−", None),
            block((300.0, 150.0), "tanh", "n", "candidate"),
        ],
    ],
    wires: &[
        GRU_WIRES,
        &[
            arrow(&[(200.0, 136.0), (200.0, 51.0)]),
            arrow(&[(200.0, 120.0), (334.0, 120.0)]),
            arrow(&[(356.0, 120.0), (390.0, 120.0), (390.0, 106.0)]),
        ],
    ],
    junctions: GRU_JUNCTIONS,
    notes: &[
        ((90.0, 88.0), "U_{hn} h"),
        ((295.0, 30.0), "z ⊙ h_{t−1}"),
        ((345.0, 88.0), "(1 − z) ⊙ n"),
    ],
};

/// [`forward_row`] and [`backward_row`] for one window on the GPU ([`CellSpec::wgsl`]).
const WGSL: &str = r"
fn cell_forward(x_proj: u32, previous: u32, memory_previous: u32, next: u32, memory_next: u32,
        saved: u32, recurrent: u32) {
    // ĥ = h_{t−1}·U + b_h, all three blocks.
    project(previous, 0u, 3u, recurrent);
    for (var j = 0u; j < H; j++) {
        let r = sigmoid(at(x_proj + j) + at(recurrent + j));
        let z = sigmoid(at(x_proj + H + j) + at(recurrent + H + j));
        let hn = at(recurrent + 2u * H + j);
        let n = tanh_(at(x_proj + 2u * H + j) + r * hn);
        put(saved + j, r);
        put(saved + H + j, z);
        put(saved + 2u * H + j, n);
        put(saved + 3u * H + j, hn);
        put(next + j, (1.0 - z) * n + z * at(previous + j));
    }
}

fn cell_backward(d_state: u32, d_memory: u32, previous: u32, state: u32, memory_previous: u32,
        memory: u32, saved: u32, d_x_proj: u32, d_recurrent: u32, d_previous: u32,
        d_memory_total: u32, scratch: u32) {
    for (var j = 0u; j < H; j++) {
        let r = at(saved + j);
        let z = at(saved + H + j);
        let n = at(saved + 2u * H + j);
        let hn = at(saved + 3u * H + j);
        let dh = at(d_state + j);
        // h = (1 − z)·n + z·h_{t−1},  n = tanh(x̂_n + r·ĥ_n)
        let da_n = dh * (1.0 - z) * (1.0 - n * n);
        let da_z = dh * (at(previous + j) - n) * z * (1.0 - z);
        let da_r = da_n * hn * r * (1.0 - r);
        put(d_x_proj + j, da_r);
        put(d_x_proj + H + j, da_z);
        put(d_x_proj + 2u * H + j, da_n);
        put(d_recurrent + j, da_r);
        put(d_recurrent + H + j, da_z);
        put(d_recurrent + 2u * H + j, da_n * r);
        put(d_previous + j, dh * z);
    }
    // dh_{t−1} += dĥ·Uᵀ
    project_back(d_recurrent, 0u, 3u, d_previous, true);
}
";

pub(super) const SPEC: CellSpec = CellSpec {
    name: "pytorch",
    title: "GRU as PyTorch runs it (torch.nn.GRU)",
    about: "PyTorch's GRU: z ≈ 1 keeps the old state and z ≈ 0 takes the new candidate n (the opposite of the tutorial's z); r scales U_hn h + b_hn after the product.",
    picture: &PICTURE,
    short: "GRU",
    module: "gru",
    blocks: 3,
    hidden_bias: true,
    memory: false,
    saved: 4,
    recurrent_inputs: &[(0..3, Source::State)],
    separate_recurrent_gradient: true,
    keep: Some(KeepGate {
        quantity: "z",
        complement: false,
    }),
    wgsl: WGSL,
    quantities: &[
        Quantity {
            name: "z",
            symbol: "z",
            title: "update gate z",
            equation: "z_t = σ(W_iz x_t + b_iz + W_hz h_{t−1} + b_hz)",
            meaning: "z ≈ 1 keeps the old state; z ≈ 0 takes the new candidate n",
            range: (0.0, 1.0),
            source: Source::Saved(1),
        },
        Quantity {
            name: "r",
            symbol: "r",
            title: "reset gate r",
            equation: "r_t = σ(W_ir x_t + b_ir + W_hr h_{t−1} + b_hr)",
            meaning: "r ≈ 0 makes the candidate ignore the old state; r ≈ 1 lets it see all of it",
            range: (0.0, 1.0),
            source: Source::Saved(0),
        },
        Quantity {
            name: "candidate",
            symbol: "n",
            title: "candidate n",
            equation: "n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t−1} + b_hn))",
            meaning: "the new content the cell proposes for its state",
            range: (-1.0, 1.0),
            source: Source::Saved(2),
        },
        Quantity {
            name: "h",
            symbol: "h",
            title: "hidden state h",
            equation: "h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}",
            meaning: "what the layer remembers and passes on, in time and upward",
            range: (-1.0, 1.0),
            source: Source::State,
        },
    ],
};

impl Cell for GruTorch {
    fn step(
        &self,
        x_proj: Tensor<2>,
        state: &State,
        w: &RecurrentWeights,
        _memory_probe: Option<Tensor<2>>,
    ) -> Step {
        let recurrent = w.project(state.h.clone(), 0);
        let r = activation::sigmoid(w.block(x_proj.clone(), 0) + w.block(recurrent.clone(), 0));
        let z = activation::sigmoid(w.block(x_proj.clone(), 1) + w.block(recurrent.clone(), 1));
        let n = (w.block(x_proj, 2) + r.clone() * w.block(recurrent, 2)).tanh();
        let h: Tensor<2> = (1.0 - z.clone()) * n.clone() + z.clone() * state.h.clone();
        Step {
            state: State {
                h: h.clone(),
                c: None,
            },
            quantities: vec![z, r, n, h],
        }
    }

    fn forward(&self, step: ForwardStep) {
        let ForwardStep {
            x_proj,
            previous,
            next,
            mut saved,
            recurrent,
            weights,
            ..
        } = step;
        let (batch, h) = (weights.batch, weights.hidden);
        // ĥ = h_{t−1}·U + b_h, all three blocks.
        weights.project(previous, 0..3, recurrent);
        let [r, z, n, hn] = saved.split::<4>();
        for b in 0..batch {
            let (row, wide) = (b * h..(b + 1) * h, b * 3 * h..(b + 1) * 3 * h);
            forward_row(
                &x_proj[wide.clone()],
                &recurrent[wide],
                &previous[row.clone()],
                &mut r[row.clone()],
                &mut z[row.clone()],
                &mut n[row.clone()],
                &mut hn[row.clone()],
                &mut next[row],
            );
        }
    }

    fn backward(&self, step: BackwardStep) {
        let BackwardStep {
            d_state,
            previous,
            saved,
            d_x_proj,
            d_recurrent,
            d_previous,
            weights,
            ..
        } = step;
        let (batch, h) = (weights.batch, weights.hidden);
        let [r, z, n, hn] = saved.get::<4>();
        for b in 0..batch {
            let row = b * h..(b + 1) * h;
            let [dxr, dxz, dxn] = blocks_mut::<3>(&mut d_x_proj[b * 3 * h..], h);
            let [dur, duz, dun] = blocks_mut::<3>(&mut d_recurrent[b * 3 * h..], h);
            backward_row(
                [
                    &r[row.clone()],
                    &z[row.clone()],
                    &n[row.clone()],
                    &hn[row.clone()],
                ],
                &previous[row.clone()],
                &d_state[row.clone()],
                dxr,
                dxz,
                dxn,
                dur,
                duz,
                dun,
                &mut d_previous[row],
            );
        }
        // dh_{t−1} += dĥ·Uᵀ
        weights.project_back(d_recurrent, 0..3, d_previous, true);
    }

    /// The forward step's equations for one unit, the reset gate inside the candidate's bracket.
    fn explain(&self, u: &UnitInputs) -> Vec<Explained> {
        use Activation::{Sigmoid, Tanh};
        let gate = |k| {
            vec![
                u.input_term(k),
                u.input_bias(k),
                u.recurrent_term(k, u.previous),
                u.hidden_bias(k),
            ]
        };
        let r = activated("r", "r", Sigmoid, gate(0));
        let z = activated("z", "z", Sigmoid, gate(1));
        let terms = gate(2);
        let (xn, un) = (terms[0] + terms[1], terms[2] + terms[3]);
        let inside = format!(
            "{} + {}·({})",
            sum(&terms[..2]),
            number(r.value),
            sum(&terms[2..])
        );
        let n = explained_activation("candidate", "n", Tanh, &inside, xn + r.value * un, terms);
        let (hp, zv, nv) = (u.previous_state(), z.value, n.value);
        let h = update(
            "h",
            "h",
            format!(
                "(1 − {})·{} + {}·{}",
                number(zv),
                number(nv),
                number(zv),
                number(hp)
            ),
            (1.0 - zv) * nv + zv * hp,
        );
        vec![z, r, n, h]
    }
}
