//! Exact k-nearest-neighbour search over a set of vectors (each vector against all the others).
//!
//! Two steps. **Selection**: a brute-force f32 kernel (on the GPU, `shaders/knn.wgsl`; on the CPU,
//! its twin in [`cpu`]) computes every distance, L2 through `|q|² + |r|² − 2q·r` and cosine as
//! `1 − q̂·r̂` of unit vectors, and keeps each query's `k + MARGIN` nearest candidates. The work
//! is `2·N²·d` flops, the shape of a matrix product, and is done as one, tile by tile; no N×N
//! matrix is stored. **Refinement**: each candidate's distance is recomputed in f64 from the
//! original vectors (L2 as `sqrt(Σ(q−r)²)`, without the cancellation of the expanded form) and
//! the `k` nearest kept, ordered by (distance, index). The margin absorbs f32 rounding at the
//! selection boundary, so the result equals a brute-force f64 search unless more than `MARGIN`
//! candidates lie within f32 rounding of the k-th distance (exact ties: the lower index wins,
//! on both devices).
//!
//! Reported distances are Euclidean (not squared) for `l2`, and `1 − cosine similarity` (0 to 2)
//! for `cosine`. Under cosine a zero vector has similarity 0 to every vector: distance 1.

#[doc(hidden)]
pub mod cpu;
#[doc(hidden)]
#[cfg(feature = "gpu")]
pub mod gpu;

use crate::error::{Error, Result};
use rayon::prelude::*;

/// Extra candidates kept by the f32 selection and settled by the f64 refinement.
pub const MARGIN: usize = 8;
/// The same with f16 storage on the GPU, whose rounding (2^-11 relative per component) moves
/// distances more.
pub const MARGIN_F16: usize = 32;

/// The distance between vectors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// `1 − cos(q, r)`.
    Cosine,
    /// Euclidean distance.
    L2,
}

impl Metric {
    /// The metric's name as the command line and the JSON write it: `cosine` or `l2`.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Cosine => "cosine",
            Metric::L2 => "l2",
        }
    }
}

/// A query's nearest candidates so far, sorted by distance (ties: first pushed first).
#[derive(Clone, Debug)]
pub struct TopK {
    cap: usize,
    /// The kept candidates' f32 distances, nearest first.
    pub dist: Vec<f32>,
    /// Their vector indices, in the same order.
    pub id: Vec<u32>,
}

impl TopK {
    /// An empty list that keeps at most `cap` candidates.
    pub fn new(cap: usize) -> TopK {
        TopK {
            cap,
            dist: Vec::with_capacity(cap + 1),
            id: Vec::with_capacity(cap + 1),
        }
    }

    /// The distance a candidate must beat: the worst kept one once the list is full.
    #[inline]
    pub fn threshold(&self) -> f32 {
        if self.dist.len() < self.cap {
            f32::INFINITY
        } else {
            self.dist[self.cap - 1]
        }
    }

    /// Offer a candidate; kept if strictly nearer than the worst kept one (or the list is short).
    #[inline]
    pub fn push(&mut self, d: f32, id: u32) {
        if self.cap == 0 || (self.dist.len() == self.cap && d >= self.dist[self.cap - 1]) {
            return;
        }
        let at = self.dist.partition_point(|&x| x <= d);
        self.dist.insert(at, d);
        self.id.insert(at, id);
        self.dist.truncate(self.cap);
        self.id.truncate(self.cap);
    }
}

/// The k nearest neighbours of every vector.
#[derive(Clone, Debug, PartialEq)]
pub struct Neighbors {
    /// Neighbours per vector.
    pub k: usize,
    /// The distance they were found by.
    pub metric: Metric,
    /// `n × k` row indices, nearest first.
    pub ids: Vec<u32>,
    /// `n × k` distances (f64 refinement), nearest first.
    pub dist: Vec<f64>,
}

impl Neighbors {
    /// Vectors searched.
    pub fn n(&self) -> usize {
        self.ids.len().checked_div(self.k).unwrap_or(0)
    }
    /// The row indices of vector `i`'s neighbours, nearest first.
    pub fn ids_of(&self, i: usize) -> &[u32] {
        &self.ids[i * self.k..(i + 1) * self.k]
    }
    /// The distances from vector `i` to its neighbours, nearest first.
    pub fn dist_of(&self, i: usize) -> &[f64] {
        &self.dist[i * self.k..(i + 1) * self.k]
    }
}

