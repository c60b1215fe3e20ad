//! Live equations: the equations of the unit a learner points at in the heatmaps, with the numbers of
//! the shown window substituted, each recomputed from the weights of the epoch shown. This module
//! finds what the unit reads in a [`SampleTrace`] (the layer's input x_t: the window's values for the
//! first layer, the layer below's h_t above it; h_{t−1} and c_{t−1}, zero at t = 1 as in training) and
//! hands it to the cell's own [`crate::cells::Cell::explain`].

use crate::cells::CellKind;
use crate::cells::unit::{Explained, UnitInputs};
use crate::params::LayerParams;
use crate::trace::SampleTrace;

/// Which heatmap cell: layer, time step and unit, all 0-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnitAt {
    pub layer: usize,
    pub step: usize,
    pub unit: usize,
}

/// The equations of `at` for a model of `cell` whose layer `at.layer` has `weights`, as it ran on the
/// window of `trace`; an error names the index out of range.
pub fn explain(
    cell: CellKind,
    weights: &LayerParams,
    trace: &SampleTrace,
    at: UnitAt,
) -> Result<Vec<Explained>, String> {
    let spec = cell.spec();
    let layers = trace.layers.len();
    let out_of_range = |field: &str, value: usize, count: usize| {
        format!(
            "{field} = {value} is out of range: the trace has {count} (0 to {})",
            count.saturating_sub(1)
        )
    };
    let layer = trace
        .layers
        .get(at.layer)
        .ok_or_else(|| out_of_range("layer", at.layer, layers))?;
    let states = layer.get("h").ok_or("the trace has no hidden state h")?;
    let steps = states.len();
    let hidden = states.first().map_or(0, Vec::len);
    if at.step >= steps {
        return Err(out_of_range("step", at.step, steps));
    }
    if at.unit >= hidden {
        return Err(out_of_range("unit", at.unit, hidden));
    }
    if weights.b_input.len() != spec.blocks * hidden {
        return Err(format!(
            "the weights have {} gate columns, a {} layer of {hidden} units has {}",
            weights.b_input.len(),
            spec.short,
            spec.blocks * hidden
        ));
    }
    let input = match at.layer {
        0 => trace.inputs.get(at.step).ok_or("the trace has no inputs")?,
        below => &trace.layers[below - 1]["h"][at.step],
    };
    if weights.w_input.len() != input.len() * spec.blocks * hidden {
        return Err(format!(
            "the weights read {} inputs per step, the trace has {}",
            weights.w_input.len() / (spec.blocks * hidden),
            input.len()
        ));
    }
    let zeros = vec![0.0; hidden];
    let previous = match at.step {
        0 => &zeros,
        t => &states[t - 1],
    };
    let memory_previous = match (spec.memory, at.step) {
        (true, t) if t > 0 => {
            layer.get("c").ok_or("the trace has no cell state c")?[t - 1][at.unit]
        }
        _ => 0.0,
    };
    let unit = UnitInputs {
        unit: at.unit,
        hidden,
        input,
        previous,
        memory_previous,
        w_input: &weights.w_input,
        w_hidden: &weights.w_hidden,
        b_input: &weights.b_input,
        b_hidden: weights.b_hidden.as_deref(),
    };
    Ok(cell.cell().explain(&unit))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::LabConfig;
    use crate::train::{Trainer, TrainingPath};

    /// Every cell, two layers, both training paths: each printed equation's value equals the quantity
    /// the model recorded at that layer, step and unit (weights after a few epochs).
    #[test]
    fn every_equation_comes_to_the_recorded_value() {
        for (cell, path) in CellKind::ALL
            .into_iter()
            .flat_map(|c| [(c, TrainingPath::Fused), (c, TrainingPath::Tensor)])
        {
            let config = LabConfig {
                cell,
                hidden: 5,
                layers: 2,
                window: 6,
                points: 120,
                ..LabConfig::default()
            };
            let mut trainer = Trainer::new(config, &Default::default()).with_path(path);
            for _ in 0..3 {
                pollster::block_on(trainer.step_epoch()).unwrap();
            }
            let evaluation = pollster::block_on(trainer.evaluate(&[7])).unwrap();
            let trace = &evaluation.traces[0];
            let params = pollster::block_on(trainer.model().params()).unwrap();
            for layer in 0..2 {
                for step in [0, 3, 5] {
                    for unit in [0, 4] {
                        let at = UnitAt { layer, step, unit };
                        let lines = explain(cell, &params.layers[layer], trace, at).unwrap();
                        let names: Vec<&str> = lines.iter().map(|e| e.quantity).collect();
                        let expected: Vec<&str> =
                            cell.spec().quantities.iter().map(|q| q.name).collect();
                        assert_eq!(names, expected, "{cell:?} {path:?}");
                        for line in &lines {
                            let recorded = trace.layers[layer][line.quantity][step][unit];
                            assert!(
                                (line.value - recorded).abs() < 1e-5,
                                "{cell:?} {path:?} {at:?} {}: {} against recorded {recorded}",
                                line.text,
                                line.value
                            );
                        }
                    }
                }
            }
            let bad = UnitAt {
                layer: 2,
                step: 0,
                unit: 0,
            };
            assert_eq!(
                explain(cell, &params.layers[0], trace, bad).unwrap_err(),
                "layer = 2 is out of range: the trace has 2 (0 to 1)"
            );
        }
    }
}
