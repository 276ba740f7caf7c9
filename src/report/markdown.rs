//! The report in Markdown, for pull requests and CI summaries: the same sections as the HTML
//! report as tables, with sparklines for histograms, kept under [`MARKDOWN_BUDGET`] (GitHub
//! truncates step summaries at 1 MiB): past it, the column table stops with a line that says
//! how many columns were left out.

use super::document::{alerts, ReportInput};
use super::{markdown_cell as cell, num, sparkline};
use std::fmt::Write;

/// The most bytes the Markdown report takes.
pub const MARKDOWN_BUDGET: usize = 1 << 20;

fn value(c: &crate::profile::ColumnProfile, x: Option<f64>) -> String {
    x.map_or("-".into(), |x| super::column_value(c, x))
}

/// The report as Markdown.
///
/// Long because it writes the report's sections in their order, each a few lines into one string;
/// the order is the structure.
pub fn markdown(r: &ReportInput) -> String {
    let p = r.profile;
    let mut s = String::new();
    let _ = writeln!(s, "# {}\n", cell(r.title));
    let _ = writeln!(s, "*datassay report · {}*\n", cell(&p.generator));
    s.push_str("## Overview\n\n| rows | columns | sources | device | duration |\n|---:|---:|---:|---|---|\n");
    let _ = writeln!(
        s,
        "| {} | {} | {} | {} | {} |\n",
        p.rows,
        p.columns.len(),
        p.sources.len(),
        cell(&p.device),
        r.seconds.map(super::duration).unwrap_or_else(|| "-".into())
    );
    let a = alerts(r);
    let _ = writeln!(s, "## Alerts ({})\n", a.len());
    if a.is_empty() {
        s.push_str("Nothing to flag.\n\n");
    }
    for al in a.iter().take(200) {
        let _ = writeln!(s, "- **{}** {}", al.level.as_str(), cell(&al.text));
    }
    if a.len() > 200 {
        let _ = writeln!(s, "- … and {} more", a.len() - 200);
    }
    s.push('\n');
    s.push_str("## Columns\n\n| column | type | nulls | distinct | min | p50 | max | mean | histogram |\n|---|---|---:|---:|---:|---:|---:|---:|---|\n");
    // Room for the sections after the columns: the drift table up to half the budget.
    let drift = r.drift.map(super::drift_markdown);
    let tail_reserve = 64 * 1024
        + drift
            .as_ref()
            .map_or(0, |d| d.len().min(MARKDOWN_BUDGET / 2));
    for (i, c) in p.columns.iter().enumerate() {
        if s.len() > MARKDOWN_BUDGET - tail_reserve {
            let _ = writeln!(
                s,
                "\n*{} more columns left out to keep this under 1 MiB; the HTML report and the JSON profile have them all.*",
                p.columns.len() - i
            );
            break;
        }
        let distinct = super::distinct_text(c);
        let n = c.numeric.as_ref();
        let p50 = c
            .sketches
            .as_ref()
            .and_then(|sk| sk.quantiles.as_ref())
            .and_then(|q| q.get("0.5").copied());
        let hist = n
            .and_then(|n| n.histogram.as_ref())
            .map(|h| sparkline(&h.counts, 16))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            cell(&super::cut(&c.name, 80)),
            cell(&c.data_type),
            c.nulls,
            distinct,
            value(c, n.and_then(|n| n.min)),
            value(c, p50),
            value(c, n.and_then(|n| n.max)),
            value(c, n.and_then(|n| n.mean)),
            hist
        );
    }
    s.push('\n');
    let pii: Vec<_> = p
        .columns
        .iter()
        .filter_map(|c| c.pii.as_ref().map(|x| (c, x)))
        .filter(|(_, x)| x.values_with_pii > 0)
        .collect();
    if !pii.is_empty() {
        s.push_str("## PII and secrets\n\n| column | kind | values | share | masked examples |\n|---|---|---:|---:|---|\n");
        for (c, x) in pii {
            for k in &x.kinds {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {:.2}% | {} |",
                    cell(&c.name),
                    k.kind,
                    k.values,
                    100.0 * k.share,
                    cell(&k.examples.join(", "))
                );
            }
        }
        s.push('\n');
    }
    if let Some(cf) = &p.correlations {
        if !cf.strongest.is_empty() {
            s.push_str("## Correlations\n\n| column | column | pearson r |\n|---|---|---:|\n");
            for pr in &cf.strongest {
                let _ = writeln!(
                    s,
                    "| {} | {} | {:.4} |",
                    cell(&pr.a),
                    cell(&pr.b),
                    pr.pearson
                );
            }
            s.push('\n');
        }
    }
    if let Some(d) = &p.duplicate_rows {
        let _ = writeln!(
            s,
            "## Duplicate rows\n\n{} duplicate rows ({} distinct rows repeated){}.\n",
            d.count,
            d.groups,
            if d.exact {
                ""
            } else {
                ", within each merged part"
            }
        );
    }
    if let Some(n) = &p.near_duplicates {
        let _ = writeln!(
            s,
            "## Near-duplicate documents\n\n`{}`: {} exact and {} near-duplicate documents of {} ({:.2}%), {} clusters.\n",
            cell(&n.column),
            n.exact_duplicates,
            n.near_duplicates,
            n.documents,
            100.0 * n.duplicate_fraction,
            n.clusters
        );
    }
    if let Some(im) = r.images {
        let _ = writeln!(
            s,
            "## Images\n\n{} images, {} unreadable, {} exact and {} near-duplicates.\n",
            im.images, im.unreadable, im.exact_duplicates, im.near_duplicates
        );
        if !im.flags.is_empty() {
            s.push_str("| flag | images |\n|---|---:|\n");
            for f in &im.flags {
                let _ = writeln!(s, "| {} | {} |", cell(&f.flag), f.count);
            }
            s.push('\n');
        }
    }
    if let Some(e) = r.embedding() {
        let _ = writeln!(
            s,
            "## Embeddings\n\n{} vectors of dimension {}; {} null and {} non-finite left out; {} near-duplicate clusters.\n",
            e.vectors, e.dim, e.excluded.null, e.excluded.non_finite, e.near_duplicates.clusters
        );
        if !e.top_outliers.is_empty() {
            s.push_str("| row | kNN distance | LOF |\n|---:|---:|---:|\n");
            for o in e.top_outliers.iter().take(20) {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} |",
                    o.row,
                    num(Some(o.knn_distance)),
                    num(Some(o.lof))
                );
            }
            s.push('\n');
        }
    }
    if let Some(d) = drift {
        s.push_str("## Drift\n\n");
        s.push_str(&d);
    }
    if s.len() > MARKDOWN_BUDGET {
        // At the end of a line, so no row or escape is cut in two.
        let mut cut = MARKDOWN_BUDGET - 200;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        let cut = s[..cut].rfind('\n').map_or(0, |i| i + 1);
        s.truncate(cut);
        s.push_str("\n\n*Cut here to stay under 1 MiB; the HTML report has the rest.*\n");
    }
    s
}
