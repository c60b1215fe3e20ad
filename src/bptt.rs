//! The fused training path: the whole model's forward pass and its backward pass through time
//! (BPTT, Werbos 1990, *Backpropagation Through Time: What It Does and How to Do It*), derived by hand
//! and run on the host with the SIMD kernels of [`crate::kernels`], for any cell. It computes exactly
//! what [`crate::model::RecurrentModel::forward`] and Burn's autodiff compute (the tests hold the two
//! within 1e-5 for outputs, every quantity and every gradient, every cell), without a tensor op per
//! gate per time step: one matrix product for the input projections of all time steps, one or two
//! per step for the recurrence, one per weight gradient over all steps, every buffer allocated once
//! per run.
//!
//! This module is the cell-agnostic driver: the time loop, the input projections, dropout between
//! layers, the head, and the weight gradients. Each cell's pointwise forward and backward step (and
//! the derivation of its backward) lives in its own file under [`crate::cells`].
//!
//! Every layer, every cell, with `x̂ = x·W + b` the input projection and `ĥ = h_{t−1}·U (+ b_h)` the
//! recurrent one (what multiplies each block of U is the cell's `recurrent_inputs`):
//! ```text
//! dW = Σ_t x_tᵀ·dx̂     db = Σ dx̂     dx = dx̂·Wᵀ     dU = Σ_t inputᵀ·dĥ     db_h = Σ dĥ
//! ```
//! Dropout between layers multiplies the gradient by the same mask as the forward pass. The gradients
//! go back to Burn as `GradientsParams` (see [`crate::train`]), so the model stays a Burn module
//! trained by Burn's Adam.

use crate::cells::{BackwardStep, CellKind, CellSpec, ForwardStep, FusedWeights, Planes, Source};
use crate::gradient_flow::{FlowSums, GradientFlow, LayerSums, gate_highway, sum_of_squares};
use crate::kernels::{Lhs, matmul};
use crate::params::{LayerParams, ModelParams, transpose_into};
use crate::state_dict::ModelShape;
use crate::trace::LayerGates;

/// What one layer's forward pass keeps for its backward pass, time-major (`[T, B, ·]`).
struct LayerTape {
    /// Input width I.
    input: usize,
    /// `[T·B, I]`: the layer's input (the layer below's output after dropout).
    inputs: Vec<f32>,
    /// `[T·B, G·H]`: `x̂ = x·W + b` in the forward pass; overwritten with `dx̂` by the backward pass.
    projected: Vec<f32>,
    /// `[K, T·B, H]`: the cell's saved planes.
    saved: Vec<f32>,
    /// `[(T+1)·B, H]`: `h_0` (the initial state), then `h_1 … h_T`.
    states: Vec<f32>,
    /// `[(T+1)·B, H]`: `c_0 … c_T` for cells with memory; empty otherwise.
    memory: Vec<f32>,
    /// `[T·B, G·H]`: `dĥ` for cells whose recurrent gradient differs from `dx̂`; empty otherwise.
    d_recurrent: Vec<f32>,
    /// `[G·H, I]` and `[G·H, H]`: the weights transposed, for `dx = dx̂·Wᵀ` and `dh = dĥ·Uᵀ`.
    w_input_t: Vec<f32>,
    w_hidden_t: Vec<f32>,
}

/// The fused forward and backward pass of a whole model over one batch, with every buffer it needs
/// (allocated once for up to `capacity` windows, reused every epoch; [`Tape::set_batch`] takes
/// fewer without allocating).
pub struct Tape {
    shape: ModelShape,
    capacity: usize,
    batch: usize,
    steps: usize,
    layers: Vec<LayerTape>,
    /// `[B]`.
    predictions: Vec<f32>,
    /// `[B, G·H]`: the recurrent projection of one step.
    recurrent: Vec<f32>,
    /// `[B, H]` each: `dh_t` carried backwards through time, `dh_{t−1}` being formed, `dc` carried
    /// (cells with memory), and the cells' scratch.
    d_state: Vec<f32>,
    d_previous: Vec<f32>,
    d_memory: Vec<f32>,
    d_memory_total: Vec<f32>,
    scratch: Vec<f32>,
    /// `[T·B, H]`: the gradient reaching the current layer's outputs.
    d_outputs: Vec<f32>,
    /// `[T·B]`: `dL/dx` of the model's input, when asked for.
    d_inputs: Vec<f32>,
    /// The last backward pass's gradient through time, as sums (squares taken where BPTT forms dh_t
    /// and dc_t).
    flow: FlowSums,
}

