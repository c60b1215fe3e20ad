//! The GRU of the tutorial's equations (Cho et al. 2014, *Learning Phrase Representations using RNN
//! Encoder–Decoder for Statistical Machine Translation*): the reset gate applied *before* the hidden
//! matmul, one bias per gate. Blocks in the order (r, z, h̃), as `torch.nn.GRU` lays them out:
//!
//! ```text
//! z_t = σ(W_z x_t + U_z h_{t−1} + b_z)                 update gate
//! r_t = σ(W_r x_t + U_r h_{t−1} + b_r)                 reset gate
//! h̃_t = tanh(W_h x_t + U_h (r_t ⊙ h_{t−1}) + b_h)      candidate
//! h_t = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h̃_t
//! ```
//!
//! z is the share of the *new* candidate taken (the opposite of `torch.nn.GRU`'s z).
//!
//! Backward, with `x̂ = x·W + b` and `a_·` the pre-activations:
//! ```text
//! da_n = dh·z·(1 − h̃²)              da_z = dh·(h̃ − h_{t−1})·z(1 − z)
//! d(r·h_{t−1}) = da_n·U_hᵀ          da_r = d(r·h_{t−1})·h_{t−1}·r(1 − r)
//! dh_{t−1} = dh·(1 − z) + d(r·h_{t−1})·r + [da_r, da_z]·U_rzᵀ
//! dU_rz = Σ_t h_{t−1}ᵀ·[da_r, da_z]   dU_h = Σ_t (r·h_{t−1})ᵀ·da_n
//! ```

use super::picture::{Node, Picture, Wire, arrow, block, line, op, terminal};
use super::unit::{Activation, Explained, UnitInputs, activated, number, update};
use super::{
    BackwardStep, Cell, CellSpec, ForwardStep, KeepGate, Quantity, RecurrentWeights, Source, State,
    Step, blocks, blocks_mut,
};
use crate::kernels::{sigmoid, tanh};
use burn::tensor::Tensor;
use burn::tensor::activation;

pub struct GruCho;

/// Saved planes: r, z, h̃ and `r ⊙ h_{t−1}` (the input of `U_h`).
/// What both GRUs' pictures share: h_{t−1} along the top, x_t and h_{t−1} into the gates from below,
/// r ⊙ h_{t−1} (pytorch: r ⊙ U_hn h_{t−1}) into the candidate, and the two products added into h_t.
pub(super) const GRU_NODES: &[Node] = &[
    terminal((30.0, 40.0), "h_{t−1}"),
    terminal((455.0, 40.0), "h_t"),
    terminal((30.0, 232.0), "x_t"),
    op((200.0, 40.0), "⊙", None),
    op((390.0, 40.0), "+", Some("h")),
    op((120.0, 95.0), "⊙", None),
    block((120.0, 150.0), "σ", "r", "r"),
    block((200.0, 150.0), "σ", "z", "z"),
    op((390.0, 95.0), "⊙", None),
];

pub(super) const GRU_WIRES: &[Wire] = &[
    arrow(&[(56.0, 40.0), (189.0, 40.0)]),
    arrow(&[(211.0, 40.0), (379.0, 40.0)]),
    arrow(&[(401.0, 40.0), (436.0, 40.0)]),
    line(&[(70.0, 40.0), (70.0, 200.0), (200.0, 200.0)]),
    arrow(&[(46.0, 232.0), (300.0, 232.0), (300.0, 164.0)]),
    line(&[(70.0, 232.0), (70.0, 200.0)]),
    arrow(&[(120.0, 200.0), (120.0, 164.0)]),
    arrow(&[(200.0, 200.0), (200.0, 164.0)]),
    arrow(&[(120.0, 136.0), (120.0, 106.0)]),
    arrow(&[(70.0, 95.0), (109.0, 95.0)]),
    arrow(&[(131.0, 95.0), (250.0, 95.0), (250.0, 150.0), (278.0, 150.0)]),
    arrow(&[(300.0, 136.0), (300.0, 95.0), (379.0, 95.0)]),
    arrow(&[(390.0, 84.0), (390.0, 51.0)]),
];