/// Check `k` against `n`: the k actually used (at most `n − 1`), or an error for `n < 2`/`k = 0`.
pub fn effective_k(n: usize, k: usize) -> Result<usize> {
    if k == 0 {
        return Err(Error::Option("-k must be at least 1".into()));
    }
    if n < 2 {
        return Err(Error::Option(format!(
            "nearest neighbours need at least 2 vectors, and {n} {} usable",
            if n == 1 { "is" } else { "are" }
        )));
    }
    if n > u32::MAX as usize {
        return Err(Error::Option(format!(
            "{n} vectors: at most {} are supported",
            u32::MAX
        )));
    }
    Ok(k.min(n - 1))
}

/// Power-of-two factor that keeps squared norms of `x` well inside f32's normal range (1 when
/// they already are). Exact: it changes no comparison, and the refinement uses the original values.
pub fn l2_scale(x: &[f32], dim: usize) -> f32 {
    let max2 = crate::util::pool::install(|| {
        x.par_chunks(dim.max(1))
            .map(|r| r.iter().map(|&v| v as f64 * v as f64).sum::<f64>())
            .reduce(|| 0.0, f64::max)
    });
    let mut s = 1f32;
    let mut m = max2;
    while m > 1e30 {
        s *= 0.5f32.powi(16);
        m *= 0.5f64.powi(32);
    }
    // Tiny vectors too: squared norms below f32's normal range would round to 0 and tie.
    while m > 0.0 && m < 1e-20 {
        s *= 2f32.powi(16);
        m *= 2f64.powi(32);
    }
    s
}

/// Exact k nearest neighbours on the CPU (all cores). `x` is `n × dim`, row-major, finite.
pub fn knn_cpu(x: &[f32], dim: usize, k: usize, metric: Metric) -> Result<Neighbors> {
    let n = x.len().checked_div(dim).unwrap_or(0);
    let k = effective_k(n, k)?;
    let scaled;
    let xs = match (metric, l2_scale(x, dim)) {
        (Metric::L2, s) if s != 1.0 => {
            scaled = x.iter().map(|v| v * s).collect::<Vec<_>>();
            &scaled[..]
        }
        _ => x,
    };
    let isa = cpu::Isa::detect();
    let packed = cpu::pack(xs, dim, metric, isa);
    let cands = cpu::candidates(&packed, metric, (k + MARGIN).min(n - 1), isa, &|_, _| {});
    Ok(refine(x, dim, k, metric, &cands))
}

/// Progress callback: `(queries done, queries in all)`.
pub type Tick<'a> = dyn Fn(u64, u64) + Sync + 'a;

/// What to search for, and where.
#[derive(Clone, Copy, Debug)]
pub struct KnnOptions {
    /// Neighbours per vector (at most `n − 1` are used).
    pub k: usize,
    /// The distance to search by (default cosine).
    pub metric: Metric,
    /// Where to search (default `Auto`).
    pub device: crate::Device,
    /// Tuning of the GPU search.
    #[cfg(feature = "gpu")]
    pub gpu: gpu::GpuKnnOptions,
}

impl Default for KnnOptions {
    fn default() -> Self {
        KnnOptions {
            k: 10,
            metric: Metric::Cosine,
            device: crate::Device::Auto,
            #[cfg(feature = "gpu")]
            gpu: Default::default(),
        }
    }
}

/// Where the search ran and what happened on the way.
#[derive(Clone, Debug)]
pub struct KnnRun {
    /// The k nearest neighbours of every vector, refined in f64.
    pub neighbors: Neighbors,
    /// `cpu (avx512)` or `gpu (<adapter>, <backend>)`.
    pub device: String,
    /// Seconds of the selection (the O(N²·d) part), without the refinement.
    pub select_seconds: f64,
    /// Seconds of the f64 refinement.
    pub refine_seconds: f64,
    /// Fallbacks and adjustments worth a line to the user.
    pub notices: Vec<String>,
}

