//! The embedding section of a profile (`profile --embedding`) and the JSON of `datassay
//! outliers`: what the vector analysis found. The analysis itself is `embed`; its report lives
//! here so that the profile, which holds it, does not depend on the pipeline that makes it.

use crate::metrics::knn::Metric;
use crate::metrics::vectors::EmbeddingState;
use crate::profile::ColumnProfile;
use serde::{Deserialize, Serialize};

/// One listed outlier.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outlier {
    /// Row in the source (0-based, counting excluded rows).
    pub row: u64,
    /// Mean distance to its k nearest neighbours.
    pub knn_distance: f64,
    /// Local outlier factor: about 1 inside a cluster, larger for a vector sparser than its
    /// neighbours.
    pub lof: f64,
    /// Its nearest neighbour's row and distance.
    pub nearest: u64,
    /// The distance to that neighbour.
    pub nearest_distance: f64,
}

/// Vector norms.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Norms {
    /// Smallest Euclidean (L2) norm of the searched vectors.
    pub min: f64,
    /// Mean Euclidean (L2) norm of the searched vectors.
    pub mean: f64,
    /// Largest Euclidean (L2) norm of the searched vectors.
    pub max: f64,
    /// Vectors whose every component is zero.
    pub zero_vectors: u64,
}

/// Rows left out of the search.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Excluded {
    /// Null vectors.
    pub null: u64,
    /// Vectors holding NaN or ±inf.
    pub non_finite: u64,
    /// Up to 10 of their rows.
    pub sample_rows: Vec<u64>,
}

/// Near-duplicate clusters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NearDuplicates {
    /// Cosine similarity threshold.
    pub threshold: f64,
    /// Neighbour pairs at or above it.
    pub pairs: u64,
    /// Clusters of linked vectors.
    pub clusters: u64,
    /// Rows in some cluster.
    pub rows: u64,
    /// Rows beyond the first of each cluster: what deduplication would remove.
    pub redundant_rows: u64,
    /// The largest clusters (up to 10), each as up to 10 source rows, and its size.
    pub largest: Vec<Cluster>,
}

/// One near-duplicate cluster.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cluster {
    /// Vectors in the cluster.
    pub size: u64,
    /// Up to 10 of its source rows (0-based).
    pub rows: Vec<u64>,
}

/// Seconds spent per phase.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Seconds {
    /// Reading the vectors.
    pub load: f64,
    /// The neighbour search (selection and refinement).
    pub knn: f64,
    /// Its exhaustive f32 selection alone (the 2·N²·d flops).
    pub select: f64,
    /// Scoring, clustering and summarising, outside the neighbour search.
    pub scores: f64,
    /// The whole analysis, reading included.
    pub total: f64,
}

/// What an analysis found: the JSON of `datassay outliers --json` and the `embedding` section of a
/// profile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EmbeddingReport {
    /// The file or files read, comma-separated.
    pub source: String,
    /// The vector column (absent for `.npy`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// Rows read, excluded ones included.
    pub rows: u64,
    /// Rows searched.
    pub vectors: u64,
    /// Dimension of the vectors.
    pub dim: u64,
    /// The distance of the neighbour search: cosine or L2.
    pub metric: Metric,
    /// Neighbours found per vector (lowered to `vectors − 1` when larger).
    pub k: u64,
    /// What ran the search: `cpu (…)` or `gpu (<adapter> (<backend>, <driver>))`.
    pub device: String,
    /// Rows left out of the search (null or non-finite vectors).
    pub excluded: Excluded,
    /// Norms of the searched vectors.
    pub norms: Norms,
    /// Clusters of vectors whose cosine similarity to a neighbour is at least the
    /// threshold.
    pub near_duplicates: NearDuplicates,
    /// The strongest outliers by LOF.
    pub top_outliers: Vec<Outlier>,
    /// Norm, kNN distance and LOF profiled as columns (histograms, moments).
    pub distributions: Vec<ColumnProfile>,
    /// Seconds spent per phase.
    pub seconds: Seconds,
    /// Fallbacks and adjustments made (`-k` lowered, GPU unavailable, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<String>,
    /// Per-dimension moments and grids of the vectors searched, for drift between profiles
    /// (absent from profiles made before it existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<EmbeddingState>,
}
