//! The near-duplicate section of a profile (`profile --near-dups`) and the JSON of `datassay
//! dedup`: what deduplication found and how. The run itself is `dedup`; its report lives here so
//! that the profile, which holds it, does not depend on the pipeline that makes it.

use serde::{Deserialize, Serialize};

/// How candidate pairs are confirmed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verify {
    /// Estimated Jaccard from the signatures.
    Signature,
    /// Exact Jaccard of the shingle sets (keeps them in memory).
    Exact,
}

/// Seconds per phase.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DedupSeconds {
    pub read: f64,
    pub signatures: f64,
    pub lsh: f64,
    pub total: f64,
}

/// A listed cluster: its size and up to 10 documents as `file:row`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClusterSample {
    pub size: u64,
    pub documents: Vec<String>,
}

/// What a run found: the JSON of `datassay dedup --json` and the `near_duplicates` section of a
/// profile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DedupReport {
    pub files: Vec<String>,
    pub column: String,
    /// Rows read (null and empty documents included).
    pub documents: u64,
    pub null_documents: u64,
    pub empty_documents: u64,
    pub truncated_documents: u64,
    pub invalid_utf8_documents: u64,
    pub text_bytes: u64,
    /// Documents that are an exact copy (after normalisation) of an earlier one.
    pub exact_duplicates: u64,
    /// Further documents that are near-duplicates of an earlier one (not exact copies).
    pub near_duplicates: u64,
    /// Clusters of two or more documents.
    pub clusters: u64,
    pub largest_cluster: u64,
    /// (exact + near duplicates) / non-empty documents: the share deduplication removes.
    pub duplicate_fraction: f64,
    /// How documents were compared (flattened into the JSON object).
    #[serde(flatten)]
    pub method: Method,
    /// Pairs confirmed (exact copies and near-duplicates).
    pub pairs: u64,
    /// Bytes of signatures and LSH keys written to temporary files under `--memory-limit`.
    #[serde(default)]
    pub spilled_bytes: u64,
    pub largest: Vec<ClusterSample>,
    pub seconds: DedupSeconds,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<String>,
}

/// The comparison's parameters, shared by both reports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Method {
    pub threshold: f64,
    pub perms: u64,
    pub bands: u64,
    pub rows_per_band: u64,
    pub shingle: String,
    pub verify: Verify,
    /// Where the signatures were computed.
    pub device: String,
}
