//! The sections of the HTML report but the column cards (`columns.rs`), one function each, in
//! page order, and the helpers that write a figure.

use super::{cut, esc, exact, svg};
use crate::analysis::drift::Status;
use crate::profile::{ColumnProfile, Profile};
use crate::report::document::ReportInput;
use crate::report::{duration, num};
use std::fmt::Write;

/// Characters of a value or path shown (the page stays small whatever the data holds).
const TEXT: usize = 80;
/// Columns of the correlation heat map (those of the strongest pairs).
const HEAT_COLUMNS: usize = 16;
/// Rows of lists (drift columns, duplicate samples, outliers, images).
const LIST: usize = 50;
/// Images shown as thumbnails per list.
const THUMBS: usize = 24;

/// A figure: the rounded text, and the exact value in `data-v`.
pub(super) fn fig(s: &mut String, name: &str, x: Option<f64>, shown: String) {
    fig_raw(
        s,
        name,
        x.map(exact).unwrap_or_else(|| "null".into()),
        shown,
    );
}

/// A figure whose exact value is already written as the profile's JSON writes it.
pub(super) fn fig_raw(s: &mut String, name: &str, data: String, shown: String) {
    let _ = write!(
        s,
        r#"<dt>{}</dt><dd data-f="{}" data-v="{data}">{}</dd>"#,
        esc(name),
        esc(name),
        esc(&shown)
    );
}

pub(super) fn count(s: &mut String, name: &str, n: u64) {
    fig_raw(s, name, n.to_string(), group(n));
}

