//! One unit of one layer at one time step, and its equations with the numbers substituted: what the
//! page's live equations print when a learner points at a heatmap cell (`z = σ(0.312 − 0.118 + 0.050)
//! = σ(0.244) = 0.561`). Each cell's [`super::Cell::explain`] reads the numbers here and writes its own
//! equations, in the order and with the terms its `Quantity::equation` strings show.
//!
//! The numbers are recomputed from the layer's weights, the layer's input x_t and the previous state:
//! for unit u of gate block k, `(W x_t)_u = Σ_i x_t,i · W[i, k·H + u]` (our `[I, G·H]` layout, PyTorch's
//! `weight_ih` transposed) and `(U v)_u = Σ_j v_j · U[j, k·H + u]`.

use crate::kernels::{sigmoid, tanh};

/// What one unit's equations read, for one layer at one step.
#[derive(Clone, Copy, Debug)]
pub struct UnitInputs<'a> {
    /// u, the unit (0-based).
    pub unit: usize,
    /// H.
    pub hidden: usize,
    /// `[I]`: x_t, the layer's input at step t (the window's values, or the layer below's h_t).
    pub input: &'a [f32],
    /// `[H]`: h_{t−1} (zeros at t = 1).
    pub previous: &'a [f32],
    /// c_{t−1} of this unit (cells with memory; 0 otherwise).
    pub memory_previous: f32,
    /// `[I, G·H]`.
    pub w_input: &'a [f32],
    /// `[H, G·H]`.
    pub w_hidden: &'a [f32],
    /// `[G·H]`.
    pub b_input: &'a [f32],
    /// `[G·H]`, cells with a hidden bias only.
    pub b_hidden: Option<&'a [f32]>,
}

impl UnitInputs<'_> {
    /// G·H, the width of a weight row.
    fn width(&self) -> usize {
        self.b_input.len()
    }

    /// The column of this unit in gate block `block`.
    fn column(&self, block: usize) -> usize {
        block * self.hidden + self.unit
    }

    /// `(W_k x_t)_u`: block `block`'s input product at this unit, without its bias.
    pub fn input_term(&self, block: usize) -> f32 {
        let (width, col) = (self.width(), self.column(block));
        self.input
            .iter()
            .enumerate()
            .map(|(i, x)| x * self.w_input[i * width + col])
            .sum()
    }

    /// `b_k,u` of the input bias (the cho GRU's only bias).
    pub fn input_bias(&self, block: usize) -> f32 {
        self.b_input[self.column(block)]
    }

    /// `(U_k v)_u`: block `block`'s recurrent product at this unit, without its bias, for a recurrent
    /// input `v` (`[H]`: h_{t−1}, or the cho GRU's r ⊙ h_{t−1}).
    pub fn recurrent_term(&self, block: usize, v: &[f32]) -> f32 {
        let (width, col) = (self.width(), self.column(block));
        v.iter()
            .enumerate()
            .map(|(j, x)| x * self.w_hidden[j * width + col])
            .sum()
    }

    /// `b_h,k,u` of the hidden bias (0 for a cell without one).
    pub fn hidden_bias(&self, block: usize) -> f32 {
        self.b_hidden.map_or(0.0, |b| b[self.column(block)])
    }

    /// `σ(W_k x_t + b_k + U_k h_{t−1} + b_h,k)` for every unit: a whole gate (the cho GRU's r, whose
    /// r ⊙ h_{t−1} feeds the candidate of every unit).
    pub fn gate_row(&self, block: usize) -> Vec<f32> {
        (0..self.hidden)
            .map(|u| {
                let at = UnitInputs { unit: u, ..*self };
                sigmoid(
                    at.input_term(block)
                        + at.input_bias(block)
                        + at.recurrent_term(block, self.previous)
                        + at.hidden_bias(block),
                )
            })
            .collect()
    }

    /// h_{t−1} of this unit.
    pub fn previous_state(&self) -> f32 {
        self.previous[self.unit]
    }
}

/// One of a unit's equations with its numbers: the quantity's name (as in the trace), the printed line
/// and the value it comes to.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Explained {
    pub quantity: &'static str,
    pub text: String,
    pub value: f32,
    /// The numbers inside the activation, in the printed order (empty for a state's update line).
    pub terms: Vec<f32>,
}

