//! One column's drift: its values (numeric distances, or category divergences), its nulls, and
//! the values that appeared or vanished.

use super::cdf::{Bin, Cdfs, Side};
use super::cells::{self, Cell};
use super::{DriftOptions, Status};
use crate::analysis::stats::{self, fmt, Bounded};
use crate::metrics::sketch::hll::Hll;
use crate::metrics::sketch::{ColSketch, Distinct, KeyMap};
use crate::profile::{ColumnKind, ColumnProfile};
use serde::Serialize;

/// Drift of one column.
#[derive(Clone, Debug, Serialize)]
pub struct ColumnDrift {
    pub name: String,
    /// Arrow types: `[reference, current]`.
    pub data_type: [String; 2],
    /// `ok`, `drift` or `inconclusive`.
    pub status: Status,
    /// What decided the status, one phrase each (empty when `ok`).
    pub reasons: Vec<String>,
    /// The statistic the verdict on the values uses: `ks` (numbers), `jensen_shannon`
    /// (categories), or `none` (nulls only: nested or skipped columns, or no values).
    pub method: &'static str,
    /// That statistic, with its bounds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<Bounded>,
    /// The threshold the statistic is held to.
    pub threshold: f64,
    /// The test's p-value, reported for small samples only (`n·m/(n + m)` at most
    /// `small_sample`), where it also gates the verdict.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_value: Option<f64>,
    /// Rows: `[reference, current]`.
    pub rows: [u64; 2],
    /// Null shares of the rows.
    pub null_share: Change,
    /// NaN and ±inf among the non-null values of a numeric column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub non_finite_share: Option<Change>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub numeric: Option<NumericDrift>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub categories: Option<CategoryDrift>,
    /// Distinct values of the current side absent from the reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_values: Option<ValueChange>,
    /// Distinct values of the reference absent from the current side.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vanished_values: Option<ValueChange>,
}

/// A figure on both sides and its change (`current − reference`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Change {
    pub reference: Option<f64>,
    pub current: Option<f64>,
    pub change: Option<f64>,
}

impl Change {
    fn of(r: Option<f64>, c: Option<f64>) -> Change {
        Change {
            reference: r,
            current: c,
            change: r.zip(c).map(|(r, c)| c - r),
        }
    }
}

/// Distances between the finite values of a numeric column.
#[derive(Clone, Debug, Serialize)]
pub struct NumericDrift {
    /// Finite values: `[reference, current]`.
    pub values: [u64; 2],
    /// Kolmogorov–Smirnov distance.
    pub ks: Bounded,
    /// Wasserstein-1 distance, in the column's unit.
    pub wasserstein: Bounded,
    /// Wasserstein-1 over the reference's interquartile range (its standard deviation when the
    /// range is zero); `None` for a constant reference.
    pub wasserstein_normalized: Option<Bounded>,
    /// Population stability index over `bins`.
    pub psi: Bounded,
    /// Jensen–Shannon distance (base 2) over `bins`.
    pub jensen_shannon: Bounded,
    /// Hellinger distance over `bins`.
    pub hellinger: Bounded,
    pub mean: Change,
    pub std: Change,
    /// Shifts of the 5th, 50th and 95th percentiles (`current − reference`, bounds from both
    /// sketches' quantile bounds).
    pub quantile_shift: Vec<QuantileShift>,
    /// The reference's quantile bins (edges snapped to points where both counts are exact),
    /// with each side's counts.
    pub bins: Vec<Bin>,
}

#[derive(Clone, Debug, Serialize)]
pub struct QuantileShift {
    pub q: f64,
    pub reference: Bounded,
    pub current: Bounded,
    pub shift: Bounded,
}

