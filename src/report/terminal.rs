//! The terminal tables: a profile's columns, sketches and correlations, and the summaries of
//! image folders, embeddings, near-duplicate documents and contamination.

use super::{
    cell, date, duration, num, printable, short, sparkline, temporal_unit, trunc, width, WIDTH,
};
use crate::embed::EmbeddingReport;
use crate::profile::{ColumnKind, Profile};

/// The share of nulls in percent, one decimal; never shown as 0.0 or 100.0 when it is not.
pub(super) fn null_share(nulls: u64, rows: u64) -> String {
    if rows == 0 {
        return "-".into();
    }
    let pct = 100.0 * nulls as f64 / rows as f64;
    match nulls {
        0 => "0.0".into(),
        n if n == rows => "100.0".into(),
        _ if pct < 0.05 => "<0.1".into(),
        _ if pct >= 99.95 => ">99.9".into(),
        _ => format!("{pct:.1}"),
    }
}

/// The profile as a table of one row per column, at most [`WIDTH`] characters wide.
///
/// Long because it lays out the table's columns and rows in one place, so that their widths agree.
pub fn table(p: &Profile) -> String {
    let mut out = String::new();
    let files = p.sources.len();
    let top = top_level(p);
    let nested = p.columns.len() - top;
    out.push_str(&format!(
        "{} rows × {} columns{} from {} {} ({})\n",
        p.rows,
        top,
        if nested > 0 {
            format!(
                " (and {nested} nested field{} or element{})",
                if nested == 1 { "" } else { "s" },
                if nested == 1 { "" } else { "s" }
            )
        } else {
            String::new()
        },
        files,
        match (files, p.sources.first()) {
            (1, Some(s)) if s.path == "-" => "stream",
            (1, _) => "file",
            _ => "files",
        },
        p.device
    ));
    out.push_str(&format!(
        "{:<14} {:<9} {:>9} {:>6} {:>7} {:>10} {:>10} {:>10} {:>10} {:>7} {:>7} {:<10}\n",
        "column",
        "type",
        "count",
        "null%",
        "nan/inf",
        "min",
        "max",
        "mean",
        "std",
        "skew",
        "kurt",
        "histogram"
    ));
    out.push_str(&"─".repeat(WIDTH));
    out.push('\n');
    for c in &p.columns {
        let null_pct = null_share(c.nulls, c.rows);
        let head = format!(
            "{} {} {:>9} {:>6}",
            cell(&c.name, 14),
            cell(&c.data_type, 9),
            c.count,
            null_pct
        );
        match (&c.kind, &c.numeric, &c.lengths) {
            (ColumnKind::Numeric, Some(n), _) => {
                // Dates and timestamps read better as dates (UTC) and their spread as a duration.
                let (lo, hi, mean, std) = match temporal_unit(&c.data_type) {
                    Some(u) => (
                        n.min.map_or("-".into(), |v| date(v * u)),
                        n.max.map_or("-".into(), |v| date(v * u)),
                        n.mean.map_or("-".into(), |v| date(v * u)),
                        n.std.map_or("-".into(), |v| duration(v * u)),
                    ),
                    None => (num(n.min), num(n.max), num(n.mean), num(n.std)),
                };
                out.push_str(&format!(
                    "{head} {:>7} {:>10} {:>10} {:>10} {:>10} {:>7} {:>7} {:<10}\n",
                    n.nan + n.pos_inf + n.neg_inf,
                    lo,
                    hi,
                    mean,
                    std,
                    short(n.skewness),
                    short(n.kurtosis),
                    n.histogram
                        .as_ref()
                        .map_or(String::new(), |h| sparkline(&h.counts, 10)),
                ));
            }
            (_, _, Some(l)) => {
                let what = match c.kind {
                    ColumnKind::Binary => "bytes",
                    ColumnKind::List => "elements",
                    _ => "chars",
                };
                out.push_str(&format!(
                    "{head} {:>7} length ({what}) min {} max {} mean {}; {} empty\n",
                    "",
                    l.min_length.map_or("-".into(), |v| v.to_string()),
                    l.max_length.map_or("-".into(), |v| v.to_string()),
                    num(l.mean_length),
                    l.empty
                ));
            }
            (ColumnKind::Struct, _, _) => {
                out.push_str(&format!("{head} {:>7} struct: its fields follow\n", ""));
            }
            _ => {
                let why = c.skipped_reason.as_deref().unwrap_or("skipped");
                out.push_str(&format!(
                    "{head} {:>7} skipped: {}\n",
                    "",
                    trunc(why, WIDTH - 48)
                ));
            }
        }
    }
    out.push_str(&sketches(p));
    out.push_str(&correlations(p));
    if let Some(e) = &p.embedding {
        out.push('\n');
        out.push_str(&embedding(e));
    }
    if let Some(d) = &p.near_duplicates {
        out.push('\n');
        out.push_str(&dedup(d));
    }
    out
}

