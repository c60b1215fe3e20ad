//! The recurrent cells and their registry. A cell is one file that reads like its paper: its
//! equations and the derivation of its backward pass in the doc comment, its readable step on Burn
//! tensors (the reference, and what WebGPU runs), and its fused forward and backward step on host
//! buffers, side by side (llm.c style). Everything the cells share lives here once: the [`CellSpec`]
//! that describes a cell to the rest of the lab (weight blocks, state-dict names, the quantities the
//! page draws), the readable recurrent projection, and the fused steps' buffers and recurrent
//! products. The time loop, the input projections of all steps, dropout, the head and the weight
//! gradients are cell-agnostic and live in [`crate::layer`], [`crate::model`] and [`crate::bptt`].
//!
//! Adding a cell: one new file implementing [`Cell`]; here, its `mod` line, its [`CellKind`] variant
//! (also listed in [`CellKind::ALL`]) and its line in the registry [`CellKind::cell`]. Nothing else in
//! the lab names a cell: the page, the CLI, the state dicts, the diagram and the heatmaps read the
//! [`CellSpec`].
//!
//! Every cell shares PyTorch's weight layout, transposed for `x · W`: `w_input` `[I, G·H]`,
//! `w_hidden` `[H, G·H]`, `b_input` `[G·H]` and, for all but the cho GRU, `b_hidden` `[G·H]`, with
//! the G gate blocks in PyTorch's row order.
//!
//! A fused step's pointwise loop runs over one window's row at a time. Where it writes more than a
//! few slices it lives in a function of its own (`forward_row`, `backward_row`) that takes every
//! slice it writes as a parameter: Rust marks `&mut` parameters `noalias`, so LLVM knows the writes
//! do not overlap and vectorises the loop. As slices local to one function they needed more
//! run-time overlap checks than LLVM makes, and the loop ran scalar (the 8×1 LSTM's epoch in V8:
//! 6.3 → 3.3 ms).

pub mod gru_cho;
pub mod gru_torch;
pub mod lstm;
pub mod picture;
pub mod rnn;
pub mod unit;

use crate::kernels::{Lhs, matmul};
use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// Which cell a model's layers run. The name is what URLs, the CLI, JSON and the JS API use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum CellKind {
    /// The tutorial's GRU equations (Cho et al. 2014), reset applied before the hidden matmul.
    #[default]
    Cho,
    /// `torch.nn.GRU`: reset applied after the hidden matmul, input and hidden biases.
    Pytorch,
    /// `torch.nn.LSTM` (Hochreiter & Schmidhuber 1997, forget gate of Gers et al. 2000).
    Lstm,
    /// `torch.nn.RNN` (Elman 1990, tanh).
    Rnn,
}

impl CellKind {
    /// Every cell, in the order the page lists them.
    pub const ALL: [CellKind; 4] = [
        CellKind::Cho,
        CellKind::Pytorch,
        CellKind::Lstm,
        CellKind::Rnn,
    ];

    /// The registry: the implementation of each cell.
    pub fn cell(self) -> &'static dyn Cell {
        match self {
            CellKind::Cho => &gru_cho::GruCho,
            CellKind::Pytorch => &gru_torch::GruTorch,
            CellKind::Lstm => &lstm::Lstm,
            CellKind::Rnn => &rnn::Rnn,
        }
    }

    /// The registry's other half: the description of each cell. A match of its own, not through
    /// [`CellKind::cell`]: code that reads only the specs (the GPU module's pass, `src/gpu`) then
    /// links none of the cells' steps on Burn tensors.
    pub fn spec(self) -> &'static CellSpec {
        match self {
            CellKind::Cho => &gru_cho::SPEC,
            CellKind::Pytorch => &gru_torch::SPEC,
            CellKind::Lstm => &lstm::SPEC,
            CellKind::Rnn => &rnn::SPEC,
        }
    }

    /// The name used in URLs, the CLI and JSON.
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// The cell called `name`, if any.
    pub fn from_name(name: &str) -> Option<CellKind> {
        CellKind::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The names of every cell, for messages: `"cho", "pytorch", "lstm" or "rnn"`.
    pub fn names() -> String {
        let quoted: Vec<String> = CellKind::ALL
            .iter()
            .map(|c| format!("\"{}\"", c.name()))
            .collect();
        let (last, rest) = quoted.split_last().expect("cells");
        format!("{} or {last}", rest.join(", "))
    }
}

