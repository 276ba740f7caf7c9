//! The outcome of checks, and what evaluating them shares: the results, and how a figure is
//! held to a range (exactly, or by its bounds).

use super::spec::{Level, Range};
use crate::analysis::stats::Bounded;
use crate::error::Error;
use serde::Serialize;
use std::path::Path;

/// The outcome of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The check holds.
    Pass,
    /// The check is violated at level `warn`, or the profile cannot tell whether it holds.
    Warn,
    /// The check is violated at level `fail`.
    Fail,
}

impl Outcome {
    /// The outcome as reports write it: `pass`, `warn` or `fail`.
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
    /// How a violation of the check counts: a warning or a failure.
    pub level: Level,
    /// Whether the check passed, warned or failed.
    pub outcome: Outcome,
    /// What the profile holds.
    pub observed: String,
    /// What the check allows.
    pub expected: String,
    /// One sentence for a person.
    pub message: String,
    /// The line of the checks file the check is written on, where known
    /// ([`CheckReport::locate`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

/// Every check of a file, in file order.
#[derive(Clone, Debug, Serialize)]
pub struct CheckReport {
    /// Checks that passed.
    pub passed: usize,
    /// Checks that warned.
    pub warned: usize,
    /// Checks that failed.
    pub failed: usize,
    /// Each check's result: the dataset checks, then the columns by name, then the drift checks.
    pub results: Vec<CheckResult>,
}

impl CheckReport {
    /// Set each result's line from the checks file's text: the line of its key (or of the
    /// section that holds it).
    pub fn locate(&mut self, text: &str) {
        for r in &mut self.results {
            let mut path: Vec<String> = Vec::new();
            let rest = match (&r.column, r.id.split_once('.')) {
                (Some(c), Some((section, tail))) if tail.starts_with(&format!("{c}.")) => {
                    path.push(section.to_string());
                    path.push(c.clone());
                    tail[c.len() + 1..].to_string()
                }
                (_, Some((section, tail))) => {
                    path.push(section.to_string());
                    tail.to_string()
                }
                (_, None) => r.id.clone(),
            };
            // A key, then what it holds (a quantile key such as `0.5` keeps its dot).
            match rest.split_once('.') {
                Some((k, v)) => {
                    path.push(k.to_string());
                    path.push(v.to_string());
                }
                None => path.push(rest),
            }
            r.line = super::spec::line_of(text, &path);
        }
    }

    /// The results worst first (failures, then warnings, then passes; file order within each).
    pub fn worst_first(&self) -> Vec<&CheckResult> {
        let mut v: Vec<&CheckResult> = self.results.iter().collect();
        v.sort_by_key(|r| std::cmp::Reverse(r.outcome));
        v
    }
}

/// A number as checks show it: its shortest exact form, so an observed value and a limit that
/// differ never read the same.
pub(super) fn show(x: f64) -> String {
    let a = x.abs();
    if x == 0.0 || (1e-5..1e16).contains(&a) || !x.is_finite() {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

pub(super) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub(super) fn show_bounded(b: &Bounded) -> String {
    if b.is_exact() {
        show(b.value)
    } else {
        format!("{} [{}, {}]", show(b.value), show(b.lower), show(b.upper))
    }
}

pub(super) fn expected(r: &Range) -> String {
    match (r.min, r.max) {
        (Some(a), Some(b)) => format!("in [{}, {}]", show(a), show(b)),
        (Some(a), None) => format!(">= {}", show(a)),
        (None, Some(b)) => format!("<= {}", show(b)),
        (None, None) => "anything".into(),
    }
}

pub(super) struct Ctx<'a> {
    pub(super) path: &'a Path,
    pub(super) out: Vec<CheckResult>,
}

impl Ctx<'_> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn push(
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
            line: None,
        });
    }

    /// A bounded figure against a range.
    pub(super) fn range(
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

    pub(super) fn misuse(&self, key: &str, why: String) -> Error {
        Error::BadChecks {
            path: self.path.to_path_buf(),
            message: format!("{key}: {why}"),
        }
    }
}

pub(super) fn level_outcome(l: Level) -> Outcome {
    match l {
        Level::Warn => Outcome::Warn,
        Level::Fail => Outcome::Fail,
    }
}
