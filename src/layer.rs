//! One recurrent layer on Burn tensors, for any cell: its weights, the input projections of all time
//! steps in one product, and the time loop over the cell's readable step ([`crate::cells::Cell::step`]),
//! recording the cell's quantities for the page on request. Under Burn's autodiff this is the
//! reference the fused path is held to, and what runs on WebGPU.

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
    /// of those sample rows are kept, one `[T, S, H]` tensor per quantity in the cell's order.
    pub fn forward(
        &self,
        xs: Tensor<3>,
        start: State,
        record: Option<&Tensor<1, Int>>,
    ) -> (Tensor<3>, Option<Vec<Tensor<3>>>) {
        let [batch, steps, input] = xs.dims();
        let cell = self.cell.cell();
        let width = cell.spec().blocks * self.hidden;
        // The input projections of all time steps in one matmul: [B·T, I] · [I, G·H].
        let projected = xs
            .reshape([batch * steps, input])
            .matmul(self.w_input.val())
            + self.b_input.val().unsqueeze::<2>();
        let projected = projected.reshape([batch, steps, width]);
        let weights = RecurrentWeights::new(
            cell.spec(),
            self.hidden,
            self.w_hidden.val(),
            self.b_hidden.as_ref().map(|b| b.val()),
        );
        let mut state = start;
        let mut outputs = Vec::with_capacity(steps);
        let mut recorded: Vec<Vec<Tensor<2>>> = vec![Vec::new(); cell.spec().quantities.len()];
        for t in 0..steps {
            let x_proj = projected.clone().narrow(1, t, 1).reshape([batch, width]);
            let step = cell.step(x_proj, &state, &weights);
            if let Some(rows) = record {
                for (slot, value) in recorded.iter_mut().zip(step.quantities) {
                    slot.push(value.select(0, rows.clone()));
                }
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
        (Tensor::stack::<3>(outputs, 1), recording)
    }
}
