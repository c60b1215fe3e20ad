//! Inverted dropout between stacked layers (Srivastava et al. 2014, *Dropout: A Simple Way to Prevent
//! Neural Networks from Overfitting*; PyTorch's `nn.Dropout` in training): each entry of a layer's
//! output is multiplied by 0 with probability p and by `1/(1−p)` otherwise. One `[B, T, H]` mask per
//! layer but the last, drawn in that order from one [`SplitMix64`] stream. Because the stream's n-th
//! number depends only on its start and n ([`SplitMix64::skip`]), any rows of the batch can draw their
//! part of the masks alone and get exactly the numbers the whole batch would: a shard of the batch
//! ([`crate::shards`]) needs no mask from anyone else.

use std::ops::Range;

use crate::rng::SplitMix64;

/// Where a model has dropout: probability `p` after every layer but the last of `layers`, each `hidden`
/// wide.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dropout {
    pub p: f64,
    pub layers: usize,
    pub hidden: usize,
}

impl Dropout {
    /// False when p is 0 or there is one layer: then no mask is drawn and the stream stays put.
    pub fn active(&self) -> bool {
        self.p > 0.0 && self.layers >= 2
    }

    /// The numbers one training pass over `batch` windows of `steps` draws from the stream.
    pub fn draws(&self, batch: usize, steps: usize) -> u64 {
        if self.active() {
            ((self.layers - 1) * batch * steps * self.hidden) as u64
        } else {
            0
        }
    }

    /// Rows `rows` of every mask of one pass over `batch` windows of `steps`, for a stream that stood
    /// at `start` when the pass began: each `[rows.len(), T, H]`, batch-major. Empty when inactive.
    pub fn masks(
        &self,
        batch: usize,
        steps: usize,
        rows: Range<usize>,
        start: &SplitMix64,
    ) -> Vec<Vec<f32>> {
        if !self.active() {
            return Vec::new();
        }
        let per_window = steps * self.hidden;
        let keep = (1.0 / (1.0 - self.p)) as f32;
        // `next_f64() < p` without the float conversion: next_f64 is the top 53 bits over 2⁵³.
        let threshold = (self.p * (1u64 << 53) as f64).ceil() as u64;
        (0..self.layers - 1)
            .map(|l| {
                let mut rng = start.clone();
                rng.skip(((l * batch + rows.start) * per_window) as u64);
                (0..rows.len() * per_window)
                    .map(|_| {
                        if rng.next_u64() >> 11 < threshold {
                            0.0
                        } else {
                            keep
                        }
                    })
                    .collect()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_drawn_alone_equal_the_whole_batch_s() {
        let dropout = Dropout {
            p: 0.3,
            layers: 3,
            hidden: 4,
        };
        let start = SplitMix64::new(9);
        let whole = dropout.masks(10, 5, 0..10, &start);
        let part = dropout.masks(10, 5, 3..7, &start);
        for (w, p) in whole.iter().zip(&part) {
            assert_eq!(&w[3 * 20..7 * 20], &p[..]);
        }
        assert!(whole[0].contains(&0.0) && whole[1].iter().any(|&v| v > 1.0));
        assert_eq!(dropout.draws(10, 5), 2 * 10 * 5 * 4);
    }
}