/// Divergences between the value shares of a column over cells: every value of a side that
/// counted exactly, the most frequent values of a summarised side (up to [`CELLS`], counted
/// above its summary's error), and "other".
#[derive(Clone, Debug, Serialize)]
pub struct CategoryDrift {
    /// Non-null values: `[reference, current]`.
    pub values: [u64; 2],
    /// Cells compared (values, plus "other" when a side is summarised).
    pub cells: usize,
    pub jensen_shannon: Bounded,
    pub psi: Bounded,
    pub hellinger: Bounded,
    /// The values whose share moved most.
    pub largest_changes: Vec<ShareChange>,
    /// Pearson's chi-square p-value of the 2 × cells table (point counts).
    #[serde(skip)]
    pub(crate) chi_square_p: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct ShareChange {
    /// The value (`null` for "other": every value neither side lists).
    pub value: serde_json::Value,
    pub reference: f64,
    pub current: f64,
}

/// Values present on one side only.
#[derive(Clone, Debug, Serialize)]
pub struct ValueChange {
    /// How many distinct values (bounds from HyperLogLog unions when not exact).
    pub count: Bounded,
    /// Their share of the side's non-null values, when known exactly.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share: Option<f64>,
    /// Some of them, most frequent first (only values known to be absent from the other side).
    pub examples: Vec<serde_json::Value>,
}

/// Compare one column present on both sides.
pub(super) fn compare(r: &ColumnProfile, c: &ColumnProfile, o: &DriftOptions) -> ColumnDrift {
    let share = |p: &ColumnProfile| (p.rows > 0).then(|| p.nulls as f64 / p.rows as f64);
    let mut d = ColumnDrift {
        name: r.name.clone(),
        data_type: [r.data_type.clone(), c.data_type.clone()],
        status: Status::Ok,
        reasons: Vec::new(),
        method: "none",
        score: None,
        threshold: 0.0,
        p_value: None,
        rows: [r.rows, c.rows],
        null_share: Change::of(share(r), share(c)),
        non_finite_share: None,
        numeric: None,
        categories: None,
        new_values: None,
        vanished_values: None,
    };
    let (rs, cs) = (r.state.sketch.as_ref(), c.state.sketch.as_ref());
    let numeric = r.kind == ColumnKind::Numeric && c.kind == ColumnKind::Numeric;
    let temporal = |p: &ColumnProfile| crate::profile::is_temporal(&p.data_type);
    // Values that cannot be compared: another kind, or times counted in other units.
    let incomparable = if r.kind != c.kind {
        Some(format!(
            "the type changed from {} to {}; the values are not compared",
            r.data_type, c.data_type
        ))
    } else if (temporal(r) || temporal(c)) && r.data_type != c.data_type {
        Some(format!(
            "{} and {} count time in different units; the values are not compared (profile both sides with one type)",
            r.data_type, c.data_type
        ))
    } else {
        None
    };
    if let Some(why) = &incomparable {
        d.reasons.push(why.clone());
    } else {
        if numeric {
            let nf = |p: &ColumnProfile| {
                p.numeric
                    .as_ref()
                    .filter(|_| p.count > 0)
                    .map(|n| (n.nan + n.pos_inf + n.neg_inf) as f64 / p.count as f64)
            };
            d.non_finite_share = Some(Change::of(nf(r), nf(c)));
            d.numeric = numeric_drift(r, c, o);
        }
        if let (Some(a), Some(b)) = (rs, cs) {
            if !numeric && matches!(r.kind, ColumnKind::String | ColumnKind::Binary) {
                d.categories = category_drift(a, b, o);
            }
            // Value hashes of different types differ (1 and 1.0): compare sets by value then.
            let same_type = r.data_type == c.data_type || !numeric;
            let (new, vanished) = if same_type {
                value_changes(a, b, o.examples)
            } else {
                numeric_value_changes(a, b, o.examples)
            };
            d.new_values = new;
            d.vanished_values = vanished;
        }
    }
    judge(&mut d, o);
    if incomparable.is_some() {
        d.status = d.status.max(Status::Inconclusive);
    } else if d.method == "none" && (r.count > 0 || c.count > 0) && d.status == Status::Ok {
        let values = |p: &ColumnProfile| {
            p.count > 0 && (p.state.sketch.is_some() || p.state.numeric.is_some())
        };
        if !(values(r) && values(c)) && (r.count > 0 && c.count > 0) {
            d.reasons.push(
                "one side keeps no value counts for this column (profiled with --no-sketches); the values are not compared".into(),
            );
            d.status = Status::Inconclusive;
        } else if (r.count == 0) != (c.count == 0) {
            d.reasons
                .push("one side has no values to compare with the other's".into());
            d.status = Status::Drift;
        }
    }
    d
}

/// The values of `x` that `absent` says the other side lacks: how many, their share of `x`'s
/// values, and the most frequent as examples (ties by shown value).
fn only_in(
    x: &KeyMap<(u64, serde_json::Value)>,
    absent: impl Fn(&u64, &(u64, serde_json::Value)) -> bool,
    examples: usize,
) -> ValueChange {
    let mut v: Vec<&(u64, serde_json::Value)> = x
        .iter()
        .filter(|(k, e)| absent(k, e))
        .map(|e| e.1)
        .collect();
    v.sort_by(|p, q| {
        q.0.cmp(&p.0)
            .then_with(|| p.1.to_string().cmp(&q.1.to_string()))
    });
    let total: u64 = x.values().map(|e| e.0).sum();
    ValueChange {
        count: Bounded::exact(v.len() as f64),
        share: Some(v.iter().map(|e| e.0).sum::<u64>() as f64 / total.max(1) as f64),
        examples: v.iter().take(examples).map(|e| e.1.clone()).collect(),
    }
}

/// New and vanished values of numeric columns of different types, by value (both sides counted
/// exactly), else not known.
fn numeric_value_changes(
    a: &ColSketch,
    b: &ColSketch,
    examples: usize,
) -> (Option<ValueChange>, Option<ValueChange>) {
    let (Distinct::Exact { values: r, .. }, Distinct::Exact { values: c, .. }) =
        (&a.distinct, &b.distinct)
    else {
        return (None, None);
    };
    let num = |v: &serde_json::Value| match v {
        serde_json::Value::Bool(b) => Some(*b as u8 as f64),
        v => v.as_f64(),
    };
    let only = |x: &KeyMap<(u64, serde_json::Value)>, y: &KeyMap<(u64, serde_json::Value)>| {
        let theirs: Vec<f64> = y.values().filter_map(|e| num(&e.1)).collect();
        only_in(
            x,
            |_, e| match num(&e.1) {
                Some(f) => !theirs.contains(&f),
                None => !y.values().any(|o| o.1 == e.1),
            },
            examples,
        )
    };
    (Some(only(c, r)), Some(only(r, c)))
}

/// The status from the statistics.
fn judge(d: &mut ColumnDrift, o: &DriftOptions) {
    let small = |nr: u64, nc: u64| {
        let n_eff = nr as f64 * nc as f64 / (nr + nc).max(1) as f64;
        (n_eff <= o.small_sample).then_some(n_eff)
    };
    let mut status = Status::Ok;
    let mut verdict =
        |s: &Bounded, t: f64, p: Option<f64>, what: &str, reasons: &mut Vec<String>| {
            let st = if s.lower > t {
                match p {
                    Some(p) if p >= o.alpha => {
                        reasons.push(format!(
                            "{what} {} > {t} but too few rows to tell (p = {})",
                            fmt(s.value),
                            fmt(p)
                        ));
                        Status::Inconclusive
                    }
                    _ => {
                        reasons.push(format!("{what} {} > {t}", fmt(s.lower)));
                        Status::Drift
                    }
                }
            } else if s.upper > t {
                reasons.push(format!(
                    "{what} between {} and {}: the profiles cannot tell whether it passes {t}",
                    fmt(s.lower),
                    fmt(s.upper)
                ));
                Status::Inconclusive
            } else {
                Status::Ok
            };
            status = status.max(st);
        };
    if let Some(n) = &d.numeric {
        d.method = "ks";
        d.threshold = o.ks_threshold;
        d.score = Some(n.ks);
        d.p_value = small(n.values[0], n.values[1]).map(|ne| stats::ks_pvalue(n.ks.lower, ne));
        verdict(&n.ks, o.ks_threshold, d.p_value, "ks", &mut d.reasons);
    } else if let Some(cat) = &d.categories {
        d.method = "jensen_shannon";
        d.threshold = o.js_threshold;
        d.score = Some(cat.jensen_shannon);
        d.p_value = small(cat.values[0], cat.values[1]).map(|_| cat_p_value(cat));
        verdict(
            &cat.jensen_shannon,
            o.js_threshold,
            d.p_value,
            "jensen-shannon",
            &mut d.reasons,
        );
    }
    // Nulls: an absolute change of the share beyond the threshold.
    if let (Some(a), Some(b)) = (d.null_share.reference, d.null_share.current) {
        let delta = (b - a).abs();
        if delta > o.null_threshold {
            let p = small(d.rows[0], d.rows[1]).map(|_| {
                let (n1, n2) = (d.rows[0] as f64, d.rows[1] as f64);
                let pool = (a * n1 + b * n2) / (n1 + n2);
                let se = (pool * (1.0 - pool) * (1.0 / n1 + 1.0 / n2)).sqrt();
                if se > 0.0 {
                    stats::normal_two_sided((b - a) / se)
                } else {
                    0.0
                }
            });
            let what = format!("null share {} → {}", fmt(a), fmt(b));
            match p {
                Some(p) if p >= o.alpha => {
                    d.reasons
                        .push(format!("{what}, but too few rows to tell (p = {})", fmt(p)));
                    status = status.max(Status::Inconclusive);
                }
                _ => {
                    d.reasons.push(what);
                    status = Status::Drift;
                }
            }
        }
    }
    if let Some(Change {
        reference: Some(a),
        current: Some(b),
        ..
    }) = d.non_finite_share
    {
        if (b - a).abs() > o.null_threshold {
            d.reasons
                .push(format!("NaN/inf share {} → {}", fmt(a), fmt(b)));
            status = Status::Drift;
        }
    }
    d.status = status;
}

fn cat_p_value(cat: &CategoryDrift) -> f64 {
    cat.chi_square_p
}

/// The finite values a numeric column's state knows.
fn side(p: &ColumnProfile) -> Option<Side<'_>> {
    let sketch = p.state.sketch.as_ref().and_then(|s| s.quantiles.as_ref());
    let grid = p.state.numeric.as_ref().map(|n| &n.grid);
    let (n, min, max) = match (sketch, grid) {
        (Some(s), _) => (s.count(), s.min, s.max),
        (None, Some(g)) => (g.total(), g.min, g.max),
        _ => return None,
    };
    let exact = p.state.sketch.as_ref().and_then(|s| match &s.distinct {
        Distinct::Exact { values, .. } => {
            let mut v: Vec<(f64, u64)> = values
                .values()
                .filter_map(|(n, v)| match v {
                    serde_json::Value::Bool(b) => Some((*b as u8 as f64, *n)),
                    v => v.as_f64().filter(|x| x.is_finite()).map(|x| (x, *n)),
                })
                .collect();
            v.sort_by(|a, b| a.0.total_cmp(&b.0));
            // Both zeros are one value; keep the list strictly increasing.
            v.dedup_by(|a, b| {
                if a.0 == b.0 {
                    b.1 += a.1;
                    true
                } else {
                    false
                }
            });
            (v.iter().map(|x| x.1).sum::<u64>() == n).then_some(v)
        }
        _ => None,
    });
    Some(Side {
        n,
        min,
        max,
        sketch,
        grid,
        exact,
    })
}