/// Columns of the dataset itself (not struct fields or list elements).
pub(super) fn top_level(p: &Profile) -> usize {
    let parents: Vec<String> = p
        .columns
        .iter()
        .filter(|c| matches!(c.kind, ColumnKind::Struct | ColumnKind::List))
        .flat_map(|c| [format!("{}.", c.name), format!("{}[]", c.name)])
        .collect();
    p.columns
        .iter()
        .filter(|c| c.element_of.is_none() && !parents.iter().any(|x| c.name.starts_with(x)))
        .count()
}

/// The strongest correlations.
pub(super) fn correlations(p: &Profile) -> String {
    let Some(c) = &p.correlations else {
        return String::new();
    };
    let mut out = format!(
        "\ncorrelations (Pearson, pairwise-complete rows) of {} numeric columns, strongest:\n",
        c.columns.len()
    );
    if c.strongest.is_empty() {
        out.push_str("  none defined (columns without spread, or fewer than 2 shared rows)\n");
    }
    for pair in c.strongest.iter().take(5) {
        out.push_str(&format!(
            "  {:>7.4}  {} ~ {} ({} rows)\n",
            pair.pearson,
            trunc(&printable(&pair.a), 40),
            trunc(&printable(&pair.b), 40),
            pair.n
        ));
    }
    out
}

/// A distinct count: exact, or the estimate with its ±3σ spread.
pub(super) fn distinct(d: &crate::metrics::sketch::DistinctCount) -> String {
    if d.exact {
        format!("{} exact", d.estimate)
    } else {
        let pm = (d.upper - d.lower) as f64 / 2.0 / d.estimate.max(1) as f64;
        format!("{} ±{:.1}%", d.estimate, 100.0 * pm)
    }
}