/// Buffer sizes of one layer's tape, in f32 values.
fn layer_sizes(spec: &CellSpec, input: usize, h: usize, batch: usize, steps: usize) -> [usize; 8] {
    let (rows, width) = (steps * batch, spec.blocks * h);
    let states = (steps + 1) * batch * h;
    [
        rows * input,
        rows * width,
        spec.saved * rows * h,
        states,
        if spec.memory { states } else { 0 },
        if spec.separate_recurrent_gradient {
            rows * width
        } else {
            0
        },
        width * input,
        width * h,
    ]
}

impl Tape {
    /// What [`Tape::new`] allocates, in bytes.
    pub fn bytes(shape: ModelShape, batch: usize, steps: usize) -> usize {
        let (spec, h, rows) = (shape.cell.spec(), shape.hidden, steps * batch);
        let layers: usize = (0..shape.layers)
            .map(|l| {
                layer_sizes(spec, shape.input_size(l), h, batch, steps)
                    .iter()
                    .sum::<usize>()
            })
            .sum();
        let shared = batch * (1 + spec.blocks * h + 5 * h) + rows * (h + shape.inputs);
        4 * (layers + shared)
    }

    /// Buffers for `batch` windows of `steps` values through a model of `shape`.
    pub fn new(shape: ModelShape, batch: usize, steps: usize) -> Tape {
        let (spec, h, rows) = (shape.cell.spec(), shape.hidden, steps * batch);
        let layers = (0..shape.layers)
            .map(|l| {
                let input = shape.input_size(l);
                let [
                    inputs,
                    projected,
                    saved,
                    states,
                    memory,
                    d_recurrent,
                    w_input_t,
                    w_hidden_t,
                ] = layer_sizes(spec, input, h, batch, steps).map(|n| vec![0.0; n]);
                LayerTape {
                    input,
                    inputs,
                    projected,
                    saved,
                    states,
                    memory,
                    d_recurrent,
                    w_input_t,
                    w_hidden_t,
                }
            })
            .collect();
        Tape {
            shape,
            capacity: batch,
            batch,
            steps,
            layers,
            predictions: vec![0.0; batch],
            recurrent: vec![0.0; batch * spec.blocks * h],
            d_state: vec![0.0; batch * h],
            d_previous: vec![0.0; batch * h],
            d_memory: vec![0.0; batch * h],
            d_memory_total: vec![0.0; if spec.memory { batch * h } else { 0 }],
            scratch: vec![0.0; batch * h],
            d_outputs: vec![0.0; rows * h],
            d_inputs: vec![0.0; rows * shape.inputs],
            flow: FlowSums::zeros(shape.layers, steps, spec.memory, spec.keep.is_some()),
        }
    }

    /// Windows the tape holds now.
    pub fn batch(&self) -> usize {
        self.batch
    }

    /// Takes `batch` windows (at most the capacity it was made for) from the next pass on, without
    /// allocating: every buffer shrinks or grows within the memory it already has.
    pub fn set_batch(&mut self, batch: usize) {
        assert!(
            batch <= self.capacity,
            "a tape for {} windows",
            self.capacity
        );
        if batch == self.batch {
            return;
        }
        let (spec, h, steps) = (self.shape.cell.spec(), self.shape.hidden, self.steps);
        for layer in &mut self.layers {
            let sizes = layer_sizes(spec, layer.input, h, batch, steps);
            let buffers = [
                &mut layer.inputs,
                &mut layer.projected,
                &mut layer.saved,
                &mut layer.states,
                &mut layer.memory,
                &mut layer.d_recurrent,
            ];
            for (buffer, size) in buffers.into_iter().zip(sizes) {
                buffer.resize(size, 0.0);
            }
        }
        let rows = steps * batch;
        self.predictions.resize(batch, 0.0);
        self.recurrent.resize(batch * spec.blocks * h, 0.0);
        for buffer in [&mut self.d_state, &mut self.d_previous, &mut self.d_memory] {
            buffer.resize(batch * h, 0.0);
        }
        if spec.memory {
            self.d_memory_total.resize(batch * h, 0.0);
        }
        self.scratch.resize(batch * h, 0.0);
        self.d_outputs.resize(rows * h, 0.0);
        self.d_inputs.resize(rows * self.shape.inputs, 0.0);
        self.batch = batch;
    }

