//! Dense f32 kernels for the fused training path ([`crate::bptt`]): one register-blocked matrix
//! product and the two activation functions. The activations and the portable micro-kernel are
//! written for LLVM to vectorise (AVX natively with `target-cpu=native`, see `.cargo/config.toml`);
//! on wasm32 the micro-kernel is spelled out in `simd128` intrinsics, which measured 18% faster in
//! Chromium than the vectorised portable one. No heap allocation.
//!
//! The matrix product follows the structure of BLIS (Van Zee & van de Geijn 2015, *BLIS: A Framework
//! for Rapidly Instantiating BLAS Functionality*): the left operand is packed into small contiguous
//! panels of [`MR`] rows, and a micro-kernel keeps an `MR × NR` block of the result in registers while
//! it walks the shared dimension.

/// Rows of the result a micro-kernel holds in registers.
const MR: usize = 4;
/// Columns of the result a micro-kernel holds in registers: two vectors, of 4 lanes (wasm `simd128`,
/// SSE) or of 8 (AVX, natively with `target-cpu=native`, see `.cargo/config.toml`).
#[cfg(not(target_feature = "avx"))]
const NR: usize = 8;
#[cfg(target_feature = "avx")]
const NR: usize = 16;
/// Shared-dimension chunk packed at a time (the packed panel lives on the stack).
const KC: usize = 256;

/// A read-only matrix view: element `(i, p)` is `data[i * row_stride + p * col_stride]`. With
/// `col_stride = 1` it is a row-major matrix (or a block of columns of one); with `row_stride = 1` it is
/// the transpose of a row-major matrix, which is how weight gradients `Xᵀ · dY` are formed without
/// copying `X`.
#[derive(Clone, Copy)]
pub struct Lhs<'a> {
    pub data: &'a [f32],
    pub row_stride: usize,
    pub col_stride: usize,
}

impl<'a> Lhs<'a> {
    /// A row-major matrix whose rows are `stride` apart.
    pub fn rows(data: &'a [f32], stride: usize) -> Self {
        Lhs {
            data,
            row_stride: stride,
            col_stride: 1,
        }
    }

    /// The transpose of a row-major matrix whose rows are `stride` apart.
    pub fn transposed(data: &'a [f32], stride: usize) -> Self {
        Lhs {
            data,
            row_stride: 1,
            col_stride: stride,
        }
    }
}

/// `C[m, n] (+)= A[m, k] · B[k, n]`. `B` and `C` are row-major with rows `ldb` and `ldc` apart (so a
/// block of columns of a wider matrix can be read or written in place). With `accumulate` the product
/// is added to `C`, otherwise it replaces it.
#[allow(clippy::too_many_arguments)]
pub fn matmul(
    m: usize,
    n: usize,
    k: usize,
    a: Lhs,
    b: &[f32],
    ldb: usize,
    c: &mut [f32],
    ldc: usize,
    accumulate: bool,
) {
    if m == 0 || n == 0 {
        return;
    }
    assert!(
        (m - 1) * a.row_stride + k.saturating_sub(1) * a.col_stride < a.data.len() || k == 0,
        "matmul: A is too short for [{m}, {k}]"
    );
    assert!(
        k == 0 || (k - 1) * ldb + n <= b.len(),
        "matmul: B is too short for [{k}, {n}]"
    );
    assert!((m - 1) * ldc + n <= c.len(), "matmul: C is too short");
    if k == 0 {
        if !accumulate {
            for i in 0..m {
                c[i * ldc..i * ldc + n].fill(0.0);
            }
        }
        return;
    }
    if matrixmultiply_is_faster(&a) {
        // SAFETY: the asserts above bound every element sgemm reads (A's rows `row_stride` and its
        // columns `col_stride` apart, B's rows `ldb` apart) and writes (C's rows `ldc` apart); with
        // beta = 0 it does not read C.
        unsafe {
            matrixmultiply::sgemm(
                m,
                k,
                n,
                1.0,
                a.data.as_ptr(),
                a.row_stride as isize,
                a.col_stride as isize,
                b.as_ptr(),
                ldb as isize,
                1,
                if accumulate { 1.0 } else { 0.0 },
                c.as_mut_ptr(),
                ldc as isize,
                1,
            );
        }
        return;
    }
    // SAFETY: `blocks` needs relaxed SIMD only in builds that enable it, which the page loads only
    // where `WebAssembly.validate` accepts relaxed SIMD (www/lab/modules.js).
    unsafe { blocks(m, n, k, a, b, ldb, c, ldc, accumulate) }
}

