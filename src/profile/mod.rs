//! The profile: what datassay found, as a mergeable, serialisable value.
//!
//! Its JSON form is a public contract, documented in `docs/profile-format.md`. A profile carries
//! the mergeable states behind its figures (`moments`, histogram counts, length sums), so
//! [`Profile::merge`] of the profiles of disjoint parts of a dataset gives the profile of the
//! whole (histograms of different ranges are re-binned, see [`crate::metrics::moments::Histogram`]).

use crate::error::{Error, Result};
use crate::metrics::moments::cpu::NumericState;
use crate::metrics::moments::{Counts, Histogram, Moments};
use crate::metrics::sketch::{ColSketch, DistinctCount, DuplicateRows, SketchState, TopValue};
use crate::metrics::strings::LengthState;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Version of the JSON layout; bumped on any incompatible change.
pub const FORMAT_VERSION: u32 = 1;

/// The profile of a dataset.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub format_version: u32,
    /// `datassay <version>`.
    pub generator: String,
    /// Rows of the dataset (all files).
    pub rows: u64,
    /// Where the numeric kernels ran: `cpu`, or `gpu (<adapter>, <backend>, f64|f32)`.
    pub device: String,
    /// Bins of each numeric histogram (before any merge of different bin counts).
    pub histogram_bins: u32,
    /// The files profiled, in order.
    pub sources: Vec<SourceInfo>,
    /// The files that could not be profiled, and why.
    pub errors: Vec<FileError>,
    /// One entry per column, in schema order.
    pub columns: Vec<ColumnProfile>,
    /// Health and outlier scores of an embedding column (`profile --embedding COLUMN`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embedding: Option<Box<crate::embed::EmbeddingReport>>,
    /// Exact and near-duplicate documents of a text column (`profile --near-dups COLUMN`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub near_duplicates: Option<Box<crate::dedup::DedupReport>>,
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
}

/// One profiled file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceInfo {
    pub path: String,
    pub format: String,
    pub rows: u64,
}

/// One file that failed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileError {
    pub path: String,
    pub error: String,
}

/// How a column was profiled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnKind {
    Numeric,
    String,
    Binary,
    Skipped,
}

/// The profile of one column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ColumnProfile {
    pub name: String,
    /// The Arrow data type, as Arrow displays it (`Int64`, `Timestamp(µs, "UTC")`, …).
    pub data_type: String,
    pub kind: ColumnKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped_reason: Option<String>,
    pub rows: u64,
    /// Non-null values.
    pub count: u64,
    pub nulls: u64,
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub numeric: Option<NumericProfile>,
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub lengths: Option<LengthProfile>,
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub sketches: Option<SketchProfile>,
}

/// Quantiles, distinct count and top values of a column, from its sketches.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SketchProfile {
    /// Numeric columns with finite values: each requested quantile (numpy's `inverted_cdf`
    /// definition over the finite non-null values), keyed by the quantile as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantiles: Option<BTreeMap<String, f64>>,
    /// For each quantile, an interval `[lo, hi]` that holds the exact value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantile_bounds: Option<BTreeMap<String, [f64; 2]>>,
    /// Guaranteed relative error of every quantile (0 when exact).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantile_relative_error: Option<f64>,
    /// `ddsketch` or `exact` (`--exact-quantiles`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantile_method: Option<String>,
    /// Distinct non-null values (NaN one value, -0 equal to 0).
    pub distinct: DistinctCount,
    /// The most frequent non-null values, with count bounds; absent for floats of many values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_values: Option<Vec<TopValue>>,
    /// Share of the non-null values the listed top values cover (from their lower counts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_values_share: Option<f64>,
    /// The most any listed count is short of the truth, and the most often any value that is
    /// not listed can occur (0 when counts are exact).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_values_error: Option<u64>,
    /// The mergeable state.
    pub sketch: SketchState,
}

/// The quantiles reported by default.
pub const DEFAULT_QUANTILES: [f64; 7] = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99];

/// A quantile as a JSON key: the shortest decimal that reads back as the same f64.
pub fn quantile_key(q: f64) -> String {
    format!("{q}")
}

/// Whether an Arrow type (as the profile spells it) is a date, time, timestamp or duration.
pub fn is_temporal(data_type: &str) -> bool {
    ["Date", "Time", "Duration", "Interval"]
        .iter()
        .any(|p| data_type.starts_with(p))
}