    /// `GRUModel.forward` for `inputs: [B, T, I]` (batch-major, as the dataset stores them), from
    /// `initial`: h₀ `[L, B, H]` and, for cells with memory, c₀ (zeros when absent), with one
    /// inverted-dropout mask `[B, T, H]` per layer but the last (none in evaluation). Returns the
    /// predictions `[B]` and keeps every quantity for [`Tape::gates`] and [`Tape::backward`].
    pub fn forward(
        &mut self,
        params: &ModelParams,
        inputs: &[f32],
        initial: &[&[f32]],
        dropout_masks: &[Vec<f32>],
    ) -> &[f32] {
        assert_eq!(params.shape, self.shape, "parameters of another shape");
        let (b, steps, h) = (self.batch, self.steps, self.shape.hidden);
        let channels = self.shape.inputs;
        assert_eq!(
            inputs.len(),
            b * steps * channels,
            "inputs must be [B, T, I]"
        );
        let first = &mut self.layers[0].inputs;
        for s in 0..b {
            for t in 0..steps {
                let (to, from) = ((t * b + s) * channels, (s * steps + t) * channels);
                first[to..to + channels].copy_from_slice(&inputs[from..from + channels]);
            }
        }
        for l in 0..self.layers.len() {
            // This layer's h₀ and c₀ (each absent: zeros).
            let start = [0, 1].map(|k| initial.get(k).map(|s| &s[l * b * h..(l + 1) * b * h]));
            forward_layer(
                self.shape.cell,
                &params.layers[l],
                &mut self.layers[l],
                &mut self.recurrent,
                (b, steps, h),
                start,
            );
            if l + 1 < self.layers.len() {
                let (below, above) = self.layers.split_at_mut(l + 1);
                let outputs = &below[l].states[b * h..];
                let next = &mut above[0].inputs;
                match dropout_masks.get(l) {
                    Some(mask) => apply_mask(next, outputs, mask, b, steps, h),
                    None => next.copy_from_slice(outputs),
                }
            }
        }
        let last = self.layers.last().expect("at least one layer");
        let top = &last.states[steps * b * h..];
        for (s, prediction) in self.predictions.iter_mut().enumerate() {
            let state = &top[s * h..(s + 1) * h];
            *prediction = dot(state, &params.fc_weight) + params.fc_bias;
        }
        &self.predictions
    }

    /// The cell's quantities of window `sample` in every layer, from the last forward pass, each
    /// `[T][H]`, by the names of the cell's spec.
    pub fn gates(&self, sample: usize) -> Vec<LayerGates> {
        let (b, h, steps) = (self.batch, self.shape.hidden, self.steps);
        let plane = steps * b * h;
        let rows = |buffer: &[f32]| -> Vec<Vec<f32>> {
            (0..steps)
                .map(|t| buffer[(t * b + sample) * h..(t * b + sample + 1) * h].to_vec())
                .collect()
        };
        self.layers
            .iter()
            .map(|layer| {
                self.shape
                    .cell
                    .spec()
                    .quantities
                    .iter()
                    .map(|q| {
                        let buffer = match q.source {
                            Source::State => &layer.states[b * h..],
                            Source::Memory => &layer.memory[b * h..],
                            Source::Saved(k) => &layer.saved[k * plane..(k + 1) * plane],
                        };
                        (q.name.to_string(), rows(buffer))
                    })
                    .collect()
            })
            .collect()
    }

    /// The MSE loss of the last forward pass against `targets: [B]` and the gradient of every
    /// parameter (written into `grads`). With `input_gradient` also `dL/dx` (see [`Tape::d_inputs`]).
    /// The gradient through time of this pass is then [`Tape::gradient_flow`].
    pub fn backward(
        &mut self,
        params: &ModelParams,
        targets: &[f32],
        dropout_masks: &[Vec<f32>],
        grads: &mut ModelParams,
        input_gradient: bool,
    ) -> f64 {
        let batch = self.batch;
        let squared =
            self.backward_part(params, targets, dropout_masks, grads, input_gradient, batch);
        squared / batch as f64
    }

