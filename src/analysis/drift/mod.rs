//! Drift between two profiles of a dataset: per column, how far the current values are from the
//! reference's, with bounds, a status, and the dataset's verdict. Read by `datassay drift` and
//! `datassay check`; every formula, default and bound is in `docs/drift.md`.
//!
//! ```
//! use datassay::analysis::drift::{compare, DriftOptions, Status};
//! use datassay::{profile_batches, Device, ProfileOptions};
//! use arrow::array::{Float64Array, RecordBatch};
//! use std::sync::Arc;
//!
//! let batch = |shift: f64| {
//!     let x: Float64Array = (0..2000).map(|i| Some((i % 100) as f64 + shift)).collect();
//!     RecordBatch::try_from_iter([("x", Arc::new(x) as _)]).unwrap()
//! };
//! let opts = ProfileOptions { device: Device::Cpu, ..Default::default() };
//! let reference = profile_batches(&[batch(0.0)], &opts).unwrap();
//! let current = profile_batches(&[batch(30.0)], &opts).unwrap();
//! let report = compare(&reference, &current, &DriftOptions::default()).unwrap();
//! assert_eq!(report.columns[0].status, Status::Drift);
//! assert_eq!(report.columns[0].score.unwrap().value, 0.3); // KS distance, exact here
//! ```

mod cdf;
mod cells;
mod column;
mod embedding;
mod values;

pub use cdf::Bin;
pub use cells::PSI_FLOOR;
pub use column::{Change, ColumnDrift, NumericDrift, QuantileShift};
pub use embedding::{EmbeddingDrift, DIMENSION_SHARE};
pub use values::{CategoryDrift, ShareChange, ValueChange, CELLS};

use crate::error::{Error, Result};
use crate::metrics::sketch::Distinct;
use crate::profile::{ColumnKind, ColumnProfile, Profile};
use serde::Serialize;

/// Version of the drift JSON layout (`docs/drift.md`).
pub const FORMAT_VERSION: u32 = 1;

/// How a column, or the dataset, compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// No drift: the upper bounds are within the thresholds (for the dataset, fewer than
    /// `drift_share` of the compared columns drift or are inconclusive).
    Ok,
    /// The bounds straddle the threshold, or too few rows to tell.
    Inconclusive,
    /// Past a threshold: a lower bound is above it (for the dataset, at least `drift_share`
    /// of the compared columns drift).
    Drift,
}

impl Status {
    /// The name the status is written as: `ok`, `inconclusive` or `drift`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Inconclusive => "inconclusive",
            Status::Drift => "drift",
        }
    }
}

/// Methods, thresholds and sizes (every default is documented in `docs/drift.md`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DriftOptions {
    /// Quantile bins of the reference for PSI, Jensen–Shannon and Hellinger of numbers.
    pub bins: usize,
    /// A numeric column drifts when its Kolmogorov–Smirnov distance is above this.
    pub ks_threshold: f64,
    /// A string column drifts when the Jensen–Shannon distance of its value shares is above
    /// this.
    pub js_threshold: f64,
    /// A column drifts when its null share moves by more than this (absolute).
    pub null_threshold: f64,
    /// The dataset drifts when at least this share of the compared columns drift.
    pub drift_share: f64,
    /// Samples with `n·m/(n + m)` at most this get p-values, and a column over its threshold
    /// drifts only when the test rejects at `alpha`.
    pub small_sample: f64,
    /// The significance level of the small-sample tests: a column over its threshold drifts
    /// only when the p-value is below this.
    pub alpha: f64,
    /// Values listed as examples (changes, new and vanished values).
    pub examples: usize,
}

impl Default for DriftOptions {
    fn default() -> Self {
        DriftOptions {
            bins: 10,
            ks_threshold: 0.05,
            js_threshold: 0.1,
            null_threshold: 0.02,
            drift_share: 0.5,
            small_sample: 10_000.0,
            alpha: 0.01,
            examples: 5,
        }
    }
}

impl DriftOptions {
    /// Refuse values that mean nothing.
    pub fn validate(&self) -> Result<()> {
        let unit = |x: f64| (0.0..=1.0).contains(&x);
        let bad = if !(2..=1000).contains(&self.bins) {
            Some(format!("bins {} must be in 2..=1000", self.bins))
        } else if !unit(self.ks_threshold) {
            Some(format!(
                "the ks threshold {} must be in [0, 1]",
                self.ks_threshold
            ))
        } else if !unit(self.js_threshold) {
            Some(format!(
                "the jensen-shannon threshold {} must be in [0, 1]",
                self.js_threshold
            ))
        } else if !unit(self.null_threshold) {
            Some(format!(
                "the null-share threshold {} must be in [0, 1]",
                self.null_threshold
            ))
        } else if !unit(self.drift_share) || self.drift_share == 0.0 {
            Some(format!(
                "the drift share {} must be in (0, 1]",
                self.drift_share
            ))
        } else if !(self.alpha > 0.0 && self.alpha < 1.0) {
            Some(format!("alpha {} must be in (0, 1)", self.alpha))
        } else if self.small_sample.is_nan() || self.small_sample < 0.0 {
            Some(format!(
                "the small-sample size {} must be at least 0",
                self.small_sample
            ))
        } else {
            None
        };
        bad.map_or(Ok(()), |m| Err(Error::Option(m)))
    }
}