impl SketchProfile {
    /// The figures of `sk` for a column of `non_null` values of type `data_type`: the
    /// `quantiles` asked for and the `top` most frequent values. Quantiles are exact while the
    /// column's distinct values are counted exactly (from their counts); otherwise they are
    /// DDSketch estimates, which are left out for temporal columns (a relative error of the
    /// time since 1970 spans days to months: use `--exact-quantiles` there).
    pub fn build(
        sk: &ColSketch,
        quantiles: &[f64],
        top: usize,
        non_null: u64,
        data_type: &str,
    ) -> SketchProfile {
        let mut qs = BTreeMap::new();
        let mut bounds = BTreeMap::new();
        let exact = sk.exact_quantiles(quantiles);
        let method = match (&exact, &sk.quantiles) {
            (Some(ex), _) => {
                for &(q, v) in ex {
                    qs.insert(quantile_key(q), v);
                    bounds.insert(quantile_key(q), [v, v]);
                }
                "exact"
            }
            (None, Some(d)) if !is_temporal(data_type) => {
                for &q in quantiles {
                    if let Some(e) = d.quantile(q) {
                        qs.insert(quantile_key(q), e.value);
                        bounds.insert(quantile_key(q), [e.lo, e.hi]);
                    }
                }
                "ddsketch"
            }
            _ => "",
        };
        let top_values = sk.top_values(top);
        let top_values_share = top_values
            .as_ref()
            .filter(|_| non_null > 0)
            .map(|t| t.iter().map(|v| v.count).sum::<u64>() as f64 / non_null as f64);
        let mut state = SketchState::from(sk);
        state.top_n = top;
        state.quantile_list = quantiles.to_vec();
        SketchProfile {
            quantile_relative_error: sk.quantiles.as_ref().filter(|_| !qs.is_empty()).map(|d| {
                if method == "exact" {
                    0.0
                } else {
                    d.relative_error()
                }
            }),
            quantile_method: (!qs.is_empty()).then(|| method.to_string()),
            quantiles: (!qs.is_empty()).then_some(qs),
            quantile_bounds: (!bounds.is_empty()).then_some(bounds),
            distinct: sk.distinct(non_null),
            top_values_error: top_values.as_ref().map(|_| sk.top_error()),
            top_values,
            top_values_share,
            sketch: state,
        }
    }

    /// Replace the estimates by exact quantiles.
    pub fn set_exact_quantiles(&mut self, exact: &[(f64, f64)]) {
        let mut qs = BTreeMap::new();
        let mut bounds = BTreeMap::new();
        for &(q, v) in exact {
            qs.insert(quantile_key(q), v);
            bounds.insert(quantile_key(q), [v, v]);
        }
        if !qs.is_empty() {
            self.quantiles = Some(qs);
            self.quantile_bounds = Some(bounds);
            self.quantile_relative_error = Some(0.0);
            self.quantile_method = Some("exact".into());
        }
    }
}

/// Figures of a numeric column. Moments, extremes and histogram are over finite non-null values;
/// undefined figures are `None` (JSON `null`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NumericProfile {
    pub nan: u64,
    pub pos_inf: u64,
    pub neg_inf: u64,
    pub zeros: u64,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub sum: Option<f64>,
    pub mean: Option<f64>,
    pub variance: Option<f64>,
    pub std: Option<f64>,
    pub skewness: Option<f64>,
    pub kurtosis: Option<f64>,
    pub histogram: Option<Histogram>,
    /// The mergeable state behind the moments.
    pub moments: MomentsState,
}

/// [`Moments`] as JSON (non-finite sums, from overflow, are written as `null`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MomentsState {
    /// Finite non-null values.
    pub n: u64,
    #[serde(with = "nullable")]
    pub mean_hi: f64,
    #[serde(with = "nullable")]
    pub mean_lo: f64,
    #[serde(with = "nullable")]
    pub m2: f64,
    #[serde(with = "nullable")]
    pub m3: f64,
    #[serde(with = "nullable")]
    pub m4: f64,
}

/// An f64 as JSON with non-finite values as `null` (read back as NaN); the sketches reuse its
/// `serialize` for extremes that are infinite while empty.
pub(crate) mod nullable {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            s.serialize_f64(*v)
        } else {
            s.serialize_none()
        }
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
    }
}

