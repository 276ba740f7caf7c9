//! Evaluating a checks file against a profile (and a drift report against its baseline).
//!
//! A figure the profile knows exactly (rows, null shares, min, max, mean, exact distinct counts)
//! passes or fails. A figure known within bounds (quantile and distinct-count sketches) fails
//! only when its whole interval is outside the check's bounds, passes when it is inside, and
//! otherwise is a warning saying the profile cannot tell.

use super::spec::{parse_quantile, Checks, ColumnChecks, Level, Range};
use crate::analysis::drift::{DriftReport, Status};
use crate::analysis::stats::Bounded;
use crate::error::{Error, Result};
use crate::metrics::sketch::Distinct;
use crate::profile::{ColumnKind, ColumnProfile, Profile};
use serde::Serialize;
use std::path::Path;

/// The outcome of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Pass,
    Warn,
    Fail,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Warn => "warn",
            Outcome::Fail => "fail",
        }
    }
}

/// One evaluated check.
#[derive(Clone, Debug, Serialize)]
pub struct CheckResult {
    /// Where the check is in the file: `dataset.rows`, `columns.age.null_share`, `drift.age`.
    pub id: String,
    /// The column it is about, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// The kind of check (`rows`, `null_share`, `quantile 0.5`, `drift`, …).
    pub check: String,
    pub level: Level,
    pub outcome: Outcome,
    /// What the profile holds.
    pub observed: String,
    /// What the check allows.
    pub expected: String,
    /// One sentence for a person.
    pub message: String,
}

/// Every check of a file, in file order.
#[derive(Clone, Debug, Serialize)]
pub struct CheckReport {
    pub passed: usize,
    pub warned: usize,
    pub failed: usize,
    pub results: Vec<CheckResult>,
}

impl CheckReport {
    /// The results worst first (failures, then warnings, then passes; file order within each).
    pub fn worst_first(&self) -> Vec<&CheckResult> {
        let mut v: Vec<&CheckResult> = self.results.iter().collect();
        v.sort_by_key(|r| std::cmp::Reverse(r.outcome));
        v
    }
}

/// A number as checks show it.
/// A number as checks show it: its shortest exact form, so an observed value and a limit that
/// differ never read the same.
fn show(x: f64) -> String {
    let a = x.abs();
    if x == 0.0 || (1e-5..1e16).contains(&a) || !x.is_finite() {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn show_bounded(b: &Bounded) -> String {
    if b.is_exact() {
        show(b.value)
    } else {
        format!("{} [{}, {}]", show(b.value), show(b.lower), show(b.upper))
    }
}

fn expected(r: &Range) -> String {
    match (r.min, r.max) {
        (Some(a), Some(b)) => format!("in [{}, {}]", show(a), show(b)),
        (Some(a), None) => format!(">= {}", show(a)),
        (None, Some(b)) => format!("<= {}", show(b)),
        (None, None) => "anything".into(),
    }
}

struct Ctx<'a> {
    path: &'a Path,
    out: Vec<CheckResult>,
}

impl Ctx<'_> {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        id: String,
        column: Option<&str>,
        check: &str,
        level: Level,
        outcome: Outcome,
        observed: String,
        expected: String,
        message: String,
    ) {
        self.out.push(CheckResult {
            id,
            column: column.map(str::to_string),
            check: check.to_string(),
            level,
            outcome,
            observed,
            expected,
            message,
        });
    }

    /// A bounded figure against a range.
    fn range(
        &mut self,
        id: String,
        column: Option<&str>,
        check: &str,
        r: &Range,
        default: Level,
        observed: Option<Bounded>,
    ) {
        let level = r.level.unwrap_or(default);
        let exp = expected(r);
        let what = match column {
            Some(c) => format!("{check} of column '{c}'"),
            None => check.to_string(),
        };
        let Some(v) = observed.filter(|v| !v.value.is_nan()) else {
            self.push(
                id,
                column,
                check,
                level,
                Outcome::Warn,
                "-".into(),
                exp,
                format!("{what}: the profile has no value to check (no non-null values)"),
            );
            return;
        };
        let below = |x: f64| r.min.is_some_and(|m| x < m);
        let above = |x: f64| r.max.is_some_and(|m| x > m);
        let obs = show_bounded(&v);
        let (outcome, message) = if below(v.upper) || above(v.lower) {
            (
                level_outcome(level),
                format!("{what} is {obs}, expected {exp}"),
            )
        } else if below(v.lower) || above(v.upper) {
            (
                Outcome::Warn,
                format!("{what} is {obs}: the profile cannot tell whether it is {exp} (its bounds straddle the limit)"),
            )
        } else {
            (Outcome::Pass, format!("{what} is {obs}, {exp}"))
        };
        self.push(id, column, check, level, outcome, obs, exp, message);
    }

    fn misuse(&self, key: &str, why: String) -> Error {
        Error::BadChecks {
            path: self.path.to_path_buf(),
            message: format!("{key}: {why}"),
        }
    }
}