    /// [`Tape::backward`] for a part of a batch of `whole` windows (a shard, [`crate::shards`]): the
    /// gradients are this part's share of the whole batch's MSE, `dL/dŷ = 2(ŷ − y)/whole`, so the
    /// parts' gradients add up to the whole batch's. Returns this part's `Σ (ŷ − y)²`.
    pub fn backward_part(
        &mut self,
        params: &ModelParams,
        targets: &[f32],
        dropout_masks: &[Vec<f32>],
        grads: &mut ModelParams,
        input_gradient: bool,
        whole: usize,
    ) -> f64 {
        let (b, steps, h) = (self.batch, self.steps, self.shape.hidden);
        let width = self.shape.cell.spec().blocks * h;
        assert_eq!(targets.len(), b, "targets must be [B]");
        assert_eq!(grads.shape, self.shape, "gradients of another shape");
        // L = mean((ŷ − y)²), dL/dŷ = 2(ŷ − y)/B.
        let mut loss = 0.0f64;
        self.flow.count = b * h;
        let top = &self.layers.last().expect("at least one layer").states[steps * b * h..];
        grads.fc_weight.fill(0.0);
        grads.fc_bias = 0.0;
        self.d_outputs.fill(0.0);
        let d_last = &mut self.d_outputs[(steps - 1) * b * h..];
        for s in 0..b {
            let error = self.predictions[s] - targets[s];
            loss += error as f64 * error as f64;
            let d_prediction = 2.0 * error / whole as f32;
            grads.fc_bias += d_prediction;
            let state = &top[s * h..(s + 1) * h];
            for (g, v) in grads.fc_weight.iter_mut().zip(state) {
                *g += d_prediction * v;
            }
            for (d, w) in d_last[s * h..(s + 1) * h].iter_mut().zip(&params.fc_weight) {
                *d = d_prediction * w;
            }
        }
        for l in (0..self.layers.len()).rev() {
            let layer = &mut self.layers[l];
            let scratch = Scratch {
                d_state: &mut self.d_state,
                d_previous: &mut self.d_previous,
                d_memory: &mut self.d_memory,
                d_memory_total: &mut self.d_memory_total,
                scratch: &mut self.scratch,
            };
            backward_layer(
                self.shape.cell,
                &params.layers[l],
                layer,
                &self.d_outputs,
                scratch,
                &mut grads.layers[l],
                &mut self.flow.layers[l],
                (b, steps, h),
            );
            // dx = dx̂·Wᵀ: the gradient reaching the layer below (through its dropout mask), or the
            // model's input.
            let rows = steps * b;
            if l > 0 {
                matmul(
                    rows,
                    h,
                    width,
                    Lhs::rows(&layer.projected, width),
                    &layer.w_input_t,
                    h,
                    &mut self.d_outputs,
                    h,
                    false,
                );
                if let Some(mask) = dropout_masks.get(l - 1) {
                    mask_in_place(&mut self.d_outputs, mask, b, steps, h);
                }
            } else if input_gradient {
                let channels = self.shape.inputs;
                matmul(
                    rows,
                    channels,
                    width,
                    Lhs::rows(&layer.projected, width),
                    &layer.w_input_t,
                    channels,
                    &mut self.d_inputs,
                    channels,
                    false,
                );
            }
        }
        loss
    }

    /// The gradient through time of the last [`Tape::backward`]: per layer and step `‖∂L/∂h_t‖`
    /// (`‖∂L/∂c_t‖`) and the gate highway of that pass's forward ([`crate::gradient_flow`]).
    pub fn gradient_flow(&self) -> GradientFlow {
        self.flow.flow()
    }

    /// [`Tape::gradient_flow`] before its square roots and means, to add to other shards'.
    pub fn flow_sums(&self) -> &FlowSums {
        &self.flow
    }

    /// `dL/dx` of the model's input `[B, T, I]` (batch-major) from the last [`Tape::backward`] that
    /// asked for it.
    pub fn d_inputs(&self) -> Vec<f32> {
        let (b, steps, channels) = (self.batch, self.steps, self.shape.inputs);
        let mut out = vec![0.0; b * steps * channels];
        for t in 0..steps {
            for s in 0..b {
                let (from, to) = ((t * b + s) * channels, (s * steps + t) * channels);
                out[to..to + channels].copy_from_slice(&self.d_inputs[from..from + channels]);
            }
        }
        out
    }
}

/// Multiplies a time-major `[T·B, H]` buffer in place by a batch-major `[B, T, H]` mask.
fn mask_in_place(buffer: &mut [f32], mask: &[f32], b: usize, steps: usize, h: usize) {
    for t in 0..steps {
        for s in 0..b {
            let row = &mut buffer[(t * b + s) * h..(t * b + s + 1) * h];
            let m = &mask[(s * steps + t) * h..(s * steps + t + 1) * h];
            for (v, k) in row.iter_mut().zip(m) {
                *v *= k;
            }
        }
    }
}