/// What the rest of the lab needs to know about a cell.
#[derive(Debug)]
pub struct CellSpec {
    /// URL / CLI / JSON name.
    pub name: &'static str,
    /// The name a learner reads in the cell control, e.g. "GRU as in the tutorial (Cho et al. 2014)".
    pub title: &'static str,
    /// One sentence on what sets this cell apart (what its gates' high and low values do).
    pub about: &'static str,
    /// Its data flow in one step, as a picture ([`picture::Picture`], drawn by `cell_diagram.rs`).
    pub picture: &'static picture::Picture,
    /// The family's short name for layer boxes: "GRU", "LSTM", "RNN".
    pub short: &'static str,
    /// The attribute name of the recurrent module in PyTorch state dicts we write (`gru.weight_ih_l0`).
    pub module: &'static str,
    /// Gate blocks G in the weight matrices: `weight_ih_l{k}` is `[G·H, I]`.
    pub blocks: usize,
    /// Separate input and hidden biases (`bias_ih_l{k}`, `bias_hh_l{k}`); otherwise one `bias_l{k}`.
    pub hidden_bias: bool,
    /// A cell state c carried beside h (the LSTM's memory), with its own initial state c₀.
    pub memory: bool,
    /// Per-step `[B, H]` planes the fused forward step keeps for the backward step.
    pub saved: usize,
    /// What multiplies each block of `w_hidden` in the recurrent product, for the weight gradient
    /// `dU[:, blocks] = Σ_t inputᵀ · dĥ[:, blocks]`.
    pub recurrent_inputs: &'static [(Range<usize>, Source)],
    /// `dĥ ≠ dx̂`: the fused backward step writes the recurrent projection's gradient separately
    /// (the pytorch GRU's `r ⊙ ĥ_n`); otherwise the two are the same.
    pub separate_recurrent_gradient: bool,
    /// The gate that keeps the old state in the cell's update (for the gate highway of
    /// [`crate::gradient_flow`]); `None` for a cell without one (the plain RNN).
    pub keep: Option<KeepGate>,
    /// What the page draws per layer, step and unit, in drawing order.
    pub quantities: &'static [Quantity],
    /// The fused step for one window in WGSL, for the GPU pass ([`crate::gpu`]): the same forward
    /// and backward step as [`Cell::forward`] and [`Cell::backward`] with the batch taken away.
    /// Two functions over offsets into the window's tape (`at(o)` reads, `put(o, v)` writes; `H`
    /// units, blocks of H):
    /// `cell_forward(x_proj, previous, memory_previous, next, memory_next, saved, recurrent)` and
    /// `cell_backward(d_state, d_memory, previous, state, memory_previous, memory, saved, d_x_proj,
    /// d_recurrent, d_previous, d_memory_total, scratch)`, the arguments as in [`ForwardStep`] and
    /// [`BackwardStep`] (`saved` is plane 0 at this step, plane k at `saved + k·H`), with the
    /// driver's `project(source, first_block, end_block, out)` and `project_back(d, first_block,
    /// end_block, out, accumulate)` for the recurrent products, `sigmoid` and `tanh_`.
    pub wgsl: &'static str,
}

impl CellSpec {
    /// The quantity called `name`, if the cell has one.
    pub fn quantity(&self, name: &str) -> Option<&'static Quantity> {
        self.quantities.iter().find(|q| q.name == name)
    }
}