fn level_outcome(l: Level) -> Outcome {
    match l {
        Level::Warn => Outcome::Warn,
        Level::Fail => Outcome::Fail,
    }
}

/// Evaluate `checks` (read from `path`, named in errors) against a profile, and its drift
/// checks against `drift` (the comparison with the baseline). Checks that cannot apply to a
/// column (a mean of strings) are errors naming the key, not failures.
pub fn evaluate(
    checks: &Checks,
    path: &Path,
    p: &Profile,
    drift: Option<&DriftReport>,
) -> Result<CheckReport> {
    let mut cx = Ctx {
        path,
        out: Vec::new(),
    };
    dataset(&mut cx, checks, p);
    for (name, cc) in &checks.columns {
        column(&mut cx, name, cc, p)?;
    }
    if let Some(dc) = &checks.drift {
        let Some(d) = drift else {
            return Err(cx.misuse(
                "drift",
                "drift checks need a baseline profile to compare with".into(),
            ));
        };
        let level = dc.level.unwrap_or_default();
        let wanted: Vec<String> = match &dc.columns {
            Some(c) => c.clone(),
            None => {
                let mut v: Vec<String> = d.columns.iter().map(|c| c.name.clone()).collect();
                v.sort();
                v
            }
        };
        for name in &wanted {
            let id = format!("drift.{name}");
            match d.column(name) {
                None => cx.push(
                    id,
                    Some(name),
                    "drift",
                    level,
                    level_outcome(level),
                    "-".into(),
                    "on both sides".into(),
                    format!("column '{name}' is not in both the profile and the baseline, so its drift cannot be checked"),
                ),
                Some(c) => {
                    let score = c.score.map_or("-".into(), |s| show_bounded(&s));
                    let observed = format!("{} {} ({})", c.method, score, c.status.as_str());
                    let outcome = match c.status {
                        Status::Ok => Outcome::Pass,
                        Status::Inconclusive => Outcome::Warn,
                        Status::Drift => level_outcome(level),
                    };
                    let why = if c.reasons.is_empty() {
                        "no drift".to_string()
                    } else {
                        c.reasons.join("; ")
                    };
                    cx.push(
                        id,
                        Some(name),
                        "drift",
                        level,
                        outcome,
                        observed,
                        "no drift".into(),
                        format!("drift of column '{name}': {} ({why})", c.status.as_str()),
                    );
                }
            }
        }
        if let Some(m) = dc.max_drifted_share {
            let r = Range {
                min: None,
                max: Some(m),
                level: Some(level),
            };
            cx.range(
                "drift.max_drifted_share".into(),
                None,
                "drifted share of columns",
                &r,
                level,
                Some(Bounded::exact(d.drifted_share)),
            );
        }
        if let Some(l) = dc.schema {
            let s = &d.schema;
            let n = s.added.len() + s.removed.len() + s.retyped.len();
            let mut parts = Vec::new();
            for (what, names) in [
                (
                    "added",
                    s.added.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
                ),
                (
                    "removed",
                    s.removed.iter().map(|c| c.name.clone()).collect(),
                ),
                (
                    "retyped",
                    s.retyped.iter().map(|c| c.name.clone()).collect(),
                ),
            ] {
                if !names.is_empty() {
                    parts.push(format!("{what} {}", names.join(", ")));
                }
            }
            cx.push(
                "drift.schema".into(),
                None,
                "schema",
                l,
                if n == 0 {
                    Outcome::Pass
                } else {
                    level_outcome(l)
                },
                if n == 0 {
                    "unchanged".into()
                } else {
                    parts.join("; ")
                },
                "unchanged".into(),
                if n == 0 {
                    "the columns and their types are the baseline's".into()
                } else {
                    format!(
                        "the columns changed against the baseline: {}",
                        parts.join("; ")
                    )
                },
            );
        }
    }
    let count = |o: Outcome| cx.out.iter().filter(|r| r.outcome == o).count();
    Ok(CheckReport {
        passed: count(Outcome::Pass),
        warned: count(Outcome::Warn),
        failed: count(Outcome::Fail),
        results: cx.out,
    })
}

