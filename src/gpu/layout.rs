//! Where the fused GPU pass ([`super`]) keeps everything, in f32 offsets: the flat parameters (the
//! layout of [`ModelParams::to_flat`]), one window's tape (its forward pass and the backward pass's
//! scratch), and one window's row of results (its gradients, its squared error and its gradient
//! through time). The kernel's source is generated from these numbers ([`super::shader`]), so the host
//! and the shader cannot disagree about a layout.
//!
//! [`ModelParams::to_flat`]: crate::params::ModelParams::to_flat

use crate::state_dict::ModelShape;

/// One layer's offsets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LayerOffsets {
    /// Input width I of the layer (the task's channels, or H above the first layer).
    pub input: usize,
    /// Parameters: `w_input` `[I, G·H]`, `w_hidden` `[H, G·H]`, `b_input` `[G·H]`, `b_hidden` `[G·H]`
    /// (cells with a hidden bias; otherwise equal to the next layer's `w_input`, never read).
    pub w_input: usize,
    pub w_hidden: usize,
    pub b_input: usize,
    pub b_hidden: usize,
    /// Tape: `h_0 … h_T` `[(T+1), H]`, `c_0 … c_T` (cells with memory), the saved planes `[T, K, H]`.
    pub states: usize,
    pub memory: usize,
    pub saved: usize,
    /// Result row: `Σ_units (∂L/∂h_t)²` `[T]`, then `(∂L/∂c_t)²` `[T]` (memory), then the gate
    /// highway `[T]` (cells with a keep gate): [`crate::shards::ShardGradients::sums`]' order.
    pub flow: usize,
}

/// Every offset of one model shape and window length.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    pub shape: ModelShape,
    pub steps: usize,
    pub layers: Vec<LayerOffsets>,
    /// The head's weight `[H]` and bias in the parameters.
    pub fc_weight: usize,
    pub fc_bias: usize,
    /// Parameter count P: a result row starts with the window's gradients, P values.
    pub params: usize,
    /// The window's squared error, in its result row.
    pub squared_error: usize,
    /// Values in one result row: P gradients, the squared error, the flow sums.
    pub row: usize,
    /// The backward pass's per-window scratch on the tape: `x̂` / `dx̂` and the recurrent product /
    /// `dĥ` `[G·H]` each; `dh_t`, `dh_{t−1}`, `dc`, the total `dc_t`, the cells' scratch and the gate
    /// highway's running products `[H]` each; the gradient at the current layer's outputs and at the
    /// layer below's `[T, H]` each.
    pub x_proj: usize,
    pub recurrent: usize,
    pub d_x_proj: usize,
    pub d_recurrent: usize,
    pub d_state: usize,
    pub d_previous: usize,
    pub d_memory: usize,
    pub d_memory_total: usize,
    pub scratch: usize,
    pub survive: usize,
    pub d_outputs: [usize; 2],
    /// Values in one window's tape.
    pub tape: usize,
}

impl Layout {
    pub fn new(shape: ModelShape, steps: usize) -> Layout {
        let spec = shape.cell.spec();
        let (h, width) = (shape.hidden, spec.blocks * shape.hidden);
        let series = 1 + usize::from(spec.memory) + usize::from(spec.keep.is_some());
        let mut param = 0;
        let mut tape = 0;
        let mut flow = 0;
        let take = |at: &mut usize, n: usize| {
            let start = *at;
            *at += n;
            start
        };
        let layers: Vec<LayerOffsets> = (0..shape.layers)
            .map(|l| {
                let input = shape.input_size(l);
                LayerOffsets {
                    input,
                    w_input: take(&mut param, input * width),
                    w_hidden: take(&mut param, h * width),
                    b_input: take(&mut param, width),
                    b_hidden: take(&mut param, if spec.hidden_bias { width } else { 0 }),
                    states: take(&mut tape, (steps + 1) * h),
                    memory: take(&mut tape, if spec.memory { (steps + 1) * h } else { 0 }),
                    saved: take(&mut tape, steps * spec.saved * h),
                    flow: take(&mut flow, series * steps),
                }
            })
            .collect();
        let fc_weight = take(&mut param, h);
        let fc_bias = take(&mut param, 1);
        let params = param;
        let squared_error = params;
        let layers = layers
            .into_iter()
            .map(|l| LayerOffsets {
                flow: params + 1 + l.flow,
                ..l
            })
            .collect();
        Layout {
            shape,
            steps,
            layers,
            fc_weight,
            fc_bias,
            params,
            squared_error,
            row: params + 1 + flow,
            x_proj: take(&mut tape, width),
            recurrent: take(&mut tape, width),
            d_x_proj: take(&mut tape, width),
            d_recurrent: take(&mut tape, width),
            d_state: take(&mut tape, h),
            d_previous: take(&mut tape, h),
            d_memory: take(&mut tape, h),
            d_memory_total: take(&mut tape, h),
            scratch: take(&mut tape, h),
            survive: take(&mut tape, h),
            d_outputs: [take(&mut tape, steps * h), take(&mut tape, steps * h)],
            tape,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cells::CellKind;
    use crate::params::ModelParams;

    #[test]
    fn parameters_sit_where_to_flat_puts_them() {
        for cell in CellKind::ALL {
            let shape = ModelShape {
                cell,
                layers: 3,
                hidden: 5,
                inputs: 2,
            };
            let layout = Layout::new(shape, 7);
            let mut params = ModelParams::zeros(shape);
            assert_eq!(layout.params, params.value_count());
            params.layers[2].w_hidden[0] = 1.0;
            params.layers[1].b_input[3] = 2.0;
            if let Some(b) = &mut params.layers[0].b_hidden {
                b[4] = 3.0;
            }
            params.fc_weight[1] = 4.0;
            params.fc_bias = 5.0;
            let flat = params.to_flat();
            assert_eq!(flat[layout.layers[2].w_hidden], 1.0);
            assert_eq!(flat[layout.layers[1].b_input + 3], 2.0);
            if cell.spec().hidden_bias {
                assert_eq!(flat[layout.layers[0].b_hidden + 4], 3.0);
            }
            assert_eq!(flat[layout.fc_weight + 1], 4.0);
            assert_eq!(flat[layout.fc_bias], 5.0);
            let series =
                1 + usize::from(cell.spec().memory) + usize::from(cell.spec().keep.is_some());
            assert_eq!(layout.row, layout.params + 1 + 3 * series * 7);
        }
    }
}
