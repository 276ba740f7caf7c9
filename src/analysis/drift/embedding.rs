//! Drift of an embedding column: how far the mean vector moved, and the share of dimensions
//! whose distribution moved (each dimension's Kolmogorov–Smirnov distance from its grid, with
//! bounds, as for a numeric column).

use super::cdf::{Cdfs, Side};
use super::{DriftOptions, Status};
use crate::metrics::vectors::EmbeddingState;
use serde::Serialize;

/// The share of drifted dimensions at which an embedding drifts.
pub const DIMENSION_SHARE: f64 = 0.1;

/// Drift of the embedding sections of two profiles.
#[derive(Clone, Debug, Serialize)]
pub struct EmbeddingDrift {
    /// The current profile's vector column; `None` when its vectors came from a `.npy` file.
    pub column: Option<String>,
    /// Dimension of the current side's vectors.
    pub dim: usize,
    /// Dimension of the reference's vectors (differs from `dim` only when the embedding
    /// changed, which is drift).
    pub reference_dim: usize,
    /// Vectors: `[reference, current]`.
    pub vectors: [u64; 2],
    /// `drift` when at least [`DIMENSION_SHARE`] of the dimensions drift (or the dimension
    /// changed); `inconclusive` when that holds only counting inconclusive dimensions too.
    pub status: Status,
    /// Euclidean distance between the mean vectors.
    pub mean_distance: f64,
    /// That distance over the root mean square of the reference's per-dimension (population)
    /// standard deviations: how many typical standard deviations the centre moved.
    pub mean_distance_normalized: Option<f64>,
    /// Cosine distance (1 − cosine similarity) between the mean vectors.
    pub mean_cosine_distance: Option<f64>,
    /// Dimensions whose Kolmogorov–Smirnov distance (lower bound) exceeds `ks_threshold`.
    pub dimensions_drifted: usize,
    /// Dimensions whose bounds straddle it.
    pub dimensions_inconclusive: usize,
    /// `dimensions_drifted` over the dimensions compared (1 when the dimension changed).
    pub drifted_share: f64,
    /// The dimensions that moved most: `(dimension, KS distance)`, largest first.
    pub largest: Vec<(usize, f64)>,
}

fn side(d: &crate::metrics::vectors::DimState) -> Side<'_> {
    Side {
        n: d.count,
        min: d.grid.min,
        max: d.grid.max,
        sketch: None,
        grid: Some(&d.grid),
        exact: None,
    }
}

/// Compare two embedding states.
pub(super) fn compare(
    column: Option<String>,
    r: &EmbeddingState,
    c: &EmbeddingState,
    o: &DriftOptions,
) -> EmbeddingDrift {
    let vectors = [
        r.dims.first().map_or(0, |d| d.count),
        c.dims.first().map_or(0, |d| d.count),
    ];
    if r.dims.len() != c.dims.len() {
        return EmbeddingDrift {
            column,
            dim: c.dims.len(),
            reference_dim: r.dims.len(),
            vectors,
            status: Status::Drift,
            mean_distance: f64::NAN,
            mean_distance_normalized: None,
            mean_cosine_distance: None,
            dimensions_drifted: c.dims.len(),
            dimensions_inconclusive: 0,
            drifted_share: 1.0,
            largest: Vec::new(),
        };
    }
    let (mr, mc) = (r.mean(), c.mean());
    let dist = mr
        .iter()
        .zip(&mc)
        .map(|(a, b)| (a - b) * (a - b))
        .sum::<f64>()
        .sqrt();
    let rms_std =
        (r.dims.iter().map(|d| d.std() * d.std()).sum::<f64>() / r.dims.len().max(1) as f64).sqrt();
    let dot: f64 = mr.iter().zip(&mc).map(|(a, b)| a * b).sum();
    let nr = mr.iter().map(|a| a * a).sum::<f64>().sqrt();
    let nc = mc.iter().map(|a| a * a).sum::<f64>().sqrt();
    let mut ks: Vec<(usize, f64, f64)> = Vec::with_capacity(r.dims.len());
    for (j, (a, b)) in r.dims.iter().zip(&c.dims).enumerate() {
        if let Some(cd) = Cdfs::new(&side(a), &side(b)) {
            let (k, _) = cd.distances();
            ks.push((j, k.lower, k.upper));
        }
    }
    let drifted = ks.iter().filter(|k| k.1 > o.ks_threshold).count();
    let inconclusive = ks
        .iter()
        .filter(|k| k.1 <= o.ks_threshold && k.2 > o.ks_threshold)
        .count();
    let n = r.dims.len().max(1) as f64;
    let status = if drifted as f64 / n >= DIMENSION_SHARE {
        Status::Drift
    } else if (drifted + inconclusive) as f64 / n >= DIMENSION_SHARE {
        Status::Inconclusive
    } else {
        Status::Ok
    };
    ks.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    EmbeddingDrift {
        column,
        dim: r.dims.len(),
        reference_dim: r.dims.len(),
        vectors,
        status,
        mean_distance: dist,
        mean_distance_normalized: (rms_std > 0.0).then(|| dist / rms_std),
        mean_cosine_distance: (nr > 0.0 && nc > 0.0).then(|| 1.0 - dot / (nr * nc)),
        dimensions_drifted: drifted,
        dimensions_inconclusive: inconclusive,
        drifted_share: drifted as f64 / n,
        largest: ks.iter().take(o.examples).map(|k| (k.0, k.1)).collect(),
    }
}
