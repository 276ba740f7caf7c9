//! One column's drift: its values (numeric distances, or category divergences), its nulls, and
//! the values that appeared or vanished.

use super::cdf::{Bin, Cdfs, Side};
use super::cells::{self, Cell};
use super::values::{
    category_drift, numeric_value_changes, value_changes, CategoryDrift, ValueChange,
};
use super::{DriftOptions, Status};
use crate::analysis::stats::{self, fmt, Bounded};
use crate::metrics::sketch::Distinct;
use crate::profile::{ColumnKind, ColumnProfile};
use serde::Serialize;

/// Drift of one column.
#[derive(Clone, Debug, Serialize)]
pub struct ColumnDrift {
    /// The column's name (its path, for a nested column).
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
    /// Distances between the values, for a column numeric on both sides.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub numeric: Option<NumericDrift>,
    /// Divergence of the value frequencies, for a string or binary column.
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
    /// The figure on the reference side; `None` where undefined.
    pub reference: Option<f64>,
    /// The figure on the current side; `None` where undefined.
    pub current: Option<f64>,
    /// `current − reference`; `None` when either is.
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
    /// Wasserstein-1 over the reference's standard deviation (the normalisation Evidently
    /// uses; a heavy tail inflates the divisor), absent when it is 0.
    pub wasserstein_over_std: Option<Bounded>,
    /// Population stability index over `bins`.
    pub psi: Bounded,
    /// Jensen–Shannon distance (base 2) over `bins`.
    pub jensen_shannon: Bounded,
    /// Hellinger distance over `bins`.
    pub hellinger: Bounded,
    /// The mean of the finite values.
    pub mean: Change,
    /// The standard deviation of the finite values.
    pub std: Change,
    /// Shifts of the 5th, 50th and 95th percentiles (`current − reference`, bounds from both
    /// sketches' quantile bounds).
    pub quantile_shift: Vec<QuantileShift>,
    /// The reference's quantile bins (edges snapped to points where both counts are exact),
    /// with each side's counts.
    pub bins: Vec<Bin>,
}

/// The shift of one quantile between the sides.
#[derive(Clone, Debug, Serialize)]
pub struct QuantileShift {
    /// The quantile's probability (0.05, 0.5 or 0.95).
    pub q: f64,
    /// The quantile on the reference side.
    pub reference: Bounded,
    /// The quantile on the current side.
    pub current: Bounded,
    /// `current − reference`, bounded by both sides' bounds.
    pub shift: Bounded,
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
                "one side keeps no value counts for this column (profiled without sketches); the values are not compared".into(),
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
    let (na, nb) = (a.n as f64, b.n as f64);
    let cells: Vec<Cell> = bins
        .iter()
        .map(|x| Cell {
            p: x.r as f64 / na,
            p_lo: x.r_box[0] as f64 / na,
            p_hi: x.r_box[1] as f64 / na,
            q: x.c as f64 / nb,
            q_lo: x.c_box[0] as f64 / nb,
            q_hi: x.c_box[1] as f64 / nb,
        })
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
        wasserstein_over_std: nr
            .and_then(|n| n.std)
            .filter(|&s| s > 0.0)
            .map(|s| wasserstein.map(|x| x / s)),
        psi: cells::psi(&cells),
        jensen_shannon: cells::jensen_shannon(&cells),
        hellinger: cells::hellinger(&cells),
        mean: Change::of(nr.and_then(|n| n.mean), nc.and_then(|n| n.mean)),
        std: Change::of(nr.and_then(|n| n.std), nc.and_then(|n| n.std)),
        quantile_shift,
        bins,
    })
}