/// The gate whose value (or its complement) multiplies the previous state in the cell's update:
/// `h_t = k ⊙ h_{t−1} + …` (GRUs) or `c_t = k ⊙ c_{t−1} + …` (LSTM).
#[derive(Clone, Copy, Debug)]
pub struct KeepGate {
    /// The quantity's name in [`CellSpec::quantities`] (a saved plane in the fused tape).
    pub quantity: &'static str,
    /// The keep factor is `1 − gate` (the cho GRU's `1 − z`) rather than the gate itself.
    pub complement: bool,
}

impl KeepGate {
    /// The position of the gate in [`CellSpec::quantities`] and its saved plane in the fused tape.
    pub fn locate(&self, spec: &CellSpec) -> (usize, usize) {
        let index = spec
            .quantities
            .iter()
            .position(|q| q.name == self.quantity)
            .expect("a keep gate is one of the cell's quantities");
        match spec.quantities[index].source {
            Source::Saved(plane) => (index, plane),
            _ => panic!("a keep gate is a saved plane"),
        }
    }
}

/// Where a per-step quantity lives in the fused tape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The layer's hidden state h (the input of the recurrent product for most blocks).
    State,
    /// The LSTM's cell state c.
    Memory,
    /// Plane `k` of the cell's saved per-step values.
    Saved(usize),
}

/// One quantity the page draws: a gate, a candidate or a state.
#[derive(Debug)]
pub struct Quantity {
    /// Key in traces and JSON (`"z"`, `"candidate"`, `"c"`).
    pub name: &'static str,
    /// Symbol in the diagram (`"z"`, `"h̃"`, `"c"`).
    pub symbol: &'static str,
    /// Panel title, e.g. "forget gate f".
    pub title: &'static str,
    /// Its equation as the diagram and the equations panel print it.
    pub equation: &'static str,
    /// One line on what a high or low value means, written for this cell.
    pub meaning: &'static str,
    /// Value range: `(0, 1)` for sigmoid gates, `(−1, 1)` for tanh quantities, wider for c.
    pub range: (f32, f32),
    pub source: Source,
}

/// Every readable step's state: h, and c for cells with memory.
#[derive(Clone, Debug)]
pub struct State {
    /// `[B, H]`.
    pub h: Tensor<2>,
    /// `[B, H]`, cells with memory only.
    pub c: Option<Tensor<2>>,
}

/// A readable step's result: the new state and the cell's quantities in [`CellSpec::quantities`]
/// order, each `[B, H]`.
pub struct Step {
    pub state: State,
    pub quantities: Vec<Tensor<2>>,
}

/// The recurrent weights of a layer in the form the readable step uses, prepared once per sequence:
/// U (and b_h) cut into the column blocks of the cell's [`CellSpec::recurrent_inputs`], one part per
/// input (one part, all of U, for every cell but the cho GRU).
pub struct RecurrentWeights {
    pub hidden: usize,
    /// `[H, blocks·H]` per part.
    parts: Vec<Tensor<2>>,
    /// `[1, blocks·H]` per part, cells with a hidden bias only.
    biases: Vec<Tensor<2>>,
}

impl RecurrentWeights {
    /// `w_hidden` `[H, G·H]` and `b_hidden` `[G·H]` cut for `spec`.
    pub fn new(
        spec: &CellSpec,
        hidden: usize,
        w_hidden: Tensor<2>,
        b_hidden: Option<Tensor<1>>,
    ) -> RecurrentWeights {
        let columns = |blocks: &Range<usize>| (blocks.start * hidden, blocks.len() * hidden);
        let parts = spec
            .recurrent_inputs
            .iter()
            .map(|(blocks, _)| {
                let (start, len) = columns(blocks);
                w_hidden.clone().narrow(1, start, len)
            })
            .collect();
        let biases = b_hidden
            .map(|b| {
                spec.recurrent_inputs
                    .iter()
                    .map(|(blocks, _)| {
                        let (start, len) = columns(blocks);
                        b.clone().narrow(0, start, len).unsqueeze::<2>()
                    })
                    .collect()
            })
            .unwrap_or_default();
        RecurrentWeights {
            hidden,
            parts,
            biases,
        }
    }

