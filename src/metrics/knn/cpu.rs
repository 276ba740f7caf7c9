//! The CPU twin of the kNN kernel: exact distances by a register-blocked f32 GEMM, with a top-k
//! selection fused into it.
//!
//! The layout is the one BLAS libraries use (Goto & van de Geijn, "Anatomy of high-performance
//! matrix multiplication", TOMS 2008): the reference vectors are packed once into panels of `NR`
//! rows stored dimension-major (`[dim][NR]`), the queries of a block into micro-panels of `MR`
//! rows (`[dim][MR]`). The micro-kernel keeps an `MR × NR` tile of dot products in registers and,
//! per dimension, loads `NR` reference values as whole vectors and broadcasts `MR` query values:
//! `MR·NR` fused multiply-adds per `NR/lanes + MR` loads, so it is bound by the FMA units, not by
//! loads. The tile then becomes distances and each is compared with its query's current k-th
//! distance; the rare ones below it enter the query's sorted top-k list. No N×N matrix is ever
//! stored.
//!
//! The micro-kernel is plain Rust over arrays, written so that LLVM vectorises it; it is compiled
//! three times: for AVX-512 (12×32 tile, 24 of the 32 zmm registers), AVX2+FMA (6×16 tile, 12 of
//! 16 ymm) and a portable fallback (no FMA: `mul_add` would be a libm call there). The AVX
//! variants are chosen at run time by CPU feature detection.

use super::{Metric, Tick, TopK};
use rayon::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};

/// Queries per parallel task (a multiple of every `MR`): their packed rows stay in L2 while
/// every reference panel streams past them.
const QUERY_BLOCK: usize = 192;

/// Which instruction set the kernel runs with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isa {
    Avx512,
    Avx2,
    Portable,
}

impl Isa {
    /// The best this CPU has.
    pub fn detect() -> Isa {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                return Isa::Avx512;
            }
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                return Isa::Avx2;
            }
        }
        Isa::Portable
    }

    /// Whether this CPU runs the kernel: any `Isa` may be passed to [`candidates`], which falls
    /// back to the portable kernel for one the CPU lacks (never executing instructions it does
    /// not have).
    pub fn available(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            match self {
                Isa::Avx512 => has!("avx512f") && has!("avx2") && has!("fma"),
                Isa::Avx2 => has!("avx2") && has!("fma"),
                Isa::Portable => true,
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            self == Isa::Portable
        }
    }

    /// `(MR, NR)`: queries and references per register tile.
    fn tile(self) -> (usize, usize) {
        match self {
            Isa::Avx512 => (12, 32),
            Isa::Avx2 => (6, 16),
            Isa::Portable => (4, 8),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Isa::Avx512 => "avx512",
            Isa::Avx2 => "avx2+fma",
            Isa::Portable => "portable",
        }
    }
}

/// The vectors prepared for the kernel: f32, unit length under cosine, packed in panels.
pub struct Packed {
    pub n: usize,
    pub dim: usize,
    nr: usize,
    /// `[panel][dim][NR]`, rows past `n` zero.
    panels: Vec<f32>,
    /// Squared norms (f32, from f64 sums) per row, padded; zero under cosine.
    sq: Vec<f32>,
    /// The f32 rows the queries are packed from, row-major.
    rows: Vec<f32>,
}

/// Prepare `x` (`n × dim`, row-major) for `metric`: cosine rows are normalised in f64 (a zero
/// vector stays zero: its similarity to everything is 0, its distance 1).
pub fn pack(x: &[f32], dim: usize, metric: Metric, isa: Isa) -> Packed {
    let n = x.len().checked_div(dim).unwrap_or(0);
    let (_, nr) = isa.tile();
    let mut rows = x[..n * dim].to_vec();
    let mut sq = vec![0f32; n.div_ceil(nr) * nr];
    crate::util::pool::install(|| {
        rows.par_chunks_mut(dim.max(1))
            .zip(sq.par_iter_mut())
            .for_each(|(r, s)| {
                let norm2: f64 = r.iter().map(|&v| v as f64 * v as f64).sum();
                match metric {
                    Metric::Cosine => {
                        if norm2 > 0.0 {
                            let inv = 1.0 / norm2.sqrt();
                            r.iter_mut().for_each(|v| *v = (*v as f64 * inv) as f32);
                        }
                    }
                    Metric::L2 => *s = norm2 as f32,
                }
            })
    });
    let npanels = n.div_ceil(nr);
    let mut panels = vec![0f32; npanels * dim * nr];
    crate::util::pool::install(|| {
        panels
            .par_chunks_mut(dim.max(1) * nr)
            .enumerate()
            .for_each(|(p, panel)| {
                for j in 0..nr.min(n - p * nr) {
                    let row = &rows[(p * nr + j) * dim..][..dim];
                    for (k, &v) in row.iter().enumerate() {
                        panel[k * nr + j] = v;
                    }
                }
            })
    });
    Packed {
        n,
        dim,
        nr,
        panels,
        sq,
        rows,
    }
}

/// Multiply-add: fused where the target has FMA, else a multiply and an add (a fused `mul_add`
/// without hardware FMA is a slow library call).
trait MulAdd {
    fn mul_add(a: f32, b: f32, c: f32) -> f32;
}
struct Fused;
struct Separate;
impl MulAdd for Fused {
    #[inline(always)]
    fn mul_add(a: f32, b: f32, c: f32) -> f32 {
        a.mul_add(b, c)
    }
}
impl MulAdd for Separate {
    #[inline(always)]
    fn mul_add(a: f32, b: f32, c: f32) -> f32 {
        a * b + c
    }
}