fn numeric_drift(r: &ColumnProfile, c: &ColumnProfile, o: &DriftOptions) -> Option<NumericDrift> {
    let (a, b) = (side(r)?, side(c)?);
    let cd = Cdfs::new(&a, &b)?;
    let (ks, wasserstein) = cd.distances();
    let bins = cd.quantile_bins(o.bins);
    let cells: Vec<Cell> = bins
        .iter()
        .map(|x| Cell::exact(x.r, a.n, x.c, b.n))
        .collect();
    let nr = r.numeric.as_ref();
    let nc = c.numeric.as_ref();
    let q = |p: &ColumnProfile, s: &Side, q: f64| -> Option<Bounded> {
        if let Some(v) = &s.exact {
            let rank = crate::metrics::sketch::ddsketch::inverted_cdf_rank(s.n, q);
            let mut seen = 0;
            return v
                .iter()
                .find(|x| {
                    seen += x.1;
                    seen >= rank
                })
                .map(|x| Bounded::exact(x.0));
        }
        let _ = p;
        let e = s.sketch?.quantile(q)?;
        Some(Bounded::new(e.value, e.lo, e.hi))
    };
    let quantile_shift = [0.05, 0.5, 0.95]
        .iter()
        .filter_map(|&x| {
            let (rq, cq) = (q(r, &a, x)?, q(c, &b, x)?);
            Some(QuantileShift {
                q: x,
                reference: rq,
                current: cq,
                shift: Bounded::new(
                    cq.value - rq.value,
                    cq.lower - rq.upper,
                    cq.upper - rq.lower,
                ),
            })
        })
        .collect();
    let iqr = q(r, &a, 0.75)
        .zip(q(r, &a, 0.25))
        .map(|(h, l)| h.value - l.value)
        .filter(|&x| x > 0.0)
        .or(nr.and_then(|n| n.std).filter(|&s| s > 0.0));
    Some(NumericDrift {
        values: [a.n, b.n],
        ks,
        wasserstein,
        wasserstein_normalized: iqr.map(|s| wasserstein.map(|x| x / s)),
        psi: cells::psi(&cells),
        jensen_shannon: cells::jensen_shannon(&cells),
        hellinger: cells::hellinger(&cells),
        mean: Change::of(nr.and_then(|n| n.mean), nc.and_then(|n| n.mean)),
        std: Change::of(nr.and_then(|n| n.std), nc.and_then(|n| n.std)),
        quantile_shift,
        bins,
    })
}

