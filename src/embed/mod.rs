//! Embeddings: reading vector columns, their health, and outlier and near-duplicate scores from
//! exact k nearest neighbours ([`crate::metrics::knn`]).
//!
//! Scores per vector:
//! - `knn_distance`: the mean distance to its k nearest neighbours (Ramaswamy, Rastogi & Shim,
//!   SIGMOD 2000, use the k-th; the mean is steadier);
//! - `lof`: the local outlier factor (Breunig, Kriegel, Ng & Sander, SIGMOD 2000) from the same
//!   neighbours: near 1 inside a cluster, large for a point sparser than its neighbours. As in
//!   scikit-learn's `LocalOutlierFactor`, a local reachability density is `1 / (mean reach
//!   distance + 1e-10)`, so exact duplicates give large but finite densities.
//!
//! Near-duplicates: pairs among each vector's k neighbours whose cosine similarity is at least the
//! threshold, joined into clusters (union-find). A cluster larger than k + 1 is still found
//! whole when its members link up through their neighbours.
//!
//! The distributions of norms and scores are profiled by the tabular engine
//! ([`crate::profile_batches`]), so they carry the same histograms and moments as any column.

pub mod source;
/// The per-dimension state kept for drift (it lives with the other metric states).
pub use crate::metrics::vectors as state;
pub use crate::profile::embedding::{
    Cluster, EmbeddingReport, Excluded, NearDuplicates, Norms, Outlier, Seconds,
};
#[doc(hidden)]
pub mod synthetic;

use crate::error::Result;
use crate::metrics::knn::{self, KnnOptions, Metric, Neighbors, Tick};
use arrow::array::{ArrayRef, Float64Array, RecordBatch, StringArray, UInt64Array};
use rayon::prelude::*;
use std::sync::Arc;

pub use source::{read_embeddings, Embeddings};

/// Default cosine similarity at or above which two vectors are near-duplicates.
pub const DEFAULT_DUP_THRESHOLD: f64 = 0.98;
/// Rows listed per cluster and clusters listed in a report.
const LISTED: usize = 10;

/// Options of an outlier analysis.
#[derive(Clone, Debug)]
pub struct AnalyzeOptions {
    /// The neighbour search: k, metric and device.
    pub knn: KnnOptions,
    /// Cosine similarity at or above which two neighbours are near-duplicates.
    pub dup_threshold: f64,
    /// Strongest outliers listed in the report.
    pub top: usize,
}

impl Default for AnalyzeOptions {
    fn default() -> Self {
        AnalyzeOptions {
            knn: KnnOptions::default(),
            dup_threshold: DEFAULT_DUP_THRESHOLD,
            top: 20,
        }
    }
}

/// Per-vector results, indexed like the usable rows of [`Embeddings`].
#[derive(Clone, Debug)]
pub struct Scores {
    /// The k nearest neighbours of each row and their distances.
    pub neighbors: Neighbors,
    /// Mean distance of each row to its k nearest neighbours.
    pub knn_distance: Vec<f64>,
    /// Local outlier factor of each row: near 1 inside a cluster, large for an outlier.
    pub lof: Vec<f64>,
    /// Euclidean (L2) norm of each row's vector.
    pub norm: Vec<f64>,
    /// Near-duplicate cluster of each row (numbered from 0), `None` when it has none.
    pub cluster: Vec<Option<u32>>,
    /// Neighbour pairs at or above the near-duplicate threshold.
    pub dup_pairs: u64,
}

/// Local outlier factors of every row from its neighbours (see the module doc).
pub fn lof(nb: &Neighbors) -> Vec<f64> {
    let n = nb.n();
    let k = nb.k;
    let kdist: Vec<f64> = (0..n).map(|i| nb.dist_of(i)[k - 1]).collect();
    let lrd: Vec<f64> = crate::util::pool::install(|| {
        (0..n)
            .into_par_iter()
            .map(|i| {
                let reach: f64 = nb
                    .ids_of(i)
                    .iter()
                    .zip(nb.dist_of(i))
                    .map(|(&j, &d)| d.max(kdist[j as usize]))
                    .sum();
                1.0 / (reach / k as f64 + 1e-10)
            })
            .collect()
    });
    crate::util::pool::install(|| {
        (0..n)
            .into_par_iter()
            .map(|i| {
                let s: f64 = nb.ids_of(i).iter().map(|&j| lrd[j as usize]).sum();
                s / k as f64 / lrd[i]
            })
            .collect()
    })
}

/// Cosine similarity of two rows (0 when either is a zero vector).
fn cosine(a: &[f32], b: &[f32]) -> f64 {
    1.0 - knn::distance(a, b, Metric::Cosine)
}