/// One side of a comparison.
#[derive(Clone, Debug, Serialize)]
pub struct SideInfo {
    /// What the caller named it (a path).
    pub label: String,
    /// Rows of the profile.
    pub rows: u64,
    /// Columns in the profile, struct fields and list elements included.
    pub columns: usize,
}

/// Columns added, removed or retyped.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SchemaChange {
    /// Columns of the current side absent from the reference.
    pub added: Vec<NamedType>,
    /// Columns of the reference absent from the current side.
    pub removed: Vec<NamedType>,
    /// Columns on both sides whose Arrow type differs.
    pub retyped: Vec<Retyped>,
}

impl SchemaChange {
    /// Whether no column was added, removed or retyped.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.retyped.is_empty()
    }
}

/// A column added or removed, with its type.
#[derive(Clone, Debug, Serialize)]
pub struct NamedType {
    /// The column's name (its path, for a nested column).
    pub name: String,
    /// The Arrow data type, as Arrow displays it.
    pub data_type: String,
}

/// A column whose Arrow type differs between the two sides.
#[derive(Clone, Debug, Serialize)]
pub struct Retyped {
    /// The column's name (its path, for a nested column).
    pub name: String,
    /// The Arrow data type on the reference side.
    pub reference: String,
    /// The Arrow data type on the current side.
    pub current: String,
}

/// The comparison of two profiles.
#[derive(Clone, Debug, Serialize)]
pub struct DriftReport {
    /// Version of the layout: [`FORMAT_VERSION`].
    pub format_version: u32,
    /// The reference side.
    pub reference: SideInfo,
    /// The current side, compared against the reference.
    pub current: SideInfo,
    /// The options the comparison ran with.
    pub options: DriftOptions,
    /// `drift` when at least `drift_share` of the compared columns drift; `inconclusive` when
    /// that holds only counting the inconclusive ones too.
    pub verdict: Status,
    /// Columns present on both sides and compared.
    pub compared: usize,
    /// Compared columns whose status is `drift`.
    pub drifted: usize,
    /// Compared columns whose status is `inconclusive`.
    pub inconclusive: usize,
    /// `drifted / compared`.
    pub drifted_share: f64,
    /// Rows of the two profiles, and their change.
    pub rows: column::Change,
    /// Columns added, removed or retyped; these do not change the verdict unless no column
    /// of the reference is left to compare.
    pub schema: SchemaChange,
    /// Every compared column, worst first.
    pub columns: Vec<ColumnDrift>,
    /// The embedding sections' drift, when both profiles have one (`profile --embedding`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embedding: Option<EmbeddingDrift>,
}

impl DriftReport {
    /// A column's drift by name.
    pub fn column(&self, name: &str) -> Option<&ColumnDrift> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// Refuse profiles whose sketches cannot be compared.
fn compatible(r: &ColumnProfile, rl: &str, c: &ColumnProfile, cl: &str) -> Result<()> {
    let (Some(a), Some(b)) = (&r.state.sketch, &c.state.sketch) else {
        return Ok(());
    };
    if let (Some(x), Some(y)) = (&a.quantiles, &b.quantiles) {
        if x.slices != y.slices {
            return Err(Error::Incompatible(format!(
                "column '{}': the quantile sketches of {rl} and {cl} were made with different relative accuracies (about {} and {}); profile both sides with the same quantile accuracy",
                r.name,
                crate::analysis::stats::fmt(x.relative_error()),
                crate::analysis::stats::fmt(y.relative_error())
            )));
        }
    }
    if let (Distinct::Sketch { hll: x, .. }, Distinct::Sketch { hll: y, .. }) =
        (&a.distinct, &b.distinct)
    {
        if x.precision != y.precision {
            return Err(Error::Incompatible(format!(
                "column '{}': the distinct-count sketches of {rl} and {cl} have precision {} and {}; profile both sides with the same HyperLogLog precision",
                r.name, x.precision, y.precision
            )));
        }
    }
    Ok(())
}

/// Whether two Arrow types as profiles spell them are the same, but for the names of list
/// fields (`List(Int32)` and `List(Int32, field: 'element')`: pyarrow and Parquet writers name
/// a list's field differently, and that is not a change of the data).
fn same_type(a: &str, b: &str) -> bool {
    fn strip(t: &str) -> String {
        let mut out = String::with_capacity(t.len());
        let mut rest = t;
        while let Some(i) = rest.find(", field: '") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 10..];
            rest = after.find('\'').map_or("", |j| &after[j + 1..]);
        }
        out.push_str(rest);
        out
    }
    a == b || strip(a) == strip(b)
}