/// Counts of a column's values: exact, or a Misra–Gries summary (`count ≤ true ≤ count + eps`,
/// and any value it does not list occurs at most `eps` times).
struct Counts<'a> {
    map: &'a KeyMap<(u64, serde_json::Value)>,
    eps: u64,
    n: u64,
}

fn counts(s: &ColSketch) -> Option<Counts<'_>> {
    match &s.distinct {
        Distinct::Exact { values, .. } => Some(Counts {
            map: values,
            eps: 0,
            n: values.values().map(|v| v.0).sum(),
        }),
        Distinct::Sketch { top: Some(t), .. } => Some(Counts {
            map: &t.counters,
            eps: t.dropped,
            n: s.non_null,
        }),
        Distinct::Sketch { top: None, .. } => None,
    }
}

/// The most values a side summarised by Misra–Gries contributes as cells of its own (a side
/// that counted exactly contributes all of its values).
pub const CELLS: usize = 256;

fn category_drift(a: &ColSketch, b: &ColSketch, o: &DriftOptions) -> Option<CategoryDrift> {
    let (ra, cb) = (counts(a)?, counts(b)?);
    if ra.n == 0 || cb.n == 0 {
        return None;
    }
    // The values either side vouches for, each a cell; every other value is in "other".
    // A side that counted exactly contributes every value (its cells are then exact); a
    // summarised side its most frequent values.
    let mut keys: Vec<u64> = Vec::new();
    for s in [a, b] {
        match &s.distinct {
            Distinct::Exact { values, .. } => keys.extend(values.keys().copied()),
            _ => keys.extend(
                s.top_counted(CELLS)
                    .into_iter()
                    .flat_map(|(v, _)| v.into_iter().map(|c| c.key)),
            ),
        }
    }
    keys.sort_unstable();
    keys.dedup();
    let bounds = |s: &Counts, k: u64| match s.map.get(&k) {
        Some(c) => (c.0, c.0 + s.eps),
        None => (0, s.eps),
    };
    let (nr, nc) = (ra.n as f64, cb.n as f64);
    let mut cells = Vec::with_capacity(keys.len() + 1);
    let mut labels = Vec::with_capacity(keys.len() + 1);
    let (mut sr, mut sr_hi, mut sc, mut sc_hi) = (0u64, 0u64, 0u64, 0u64);
    for &k in &keys {
        let (rl, rh) = bounds(&ra, k);
        let (cl, ch) = bounds(&cb, k);
        sr += rl;
        sr_hi += rh;
        sc += cl;
        sc_hi += ch;
        cells.push(Cell {
            p: rl as f64 / nr,
            p_lo: rl as f64 / nr,
            p_hi: (rh as f64 / nr).min(1.0),
            q: cl as f64 / nc,
            q_lo: cl as f64 / nc,
            q_hi: (ch as f64 / nc).min(1.0),
        });
        let v = ra.map.get(&k).or(cb.map.get(&k)).map(|x| x.1.clone());
        labels.push(v.unwrap_or(serde_json::Value::Null));
    }
    // Everything neither side lists.
    let other = |n: u64, lo_sum: u64, hi_sum: u64| {
        let point = n.saturating_sub(lo_sum) as f64 / n as f64;
        let lo = n.saturating_sub(hi_sum) as f64 / n as f64;
        (point, lo, point)
    };
    let (p, p_lo, p_hi) = other(ra.n, sr, sr_hi);
    let (q, q_lo, q_hi) = other(cb.n, sc, sc_hi);
    if p_hi > 0.0 || q_hi > 0.0 {
        cells.push(Cell {
            p,
            p_lo,
            p_hi,
            q,
            q_lo,
            q_hi,
        });
        labels.push(serde_json::Value::Null);
    }
    let (x2, dof) = cells::chi_square(&cells, nr, nc);
    let mut order: Vec<usize> = (0..cells.len()).collect();
    order.sort_by(|&i, &j| {
        let di = (cells[i].q - cells[i].p).abs();
        let dj = (cells[j].q - cells[j].p).abs();
        dj.total_cmp(&di).then(i.cmp(&j))
    });
    let largest_changes = order
        .iter()
        .take(o.examples)
        .filter(|&&i| cells[i].q != cells[i].p)
        .map(|&i| ShareChange {
            value: labels[i].clone(),
            reference: cells[i].p,
            current: cells[i].q,
        })
        .collect();
    Some(CategoryDrift {
        values: [ra.n, cb.n],
        cells: cells.len(),
        jensen_shannon: cells::jensen_shannon(&cells),
        psi: cells::psi(&cells),
        hellinger: cells::hellinger(&cells),
        largest_changes,
        chi_square_p: stats::chi2_sf(x2, dof),
    })
}