pub(super) const GRU_JUNCTIONS: &[(f64, f64)] = &[
    (70.0, 40.0),
    (70.0, 95.0),
    (70.0, 200.0),
    (70.0, 232.0),
    (120.0, 200.0),
    (200.0, 120.0),
];

/// The data flow of one step (`cell_diagram.rs` draws it): h_t = (1 − z) ⊙ h_{t−1} + z ⊙ h̃, so 1 − z
/// gates the old state on the top line and z the candidate.
const PICTURE: Picture = Picture {
    width: 480.0,
    height: 250.0,
    nodes: &[
        GRU_NODES,
        &[
            op((200.0, 72.0), "1−", None),
            block((300.0, 150.0), "tanh", "h̃", "candidate"),
        ],
    ],
    wires: &[
        GRU_WIRES,
        &[
            arrow(&[(200.0, 136.0), (200.0, 83.0)]),
            arrow(&[(200.0, 61.0), (200.0, 51.0)]),
            arrow(&[(200.0, 120.0), (390.0, 120.0), (390.0, 106.0)]),
        ],
    ],
    junctions: GRU_JUNCTIONS,
    notes: &[
        ((295.0, 30.0), "(1 − z) ⊙ h_{t−1}"),
        ((345.0, 88.0), "z ⊙ h̃"),
    ],
};

/// [`GruCho`]'s fused forward and backward step for one window on the GPU ([`CellSpec::wgsl`]).
const WGSL: &str = r"
fn cell_forward(x_proj: u32, previous: u32, memory_previous: u32, next: u32, memory_next: u32,
        saved: u32, recurrent: u32) {
    // [â_r, â_z] = h_{t−1}·U_rz
    project(previous, 0u, 2u, recurrent);
    for (var j = 0u; j < H; j++) {
        let r = sigmoid(at(x_proj + j) + at(recurrent + j));
        put(saved + j, r);
        put(saved + H + j, sigmoid(at(x_proj + H + j) + at(recurrent + H + j)));
        put(saved + 3u * H + j, r * at(previous + j));
    }
    // â_n = (r ⊙ h_{t−1})·U_h
    project(saved + 3u * H, 2u, 3u, recurrent);
    for (var j = 0u; j < H; j++) {
        let z = at(saved + H + j);
        let n = tanh_(at(x_proj + 2u * H + j) + at(recurrent + 2u * H + j));
        put(saved + 2u * H + j, n);
        put(next + j, (1.0 - z) * at(previous + j) + z * n);
    }
}

fn cell_backward(d_state: u32, d_memory: u32, previous: u32, state: u32, memory_previous: u32,
        memory: u32, saved: u32, d_x_proj: u32, d_recurrent: u32, d_previous: u32,
        d_memory_total: u32, scratch: u32) {
    for (var j = 0u; j < H; j++) {
        let z = at(saved + H + j);
        let n = at(saved + 2u * H + j);
        let dh = at(d_state + j);
        // h = (1 − z)·h_{t−1} + z·h̃
        put(d_x_proj + H + j, dh * (n - at(previous + j)) * z * (1.0 - z));
        put(d_x_proj + 2u * H + j, dh * z * (1.0 - n * n));
        put(d_previous + j, dh * (1.0 - z));
    }
    // d(r ⊙ h_{t−1}) = da_n·U_hᵀ
    project_back(d_x_proj, 2u, 3u, scratch, false);
    for (var j = 0u; j < H; j++) {
        let r = at(saved + j);
        let drh = at(scratch + j);
        put(d_x_proj + j, drh * at(previous + j) * r * (1.0 - r));
        put(d_previous + j, at(d_previous + j) + drh * r);
    }
    // dh_{t−1} += [da_r, da_z]·U_rzᵀ
    project_back(d_x_proj, 0u, 2u, d_previous, true);
}
";

