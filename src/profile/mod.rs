//! The profile: what datassay found, as a mergeable, serialisable value.
//!
//! Its JSON form is a public contract, documented in `docs/profile-format.md`. Every column keeps
//! the state of each metric family once (`state`), and its figures are finished from it; the
//! dataset keeps its own families' states (duplicate rows, correlations) the same way. So
//! [`Profile::merge`] of the profiles of disjoint parts of a dataset merges states and finishes
//! the figures again: the profile of the whole, the same in any order and grouping of merges
//! (byte for byte, except the last bits of floating-point moments and correlations).

mod column;
pub mod embedding;
mod migrate;
pub mod near_duplicates;
mod validate;

pub use crate::metrics::correlation::CorrelationFigures;
pub use crate::metrics::moments::{finish, Finished, NumericProfile};
pub use crate::metrics::rows::DuplicateRows;
pub use crate::metrics::sketch::{quantile_key, SketchProfile, DEFAULT_QUANTILES};
pub use crate::metrics::strings::LengthProfile;
pub use column::{ColumnKind, ColumnProfile, ColumnState};

use crate::error::{Error, Result};
use crate::metrics::accumulator::Accumulator;
use crate::metrics::correlation::Correlations;
use crate::metrics::rows::RowAcc;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Version of the JSON layout; bumped on any incompatible change. Version 1 profiles are read
/// and migrated (see `docs/profile-format.md`).
pub const FORMAT_VERSION: u32 = 2;

/// The profile of a dataset.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// Version of the JSON layout: [`FORMAT_VERSION`].
    pub format_version: u32,
    /// `datassay <version>`.
    pub generator: String,
    /// Rows of the dataset (all files).
    pub rows: u64,
    /// Where the numeric kernels ran: `cpu`, or `gpu (<adapter>, <backend>, f64|f32)`; a merge
    /// of profiles made on several lists each once, sorted, separated by `; `.
    pub device: String,
    /// Bins of each numeric histogram.
    pub histogram_bins: u32,
    /// The files profiled, in order (sorted by path after a merge).
    pub sources: Vec<SourceInfo>,
    /// The files that could not be profiled, and why.
    pub errors: Vec<FileError>,
    /// One entry per column, in schema order (nested fields and elements after their parent).
    pub columns: Vec<ColumnProfile>,
    /// Pairwise Pearson correlations of the numeric columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlations: Option<CorrelationFigures>,
    /// Health and outlier scores of an embedding column (`profile --embedding COLUMN`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embedding: Option<Box<embedding::EmbeddingReport>>,
    /// Exact and near-duplicate documents of a text column (`profile --near-dups COLUMN`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub near_duplicates: Option<Box<near_duplicates::DedupReport>>,
    /// Rows equal to an earlier row in every profiled column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_rows: Option<DuplicateRows>,
    /// The identity of the data behind the profile, sorted: a fingerprint of each file profiled
    /// (16 hex digits of XXH3-64 over its size and its bytes, sampled beyond 64 MiB, see
    /// [`crate::util::walk::fingerprint`]), or for data that came from no file the XXH3-64 of
    /// the profile's own JSON. A merge holds the union of its inputs' parts and refuses inputs
    /// that share one, so no data is counted twice. Empty until the profile is finished (see
    /// [`Profile::seal`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<String>,
    /// The states of the dataset-level families.
    #[serde(default)]
    pub state: DatasetState,
}

/// The mergeable states of the dataset-level families.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DatasetState {
    /// The state of the duplicate-row count; `None` when rows were not compared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_rows: Option<RowAcc>,
    /// The co-moments of the correlated numeric columns; `None` when not computed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlations: Option<Correlations>,
}

impl DatasetState {
    /// Merge the states of another part of the dataset; a family that either side lacks
    /// is dropped.
    pub fn merge(&mut self, o: &DatasetState) -> Result<()> {
        self.duplicate_rows = match (self.duplicate_rows.take(), &o.duplicate_rows) {
            (Some(mut a), Some(b)) => {
                a.merge(b)?;
                Some(a)
            }
            _ => None,
        };
        self.correlations = match (self.correlations.take(), &o.correlations) {
            (Some(mut a), Some(b)) => {
                a.merge(b)?;
                Some(a)
            }
            _ => None,
        };
        Ok(())
    }
}

