//! Inline SVG charts: plain shapes coloured by CSS classes (so the page's light and dark themes
//! apply), each bar carrying the figure it draws in a `data-` attribute and a `<title>` tooltip.
//! No script is needed to read them.

use super::{cut, esc, exact};
use crate::report::num;
use std::fmt::Write;

/// Chart width and height in CSS pixels (the SVG scales to its container).
const W: f64 = 320.0;
const H: f64 = 96.0;

/// A number for an SVG coordinate (two decimals are plenty and keep the file small).
fn c(x: f64) -> String {
    let s = format!("{x:.1}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

/// A histogram: one bar per bin, heights proportional to the counts; `label(i)` is a bin's
/// tooltip.
pub fn histogram(counts: &[u64], label: &dyn Fn(usize) -> String) -> String {
    let max = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let n = counts.len().max(1) as f64;
    let bw = W / n;
    let mut s = format!(
        r#"<svg class="chart hist" viewBox="0 0 {W} {H}" role="img" aria-label="histogram of {} bins" preserveAspectRatio="none">"#,
        counts.len()
    );
    s.push_str(&format!(
        r#"<line class="axis" x1="0" y1="{H}" x2="{W}" y2="{H}"/>"#
    ));
    for (i, &k) in counts.iter().enumerate() {
        let h = if k == 0 {
            0.0
        } else {
            (k as f64 / max * (H - 4.0)).max(1.0)
        };
        let _ = write!(
            s,
            r#"<rect class="bar" data-count="{k}" x="{}" y="{}" width="{}" height="{}"><title>{}: {k}</title></rect>"#,
            c(i as f64 * bw + 0.5),
            c(H - h),
            c((bw - 1.0).max(0.5)),
            c(h),
            esc(&label(i))
        );
    }
    s.push_str("</svg>");
    s
}

/// Horizontal bars with labels: `(label, value, tooltip)`, values in [0, `max`].
pub fn bars(items: &[(String, f64, String)], max: f64, class: &str) -> String {
    let row = 18.0;
    let h = row * items.len().max(1) as f64;
    let lw = 120.0;
    let mut s = format!(
        r#"<svg class="chart bars {class}" viewBox="0 0 {W} {h}" role="img" aria-label="bar chart of {} items">"#,
        items.len()
    );
    let max = if max > 0.0 { max } else { 1.0 };
    for (i, (label, v, tip)) in items.iter().enumerate() {
        let y = i as f64 * row;
        let w = (v / max).clamp(0.0, 1.0) * (W - lw - 4.0);
        let short = cut(label, 18);
        let _ = write!(
            s,
            r#"<text class="label" x="0" y="{}">{}</text><rect class="bar" data-value="{}" x="{lw}" y="{}" width="{}" height="{}"><title>{}</title></rect>"#,
            c(y + 13.0),
            esc(&short),
            exact(*v),
            c(y + 3.0),
            c(w.max(if *v > 0.0 { 1.0 } else { 0.0 })),
            c(row - 6.0),
            esc(tip)
        );
    }
    s.push_str("</svg>");
    s
}

/// Quantiles on one axis: each estimate as a tick, its bounds as a band; `fmt` writes a value
/// for its tooltip (a date for a date column).
pub fn quantiles(q: &[(String, f64, [f64; 2])], fmt: &dyn Fn(f64) -> String) -> String {
    let finite: Vec<f64> = q
        .iter()
        .flat_map(|(_, v, b)| [*v, b[0], b[1]])
        .filter(|x| x.is_finite())
        .collect();
    let (lo, hi) = finite
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        });
    let span = if hi > lo { hi - lo } else { 1.0 };
    let x = |v: f64| 8.0 + (v - lo) / span * (W - 16.0);
    let h = 40.0;
    let mut s = format!(
        r#"<svg class="chart quant" viewBox="0 0 {W} {h}" role="img" aria-label="quantiles with their bounds"><line class="axis" x1="8" y1="20" x2="{}" y2="20"/>"#,
        W - 8.0
    );
    for (name, v, b) in q {
        if !v.is_finite() {
            continue;
        }
        let _ = write!(
            s,
            r#"<rect class="band" x="{}" y="12" width="{}" height="16"/><line class="tick" data-q="{}" data-value="{}" x1="{}" y1="8" x2="{}" y2="32"><title>q{}: {} [{}, {}]</title></line>"#,
            c(x(b[0])),
            c((x(b[1]) - x(b[0])).max(0.5)),
            esc(name),
            exact(*v),
            c(x(*v)),
            c(x(*v)),
            esc(name),
            fmt(*v),
            fmt(b[0]),
            fmt(b[1])
        );
    }
    s.push_str("</svg>");
    s
}