/// Near-duplicate clusters among neighbour pairs: `(pairs, cluster id per row)`, clusters
/// numbered by their smallest row.
pub fn duplicate_clusters(
    x: &[f32],
    dim: usize,
    nb: &Neighbors,
    threshold: f64,
) -> (u64, Vec<Option<u32>>) {
    let n = nb.n();
    let links: Vec<(u32, u32)> = crate::util::pool::install(|| {
        (0..n)
            .into_par_iter()
            .flat_map_iter(|i| {
                let q = &x[i * dim..][..dim];
                nb.ids_of(i)
                    .iter()
                    .zip(nb.dist_of(i))
                    .filter(move |(&j, &d)| {
                        let sim = match nb.metric {
                            Metric::Cosine => 1.0 - d,
                            Metric::L2 => cosine(q, &x[j as usize * dim..][..dim]),
                        };
                        sim >= threshold
                            && (j as usize > i || !nb.ids_of(j as usize).contains(&(i as u32)))
                    })
                    .map(move |(&j, _)| (i as u32, j))
                    .collect::<Vec<_>>()
            })
            .collect()
    });
    let mut sets = crate::util::union_find::UnionFind::new(n);
    for &(a, b) in &links {
        sets.union(a as usize, b as usize);
    }
    let roots = sets.roots();
    let mut size = vec![0u32; n];
    for &r in &roots {
        size[r] += 1;
    }
    let mut id = vec![u32::MAX; n];
    let mut next = 0;
    let mut cluster = vec![None; n];
    for (i, c) in cluster.iter_mut().enumerate() {
        let r = roots[i];
        if size[r] > 1 {
            if id[r] == u32::MAX {
                id[r] = next;
                next += 1;
            }
            *c = Some(id[r]);
        }
    }
    (links.len() as u64, cluster)
}

/// Search and score `e`.
pub fn scores(
    e: &Embeddings,
    opts: &AnalyzeOptions,
    progress: &Tick,
) -> Result<(Scores, knn::KnnRun)> {
    let run = knn::knn(&e.data, e.dim, &opts.knn, progress)?;
    let nb = &run.neighbors;
    let knn_distance: Vec<f64> = (0..nb.n())
        .map(|i| nb.dist_of(i).iter().sum::<f64>() / nb.k as f64)
        .collect();
    let lof = lof(nb);
    let norm: Vec<f64> = crate::util::pool::install(|| {
        e.data
            .par_chunks(e.dim)
            .map(|r| r.iter().map(|&v| v as f64 * v as f64).sum::<f64>().sqrt())
            .collect()
    });
    let (dup_pairs, cluster) = duplicate_clusters(&e.data, e.dim, nb, opts.dup_threshold);
    Ok((
        Scores {
            neighbors: nb.clone(),
            knn_distance,
            lof,
            norm,
            cluster,
            dup_pairs,
        },
        run,
    ))
}

/// Search, score and summarise `e`.
pub fn analyze(
    e: &Embeddings,
    opts: &AnalyzeOptions,
    progress: &Tick,
) -> Result<(EmbeddingReport, Scores)> {
    let t0 = std::time::Instant::now();
    let (s, run) = scores(e, opts, progress)?;
    let knn_s = run.select_seconds + run.refine_seconds;
    let t1 = std::time::Instant::now();
    let n = s.norm.len();
    let nb = &s.neighbors;
    let mut members: Vec<Vec<u64>> = Vec::new();
    for (i, c) in s.cluster.iter().enumerate() {
        if let Some(c) = c {
            let c = *c as usize;
            if members.len() <= c {
                members.resize(c + 1, Vec::new());
            }
            members[c].push(e.rows[i]);
        }
    }
    let in_clusters: u64 = members.iter().map(|m| m.len() as u64).sum();
    let mut order: Vec<usize> = (0..members.len()).collect();
    order.sort_by(|&a, &b| members[b].len().cmp(&members[a].len()).then(a.cmp(&b)));
    let largest = order
        .iter()
        .take(LISTED)
        .map(|&c| Cluster {
            size: members[c].len() as u64,
            rows: members[c].iter().take(LISTED).copied().collect(),
        })
        .collect();
    let mut rank: Vec<usize> = (0..n).collect();
    rank.sort_by(|&a, &b| s.lof[b].total_cmp(&s.lof[a]).then(a.cmp(&b)));
    let top_outliers = rank
        .iter()
        .take(opts.top)
        .map(|&i| Outlier {
            row: e.rows[i],
            knn_distance: s.knn_distance[i],
            lof: s.lof[i],
            nearest: e.rows[nb.ids_of(i)[0] as usize],
            nearest_distance: nb.dist_of(i)[0],
        })
        .collect();
    let norms = Norms {
        min: s.norm.iter().copied().fold(f64::INFINITY, f64::min),
        mean: s.norm.iter().sum::<f64>() / n as f64,
        max: s.norm.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        zero_vectors: s.norm.iter().filter(|&&v| v == 0.0).count() as u64,
    };
    let batch = score_batch(&s, None);
    let popts = crate::ProfileOptions {
        device: crate::Device::Cpu,
        ..Default::default()
    };
    let prof = crate::profile_batches(&[batch], &popts)?;
    let distributions = prof
        .columns
        .into_iter()
        .filter(|c| ["norm", "knn_distance", "lof"].contains(&c.name.as_str()))
        .collect();
    let report = EmbeddingReport {
        source: e.source.clone(),
        column: e.column.clone(),
        rows: e.total_rows,
        vectors: n as u64,
        dim: e.dim as u64,
        metric: opts.knn.metric,
        k: nb.k as u64,
        device: run.device.clone(),
        excluded: Excluded {
            null: e.null_rows,
            non_finite: e.non_finite_rows,
            sample_rows: e.excluded_sample.clone(),
        },
        norms,
        near_duplicates: NearDuplicates {
            threshold: opts.dup_threshold,
            pairs: s.dup_pairs,
            clusters: members.len() as u64,
            rows: in_clusters,
            redundant_rows: in_clusters - members.len() as u64,
            largest,
        },
        top_outliers,
        distributions,
        seconds: Seconds {
            load: e.load_seconds,
            knn: knn_s,
            select: run.select_seconds,
            scores: t1.elapsed().as_secs_f64() + (t1 - t0).as_secs_f64() - knn_s,
            total: e.load_seconds + t0.elapsed().as_secs_f64(),
        },
        notices: [e.notices.clone(), run.notices.clone()].concat(),
        state: Some(state::EmbeddingState::of(&e.data, e.dim)),
    };
    Ok((report, s))
}

