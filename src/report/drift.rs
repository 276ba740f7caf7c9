//! A drift report in the terminal (worst column first) and as Markdown for a pull request.

use super::{cell, markdown_cell, num, printable, trunc, width};
use crate::analysis::drift::{ColumnDrift, DriftReport, Status};
use crate::analysis::stats::Bounded;

/// `value` or `value [lower, upper]`.
fn bounded(b: &Bounded) -> String {
    if b.is_exact() {
        num(Some(b.value))
    } else {
        format!(
            "{} [{}, {}]",
            num(Some(b.value)),
            num(Some(b.lower)),
            num(Some(b.upper))
        )
    }
}

fn share(x: Option<f64>) -> String {
    match x {
        None => "-".into(),
        Some(x) => {
            let p = 100.0 * x;
            if p == 0.0 {
                "0%".into()
            } else if p < 0.1 {
                format!("{p:.3}%")
            } else {
                format!("{p:.1}%")
            }
        }
    }
}

fn value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "(other)".into(),
        // Values from the data are shown with PII masked (drift reports go into pull requests).
        serde_json::Value::String(s) => {
            format!("'{}'", trunc(&crate::metrics::pii::redact(s), 24))
        }
        v => trunc(&v.to_string(), 24),
    }
}

/// The most telling facts about a column beyond its score, in a short phrase.
fn detail(c: &ColumnDrift) -> String {
    let mut parts = Vec::new();
    if let (Some(a), Some(b)) = (c.null_share.reference, c.null_share.current) {
        if a != b {
            parts.push(format!("nulls {} → {}", share(Some(a)), share(Some(b))));
        }
    }
    if let Some(n) = &c.numeric {
        if let (Some(a), Some(b)) = (n.mean.reference, n.mean.current) {
            parts.push(format!("mean {} → {}", num(Some(a)), num(Some(b))));
        }
        if let (Some(a), Some(b)) = (n.std.reference, n.std.current) {
            if a > 0.0 && ((b / a) - 1.0).abs() > 0.05 {
                parts.push(format!("std ×{}", num(Some(b / a))));
            }
        }
    }
    if let Some(cat) = &c.categories {
        if let Some(x) = cat.largest_changes.first() {
            parts.push(format!(
                "{} {} → {}",
                value(&x.value),
                share(Some(x.reference)),
                share(Some(x.current))
            ));
        }
    }
    for (what, v) in [("new", &c.new_values), ("gone", &c.vanished_values)] {
        if let Some(v) = v {
            if v.count.value > 0.0 && v.count.is_exact() {
                let eg = v.examples.first().map(|e| format!(" e.g. {}", value(e)));
                parts.push(format!(
                    "{} {what}{}",
                    v.count.value,
                    eg.unwrap_or_default()
                ));
            }
        }
    }
    parts.join("; ")
}

fn verdict_line(r: &DriftReport) -> String {
    format!(
        "{} of {} columns drifted ({}){}; verdict: {} (the dataset drifts when at least {} of its columns do)",
        r.drifted,
        r.compared,
        share(Some(r.drifted_share)),
        if r.inconclusive > 0 {
            format!(", {} inconclusive", r.inconclusive)
        } else {
            String::new()
        },
        r.verdict.as_str().to_uppercase(),
        share(Some(r.options.drift_share))
    )
}

fn schema_lines(r: &DriftReport) -> Vec<String> {
    let s = &r.schema;
    let mut out = Vec::new();
    if !s.added.is_empty() {
        let v: Vec<String> = s
            .added
            .iter()
            .map(|c| format!("{} ({})", printable(&c.name), c.data_type))
            .collect();
        out.push(format!("added columns: {}", v.join(", ")));
    }
    if !s.removed.is_empty() {
        let v: Vec<String> = s
            .removed
            .iter()
            .map(|c| format!("{} ({})", printable(&c.name), c.data_type))
            .collect();
        out.push(format!("removed columns: {}", v.join(", ")));
    }
    if !s.retyped.is_empty() {
        let v: Vec<String> = s
            .retyped
            .iter()
            .map(|c| format!("{} {} → {}", printable(&c.name), c.reference, c.current))
            .collect();
        out.push(format!("retyped columns: {}", v.join(", ")));
    }
    out
}

fn rows_line(r: &DriftReport) -> String {
    let (a, b) = (r.reference.rows, r.current.rows);
    let change = if a > 0 {
        format!(" ({:+.1}%)", 100.0 * (b as f64 - a as f64) / a as f64)
    } else {
        String::new()
    };
    format!("rows {a} → {b}{change}")
}

