//! Human-readable reports: the terminal table; drift and checks in the terminal and in
//! Markdown; the HTML report and its Markdown flavour (`document.rs` holds what they are drawn
//! from and the alerts, `html/` the page and its SVG charts); the dataset card.

mod card;
mod checks;
mod document;
mod drift;
mod html;
mod markdown;
mod terminal;
pub use card::{card, size_category, CardInput};
pub use checks::{checks_markdown, checks_table, github, junit, GITHUB_ANNOTATIONS};
pub use document::{alerts, Alert, Level, ReportInput};
pub use drift::{drift_markdown, drift_table};
pub use html::html;
pub use markdown::{markdown, MARKDOWN_BUDGET};
pub use terminal::{contamination, dedup, embedding, images, table};

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

/// Text from the data (column names, values, paths) made safe for a terminal: control
/// characters (ESC, BEL, tab, newline, …) and the invisible formatting ones (bidirectional
/// overrides, zero-width spaces) are shown as escapes, so a name cannot move the cursor, ring
/// the bell or rewrite the screen.
pub fn printable(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let invisible = matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}');
        if c.is_control() || invisible {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Text for a Markdown table cell: [`printable`], with the characters that would end the cell,
/// start code, HTML, a link, emphasis or strikethrough, or escape them (`|`, `` ` ``, `<`,
/// `>`, `&`, `\`, `[`, `]`, `*`, `~`, and `_` at the edges of a word) escaped.
pub(crate) fn markdown_cell(s: &str) -> String {
    let t = printable(s)
        .replace('&', "&amp;")
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('`', "\\`")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('[', "\\[")
        .replace(']', "\\]")
        .replace('*', "\\*")
        .replace('~', "\\~");
    // `_` inside a word never makes emphasis (`fare_usd`); at a word's edge it can.
    let c: Vec<char> = t.chars().collect();
    let mut out = String::with_capacity(t.len());
    for (i, &ch) in c.iter().enumerate() {
        let word = |j: Option<usize>| {
            j.and_then(|j| c.get(j))
                .is_some_and(|x| x.is_alphanumeric())
        };
        if ch == '_' && !(word(i.checked_sub(1)) && word(Some(i + 1))) {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// At most `n` characters of `s`, with `…` where it was cut (names and values in reports).
pub(crate) fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars()
            .take(n.max(1) - 1)
            .chain(std::iter::once('…'))
            .collect()
    }
}

/// Columns `s` takes in a terminal (East Asian wide characters and most emoji take two).
pub fn width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// [`printable`] text cut to at most `w` terminal columns, with `…` where it was cut.
pub(crate) fn trunc(s: &str, w: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    let s = printable(s);
    if width(&s) <= w {
        return s;
    }
    let mut t = String::new();
    let mut used = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if used + cw > w.saturating_sub(1) {
            break;
        }
        t.push(c);
        used += cw;
    }
    t.push('…');
    t
}

/// [`trunc`], then padded with spaces to exactly `w` terminal columns: table cells line up
/// whatever the script (`format!`'s width counts characters, not columns).
pub(crate) fn cell(s: &str, w: usize) -> String {
    let mut t = trunc(s, w);
    let pad = w.saturating_sub(width(&t));
    t.extend(std::iter::repeat_n(' ', pad));
    t
}

/// A number in at most 7 characters with fixed decimals (so a small figure reads as `0.000`,
/// never as a truncated mantissa), scientific only for large magnitudes.
pub fn short(x: Option<f64>) -> String {
    let Some(x) = x else { return "-".into() };
    let a = x.abs();
    let s = if a < 100.0 {
        format!("{x:.3}")
    } else if a < 1e5 {
        format!("{x:.1}")
    } else {
        format!("{x:.0e}")
    };
    if s.len() > 7 {
        format!("{x:.0e}")
    } else {
        s
    }
}

/// Seconds per unit of a temporal Arrow type as the profile spells it (`Timestamp(µs, …)`,
/// `Date32`, …), or `None` for other types. Dates and timestamps are profiled as these numbers.
pub fn temporal_unit(data_type: &str) -> Option<f64> {
    let unit = |u: &str| match u {
        "s" | "Second" => Some(1.0),
        "ms" | "Millisecond" => Some(1e-3),
        "µs" | "us" | "Microsecond" => Some(1e-6),
        "ns" | "Nanosecond" => Some(1e-9),
        _ => None,
    };
    if data_type == "Date32" {
        Some(86_400.0)
    } else if data_type == "Date64" {
        Some(1e-3)
    } else if let Some(rest) = data_type.strip_prefix("Timestamp(") {
        unit(rest.split([',', ')']).next()?.trim())
    } else {
        None
    }
}

/// Seconds per unit of a duration or time-of-day type (`Duration(µs)`, `Time64(ns)`), and
/// whether it is a time of day.
fn clock_unit(data_type: &str) -> Option<(f64, bool)> {
    let (rest, tod) = if let Some(r) = data_type.strip_prefix("Duration(") {
        (r, false)
    } else if let Some(r) = data_type
        .strip_prefix("Time64(")
        .or(data_type.strip_prefix("Time32("))
    {
        (r, true)
    } else {
        return None;
    };
    let u = match rest.trim_end_matches(')').trim() {
        "s" | "Second" => 1.0,
        "ms" | "Millisecond" => 1e-3,
        "µs" | "us" | "Microsecond" => 1e-6,
        "ns" | "Nanosecond" => 1e-9,
        _ => return None,
    };
    Some((u, tod))
}

/// Seconds as a time of day, `HH:MM:SS` (with milliseconds when `fine`).
fn clock(secs: f64, fine: bool) -> String {
    // Whole milliseconds (or seconds) first, so 11:59:59.9996 reads 12:00:00.000, not :60.
    let unit = if fine { 1e-3 } else { 1.0 };
    let t = (secs.rem_euclid(86_400.0) / unit).round() as u64 % (86_400.0 / unit) as u64;
    let (whole, frac) = if fine { (t / 1000, t % 1000) } else { (t, 0) };
    let (h, m, s) = (whole / 3600, whole % 3600 / 60, whole % 60);
    if fine {
        format!("{h:02}:{m:02}:{s:02}.{frac:03}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    }
}

/// A value of a column as people read it, for a column whose values span `span` (max - min,
/// in the column's units): dates for dates, with the time of day when a timestamp column spans
/// less than ten days (and milliseconds under a minute); durations with their unit; times of
/// day as clocks; other numbers by [`num`].
pub fn value(data_type: &str, x: f64, span: f64) -> String {
    if !x.is_finite() {
        return num(Some(x));
    }
    if let Some(u) = temporal_unit(data_type) {
        let secs = x * u;
        let span = span * u;
        if data_type == "Date32" || span.is_nan() || span >= 10.0 * 86_400.0 {
            return date(secs);
        }
        // Rounded once, so the date and the time of day agree (23:59:59.9999 is the next day).
        let fine = span < 60.0;
        let unit = if fine { 1e-3 } else { 1.0 };
        let secs = (secs / unit).round() * unit;
        return format!("{} {}", date(secs), clock(secs, fine));
    }
    match clock_unit(data_type) {
        Some((u, true)) => clock(x * u, span * u < 60.0),
        Some((u, false)) => duration(x * u),
        None => num(Some(x)),
    }
}

/// A column's distinct count for a table cell: exact, `≈` an estimate, or `-` without sketches.
pub(crate) fn distinct_text(c: &crate::profile::ColumnProfile) -> String {
    c.sketches.as_ref().map_or_else(
        || "-".into(),
        |sk| {
            if sk.distinct.exact {
                sk.distinct.estimate.to_string()
            } else {
                format!("≈{}", sk.distinct.estimate)
            }
        },
    )
}

/// Whether a type's numbers are instants, dates, durations or times of day.
pub(crate) fn is_time(data_type: &str) -> bool {
    temporal_unit(data_type).is_some() || clock_unit(data_type).is_some()
}

/// A value of a profiled column, by [`value`] over the column's own range.
pub(crate) fn column_value(c: &crate::profile::ColumnProfile, x: f64) -> String {
    let span = c
        .numeric
        .as_ref()
        .and_then(|n| Some(n.max? - n.min?))
        .unwrap_or(0.0);
    value(&c.data_type, x, span)
}

/// A spread (std) of a profiled column: a duration for dates, times and durations.
pub(crate) fn column_spread(c: &crate::profile::ColumnProfile, x: f64) -> String {
    match temporal_unit(&c.data_type).or(clock_unit(&c.data_type).map(|(u, _)| u)) {
        Some(u) => duration(x * u),
        None => num(Some(x)),
    }
}

/// A UTC calendar date from seconds since the epoch (Hinnant's days-to-civil).
pub fn date(secs: f64) -> String {
    if !secs.is_finite() || secs.abs() > 1e14 {
        return num(Some(secs));
    }
    let z = (secs / 86_400.0).floor() as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + (m <= 2) as i64;
    format!("{y:04}-{m:02}-{d:02}")
}

/// A duration in seconds, in the largest unit that keeps it readable.
pub fn duration(secs: f64) -> String {
    let a = secs.abs();
    if a >= 86_400.0 {
        format!("{:.1} d", secs / 86_400.0)
    } else if a >= 3_600.0 {
        format!("{:.1} h", secs / 3_600.0)
    } else if a >= 60.0 {
        format!("{:.1} min", secs / 60.0)
    } else if a >= 1.0 || a == 0.0 {
        format!("{secs:.3} s")
    } else if a >= 1e-3 {
        format!("{:.3} ms", secs * 1e3)
    } else if a >= 1e-6 {
        format!("{:.3} µs", secs * 1e6)
    } else {
        format!("{:.1} ns", secs * 1e9)
    }
}

/// A histogram as `width` block characters: each character covers an equal share of the bins
/// (bins split between two characters count in proportion), so the shape is not distorted when
/// the bin count is not a multiple of the width.
pub fn sparkline(counts: &[u64], width: usize) -> String {
    const BARS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    if counts.is_empty() {
        return String::new();
    }
    let w = width.min(counts.len());
    let per = counts.len() as f64 / w as f64;
    let groups: Vec<f64> = (0..w)
        .map(|g| {
            let (a, b) = (g as f64 * per, (g + 1) as f64 * per);
            let mut sum = 0.0;
            for (i, &c) in counts
                .iter()
                .enumerate()
                .skip(a.floor() as usize)
                .take(b.ceil() as usize - a.floor() as usize)
            {
                let overlap = (b.min(i as f64 + 1.0) - a.max(i as f64)).max(0.0);
                sum += c as f64 * overlap;
            }
            sum
        })
        .collect();
    let max = groups.iter().copied().fold(0.0, f64::max);
    groups
        .iter()
        .map(|&c| {
            if c <= 0.0 || max <= 0.0 {
                BARS[0]
            } else {
                BARS[(1 + ((c / max) * 7.0).round() as usize).min(8)]
            }
        })
        .collect()
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
        // 3 bins over 2 characters: the middle bin is shared half and half.
        assert_eq!(sparkline(&[4, 2, 4], 2), "██");
        assert_eq!(sparkline(&[0, 4, 4, 0], 4), " ██ ");
    }

    #[test]
    fn temporal_columns_read_as_dates() {
        assert_eq!(date(0.0), "1970-01-01");
        assert_eq!(date(1_735_689_600.0), "2025-01-01");
        assert_eq!(date(951_782_400.0), "2000-02-29");
        assert_eq!(date(-86_400.0), "1969-12-31");
        assert_eq!(temporal_unit("Timestamp(µs, \"+00:00\")"), Some(1e-6));
        assert_eq!(temporal_unit("Timestamp(ns)"), Some(1e-9));
        assert_eq!(temporal_unit("Date32"), Some(86_400.0));
        assert_eq!(temporal_unit("Int64"), None);
        assert_eq!(duration(90.0), "1.5 min");
        assert_eq!(duration(2.0 * 86_400.0), "2.0 d");
        assert_eq!(duration(5e-9), "5.0 ns");
        assert_eq!(duration(-2.5e-5), "-25.000 µs");
        assert_eq!(duration(0.25), "250.000 ms");
        // Rounding carries into the minute, never to second 60.
        assert_eq!(clock(43_199.999_6, true), "12:00:00.000");
        assert_eq!(clock(86_399.999_9, true), "00:00:00.000");
        assert_eq!(clock(3_661.4, false), "01:01:01");
    }

    #[test]
    fn short_numbers_never_truncate_a_mantissa() {
        assert_eq!(short(Some(1.668e-4)), "0.000");
        assert_eq!(short(Some(-1.31e-3)), "-0.001");
        assert_eq!(short(Some(21.964)), "21.964");
        assert_eq!(short(Some(-1234.56)), "-1234.6");
        assert_eq!(short(Some(3.2e7)), "3e7");
        assert_eq!(short(None), "-");
    }
}
