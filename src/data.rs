//! The tutorial's dataset: `points` samples of `sin(t)` with `t = linspace(0, 20, points)`, cut into
//! sliding windows of `window` values, each labelled with the value that follows it
//! (`generate_sine_wave_data` in the tutorial: 1000 points, windows of 10, 990 samples).

/// The whole series and its windows, as flat row-major `f32` buffers ready for a tensor.
#[derive(Clone, Debug, PartialEq)]
pub struct SineDataset {
    /// Time axis `t_i = 20 · i / (points − 1)`.
    pub t: Vec<f64>,
    /// `sin(t_i)` in f32, as `torch.FloatTensor(np.sin(t))` stores it.
    pub series: Vec<f32>,
    /// Window length T.
    pub window: usize,
    /// `[samples, window]`, row-major: `inputs[s * window + k] = series[s + k]`.
    pub inputs: Vec<f32>,
    /// `[samples]`: `targets[s] = series[s + window]`.
    pub targets: Vec<f32>,
}

/// End of the time axis, as in the tutorial (`np.linspace(0, 20, 1000)`).
pub const T_END: f64 = 20.0;

impl SineDataset {
    /// Builds the tutorial's windows. Requires `points > window` (the config validates this).
    pub fn new(points: usize, window: usize) -> Self {
        assert!(
            points > window,
            "points ({points}) must exceed window ({window})"
        );
        let step = T_END / (points - 1) as f64;
        let t: Vec<f64> = (0..points).map(|i| i as f64 * step).collect();
        let series: Vec<f32> = t.iter().map(|&x| x.sin() as f32).collect();
        let samples = points - window;
        let mut inputs = Vec::with_capacity(samples * window);
        for s in 0..samples {
            inputs.extend_from_slice(&series[s..s + window]);
        }
        let targets = series[window..].to_vec();
        SineDataset {
            t,
            series,
            window,
            inputs,
            targets,
        }
    }

    /// Number of windows (990 for the tutorial).
    pub fn samples(&self) -> usize {
        self.targets.len()
    }

    /// The input window of sample `s`.
    pub fn window_of(&self, s: usize) -> &[f32] {
        &self.inputs[s * self.window..(s + 1) * self.window]
    }

    /// Time of each target (`t[window..]`), the x axis of the prediction chart.
    pub fn target_times(&self) -> &[f64] {
        &self.t[self.window..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tutorial_shapes_and_values() {
        let d = SineDataset::new(1000, 10);
        assert_eq!(d.samples(), 990);
        assert_eq!(d.inputs.len(), 9900);
        assert_eq!(d.window_of(3), &d.series[3..13]);
        assert_eq!(d.targets[0], d.series[10]);
        assert!((d.t[999] - 20.0).abs() < 1e-12);
        assert_eq!(d.series[1], (20.0f64 / 999.0).sin() as f32);
    }
}
