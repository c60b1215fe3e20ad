//! The gradient through time of one training epoch, per layer and time step: what the "gradient
//! through time" panel, the `onEpoch` events, the CLI's `gradients` command and its `--history` CSV
//! show. It makes the vanishing-gradient problem (Hochreiter 1991; Bengio, Simard & Frasconi 1994,
//! *Learning Long-Term Dependencies with Gradient Descent is Difficult*) visible while a net trains.
//!
//! - `dh[t] = ‖∂L/∂h_t‖`: the L2 norm over every window of the batch and every unit of the *total*
//!   derivative of the epoch's loss with respect to the layer's hidden state at step t (through the
//!   recurrence, the layer above and the head), t = 1 … T. In a plain RNN it is a product of one
//!   Jacobian `diag(1 − h²)·Uᵀ` per step back from T, so it shrinks (or grows) geometrically towards
//!   t = 1; a gate that keeps the state keeps the gradient too.
//! - `dc[t] = ‖∂L/∂c_t‖`: the same for the LSTM's cell state (total: through `c_{t+1} = f ⊙ c_t + …`
//!   and through `h_t = o ⊙ tanh(c_t)`).
//! - `keep[t]`: the "gate highway", the mean over windows and units of `∏_{s=t+1..T} k_s`, the keep
//!   factor k being what multiplies the old state in the cell's update (cho GRU `1 − z`, PyTorch GRU
//!   `z`, LSTM `f`; see [`crate::cells::CellSpec::keep`]): how much of h_t (c_t) would still be there
//!   at step T if no new candidate came in. `keep[T] = 1`. The plain RNN has none.

use serde::{Deserialize, Serialize};

/// One layer's profile over the time steps, index 0 being t = 1.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LayerFlow {
    /// `‖∂L/∂h_t‖`, `[T]`.
    pub dh: Vec<f32>,
    /// `‖∂L/∂c_t‖`, `[T]`, cells with a cell state only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dc: Option<Vec<f32>>,
    /// The gate highway `mean ∏_{s>t} k_s`, `[T]`, cells with a keep gate only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep: Option<Vec<f32>>,
}

/// Every layer's profile, layer 0 (the one reading the input) first.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GradientFlow {
    pub layers: Vec<LayerFlow>,
}

impl GradientFlow {
    /// Zeroed profiles for `layers` layers of `steps` steps (`memory`: with `dc`; `keep`: with `keep`).
    pub fn zeros(layers: usize, steps: usize, memory: bool, keep: bool) -> GradientFlow {
        let zeros = || vec![0.0; steps];
        GradientFlow {
            layers: (0..layers)
                .map(|_| LayerFlow {
                    dh: zeros(),
                    dc: memory.then(zeros),
                    keep: keep.then(zeros),
                })
                .collect(),
        }
    }

    /// Time steps T (0 without layers).
    pub fn steps(&self) -> usize {
        self.layers.first().map_or(0, |l| l.dh.len())
    }

    /// The CSV header of [`GradientFlow::csv_values`]: `dh_l0_t1, …, dc_l0_t1, …, keep_l0_t1, …`.
    pub fn csv_header(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (l, layer) in self.layers.iter().enumerate() {
            for (name, series) in layer.series() {
                out.extend((1..=series.len()).map(|t| format!("{name}_l{l}_t{t}")));
            }
        }
        out
    }

    /// Every number of the profile in [`GradientFlow::csv_header`] order.
    pub fn csv_values(&self) -> impl Iterator<Item = f32> + '_ {
        self.layers
            .iter()
            .flat_map(|layer| layer.series().flat_map(|(_, s)| s.iter().copied()))
    }
}

impl LayerFlow {
    /// The series this layer has, by name: `dh`, then `dc` and `keep` when present.
    pub fn series(&self) -> impl Iterator<Item = (&'static str, &[f32])> {
        [
            ("dh", Some(&self.dh)),
            ("dc", self.dc.as_ref()),
            ("keep", self.keep.as_ref()),
        ]
        .into_iter()
        .filter_map(|(name, s)| s.map(|s| (name, s.as_slice())))
    }
}

/// A gradient flow before its square roots and means: what adds up across the shards of a batch
/// ([`crate::shards`]). Per layer and step `Σ (∂L/∂h_t)²` (and `Σ (∂L/∂c_t)²`) and `Σ ∏_{s>t} k_s`,
/// each summed in f64 over the `count` windows × units it has seen.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FlowSums {
    pub layers: Vec<LayerSums>,
    /// Windows × units summed so far (the keep sums' divisor).
    pub count: usize,
}

/// One layer's sums, `[T]` each.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LayerSums {
    pub dh: Vec<f64>,
    pub dc: Option<Vec<f64>>,
    pub keep: Option<Vec<f64>>,
}

impl FlowSums {
    /// Zeroed sums for `layers` layers of `steps` steps (`memory`: with `dc`; `keep`: with `keep`).
    pub fn zeros(layers: usize, steps: usize, memory: bool, keep: bool) -> FlowSums {
        let zeros = || vec![0.0; steps];
        FlowSums {
            layers: (0..layers)
                .map(|_| LayerSums {
                    dh: zeros(),
                    dc: memory.then(zeros),
                    keep: keep.then(zeros),
                })
                .collect(),
            count: 0,
        }
    }