/// One profiled file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SourceInfo {
    /// The file's path (`-` for standard input).
    pub path: String,
    /// How it was read: `parquet`, `csv`, `arrow ipc` or `json lines`.
    pub format: String,
    /// Rows read from it.
    pub rows: u64,
}

/// One file that failed.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FileError {
    /// The file's path; empty when the error has no file.
    pub path: String,
    /// The error's message, for people (its wording is not stable).
    pub error: String,
}

/// Whether an Arrow type (as the profile spells it) is a date, time, timestamp or duration.
pub fn is_temporal(data_type: &str) -> bool {
    ["Date", "Time", "Duration", "Interval"]
        .iter()
        .any(|p| data_type.starts_with(p))
}

/// Compact JSON up to this size is written pretty-printed (indented) by default.
pub const PRETTY_MAX_BYTES: usize = 1 << 20;

/// The first bytes of [`Profile::to_bytes`].
const MAGIC: &[u8; 8] = b"DSSYPRF\x02";

impl Profile {
    /// Give a finished profile its content id (once; a merged profile keeps its parts' ids).
    pub fn seal(&mut self) {
        if self.parts.is_empty() {
            self.parts = vec![self.content_id()];
        }
    }

    /// XXH3-64 of the compact JSON of the profile without its `parts`.
    fn content_id(&self) -> String {
        let mut bare = self.clone();
        bare.parts.clear();
        let text = serde_json::to_vec(&bare).expect("a profile always serialises");
        format!("{:016x}", twox_hash::XxHash3_64::oneshot(&text))
    }

    /// Finish the dataset-level figures from their states again.
    pub fn refresh(&mut self) {
        self.duplicate_rows = self.state.duplicate_rows.as_ref().map(Accumulator::finish);
        self.correlations = self.state.correlations.as_ref().map(Accumulator::finish);
    }

    /// Merge the profile of another, disjoint part of the same dataset (same columns, in order).
    /// Profiles that share a part (the same profile twice, or a merge and one of its parts) are
    /// refused: their rows would be counted twice. The result does not depend on the order or
    /// grouping of merges (module docs).
    pub fn merge(&self, o: &Profile) -> Result<Profile> {
        Profile::merge_all([self, o])
    }