fn dataset(cx: &mut Ctx, checks: &Checks, p: &Profile) {
    let d = &checks.dataset;
    let level = d.level.unwrap_or_default();
    if let Some(r) = &d.rows {
        cx.range(
            "dataset.rows".into(),
            None,
            "rows",
            r,
            level,
            Some(Bounded::exact(p.rows as f64)),
        );
    }
    if let Some(r) = &d.columns {
        cx.range(
            "dataset.columns".into(),
            None,
            "columns",
            r,
            level,
            Some(Bounded::exact(p.columns.len() as f64)),
        );
    }
    if let Some(r) = &d.duplicate_row_share {
        let obs = p.duplicate_rows.as_ref().map(|dr| {
            let n = p.rows.max(1) as f64;
            match &dr.estimate {
                Some(e) => Bounded::new(
                    e.estimate as f64 / n,
                    e.lower as f64 / n,
                    e.upper as f64 / n,
                ),
                None => Bounded::exact(dr.count as f64 / n),
            }
        });
        if obs.is_none() {
            cx.push(
                "dataset.duplicate_row_share".into(),
                None,
                "duplicate_row_share",
                r.level.unwrap_or(level),
                Outcome::Warn,
                "-".into(),
                expected(r),
                "the profile has no duplicate-row count (made with --no-duplicate-rows or --no-sketches)".into(),
            );
        } else {
            cx.range(
                "dataset.duplicate_row_share".into(),
                None,
                "duplicate-row share",
                r,
                level,
                obs,
            );
        }
    }
    for name in d.required_columns.iter().flatten() {
        let present = p.column(name).is_some();
        cx.push(
            format!("dataset.required_columns.{name}"),
            Some(name),
            "required",
            level,
            if present {
                Outcome::Pass
            } else {
                level_outcome(level)
            },
            if present { "present" } else { "missing" }.into(),
            "present".into(),
            if present {
                format!("column '{name}' is present")
            } else {
                format!("required column '{name}' is missing")
            },
        );
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

fn same_type(profiled: &str, wanted: &str) -> bool {
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

fn kind_name(k: ColumnKind) -> &'static str {
    match k {
        ColumnKind::Numeric => "numeric",
        ColumnKind::String => "string",
        ColumnKind::Binary => "binary",
        ColumnKind::List => "list",
        ColumnKind::Struct => "struct",
        ColumnKind::Skipped => "skipped",
    }
}

/// A quantile of a column with its bounds: the profile's figure when it reported `q`, else
/// from its state (exact values while counted exactly, else the DDSketch).
fn quantile(c: &ColumnProfile, q: f64) -> Option<Bounded> {
    let key = crate::metrics::sketch::quantile_key(q);
    if let Some(s) = &c.sketches {
        if let Some(v) = s.quantiles.as_ref().and_then(|m| m.get(&key)) {
            let b = s.quantile_bounds.as_ref().and_then(|m| m.get(&key));
            return Some(match b {
                Some([lo, hi]) => Bounded::new(*v, *lo, *hi),
                None => Bounded::exact(*v),
            });
        }
    }
    let sk = c.state.sketch.as_ref()?;
    if let Some(v) = sk.exact_quantiles(&[q]) {
        return v.first().map(|x| Bounded::exact(x.1));
    }
    let e = sk.quantiles.as_ref()?.quantile(q)?;
    Some(Bounded::new(e.value, e.lo, e.hi))
}

fn column(cx: &mut Ctx, name: &str, cc: &ColumnChecks, p: &Profile) -> Result<()> {
    let level = cc.level.unwrap_or_default();
    let key = |k: &str| format!("columns.{name}.{k}");
    let Some(c) = p.column(name) else {
        cx.push(
            key("present"),
            Some(name),
            "present",
            level,
            level_outcome(level),
            "missing".into(),
            "present".into(),
            format!("column '{name}' is not in the profile"),
        );
        return Ok(());
    };
    let numeric = c.numeric.as_ref();
    let need_numeric = |cx: &Ctx, k: &str| -> Result<()> {
        if numeric.is_none() {
            return Err(cx.misuse(
                &key(k),
                format!(
                    "column '{name}' is {} ({}); {k} applies to numeric columns",
                    c.data_type,
                    kind_name(c.kind)
                ),
            ));
        }
        Ok(())
    };
    if let Some(t) = &cc.data_type {
        let kinds = ["numeric", "string", "binary", "list", "struct"];
        let ok = if kinds.contains(&t.to_ascii_lowercase().as_str()) {
            kind_name(c.kind) == t.to_ascii_lowercase()
        } else {
            same_type(&c.data_type, t)
        };
        cx.push(
            key("type"),
            Some(name),
            "type",
            level,
            if ok {
                Outcome::Pass
            } else {
                level_outcome(level)
            },
            format!("{} ({})", c.data_type, kind_name(c.kind)),
            t.clone(),
            if ok {
                format!("column '{name}' is {t}")
            } else {
                format!(
                    "column '{name}' is {} ({}), expected {t}",
                    c.data_type,
                    kind_name(c.kind)
                )
            },
        );
    }
    let rows = c.rows.max(1) as f64;
    if let Some(r) = &cc.null_share {
        let v = (c.rows > 0).then(|| Bounded::exact(c.nulls as f64 / rows));
        cx.range(key("null_share"), Some(name), "null share", r, level, v);
    }
    if let Some(r) = &cc.nan_share {
        need_numeric(cx, "nan_share")?;
        let v = numeric.map(|n| Bounded::exact(n.nan as f64 / c.count.max(1) as f64));
        cx.range(key("nan_share"), Some(name), "NaN share", r, level, v);
    }
    for (k, r, f) in [
        ("min", &cc.min, numeric.and_then(|n| n.min)),
        ("max", &cc.max, numeric.and_then(|n| n.max)),
        ("mean", &cc.mean, numeric.and_then(|n| n.mean)),
        ("std", &cc.std, numeric.and_then(|n| n.std)),
    ] {
        if let Some(r) = r {
            need_numeric(cx, k)?;
            cx.range(key(k), Some(name), k, r, level, f.map(Bounded::exact));
        }
    }
    for (qk, r) in cc.quantiles.iter().flatten() {
        need_numeric(cx, "quantiles")?;
        let q = parse_quantile(qk).expect("validated when read");
        let v = quantile(c, q);
        if v.is_none() && c.count > 0 && c.state.sketch.is_none() {
            return Err(cx.misuse(
                &key("quantiles"),
                format!("the profile has no quantile sketch for column '{name}' (it was made with --no-sketches)"),
            ));
        }
        cx.range(
            format!("{}.{qk}", key("quantiles")),
            Some(name),
            &format!("quantile {qk}"),
            r,
            level,
            v,
        );
    }
    let sketch = c.sketches.as_ref();
    let need_sketch = |cx: &Ctx, k: &str| -> Result<()> {
        if c.state.sketch.is_none() && c.count > 0 && c.kind != ColumnKind::Skipped {
            return Err(cx.misuse(
                &key(k),
                format!("the profile has no distinct counts for column '{name}' (it was made with --no-sketches)"),
            ));
        }
        Ok(())
    };
    if let Some(r) = &cc.distinct {
        need_sketch(cx, "distinct")?;
        let v = sketch.map(|s| {
            let d = &s.distinct;
            Bounded::new(d.estimate as f64, d.lower as f64, d.upper as f64)
        });
        cx.range(key("distinct"), Some(name), "distinct values", r, level, v);
    }
    if cc.unique == Some(true) {
        need_sketch(cx, "unique")?;
        unique(cx, name, c, level, key("unique"));
    }
    if let Some(allowed) = &cc.allowed_values {
        need_sketch(cx, "allowed_values")?;
        allowed_values(cx, name, c, allowed, level, key("allowed_values"));
    }
    for (k, r, f) in [
        ("length", &cc.length, None),
        (
            "mean_length",
            &cc.mean_length,
            c.lengths
                .as_ref()
                .and_then(|l| l.mean_length)
                .map(Bounded::exact),
        ),
    ] {
        let Some(r) = r else { continue };
        let Some(l) = c.lengths.as_ref() else {
            return Err(cx.misuse(
                &key(k),
                format!(
                    "column '{name}' is {} ({}); {k} applies to strings, binary values and lists",
                    c.data_type,
                    kind_name(c.kind)
                ),
            ));
        };
        if k == "length" {
            // Every length within the range: the shortest against min, the longest against max.
            let (lo, hi) = (l.min_length, l.max_length);
            let (Some(lo), Some(hi)) = (lo, hi) else {
                cx.range(key(k), Some(name), "length", r, level, None);
                continue;
            };
            let bad =
                r.min.is_some_and(|m| (lo as f64) < m) || r.max.is_some_and(|m| (hi as f64) > m);
            let lvl = r.level.unwrap_or(level);
            cx.push(
                key(k),
                Some(name),
                "length",
                lvl,
                if bad {
                    level_outcome(lvl)
                } else {
                    Outcome::Pass
                },
                format!("{lo} to {hi}"),
                expected(r),
                format!(
                    "lengths of column '{name}' run from {lo} to {hi}, expected every length {}",
                    expected(r)
                ),
            );
        } else {
            cx.range(key(k), Some(name), "mean length", r, level, f);
        }
    }
    Ok(())
}

/// A check that holds because the column has no non-null values.
fn vacuous(cx: &mut Ctx, name: &str, check: &str, level: Level, id: String, expected: String) {
    cx.push(
        id,
        Some(name),
        check,
        level,
        Outcome::Pass,
        "no values".into(),
        expected,
        format!("column '{name}' has no non-null values"),
    );
}

fn unique(cx: &mut Ctx, name: &str, c: &ColumnProfile, level: Level, id: String) {
    let Some(sk) = c.state.sketch.as_ref().filter(|_| c.count > 0) else {
        return vacuous(cx, name, "unique", level, id, "unique".into());
    };
    let n = c.count;
    let (outcome, observed, message) = match &sk.distinct {
        Distinct::Exact { values, .. } => {
            let d = values.len() as u64;
            if d == n {
                (
                    Outcome::Pass,
                    format!("{d} distinct of {n}"),
                    format!("every value of column '{name}' occurs once"),
                )
            } else {
                (
                    level_outcome(level),
                    format!("{d} distinct of {n}"),
                    format!(
                        "column '{name}' has {} ({d} distinct of {n})",
                        plural((n - d) as usize, "repeated value", "repeated values")
                    ),
                )
            }
        }
        Distinct::Sketch { .. } => {
            let d = sk.distinct(n);
            let repeat = sk
                .top_values(1)
                .and_then(|t| t.first().cloned())
                .filter(|t| t.count >= 2);
            if let Some(t) = repeat {
                (
                    level_outcome(level),
                    format!("{} occurs at least {} times", t.value, t.count),
                    format!(
                        "column '{name}' is not unique: {} occurs at least {} times",
                        t.value, t.count
                    ),
                )
            } else if d.upper < n {
                (
                    level_outcome(level),
                    format!("at most {} distinct of {n}", d.upper),
                    format!(
                        "column '{name}' is not unique: at most {} distinct values among {n}",
                        d.upper
                    ),
                )
            } else {
                (
                    Outcome::Warn,
                    format!("about {} distinct of {n}", d.estimate),
                    format!("column '{name}' has more distinct values than the profile counts exactly; uniqueness cannot be proven from its sketches (profile with a larger --exact-distinct)"),
                )
            }
        }
    };
    cx.push(
        id,
        Some(name),
        "unique",
        level,
        outcome,
        observed,
        "unique".into(),
        message,
    );
}

/// Whether two shown values are the same value (numbers compared as numbers).
fn same(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

fn allowed_values(
    cx: &mut Ctx,
    name: &str,
    c: &ColumnProfile,
    allowed: &[serde_json::Value],
    level: Level,
    id: String,
) {
    let listed = if allowed.len() <= 5 {
        allowed
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        format!("{} values", allowed.len())
    };
    let Some(sk) = c.state.sketch.as_ref().filter(|_| c.count > 0) else {
        return vacuous(
            cx,
            name,
            "allowed_values",
            level,
            id,
            format!("one of {listed}"),
        );
    };
    let outside = |vals: &mut dyn Iterator<Item = (&serde_json::Value, u64)>| {
        let mut v: Vec<(String, u64)> = vals
            .filter(|(v, n)| *n > 0 && !v.is_null() && !allowed.iter().any(|a| same(a, v)))
            .map(|(v, n)| (v.to_string(), n))
            .collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    };
    let (outcome, observed, message) = match &sk.distinct {
        Distinct::Exact { values, .. } => {
            let bad = outside(&mut values.values().map(|(n, v)| (v, *n)));
            if bad.is_empty() {
                (
                    Outcome::Pass,
                    "all allowed".into(),
                    format!("every value of column '{name}' is allowed"),
                )
            } else {
                let rows: u64 = bad.iter().map(|b| b.1).sum();
                let eg: Vec<String> = bad.iter().take(5).map(|b| b.0.clone()).collect();
                (
                    level_outcome(level),
                    format!(
                        "{} in {rows} rows",
                        plural(bad.len(), "other value", "other values")
                    ),
                    format!(
                        "column '{name}' has {} outside the allowed ones, in {rows} rows: {}",
                        plural(bad.len(), "value", "values"),
                        eg.join(", ")
                    ),
                )
            }
        }
        Distinct::Sketch { top, .. } => {
            let d = sk.distinct(c.count);
            let bad = top
                .as_ref()
                .map(|t| outside(&mut t.counters.values().map(|(n, v)| (v, *n))))
                .unwrap_or_default();
            if let Some(b) = bad.first() {
                (
                    level_outcome(level),
                    format!("{} occurs", b.0),
                    format!(
                        "column '{name}' has values outside the allowed ones: {}",
                        bad.iter()
                            .take(5)
                            .map(|b| b.0.clone())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            } else if d.lower > allowed.len() as u64 {
                (
                    level_outcome(level),
                    format!("at least {} distinct", d.lower),
                    format!(
                        "column '{name}' has at least {} distinct values; only {} are allowed",
                        d.lower,
                        allowed.len()
                    ),
                )
            } else {
                (
                    Outcome::Warn,
                    format!("about {} distinct", d.estimate),
                    format!("column '{name}' has more distinct values than the profile counts exactly; its values cannot all be checked (profile with a larger --exact-distinct)"),
                )
            }
        }
    };
    cx.push(
        id,
        Some(name),
        "allowed_values",
        level,
        outcome,
        observed,
        format!("one of {listed}"),
        message,
    );
}
