//! One column of a profile: its state (each family's accumulator, kept once) and the figures
//! finished from it.

use crate::error::{Error, Result};
use crate::metrics::accumulator::Accumulator;
use crate::metrics::moments::{NumericAcc, NumericProfile};
use crate::metrics::pii::{PiiProfile, PiiState};
use crate::metrics::sketch::{ColSketch, SketchProfile};
use crate::metrics::strings::{LengthProfile, LengthState};
use serde::{Deserialize, Serialize};

/// How a column was profiled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnKind {
    /// Numbers, booleans, dates, times, timestamps and durations.
    Numeric,
    /// Strings (lengths in characters).
    String,
    /// Binary values (lengths in bytes).
    Binary,
    /// A list (or map) column: the distribution of its lengths; its elements are profiled as the
    /// column `name[]` (a map's as `name[].key` and `name[].value`).
    List,
    /// A struct column: its nulls; its fields are profiled as `name.field`.
    Struct,
    /// A column of a type that is not profiled (or of type null); see `skipped_reason`.
    Skipped,
}

/// The mergeable state of a column: one accumulator per family that applies.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ColumnState {
    /// Rows seen (for a list's elements, the elements).
    pub rows: u64,
    /// Null values among them.
    pub nulls: u64,
    /// The numeric accumulator, for a numeric column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numeric: Option<NumericAcc>,
    /// String and binary lengths, or list lengths in elements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lengths: Option<LengthState>,
    /// The quantile, distinct-count and top-value sketches of a numeric, string or binary
    /// column; `None` when sketches are off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sketch: Option<ColSketch>,
    /// The PII and secrets scan of a string column (`--pii`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pii: Option<PiiState>,
}

impl ColumnState {
    /// Merge the state of the same column over other rows (any order).
    pub fn merge(&mut self, o: &ColumnState) -> Result<()> {
        self.rows += o.rows;
        self.nulls += o.nulls;
        fn both<A: Accumulator>(a: &mut Option<A>, b: &Option<A>) -> Result<()> {
            match (a.as_mut(), b) {
                (Some(x), Some(y)) => x.merge(y),
                (None, Some(y)) => {
                    *a = Some(y.clone());
                    Ok(())
                }
                _ => Ok(()),
            }
        }
        both(&mut self.numeric, &o.numeric)?;
        both(&mut self.lengths, &o.lengths)?;
        both(&mut self.sketch, &o.sketch)?;
        both(&mut self.pii, &o.pii)
    }

    /// Bytes the state holds.
    pub fn size_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.numeric.as_ref().map_or(0, |n| n.size_bytes())
            + self.sketch.as_ref().map_or(0, |s| s.size_bytes())
            + self.pii.as_ref().map_or(0, |s| s.size_bytes())
    }
}

/// The profile of one column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ColumnProfile {
    /// The column's path: `meta.source` for a struct field, `input_ids[]` for a list's elements.
    pub name: String,
    /// The Arrow data type, as Arrow displays it (`Int64`, `Timestamp(µs, "UTC")`, …).
    pub data_type: String,
    /// How the column was profiled.
    pub kind: ColumnKind,
    /// Why a skipped column was not profiled; `None` for the others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped_reason: Option<String>,
    /// For a column inside a list: the list whose elements are this column's rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub element_of: Option<String>,
    /// Rows (for a list's elements, the elements), nulls included.
    pub rows: u64,
    /// Non-null values.
    pub count: u64,
    /// Null values.
    pub nulls: u64,
    /// Figures of a numeric column (moments, extremes, histogram).
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub numeric: Option<NumericProfile>,
    /// Length figures of a string, binary or list column.
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub lengths: Option<LengthProfile>,
    /// Quantiles, distinct count and top values, when the column was sketched.
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub sketches: Option<SketchProfile>,
    /// What the PII and secrets scan found (`--pii`; string columns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pii: Option<PiiProfile>,
    /// The mergeable state behind the figures.
    pub state: ColumnState,
}

impl ColumnProfile {
    /// A column's profile: its figures finished from `state`.
    pub fn new(name: String, data_type: String, kind: ColumnKind, state: ColumnState) -> Self {
        let mut c = ColumnProfile {
            name,
            data_type,
            kind,
            skipped_reason: None,
            element_of: None,
            rows: 0,
            count: 0,
            nulls: 0,
            numeric: None,
            lengths: None,
            sketches: None,
            pii: None,
            state,
        };
        c.refresh();
        c
    }

    /// Finish the figures from the state again.
    pub fn refresh(&mut self) {
        let s = &self.state;
        self.rows = s.rows;
        self.nulls = s.nulls;
        self.count = s.rows - s.nulls.min(s.rows);
        self.numeric = s.numeric.as_ref().map(Accumulator::finish);
        self.lengths = s.lengths.as_ref().map(Accumulator::finish);
        self.sketches = s.sketch.as_ref().map(Accumulator::finish);
        self.pii = s.pii.as_ref().map(Accumulator::finish);
    }

    /// Merge the profile of the same column over another, disjoint part of the dataset.
    pub fn merge(&self, o: &ColumnProfile) -> Result<ColumnProfile> {
        let mut out = self.clone();
        out.absorb(o)?;
        out.refresh();
        Ok(out)
    }

    /// Merge `o`'s state into this column's, leaving the figures to [`ColumnProfile::refresh`].
    pub(super) fn absorb(&mut self, o: &ColumnProfile) -> Result<()> {
        if self.name != o.name || self.kind != o.kind {
            return Err(Error::Merge(format!(
                "column '{}' ({:?}) does not match column '{}' ({:?})",
                self.name, self.kind, o.name, o.kind
            )));
        }
        let s = &self.state;
        if s.numeric.is_some() != o.state.numeric.is_some()
            || s.lengths.is_some() != o.state.lengths.is_some()
        {
            return Err(Error::Merge(format!(
                "column '{}' has figures in one profile that the other lacks",
                self.name
            )));
        }
        if s.sketch.is_some() != o.state.sketch.is_some() {
            return Err(Error::Merge(format!(
                "column '{}' has sketches (quantiles, distinct counts, top values) in one profile only; profile both with the same options",
                self.name
            )));
        }
        if self.data_type != o.data_type {
            self.data_type = merged_type(self, o)?;
        }
        self.state
            .merge(&o.state)
            .map_err(|e| Error::Merge(format!("column '{}': {e}", self.name)))?;
        // The type of the whole decides whether estimates of times are shown.
        let temporal = super::is_temporal(&self.data_type);
        if let Some(sk) = &mut self.state.sketch {
            sk.report.temporal = temporal;
        }
        Ok(())
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
            if super::is_temporal(&a.data_type) || super::is_temporal(&b.data_type) {
                "its figures are counts of different units; profile the files together (datassay profile converts them to one unit)"
            } else {
                "the values cannot be merged as one column"
            }
        ))
    };
    if a.kind != ColumnKind::Numeric {
        // Strings of different encodings (Utf8, LargeUtf8, views) hold the same values.
        return Ok(a.data_type.clone().min(b.data_type.clone()));
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
