//! Human-readable reports: the terminal table.

use crate::profile::{ColumnKind, Profile};

/// Width the table fits in.
pub const WIDTH: usize = 120;

/// A number in at most 10 characters: fixed for ordinary magnitudes, scientific otherwise.
pub fn num(x: Option<f64>) -> String {
    let Some(x) = x else { return "-".into() };
    let a = x.abs();
    if x == 0.0 {
        "0".into()
    } else if (1e-3..1e6).contains(&a) {
        // Five significant digits.
        let decimals = (4 - a.log10().floor() as i32).clamp(0, 7) as usize;
        let s = format!("{x:.decimals$}");
        let s = if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        };
        if s.len() > 10 {
            format!("{x:.3e}")
        } else {
            s
        }
    } else {
        format!("{x:.3e}")
    }
}

fn trunc(s: &str, w: usize) -> String {
    if s.chars().count() <= w {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(w - 1).collect();
        t.push('…');
        t
    }
}

/// A histogram as `width` block characters (bins summed into groups).
pub fn sparkline(counts: &[u64], width: usize) -> String {
    const BARS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    if counts.is_empty() {
        return String::new();
    }
    let w = width.min(counts.len());
    let groups: Vec<u64> = (0..w)
        .map(|g| {
            let a = g * counts.len() / w;
            let b = (g + 1) * counts.len() / w;
            counts[a..b].iter().sum()
        })
        .collect();
    let max = *groups.iter().max().unwrap_or(&0);
    groups
        .iter()
        .map(|&c| {
            if c == 0 || max == 0 {
                BARS[0]
            } else {
                BARS[1 + ((c as f64 / max as f64) * 7.0).round() as usize]
            }
        })
        .collect()
}

/// The profile as a table of one row per column, at most [`WIDTH`] characters wide.
pub fn table(p: &Profile) -> String {
    let mut out = String::new();
    let files = p.sources.len();
    out.push_str(&format!(
        "{} rows × {} columns from {} file{} ({})\n",
        p.rows,
        p.columns.len(),
        files,
        if files == 1 { "" } else { "s" },
        p.device
    ));
    out.push_str(&format!(
        "{:<14} {:<9} {:>9} {:>6} {:>7} {:>10} {:>10} {:>10} {:>10} {:>6} {:>6} {:<12}\n",
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
        let null_pct = if c.rows == 0 {
            "-".to_string()
        } else {
            format!("{:.1}", 100.0 * c.nulls as f64 / c.rows as f64)
        };
        let head = format!(
            "{:<14} {:<9} {:>9} {:>6}",
            trunc(&c.name, 14),
            trunc(&c.data_type, 9),
            c.count,
            null_pct
        );
        match (&c.kind, &c.numeric, &c.lengths) {
            (ColumnKind::Numeric, Some(n), _) => {
                let short = |x: Option<f64>| trunc(&num(x), 6);
                out.push_str(&format!(
                    "{head} {:>7} {:>10} {:>10} {:>10} {:>10} {:>6} {:>6} {:<12}\n",
                    n.nan + n.pos_inf + n.neg_inf,
                    num(n.min),
                    num(n.max),
                    num(n.mean),
                    num(n.std),
                    short(n.skewness),
                    short(n.kurtosis),
                    n.histogram
                        .as_ref()
                        .map_or(String::new(), |h| sparkline(&h.counts, 12)),
                ));
            }
            (_, _, Some(l)) => {
                let what = if c.kind == ColumnKind::Binary {
                    "bytes"
                } else {
                    "chars"
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
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_fit_ten_characters() {
        for x in [
            0.0, 1.0, -1.5, 123456.789, 1e-9, -3.3e200, 0.001234, 999999.99,
        ] {
            let s = num(Some(x));
            assert!(s.len() <= 10, "{x} -> {s}");
            let back: f64 = s.parse().unwrap();
            assert!((back - x).abs() <= 1e-3 * x.abs().max(1e-300), "{x} -> {s}");
        }
        assert_eq!(num(None), "-");
    }

    #[test]
    fn sparkline_scales_to_the_largest_group() {
        assert_eq!(sparkline(&[0, 1, 2, 4], 4), " ▃▅█");
        assert_eq!(sparkline(&[1, 1, 1, 1, 8, 8], 3).chars().count(), 3);
    }
}
