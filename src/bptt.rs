//! The fused training path: the whole GRU model's forward pass and its backward pass through time
//! (BPTT, Werbos 1990, *Backpropagation Through Time: What It Does and How to Do It*), derived by hand
//! and run on the host with the SIMD kernels of [`crate::kernels`]. It computes exactly what
//! [`crate::model::GruModel::forward`] and Burn's autodiff compute (the tests hold the two within 1e-5
//! for outputs, gates and every gradient, both cells), without a tensor op per gate per time step:
//! one matrix product for the input projections of all time steps, one or two per step for the
//! recurrence, one per weight gradient over all steps, and every buffer allocated once per run.
//!
//! The gradients go back to Burn as `GradientsParams` (see [`crate::train`]), so the model stays a
//! Burn module trained by Burn's Adam.
//!
//! Notation as in `gru.rs`: `a_r, a_z, a_n` are the gates' pre-activations, `x̂ = x·W + b` the input
//! projection, `ĥ = h_{t−1}·U (+ b_h)` the recurrent one, and `d·` the loss's gradient.
//!
//! pytorch cell, from `h = (1 − z)·n + z·h_{t−1}`, `n = tanh(x̂_n + r·ĥ_n)`:
//! ```text
//! da_n = dh·(1 − z)·(1 − n²)        da_z = dh·(h_{t−1} − n)·z(1 − z)        da_r = da_n·ĥ_n·r(1 − r)
//! dx̂ = [da_r, da_z, da_n]           dĥ = [da_r, da_z, da_n·r]
//! dh_{t−1} = dh·z + dĥ·Uᵀ           dU = Σ_t h_{t−1}ᵀ·dĥ     db_h = Σ dĥ
//! ```
//! cho cell, from `h = (1 − z)·h_{t−1} + z·h̃`, `h̃ = tanh(x̂_n + (r·h_{t−1})·U_h)`:
//! ```text
//! da_n = dh·z·(1 − h̃²)              da_z = dh·(h̃ − h_{t−1})·z(1 − z)
//! d(r·h_{t−1}) = da_n·U_hᵀ          da_r = d(r·h_{t−1})·h_{t−1}·r(1 − r)
//! dh_{t−1} = dh·(1 − z) + d(r·h_{t−1})·r + [da_r, da_z]·U_rzᵀ
//! dU_rz = Σ_t h_{t−1}ᵀ·[da_r, da_z]   dU_h = Σ_t (r·h_{t−1})ᵀ·da_n
//! ```
//! Both cells, every layer: `dW = Σ_t x_tᵀ·dx̂`, `db = Σ dx̂`, `dx = dx̂·Wᵀ`; dropout between layers
//! multiplies the gradient by the same mask as the forward pass.

use crate::config::CellKind;
use crate::gru::{LayerGates, transpose};
use crate::kernels::{Lhs, matmul, sigmoid, tanh};
use crate::model::ModelShape;
use crate::params::{LayerParams, ModelParams, input_size};

/// What one layer's forward pass keeps for its backward pass, time-major (`[T, B, ·]`).
struct LayerTape {
    /// Input width I.
    input: usize,
    /// `[T·B, I]`: the layer's input (the layer below's output after dropout).
    inputs: Vec<f32>,
    /// `[T·B, 3H]`: `x̂ = x·W + b` in the forward pass; overwritten with `dx̂` by the backward pass.
    projected: Vec<f32>,
    /// `[T·B, H]` each: the gates.
    r: Vec<f32>,
    z: Vec<f32>,
    candidate: Vec<f32>,
    /// `[(T+1)·B, H]`: `h_0` (the initial state), then `h_1 … h_T`.
    states: Vec<f32>,
    /// `[T·B, H]`: pytorch `ĥ_n = h_{t−1}·U_n + b_hn`; cho `r ⊙ h_{t−1}`.
    reset_term: Vec<f32>,
    /// `[3H, I]` and `[3H, H]`: the weights transposed, for `dx = dx̂·Wᵀ` and `dh = dĥ·Uᵀ`.
    w_input_t: Vec<f32>,
    w_hidden_t: Vec<f32>,
}