/// `next = outputs ⊙ mask`, `outputs` time-major `[T·B, H]`, `mask` batch-major `[B, T, H]`.
fn apply_mask(next: &mut [f32], outputs: &[f32], mask: &[f32], b: usize, steps: usize, h: usize) {
    for t in 0..steps {
        for s in 0..b {
            let row = (t * b + s) * h..(t * b + s + 1) * h;
            let m = &mask[(s * steps + t) * h..(s * steps + t + 1) * h];
            for ((n, o), k) in next[row.clone()].iter_mut().zip(&outputs[row]).zip(m) {
                *n = o * k;
            }
        }
    }
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Every row of `rows × width` buffer `out` set to `bias`.
fn fill_rows(out: &mut [f32], bias: &[f32]) {
    for row in out.chunks_exact_mut(bias.len()) {
        row.copy_from_slice(bias);
    }
}

/// Column sums of a `[rows, width]` buffer (in f64, then rounded once).
fn column_sums(out: &mut [f32], data: &[f32], width: usize) {
    let mut sums = vec![0.0f64; width];
    for row in data.chunks_exact(width) {
        for (s, v) in sums.iter_mut().zip(row) {
            *s += *v as f64;
        }
    }
    for (o, s) in out.iter_mut().zip(sums) {
        *o = s as f32;
    }
}

/// Step `t`'s `[B, H]` rows of a `[(T+1)·B, H]` state buffer: `(s_t, s_{t+1})`, the second writable;
/// both empty for a buffer the cell does not use.
fn state_pair(buffer: &mut [f32], t: usize, bh: usize) -> (&[f32], &mut [f32]) {
    if buffer.is_empty() {
        return (&[], &mut []);
    }
    let (done, rest) = buffer.split_at_mut((t + 1) * bh);
    (&done[t * bh..], &mut rest[..bh])
}

/// One layer over all time steps: the input projections of every step in one product, then the
/// cell's forward step per time step.
fn forward_layer(
    cell: CellKind,
    params: &LayerParams,
    tape: &mut LayerTape,
    recurrent: &mut [f32],
    (b, steps, h): (usize, usize, usize),
    [h0, c0]: [Option<&[f32]>; 2],
) {
    let spec = cell.spec();
    let cell = cell.cell();
    let (width, rows, input, bh) = (spec.blocks * h, steps * b, tape.input, b * h);
    transpose_into(&mut tape.w_input_t, &params.w_input, input, width);
    transpose_into(&mut tape.w_hidden_t, &params.w_hidden, h, width);
    // x̂ = x·W + b for every time step in one product.
    fill_rows(&mut tape.projected, &params.b_input);
    matmul(
        rows,
        width,
        input,
        Lhs::rows(&tape.inputs, input),
        &params.w_input,
        width,
        &mut tape.projected,
        width,
        true,
    );
    for (buffer, start) in [(&mut tape.states, h0), (&mut tape.memory, c0)] {
        if !buffer.is_empty() {
            match start {
                Some(start) => buffer[..bh].copy_from_slice(start),
                None => buffer[..bh].fill(0.0),
            }
        }
    }
    let weights = FusedWeights {
        batch: b,
        hidden: h,
        blocks: spec.blocks,
        w_hidden: &params.w_hidden,
        w_hidden_t: &tape.w_hidden_t,
        b_hidden: params.b_hidden.as_deref(),
    };
    for t in 0..steps {
        let (previous, next) = state_pair(&mut tape.states, t, bh);
        let (memory_previous, memory_next) = state_pair(&mut tape.memory, t, bh);
        cell.forward(ForwardStep {
            x_proj: &tape.projected[t * b * width..(t + 1) * b * width],
            previous,
            next,
            memory_previous,
            memory_next,
            saved: Planes {
                data: &mut tape.saved,
                plane: rows * h,
                at: t * bh..(t + 1) * bh,
            },
            recurrent: &mut *recurrent,
            weights,
        });
    }
}

/// The backward pass's per-step buffers, borrowed from the [`Tape`].
struct Scratch<'a> {
    d_state: &'a mut [f32],
    d_previous: &'a mut [f32],
    d_memory: &'a mut [f32],
    d_memory_total: &'a mut [f32],
    scratch: &'a mut [f32],
}

