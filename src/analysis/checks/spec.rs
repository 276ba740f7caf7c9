//! The checks file: what a profile must satisfy, in YAML (documented in `docs/checks.md`).
//!
//! ```yaml
//! dataset:
//!   rows: {min: 1000}
//!   duplicate_row_share: {max: 0.01, level: warn}
//!   required_columns: [id, age]
//! columns:
//!   age:
//!     type: Int64
//!     null_share: {max: 0.05}
//!     min: {min: 0}
//!     quantiles: {"0.5": {min: 20, max: 60}}
//!   city:
//!     allowed_values: [Paris, Lyon, Nantes]
//!     level: warn           # the level of this column's checks that do not give their own
//! drift:                    # against --baseline
//!   columns: [age, city]
//!   max_drifted_share: 0
//! ```

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// How a violated check counts: a warning, or a failure (exit 3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// A warning: `datassay check` still passes, unless `--strict`.
    Warn,
    /// A failure: `datassay check` exits 3.
    #[default]
    Fail,
}

/// Bounds on a figure: `min <= figure <= max` (either may be left out).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Range {
    /// The least value allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// The greatest value allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// This bound's level (default: the level of its column or section).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
}

/// Dataset-wide checks.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetChecks {
    /// The level of this section's checks that do not give their own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    /// Bounds on the rows of the dataset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<Range>,
    /// Columns (top level and nested, as the profile names them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<Range>,
    /// Rows equal to an earlier row, over all rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_row_share: Option<Range>,
    /// Columns that must be present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_columns: Option<Vec<String>>,
}

/// Checks of one column.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnChecks {
    /// The level of this column's checks that do not give their own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    /// The Arrow type as the profile names it (`Int64`, `Utf8`, …) or a kind: `numeric`,
    /// `string`, `binary`, `list`, `struct`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub data_type: Option<String>,
    /// Bounds on the share of null values among the rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub null_share: Option<Range>,
    /// Bounds on the share of NaN among the non-null values (numeric columns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nan_share: Option<Range>,
    /// Bounds on the smallest finite value, in the column's stored unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Range>,
    /// Bounds on the largest finite value, in the column's stored unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Range>,
    /// Bounds on the mean of the finite values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<Range>,
    /// Bounds on the sample standard deviation of the finite values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub std: Option<Range>,
    /// Bounds per quantile, keyed by the quantile (`"0.5"`) or percentile (`p50`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "unique_keys_opt"
    )]
    pub quantiles: Option<BTreeMap<String, Range>>,
    /// Distinct non-null values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distinct: Option<Range>,
    /// Every non-null value occurs once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique: Option<bool>,
    /// The only values allowed (nulls aside).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_values: Option<Vec<serde_json::Value>>,
    /// Bounds on every string's (or binary value's, or list's) length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<Range>,
    /// Bounds on the mean length of the strings (or binary values, or lists).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean_length: Option<Range>,
}

/// Drift against a baseline profile (`--baseline`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DriftChecks {
    /// The level of a drifted column (default `fail`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    /// The columns whose drift is checked (default: every column on both sides).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<Vec<String>>,
    /// The most of the compared columns that may drift (default: no limit beyond the
    /// per-column checks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_drifted_share: Option<f64>,
    /// Columns added, removed or retyped against the baseline: at this level (default: not
    /// checked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<Level>,
    /// Thresholds, as `datassay drift` takes them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ks_threshold: Option<f64>,
    /// The Jensen–Shannon distance above which a string column drifts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub js_threshold: Option<f64>,
    /// The change in null share (absolute) above which a column drifts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub null_threshold: Option<f64>,
}

/// A checks file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checks {
    /// Dataset-wide checks.
    #[serde(default, skip_serializing_if = "is_default")]
    pub dataset: DatasetChecks,
    /// Checks per column, keyed by the column's name as the profile gives it.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "unique_keys"
    )]
    pub columns: BTreeMap<String, ColumnChecks>,
    /// Drift checks against a baseline (`--baseline`); `None` when the file has no `drift`
    /// section.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift: Option<DriftChecks>,
}

fn is_default(d: &DatasetChecks) -> bool {
    *d == DatasetChecks::default()
}