/// Figures of a string or binary column (lengths in characters for strings, bytes for binary).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LengthProfile {
    pub empty: u64,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub mean_length: Option<f64>,
    pub total_length: u64,
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// The finished statistics of a moments state (pandas definitions, DESIGN.md §4).
pub struct Finished {
    pub mean: Option<f64>,
    pub sum: f64,
    pub variance: Option<f64>,
    pub skewness: Option<f64>,
    pub kurtosis: Option<f64>,
}

/// Finish a moments state: sample variance, bias-corrected skewness and excess kurtosis.
pub fn finish(m: &Moments) -> Finished {
    let n = m.n as f64;
    let constant = m.n > 0 && m.min == m.max;
    // A constant column has zero spread by definition; its rounded block means must not leak in.
    let (m2, m3, m4) = if constant {
        (0.0, 0.0, 0.0)
    } else {
        (m.m2, m.m3, m.m4)
    };
    let mean = if constant { Some(m.min) } else { m.mean() };
    let sum = if m.n == 0 {
        0.0
    } else if constant {
        m.min * n
    } else {
        m.mean_hi * n + m.mean_lo * n
    };
    let variance = (m.n >= 2).then(|| m2 / (n - 1.0)).and_then(finite);
    // A power sum that overflowed f64 leaves the shape figures undefined on every path: the
    // ratio of an infinite m2 to a finite m3 would pass for 0 where the paths' roundings differ.
    let skewness = (m.n >= 3 && m2.is_finite() && m3.is_finite())
        .then(|| {
            if m2 == 0.0 {
                0.0
            } else {
                n * (n - 1.0).sqrt() / (n - 2.0) * (m3 / m2.powf(1.5))
            }
        })
        .and_then(finite);
    let kurtosis = (m.n >= 4 && m2.is_finite() && m4.is_finite())
        .then(|| {
            if m2 == 0.0 {
                0.0
            } else {
                let num = n * (n + 1.0) * (n - 1.0) * m4;
                let den = (n - 2.0) * (n - 3.0) * m2 * m2;
                num / den - 3.0 * (n - 1.0) * (n - 1.0) / ((n - 2.0) * (n - 3.0))
            }
        })
        .and_then(finite);
    Finished {
        mean: mean.and_then(finite),
        sum,
        variance,
        skewness,
        kurtosis,
    }
}

impl NumericProfile {
    /// The figures of a numeric state; `hist` is its finished histogram.
    pub fn from_state(st: &NumericState, hist: Option<Histogram>) -> NumericProfile {
        let m = &st.moments;
        let f = finish(m);
        NumericProfile {
            nan: st.counts.nan,
            pos_inf: st.counts.pos_inf,
            neg_inf: st.counts.neg_inf,
            zeros: st.counts.zeros,
            min: (m.n > 0).then_some(m.min),
            max: (m.n > 0).then_some(m.max),
            sum: finite(f.sum),
            mean: f.mean,
            variance: f.variance,
            std: f.variance.map(f64::sqrt),
            skewness: f.skewness,
            kurtosis: f.kurtosis,
            histogram: hist.filter(|h| !h.counts.is_empty()),
            moments: MomentsState {
                n: m.n,
                mean_hi: m.mean_hi,
                mean_lo: m.mean_lo,
                m2: m.m2,
                m3: m.m3,
                m4: m.m4,
            },
        }
    }

    /// The mergeable state back from its JSON figures.
    pub fn to_moments(&self) -> Moments {
        let s = &self.moments;
        Moments {
            n: s.n,
            mean_hi: s.mean_hi,
            mean_lo: s.mean_lo,
            m2: s.m2,
            m3: s.m3,
            m4: s.m4,
            min: self.min.unwrap_or(f64::INFINITY),
            max: self.max.unwrap_or(f64::NEG_INFINITY),
        }
    }
}

impl LengthProfile {
    pub fn from_state(s: &LengthState) -> LengthProfile {
        let count = s.count();
        LengthProfile {
            empty: s.empty,
            min_length: (count > 0).then_some(s.min_len),
            max_length: (count > 0).then_some(s.max_len),
            mean_length: (count > 0).then(|| s.total_len as f64 / count as f64),
            total_length: s.total_len,
        }
    }