pub(super) const SPEC: CellSpec = CellSpec {
    name: "cho",
    title: "GRU as in the tutorial (Cho et al. 2014)",
    about: "The tutorial's GRU: z ≈ 1 takes the new candidate h̃, z ≈ 0 keeps the old state; the reset gate r scales h before U_h multiplies it.",
    picture: &PICTURE,
    short: "GRU",
    module: "gru",
    blocks: 3,
    hidden_bias: false,
    memory: false,
    saved: 4,
    recurrent_inputs: &[(0..2, Source::State), (2..3, Source::Saved(3))],
    separate_recurrent_gradient: false,
    keep: Some(KeepGate {
        quantity: "z",
        complement: true,
    }),
    wgsl: WGSL,
    quantities: &[
        Quantity {
            name: "z",
            symbol: "z",
            title: "update gate z",
            equation: "z_t = σ(W_z x_t + U_z h_{t−1} + b_z)",
            meaning: "z ≈ 1 takes the new candidate h̃; z ≈ 0 keeps the old state",
            range: (0.0, 1.0),
            source: Source::Saved(1),
        },
        Quantity {
            name: "r",
            symbol: "r",
            title: "reset gate r",
            equation: "r_t = σ(W_r x_t + U_r h_{t−1} + b_r)",
            meaning: "r ≈ 0 makes the candidate ignore the old state; r ≈ 1 lets it see all of it",
            range: (0.0, 1.0),
            source: Source::Saved(0),
        },
        Quantity {
            name: "candidate",
            symbol: "h̃",
            title: "candidate h̃",
            equation: "h̃_t = tanh(W_h x_t + U_h (r_t ⊙ h_{t−1}) + b_h)",
            meaning: "the new content the cell proposes for its state",
            range: (-1.0, 1.0),
            source: Source::Saved(2),
        },
        Quantity {
            name: "h",
            symbol: "h",
            title: "hidden state h",
            equation: "h_t = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h̃_t",
            meaning: "what the layer remembers and passes on, in time and upward",
            range: (-1.0, 1.0),
            source: Source::State,
        },
    ],
};

