//! The column cards: each column's figures with their exact values, its histogram, quantiles
//! with their bounds, top values (with PII masked) and PII counts.

use super::sections::{count, fig, fig_raw, group, pct, value_text};
use super::{cut, esc, exact, svg};
use crate::profile::ColumnProfile;
use crate::report::document::{is_constant, ReportInput};
use crate::report::{num, temporal_unit};
use std::fmt::Write;

pub(super) fn columns(s: &mut String, r: &ReportInput) {
    let p = r.profile;
    let _ = write!(
        s,
        r#"<section id="columns"><h2>Columns <span class="tag">{}</span></h2>"#,
        p.columns.len()
    );
    if p.columns.is_empty() {
        s.push_str("<p>No columns.</p></section>");
        return;
    }
    s.push_str(r#"<input id="filter" type="search" placeholder="Filter columns by name" aria-label="Filter columns by name"><div class="grid">"#);
    for (i, c) in p.columns.iter().enumerate() {
        column(s, i, c);
    }
    s.push_str("</div></section>");
}

/// Long because it writes one column card's parts in their order on the page (header, figures,
/// chart, top values), each a few lines into one string.
fn column(s: &mut String, i: usize, c: &ColumnProfile) {
    let kind = format!("{:?}", c.kind).to_lowercase();
    let name = esc(&cut(&crate::metrics::pii::redact(&c.name), 200));
    let _ = write!(
        s,
        r#"<article class="col" id="c{i}" data-name="{name}" data-kind="{kind}"><h3>{name}</h3><div class="tag">{} · {kind}{}</div>"#,
        esc(&cut(&c.data_type, 120)),
        c.element_of
            .as_ref()
            .map(|e| format!(" · elements of {}", esc(&cut(e, 120))))
            .unwrap_or_default()
    );
    if let Some(why) = &c.skipped_reason {
        let _ = write!(
            s,
            "<p class=\"muted\">Not profiled: {}</p></article>",
            esc(why)
        );
        return;
    }
    s.push_str(r#"<dl class="figs">"#);
    count(s, "rows", c.rows);
    count(s, "count", c.count);
    let null_share = if c.rows > 0 {
        c.nulls as f64 / c.rows as f64
    } else {
        0.0
    };
    fig_raw(
        s,
        "nulls",
        c.nulls.to_string(),
        format!("{} ({})", group(c.nulls), pct(null_share)),
    );
    if let Some(sk) = &c.sketches {
        let d = &sk.distinct;
        let shown = if d.exact {
            group(d.estimate)
        } else {
            format!(
                "≈{} [{} – {}]",
                group(d.estimate),
                group(d.lower),
                group(d.upper)
            )
        };
        let _ = write!(
            s,
            r#"<dt>distinct</dt><dd data-f="distinct" data-v="{}" data-lo="{}" data-hi="{}">{}</dd>"#,
            d.estimate,
            d.lower,
            d.upper,
            esc(&shown)
        );
    }
    if let Some(n) = &c.numeric {
        count(s, "NaN", n.nan);
        count(s, "+inf", n.pos_inf);
        count(s, "-inf", n.neg_inf);
        count(s, "zeros", n.zeros);
        for (name, x) in [("min", n.min), ("max", n.max)] {
            fig(
                s,
                name,
                x,
                x.map(|x| value_text(c, x)).unwrap_or("-".into()),
            );
        }
        let unit = temporal_unit(&c.data_type);
        fig(
            s,
            "mean",
            n.mean,
            n.mean.map(|x| value_text(c, x)).unwrap_or("-".into()),
        );
        fig(
            s,
            "std",
            n.std,
            n.std
                .map(|x| crate::report::column_spread(c, x))
                .unwrap_or("-".into()),
        );
        if unit.is_none() {
            fig(s, "sum", n.sum, num(n.sum));
        }
        for (name, x) in [("skewness", n.skewness), ("kurtosis", n.kurtosis)] {
            fig(s, name, x, num(x));
        }
    }
    if let Some(l) = &c.lengths {
        count(s, "empty", l.empty);
        for (name, x) in [("min length", l.min_length), ("max length", l.max_length)] {
            let data = x.map_or("null".into(), |x| x.to_string());
            fig_raw(s, name, data, x.map(group).unwrap_or("-".into()));
        }
        fig(s, "mean length", l.mean_length, num(l.mean_length));
    }
    s.push_str("</dl>");
    if let Some(h) = c.numeric.as_ref().and_then(|n| n.histogram.as_ref()) {
        let label = |b: usize| {
            format!(
                "[{}, {}{}",
                value_text(c, h.edges[b]),
                value_text(c, h.edges[b + 1]),
                if b + 2 == h.edges.len() { "]" } else { ")" }
            )
        };
        s.push_str(&svg::histogram(&h.counts, &label));
        let _ = write!(
            s,
            r#"<div class="tag">{} bins over [{}, {}]{}</div>"#,
            h.counts.len(),
            value_text(c, h.edges[0]),
            value_text(c, *h.edges.last().unwrap_or(&h.edges[0])),
            if h.exact {
                ", exact counts"
            } else {
                ", counts from the grid (each value within half a cell)"
            }
        );
    }
    if let Some(sk) = &c.sketches {
        if let (Some(q), Some(b)) = (&sk.quantiles, &sk.quantile_bounds) {
            let qs: Vec<(String, f64, [f64; 2])> = q
                .iter()
                .map(|(k, v)| (k.clone(), *v, b.get(k).copied().unwrap_or([*v, *v])))
                .collect();
            if !qs.is_empty() {
                s.push_str(&svg::quantiles(&qs, &|x| value_text(c, x)));
                let _ = write!(
                    s,
                    r#"<table class="quantiles"><thead><tr><th>quantile</th><th class="n">value</th><th class="n">bounds</th></tr></thead><tbody>"#
                );
                for (k, v, [lo, hi]) in &qs {
                    let _ = write!(
                        s,
                        r#"<tr data-q="{}"><td>{}</td><td class="n" data-f="{}">{}</td><td class="n" data-lo="{}" data-hi="{}">[{}, {}]</td></tr>"#,
                        esc(k),
                        esc(k),
                        exact(*v),
                        value_text(c, *v),
                        exact(*lo),
                        exact(*hi),
                        value_text(c, *lo),
                        value_text(c, *hi)
                    );
                }
                let _ = write!(
                    s,
                    r#"</tbody></table><div class="tag">{}</div>"#,
                    match (&sk.quantile_method, sk.quantile_relative_error) {
                        (Some(m), _) if m == "exact" => "exact quantiles".to_string(),
                        (_, Some(e)) => format!("DDSketch, relative error ≤ {e:.3}"),
                        _ => String::new(),
                    }
                );
            }
        }
        if let Some(top) = sk.top_values.as_ref().filter(|t| !t.is_empty()) {
            let denom = c.count.max(1) as f64;
            s.push_str(r#"<table class="top"><thead><tr><th>top value</th><th class="n">count</th><th class="n">share</th></tr></thead><tbody>"#);
            for t in top {
                // Text that the PII scan would flag is shown masked, whether or not the
                // profile was made with it: a shared page never holds a secret.
                let v = match &t.value {
                    serde_json::Value::String(x) if x.is_empty() => "(empty)".to_string(),
                    // A binary value is written as hex; shown as hex unless it is text the scan
                    // flags, which is then shown masked.
                    serde_json::Value::String(x) if x.starts_with("0x") => hex_text(x)
                        .map(|t| crate::metrics::pii::redact(&t))
                        .filter(|r| r.contains('*'))
                        .map(|r| format!("(as text) {r}"))
                        .unwrap_or_else(|| x.clone()),
                    serde_json::Value::String(x) => crate::metrics::pii::redact(x),
                    // Dates, times and durations as people read them, not as their numbers.
                    serde_json::Value::Number(n) if crate::report::is_time(&c.data_type) => n
                        .as_f64()
                        .map(|x| value_text(c, x))
                        .unwrap_or_else(|| n.to_string()),
                    other => other.to_string(),
                };
                let upper = if t.count_upper > t.count {
                    format!(" – {}", group(t.count_upper))
                } else {
                    String::new()
                };
                let _ = write!(
                    s,
                    r#"<tr><td title="{}">{}</td><td class="n" data-f="{}">{}{upper}</td><td class="n">{}</td></tr>"#,
                    esc(&cut(&v, 200)),
                    esc(&cut(&v, 40)),
                    t.count,
                    group(t.count),
                    pct(t.count as f64 / denom)
                );
            }
            s.push_str("</tbody></table>");
        }
    }
    if let Some(pii) = &c.pii {
        let _ = write!(
            s,
            r#"<div class="pii" data-scanned="{}" data-with="{}"><b>PII scan:</b> {} of {} values ({})"#,
            pii.scanned,
            pii.values_with_pii,
            group(pii.values_with_pii),
            group(pii.scanned),
            pct(pii.share)
        );
        if !pii.kinds.is_empty() {
            s.push_str(r#"<table><thead><tr><th>kind</th><th class="n">values</th><th class="n">matches</th><th>masked examples</th></tr></thead><tbody>"#);
            for k in &pii.kinds {
                let _ = write!(
                    s,
                    r#"<tr data-kind="{}"><td>{}</td><td class="n" data-f="{}">{}</td><td class="n">{}</td><td><code>{}</code></td></tr>"#,
                    esc(&k.kind),
                    esc(&k.kind.replace('_', " ")),
                    k.values,
                    group(k.values),
                    group(k.matches),
                    esc(&k.examples.join("  "))
                );
            }
            s.push_str("</tbody></table>");
        }
        s.push_str("</div>");
    }
    if is_constant(c) {
        s.push_str(r#"<div class="tag">one value only</div>"#);
    }
    s.push_str("</article>");
}

/// The text a `0x…` hex value spells, when it is valid UTF-8.
fn hex_text(x: &str) -> Option<String> {
    let h = x.strip_prefix("0x")?.trim_end_matches('…');
    let bytes: Option<Vec<u8>> = (0..h.len() / 2)
        .map(|i| u8::from_str_radix(h.get(2 * i..2 * i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}