/// The sketch figures: quantiles, distinct counts, top values; then duplicate rows.
///
/// Long because it writes the sketch sections in their order on the terminal (quantiles, distinct
/// counts, top values, duplicate rows).
pub(super) fn sketches(p: &Profile) -> String {
    let mut out = String::new();
    if p.columns.iter().all(|c| c.sketches.is_none()) {
        return out;
    }
    let mut qnames: Vec<String> = Vec::new();
    let mut rel: Option<(String, f64)> = None;
    for c in &p.columns {
        if let Some(q) = c.sketches.as_ref().and_then(|s| s.quantiles.as_ref()) {
            qnames = q.keys().cloned().collect();
            qnames.sort_by(|a, b| a.parse::<f64>().unwrap().total_cmp(&b.parse().unwrap()));
            let s = c.sketches.as_ref().unwrap();
            rel = Some((
                s.quantile_method.clone().unwrap_or_default(),
                s.quantile_relative_error.unwrap_or(0.0),
            ));
            break;
        }
    }
    // At most five quantiles fit beside the rest: the middle ones.
    if qnames.len() > 5 {
        let skip = (qnames.len() - 5) / 2;
        qnames = qnames[skip..skip + 5].to_vec();
    }
    out.push('\n');
    out.push_str(&format!("{:<14} {:>16}", "column", "distinct"));
    for q in &qnames {
        out.push_str(&format!(
            " {:>10}",
            format!("p{}", (q.parse::<f64>().unwrap() * 100.0))
        ));
    }
    out.push_str("  top values (share of non-null)\n");
    out.push_str(&"─".repeat(WIDTH));
    out.push('\n');
    for c in &p.columns {
        let Some(s) = &c.sketches else { continue };
        let mut line = format!("{} {:>16}", cell(&c.name, 14), distinct(&s.distinct));
        for q in &qnames {
            let v = s.quantiles.as_ref().and_then(|m| m.get(q)).copied();
            let shown = match (temporal_unit(&c.data_type), v) {
                (Some(u), Some(v)) => date(v * u),
                _ => num(v),
            };
            line.push_str(&format!(" {:>10}", shown));
        }
        if let Some(t) = &s.top_values {
            let room = WIDTH.saturating_sub(width(&line) + 2);
            let share = s
                .top_values_share
                .map(|x| format!(" ({:.1}%)", 100.0 * x))
                .unwrap_or_default();
            let none = if t.is_empty() {
                format!("none above {} rows", s.top_values_error.unwrap_or(0))
            } else {
                String::new()
            };
            let share = if t.is_empty() { String::new() } else { share };
            let vals: Vec<String> = t
                .iter()
                .take(5)
                .map(|v| {
                    let shown = match &v.value {
                        serde_json::Value::String(x) => format!("{x:?}"),
                        other => other.to_string(),
                    };
                    format!("{}×{}", trunc(&shown, 16), v.count)
                })
                .collect();
            line.push_str(&format!(
                "  {}",
                trunc(&format!("{none}{}{share}", vals.join(" ")), room)
            ));
        }
        out.push_str(&line);
        out.push('\n');
    }
    if let Some((method, r)) = rel {
        if method == "exact" {
            out.push_str("  quantiles: exact (numpy's inverted_cdf over the finite values)\n");
        } else {
            out.push_str(&format!(
                "  quantiles (numpy's inverted_cdf over the finite values): exact where the distinct values are\n  counted exactly, else DDSketch estimates within {:.2}% (relative; none for dates and times);\n  distinct: exact, or HyperLogLog ±3σ; top values: counts are lower bounds\n",
                100.0 * r
            ));
        }
    }
    if let Some(d) = &p.duplicate_rows {
        out.push_str(&format!(
            "  duplicate rows: {} ({} distinct rows occur more than once){}{}\n",
            d.count,
            d.groups,
            if d.sample.is_empty() {
                String::new()
            } else {
                format!(
                    "; e.g. {}",
                    d.sample
                        .iter()
                        .take(3)
                        .map(|[a, b]| format!("row {b} = row {a}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
            match (&d.estimate, d.exact) {
                (_, true) => String::new(),
                (Some(e), _) => format!(
                    " within the merged parts; all parts together about {} (between {} and {})",
                    e.estimate, e.lower, e.upper
                ),
                (None, _) => " (within each merged part only)".into(),
            }
        ));
    }
    out
}

/// An image set: counts, formats, flags with examples, duplicate clusters, metric distributions.
pub fn images(r: &crate::images::ImageReport) -> String {
    let mut out = format!(
        "{} images: {} readable, {} unreadable; formats {}\n",
        r.images,
        r.readable,
        r.unreadable,
        r.formats
            .iter()
            .map(|(f, n)| format!("{f} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    out.push_str(&format!(
        "  exact duplicates {}, near duplicates {} (pHash within {} bits), in {} clusters; hashes on {}\n",
        r.exact_duplicates, r.near_duplicates, r.options.radius, r.clusters, r.hash_device
    ));
    for c in r.largest_clusters.iter().take(5) {
        out.push_str(&format!(
            "    {} images{}: {}{}\n",
            c.size,
            if c.exact { " (exact)" } else { "" },
            c.images.join(", "),
            if c.size > c.images.len() as u64 {
                ", …"
            } else {
                ""
            }
        ));
    }
    out.push_str("  flags:\n");
    for f in &r.flags {
        out.push_str(&format!(
            "    {:<16} {:>7}  {}\n",
            f.flag,
            f.count,
            trunc(&f.examples.join(", "), WIDTH - 30)
        ));
    }
    out.push_str(&format!(
        "  (dark: brightness < {}, bright: > {}, low_information: entropy < {} bits, blurry: sharpness < {} × the median, odd_aspect: > {}:1, odd_size: a side < {} px)\n\n",
        r.options.dark, r.options.bright, r.options.low_entropy, r.options.blurry_share, r.options.max_aspect, r.options.min_side
    ));
    out.push_str(&format!(
        "  {:<14} {:>10} {:>10} {:>10} {:>10} {:>10}  {}\n",
        "metric", "min", "p50", "mean", "max", "std", "histogram"
    ));
    for c in &r.metrics.columns {
        let Some(n) = &c.numeric else { continue };
        let p50 = c
            .sketches
            .as_ref()
            .and_then(|s| s.quantiles.as_ref())
            .and_then(|q| q.get("0.5"))
            .copied();
        out.push_str(&format!(
            "  {} {:>10} {:>10} {:>10} {:>10} {:>10}  {}\n",
            cell(&c.name, 14),
            num(n.min),
            num(p50),
            num(n.mean),
            num(n.max),
            num(n.std),
            n.histogram
                .as_ref()
                .map_or(String::new(), |h| sparkline(&h.counts, 32))
        ));
    }
    out.push_str(&format!("  {:.2} s\n", r.seconds));
    out
}

/// An embedding analysis: health, score distributions, near-duplicates, the strongest outliers.
pub fn embedding(r: &EmbeddingReport) -> String {
    let mut out = String::new();
    let col = r
        .column
        .as_deref()
        .map(|c| format!(" column {c:?}"))
        .unwrap_or_default();
    out.push_str(&format!(
        "embeddings{col}: {} vectors of dimension {}, {} metric, k = {} ({})\n",
        r.vectors,
        r.dim,
        r.metric.name(),
        r.k,
        r.device
    ));
    let x = &r.excluded;
    if x.null + x.non_finite > 0 {
        out.push_str(&format!(
            "  left out: {} null, {} with NaN/inf (rows {:?}{})\n",
            x.null,
            x.non_finite,
            x.sample_rows,
            if x.null + x.non_finite > x.sample_rows.len() as u64 {
                " …"
            } else {
                ""
            }
        ));
    }
    out.push_str(&format!(
        "  norms: min {}  mean {}  max {};  zero vectors: {}\n",
        num(Some(r.norms.min)),
        num(Some(r.norms.mean)),
        num(Some(r.norms.max)),
        r.norms.zero_vectors
    ));
    out.push_str(&format!(
        "  {:<14} {:>10} {:>10} {:>10} {:>10} {:>10}  {}\n",
        "", "min", "mean", "std", "max", "skew", "histogram"
    ));
    for c in &r.distributions {
        if let Some(n) = &c.numeric {
            out.push_str(&format!(
                "  {:<14} {:>10} {:>10} {:>10} {:>10} {:>10}  {}\n",
                c.name,
                num(n.min),
                num(n.mean),
                num(n.std),
                num(n.max),
                short(n.skewness),
                n.histogram
                    .as_ref()
                    .map_or(String::new(), |h| sparkline(&h.counts, 32))
            ));
        }
    }
    let d = &r.near_duplicates;
    out.push_str(&format!(
        "  near-duplicates (cosine ≥ {}): {} clusters holding {} vectors; removing all but one of each drops {}\n",
        d.threshold, d.clusters, d.rows, d.redundant_rows
    ));
    for c in d.largest.iter().take(5) {
        out.push_str(&format!(
            "    {} vectors: rows {:?}{}\n",
            c.size,
            c.rows,
            if c.size > c.rows.len() as u64 {
                " …"
            } else {
                ""
            }
        ));
    }
    if !r.top_outliers.is_empty() {
        out.push_str(&format!(
            "  strongest outliers (by LOF):\n    {:>10} {:>10} {:>12} {:>10} {:>12}\n",
            "row", "lof", "knn_distance", "nearest", "its distance"
        ));
        for o in &r.top_outliers {
            out.push_str(&format!(
                "    {:>10} {:>10} {:>12} {:>10} {:>12}\n",
                o.row,
                num(Some(o.lof)),
                num(Some(o.knn_distance)),
                o.nearest,
                num(Some(o.nearest_distance))
            ));
        }
    }
    out
}

/// A deduplication run: counts, clusters, parameters, time.
pub fn dedup(r: &crate::dedup::DedupReport) -> String {
    let mut out = String::new();
    let files = r.files.len();
    out.push_str(&format!(
        "{} documents in column {:?} of {} file{} ({} MB of text); {} null, {} empty\n",
        r.documents,
        r.column,
        files,
        if files == 1 { "" } else { "s" },
        r.text_bytes / 1_000_000,
        r.null_documents,
        r.empty_documents
    ));
    out.push_str(&format!(
        "  exact duplicates:  {:>10}   (same text after normalisation)\n  near duplicates:   {:>10}   (Jaccard ≥ {} of {} shingles, {} verification)\n  clusters:          {:>10}   largest {}\n  duplicate share:   {:>9.2}%   (removed by keeping one document per cluster)\n",
        r.exact_duplicates,
        r.near_duplicates,
        r.method.threshold,
        r.method.shingle,
        match r.method.verify {
            crate::dedup::Verify::Exact => "exact",
            crate::dedup::Verify::Signature => "signature",
        },
        r.clusters,
        r.largest_cluster,
        100.0 * r.duplicate_fraction
    ));
    if r.truncated_documents + r.invalid_utf8_documents > 0 {
        out.push_str(&format!(
            "  {} documents truncated to their first {} shingles, {} with invalid UTF-8 (read with replacement characters)\n",
            r.truncated_documents,
            crate::metrics::minhash::MAX_SHINGLES,
            r.invalid_utf8_documents
        ));
    }
    for c in r.largest.iter().take(5) {
        out.push_str(&format!(
            "    {} documents: {}{}\n",
            c.size,
            c.documents.join(", "),
            if c.size > c.documents.len() as u64 {
                ", …"
            } else {
                ""
            }
        ));
    }
    out.push_str(&method_lines(&r.method, &r.seconds, r.spilled_bytes));
    out
}

/// How a dedup or contamination run compared documents, its phases' times, and what it spilled.
pub(super) fn method_lines(
    m: &crate::dedup::Method,
    t: &crate::dedup::DedupSeconds,
    spilled: u64,
) -> String {
    let mut out = format!(
        "  MinHash {} permutations, LSH {} bands × {} rows ({}); time: read {:.2} s, signatures {:.2} s, LSH {:.2} s\n",
        m.perms, m.bands, m.rows_per_band, m.device, t.read, t.signatures, t.lsh
    );
    if spilled > 0 {
        out.push_str(&format!(
            "  {} MB of signatures and LSH keys spilled to disk (--memory-limit)\n",
            spilled / 1_000_000
        ));
    }
    out
}

/// A contamination check: the second set's documents that duplicate the first's.
pub fn contamination(r: &crate::dedup::ContaminationReport) -> String {
    let mut out = format!(
        "{} of {} documents of [{}] have a duplicate among the {} documents of [{}] ({:.2}%):\n  exact copies {}, near duplicates {} (Jaccard ≥ {} of {} shingles)\n",
        r.contaminated,
        r.against_documents,
        r.against.join(", "),
        r.documents,
        r.files.join(", "),
        100.0 * r.contaminated_fraction,
        r.exact,
        r.near,
        r.method.threshold,
        r.method.shingle
    );
    for c in r.sample.iter().take(10) {
        out.push_str(&format!(
            "    {} ~ {} ({}, estimate {:.2})\n",
            c.document, c.duplicate_of, c.kind, c.estimate
        ));
    }
    out.push_str(&method_lines(&r.method, &r.seconds, r.spilled_bytes));
    out
}