/// The fused forward and backward pass of a whole model over one batch, with every buffer it needs
/// (allocated once, reused every epoch).
pub struct Tape {
    shape: ModelShape,
    batch: usize,
    steps: usize,
    layers: Vec<LayerTape>,
    /// `[B]`.
    predictions: Vec<f32>,
    /// `[B, 3H]`: the recurrent projection of one step.
    recurrent: Vec<f32>,
    /// `[B, H]` twice: `dh_t` carried backwards through time, and `dh_{t−1}` being formed.
    d_state: Vec<f32>,
    d_previous: Vec<f32>,
    /// `[B, H]`: cho's `d(r ⊙ h_{t−1})`.
    d_reset_term: Vec<f32>,
    /// `[T·B, 3H]`: pytorch's `dĥ` for all steps.
    d_recurrent: Vec<f32>,
    /// `[T·B, H]`: the gradient reaching the current layer's outputs.
    d_outputs: Vec<f32>,
    /// `[T·B]`: `dL/dx` of the model's input, when asked for.
    d_inputs: Vec<f32>,
}

impl Tape {
    /// What [`Tape::new`] allocates, in bytes.
    pub fn bytes(shape: ModelShape, batch: usize, steps: usize) -> usize {
        let (h, rows) = (shape.hidden, steps * batch);
        let per_layer = |input: usize| rows * (input + 3 * h + 4 * h) + (steps + 1) * batch * h;
        let layers: usize = (0..shape.layers).map(|l| per_layer(input_size(l, h))).sum();
        let shared = rows * (h + 1) + batch * (3 * h + 3 * h + 1);
        let pytorch = if shape.cell == CellKind::Pytorch {
            rows * 3 * h
        } else {
            0
        };
        4 * (layers + shared + pytorch)
    }

    /// Buffers for `batch` windows of `steps` values through a model of `shape`.
    pub fn new(shape: ModelShape, batch: usize, steps: usize) -> Tape {
        let (h, rows) = (shape.hidden, steps * batch);
        let layers = (0..shape.layers)
            .map(|l| {
                let input = input_size(l, h);
                LayerTape {
                    input,
                    inputs: vec![0.0; rows * input],
                    projected: vec![0.0; rows * 3 * h],
                    r: vec![0.0; rows * h],
                    z: vec![0.0; rows * h],
                    candidate: vec![0.0; rows * h],
                    states: vec![0.0; (steps + 1) * batch * h],
                    reset_term: vec![0.0; rows * h],
                    w_input_t: vec![0.0; 3 * h * input],
                    w_hidden_t: vec![0.0; 3 * h * h],
                }
            })
            .collect();
        Tape {
            shape,
            batch,
            steps,
            layers,
            predictions: vec![0.0; batch],
            recurrent: vec![0.0; batch * 3 * h],
            d_state: vec![0.0; batch * h],
            d_previous: vec![0.0; batch * h],
            d_reset_term: vec![0.0; batch * h],
            d_recurrent: if shape.cell == CellKind::Pytorch {
                vec![0.0; rows * 3 * h]
            } else {
                Vec::new()
            },
            d_outputs: vec![0.0; rows * h],
            d_inputs: vec![0.0; rows],
        }
    }