impl Cell for GruCho {
    fn step(
        &self,
        x_proj: Tensor<2>,
        state: &State,
        w: &RecurrentWeights,
        _memory_probe: Option<Tensor<2>>,
    ) -> Step {
        let h_prev = state.h.clone();
        // r and z see U_rz h_{t−1} (part 0); the candidate sees U_h (r ⊙ h_{t−1}) (part 1).
        let recurrent = w.project(h_prev.clone(), 0);
        let r = activation::sigmoid(w.block(x_proj.clone(), 0) + w.block(recurrent.clone(), 0));
        let z = activation::sigmoid(w.block(x_proj.clone(), 1) + w.block(recurrent, 1));
        let candidate = (w.block(x_proj, 2) + w.project(r.clone() * h_prev.clone(), 1)).tanh();
        let h: Tensor<2> = (1.0 - z.clone()) * h_prev + z.clone() * candidate.clone();
        Step {
            state: State {
                h: h.clone(),
                c: None,
            },
            quantities: vec![z, r, candidate, h],
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
        // [â_r, â_z] = h_{t−1}·U_rz
        weights.project(previous, 0..2, recurrent);
        let [r, z, n, rh] = saved.split::<4>();
        for b in 0..batch {
            let [xr, xz, _] = blocks::<3>(&x_proj[b * 3 * h..], h);
            let [ur, uz, _] = blocks::<3>(&recurrent[b * 3 * h..], h);
            let row = b * h..(b + 1) * h;
            let (r, z, rh, hp) = (
                &mut r[row.clone()],
                &mut z[row.clone()],
                &mut rh[row.clone()],
                &previous[row],
            );
            for j in 0..h {
                let rj = sigmoid(xr[j] + ur[j]);
                r[j] = rj;
                z[j] = sigmoid(xz[j] + uz[j]);
                rh[j] = rj * hp[j];
            }
        }
        // â_n = (r ⊙ h_{t−1})·U_h
        weights.project(rh, 2..3, recurrent);
        for b in 0..batch {
            let [_, _, x] = blocks::<3>(&x_proj[b * 3 * h..], h);
            let [_, _, u] = blocks::<3>(&recurrent[b * 3 * h..], h);
            let row = b * h..(b + 1) * h;
            let (z, n) = (&z[row.clone()], &mut n[row.clone()]);
            let (hp, out) = (&previous[row.clone()], &mut next[row]);
            for j in 0..h {
                let nj = tanh(x[j] + u[j]);
                n[j] = nj;
                out[j] = (1.0 - z[j]) * hp[j] + z[j] * nj;
            }
        }
    }

    fn backward(&self, step: BackwardStep) {
        let BackwardStep {
            d_state,
            previous,
            saved,
            d_x_proj,
            d_previous,
            scratch: d_reset_term,
            weights,
            ..
        } = step;
        let (batch, h) = (weights.batch, weights.hidden);
        let [r, z, n, _] = saved.get::<4>();
        for b in 0..batch {
            let row = b * h..(b + 1) * h;
            let (z, n, hp) = (&z[row.clone()], &n[row.clone()], &previous[row.clone()]);
            let (dh, dp) = (&d_state[row.clone()], &mut d_previous[row]);
            let [_, dxz, dxn] = blocks_mut::<3>(&mut d_x_proj[b * 3 * h..], h);
            for j in 0..h {
                // h = (1 − z)·h_{t−1} + z·h̃
                dxz[j] = dh[j] * (n[j] - hp[j]) * z[j] * (1.0 - z[j]);
                dxn[j] = dh[j] * z[j] * (1.0 - n[j] * n[j]);
                dp[j] = dh[j] * (1.0 - z[j]);
            }
        }
        // d(r ⊙ h_{t−1}) = da_n·U_hᵀ
        weights.project_back(d_x_proj, 2..3, d_reset_term, false);
        for b in 0..batch {
            let row = b * h..(b + 1) * h;
            let (r, hp) = (&r[row.clone()], &previous[row.clone()]);
            let (drh, dp) = (&d_reset_term[row.clone()], &mut d_previous[row]);
            let [dxr, _, _] = blocks_mut::<3>(&mut d_x_proj[b * 3 * h..], h);
            for j in 0..h {
                dxr[j] = drh[j] * hp[j] * r[j] * (1.0 - r[j]);
                dp[j] += drh[j] * r[j];
            }
        }
        // dh_{t−1} += [da_r, da_z]·U_rzᵀ
        weights.project_back(d_x_proj, 0..2, d_previous, true);
    }

    /// The forward step's equations for one unit: r is needed whole, since U_h reads r ⊙ h_{t−1}.
    fn explain(&self, u: &UnitInputs) -> Vec<Explained> {
        use Activation::{Sigmoid, Tanh};
        let gate = |k| {
            vec![
                u.input_term(k),
                u.recurrent_term(k, u.previous),
                u.input_bias(k),
            ]
        };
        let r = activated("r", "r", Sigmoid, gate(0));
        let z = activated("z", "z", Sigmoid, gate(1));
        let reset: Vec<f32> = u
            .gate_row(0)
            .iter()
            .zip(u.previous)
            .map(|(r, h)| r * h)
            .collect();
        let candidate = activated(
            "candidate",
            "h̃",
            Tanh,
            vec![
                u.input_term(2),
                u.recurrent_term(2, &reset),
                u.input_bias(2),
            ],
        );
        let (hp, zv, n) = (u.previous_state(), z.value, candidate.value);
        let h = update(
            "h",
            "h",
            format!(
                "(1 − {})·{} + {}·{}",
                number(zv),
                number(hp),
                number(zv),
                number(n)
            ),
            (1.0 - zv) * hp + zv * n,
        );
        vec![z, r, candidate, h]
    }
}