    fn to_state(&self, rows: u64, nulls: u64) -> LengthState {
        LengthState {
            rows,
            nulls,
            empty: self.empty,
            min_len: self.min_length.unwrap_or(u64::MAX),
            max_len: self.max_length.unwrap_or(0),
            total_len: self.total_length,
        }
    }
}

/// The type a column merged from parts of types `a` and `b` is named by. Numbers of different
/// types merge (named by the type that holds both, as files of one dataset join), but dates,
/// times and timestamps only with the same unit: their figures are counts of that unit, and
/// counts of milliseconds and of microseconds must not be added.
fn merged_type(a: &ColumnProfile, b: &ColumnProfile) -> Result<String> {
    use arrow::datatypes::DataType;
    let refuse = || {
        Error::Merge(format!(
            "column '{}' is {} in one profile and {} in the other: {}",
            a.name,
            a.data_type,
            b.data_type,
            if is_temporal(&a.data_type) || is_temporal(&b.data_type) {
                "its figures are counts of different units; profile the files together (datassay profile converts them to one unit)"
            } else {
                "the values cannot be merged as one column"
            }
        ))
    };
    if a.kind != ColumnKind::Numeric {
        return Ok(a.data_type.clone());
    }
    let (Ok(ta), Ok(tb)) = (
        a.data_type.parse::<DataType>(),
        b.data_type.parse::<DataType>(),
    ) else {
        return Err(refuse());
    };
    if ta.is_temporal() || tb.is_temporal() {
        return Err(refuse());
    }
    let numeric = |t: &DataType| crate::metrics::moments::cpu::is_numeric(t);
    if !numeric(&ta) || !numeric(&tb) {
        return Err(refuse());
    }
    let int = |t: &DataType| t.is_integer() || *t == DataType::Boolean;
    Ok(if int(&ta) && int(&tb) {
        if [&ta, &tb].contains(&&DataType::UInt64) {
            "Float64".into()
        } else {
            "Int64".into()
        }
    } else {
        "Float64".into()
    })
}

