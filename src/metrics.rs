//! The tutorial's evaluation metrics (`evaluate_model`): MSE, MAE and RMSE = √MSE over all samples.

use serde::Serialize;

/// Errors of a set of predictions against their targets.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Metrics {
    pub mse: f64,
    pub mae: f64,
    pub rmse: f64,
}

impl Metrics {
    /// `mse = mean((p − y)²)`, `mae = mean(|p − y|)`, `rmse = √mse`, accumulated in f64.
    pub fn of(predictions: &[f32], targets: &[f32]) -> Metrics {
        assert_eq!(
            predictions.len(),
            targets.len(),
            "one prediction per target"
        );
        assert!(!targets.is_empty(), "metrics of no samples");
        let n = targets.len() as f64;
        let (mut sq, mut abs) = (0.0f64, 0.0f64);
        for (&p, &y) in predictions.iter().zip(targets) {
            let e = (p - y) as f64;
            sq += e * e;
            abs += e.abs();
        }
        let mse = sq / n;
        Metrics {
            mse,
            mae: abs / n,
            rmse: mse.sqrt(),
        }
    }

    /// The tutorial's three lines, six decimals.
    pub fn lines(&self) -> String {
        format!(
            "MSE: {:.6}\nMAE: {:.6}\nRMSE: {:.6}",
            self.mse, self.mae, self.rmse
        )
    }
}

/// `9729` → `9,729`, as Python's `{:,}` (the tutorial prints its parameter count so).
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        let m = Metrics::of(&[1.0, 2.0, 3.0], &[1.0, 0.0, 6.0]);
        assert!((m.mse - 13.0 / 3.0).abs() < 1e-12);
        assert!((m.mae - 5.0 / 3.0).abs() < 1e-12);
        assert!((m.rmse - (13.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert_eq!(m.lines().lines().count(), 3);
    }

    #[test]
    fn thousands_separator() {
        assert_eq!(thousands(9729), "9,729");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