    /// `GRUModel.forward` for `inputs: [B, T, 1]` (batch-major, as the dataset stores them), from
    /// `h0: [L, B, H]` (zeros when `None`), with one inverted-dropout mask `[B, T, H]` per layer but the
    /// last (none in evaluation). Returns the predictions `[B]` and keeps every gate for
    /// [`Tape::gates`] and [`Tape::backward`].
    pub fn forward(
        &mut self,
        params: &ModelParams,
        inputs: &[f32],
        h0: Option<&[f32]>,
        dropout_masks: &[Vec<f32>],
    ) -> &[f32] {
        assert_eq!(params.shape, self.shape, "parameters of another shape");
        let (b, steps, h) = (self.batch, self.steps, self.shape.hidden);
        assert_eq!(inputs.len(), b * steps, "inputs must be [B, T, 1]");
        let first = &mut self.layers[0].inputs;
        for s in 0..b {
            for t in 0..steps {
                first[t * b + s] = inputs[s * steps + t];
            }
        }
        for l in 0..self.layers.len() {
            let start = h0.map(|h0| &h0[l * b * h..(l + 1) * b * h]);
            forward_layer(
                self.shape.cell,
                &params.layers[l],
                &mut self.layers[l],
                &mut self.recurrent,
                b,
                steps,
                h,
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

    /// The gates of window `sample` in every layer, from the last forward pass, each `[T][H]`.
    pub fn gates(&self, sample: usize) -> Vec<LayerGates> {
        let (b, h) = (self.batch, self.shape.hidden);
        let rows = |buffer: &[f32]| -> Vec<Vec<f32>> {
            (0..self.steps)
                .map(|t| buffer[(t * b + sample) * h..(t * b + sample + 1) * h].to_vec())
                .collect()
        };
        self.layers
            .iter()
            .map(|layer| LayerGates {
                r: rows(&layer.r),
                z: rows(&layer.z),
                candidate: rows(&layer.candidate),
                h: rows(&layer.states[b * h..]),
            })
            .collect()
    }

    /// The MSE loss of the last forward pass against `targets: [B]` and the gradient of every
    /// parameter (written into `grads`). With `input_gradient` also `dL/dx` (see [`Tape::d_inputs`]).
    pub fn backward(
        &mut self,
        params: &ModelParams,
        targets: &[f32],
        dropout_masks: &[Vec<f32>],
        grads: &mut ModelParams,
        input_gradient: bool,
    ) -> f64 {
        let (b, steps, h) = (self.batch, self.steps, self.shape.hidden);
        assert_eq!(targets.len(), b, "targets must be [B]");
        assert_eq!(grads.shape, self.shape, "gradients of another shape");
        // L = mean((ŷ − y)²), dL/dŷ = 2(ŷ − y)/B.
        let mut loss = 0.0f64;
        let top = &self.layers.last().expect("at least one layer").states[steps * b * h..];
        grads.fc_weight.fill(0.0);
        grads.fc_bias = 0.0;
        self.d_outputs.fill(0.0);
        let d_last = &mut self.d_outputs[(steps - 1) * b * h..];
        for s in 0..b {
            let error = self.predictions[s] - targets[s];
            loss += error as f64 * error as f64;
            let d_prediction = 2.0 * error / b as f32;
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
                d_reset_term: &mut self.d_reset_term,
                d_recurrent: &mut self.d_recurrent,
            };
            backward_layer(
                self.shape.cell,
                layer,
                &self.d_outputs,
                scratch,
                &mut grads.layers[l],
                b,
                steps,
                h,
            );
            // dx = dx̂·Wᵀ: the gradient reaching the layer below (through its dropout mask), or the
            // model's input.
            let rows = steps * b;
            if l > 0 {
                matmul(
                    rows,
                    h,
                    3 * h,
                    Lhs::rows(&layer.projected, 3 * h),
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
                matmul(
                    rows,
                    1,
                    3 * h,
                    Lhs::rows(&layer.projected, 3 * h),
                    &layer.w_input_t,
                    1,
                    &mut self.d_inputs,
                    1,
                    false,
                );
            }
        }
        loss / b as f64
    }

    /// `dL/dx` of the model's input `[B, T]` (batch-major) from the last [`Tape::backward`] that
    /// asked for it.
    pub fn d_inputs(&self) -> Vec<f32> {
        transpose(&self.d_inputs, self.steps, self.batch)
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

/// The r, z and n blocks (`h` values each) at the start of `row`: exact-length slices, so the loops
/// over them need no bounds checks and vectorise.
fn blocks(row: &[f32], h: usize) -> [&[f32]; 3] {
    let (r, rest) = row.split_at(h);
    let (z, rest) = rest.split_at(h);
    [r, z, &rest[..h]]
}

/// [`blocks`], writable.
fn blocks_mut(row: &mut [f32], h: usize) -> [&mut [f32]; 3] {
    let (r, rest) = row.split_at_mut(h);
    let (z, rest) = rest.split_at_mut(h);
    [r, z, &mut rest[..h]]
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

/// One layer over all time steps (see the module's equations).
#[allow(clippy::too_many_arguments)]
fn forward_layer(
    cell: CellKind,
    params: &LayerParams,
    tape: &mut LayerTape,
    recurrent: &mut [f32],
    b: usize,
    steps: usize,
    h: usize,
    h0: Option<&[f32]>,
) {
    let (three, rows, input) = (3 * h, steps * b, tape.input);
    tape.w_input_t = transpose(&params.w_input, input, three);
    tape.w_hidden_t = transpose(&params.w_hidden, h, three);
    // x̂ = x·W + b for every time step in one product.
    fill_rows(&mut tape.projected, &params.b_input);
    matmul(
        rows,
        three,
        input,
        Lhs::rows(&tape.inputs, input),
        &params.w_input,
        three,
        &mut tape.projected,
        three,
        true,
    );
    match h0 {
        Some(h0) => tape.states[..b * h].copy_from_slice(h0),
        None => tape.states[..b * h].fill(0.0),
    }
    for t in 0..steps {
        let (done, rest) = tape.states.split_at_mut((t + 1) * b * h);
        let previous = &done[t * b * h..];
        let next = &mut rest[..b * h];
        let at = t * b * h..(t + 1) * b * h;
        let projected = &tape.projected[t * b * three..(t + 1) * b * three];
        let (r, z, candidate, reset_term) = (
            &mut tape.r[at.clone()],
            &mut tape.z[at.clone()],
            &mut tape.candidate[at.clone()],
            &mut tape.reset_term[at],
        );
        match cell {
            CellKind::Pytorch => {
                // ĥ = h_{t−1}·U + b_h, all three blocks.
                match &params.b_hidden {
                    Some(bias) => fill_rows(recurrent, bias),
                    None => recurrent.fill(0.0),
                }
                matmul(
                    b,
                    three,
                    h,
                    Lhs::rows(previous, h),
                    &params.w_hidden,
                    three,
                    recurrent,
                    three,
                    true,
                );
                for s in 0..b {
                    let [xr, xz, xn] = blocks(&projected[s * three..], h);
                    let [ur, uz, un] = blocks(&recurrent[s * three..], h);
                    let row = s * h..(s + 1) * h;
                    let (r, z, n, hn) = (
                        &mut r[row.clone()],
                        &mut z[row.clone()],
                        &mut candidate[row.clone()],
                        &mut reset_term[row.clone()],
                    );
                    let (hp, out) = (&previous[row.clone()], &mut next[row]);
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
            }
            CellKind::Cho => {
                // [â_r, â_z] = h_{t−1}·U_rz, then the candidate sees (r ⊙ h_{t−1})·U_h.
                matmul(
                    b,
                    2 * h,
                    h,
                    Lhs::rows(previous, h),
                    &params.w_hidden,
                    three,
                    recurrent,
                    three,
                    false,
                );
                for s in 0..b {
                    let [xr, xz, _] = blocks(&projected[s * three..], h);
                    let [ur, uz, _] = blocks(&recurrent[s * three..], h);
                    let row = s * h..(s + 1) * h;
                    let (r, z, rh) = (
                        &mut r[row.clone()],
                        &mut z[row.clone()],
                        &mut reset_term[row.clone()],
                    );
                    let hp = &previous[row];
                    for j in 0..h {
                        let rj = sigmoid(xr[j] + ur[j]);
                        r[j] = rj;
                        z[j] = sigmoid(xz[j] + uz[j]);
                        rh[j] = rj * hp[j];
                    }
                }
                matmul(
                    b,
                    h,
                    h,
                    Lhs::rows(reset_term, h),
                    &params.w_hidden[2 * h..],
                    three,
                    &mut recurrent[2 * h..],
                    three,
                    false,
                );
                for s in 0..b {
                    let [_, _, x] = blocks(&projected[s * three..], h);
                    let [_, _, u] = blocks(&recurrent[s * three..], h);
                    let row = s * h..(s + 1) * h;
                    let (z, n) = (&z[row.clone()], &mut candidate[row.clone()]);
                    let (hp, out) = (&previous[row.clone()], &mut next[row]);
                    for j in 0..h {
                        let nj = tanh(x[j] + u[j]);
                        n[j] = nj;
                        out[j] = (1.0 - z[j]) * hp[j] + z[j] * nj;
                    }
                }
            }
        }
    }
}

/// The backward pass's per-step buffers, borrowed from the [`Tape`].
struct Scratch<'a> {
    d_state: &'a mut [f32],
    d_previous: &'a mut [f32],
    d_reset_term: &'a mut [f32],
    d_recurrent: &'a mut [f32],
}

/// BPTT through one layer: `d_outputs` `[T·B, H]` is the loss's gradient at the layer's outputs.
/// Leaves `dx̂` in `tape.projected` and the layer's parameter gradients in `grads`.
#[allow(clippy::too_many_arguments)]
fn backward_layer(
    cell: CellKind,
    tape: &mut LayerTape,
    d_outputs: &[f32],
    scratch: Scratch,
    grads: &mut LayerParams,
    b: usize,
    steps: usize,
    h: usize,
) {
    let (three, rows) = (3 * h, steps * b);
    let Scratch {
        d_state,
        d_previous,
        d_reset_term,
        d_recurrent,
    } = scratch;
    d_state.fill(0.0);
    for t in (0..steps).rev() {
        let at = t * b * h..(t + 1) * b * h;
        let (r, z, n, reset_term) = (
            &tape.r[at.clone()],
            &tape.z[at.clone()],
            &tape.candidate[at.clone()],
            &tape.reset_term[at.clone()],
        );
        let previous = &tape.states[at.clone()];
        let d_projected = &mut tape.projected[t * b * three..(t + 1) * b * three];
        for (d, o) in d_state.iter_mut().zip(&d_outputs[at]) {
            *d += o;
        }
        match cell {
            CellKind::Pytorch => {
                let d_hat = &mut d_recurrent[t * b * three..(t + 1) * b * three];
                for s in 0..b {
                    let row = s * h..(s + 1) * h;
                    let (r, z, n, hn, hp) = (
                        &r[row.clone()],
                        &z[row.clone()],
                        &n[row.clone()],
                        &reset_term[row.clone()],
                        &previous[row.clone()],
                    );
                    let dh = &d_state[row.clone()];
                    let dp = &mut d_previous[row];
                    let [dxr, dxz, dxn] = blocks_mut(&mut d_projected[s * three..], h);
                    let [dur, duz, dun] = blocks_mut(&mut d_hat[s * three..], h);
                    for j in 0..h {
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
                // dh_{t−1} += dĥ·Uᵀ
                matmul(
                    b,
                    h,
                    three,
                    Lhs::rows(d_hat, three),
                    &tape.w_hidden_t,
                    h,
                    d_previous,
                    h,
                    true,
                );
            }
            CellKind::Cho => {
                for s in 0..b {
                    let row = s * h..(s + 1) * h;
                    let (z, n, hp) = (&z[row.clone()], &n[row.clone()], &previous[row.clone()]);
                    let dh = &d_state[row.clone()];
                    let dp = &mut d_previous[row];
                    let [_, dxz, dxn] = blocks_mut(&mut d_projected[s * three..], h);
                    for j in 0..h {
                        dxz[j] = dh[j] * (n[j] - hp[j]) * z[j] * (1.0 - z[j]);
                        dxn[j] = dh[j] * z[j] * (1.0 - n[j] * n[j]);
                        dp[j] = dh[j] * (1.0 - z[j]);
                    }
                }
                // d(r ⊙ h_{t−1}) = da_n·U_hᵀ
                matmul(
                    b,
                    h,
                    h,
                    Lhs::rows(&d_projected[2 * h..], three),
                    &tape.w_hidden_t[2 * h * h..],
                    h,
                    d_reset_term,
                    h,
                    false,
                );
                for s in 0..b {
                    let row = s * h..(s + 1) * h;
                    let (r, hp) = (&r[row.clone()], &previous[row.clone()]);
                    let drh = &d_reset_term[row.clone()];
                    let dp = &mut d_previous[row];
                    let [dxr, _, _] = blocks_mut(&mut d_projected[s * three..], h);
                    for j in 0..h {
                        dxr[j] = drh[j] * hp[j] * r[j] * (1.0 - r[j]);
                        dp[j] += drh[j] * r[j];
                    }
                }
                // dh_{t−1} += [da_r, da_z]·U_rzᵀ
                matmul(
                    b,
                    h,
                    2 * h,
                    Lhs::rows(d_projected, three),
                    &tape.w_hidden_t,
                    h,
                    d_previous,
                    h,
                    true,
                );
            }
        }
        d_state.copy_from_slice(d_previous);
    }
    // Weight gradients over all steps at once: h_{t−1} for t = 1…T is states[0 .. T·B].
    let previous = Lhs::transposed(&tape.states[..rows * h], h);
    match cell {
        CellKind::Pytorch => {
            matmul(
                h,
                three,
                rows,
                previous,
                d_recurrent,
                three,
                &mut grads.w_hidden,
                three,
                false,
            );
            if let Some(bias) = &mut grads.b_hidden {
                column_sums(bias, d_recurrent, three);
            }
        }
        CellKind::Cho => {
            matmul(
                h,
                2 * h,
                rows,
                previous,
                &tape.projected,
                three,
                &mut grads.w_hidden,
                three,
                false,
            );
            matmul(
                h,
                h,
                rows,
                Lhs::transposed(&tape.reset_term, h),
                &tape.projected[2 * h..],
                three,
                &mut grads.w_hidden[2 * h..],
                three,
                false,
            );
        }
    }
    matmul(
        tape.input,
        three,
        rows,
        Lhs::transposed(&tape.inputs, tape.input),
        &tape.projected,
        three,
        &mut grads.w_input,
        three,
        false,
    );
    column_sums(&mut grads.b_input, &tape.projected, three);
}
