//! One recurrent layer on Burn tensors, for any cell: its weights, the input projections of all time
//! steps in one product, and the time loop over the cell's readable step ([`crate::cells::Cell::step`]),
//! recording the cell's quantities for the page on request. Under Burn's autodiff this is the
//! reference the fused path is held to, and what runs on WebGPU.
//!
//! For the gradient through time ([`crate::gradient_flow`]) the layer can *probe* its states: each
//! `h_t` becomes `h_t + p_t` with `p_t` a zero leaf that requires its gradient, and the sum is what
//! the next step, the layer above and the head read (the cell adds its own probe to `c_t` where it
//! forms it, before `h_t` reads it). Then `∂L/∂p_t` is the total `∂L/∂h_t`, which Burn's autodiff
//! keeps for leaves (it keeps no gradient of intermediate tensors).

use crate::cells::{CellKind, RecurrentWeights, State};
use crate::params::LayerParams;
use burn::module::{Module, Param};
use burn::tensor::{Int, Tensor, TensorData};

/// One layer's weights in PyTorch's layout transposed for `x · W`; G is the cell's block count.
#[derive(Module, Debug)]
pub struct RecurrentLayer {
    /// `[I, G·H]` (PyTorch's `weight_ih_l{k}` transposed).
    pub w_input: Param<Tensor<2>>,
    /// `[H, G·H]` (PyTorch's `weight_hh_l{k}` transposed).
    pub w_hidden: Param<Tensor<2>>,
    /// `[G·H]`: `bias_ih_l{k}` (or the cho cell's single `bias_l{k}`).
    pub b_input: Param<Tensor<1>>,
    /// `[G·H]`: `bias_hh_l{k}`, cells with a hidden bias only.
    pub b_hidden: Option<Param<Tensor<1>>>,
    pub hidden: usize,
    #[module(skip)]
    pub cell: CellKind,
}

/// What [`RecurrentLayer::forward`] returns.
pub struct LayerOutput {
    /// Every step's hidden state `[B, T, H]`.
    pub outputs: Tensor<3>,
    /// The recorded quantities, one `[T, S, H]` tensor each in the cell's order, when asked for.
    pub recording: Option<Vec<Tensor<3>>>,
    /// When probing: per step the zero leaves added to h_t (and c_t), whose gradients are the total
    /// `∂L/∂h_t` (`∂L/∂c_t`); empty otherwise.
    pub probes: Vec<State>,
    /// When probing a cell with a keep gate: the gate highway `[T]` (no autodiff).
    pub keep: Option<Tensor<1>>,
}

impl RecurrentLayer {
    /// Builds a layer on `device` from host parameters in its own layout.
    pub fn from_params(
        cell: CellKind,
        input: usize,
        hidden: usize,
        params: &LayerParams,
        device: &burn::tensor::Device,
    ) -> RecurrentLayer {
        let width = cell.spec().blocks * hidden;
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
        RecurrentLayer {
            w_input: param(&params.w_input, [input, width], device),
            w_hidden: param(&params.w_hidden, [hidden, width], device),
            b_input: param(&params.b_input, [width], device),
            b_hidden: params
                .b_hidden
                .as_deref()
                .map(|b| param(b, [width], device)),
            hidden,
            cell,
        }
    }