    /// Adds another shard's sums to these.
    pub fn add(&mut self, other: &FlowSums) {
        fn add(to: &mut [f64], from: &[f64]) {
            to.iter_mut().zip(from).for_each(|(t, f)| *t += f);
        }
        for (to, from) in self.layers.iter_mut().zip(&other.layers) {
            add(&mut to.dh, &from.dh);
            if let (Some(to), Some(from)) = (&mut to.dc, &from.dc) {
                add(to, from);
            }
            if let (Some(to), Some(from)) = (&mut to.keep, &from.keep) {
                add(to, from);
            }
        }
        self.count += other.count;
    }

    /// The flow these sums make: norms `sqrt(Σ v²)` and the highway's mean `Σ / count`.
    pub fn flow(&self) -> GradientFlow {
        let norms = |s: &[f64]| s.iter().map(|v| v.sqrt() as f32).collect();
        let mean = |s: &[f64]| s.iter().map(|v| (v / self.count as f64) as f32).collect();
        GradientFlow {
            layers: self
                .layers
                .iter()
                .map(|l| LayerFlow {
                    dh: norms(&l.dh),
                    dc: l.dc.as_deref().map(norms),
                    keep: l.keep.as_deref().map(mean),
                })
                .collect(),
        }
    }
}

/// Writes the gate highway's sums of one layer into `keep` (`[T]`): `keep[t] = Σ ∏_{s>t} k_s` over
/// the `size` windows × units, where `gate(t)` is step t's `[B·H]` keep gate (0-based t) and k =
/// `1 − gate` when `complement` (the cho GRU keeps by `1 − z`), `gate` otherwise.
pub fn gate_highway<'a>(
    keep: &mut [f64],
    size: usize,
    complement: bool,
    gate: impl Fn(usize) -> &'a [f32],
) {
    let mut survive = vec![1.0f32; size];
    for t in (0..keep.len()).rev() {
        keep[t] = sum_in_lanes(&survive, |v| v as f64);
        for (s, g) in survive.iter_mut().zip(gate(t)) {
            *s *= if complement { 1.0 - g } else { *g };
        }
    }
}

/// `Σ v²`, summed in f64 ([`sum_in_lanes`]).
pub fn sum_of_squares(values: &[f32]) -> f64 {
    sum_in_lanes(values, |v| v as f64 * v as f64)
}

/// `Σ term(v)` in f64, in eight running sums added up in a fixed order at the end, so that the
/// additions need not wait on each other: one chain of dependent adds over a step's B·H values took
/// about a sixth of the plain RNN's epoch, where the gradient through time is taken every step.
fn sum_in_lanes(values: &[f32], term: impl Fn(f32) -> f64) -> f64 {
    const LANES: usize = 8;
    let mut sums = [0.0f64; LANES];
    let chunks = values.chunks_exact(LANES);
    let rest = chunks.remainder();
    for chunk in chunks {
        for (sum, &v) in sums.iter_mut().zip(chunk) {
            *sum += term(v);
        }
    }
    for (sum, &v) in sums.iter_mut().zip(rest) {
        *sum += term(v);
    }
    sums.iter().sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highway_is_the_mean_product_of_later_keep_factors() {
        // Two units, three steps: k = [[0.5, 1], [0.5, 0.5], [1, 0.5]].
        let k = [[0.5f32, 1.0], [0.5, 0.5], [1.0, 0.5]];
        let mut sums = FlowSums::zeros(1, 3, false, true);
        sums.count = 2;
        let keep = sums.layers[0].keep.as_mut().unwrap();
        gate_highway(keep, 2, false, |t| &k[t]);
        let expected = [(0.5 + 0.25) / 2.0, (1.0 + 0.5) / 2.0, 1.0];
        assert_eq!(sums.flow().layers[0].keep.as_deref(), Some(&expected[..]));
        // The same factors given as z with k = 1 − z.
        let z = k.map(|row| row.map(|v| 1.0 - v));
        gate_highway(sums.layers[0].keep.as_mut().unwrap(), 2, true, |t| &z[t]);
        assert_eq!(sums.flow().layers[0].keep.as_deref(), Some(&expected[..]));
    }

    #[test]
    fn shards_sums_add_up_to_the_whole_batch_s() {
        let mut a = FlowSums::zeros(1, 2, true, false);
        a.layers[0].dh = vec![9.0, 1.0];
        a.layers[0].dc = Some(vec![1.0, 4.0]);
        a.count = 3;
        let mut b = a.clone();
        b.layers[0].dh = vec![16.0, 0.0];
        a.add(&b);
        assert_eq!(a.flow().layers[0].dh, vec![5.0, 1.0]);
        assert_eq!(a.flow().layers[0].dc, Some(vec![2f32.sqrt(), 8f32.sqrt()]));
        assert_eq!(a.count, 6);
    }

    #[test]
    fn csv_columns_name_every_number() {
        let flow = GradientFlow::zeros(2, 3, true, true);
        assert_eq!(flow.csv_header().len(), flow.csv_values().count());
        assert_eq!(flow.csv_header()[0], "dh_l0_t1");
        assert_eq!(flow.csv_header()[3], "dc_l0_t1");
        assert_eq!(flow.csv_header()[17], "keep_l1_t3");
    }
}
