//! Seeded random generators that give the same numbers on every platform (x86_64 and wasm32), so that
//! one seed means one run in the CLI and in the page.
//!
//! - [`TorchRng`]: PyTorch's CPU generator (MT19937, Matsumoto & Nishimura 1998) and its `uniform_`
//!   for f32, so that seed 42 gives the tutorial's initial weights bit for bit.
//! - [`SplitMix64`] (Steele, Lea & Flood 2014): a small fast stream for dropout masks.

/// SplitMix64: a 64-bit state advanced by the golden-ratio increment and finalised by a mix function.
#[derive(Clone, Debug)]
pub struct SplitMix64 {
    state: u64,
}

/// SplitMix64's increment (the golden ratio's fraction, 2⁶⁴/φ).
const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)` with 53 random bits.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `[-bound, bound)`.
    pub fn symmetric(&mut self, bound: f64) -> f32 {
        ((self.next_f64() * 2.0 - 1.0) * bound) as f32
    }

    /// The stream's position: `SplitMix64::new(position)` goes on exactly where this one stands.
    pub fn position(&self) -> u64 {
        self.state
    }

    /// Moves the stream on by `draws` numbers in O(1): the n-th number depends only on the starting
    /// state and n, so a shard of the batch can draw its part of a dropout mask by itself
    /// ([`crate::shards`]).
    pub fn skip(&mut self, draws: u64) {
        self.state = self.state.wrapping_add(GOLDEN_GAMMA.wrapping_mul(draws));
    }

    /// A child generator for a separate stream (e.g. dropout masks apart from the weights).
    pub fn fork(&mut self) -> SplitMix64 {
        SplitMix64::new(self.next_u64())
    }
}

/// `torch.Generator` on the CPU: MT19937 seeded by `torch.manual_seed(seed)`.
#[derive(Clone)]
pub struct TorchRng {
    state: [u32; 624],
    index: usize,
}

impl TorchRng {
    /// `torch.manual_seed(seed)`: MT19937's `init_genrand` with the low 32 bits of the seed.
    pub fn new(seed: u64) -> Self {
        let mut state = [0u32; 624];
        state[0] = seed as u32;
        for i in 1..624 {
            let prev = state[i - 1];
            state[i] = 1_812_433_253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        TorchRng { state, index: 624 }
    }

    fn twist(&mut self) {
        for i in 0..624 {
            let y = (self.state[i] & 0x8000_0000) | (self.state[(i + 1) % 624] & 0x7fff_ffff);
            let mag = if y & 1 == 1 { 0x9908_b0df } else { 0 };
            self.state[i] = self.state[(i + 397) % 624] ^ (y >> 1) ^ mag;
        }
        self.index = 0;
    }

    /// The next 32-bit output (`CPUGeneratorImpl::random()`).
    pub fn next_u32(&mut self) -> u32 {
        if self.index >= 624 {
            self.twist();
        }
        let mut y = self.state[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// One element of `tensor.uniform_(from, to)` for f32: 24 random bits scaled in f64
    /// (`at::uniform_real_distribution<float>`).
    pub fn uniform_f32(&mut self, from: f32, to: f32) -> f32 {
        let x = (self.next_u32() & 0x00ff_ffff) as f64 / (1u64 << 24) as f64;
        (x * (to - from) as f64 + from as f64) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mt19937_reference_output() {
        // The C++ standard fixes the 10000th output of mt19937 with the default seed 5489.
        let mut g = TorchRng::new(5489);
        let mut last = 0;
        for _ in 0..10_000 {
            last = g.next_u32();
        }
        assert_eq!(last, 4_123_659_995);
    }

    #[test]
    fn reference_values_and_range() {
        // First outputs of SplitMix64 seeded with 0, as published with the algorithm.
        let mut g = SplitMix64::new(0);
        assert_eq!(g.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(g.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        let mut g = SplitMix64::new(7);
        for _ in 0..1000 {
            let v = g.symmetric(0.5);
            assert!((-0.5..0.5).contains(&v));
        }
    }

    #[test]
    fn skipping_lands_where_drawing_does() {
        let (mut drawn, mut skipped) = (SplitMix64::new(42), SplitMix64::new(42));
        for _ in 0..1_000 {
            drawn.next_u64();
        }
        skipped.skip(1_000);
        assert_eq!(skipped.next_u64(), drawn.next_u64());
    }
}