fn embedding_line(r: &DriftReport) -> Option<String> {
    let e = r.embedding.as_ref()?;
    Some(format!(
        "embedding{}: {} ({} of {} dimensions drifted, {}; {} inconclusive); mean vector moved {}{}{}",
        e.column.as_ref().map(|c| format!(" '{}'", printable(c))).unwrap_or_default(),
        e.status.as_str(),
        e.dimensions_drifted,
        e.dim,
        share(Some(e.drifted_share)),
        e.dimensions_inconclusive,
        num(Some(e.mean_distance)),
        e.mean_distance_normalized
            .map(|x| format!(" ({} typical standard deviations)", num(Some(x))))
            .unwrap_or_default(),
        e.mean_cosine_distance
            .map(|x| format!(", cosine distance {}", num(Some(x))))
            .unwrap_or_default(),
    ))
}

/// The terminal table: a summary, schema changes, then one line per column, worst first.
pub fn drift_table(r: &DriftReport) -> String {
    let mut out = format!(
        "drift of {} against {}\n{}\n{}\n",
        printable(&r.current.label),
        printable(&r.reference.label),
        rows_line(r),
        verdict_line(r)
    );
    for l in schema_lines(r) {
        out.push_str(&l);
        out.push('\n');
    }
    if r.columns.is_empty() {
        out.push_str("no column is on both sides\n");
        return out;
    }
    let name_w = r
        .columns
        .iter()
        .map(|c| width(&printable(&c.name)))
        .max()
        .unwrap_or(6)
        .clamp(6, 28);
    out.push('\n');
    out.push_str(&format!(
        "{} {:<12} {:<14} {:<30} {:<9} {}\n",
        cell("column", name_w),
        "status",
        "method",
        "score [bounds]",
        "threshold",
        "detail"
    ));
    for c in &r.columns {
        let score = c.score.as_ref().map_or("-".to_string(), bounded);
        let mut d = detail(c);
        if c.status != Status::Ok && d.is_empty() {
            d = crate::metrics::pii::redact(&c.reasons.join("; "));
        }
        out.push_str(&format!(
            "{} {:<12} {:<14} {:<30} {:<9} {}\n",
            cell(&c.name, name_w),
            c.status.as_str(),
            c.method,
            trunc(&score, 30),
            if c.method == "none" {
                "-".into()
            } else {
                num(Some(c.threshold))
            },
            trunc(&d, 60)
        ));
    }
    if let Some(l) = embedding_line(r) {
        out.push('\n');
        out.push_str(&l);
        out.push('\n');
    }
    let reasons: Vec<String> = r
        .columns
        .iter()
        .filter(|c| c.status != Status::Ok)
        .map(|c| {
            format!(
                "  {}: {}",
                printable(&c.name),
                crate::metrics::pii::redact(&c.reasons.join("; "))
            )
        })
        .collect();
    if !reasons.is_empty() {
        out.push_str("\nwhy:\n");
        for l in reasons {
            out.push_str(&l);
            out.push('\n');
        }
    }
    out
}

/// The report as Markdown: a summary and a table, worst first.
pub fn drift_markdown(r: &DriftReport) -> String {
    let icon = |s: Status| match s {
        Status::Ok => "✅ ok",
        Status::Inconclusive => "❔ inconclusive",
        Status::Drift => "⚠️ drift",
    };
    let mut out = format!(
        "## Data drift: {}\n\n`{}` against `{}`. {}. {}.\n\n",
        icon(r.verdict),
        markdown_cell(&r.current.label),
        markdown_cell(&r.reference.label),
        rows_line(r),
        verdict_line(r)
    );
    for l in schema_lines(r) {
        out.push_str(&format!("- {}\n", markdown_cell(&l)));
    }
    if !r.schema.is_empty() {
        out.push('\n');
    }
    out.push_str("| column | status | method | score [bounds] | threshold | detail |\n");
    out.push_str("|---|---|---|---|---|---|\n");
    for c in &r.columns {
        let score = c.score.as_ref().map_or("-".to_string(), bounded);
        let mut d = detail(c);
        if c.status != Status::Ok {
            let why = crate::metrics::pii::redact(&c.reasons.join("; "));
            d = if d.is_empty() {
                why
            } else {
                format!("{why}. {d}")
            };
        }
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            markdown_cell(&c.name),
            icon(c.status),
            c.method,
            score,
            if c.method == "none" {
                "-".into()
            } else {
                num(Some(c.threshold))
            },
            markdown_cell(&d)
        ));
    }
    if let Some(l) = embedding_line(r) {
        out.push_str(&format!("\n{}\n", markdown_cell(&l)));
    }
    out
}