/// Whether the `matrixmultiply` crate (ndarray's own GEMM) computes this product faster than
/// [`blocks`]: natively, for a transposed `A` (the weight gradients `Xᵀ·dY`, where our panels gather
/// `A` with a stride). Measured on the fused path's shapes (`examples/kernels.rs`, `make bench`,
/// BENCHMARKS.md 2026-12-06): natively it was 1.43× faster where `C` is 32 wide and 1.02–1.06× where
/// it is wider, ours 1.03–1.06× faster for a row-major `A`. In V8 ours is 1.3–1.45× faster for a
/// row-major `A` and 1.11–1.15× for a transposed one, except where `C` is 32 wide (`matrixmultiply`
/// 1.06× faster on the simd128 build); routing those to it left the RNN's epoch in Chromium as it was
/// (9.4–10.1 against 9.7–10.2 ms, the relaxed-SIMD build the page loads), so wasm keeps ours.
fn matrixmultiply_is_faster(a: &Lhs) -> bool {
    let transposed = a.row_stride == 1 && a.col_stride > 1;
    transposed && !cfg!(target_arch = "wasm32")
}

/// [`matmul`]'s loops over the shared dimension in chunks of [`KC`] and the result in `MR × NR`
/// tiles. On wasm32 a row-major `A` is read where it lies ([`READ_A_IN_PLACE`]); a transposed `A`
/// (a weight gradient's `Xᵀ`, read with a stride), the bottom edge (fewer than `MR` rows) and every
/// panel of a native build are packed first. Packing every panel
/// was most of `matmul`'s own 20% of a profiled epoch (V8, tutorial GRU), because `C` is often
/// narrow (`dĥ·Uᵀ`, 32 columns: four tiles to share one packed panel). With `relaxed-simd` the
/// micro-kernel inlines here.
#[allow(clippy::too_many_arguments)]
#[cfg_attr(
    all(target_arch = "wasm32", feature = "relaxed-simd"),
    target_feature(enable = "relaxed-simd")
)]
unsafe fn blocks(
    m: usize,
    n: usize,
    k: usize,
    a: Lhs,
    b: &[f32],
    ldb: usize,
    c: &mut [f32],
    ldc: usize,
    accumulate: bool,
) {
    let mut packed = [0.0f32; MR * KC];
    let mut k0 = 0;
    while k0 < k {
        let kc = KC.min(k - k0);
        let add = accumulate || k0 > 0;
        let mut i0 = 0;
        while i0 < m {
            let mr = MR.min(m - i0);
            let panel = if READ_A_IN_PLACE && a.col_stride == 1 && mr == MR {
                Panel {
                    data: &a.data[i0 * a.row_stride + k0..],
                    row_step: a.row_stride,
                    k_step: 1,
                }
            } else {
                pack(&a, i0, mr, k0, kc, &mut packed);
                Panel {
                    data: &packed[..kc * MR],
                    row_step: 1,
                    k_step: MR,
                }
            };
            panel.check(kc);
            let b = &b[k0 * ldb..];
            let c = &mut c[i0 * ldc..];
            let mut j0 = 0;
            while j0 + NR <= n {
                if mr == MR {
                    full_tile(&panel, kc, &b[j0..], ldb, &mut c[j0..], ldc, add);
                } else {
                    tile::<NR>(&panel, mr, kc, &b[j0..], ldb, &mut c[j0..], ldc, add);
                }
                j0 += NR;
            }
            while j0 < n {
                tile::<1>(&panel, mr, kc, &b[j0..], ldb, &mut c[j0..], ldc, add);
                j0 += 1;
            }
            i0 += MR;
        }
        k0 += kc;
    }
}

