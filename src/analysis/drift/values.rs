//! The values of a column as categories: divergences of their shares over cells (with
//! bounds from exact counts or Misra–Gries summaries), and the values new on one side.

use super::cells::{self, Cell};
use super::DriftOptions;
use crate::analysis::stats::{self, Bounded};
use crate::metrics::sketch::hll::Hll;
use crate::metrics::sketch::{ColSketch, Distinct, KeyMap};
use serde::Serialize;

/// Divergences between the value shares of a column over cells: every value of a side that
/// counted exactly, the most frequent values of a summarised side (up to [`CELLS`], counted
/// above its summary's error), and "other".
#[derive(Clone, Debug, Serialize)]
pub struct CategoryDrift {
    /// Non-null values: `[reference, current]`.
    pub values: [u64; 2],
    /// Cells compared (values, plus "other" when a side is summarised).
    pub cells: usize,
    /// Jensen–Shannon distance (base 2, 0 to 1) over the cells.
    pub jensen_shannon: Bounded,
    /// Population stability index over the cells.
    pub psi: Bounded,
    /// Hellinger distance (0 to 1) over the cells.
    pub hellinger: Bounded,
    /// The values whose share moved most.
    pub largest_changes: Vec<ShareChange>,
    /// Pearson's chi-square p-value of the 2 × cells table (point counts).
    #[serde(skip)]
    pub(crate) chi_square_p: f64,
}

/// How the share of one value (or of "other") changed.
#[derive(Clone, Debug, Serialize)]
pub struct ShareChange {
    /// The value (`null` for "other": every value neither side lists).
    pub value: serde_json::Value,
    /// Its share of the reference's non-null values (point estimate).
    pub reference: f64,
    /// Its share of the current side's non-null values (point estimate).
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
pub(super) fn numeric_value_changes(
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

pub(super) fn category_drift(
    a: &ColSketch,
    b: &ColSketch,
    o: &DriftOptions,
) -> Option<CategoryDrift> {
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
pub(super) fn value_changes(
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