/// The per-vector table. Without `e`: `norm, knn_distance, lof`. With it: `row` (source row),
/// those, `nearest`, `nearest_distance`, `duplicate_cluster`, and `excluded` (why a row was left
/// out: `null` or `non-finite`; its scores are null).
pub fn score_batch(s: &Scores, e: Option<&Embeddings>) -> RecordBatch {
    let f = |v: &[f64]| -> Vec<Option<f64>> { v.iter().map(|&x| Some(x)).collect() };
    let mut norm = f(&s.norm);
    let mut knn_d = f(&s.knn_distance);
    let mut lof = f(&s.lof);
    let Some(e) = e else {
        return RecordBatch::try_from_iter([
            ("norm", Arc::new(Float64Array::from(norm)) as ArrayRef),
            (
                "knn_distance",
                Arc::new(Float64Array::from(knn_d)) as ArrayRef,
            ),
            ("lof", Arc::new(Float64Array::from(lof)) as ArrayRef),
        ])
        .expect("columns of one length");
    };
    let nb = &s.neighbors;
    let mut row = e.rows.clone();
    let mut nearest: Vec<Option<u64>> = (0..nb.n())
        .map(|i| Some(e.rows[nb.ids_of(i)[0] as usize]))
        .collect();
    let mut nearest_d: Vec<Option<f64>> = (0..nb.n()).map(|i| Some(nb.dist_of(i)[0])).collect();
    let mut cluster: Vec<Option<u64>> = s.cluster.iter().map(|c| c.map(u64::from)).collect();
    let mut excluded: Vec<Option<&str>> = vec![None; row.len()];
    for &(r, why) in &e.excluded {
        row.push(r);
        excluded.push(Some(why));
        for v in [&mut norm, &mut knn_d, &mut lof, &mut nearest_d] {
            v.push(None);
        }
        nearest.push(None);
        cluster.push(None);
    }
    RecordBatch::try_from_iter([
        ("row", Arc::new(UInt64Array::from(row)) as ArrayRef),
        ("norm", Arc::new(Float64Array::from(norm)) as ArrayRef),
        (
            "knn_distance",
            Arc::new(Float64Array::from(knn_d)) as ArrayRef,
        ),
        ("lof", Arc::new(Float64Array::from(lof)) as ArrayRef),
        ("nearest", Arc::new(UInt64Array::from(nearest)) as ArrayRef),
        (
            "nearest_distance",
            Arc::new(Float64Array::from(nearest_d)) as ArrayRef,
        ),
        (
            "duplicate_cluster",
            Arc::new(UInt64Array::from(cluster)) as ArrayRef,
        ),
        (
            "excluded",
            Arc::new(StringArray::from(excluded)) as ArrayRef,
        ),
    ])
    .expect("columns of one length")
}

/// The neighbour table: `row, rank, neighbor, distance` (source rows; rank 0 is the nearest).
pub fn neighbor_batch(nb: &Neighbors, rows: &[u64]) -> RecordBatch {
    let n = nb.n();
    let k = nb.k;
    let row: Vec<u64> = (0..n * k).map(|i| rows[i / k]).collect();
    let rank: Vec<u64> = (0..n * k).map(|i| (i % k) as u64).collect();
    let neighbor: Vec<u64> = nb.ids.iter().map(|&j| rows[j as usize]).collect();
    RecordBatch::try_from_iter([
        ("row", Arc::new(UInt64Array::from(row)) as ArrayRef),
        ("rank", Arc::new(UInt64Array::from(rank)) as ArrayRef),
        (
            "neighbor",
            Arc::new(UInt64Array::from(neighbor)) as ArrayRef,
        ),
        (
            "distance",
            Arc::new(Float64Array::from(nb.dist.clone())) as ArrayRef,
        ),
    ])
    .expect("columns of one length")
}
