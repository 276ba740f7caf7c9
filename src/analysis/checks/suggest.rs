//! A starter checks file from a profile: what the data is today, with room for sampling error,
//! so that a user can start gating in one command and tighten it by hand.
//!
//! - at least one row (when the profile has rows), every top-level column required, and every
//!   column's type as profiled;
//! - null shares at most what they are plus three standard errors of a share over as many
//!   rows (`p + 3·sqrt(p(1 − p)/n) + 3/n`: a share of 0 allows a few nulls in a new sample);
//! - non-negative numeric columns stay non-negative, and columns in [0, 1] stay within it;
//! - string and boolean columns of at most 20 distinct values, counted exactly and each seen
//!   at least 5 times on average, keep their values (`allowed_values`);
//! - columns whose values were all distinct (counted exactly, at least 100) stay unique;
//! - the duplicate-row share at most what it is plus three standard errors.

use super::spec::{Checks, ColumnChecks, Range};
use crate::metrics::sketch::Distinct;
use crate::profile::{ColumnKind, Profile};

/// Round up to 4 significant digits (so the suggestion reads well and never tightens).
fn ceil4(x: f64) -> f64 {
    if x <= 0.0 || !x.is_finite() {
        return x.max(0.0);
    }
    let scale = 10f64.powi(3 - x.log10().floor() as i32);
    let y = (x * scale).ceil() / scale;
    if y < x {
        x
    } else {
        y
    }
}

/// A share plus three standard errors of it over `n` rows, and `3/n`, at most 1.
fn share_limit(p: f64, n: u64) -> f64 {
    let n = n.max(1) as f64;
    ceil4((p + 3.0 * (p * (1.0 - p) / n).sqrt() + 3.0 / n).min(1.0)).min(1.0)
}

/// The starter checks for a profile.
pub fn suggest(p: &Profile) -> Checks {
    let mut checks = Checks::default();
    if p.rows > 0 {
        checks.dataset.rows = Some(Range {
            min: Some(1.0),
            ..Default::default()
        });
    }
    // Top-level columns: not list elements, not fields of a struct column.
    let structs: Vec<&str> = p
        .columns
        .iter()
        .filter(|c| c.kind == ColumnKind::Struct)
        .map(|c| c.name.as_str())
        .collect();
    let field = |name: &str| {
        structs.iter().any(|s| {
            name.len() > s.len() + 1 && name.starts_with(s) && name.as_bytes()[s.len()] == b'.'
        })
    };
    let mut required: Vec<String> = p
        .columns
        .iter()
        .filter(|c| c.element_of.is_none() && !field(&c.name))
        .map(|c| c.name.clone())
        .collect();
    required.dedup();
    checks.dataset.required_columns = Some(required);
    if let Some(d) = &p.duplicate_rows {
        let count = d.estimate.as_ref().map_or(d.count, |e| e.upper);
        checks.dataset.duplicate_row_share = Some(Range {
            max: Some(share_limit(count as f64 / p.rows.max(1) as f64, p.rows)),
            ..Default::default()
        });
    }
    for c in &p.columns {
        if c.kind == ColumnKind::Skipped {
            continue;
        }
        let mut cc = ColumnChecks {
            data_type: Some(c.data_type.clone()),
            ..Default::default()
        };
        if c.rows > 0 {
            cc.null_share = Some(Range {
                max: Some(share_limit(c.nulls as f64 / c.rows as f64, c.rows)),
                ..Default::default()
            });
        }
        if let Some(n) = &c.numeric {
            let temporal = crate::profile::is_temporal(&c.data_type);
            if let (Some(lo), Some(hi), false) = (n.min, n.max, temporal) {
                if lo >= 0.0 {
                    cc.min = Some(Range {
                        min: Some(0.0),
                        ..Default::default()
                    });
                    if hi <= 1.0 && c.data_type != "Boolean" {
                        cc.max = Some(Range {
                            max: Some(1.0),
                            ..Default::default()
                        });
                    }
                }
            }
        }
        if let Some(Distinct::Exact { values, .. }) = c.state.sketch.as_ref().map(|s| &s.distinct) {
            let d = values.len() as u64;
            let categorical = matches!(c.kind, ColumnKind::String) || c.data_type == "Boolean";
            if categorical && (1..=20).contains(&d) && c.count >= 5 * d {
                let mut v: Vec<serde_json::Value> = values.values().map(|x| x.1.clone()).collect();
                v.sort_by_key(|x| x.to_string());
                cc.allowed_values = Some(v);
            } else if d == c.count
                && d >= 100
                && matches!(c.kind, ColumnKind::String | ColumnKind::Numeric)
                && c.data_type != "Boolean"
                && !c.data_type.starts_with("Float")
            {
                cc.unique = Some(true);
            }
        }
        checks.columns.insert(c.name.clone(), cc);
    }
    checks
}