/// Exact k nearest neighbours of every row of `x` (`n × dim`, finite), on `device`: `Auto` takes
/// a hardware GPU when one opens and the CPU otherwise; a GPU failure mid-run falls back to the
/// CPU (said in `notices`); results do not depend on the device beyond the ties the module doc
/// describes.
pub fn knn(x: &[f32], dim: usize, opts: &KnnOptions, progress: &Tick) -> Result<KnnRun> {
    #[cfg(feature = "gpu")]
    use crate::Device;
    let (k, metric, device) = (opts.k, opts.metric, opts.device);
    let n = x.len().checked_div(dim).unwrap_or(0);
    let k_eff = effective_k(n, k)?;
    let mut notices = Vec::new();
    if k_eff < k {
        notices.push(format!(
            "-k {k} is more than the {} other vectors: using k = {k_eff}",
            n - 1
        ));
    }
    #[cfg(feature = "gpu")]
    let margin = if opts.gpu.f16 && device != Device::Cpu {
        MARGIN_F16
    } else {
        MARGIN
    };
    #[cfg(not(feature = "gpu"))]
    let margin = MARGIN;
    let kc = (k_eff + margin).min(n - 1);
    let scale = if metric == Metric::L2 {
        l2_scale(x, dim)
    } else {
        1.0
    };
    let start = std::time::Instant::now();
    #[cfg_attr(not(feature = "gpu"), allow(unused_mut))]
    let mut found: Option<(Vec<TopK>, String)> = None;
    #[cfg(feature = "gpu")]
    if let Some(ctx) = crate::gpu::open(device, &mut notices)? {
        let run = crate::error::guarded(std::path::Path::new("<gpu>"), || {
            gpu::candidates(&ctx, x, dim, metric, kc, scale, opts.gpu, progress)
        });
        match run {
            Ok(c) => found = Some((c, format!("gpu ({})", ctx.describe()))),
            Err(e) => notices.push(crate::gpu::fell_back("neighbour search", &e)),
        }
    }
    #[cfg(not(feature = "gpu"))]
    crate::gpu::open(device, &mut notices)?;
    let (cands, name) = match found {
        Some(f) => f,
        None => {
            let isa = cpu::Isa::detect();
            let xs: Vec<f32>;
            let src = if scale != 1.0 {
                xs = x.iter().map(|v| v * scale).collect();
                &xs[..]
            } else {
                x
            };
            let packed = cpu::pack(src, dim, metric, isa);
            (
                cpu::candidates(&packed, metric, kc, isa, progress),
                format!(
                    "cpu ({}, {} threads)",
                    isa.name(),
                    crate::util::pool::threads()
                ),
            )
        }
    };
    let select_seconds = start.elapsed().as_secs_f64();
    let t = std::time::Instant::now();
    let neighbors = refine(x, dim, k_eff, metric, &cands);
    Ok(KnnRun {
        neighbors,
        device: name,
        select_seconds,
        refine_seconds: t.elapsed().as_secs_f64(),
        notices,
    })
}

/// Exact f64 distance between rows `a` and `b`.
#[inline]
pub fn distance(a: &[f32], b: &[f32], metric: Metric) -> f64 {
    match metric {
        Metric::L2 => a
            .iter()
            .zip(b)
            .map(|(&p, &q)| {
                let d = p as f64 - q as f64;
                d * d
            })
            .sum::<f64>()
            .sqrt(),
        Metric::Cosine => {
            let (mut ab, mut aa, mut bb) = (0f64, 0f64, 0f64);
            for (&p, &q) in a.iter().zip(b) {
                let (p, q) = (p as f64, q as f64);
                ab += p * q;
                aa += p * p;
                bb += q * q;
            }
            if aa == 0.0 || bb == 0.0 {
                1.0
            } else {
                // Clamped: rounding can put |cos| a hair above 1.
                1.0 - (ab / (aa.sqrt() * bb.sqrt())).clamp(-1.0, 1.0)
            }
        }
    }
}

/// Recompute the candidates' distances in f64 and keep the `k` nearest, by (distance, index).
pub fn refine(x: &[f32], dim: usize, k: usize, metric: Metric, cands: &[TopK]) -> Neighbors {
    let per: Vec<(Vec<u32>, Vec<f64>)> = crate::util::pool::install(|| {
        cands
            .par_iter()
            .enumerate()
            .map(|(i, t)| {
                let q = &x[i * dim..][..dim];
                let mut c: Vec<(f64, u32)> =
                    t.id.iter()
                        .map(|&j| (distance(q, &x[j as usize * dim..][..dim], metric), j))
                        .collect();
                c.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                c.truncate(k);
                c.into_iter().map(|(d, j)| (j, d)).unzip()
            })
            .collect()
    });
    let mut ids = Vec::with_capacity(cands.len() * k);
    let mut dist = Vec::with_capacity(cands.len() * k);
    for (a, b) in per {
        ids.extend(a);
        dist.extend(b);
    }
    Neighbors {
        k,
        metric,
        ids,
        dist,
    }
}