    /// `ĥ = input · U_part + b_h,part`: the recurrent pre-activations of the blocks of recurrent
    /// input `part` (`[B, blocks·H]`; part 0 is every block for all cells but the cho GRU).
    pub fn project(&self, input: Tensor<2>, part: usize) -> Tensor<2> {
        let projected = input.matmul(self.parts[part].clone());
        match self.biases.get(part) {
            Some(b) => projected + b.clone(),
            None => projected,
        }
    }

    /// Block `k` (`[B, H]`) of a `[B, G·H]` tensor.
    pub fn block(&self, t: Tensor<2>, k: usize) -> Tensor<2> {
        t.narrow(1, k * self.hidden, self.hidden)
    }
}

/// A cell: its description, its readable step and its fused forward and backward steps.
pub trait Cell: Sync {
    /// One readable step on Burn tensors: `x_proj = x_t · W + b_input` is `[B, G·H]`. A cell with
    /// memory adds `memory_probe` (a zero leaf, `[B, H]`) to c_t where c_t is formed, before h_t reads
    /// it, so that its gradient is the total `∂L/∂c_t` ([`crate::layer`]'s probes); others ignore it.
    fn step(
        &self,
        x_proj: Tensor<2>,
        state: &State,
        weights: &RecurrentWeights,
        memory_probe: Option<Tensor<2>>,
    ) -> Step;

    /// One fused forward step over the whole batch (see [`ForwardStep`]).
    fn forward(&self, step: ForwardStep);

    /// The backward step of [`Cell::forward`] (see [`BackwardStep`]).
    fn backward(&self, step: BackwardStep);

    /// One unit's equations with its numbers substituted (the page's live equations), one per
    /// quantity in [`CellSpec::quantities`] order, each value recomputed from the weights.
    fn explain(&self, unit: &unit::UnitInputs) -> Vec<unit::Explained>;
}

/// A layer's recurrent weights on the host, and the recurrent products every fused cell uses.
#[derive(Clone, Copy)]
pub struct FusedWeights<'a> {
    pub batch: usize,
    pub hidden: usize,
    /// G.
    pub blocks: usize,
    /// `[H, G·H]`.
    pub w_hidden: &'a [f32],
    /// `[G·H, H]`: `w_hidden` transposed, for `dh = dĥ · Uᵀ`.
    pub w_hidden_t: &'a [f32],
    /// `[G·H]`.
    pub b_hidden: Option<&'a [f32]>,
}

impl FusedWeights<'_> {
    /// `out[:, blocks] = lhs · U[:, blocks] (+ b_h[blocks])`: `lhs` `[B, H]`, `out` `[B, G·H]`.
    pub fn project(&self, lhs: &[f32], blocks: Range<usize>, out: &mut [f32]) {
        let (h, width) = (self.hidden, self.blocks * self.hidden);
        let columns = blocks.start * h..blocks.end * h;
        let accumulate = match self.b_hidden {
            Some(bias) => {
                for row in out.chunks_exact_mut(width) {
                    row[columns.clone()].copy_from_slice(&bias[columns.clone()]);
                }
                true
            }
            None => false,
        };
        matmul(
            self.batch,
            columns.len(),
            h,
            Lhs::rows(lhs, h),
            &self.w_hidden[columns.start..],
            width,
            &mut out[columns.start..],
            width,
            accumulate,
        );
    }

    /// `out (+)= d[:, blocks] · U[:, blocks]ᵀ`: `d` `[B, G·H]`, `out` `[B, H]`.
    pub fn project_back(&self, d: &[f32], blocks: Range<usize>, out: &mut [f32], accumulate: bool) {
        let (h, width) = (self.hidden, self.blocks * self.hidden);
        matmul(
            self.batch,
            h,
            blocks.len() * h,
            Lhs::rows(&d[blocks.start * h..], width),
            &self.w_hidden_t[blocks.start * h * h..],
            h,
            out,
            h,
            accumulate,
        );
    }
}

/// The cell's saved planes at one step: plane `k` of `[K, T·B·H]`, rows `at`.
pub struct Planes<T> {
    pub data: T,
    /// `T·B·H`: the length of one plane.
    pub plane: usize,
    /// `t·B·H .. (t+1)·B·H`.
    pub at: Range<usize>,
}