/// Compare a current profile against a reference.
pub fn compare(reference: &Profile, current: &Profile, o: &DriftOptions) -> Result<DriftReport> {
    compare_labelled(reference, "reference", current, "current", o)
}

/// [`compare`], naming each side (a path) in the report and in errors.
///
/// Long because it pairs the two sides' columns, compares each and sums up the verdict in one pass
/// over both column lists.
pub fn compare_labelled(
    reference: &Profile,
    ref_label: &str,
    current: &Profile,
    cur_label: &str,
    o: &DriftOptions,
) -> Result<DriftReport> {
    o.validate()?;
    for (p, label) in [(reference, ref_label), (current, cur_label)] {
        if p.rows == 0 {
            return Err(Error::Incompatible(format!(
                "{label}: the profile has no rows; there is nothing to compare"
            )));
        }
    }
    // Columns pair by name; a name that occurs more than once (a CSV header `x,x`, a field
    // `a.b` beside a top-level column `a.b`) pairs its k-th occurrence on each side.
    let occurrence = |p: &Profile, i: usize| {
        let name = &p.columns[i].name;
        p.columns[..i].iter().filter(|c| &c.name == name).count()
    };
    let find = |p: &Profile, name: &str, k: usize| {
        p.columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.name == name)
            .nth(k)
            .map(|(i, _)| i)
    };
    let mut schema = SchemaChange::default();
    let mut columns = Vec::new();
    for (i, r) in reference.columns.iter().enumerate() {
        let Some(j) = find(current, &r.name, occurrence(reference, i)) else {
            schema.removed.push(NamedType {
                name: r.name.clone(),
                data_type: r.data_type.clone(),
            });
            continue;
        };
        let c = &current.columns[j];
        if !same_type(&r.data_type, &c.data_type) {
            schema.retyped.push(Retyped {
                name: r.name.clone(),
                reference: r.data_type.clone(),
                current: c.data_type.clone(),
            });
        }
        // Skipped columns have nothing to compare; lists and structs are compared through
        // their elements and fields.
        let parent = |k: ColumnKind| matches!(k, ColumnKind::List | ColumnKind::Struct);
        if r.kind == ColumnKind::Skipped
            || c.kind == ColumnKind::Skipped
            || (parent(r.kind) && parent(c.kind))
        {
            continue;
        }
        compatible(r, ref_label, c, cur_label)?;
        columns.push(column::compare(r, c, o));
    }
    for (i, c) in current.columns.iter().enumerate() {
        if find(reference, &c.name, occurrence(current, i)).is_none() {
            schema.added.push(NamedType {
                name: c.name.clone(),
                data_type: c.data_type.clone(),
            });
        }
    }
    // Worst first: status, then how far past its threshold, then name.
    let severity = |d: &ColumnDrift| {
        let s = d.score.map_or(0.0, |s| s.value);
        let v = if d.threshold > 0.0 {
            s / d.threshold
        } else {
            s
        };
        let n = d.null_share.change.map_or(0.0, |x| x.abs()) / o.null_threshold.max(1e-12);
        v.max(n)
    };
    columns.sort_by(|a, b| {
        b.status
            .cmp(&a.status)
            .then(severity(b).total_cmp(&severity(a)))
            .then(a.name.cmp(&b.name))
    });
    let compared = columns.len();
    let drifted = columns.iter().filter(|c| c.status == Status::Drift).count();
    let inconclusive = columns
        .iter()
        .filter(|c| c.status == Status::Inconclusive)
        .count();
    let share = |n: usize| {
        if compared == 0 {
            0.0
        } else {
            n as f64 / compared as f64
        }
    };
    // Nothing of the reference left to compare: the data changed beyond any statistic.
    let nothing_left = compared == 0 && !schema.removed.is_empty();
    let verdict = if nothing_left || drifted > 0 && share(drifted) >= o.drift_share {
        Status::Drift
    } else if drifted + inconclusive > 0 && share(drifted + inconclusive) >= o.drift_share {
        Status::Inconclusive
    } else {
        Status::Ok
    };
    let embedding = match (&reference.embedding, &current.embedding) {
        (Some(a), Some(b)) => match (&a.state, &b.state) {
            (Some(x), Some(y)) => Some(embedding::compare(b.column.clone(), x, y, o)),
            _ => None,
        },
        _ => None,
    };
    Ok(DriftReport {
        format_version: FORMAT_VERSION,
        reference: SideInfo {
            label: ref_label.to_string(),
            rows: reference.rows,
            columns: reference.columns.len(),
        },
        current: SideInfo {
            label: cur_label.to_string(),
            rows: current.rows,
            columns: current.columns.len(),
        },
        options: o.clone(),
        verdict,
        compared,
        drifted,
        inconclusive,
        drifted_share: share(drifted),
        rows: column::Change {
            reference: Some(reference.rows as f64),
            current: Some(current.rows as f64),
            change: Some(current.rows as f64 - reference.rows as f64),
        },
        schema,
        columns,
        embedding,
    })
}
