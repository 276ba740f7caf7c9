//! Evaluating a checks file against a profile (and a drift report against its baseline).
//!
//! A figure the profile knows exactly (rows, null shares, min, max, mean, exact distinct counts)
//! passes or fails. A figure known within bounds (quantile and distinct-count sketches) fails
//! only when its whole interval is outside the check's bounds, passes when it is inside, and
//! otherwise is a warning saying the profile cannot tell.

use super::column::column;
use super::outcome::{expected, level_outcome, show_bounded, CheckReport, Ctx, Outcome};
use super::spec::{Checks, Range};
use crate::analysis::drift::{DriftReport, Status};
use crate::analysis::stats::Bounded;
use crate::error::Result;
use crate::profile::Profile;
use std::path::Path;

/// Evaluate `checks` (read from `path`, named in errors) against a profile, and its drift
/// checks against `drift` (the comparison with the baseline). Checks that cannot apply to a
/// column (a mean of strings) are errors naming the key, not failures.
///
/// Long because it is one short arm per dataset-level check key, in the order `docs/checks.md`
/// lists them.
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
                "the profile has no duplicate-row count (profiled without duplicate rows or without sketches)".into(),
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