    /// Merge any number of profiles of disjoint parts (in any order: the result is the same).
    /// States are merged one after another and the figures finished once, so merging thousands
    /// of shard profiles costs about one merge of states each.
    pub fn merge_all<'a>(profiles: impl IntoIterator<Item = &'a Profile>) -> Result<Profile> {
        let mut it = profiles.into_iter();
        let first = it
            .next()
            .ok_or_else(|| Error::NoInput("no profiles to merge".into()))?;
        let mut acc = first.clone();
        acc.seal();
        let mut seen: std::collections::HashSet<String> = acc.parts.iter().cloned().collect();
        let mut devices: std::collections::BTreeSet<String> =
            acc.device.split("; ").map(String::from).collect();
        for p in it {
            // What cannot be merged at all is said first; then whether the parts are disjoint.
            acc.absorb(p)?;
            let mut p_parts = p.parts.clone();
            if p_parts.is_empty() {
                p_parts.push(p.content_id());
            }
            if let Some(id) = p_parts.iter().find(|id| seen.contains(*id)) {
                return Err(Error::Merge(format!(
                    "both profiles hold the part {id} (the same file or data, profiled twice): its rows would be counted twice"
                )));
            }
            seen.extend(p_parts);
            devices.extend(p.device.split("; ").map(String::from));
        }
        acc.device = devices.into_iter().collect::<Vec<_>>().join("; ");
        acc.sources.sort();
        acc.errors.sort();
        let mut parts: Vec<String> = seen.into_iter().collect();
        parts.sort();
        acc.parts = parts;
        let legacy = acc.duplicate_rows.clone();
        for c in &mut acc.columns {
            c.refresh();
        }
        acc.refresh();
        if acc.duplicate_rows.is_none() {
            acc.duplicate_rows = legacy;
        }
        Ok(acc)
    }

    /// Merge `o`'s states into this profile's, leaving figures, parts and lists to
    /// [`Profile::merge_all`].
    fn absorb(&mut self, o: &Profile) -> Result<()> {
        if self.format_version != o.format_version {
            return Err(Error::Merge(format!(
                "format versions differ ({} and {})",
                self.format_version, o.format_version
            )));
        }
        if self.embedding.is_some() || o.embedding.is_some() {
            return Err(Error::Merge(
                "a profile has an embedding section: nearest neighbours depend on the whole set, so it cannot be merged from parts; profile the files together, in one run".into(),
            ));
        }
        if self.near_duplicates.is_some() || o.near_duplicates.is_some() {
            return Err(Error::Merge(
                "a profile has a near_duplicates section: duplicates across the parts would be missed, so it cannot be merged from parts; profile the files together, in one run".into(),
            ));
        }
        if self.columns.len() != o.columns.len()
            || self
                .columns
                .iter()
                .zip(&o.columns)
                .any(|(a, b)| a.name != b.name)
        {
            let names = |p: &Profile| p.columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
            return Err(Error::Merge(format!(
                "the profiles have different columns: [{}] and [{}]",
                names(self).join(", "),
                names(o).join(", ")
            )));
        }
        for (a, b) in self.columns.iter_mut().zip(&o.columns) {
            a.absorb(b)?;
        }
        // Profiles of format 1 keep duplicate-row figures without a state: counts add, and are
        // not exact.
        let legacy = match (&self.duplicate_rows, &o.duplicate_rows) {
            (Some(a), Some(b)) => Some(DuplicateRows {
                count: a.count + b.count,
                groups: a.groups + b.groups,
                exact: false,
                sample: Vec::new(),
                estimate: None,
            }),
            _ => None,
        };
        self.state.merge(&o.state)?;
        self.duplicate_rows = legacy;
        self.generator = self.generator.clone().max(o.generator.clone());
        self.rows += o.rows;
        self.histogram_bins = self.histogram_bins.max(o.histogram_bins);
        self.sources.extend(o.sources.iter().cloned());
        self.errors.extend(o.errors.iter().cloned());
        Ok(())
    }

    /// The profile as JSON: indented while its compact form is at most [`PRETTY_MAX_BYTES`],
    /// compact beyond (a wide table's profile stays small and fast to read).
    pub fn to_json(&self) -> String {
        let compact = self.to_json_compact();
        if compact.len() <= PRETTY_MAX_BYTES {
            serde_json::to_string_pretty(self).expect("a profile always serialises")
        } else {
            compact
        }
    }

    /// The profile as compact JSON (no whitespace).
    pub fn to_json_compact(&self) -> String {
        serde_json::to_string(self).expect("a profile always serialises")
    }

    /// The compact binary form, for shipping profiles between processes: 8 magic bytes, then
    /// the compact JSON compressed with zstd. [`Profile::from_bytes`] reads it back.
    pub fn to_bytes(&self) -> Vec<u8> {
        let json = serde_json::to_vec(self).expect("a profile always serialises");
        let mut out = MAGIC.to_vec();
        out.extend(zstd::bulk::compress(&json, 3).expect("zstd compresses a buffer in memory"));
        out
    }

    /// Read the binary form of [`Profile::to_bytes`] (`name` names it in errors).
    pub fn from_bytes(bytes: &[u8], name: &Path) -> Result<Profile> {
        let bad = |message: String| Error::BadProfile {
            path: name.to_path_buf(),
            message,
        };
        let body = bytes
            .strip_prefix(MAGIC.as_slice())
            .ok_or_else(|| bad("not a binary datassay profile (wrong magic bytes)".into()))?;
        let mut json = Vec::new();
        zstd::stream::copy_decode(body, &mut json)
            .map_err(|e| bad(format!("damaged binary profile: {e}")))?;
        let text = String::from_utf8(json).map_err(|e| bad(e.to_string()))?;
        Profile::from_json(&text, name)
    }

    /// Parse a profile, checking its version; profiles of format version 1 are migrated.
    pub fn from_json(text: &str, path: &Path) -> Result<Profile> {
        let bad = |message: String| Error::BadProfile {
            path: path.to_path_buf(),
            message,
        };
        /// The version alone (the rest of the document is skipped, not kept).
        #[derive(Deserialize)]
        struct Version {
            format_version: Option<u64>,
        }
        let version: Version = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
        let (mut p, value) = match version.format_version {
            Some(x) if x == FORMAT_VERSION as u64 => match serde_json::from_str::<Profile>(text) {
                Ok(p) => (p, None),
                // The same document as a value, for the message of the section that failed.
                Err(e) => {
                    let v: serde_json::Value =
                        serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
                    let p: Profile =
                        serde_json::from_value(v.clone()).map_err(|_| bad(e.to_string()))?;
                    (p, Some(v))
                }
            },
            Some(1) => {
                let mut v: serde_json::Value =
                    serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
                migrate::v1_to_v2(&mut v).map_err(bad)?;
                let p: Profile =
                    serde_json::from_value(v.clone()).map_err(|e| bad(e.to_string()))?;
                (p, Some(v))
            }
            Some(x) => {
                return Err(bad(format!(
                "format_version {x} is not supported (this datassay reads 1 and {FORMAT_VERSION})"
            )))
            }
            None => return Err(bad("no format_version field".into())),
        };
        let raw = || match &value {
            Some(v) => v.clone(),
            None => serde_json::from_str(text).unwrap_or_default(),
        };
        p.validate(&raw).map_err(bad)?;
        // Profiles written before ids existed get theirs from their content.
        p.seal();
        Ok(p)
    }

    /// Whether bytes begin as the binary form of [`Profile::to_bytes`] does.
    pub fn is_binary_form(head: &[u8]) -> bool {
        head.starts_with(MAGIC)
    }

    /// Read a profile file: JSON, or the binary form of [`Profile::to_bytes`].
    pub fn read(path: &Path) -> Result<Profile> {
        let bytes = std::fs::read(path).map_err(|e| crate::error::io_error(path, e))?;
        if bytes.starts_with(MAGIC) {
            return Profile::from_bytes(&bytes, path);
        }
        let text = String::from_utf8(bytes).map_err(|e| Error::BadProfile {
            path: path.to_path_buf(),
            message: format!("not UTF-8 JSON: {e}"),
        })?;
        Profile::from_json(&text, path)
    }

    /// Set exact duplicate-row figures found by grouping every row's hash across the parts of
    /// a merged profile ([`crate::Profiler::finish_with_row_hashes`] gives each part's): `count`
    /// rows equal to an earlier row, in `groups` groups, and up to 10 `[first row, duplicate
    /// row]` pairs of dataset rows. The profile's `parts` are kept.
    pub fn set_exact_duplicate_rows(
        &mut self,
        count: u64,
        groups: u64,
        sample: Vec<[u64; 2]>,
    ) -> Result<()> {
        let acc = self
            .state
            .duplicate_rows
            .as_mut()
            .ok_or_else(|| Error::Option("the profile does not count duplicate rows".into()))?;
        if count >= acc.rows.max(1) && count > 0 {
            return Err(Error::Option(format!(
                "{count} duplicate rows cannot be among {} rows",
                acc.rows
            )));
        }
        acc.set_exact(count, groups, sample);
        self.refresh();
        Ok(())
    }

    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnProfile> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Bytes the profile's states hold in memory.
    pub fn size_bytes(&self) -> usize {
        self.columns
            .iter()
            .map(|c| c.state.size_bytes())
            .sum::<usize>()
            + self
                .state
                .duplicate_rows
                .as_ref()
                .map_or(0, |r| r.size_bytes())
            + self
                .state
                .correlations
                .as_ref()
                .map_or(0, |c| c.size_bytes())
    }
}