    /// Runs the layer over a whole sequence `xs: [B, T, I]` from `start` (h₀, and c₀ for cells with
    /// memory), returning every step's hidden state `[B, T, H]`. With `record` the cell's quantities
    /// of those sample rows are kept, one `[T, S, H]` tensor per quantity in the cell's order. With
    /// `probe` the states are probed for the gradient through time (see the module's doc).
    pub fn forward(
        &self,
        xs: Tensor<3>,
        start: State,
        record: Option<&Tensor<1, Int>>,
        probe: bool,
    ) -> LayerOutput {
        let [batch, steps, input] = xs.dims();
        let xs_device = xs.device();
        let (cell, spec) = (self.cell.cell(), self.cell.spec());
        let memory = spec.memory;
        let width = spec.blocks * self.hidden;
        // The input projections of all time steps in one matmul: [B·T, I] · [I, G·H].
        let projected = xs
            .reshape([batch * steps, input])
            .matmul(self.w_input.val())
            + self.b_input.val().unsqueeze::<2>();
        let projected = projected.reshape([batch, steps, width]);
        let weights = RecurrentWeights::new(
            spec,
            self.hidden,
            self.w_hidden.val(),
            self.b_hidden.as_ref().map(|b| b.val()),
        );
        let mut state = start;
        let mut outputs = Vec::with_capacity(steps);
        let mut recorded: Vec<Vec<Tensor<2>>> = vec![Vec::new(); spec.quantities.len()];
        let mut probes = Vec::new();
        // Where the keep gate sits among the step's quantities (found once), and whether it keeps by
        // its complement.
        let keep_index = spec
            .keep
            .filter(|_| probe)
            .map(|gate| (gate.locate(spec).0, gate.complement));
        let mut keep_gates = Vec::new();
        for t in 0..steps {
            let x_proj = projected.clone().narrow(1, t, 1).reshape([batch, width]);
            let leaf = || Tensor::zeros([batch, self.hidden], &xs_device).require_grad();
            let memory_probe = (probe && memory).then(leaf);
            let mut step = cell.step(x_proj, &state, &weights, memory_probe.clone());
            if let Some((index, _)) = keep_index {
                keep_gates.push(step.quantities[index].clone().inner());
            }
            if let Some(rows) = record {
                for (slot, value) in recorded.iter_mut().zip(step.quantities) {
                    slot.push(value.select(0, rows.clone()));
                }
            }
            if probe {
                // h_t + p_t is what the next step, the layer above and the head read.
                let h_probe = leaf();
                step.state.h = step.state.h + h_probe.clone();
                probes.push(State {
                    h: h_probe,
                    c: memory_probe,
                });
            }
            outputs.push(step.state.h.clone());
            state = step.state;
        }
        let recording = record.map(|_| {
            recorded
                .into_iter()
                .map(|steps| Tensor::stack::<3>(steps, 0))
                .collect()
        });
        let keep = keep_index.map(|(_, complement)| gate_highway(keep_gates, complement));
        LayerOutput {
            outputs: Tensor::stack::<3>(outputs, 1),
            recording,
            probes,
            keep,
        }
    }
}

/// The gate highway `[T]` of [`crate::gradient_flow`] from each step's keep gate `[B, H]`:
/// `keep[t] = mean ∏_{s>t} k_s`, k = `1 − gate` when `complement`.
fn gate_highway(gates: Vec<Tensor<2>>, complement: bool) -> Tensor<1> {
    let mut survive: Option<Tensor<2>> = None;
    let mut keep = Vec::with_capacity(gates.len());
    for gate in gates.into_iter().rev() {
        let k = if complement { gate.neg() + 1.0 } else { gate };
        keep.push(match &survive {
            Some(s) => s.clone().mean(),
            None => Tensor::ones([1], &k.device()),
        });
        survive = Some(match survive {
            Some(s) => s * k,
            None => k,
        });
    }
    keep.reverse();
    Tensor::cat(keep, 0)
}

/// One layer's `‖∂L/∂h_t‖` `[T]` (and `‖∂L/∂c_t‖`) from its probes after `loss.backward()`, on the
/// device (the caller reads them with the loss, in one transfer). A probe without a gradient (a
/// state the loss does not read) has norm 0.
pub fn probe_norms(
    probes: &[State],
    grads: &burn::tensor::Gradients,
) -> (Tensor<1>, Option<Tensor<1>>) {
    let norm = |p: &Tensor<2>| -> Tensor<1> {
        match p.grad(grads) {
            Some(g) => g.square().sum().sqrt(),
            None => Tensor::zeros([1], &p.device().inner()),
        }
    };
    let dh = Tensor::cat(probes.iter().map(|p| norm(&p.h)).collect(), 0);
    let dc = probes
        .iter()
        .map(|p| p.c.as_ref().map(norm))
        .collect::<Option<Vec<_>>>()
        .map(|v| Tensor::cat(v, 0));
    (dh, dc)
}
