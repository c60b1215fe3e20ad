//! The fused path's matrix products timed two ways on the shapes the tutorial's run uses (990 windows of
//! 10 steps, 32 units; G = 1, 3 or 4 gate blocks): our register-blocked kernel (`src/kernels.rs`) and
//! the `matrixmultiply` crate (ndarray's own GEMM). Prints one JSON line per shape; `make bench` runs
//! it natively and in V8 (Chromium's engine: `scripts/kernels-wasm.mjs` builds it for wasm32 with
//! simd128, as the page's module is built, and runs it in Node), and BENCHMARKS.md keeps the figures.
//! Not a test: timings on shared machines are noisy. Natively `kernels::matmul` hands a transposed
//! left operand to `matrixmultiply` itself (where this example found it faster), so those rows there
//! time the crate against itself.
//!
//!     cargo run --release --example kernels
//!     node scripts/kernels-wasm.mjs

use gru_lab::kernels::{Lhs, matmul};

/// The clock and the output: std's natively; on wasm32 (no WASI, no bindings) two functions the
/// host imports into the module (`scripts/kernels-wasm.mjs`).
#[cfg(not(target_arch = "wasm32"))]
mod host {
    use std::sync::OnceLock;
    use std::time::Instant;

    pub fn now_ms() -> f64 {
        static START: OnceLock<Instant> = OnceLock::new();
        START.get_or_init(Instant::now).elapsed().as_secs_f64() * 1e3
    }

    pub fn emit(line: &str) {
        println!("{line}");
    }
}

#[cfg(target_arch = "wasm32")]
mod host {
    unsafe extern "C" {
        /// `performance.now()`.
        fn host_now_ms() -> f64;
        /// Prints the UTF-8 line at `ptr`, `len` bytes long.
        fn host_emit(ptr: *const u8, len: usize);
    }

    pub fn now_ms() -> f64 {
        // SAFETY: the host's function takes nothing and returns a number.
        unsafe { host_now_ms() }
    }

    pub fn emit(line: &str) {
        // SAFETY: the host reads `len` bytes at `ptr`, which `line` holds for the call.
        unsafe { host_emit(line.as_ptr(), line.len()) }
    }
}

/// One product `C[m, n] = A[m, k] · B[k, n]`, A row-major or transposed as the fused path reads it.
struct Shape {
    what: &'static str,
    m: usize,
    n: usize,
    k: usize,
    transposed_lhs: bool,
}

fn median_ms(mut run: impl FnMut(), reps: usize) -> f64 {
    run();
    let mut times: Vec<f64> = (0..reps)
        .map(|_| {
            let t = host::now_ms();
            run();
            host::now_ms() - t
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[reps / 2]
}

fn main() {
    let (b, t, h) = (990, 10, 32);
    let mut shapes = Vec::new();
    for g in [1, 3, 4] {
        let w = g * h;
        shapes.extend([
            Shape {
                what: "input projection x·W (layer 2)",
                m: b * t,
                n: w,
                k: h,
                transposed_lhs: false,
            },
            Shape {
                what: "recurrence h·U (one step)",
                m: b,
                n: w,
                k: h,
                transposed_lhs: false,
            },
            Shape {
                what: "recurrence back dĥ·Uᵀ (one step)",
                m: b,
                n: h,
                k: w,
                transposed_lhs: false,
            },
            Shape {
                what: "weight gradient hᵀ·dĥ (all steps)",
                m: h,
                n: w,
                k: b * t,
                transposed_lhs: true,
            },
        ]);
    }
    let mut state = 0x9E37_79B9u32;
    let mut random = |n: usize| -> Vec<f32> {
        (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                state as f32 / u32::MAX as f32 - 0.5
            })
            .collect()
    };
    for s in shapes {
        let a = random(s.m * s.k);
        let bm = random(s.k * s.n);
        let mut c = vec![0.0f32; s.m * s.n];
        // A as stored: [m, k] row-major, or [k, m] row-major read transposed.
        let (lhs, rsa, csa) = if s.transposed_lhs {
            (Lhs::transposed(&a, s.m), 1isize, s.m as isize)
        } else {
            (Lhs::rows(&a, s.k), s.k as isize, 1isize)
        };
        let reps = if s.m * s.n * s.k > 5_000_000 { 30 } else { 200 };
        let ours = median_ms(
            || matmul(s.m, s.n, s.k, lhs, &bm, s.n, &mut c, s.n, false),
            reps,
        );
        let expected = c.clone();
        let theirs = median_ms(
            || unsafe {
                // SAFETY: every pointer addresses a live buffer of the stated [rows, cols] and strides.
                matrixmultiply::sgemm(
                    s.m,
                    s.k,
                    s.n,
                    1.0,
                    a.as_ptr(),
                    rsa,
                    csa,
                    bm.as_ptr(),
                    s.n as isize,
                    1,
                    0.0,
                    c.as_mut_ptr(),
                    s.n as isize,
                    1,
                )
            },
            reps,
        );
        let worst = expected
            .iter()
            .zip(&c)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0f32, f32::max);
        assert!(
            worst < 1e-3,
            "{}: the two products differ by {worst}",
            s.what
        );
        host::emit(&format!(
            "{{\"shape\":\"{} [{}x{}]·[{}x{}]\",\"ours_ms\":{ours:.4},\"matrixmultiply_ms\":{theirs:.4},\"ratio\":{:.2}}}",
            s.what,
            s.m,
            s.k,
            s.k,
            s.n,
            theirs / ours
        ));
    }
}