/// BPTT through one layer: `d_outputs` `[T·B, H]` is the loss's gradient at the layer's outputs.
/// Leaves `dx̂` in `tape.projected`, the layer's parameter gradients in `grads` and its gradient
/// through time in `flow`.
#[allow(clippy::too_many_arguments)]
fn backward_layer(
    cell: CellKind,
    params: &LayerParams,
    tape: &mut LayerTape,
    d_outputs: &[f32],
    scratch: Scratch,
    grads: &mut LayerParams,
    flow: &mut LayerSums,
    (b, steps, h): (usize, usize, usize),
) {
    let spec = cell.spec();
    let cell = cell.cell();
    let (width, rows, bh) = (spec.blocks * h, steps * b, b * h);
    let Scratch {
        d_state,
        d_previous,
        d_memory,
        d_memory_total,
        scratch,
    } = scratch;
    let weights = FusedWeights {
        batch: b,
        hidden: h,
        blocks: spec.blocks,
        w_hidden: &params.w_hidden,
        w_hidden_t: &tape.w_hidden_t,
        b_hidden: params.b_hidden.as_deref(),
    };
    let memory_of = |t: usize| -> &[f32] {
        if tape.memory.is_empty() {
            &[]
        } else {
            &tape.memory[t * bh..(t + 1) * bh]
        }
    };
    d_state.fill(0.0);
    d_memory.fill(0.0);
    for t in (0..steps).rev() {
        for (d, o) in d_state.iter_mut().zip(&d_outputs[t * bh..(t + 1) * bh]) {
            *d += o;
        }
        // d_state is now the total dL/dh_t: from step t + 1 and from the layer above (or the head).
        flow.dh[t] = sum_of_squares(d_state);
        let d_recurrent: &mut [f32] = if spec.separate_recurrent_gradient {
            &mut tape.d_recurrent[t * b * width..(t + 1) * b * width]
        } else {
            &mut []
        };
        cell.backward(BackwardStep {
            d_state,
            d_memory: if spec.memory { &mut *d_memory } else { &mut [] },
            previous: &tape.states[t * bh..(t + 1) * bh],
            state: &tape.states[(t + 1) * bh..(t + 2) * bh],
            memory_previous: memory_of(t),
            memory: memory_of(t + 1),
            saved: Planes {
                data: &tape.saved,
                plane: rows * h,
                at: t * bh..(t + 1) * bh,
            },
            d_x_proj: &mut tape.projected[t * b * width..(t + 1) * b * width],
            d_recurrent,
            d_previous: &mut *d_previous,
            d_memory_total: &mut *d_memory_total,
            scratch: &mut *scratch,
            weights,
        });
        if let Some(dc) = &mut flow.dc {
            dc[t] = sum_of_squares(d_memory_total);
        }
        d_state.copy_from_slice(d_previous);
    }
    if let (Some(keep), Some(gate)) = (&mut flow.keep, &spec.keep) {
        let (_, plane) = gate.locate(spec);
        let gates = &tape.saved[plane * rows * h..(plane + 1) * rows * h];
        gate_highway(keep, bh, gate.complement, |t| &gates[t * bh..(t + 1) * bh]);
    }
    // Weight gradients over all steps at once: h_{t−1} for t = 1…T is states[0 .. T·B].
    let d_hat = if spec.separate_recurrent_gradient {
        &tape.d_recurrent
    } else {
        &tape.projected
    };
    for (blocks, source) in spec.recurrent_inputs {
        let lhs = match *source {
            Source::State => &tape.states[..rows * h],
            Source::Saved(k) => &tape.saved[k * rows * h..(k + 1) * rows * h],
            Source::Memory => unreachable!("no cell multiplies U by its cell state"),
        };
        let columns = blocks.start * h..blocks.end * h;
        matmul(
            h,
            columns.len(),
            rows,
            Lhs::transposed(lhs, h),
            &d_hat[columns.start..],
            width,
            &mut grads.w_hidden[columns.start..],
            width,
            false,
        );
    }
    if let Some(bias) = &mut grads.b_hidden {
        column_sums(bias, d_hat, width);
    }
    matmul(
        tape.input,
        width,
        rows,
        Lhs::transposed(&tape.inputs, tape.input),
        &tape.projected,
        width,
        &mut grads.w_input,
        width,
        false,
    );
    column_sums(&mut grads.b_input, &tape.projected, width);
}