/// The quantile a key names: `0.5`, `"0.5"`, `p50`, `p99.9`.
pub fn parse_quantile(key: &str) -> Option<f64> {
    let q = match key.strip_prefix('p').or_else(|| key.strip_prefix('P')) {
        Some(p) => p.parse::<f64>().ok()? / 100.0,
        None => key.parse::<f64>().ok()?,
    };
    (0.0..=1.0).contains(&q).then_some(q)
}

impl Checks {
    /// Parse a checks file's text; errors name the file, the line and the key.
    pub fn from_yaml(text: &str, path: &Path) -> Result<Checks> {
        let bad = |message: String| Error::BadChecks {
            path: path.to_path_buf(),
            message,
        };
        let checks: Checks = if text.trim().is_empty() {
            Checks::default()
        } else {
            serde_yaml_ng::from_str(text).map_err(|e| bad(yaml_error(&e)))?
        };
        checks.validate().map_err(|(at, message)| {
            let place = line_of(text, &at).map_or(String::new(), |l| format!("line {l}: "));
            bad(format!("{place}{}: {message}", at.join(".")))
        })?;
        Ok(checks)
    }

    /// Read and parse a checks file.
    pub fn read(path: &Path) -> Result<Checks> {
        let text = std::fs::read_to_string(path).map_err(|e| crate::error::io_error(path, e))?;
        Checks::from_yaml(&text, path)
    }

    /// The file as YAML.
    pub fn to_yaml(&self) -> String {
        serde_yaml_ng::to_string(self).expect("checks serialise")
    }

    /// Values that cannot mean anything: bounds that cross, shares beyond [0, 1], quantile
    /// keys that are not quantiles, types that name nothing. The error is the path of keys and
    /// the message.
    fn validate(&self) -> std::result::Result<(), (Vec<String>, String)> {
        type Bad = (Vec<String>, String);
        let path = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let range = |at: Vec<String>, r: &Range, share: bool| -> std::result::Result<(), Bad> {
            if r.min.is_none() && r.max.is_none() {
                return Err((at, "give min, max or both".into()));
            }
            for (k, v) in [("min", r.min), ("max", r.max)] {
                if let Some(v) = v {
                    let mut at = at.clone();
                    at.push(k.into());
                    if v.is_nan() {
                        return Err((at, "not a number".into()));
                    }
                    if share && !(0.0..=1.0).contains(&v) {
                        return Err((at, format!("{v} is a share and must be in [0, 1]")));
                    }
                }
            }
            if let (Some(a), Some(b)) = (r.min, r.max) {
                if a > b {
                    return Err((at, format!("min {a} is above max {b}")));
                }
            }
            Ok(())
        };
        let d = &self.dataset;
        for (k, r, share) in [
            ("rows", &d.rows, false),
            ("columns", &d.columns, false),
            ("duplicate_row_share", &d.duplicate_row_share, true),
        ] {
            if let Some(r) = r {
                range(path(&["dataset", k]), r, share)?;
            }
        }
        for (name, c) in &self.columns {
            let key = |k: &str| path(&["columns", name, k]);
            for (k, r, share) in [
                ("null_share", &c.null_share, true),
                ("nan_share", &c.nan_share, true),
                ("min", &c.min, false),
                ("max", &c.max, false),
                ("mean", &c.mean, false),
                ("std", &c.std, false),
                ("distinct", &c.distinct, false),
                ("length", &c.length, false),
                ("mean_length", &c.mean_length, false),
            ] {
                if let Some(r) = r {
                    range(key(k), r, share)?;
                }
            }
            for (q, r) in c.quantiles.iter().flatten() {
                let at = path(&["columns", name, "quantiles", q]);
                if parse_quantile(q).is_none() {
                    return Err((at, format!("{q:?} is not a quantile (write 0.5 or p50)")));
                }
                range(at, r, false)?;
            }
            if let Some(t) = &c.data_type {
                if !known_type(t) {
                    return Err((
                        key("type"),
                        format!("{t:?} is neither an Arrow type (Int64, Float64, Utf8, Timestamp(µs, \"UTC\"), …) nor a kind (numeric, string, binary, list, struct)"),
                    ));
                }
            }
            if let Some(v) = &c.allowed_values {
                if v.is_empty() {
                    return Err((key("allowed_values"), "the list is empty".into()));
                }
            }
        }
        if let Some(dr) = &self.drift {
            for (k, v) in [
                ("max_drifted_share", dr.max_drifted_share),
                ("ks_threshold", dr.ks_threshold),
                ("js_threshold", dr.js_threshold),
                ("null_threshold", dr.null_threshold),
            ] {
                if let Some(v) = v {
                    if !(0.0..=1.0).contains(&v) {
                        return Err((path(&["drift", k]), format!("{v} must be in [0, 1]")));
                    }
                }
            }
        }
        Ok(())
    }
}