/// Whether [`blocks`] reads a row-major `A` where it lies. On wasm32 the explicit kernel broadcasts
/// each element of `A` from memory, so packing was pure cost (in place: 8–15% off every cell's epoch
/// in V8). The portable kernel that native builds run vectorises better from the packed copy (in
/// place it was 7–10% slower in the x86-64 CLI), so native builds keep packing.
const READ_A_IN_PLACE: bool = cfg!(target_arch = "wasm32");

/// `MR` rows of `A` for the micro-kernel: element `(i, p)` of the block at
/// `data[i * row_step + p * k_step]`; either `A` itself (row-major: `k_step = 1`) or its packed copy
/// (`row_step = 1`, `k_step = MR`).
struct Panel<'a> {
    data: &'a [f32],
    row_step: usize,
    k_step: usize,
}

impl Panel<'_> {
    /// Every element of an `MR × kc` block lies inside `data`: the micro-kernels' unchecked reads
    /// rely on it.
    fn check(&self, kc: usize) {
        assert!(
            kc > 0 && (MR - 1) * self.row_step + (kc - 1) * self.k_step < self.data.len(),
            "matmul: panel too short"
        );
    }

    /// Element `(i, p)`; `i < MR` and `p < kc` of the last [`Panel::check`].
    #[inline(always)]
    fn at(&self, i: usize, p: usize) -> f32 {
        // Without in-place reads every panel is packed (`row_step = 1`, `k_step = MR`): constant
        // steps let the portable kernel load a packed row as one vector.
        let index = if READ_A_IN_PLACE {
            i * self.row_step + p * self.k_step
        } else {
            i + p * MR
        };
        // SAFETY: `check(kc)` bounds `(MR − 1)·row_step + (kc − 1)·k_step`.
        unsafe { *self.data.get_unchecked(index) }
    }
}

/// Copies rows `i0..i0 + mr` and columns `k0..k0 + kc` of `A` into `panel` as `[kc][MR]`, padding
/// missing rows with zeros, so the micro-kernel reads its `MR` broadcasts from one contiguous place.
fn pack(a: &Lhs, i0: usize, mr: usize, k0: usize, kc: usize, panel: &mut [f32; MR * KC]) {
    for p in 0..kc {
        let column = (k0 + p) * a.col_stride;
        let slot = &mut panel[p * MR..(p + 1) * MR];
        for (i, v) in slot.iter_mut().enumerate() {
            *v = if i < mr {
                a.data[(i0 + i) * a.row_stride + column]
            } else {
                0.0
            };
        }
    }
}