impl Planes<&mut [f32]> {
    /// The first `K` planes at this step, `[B, H]` each, writable.
    pub fn split<const K: usize>(&mut self) -> [&mut [f32]; K] {
        let at = self.at.clone();
        let mut planes = self.data.chunks_exact_mut(self.plane);
        std::array::from_fn(|_| &mut planes.next().expect("saved plane")[at.clone()])
    }
}

impl<'a> Planes<&'a [f32]> {
    /// The first `K` planes at this step, `[B, H]` each.
    pub fn get<const K: usize>(&self) -> [&'a [f32]; K] {
        let data: &'a [f32] = self.data;
        let mut planes = data.chunks_exact(self.plane);
        std::array::from_fn(|_| &planes.next().expect("saved plane")[self.at.clone()])
    }
}

/// One fused forward step of a layer over the batch, all buffers row-major `[B, ·]`.
pub struct ForwardStep<'a> {
    /// `[B, G·H]`: `x̂ = x_t · W + b_input`.
    pub x_proj: &'a [f32],
    /// `[B, H]`: `h_{t−1}` in, `h_t` out.
    pub previous: &'a [f32],
    pub next: &'a mut [f32],
    /// `[B, H]`: `c_{t−1}` in, `c_t` out (cells with memory; empty otherwise).
    pub memory_previous: &'a [f32],
    pub memory_next: &'a mut [f32],
    /// The cell's saved planes at step t.
    pub saved: Planes<&'a mut [f32]>,
    /// `[B, G·H]` scratch for the recurrent product.
    pub recurrent: &'a mut [f32],
    pub weights: FusedWeights<'a>,
}

/// One fused backward step of a layer over the batch.
pub struct BackwardStep<'a> {
    /// `[B, H]`: `dL/dh_t`, from the layer above and from step t + 1.
    pub d_state: &'a [f32],
    /// `[B, H]`: `dL/dc_t` in (from step t + 1), `dL/dc_{t−1}` out (cells with memory; empty otherwise).
    pub d_memory: &'a mut [f32],
    /// `[B, H]`: `h_{t−1}`, `h_t`, `c_{t−1}`, `c_t` from the forward pass (c empty without memory).
    pub previous: &'a [f32],
    pub state: &'a [f32],
    pub memory_previous: &'a [f32],
    pub memory: &'a [f32],
    /// The cell's saved planes at step t.
    pub saved: Planes<&'a [f32]>,
    /// `[B, G·H]` out: `dx̂`, the gradient of the input projection's pre-activations.
    pub d_x_proj: &'a mut [f32],
    /// `[B, G·H]` out: `dĥ` when [`CellSpec::separate_recurrent_gradient`] (empty otherwise).
    pub d_recurrent: &'a mut [f32],
    /// `[B, H]` out: `dL/dh_{t−1}` (replaced, not accumulated).
    pub d_previous: &'a mut [f32],
    /// `[B, H]` out: the total `dL/dc_t` (from step t + 1 and through h_t), for the gradient-flow
    /// norms (cells with memory; empty otherwise).
    pub d_memory_total: &'a mut [f32],
    /// `[B, H]` scratch.
    pub scratch: &'a mut [f32],
    pub weights: FusedWeights<'a>,
}

/// `[a, b, …]`: the `G` blocks of `h` values at the start of a `[G·H]` row, as exact-length slices
/// (so the loops over them need no bounds checks and vectorise).
pub fn blocks<const G: usize>(row: &[f32], h: usize) -> [&[f32]; G] {
    std::array::from_fn(|k| &row[k * h..(k + 1) * h])
}

/// [`blocks`], writable.
pub fn blocks_mut<const G: usize>(row: &mut [f32], h: usize) -> [&mut [f32]; G] {
    let mut chunks = row.chunks_exact_mut(h);
    std::array::from_fn(|_| chunks.next().expect("G blocks"))
}