/// A heat map of correlations: `names` on both axes, `r[i][j]` in [-1, 1] (None: undefined).
pub fn heatmap(names: &[String], r: &[Vec<Option<f64>>]) -> String {
    let n = names.len();
    let cell = 22.0;
    let lw = 130.0;
    let size = lw + cell * n as f64;
    let mut s = format!(
        r#"<svg class="chart heat" viewBox="0 0 {size} {size}" role="img" aria-label="correlation heat map of {n} columns" style="max-width:{}px">"#,
        size.max(200.0)
    );
    for (i, name) in names.iter().enumerate() {
        let short = cut(name, 20);
        let _ = write!(
            s,
            r#"<text class="label" x="{}" y="{}" text-anchor="end">{}</text>"#,
            c(lw - 4.0),
            c(lw + cell * i as f64 + 15.0),
            esc(&short)
        );
        let _ = write!(
            s,
            r#"<text class="label" transform="translate({},{}) rotate(-60)">{}</text>"#,
            c(lw + cell * i as f64 + 14.0),
            c(lw - 4.0),
            esc(&short)
        );
    }
    for i in 0..n {
        for j in 0..n {
            let v = r.get(i).and_then(|row| row.get(j)).copied().flatten();
            let (fill, title) = match v {
                Some(v) => {
                    let a = v.abs().min(1.0);
                    let hue = if v >= 0.0 { "var(--pos)" } else { "var(--neg)" };
                    (
                        format!(r#"fill="{hue}" fill-opacity="{:.2}""#, 0.08 + 0.92 * a),
                        format!("{} × {}: {v:.4}", cut(&names[i], 60), cut(&names[j], 60)),
                    )
                }
                None => (
                    r#"fill="none""#.to_string(),
                    format!("{} × {}: undefined", cut(&names[i], 60), cut(&names[j], 60)),
                ),
            };
            let _ = write!(
                s,
                r#"<rect class="cell" data-r="{}" x="{}" y="{}" width="{}" height="{}" {fill}><title>{}</title></rect>"#,
                v.map(|v| v.to_string()).unwrap_or_else(|| "null".into()),
                c(lw + cell * j as f64),
                c(lw + cell * i as f64),
                c(cell - 1.0),
                c(cell - 1.0),
                esc(&title)
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// Statistics with bounds against a threshold (drift): one row per item, a dot at the value,
/// a line over the bounds, the threshold as a dashed line.
pub fn bounded(items: &[(String, f64, f64, f64, &'static str)], threshold_max: f64) -> String {
    let row = 18.0;
    let lw = 120.0;
    let h = row * items.len().max(1) as f64;
    let max = items
        .iter()
        .map(|i| i.3)
        .filter(|x| x.is_finite())
        .fold(threshold_max, f64::max)
        .max(1e-9);
    let x = |v: f64| lw + (v / max).clamp(0.0, 1.0) * (W - lw - 8.0);
    let mut s = format!(
        r#"<svg class="chart bounded" viewBox="0 0 {W} {h}" role="img" aria-label="statistics with their bounds">"#
    );
    for (i, (label, v, lo, hi, status)) in items.iter().enumerate() {
        let y = i as f64 * row + 9.0;
        let short = cut(label, 18);
        let _ = write!(
            s,
            r#"<text class="label" x="0" y="{}">{}</text><line class="range" x1="{}" y1="{}" x2="{}" y2="{}"/><circle class="dot {status}" data-value="{}" cx="{}" cy="{}" r="4"><title>{}: {} [{}, {}] {status}</title></circle>"#,
            c(y + 4.0),
            esc(&short),
            c(x(*lo)),
            c(y),
            c(x(*hi)),
            c(y),
            exact(*v),
            c(x(*v)),
            c(y),
            esc(&cut(label, 80)),
            num(Some(*v)),
            num(Some(*lo)),
            num(Some(*hi))
        );
    }
    let _ = write!(
        s,
        r#"<line class="threshold" x1="{}" y1="0" x2="{}" y2="{h}"/></svg>"#,
        c(x(threshold_max)),
        c(x(threshold_max))
    );
    s
}
