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
    /// Reading, normalising and shingling the documents (signature time excluded).
    pub read: f64,
    /// Computing the MinHash signatures.
    pub signatures: f64,
    /// Finding LSH candidates, verifying them and grouping the results.
    pub lsh: f64,
    /// The whole run.
    pub total: f64,
}

/// A listed cluster: its size and up to 10 documents as `file:row`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClusterSample {
    /// Documents in the cluster.
    pub size: u64,
    /// Up to 10 of its documents as `file:row`, in input order.
    pub documents: Vec<String>,
}

/// What a run found: the JSON of `datassay dedup --json` and the `near_duplicates` section of a
/// profile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DedupReport {
    /// The files read, in order (directories expanded to their files).
    pub files: Vec<String>,
    /// The text column.
    pub column: String,
    /// Rows read (null and empty documents included).
    pub documents: u64,
    /// Null documents (left out of the comparison).
    pub null_documents: u64,
    /// Documents with no shingle after normalisation (left out of the comparison).
    pub empty_documents: u64,
    /// Documents with more shingles than the per-document limit, hashed over their start only.
    pub truncated_documents: u64,
    /// Documents whose bytes were not valid UTF-8 (binary columns; read with replacement).
    pub invalid_utf8_documents: u64,
    /// Bytes of text read, before normalisation.
    pub text_bytes: u64,
    /// Documents that are an exact copy (after normalisation) of an earlier one.
    pub exact_duplicates: u64,
    /// Further documents that are near-duplicates of an earlier one (not exact copies).
    pub near_duplicates: u64,
    /// Clusters of two or more documents.
    pub clusters: u64,
    /// Documents in the largest cluster (0 when there is none).
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
    /// The largest clusters (up to 10), largest first.
    pub largest: Vec<ClusterSample>,
    /// Wall-clock seconds of each phase.
    pub seconds: DedupSeconds,
    /// Messages for people (such as a GPU-to-CPU fallback); absent from JSON when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<String>,
}

/// The comparison's parameters, shared by both reports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Method {
    /// Jaccard similarity at or above which two documents are near-duplicates.
    pub threshold: f64,
    /// MinHash permutations: the length of each signature.
    pub perms: u64,
    /// LSH bands the signature is cut into.
    pub bands: u64,
    /// Signature values per LSH band.
    pub rows_per_band: u64,
    /// What a shingle is: `words:N` or `chars:N`.
    pub shingle: String,
    /// How candidate pairs were confirmed.
    pub verify: Verify,
    /// Where the signatures were computed.
    pub device: String,
}