/// The full `MR × NR` micro-kernel: explicit `simd128` on wasm32, the portable one elsewhere.
#[inline(always)]
fn full_tile(
    panel: &Panel,
    kc: usize,
    b: &[f32],
    ldb: usize,
    c: &mut [f32],
    ldc: usize,
    accumulate: bool,
) {
    #[cfg(target_arch = "wasm32")]
    {
        assert!(b.len() >= (kc - 1) * ldb + NR);
        assert!(c.len() >= (MR - 1) * ldc + NR);
        // SAFETY: `panel.check(kc)` and the asserts above bound every load and store below.
        unsafe {
            wasm_tile(
                panel.data.as_ptr(),
                panel.row_step,
                panel.k_step,
                kc,
                b.as_ptr(),
                ldb,
                c.as_mut_ptr(),
                ldc,
                accumulate,
            )
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    tile::<NR>(panel, MR, kc, b, ldb, c, ldc, accumulate)
}

/// [`tile`] for `MR = 4`, `NR = 8`, all rows, in wasm `simd128` intrinsics: eight `f32x4` accumulators, one
/// `v128.load32_splat` per row of A and two loads of B per step of the shared dimension. With the
/// `relaxed-simd` feature each multiply and add is one `f32x4.relaxed_madd` (a fused multiply-add where
/// the CPU has one: 8–10% off every cell's epoch in Chromium), for browsers that validate it.
#[cfg(target_arch = "wasm32")]
#[allow(clippy::too_many_arguments)]
#[cfg_attr(not(feature = "relaxed-simd"), inline(always))]
#[cfg_attr(feature = "relaxed-simd", target_feature(enable = "relaxed-simd"))]
unsafe fn wasm_tile(
    a: *const f32,
    row_step: usize,
    k_step: usize,
    kc: usize,
    b: *const f32,
    ldb: usize,
    c: *mut f32,
    ldc: usize,
    accumulate: bool,
) {
    use core::arch::wasm32::*;
    const _: () = assert!(MR == 4 && NR == 8);
    unsafe {
        let mut acc = [[f32x4_splat(0.0); 2]; MR];
        if accumulate {
            for (i, row) in acc.iter_mut().enumerate() {
                let at = c.add(i * ldc);
                *row = [
                    v128_load(at as *const v128),
                    v128_load(at.add(4) as *const v128),
                ];
            }
        }
        let rows = [a, a.add(row_step), a.add(2 * row_step), a.add(3 * row_step)];
        let mut bp = b;
        for p in 0..kc {
            let b0 = v128_load(bp as *const v128);
            let b1 = v128_load(bp.add(4) as *const v128);
            for (row, start) in acc.iter_mut().zip(rows) {
                let ai = v128_load32_splat(start.add(p * k_step) as *const u32);
                row[0] = madd(ai, b0, row[0]);
                row[1] = madd(ai, b1, row[1]);
            }
            bp = bp.add(ldb);
        }
        for (i, row) in acc.iter().enumerate() {
            let at = c.add(i * ldc);
            v128_store(at as *mut v128, row[0]);
            v128_store(at.add(4) as *mut v128, row[1]);
        }
    }
}

/// `a·b + c` lane by lane: fused where relaxed SIMD allows ([`wasm_tile`]).
#[cfg(all(target_arch = "wasm32", feature = "relaxed-simd"))]
#[inline]
#[target_feature(enable = "relaxed-simd")]
fn madd(
    a: core::arch::wasm32::v128,
    b: core::arch::wasm32::v128,
    c: core::arch::wasm32::v128,
) -> core::arch::wasm32::v128 {
    core::arch::wasm32::f32x4_relaxed_madd(a, b, c)
}

/// `a·b + c` lane by lane, as a multiply and an add.
#[cfg(all(target_arch = "wasm32", not(feature = "relaxed-simd")))]
#[inline(always)]
fn madd(
    a: core::arch::wasm32::v128,
    b: core::arch::wasm32::v128,
    c: core::arch::wasm32::v128,
) -> core::arch::wasm32::v128 {
    use core::arch::wasm32::*;
    f32x4_add(c, f32x4_mul(a, b))
}

/// The portable micro-kernel: an `MR × W` block of `C` in registers, updated once per step of the
/// shared dimension; the first `mr` rows are stored (fewer at the bottom edge of `C`).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn tile<const W: usize>(
    panel: &Panel,
    mr: usize,
    kc: usize,
    b: &[f32],
    ldb: usize,
    c: &mut [f32],
    ldc: usize,
    accumulate: bool,
) {
    let mut acc = [[0.0f32; W]; MR];
    for p in 0..kc {
        let a: [f32; MR] = std::array::from_fn(|i| panel.at(i, p));
        let b: &[f32; W] = b[p * ldb..p * ldb + W].try_into().unwrap();
        for i in 0..MR {
            for j in 0..W {
                acc[i][j] += a[i] * b[j];
            }
        }
    }
    for (i, row) in acc.iter().enumerate().take(mr) {
        let out = &mut c[i * ldc..i * ldc + W];
        for (o, v) in out.iter_mut().zip(row) {
            *o = if accumulate { *o + v } else { *v };
        }
    }
}

/// `eˣ` to about one ulp, branch-free so that loops over it vectorise: `x = n·ln 2 + r` with
/// `|r| ≤ ln 2 / 2`, Cephes' degree-6 polynomial for `eʳ` (Moshier 1989, *Methods and Programs for
/// Mathematical Functions*, `expf`), and `2ⁿ` built in the exponent bits. Rounding to `n` adds and
/// subtracts 1.5·2²³, which needs no SSE4.1 `round`. Inputs are clamped to `[−87, 88]` (NaN passes through).
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    const SHIFT: f32 = 12_582_912.0; // 1.5 · 2²³: adding it rounds to an integer in the low bits
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // Comparisons and selects, not `clamp`: wasm's `f32x4.min` propagates NaN in several instructions,
    // a select compiles to the one-instruction `f32x4.pmin`/`pmax`.
    let x = if x < -87.0 { -87.0 } else { x };
    let x = if x > 88.0 { 88.0 } else { x };
    let shifted = x * std::f32::consts::LOG2_E + SHIFT;
    let n = shifted - SHIFT;
    let r = x - n * LN2_HI - n * LN2_LO;
    let poly = ((((1.987_569_2e-4 * r + 1.398_2e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2) * r
        + 0.166_666_65)
        * r
        + 0.5;
    let er = poly * r * r + r + 1.0;
    // The low mantissa bits of `shifted` hold n (two's complement around 0x4B40_0000).
    let exponent = shifted
        .to_bits()
        .wrapping_sub(0x4B40_0000)
        .wrapping_add(127)
        << 23;
    er * f32::from_bits(exponent)
}

/// `σ(x) = 1 / (1 + e⁻ˣ)`.
#[inline(always)]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

/// `tanh(x) = 2σ(2x) − 1` (absolute error below 1e-7).
#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    2.0 / (1.0 + exp(-2.0 * x)) - 1.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain triple loop the kernel must agree with.
    fn reference(m: usize, n: usize, k: usize, a: &Lhs, b: &[f32], ldb: usize) -> Vec<f32> {
        let mut c = vec![0.0f64; m * n];
        for i in 0..m {
            for j in 0..n {
                for p in 0..k {
                    c[i * n + j] +=
                        a.data[i * a.row_stride + p * a.col_stride] as f64 * b[p * ldb + j] as f64;
                }
            }
        }
        c.into_iter().map(|v| v as f32).collect()
    }

    fn numbers(len: usize, seed: u32) -> Vec<f32> {
        let mut s = seed.wrapping_mul(2_654_435_761).max(1);
        (0..len)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                (s % 2000) as f32 / 1000.0 - 1.0
            })
            .collect()
    }

    #[test]
    fn matmul_matches_the_triple_loop_for_every_edge_and_layout() {
        for &(m, n, k) in &[
            (1, 1, 1),
            (3, 5, 2),
            (4, 8, 7),
            (9, 17, 33),
            (13, 96, 300),
            (990, 32, 96),
        ] {
            let a = numbers(m * k, 1);
            let at = numbers(k * m, 2);
            let b = numbers(k * (n + 3), 3);
            for (label, lhs) in [
                ("rows", Lhs::rows(&a, k)),
                ("transposed", Lhs::transposed(&at, m)),
            ] {
                let expected = reference(m, n, k, &lhs, &b, n + 3);
                let mut c = numbers(m * n, 4);
                let before = c.clone();
                matmul(m, n, k, lhs, &b, n + 3, &mut c, n, false);
                for (i, (x, y)) in c.iter().zip(&expected).enumerate() {
                    assert!(
                        (x - y).abs() < 1e-4,
                        "{label} {m}×{n}×{k} [{i}]: {x} vs {y}"
                    );
                }
                let mut c = before.clone();
                matmul(m, n, k, lhs, &b, n + 3, &mut c, n, true);
                for (i, x) in c.iter().enumerate() {
                    let y = before[i] + expected[i];
                    assert!((x - y).abs() < 1e-4, "{label} accumulate [{i}]: {x} vs {y}");
                }
            }
        }
    }

    #[test]
    fn activations_match_the_standard_library() {
        let mut worst = [0.0f32; 3];
        for i in -20_000..=20_000 {
            let x = i as f32 / 1000.0;
            let e = (exp(x) - x.exp()).abs() / x.exp();
            let s = (sigmoid(x) - 1.0 / (1.0 + (-x).exp())).abs();
            let t = (tanh(x) - x.tanh()).abs();
            worst = [worst[0].max(e), worst[1].max(s), worst[2].max(t)];
        }
        assert!(worst[0] < 3e-7, "exp relative error {}", worst[0]);
        assert!(worst[1] < 2e-7, "sigmoid absolute error {}", worst[1]);
        assert!(worst[2] < 3e-7, "tanh absolute error {}", worst[2]);
        assert!(sigmoid(-200.0) < 1e-37 && sigmoid(200.0) == 1.0);
        assert!(tanh(50.0) == 1.0 && tanh(-50.0) == -1.0);
    }
}