/// The 1-based line of the key at `path` in a YAML text (block or flow style), or of the
/// deepest of its parents found.
pub(super) fn line_of(text: &str, path: &[String]) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let mut at: Option<usize> = None;
    for seg in path {
        let from = at.unwrap_or(0);
        let keys = [
            format!("{seg}:"),
            format!("\"{seg}\":"),
            format!("'{seg}':"),
        ];
        let found = (from..lines.len()).find(|&i| {
            let l = lines[i].split('#').next().unwrap_or("");
            let t = l.trim_start().trim_start_matches("- ");
            keys.iter().any(|k| {
                t.starts_with(k.as_str())
                    || l.contains(&format!("{{{k}"))
                    || l.contains(&format!("{{ {k}"))
                    || l.contains(&format!(", {k}"))
            })
        });
        match found {
            Some(i) => at = Some(i),
            None => break,
        }
    }
    at.map(|i| i + 1)
}

/// Map keys are names: one given twice is an error, not a silent replacement.
fn unique_keys<'de, D, V>(d: D) -> std::result::Result<BTreeMap<String, V>, D::Error>
where
    D: serde::Deserializer<'de>,
    V: Deserialize<'de>,
{
    struct Visit<V>(std::marker::PhantomData<V>);
    impl<'de, V: Deserialize<'de>> serde::de::Visitor<'de> for Visit<V> {
        type Value = BTreeMap<String, V>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a map of names to checks")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut m: A,
        ) -> std::result::Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some(k) = m.next_key::<String>()? {
                if out.contains_key(&k) {
                    return Err(serde::de::Error::custom(format!("`{k}` is given twice")));
                }
                let v = m.next_value::<V>()?;
                out.insert(k, v);
            }
            Ok(out)
        }
    }
    d.deserialize_map(Visit(std::marker::PhantomData))
}

fn unique_keys_opt<'de, D, V>(d: D) -> std::result::Result<Option<BTreeMap<String, V>>, D::Error>
where
    D: serde::Deserializer<'de>,
    V: Deserialize<'de>,
{
    unique_keys(d).map(Some)
}

/// A YAML error as `line L, column C: message` (the path of keys is in the message).
fn yaml_error(e: &serde_yaml_ng::Error) -> String {
    let msg = e.to_string();
    // The library appends " at line L column C"; put the place first.
    match e.location() {
        Some(l) => {
            let trimmed = msg
                .rsplit_once(" at line ")
                .map_or(msg.as_str(), |(m, _)| m);
            format!("line {}, column {}: {}", l.line(), l.column(), trimmed)
        }
        None => msg,
    }
}

/// An Arrow type name as checks compare it: case aside, and the string and binary encodings
/// (large, view) as one type, since they hold the same values.
fn type_key(t: &str) -> String {
    let t = t.trim().to_ascii_lowercase();
    match t.as_str() {
        "largeutf8" | "utf8view" | "string" | "large_string" | "string_view" => "utf8".into(),
        "largebinary" | "binaryview" | "large_binary" | "binary_view" => "binary".into(),
        _ => t,
    }
}

pub(super) fn same_type(profiled: &str, wanted: &str) -> bool {
    type_key(profiled) == type_key(wanted)
}

/// Whether a `type:` value names a kind or an Arrow type (any case).
pub(super) fn known_type(t: &str) -> bool {
    let kinds = ["numeric", "string", "binary", "list", "struct"];
    let simple = [
        "null", "boolean", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
        "uint64", "float16", "float32", "float64", "date32", "date64", "utf8", "binary",
    ];
    kinds.contains(&t.to_ascii_lowercase().as_str())
        || simple.contains(&type_key(t).as_str())
        || t.parse::<arrow::datatypes::DataType>().is_ok()
}