/// A number as the live equations print it: three decimals, a true minus sign.
pub fn number(x: f32) -> String {
    let text = format!("{x:.3}");
    match text.strip_prefix('-') {
        Some(magnitude) => format!("−{magnitude}"),
        None => text,
    }
}

/// `0.312 − 0.118 + 0.050`: terms joined with their own signs.
pub fn sum(terms: &[f32]) -> String {
    let mut text = String::new();
    for (k, &t) in terms.iter().enumerate() {
        match (k, t < 0.0) {
            (0, _) => text.push_str(&number(t)),
            (_, true) => text.push_str(&format!(" − {}", number(-t))),
            (_, false) => text.push_str(&format!(" + {}", number(t))),
        }
    }
    text
}

/// The two activations a gate or candidate goes through.
#[derive(Clone, Copy, Debug)]
pub enum Activation {
    Sigmoid,
    Tanh,
}

impl Activation {
    fn apply(self, x: f32) -> f32 {
        match self {
            Activation::Sigmoid => sigmoid(x),
            Activation::Tanh => tanh(x),
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            Activation::Sigmoid => "σ",
            Activation::Tanh => "tanh",
        }
    }
}

/// `z = σ(0.312 − 0.118 + 0.050) = σ(0.244) = 0.561`: an activation of a sum of terms.
pub fn activated(
    quantity: &'static str,
    symbol: &str,
    activation: Activation,
    terms: Vec<f32>,
) -> Explained {
    let total: f32 = terms.iter().sum();
    explained_activation(quantity, symbol, activation, &sum(&terms), total, terms)
}

/// [`activated`] where the argument is printed as `inside` (e.g. `0.1 + 0.02 + 0.6·(0.3 − 0.01)`) and
/// adds up to `total`.
pub fn explained_activation(
    quantity: &'static str,
    symbol: &str,
    activation: Activation,
    inside: &str,
    total: f32,
    terms: Vec<f32>,
) -> Explained {
    let value = activation.apply(total);
    let f = activation.symbol();
    Explained {
        quantity,
        text: format!(
            "{symbol} = {f}({inside}) = {f}({}) = {}",
            number(total),
            number(value)
        ),
        value,
        terms,
    }
}

/// A state's update, e.g. `h = (1 − 0.561)·0.200 + 0.561·0.710 = 0.486`, printed as `formula`.
pub fn update(quantity: &'static str, symbol: &str, formula: String, value: f32) -> Explained {
    Explained {
        quantity,
        text: format!("{symbol} = {formula} = {}", number(value)),
        value,
        terms: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_with_a_true_minus_and_their_own_signs() {
        assert_eq!(number(-0.1234), "−0.123");
        assert_eq!(sum(&[0.3126, -0.118, 0.05]), "0.313 − 0.118 + 0.050");
        assert_eq!(sum(&[-0.5, 0.25]), "−0.500 + 0.250");
        let z = activated("z", "z", Activation::Sigmoid, vec![0.5, -0.25, 0.0]);
        assert_eq!(z.text, "z = σ(0.500 − 0.250 + 0.000) = σ(0.250) = 0.562");
        assert!((z.value - 0.562_176_5).abs() < 1e-6);
    }

    #[test]
    fn a_unit_reads_its_own_column_of_each_block() {
        // I = 1, H = 2, G = 2: W = [[w(k=0,u=0), w(0,1), w(1,0), w(1,1)]].
        let w_input = [1.0, 2.0, 3.0, 4.0];
        let w_hidden = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8];
        let b_input = [0.01, 0.02, 0.03, 0.04];
        let unit = UnitInputs {
            unit: 1,
            hidden: 2,
            input: &[2.0],
            previous: &[1.0, -1.0],
            memory_previous: 0.0,
            w_input: &w_input,
            w_hidden: &w_hidden,
            b_input: &b_input,
            b_hidden: None,
        };
        assert_eq!(unit.input_term(1), 8.0);
        assert_eq!(unit.input_bias(1), 0.04);
        // (U_1 h)_1 = h_0·U[0, 3] + h_1·U[1, 3] = 0.4 − 0.8.
        assert!((unit.recurrent_term(1, unit.previous) + 0.4).abs() < 1e-6);
        assert_eq!(unit.hidden_bias(1), 0.0);
        let row = unit.gate_row(0);
        assert!((row[0] - sigmoid(2.0 + 0.01 + 0.1 - 0.5)).abs() < 1e-6);
    }
}