/// The HyperLogLog of a column's values (built from the exact values when it has them).
fn hll(s: &ColSketch, precision: u8) -> Option<Hll> {
    match &s.distinct {
        Distinct::Exact { values, .. } => {
            let mut h = Hll::new(precision);
            for &k in values.keys() {
                h.insert(k);
            }
            Some(h)
        }
        Distinct::Sketch { hll, .. } => (hll.precision == precision).then(|| hll.clone()),
    }
}

/// Values new on the current side, and values that vanished from the reference.
fn value_changes(
    a: &ColSketch,
    b: &ColSketch,
    examples: usize,
) -> (Option<ValueChange>, Option<ValueChange>) {
    if let (Distinct::Exact { values: r, .. }, Distinct::Exact { values: c, .. }) =
        (&a.distinct, &b.distinct)
    {
        let only = |x: &KeyMap<(u64, serde_json::Value)>, y: &KeyMap<(u64, serde_json::Value)>| {
            only_in(x, |k, _| !y.contains_key(k), examples)
        };
        return (Some(only(c, r)), Some(only(r, c)));
    }
    let p = match (&a.distinct, &b.distinct) {
        (Distinct::Sketch { hll, .. }, _) | (_, Distinct::Sketch { hll, .. }) => hll.precision,
        _ => unreachable!(),
    };
    let (Some(hr), Some(hc)) = (hll(a, p), hll(b, p)) else {
        return (None, None);
    };
    let mut u = hr.clone();
    u.merge(&hc);
    let ue = u.estimate();
    let se = 3.0 * u.standard_error();
    let (ulo, uhi) = (ue * (1.0 - se), ue * (1.0 + se));
    let dr = a.distinct(a.non_null);
    let dc = b.distinct(b.non_null);
    let diff = |x: &crate::metrics::sketch::DistinctCount,
                y: &crate::metrics::sketch::DistinctCount| {
        // Values only in y's side: |union| − |x|.
        Bounded::new(
            (ue - x.estimate as f64)
                .max(0.0)
                .min(y.upper as f64)
                .round(),
            (ulo - x.upper as f64).max(0.0).floor(),
            (uhi - x.lower as f64).max(0.0).min(y.upper as f64).ceil(),
        )
    };
    // Examples only where the other side's values are known exactly.
    let ex = |x: &ColSketch, y: &ColSketch| -> Vec<serde_json::Value> {
        let (Distinct::Exact { values: known, .. }, Some(cx)) = (&y.distinct, counts(x)) else {
            return Vec::new();
        };
        let mut v: Vec<&(u64, serde_json::Value)> = cx
            .map
            .iter()
            .filter(|(k, e)| e.0 > 0 && !known.contains_key(k))
            .map(|e| e.1)
            .collect();
        v.sort_by(|p, q| {
            q.0.cmp(&p.0)
                .then_with(|| p.1.to_string().cmp(&q.1.to_string()))
        });
        v.iter()
            .take(examples)
            .filter(|e| !e.1.is_null())
            .map(|e| e.1.clone())
            .collect()
    };
    (
        Some(ValueChange {
            count: diff(&dr, &dc),
            share: None,
            examples: ex(b, a),
        }),
        Some(ValueChange {
            count: diff(&dc, &dr),
            share: None,
            examples: ex(a, b),
        }),
    )
}