/// Each row's `k` nearest other rows by f32 distance (squared L2 or `1 − cos`), ties to the lower
/// index. `progress` hears of every finished block of queries. An `isa` this CPU lacks runs the
/// portable kernel (see [`Isa::available`]): the function is safe whatever it is given.
pub fn candidates(p: &Packed, metric: Metric, k: usize, isa: Isa, progress: &Tick) -> Vec<TopK> {
    let done = AtomicU64::new(0);
    let blocks: Vec<(usize, usize)> = (0..p.n)
        .step_by(QUERY_BLOCK)
        .map(|a| (a, (a + QUERY_BLOCK).min(p.n)))
        .collect();
    crate::util::pool::install(|| {
        blocks
            .into_par_iter()
            .flat_map_iter(|(a, b)| {
                let t = block_dispatch(p, metric, k, isa, a, b);
                progress(
                    done.fetch_add((b - a) as u64, Ordering::Relaxed) + (b - a) as u64,
                    p.n as u64,
                );
                t
            })
            .collect()
    })
}

fn block_dispatch(p: &Packed, metric: Metric, k: usize, isa: Isa, a: usize, b: usize) -> Vec<TopK> {
    // `Isa` is a public, freely constructed value: check the CPU before every vector kernel.
    let isa = if isa.available() { isa } else { Isa::Portable };
    match isa {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => {
            // SAFETY: `available` checked avx512f, avx2 and fma just above.
            unsafe { block_avx512(p, metric, k, a, b) }
        }
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => {
            // SAFETY: `available` checked avx2 and fma just above.
            unsafe { block_avx2(p, metric, k, a, b) }
        }
        _ => block::<4, 8, Separate>(p, metric, k, a, b),
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
fn block_avx512(p: &Packed, metric: Metric, k: usize, a: usize, b: usize) -> Vec<TopK> {
    block::<12, 32, Fused>(p, metric, k, a, b)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn block_avx2(p: &Packed, metric: Metric, k: usize, a: usize, b: usize) -> Vec<TopK> {
    block::<6, 16, Fused>(p, metric, k, a, b)
}

/// One query block against every reference panel.
#[inline(always)]
fn block<const MR: usize, const NR: usize, F: MulAdd>(
    p: &Packed,
    metric: Metric,
    k: usize,
    a: usize,
    b: usize,
) -> Vec<TopK> {
    debug_assert_eq!(p.nr, NR);
    let dim = p.dim;
    let nq = b - a;
    let micro = nq.div_ceil(MR);
    // Micro-panels `[dim][MR]`; a short last one repeats its last query (results dropped).
    let mut qpack = vec![0f32; micro * dim * MR];
    for (m, mp) in qpack.chunks_exact_mut((dim * MR).max(1)).enumerate() {
        for i in 0..MR {
            let q = a + (m * MR + i).min(nq - 1);
            for (kk, &v) in p.rows[q * dim..][..dim].iter().enumerate() {
                mp[kk * MR + i] = v;
            }
        }
    }
    let qsq: Vec<f32> = (0..micro * MR).map(|i| p.sq[a + i.min(nq - 1)]).collect();
    let mut tops: Vec<TopK> = (0..nq).map(|_| TopK::new(k)).collect();
    for (pi, panel) in p.panels.chunks_exact((dim * NR).max(1)).enumerate() {
        let r0 = pi * NR;
        let valid = NR.min(p.n - r0);
        let rsq: &[f32; NR] = p.sq[r0..r0 + NR].try_into().expect("padded norms");
        for (m, mp) in qpack.chunks_exact((dim * MR).max(1)).enumerate() {
            let acc = tile::<MR, NR, F>(mp, panel);
            for (i, row) in acc.iter().enumerate() {
                let qi = m * MR + i;
                if qi >= nq {
                    break;
                }
                let top = &mut tops[qi];
                let thr = top.threshold();
                let mut dist = [0f32; NR];
                match metric {
                    Metric::L2 => {
                        let s = qsq[qi];
                        for j in 0..NR {
                            dist[j] = (s + rsq[j] - 2.0 * row[j]).max(0.0);
                        }
                    }
                    Metric::Cosine => {
                        for j in 0..NR {
                            dist[j] = 1.0 - row[j];
                        }
                    }
                }
                if !dist.iter().any(|&d| d < thr) && thr.is_finite() {
                    continue;
                }
                let qg = a + qi;
                for (j, &d) in dist.iter().enumerate().take(valid) {
                    let rg = r0 + j;
                    if rg != qg {
                        top.push(d, rg as u32);
                    }
                }
            }
        }
    }
    tops
}

/// The micro-kernel: an `MR × NR` tile of dot products over the whole dimension.
#[inline(always)]
fn tile<const MR: usize, const NR: usize, F: MulAdd>(qp: &[f32], panel: &[f32]) -> [[f32; NR]; MR] {
    let mut acc = [[0f32; NR]; MR];
    for (q, r) in qp.chunks_exact(MR).zip(panel.chunks_exact(NR)) {
        let q: &[f32; MR] = q.try_into().expect("chunk of MR");
        let r: &[f32; NR] = r.try_into().expect("chunk of NR");
        for i in 0..MR {
            for j in 0..NR {
                acc[i][j] = F::mul_add(q[i], r[j], acc[i][j]);
            }
        }
    }
    acc
}