/// 1234567 as `1,234,567`.
pub(super) fn group(n: u64) -> String {
    let d = n.to_string();
    let mut out = String::new();
    for (i, ch) in d.chars().enumerate() {
        if i > 0 && (d.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A value of a column as people read it: a date for temporal columns.
pub(super) fn value_text(c: &ColumnProfile, x: f64) -> String {
    crate::report::column_value(c, x)
}

pub(super) fn pct(x: f64) -> String {
    format!("{:.2}%", 100.0 * x)
}

pub(super) fn overview(s: &mut String, r: &ReportInput) {
    let p = r.profile;
    let top = p
        .columns
        .iter()
        .filter(|c| c.element_of.is_none() && !c.name.contains('.'))
        .count();
    s.push_str(r#"<section id="overview"><h2>Overview</h2><dl class="figs">"#);
    count(s, "rows", p.rows);
    count(s, "columns", p.columns.len() as u64);
    count(s, "top-level columns", top as u64);
    count(s, "sources", p.sources.len() as u64);
    let _ = write!(
        s,
        r#"<dt>device</dt><dd data-f="device">{}</dd>"#,
        esc(if p.device.is_empty() { "-" } else { &p.device })
    );
    match r.seconds {
        Some(t) => fig(s, "duration", Some(t), duration(t)),
        None => {
            s.push_str(r#"<dt>duration</dt><dd data-f="duration">not recorded in the profile</dd>"#)
        }
    }
    count(s, "errors", p.errors.len() as u64);
    let scanned = p.columns.iter().filter(|c| c.pii.is_some()).count();
    let _ = write!(
        s,
        r#"<dt>PII scan</dt><dd data-f="pii scan">{}</dd>"#,
        if scanned > 0 {
            format!(
                "{scanned} string column{}",
                if scanned == 1 { "" } else { "s" }
            )
        } else {
            "not run (--pii)".to_string()
        }
    );
    count(s, "histogram bins", p.histogram_bins as u64);
    if let Some(d) = &p.duplicate_rows {
        count(s, "duplicate rows", d.count);
    }
    let bytes: u64 = p
        .columns
        .iter()
        .filter(|c| c.kind == crate::profile::ColumnKind::String)
        .filter_map(|c| c.lengths.as_ref())
        .map(|l| l.total_length)
        .sum();
    if bytes > 0 {
        count(s, "text characters", bytes);
    }
    s.push_str("</dl>");
    if !p.sources.is_empty() {
        let _ = write!(
            s,
            r#"<details><summary>{} source{}</summary><table class="sortable"><thead><tr><th>path</th><th>format</th><th class="n">rows</th></tr></thead><tbody>"#,
            p.sources.len(),
            if p.sources.len() == 1 { "" } else { "s" }
        );
        for src in p.sources.iter().take(200) {
            let _ = write!(
                s,
                r#"<tr><td>{}</td><td>{}</td><td class="n" data-f="{}">{}</td></tr>"#,
                esc(&cut(&crate::metrics::pii::redact(&src.path), 160)),
                esc(&src.format),
                src.rows,
                group(src.rows)
            );
        }
        s.push_str("</tbody></table>");
        if p.sources.len() > 200 {
            let _ = write!(
                s,
                "<p class=\"muted\">and {} more</p>",
                p.sources.len() - 200
            );
        }
        s.push_str("</details>");
    }
    if !p.errors.is_empty() {
        s.push_str("<h3>Errors</h3><ul>");
        for e in p.errors.iter().take(LIST) {
            let _ = write!(
                s,
                "<li>{}: {}</li>",
                esc(&cut(&e.path, 160)),
                esc(&cut(&e.error, 300))
            );
        }
        s.push_str("</ul>");
    }
    s.push_str("</section>");
}

pub(super) fn correlations(s: &mut String, r: &ReportInput) {
    s.push_str(r#"<section id="correlations"><h2>Correlations</h2>"#);
    let Some(cf) = r
        .profile
        .correlations
        .as_ref()
        .filter(|c| c.columns.len() >= 2)
    else {
        s.push_str("<p class=\"muted\">Not in this profile (two or more numeric columns; on by default up to 64, <code>--correlations</code> for more).</p></section>");
        return;
    };
    // The heat map: the columns of the strongest pairs, then the rest, at most HEAT_COLUMNS.
    let mut pick: Vec<usize> = Vec::new();
    for pair in &cf.strongest {
        for name in [&pair.a, &pair.b] {
            if let Some(i) = cf.columns.iter().position(|c| c == name) {
                if !pick.contains(&i) {
                    pick.push(i);
                }
            }
        }
    }
    for i in 0..cf.columns.len() {
        if pick.len() >= HEAT_COLUMNS {
            break;
        }
        if !pick.contains(&i) {
            pick.push(i);
        }
    }
    pick.truncate(HEAT_COLUMNS);
    let names: Vec<String> = pick.iter().map(|&i| cf.columns[i].clone()).collect();
    let m: Vec<Vec<Option<f64>>> = pick
        .iter()
        .map(|&i| pick.iter().map(|&j| cf.pearson[i][j]).collect())
        .collect();
    let _ = write!(
        s,
        r#"<p class="muted">Pearson correlation of {} numeric columns; the map shows {} of them, those of the strongest pairs first.</p>"#,
        cf.columns.len(),
        names.len()
    );
    s.push_str(&svg::heatmap(&names, &m));
    if !cf.strongest.is_empty() {
        s.push_str(r#"<table class="sortable strongest"><thead><tr><th>column</th><th>column</th><th class="n">pearson r</th><th class="n">rows</th></tr></thead><tbody>"#);
        for p in &cf.strongest {
            let _ = write!(
                s,
                r#"<tr><td>{}</td><td>{}</td><td class="n" data-f="{}">{:.4}</td><td class="n">{}</td></tr>"#,
                esc(&cut(&p.a, TEXT)),
                esc(&cut(&p.b, TEXT)),
                exact(p.pearson),
                p.pearson,
                group(p.n)
            );
        }
        s.push_str("</tbody></table>");
    }
    s.push_str("</section>");
}

pub(super) fn duplicates(s: &mut String, r: &ReportInput) {
    s.push_str(r#"<section id="duplicates"><h2>Duplicate rows</h2>"#);
    let p: &Profile = r.profile;
    let Some(d) = &p.duplicate_rows else {
        s.push_str("<p class=\"muted\">Not in this profile (needs the sketches; off with <code>--no-duplicate-rows</code>).</p></section>");
        return;
    };
    s.push_str(r#"<dl class="figs">"#);
    count(s, "duplicate rows", d.count);
    count(s, "distinct duplicated rows", d.groups);
    let share = if p.rows > 0 {
        d.count as f64 / p.rows as f64
    } else {
        0.0
    };
    fig(s, "share of rows", Some(share), pct(share));
    let _ = write!(
        s,
        r#"<dt>exact</dt><dd>{}</dd></dl>"#,
        if d.exact {
            "yes"
        } else {
            "within each merged part (duplicates across parts are not counted)"
        }
    );
    if !d.sample.is_empty() {
        s.push_str(r#"<table><thead><tr><th class="n">row</th><th class="n">duplicate of row</th></tr></thead><tbody>"#);
        for [a, b] in d.sample.iter().take(LIST) {
            let _ = write!(
                s,
                r#"<tr><td class="n">{b}</td><td class="n">{a}</td></tr>"#
            );
        }
        s.push_str("</tbody></table>");
    }
    s.push_str("</section>");
}

pub(super) fn near_duplicates(s: &mut String, r: &ReportInput) {
    s.push_str(r#"<section id="near-duplicates"><h2>Near-duplicate documents</h2>"#);
    let Some(n) = &r.profile.near_duplicates else {
        s.push_str("<p class=\"muted\">Not in this profile (<code>datassay profile --near-dups COLUMN</code>).</p></section>");
        return;
    };
    let _ = write!(
        s,
        r#"<p>Text column <b>{}</b>: Jaccard ≥ {} of {}.</p><dl class="figs">"#,
        esc(&n.column),
        n.method.threshold,
        esc(&n.method.shingle)
    );
    count(s, "documents", n.documents);
    count(s, "exact duplicates", n.exact_duplicates);
    count(s, "near-duplicates", n.near_duplicates);
    count(s, "clusters", n.clusters);
    count(s, "largest cluster", n.largest_cluster);
    fig(
        s,
        "duplicate fraction",
        Some(n.duplicate_fraction),
        pct(n.duplicate_fraction),
    );
    s.push_str("</dl>");
    let items: Vec<(String, f64, String)> = n
        .largest
        .iter()
        .take(12)
        .enumerate()
        .map(|(i, c)| {
            (
                format!("cluster {}", i + 1),
                c.size as f64,
                format!("{} documents", c.size),
            )
        })
        .collect();
    if !items.is_empty() {
        let max = items.iter().map(|x| x.1).fold(0.0, f64::max);
        s.push_str(&svg::bars(&items, max, "clusters"));
    }
    for (i, c) in n.largest.iter().take(10).enumerate() {
        let _ = write!(
            s,
            "<details><summary>cluster {} · {} documents</summary><ul>",
            i + 1,
            c.size
        );
        for d in c.documents.iter().take(5) {
            let _ = write!(
                s,
                "<li>{}</li>",
                esc(&cut(&crate::metrics::pii::redact(d), 200))
            );
        }
        s.push_str("</ul></details>");
    }
    s.push_str("</section>");
}

fn thumb(s: &mut String, r: &ReportInput, path: &str, note: &str) {
    let img = match r.thumbnails.get(path) {
        Some(uri) => format!(
            r#"<img src="{}" alt="{}" loading="lazy">"#,
            esc(uri),
            esc(&cut(&crate::metrics::pii::redact(path), TEXT))
        ),
        None => String::new(),
    };
    let _ = write!(
        s,
        r#"<figure>{img}<figcaption>{}{}</figcaption></figure>"#,
        esc(&cut(
            &crate::metrics::pii::redact(path.rsplit('/').next().unwrap_or(path)),
            40
        )),
        if note.is_empty() {
            String::new()
        } else {
            format!(" · {}", esc(note))
        }
    );
}

pub(super) fn images(s: &mut String, r: &ReportInput) {
    s.push_str(r#"<section id="images"><h2>Images</h2>"#);
    let Some(im) = r.images else {
        s.push_str("<p class=\"muted\">No images in this report (<code>datassay report IMAGE_FOLDER</code>, or a <code>datassay images --json</code> summary).</p></section>");
        return;
    };
    s.push_str(r#"<dl class="figs">"#);
    count(s, "images", im.images);
    count(s, "readable", im.readable);
    count(s, "unreadable", im.unreadable);
    count(s, "exact duplicates", im.exact_duplicates);
    count(s, "near-duplicates", im.near_duplicates);
    count(s, "clusters", im.clusters);
    s.push_str("</dl>");
    let formats: Vec<(String, f64, String)> = im
        .formats
        .iter()
        .map(|(f, n)| (f.clone(), *n as f64, format!("{f}: {n}")))
        .collect();
    if !formats.is_empty() {
        s.push_str("<h3>Formats</h3>");
        let max = formats.iter().map(|x| x.1).fold(0.0, f64::max);
        s.push_str(&svg::bars(&formats, max, "formats"));
    }
    let flags: Vec<(String, f64, String)> = im
        .flags
        .iter()
        .map(|f| {
            (
                f.flag.clone(),
                f.count as f64,
                format!("{}: {}", f.flag, f.count),
            )
        })
        .collect();
    if !flags.is_empty() {
        s.push_str("<h3>Flags</h3>");
        let max = flags.iter().map(|x| x.1).fold(0.0, f64::max);
        s.push_str(&svg::bars(&flags, max, "flags"));
        for f in &im.flags {
            let _ = write!(
                s,
                r#"<h4>{} <span class="tag">{}</span></h4><div class="thumbs">"#,
                esc(&f.flag),
                f.count
            );
            for e in f.examples.iter().take(THUMBS) {
                thumb(s, r, e, "");
            }
            s.push_str("</div>");
        }
    }
    if !im.largest_clusters.is_empty() {
        s.push_str("<h3>Duplicate clusters</h3>");
        for (i, c) in im.largest_clusters.iter().take(12).enumerate() {
            let _ = write!(
                s,
                r#"<h4>cluster {} <span class="tag">{} images, {}</span></h4><div class="thumbs">"#,
                i + 1,
                c.size,
                if c.exact {
                    "exact copies"
                } else {
                    "near-duplicates"
                }
            );
            for e in c.images.iter().take(8) {
                thumb(s, r, e, "");
            }
            s.push_str("</div>");
        }
    }
    s.push_str("<p class=\"muted\">The per-image metrics (sizes, brightness, sharpness, …) are profiled as the columns above.</p></section>");
}

pub(super) fn embeddings(s: &mut String, r: &ReportInput) {
    s.push_str(r#"<section id="embeddings"><h2>Embeddings</h2>"#);
    let Some(e) = r.embedding() else {
        s.push_str("<p class=\"muted\">Not in this profile (<code>datassay profile --embedding COLUMN</code>, or a <code>datassay outliers --json</code> report).</p></section>");
        return;
    };
    let _ = write!(
        s,
        r#"<p>{} · {} metric, k = {}, on {}.</p><dl class="figs">"#,
        esc(&cut(e.column.as_deref().unwrap_or(&e.source), TEXT)),
        esc(&format!("{:?}", e.metric).to_lowercase()),
        e.k,
        esc(&e.device)
    );
    count(s, "rows", e.rows);
    count(s, "vectors", e.vectors);
    count(s, "dimension", e.dim);
    count(s, "null vectors", e.excluded.null);
    count(s, "non-finite vectors", e.excluded.non_finite);
    count(s, "zero vectors", e.norms.zero_vectors);
    fig(s, "norm min", Some(e.norms.min), num(Some(e.norms.min)));
    fig(s, "norm mean", Some(e.norms.mean), num(Some(e.norms.mean)));
    fig(s, "norm max", Some(e.norms.max), num(Some(e.norms.max)));
    count(s, "near-duplicate clusters", e.near_duplicates.clusters);
    count(s, "redundant vectors", e.near_duplicates.redundant_rows);
    s.push_str("</dl>");
    for d in &e.distributions {
        if let Some(h) = d.numeric.as_ref().and_then(|n| n.histogram.as_ref()) {
            let _ = write!(s, "<h3>{} distribution</h3>", esc(&d.name));
            let label =
                |b: usize| format!("[{}, {})", num(Some(h.edges[b])), num(Some(h.edges[b + 1])));
            s.push_str(&svg::histogram(&h.counts, &label));
            let _ = write!(
                s,
                r#"<div class="tag">{} bins over [{}, {}]</div>"#,
                h.counts.len(),
                num(h.edges.first().copied()),
                num(h.edges.last().copied())
            );
        }
    }
    if !e.top_outliers.is_empty() {
        s.push_str(r#"<h3>Top outliers</h3><table class="sortable outliers"><thead><tr><th class="n">row</th><th class="n">kNN distance</th><th class="n">LOF</th><th class="n">nearest row</th><th class="n">its distance</th></tr></thead><tbody>"#);
        for o in e.top_outliers.iter().take(LIST) {
            let _ = write!(
                s,
                r#"<tr><td class="n">{}</td><td class="n" data-f="{}">{}</td><td class="n" data-f="{}">{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
                o.row,
                exact(o.knn_distance),
                num(Some(o.knn_distance)),
                exact(o.lof),
                num(Some(o.lof)),
                o.nearest,
                num(Some(o.nearest_distance))
            );
        }
        s.push_str("</tbody></table>");
    }
    s.push_str("</section>");
}

pub(super) fn drift(s: &mut String, r: &ReportInput) {
    s.push_str(r#"<section id="drift"><h2>Drift</h2>"#);
    let Some(d) = r.drift else {
        s.push_str("<p class=\"muted\">No baseline (<code>--baseline REF</code>: a profile or data to compare with).</p></section>");
        return;
    };
    let _ = write!(
        s,
        r#"<p>Against <b>{}</b>: verdict <span class="status-{v}" data-f="verdict">{v}</span>; {} of {} compared columns drifted, {} inconclusive.</p>"#,
        esc(&cut(&d.reference.label, 160)),
        d.drifted,
        d.compared,
        d.inconclusive,
        v = d.verdict.as_str()
    );
    let items: Vec<(String, f64, f64, f64, &'static str)> = d
        .columns
        .iter()
        .filter_map(|c| {
            let b = c.score.as_ref()?;
            let t = if c.threshold > 0.0 { c.threshold } else { 1.0 };
            Some((
                c.name.clone(),
                b.value / t,
                b.lower / t,
                b.upper / t,
                c.status.as_str(),
            ))
        })
        .take(LIST)
        .collect();
    if !items.is_empty() {
        s.push_str("<p class=\"muted\">Each column's statistic over its threshold (the dashed line), with its bounds.</p>");
        s.push_str(&svg::bounded(&items, 1.0));
    }
    if !d.schema.is_empty() {
        s.push_str("<h3>Schema</h3><ul>");
        for a in &d.schema.added {
            let _ = write!(
                s,
                "<li>added: {} ({})</li>",
                esc(&a.name),
                esc(&a.data_type)
            );
        }
        for a in &d.schema.removed {
            let _ = write!(
                s,
                "<li>removed: {} ({})</li>",
                esc(&a.name),
                esc(&a.data_type)
            );
        }
        for a in &d.schema.retyped {
            let _ = write!(s, "<li>retyped: {}</li>", esc(&format!("{a:?}")));
        }
        s.push_str("</ul>");
    }
    s.push_str(r#"<table class="sortable drift"><thead><tr><th>column</th><th>status</th><th>statistic</th><th class="n">value</th><th class="n">bounds</th><th class="n">threshold</th><th>why</th></tr></thead><tbody>"#);
    for c in d.columns.iter().take(4 * LIST) {
        let (v, lo, hi) = c
            .score
            .as_ref()
            .map(|b| (exact(b.value), num(Some(b.lower)), num(Some(b.upper))))
            .unwrap_or(("null".into(), "-".into(), "-".into()));
        let _ = write!(
            s,
            r#"<tr data-column="{}"><td>{}</td><td class="status-{st}">{st}</td><td>{}</td><td class="n" data-f="{v}">{}</td><td class="n">[{lo}, {hi}]</td><td class="n">{}</td><td>{}</td></tr>"#,
            esc(&c.name),
            esc(&cut(&c.name, TEXT)),
            c.method,
            num(c.score.as_ref().map(|b| b.value)),
            c.threshold,
            esc(&crate::metrics::pii::redact(&c.reasons.join("; "))),
            st = c.status.as_str()
        );
    }
    s.push_str("</tbody></table>");
    if d.columns.iter().any(|c| c.status == Status::Inconclusive) {
        s.push_str("<p class=\"muted\">Inconclusive: the statistic's bounds straddle the threshold, or too few rows to tell.</p>");
    }
    s.push_str("</section>");
}