/// Brute-force f64 reference (tests and checks): every pair, sorted by (distance, index).
pub fn knn_reference(x: &[f32], dim: usize, k: usize, metric: Metric) -> Neighbors {
    let n = x.len() / dim;
    let cands: Vec<TopK> = (0..n)
        .map(|i| {
            let mut t = TopK::new(n - 1);
            for j in (0..n).filter(|&j| j != i) {
                t.dist.push(0.0);
                t.id.push(j as u32);
            }
            t
        })
        .collect();
    refine(x, dim, k.min(n - 1), metric, &cands)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::rng::Rng;

    fn random(n: usize, dim: usize, seed: u64) -> Vec<f32> {
        let mut r = Rng::new(seed);
        (0..n * dim).map(|_| r.normal() as f32).collect()
    }

    #[test]
    fn topk_keeps_the_nearest_in_order() {
        let mut t = TopK::new(3);
        for (d, i) in [(5.0, 0), (1.0, 1), (3.0, 2), (1.0, 3), (0.5, 4), (9.0, 5)] {
            t.push(d, i);
        }
        assert_eq!(t.id, vec![4, 1, 3]);
        assert_eq!(t.threshold(), 1.0);
    }

    #[test]
    fn cpu_equals_the_f64_reference_on_every_isa() {
        for (n, dim) in [(2, 1), (37, 3), (130, 17), (301, 64)] {
            for metric in [Metric::L2, Metric::Cosine] {
                let x = random(n, dim, n as u64 * 7 + dim as u64);
                let k = 5.min(n - 1);
                let want = knn_reference(&x, dim, k, metric);
                let mut isas = vec![cpu::Isa::Portable, cpu::Isa::detect()];
                if cpu::Isa::detect() == cpu::Isa::Avx512 {
                    isas.push(cpu::Isa::Avx2);
                }
                for isa in isas {
                    let p = cpu::pack(&x, dim, metric, isa);
                    let c = cpu::candidates(&p, metric, (k + MARGIN).min(n - 1), isa, &|_, _| {});
                    let got = refine(&x, dim, k, metric, &c);
                    assert_eq!(got.ids, want.ids, "{n}x{dim} {metric:?} {isa:?}");
                    assert_eq!(got.dist, want.dist);
                }
            }
        }
    }

    #[test]
    fn ties_go_to_the_lower_index_and_self_is_excluded() {
        // Four copies of one point and one far point.
        let x = vec![1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 9.0, 9.0f32];
        let nb = knn_cpu(&x, 2, 2, Metric::L2).unwrap();
        assert_eq!(nb.ids_of(0), &[1, 2]);
        assert_eq!(nb.ids_of(3), &[0, 1]);
        assert_eq!(nb.dist_of(0), &[0.0, 0.0]);
        assert_eq!(nb.ids_of(4), &[0, 1]);
        assert!((nb.dist_of(4)[0] - 128f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn zero_vectors_are_at_cosine_distance_one() {
        let x = vec![0.0, 0.0, 1.0, 0.0, 0.0, 2.0f32];
        let nb = knn_cpu(&x, 2, 2, Metric::Cosine).unwrap();
        assert_eq!(nb.dist_of(0), &[1.0, 1.0]);
        assert_eq!(nb.dist_of(1), &[1.0, 1.0]);
    }

    #[test]
    fn huge_magnitudes_do_not_overflow_the_f32_selection() {
        let x = vec![1e30, 0.0, 1.1e30, 0.0, -1e30, 0.0, 5e29, 0.0f32];
        let nb = knn_cpu(&x, 2, 1, Metric::L2).unwrap();
        let want = knn_reference(&x, 2, 1, Metric::L2);
        assert_eq!(nb, want);
        assert_eq!(nb.ids, vec![1, 0, 3, 0]);
    }

    #[test]
    fn tiny_magnitudes_do_not_underflow_the_f32_selection() {
        let mut r = Rng::new(4);
        let x: Vec<f32> = (0..60 * 4).map(|_| (r.normal() * 1e-20) as f32).collect();
        assert_eq!(
            knn_cpu(&x, 4, 3, Metric::L2).unwrap(),
            knn_reference(&x, 4, 3, Metric::L2)
        );
    }

    #[test]
    fn k_is_clamped_and_small_sets_are_errors() {
        assert_eq!(effective_k(5, 10).unwrap(), 4);
        assert!(effective_k(1, 3)
            .unwrap_err()
            .to_string()
            .contains("at least 2"));
        assert!(effective_k(0, 3).is_err());
        assert!(effective_k(10, 0).is_err());
        let x = vec![0.0, 1.0, 3.0f32];
        let nb = knn_cpu(&x, 1, 10, Metric::L2).unwrap();
        assert_eq!(nb.k, 2);
        assert_eq!(nb.ids, vec![1, 2, 0, 2, 1, 0]);
    }
}
