//! Checks of one column: type, shares, extremes, moments, quantiles, distinct values,
//! uniqueness, allowed values and lengths.

use super::outcome::{expected, level_outcome, plural, Ctx, Outcome};
use super::spec::{parse_quantile, same_type, ColumnChecks, Level};
use crate::analysis::stats::Bounded;
use crate::error::Result;
use crate::metrics::sketch::Distinct;
use crate::profile::{ColumnKind, ColumnProfile, Profile};

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

/// Long because it is one short arm per column check key, in the order `docs/checks.md` lists them.
pub(super) fn column(cx: &mut Ctx, name: &str, cc: &ColumnChecks, p: &Profile) -> Result<()> {
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
                format!("the profile has no quantile sketch for column '{name}' (it was profiled without sketches)"),
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
                format!("the profile has no distinct counts for column '{name}' (it was profiled without sketches)"),
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
                    format!("column '{name}' has more distinct values than the profile counts exactly; uniqueness cannot be proven from its sketches (profile with a larger `exact_distinct`)"),
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

/// Long because an allowed-values check reads three kinds of evidence in turn (exact values, top
/// values, distinct bounds), each with its own verdict.
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
                    format!("column '{name}' has more distinct values than the profile counts exactly; its values cannot all be checked (profile with a larger `exact_distinct`)"),
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