impl ColumnProfile {
    /// Merge the profile of the same column over another, disjoint part of the dataset.
    pub fn merge(&self, o: &ColumnProfile) -> Result<ColumnProfile> {
        if self.name != o.name || self.kind != o.kind {
            return Err(Error::Merge(format!(
                "column '{}' ({:?}) does not match column '{}' ({:?})",
                self.name, self.kind, o.name, o.kind
            )));
        }
        if self.numeric.is_some() != o.numeric.is_some()
            || self.lengths.is_some() != o.lengths.is_some()
        {
            return Err(Error::Merge(format!(
                "column '{}' has figures in one profile that the other lacks",
                self.name
            )));
        }
        let mut out = self.clone();
        if self.data_type != o.data_type {
            out.data_type = merged_type(self, o)?;
        }
        out.rows += o.rows;
        out.count += o.count;
        out.nulls += o.nulls;
        if let (Some(a), Some(b)) = (&self.numeric, &o.numeric) {
            let counts = |p: &NumericProfile, c: &ColumnProfile| Counts {
                rows: c.rows,
                nulls: c.nulls,
                nan: p.nan,
                pos_inf: p.pos_inf,
                neg_inf: p.neg_inf,
                zeros: p.zeros,
            };
            let mut st = NumericState {
                counts: counts(a, self),
                moments: a.to_moments(),
                hist: vec![],
            };
            st.merge(&NumericState {
                counts: counts(b, o),
                moments: b.to_moments(),
                hist: vec![],
            });
            let hist = match (&a.histogram, &b.histogram) {
                (Some(x), Some(y)) => Some(x.merge_over(y, st.moments.min, st.moments.max)),
                (x, y) => x.clone().or(y.clone()),
            };
            out.numeric = Some(NumericProfile::from_state(&st, hist));
        }
        if let (Some(a), Some(b)) = (&self.lengths, &o.lengths) {
            let mut s = a.to_state(self.rows, self.nulls);
            s.merge(&b.to_state(o.rows, o.nulls));
            out.lengths = Some(LengthProfile::from_state(&s));
        }
        match (&self.sketches, &o.sketches) {
            (Some(a), Some(b)) => {
                let at = |e: String| Error::Merge(format!("column '{}': {e}", self.name));
                let mut sa = a.sketch.to_sketch().map_err(at)?;
                sa.merge(&b.sketch.to_sketch().map_err(at)?).map_err(at)?;
                out.sketches = Some(SketchProfile::build(
                    &sa,
                    &a.sketch.quantile_list,
                    a.sketch.top_n.max(b.sketch.top_n),
                    out.count,
                    &self.data_type,
                ));
            }
            (None, None) => {}
            _ => {
                return Err(Error::Merge(format!(
                    "column '{}' has sketches (quantiles, distinct counts, top values) in one profile only; profile both with the same options",
                    self.name
                )))
            }
        }
        Ok(out)
    }
}

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

    /// Merge the profile of another, disjoint part of the same dataset (same columns, in order).
    /// Profiles that share a part (the same profile twice, or a merge and one of its parts) are
    /// refused: their rows would be counted twice.
    pub fn merge(&self, o: &Profile) -> Result<Profile> {
        // What cannot be merged at all is said first; then whether the parts are disjoint.
        let mut merged = self.merge_figures(o)?;
        let (mut a, mut b) = (self.clone(), o.clone());
        a.seal();
        b.seal();
        if let Some(id) = a.parts.iter().find(|id| b.parts.contains(id)) {
            return Err(Error::Merge(format!(
                "both profiles hold the part {id} (the same file or data, profiled twice): its rows would be counted twice"
            )));
        }
        let mut parts = [a.parts, b.parts].concat();
        parts.sort();
        merged.parts = parts;
        Ok(merged)
    }

    fn merge_figures(&self, o: &Profile) -> Result<Profile> {
        if self.format_version != o.format_version {
            return Err(Error::Merge(format!(
                "format versions differ ({} and {})",
                self.format_version, o.format_version
            )));
        }
        if self.embedding.is_some() || o.embedding.is_some() {
            return Err(Error::Merge(
                "a profile has an embedding section: nearest neighbours depend on the whole set, so it cannot be merged from parts; profile the files together (datassay profile A B --embedding COLUMN)".into(),
            ));
        }
        if self.near_duplicates.is_some() || o.near_duplicates.is_some() {
            return Err(Error::Merge(
                "a profile has a near_duplicates section: duplicates across the parts would be missed, so it cannot be merged from parts; profile the files together (datassay profile A B --near-dups COLUMN)".into(),
            ));
        }
        let names = |p: &Profile| p.columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
        if names(self) != names(o) {
            return Err(Error::Merge(format!(
                "the profiles have different columns: [{}] and [{}]",
                names(self).join(", "),
                names(o).join(", ")
            )));
        }
        let columns = self
            .columns
            .iter()
            .zip(&o.columns)
            .map(|(a, b)| a.merge(b))
            .collect::<Result<Vec<_>>>()?;
        Ok(Profile {
            format_version: self.format_version,
            generator: self.generator.clone(),
            rows: self.rows + o.rows,
            device: if self.device == o.device {
                self.device.clone()
            } else {
                format!("{}; {}", self.device, o.device)
            },
            histogram_bins: self.histogram_bins.max(o.histogram_bins),
            sources: [self.sources.clone(), o.sources.clone()].concat(),
            errors: [self.errors.clone(), o.errors.clone()].concat(),
            columns,
            embedding: None,
            near_duplicates: None,
            duplicate_rows: match (&self.duplicate_rows, &o.duplicate_rows) {
                (Some(a), Some(b)) => Some(a.merge(b, self.rows)),
                _ => None,
            },
            parts: Vec::new(),
        })
    }

    /// The profile as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a profile always serialises")
    }

    /// Parse a profile, checking its version.
    pub fn from_json(text: &str, path: &Path) -> Result<Profile> {
        let bad = |message: String| Error::BadProfile {
            path: path.to_path_buf(),
            message,
        };
        let v: serde_json::Value = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
        match v.get("format_version").and_then(|x| x.as_u64()) {
            Some(x) if x == FORMAT_VERSION as u64 => {}
            Some(x) => {
                return Err(bad(format!(
                    "format_version {x} is not supported (this datassay reads {FORMAT_VERSION})"
                )))
            }
            None => return Err(bad("no format_version field".into())),
        }
        let mut p: Profile = serde_json::from_value(v.clone()).map_err(|e| bad(e.to_string()))?;
        p.validate(&v).map_err(bad)?;
        // Profiles written before ids existed get theirs from their content.
        p.seal();
        Ok(p)
    }

    /// Check the invariants a profile file must hold, so a hand-edited or truncated one is an
    /// error here rather than a wrong merge later. `raw` is the parsed JSON, for serde's own
    /// message about a section that did not parse.
    fn validate(&self, raw: &serde_json::Value) -> std::result::Result<(), String> {
        if !self.sources.is_empty() {
            let sum: u64 = self.sources.iter().map(|s| s.rows).sum();
            if sum != self.rows {
                return Err(format!(
                    "rows {} but its sources hold {sum} rows",
                    self.rows
                ));
            }
        }
        if let Some(id) = self
            .parts
            .iter()
            .find(|id| id.len() != 16 || !id.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            return Err(format!("parts: {id:?} is not a 16-digit hex id"));
        }
        for (i, c) in self.columns.iter().enumerate() {
            let at = |m: String| format!("column '{}': {m}", c.name);
            let section_error = |what: &str, r: std::result::Result<(), serde_json::Error>| {
                at(format!(
                    "kind {:?} but its {what} figures do not parse{}",
                    c.kind,
                    r.err().map(|e| format!(" ({e})")).unwrap_or_default()
                ))
            };
            let raw_col = raw["columns"][i].clone();
            match c.kind {
                ColumnKind::Numeric if c.numeric.is_none() => {
                    let r = serde_json::from_value::<NumericProfile>(raw_col).map(|_| ());
                    return Err(section_error("numeric", r));
                }
                ColumnKind::String | ColumnKind::Binary if c.lengths.is_none() => {
                    let r = serde_json::from_value::<LengthProfile>(raw_col).map(|_| ());
                    return Err(section_error("length", r));
                }
                _ => {}
            }
            if c.rows != self.rows {
                return Err(at(format!(
                    "rows {} but the profile has {} rows",
                    c.rows, self.rows
                )));
            }
            if c.nulls > c.rows || c.count != c.rows - c.nulls {
                return Err(at(format!(
                    "rows {}, nulls {} and count {} do not add up",
                    c.rows, c.nulls, c.count
                )));
            }
            if let Some(sk) = &c.sketches {
                sk.sketch
                    .to_sketch()
                    .map_err(|e| at(format!("sketch: {e}")))?;
            }
            if let Some(n) = &c.numeric {
                if n.moments.n > c.count {
                    return Err(at(format!(
                        "moments.n {} exceeds count {}",
                        n.moments.n, c.count
                    )));
                }
                let non_finite = n.nan + n.pos_inf + n.neg_inf;
                if n.moments.n + non_finite != c.count {
                    return Err(at(format!(
                        "{} finite values (moments.n) and {non_finite} NaN or infinite do not add up to count {}",
                        n.moments.n, c.count
                    )));
                }
                if let (Some(lo), Some(hi)) = (n.min, n.max) {
                    if lo > hi {
                        return Err(at(format!("min {lo} exceeds max {hi}")));
                    }
                }
                if n.zeros > n.moments.n {
                    return Err(at(format!(
                        "zeros {} exceeds the {} finite values",
                        n.zeros, n.moments.n
                    )));
                }
                if let Some(h) = &n.histogram {
                    let ordered = h.edges.windows(2).all(|w| w[0] <= w[1]);
                    if h.counts.is_empty() || h.edges.len() != h.counts.len() + 1 || !ordered {
                        return Err(at(format!(
                            "histogram needs ordered edges, one more than its {} counts (has {})",
                            h.counts.len(),
                            h.edges.len()
                        )));
                    }
                    let total: u64 = h.counts.iter().sum();
                    if total != n.moments.n {
                        return Err(at(format!(
                            "histogram counts add up to {total}, not to the {} finite values",
                            n.moments.n
                        )));
                    }
                }
            }
        }
        Ok(())
    }

    /// Read a profile file.
    pub fn read(path: &Path) -> Result<Profile> {
        let text = std::fs::read_to_string(path).map_err(|e| crate::error::io_error(path, e))?;
        Profile::from_json(&text, path)
    }

    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnProfile> {
        self.columns.iter().find(|c| c.name == name)
    }
}
