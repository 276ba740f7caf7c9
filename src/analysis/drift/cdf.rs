//! Two numeric columns' distribution functions, known exactly at many points, and the distances
//! between them with guaranteed bounds.
//!
//! A profile keeps, per numeric column, counts that are exact on three partitions of the line:
//! the DDSketch buckets (log-spaced, within 1% relative), the power-of-two grid cells of the
//! histogram state (equal width, at least 4096 over the range) and, while a column has at most
//! 4096 distinct values, every value with its count. At a boundary `t` of any of them, the count
//! of values below `t` (or at most `t`) is exact for both profiles, since both use the same
//! bucket function and grids coarsen to a common width. Between two consecutive boundaries, each
//! distribution function is only known to lie between its values at the two ends. So:
//!
//! - Kolmogorov–Smirnov `D = sup |F_r − F_c|` lies between the largest difference at a boundary
//!   (or the least gap a segment forces) and the largest gap a segment allows;
//! - Wasserstein-1 `W = ∫ |F_r − F_c| dx` lies between the sums over segments of the segment's
//!   length times its least and largest gaps; its point value interpolates both functions
//!   linearly within each segment;
//! - quantile bins: the reference's quantiles snapped to the nearest boundary, so both sides'
//!   counts per bin are exact.

use crate::analysis::stats::Bounded;
use crate::metrics::moments::Grid;
use crate::metrics::sketch::ddsketch::{key, DdSketch, Store};
use serde::Serialize;

/// What a profile knows about a numeric column's finite values.
pub(crate) struct Side<'a> {
    /// Finite values.
    pub n: u64,
    pub min: f64,
    pub max: f64,
    pub sketch: Option<&'a DdSketch>,
    pub grid: Option<&'a Grid>,
    /// Every distinct finite value and its count, ascending (while the profile counted exactly).
    pub exact: Option<Vec<(f64, u64)>>,
}

/// A point where both sides' counts are known: of the values `< x`, or `<= x` when `le`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Knot {
    pub x: f64,
    pub le: bool,
    pub r: u64,
    pub c: u64,
}

/// Both sides' cumulative counts at the shared knots, in order.
pub(crate) struct Cdfs {
    pub knots: Vec<Knot>,
    pub nr: u64,
    pub nc: u64,
    /// Extremes: `[min_r, max_r, min_c, max_c]`.
    ext: [f64; 4],
}

/// The smallest positive f64 whose DDSketch bucket (of `c` slices) is at least `k`, or +inf.
pub(crate) fn bucket_start(c: u32, k: i32) -> f64 {
    let e = k.div_euclid(c as i32);
    let j = k.rem_euclid(c as i32) as u128;
    if e > 1023 {
        return f64::INFINITY;
    }
    if e < -1074 {
        return f64::from_bits(1);
    }
    let m = ((j << 52).div_ceil(c as u128)) as u64;
    let mut bits = if e >= -1022 {
        (((e + 1023) as u64) << 52) | m
    } else {
        let shift = (-1022 - e) as u32;
        ((1u64 << 52) | m).div_ceil(1u64 << shift)
    };
    // The arithmetic above is exact; this only guards it.
    while bits < 0x7ff0_0000_0000_0000 && key(c, bits) < k {
        bits += 1;
    }
    while bits > 1 && key(c, bits - 1) >= k {
        bits -= 1;
    }
    f64::from_bits(bits)
}

/// Prefix sums: `p[i]` = the sum of the first `i` counts (of a store's buckets, a grid's
/// cells, or exact values).
fn prefix(counts: impl IntoIterator<Item = u64>) -> Vec<u64> {
    let mut p = vec![0u64];
    let mut t = 0;
    for c in counts {
        t += c;
        p.push(t);
    }
    p
}

/// Counts of a store's buckets with key below `k`.
fn below(s: &Store, p: &[u64], k: i64) -> u64 {
    let i = (k - s.offset as i64).clamp(0, s.counts.len() as i64) as usize;
    p[i]
}

fn sketch_knots(r: &DdSketch, c: &DdSketch, out: &mut Vec<Knot>) {
    let sl = r.slices;
    let pre = |s: &Store| prefix(s.counts.iter().copied());
    let (rp, rn, cp, cn) = (pre(&r.pos), pre(&r.neg), pre(&c.pos), pre(&c.neg));
    let keys = |a: &Store, b: &Store| {
        let mut k: Vec<i64> = a
            .iter()
            .chain(b.iter())
            .flat_map(|(k, _)| [k as i64, k as i64 + 1])
            .collect();
        k.sort_unstable();
        k.dedup();
        k
    };
    let (rneg, cneg) = (r.neg.total(), c.neg.total());
    for k in keys(&r.pos, &c.pos) {
        out.push(Knot {
            x: bucket_start(sl, k as i32),
            le: false,
            r: rneg + r.zeros + below(&r.pos, &rp, k),
            c: cneg + c.zeros + below(&c.pos, &cp, k),
        });
    }
    // A negative value x sits in the bucket of |x|: values <= -start(k) have key >= k.
    for k in keys(&r.neg, &c.neg) {
        out.push(Knot {
            x: -bucket_start(sl, k as i32),
            le: true,
            r: rneg - below(&r.neg, &rn, k),
            c: cneg - below(&c.neg, &cn, k),
        });
    }
    out.push(Knot {
        x: 0.0,
        le: false,
        r: rneg,
        c: cneg,
    });
    out.push(Knot {
        x: 0.0,
        le: true,
        r: rneg + r.zeros,
        c: cneg + c.zeros,
    });
}

/// Counts of a grid's values below cell `i` of width `2^e` (`e` at least the grid's own).
fn grid_below(g: &Grid, p: &[u64], i: i64, e: i32) -> u64 {
    let shift = (e - g.exp) as u32;
    let j: i128 = if shift >= 64 {
        match i.signum() {
            1 => i128::MAX,
            -1 => i128::MIN,
            _ => 0,
        }
    } else {
        (i as i128) << shift
    };
    let idx = (j - g.offset as i128).clamp(0, g.counts.len() as i128) as usize;
    p[idx]
}

fn grid_knots(r: &Grid, c: &Grid, out: &mut Vec<Knot>) {
    let e = r.exp.max(c.exp);
    if !(-1022..=1023).contains(&e) {
        return;
    }
    let width = f64::from_bits(((e + 1023) as u64) << 52);
    let pre = |g: &Grid| prefix(g.counts.iter().copied());
    let (rp, cp) = (pre(r), pre(c));
    let mut cells: Vec<i64> = Vec::new();
    for g in [r, c] {
        if g.counts.is_empty() {
            continue;
        }
        let s = (e - g.exp) as u32;
        let shr = |v: i64| if s >= 63 { v.signum().min(0) } else { v >> s };
        let lo = shr(g.offset);
        let hi = shr(g.offset + g.counts.len() as i64 - 1);
        cells.extend(lo..=hi.saturating_add(1));
    }
    cells.sort_unstable();
    cells.dedup();
    for i in cells {
        out.push(Knot {
            x: i as f64 * width,
            le: false,
            r: grid_below(r, &rp, i, e),
            c: grid_below(c, &cp, i, e),
        });
    }
}

fn exact_knots(r: &[(f64, u64)], c: &[(f64, u64)], out: &mut Vec<Knot>) {
    let pre = |v: &[(f64, u64)]| prefix(v.iter().map(|x| x.1));
    let (rp, cp) = (pre(r), pre(c));
    // Count of values < x (or <= x) in a sorted list.
    let count = |v: &[(f64, u64)], p: &[u64], x: f64, le: bool| {
        p[v.partition_point(|y| if le { y.0 <= x } else { y.0 < x })]
    };
    for &(x, _) in r.iter().chain(c) {
        for le in [false, true] {
            out.push(Knot {
                x,
                le,
                r: count(r, &rp, x, le),
                c: count(c, &cp, x, le),
            });
        }
    }
}

impl Cdfs {
    /// The knots both sides share; `None` when either side has no finite values.
    pub fn new(r: &Side, c: &Side) -> Option<Cdfs> {
        if r.n == 0 || c.n == 0 {
            return None;
        }
        let ext = [r.min, r.max, c.min, c.max];
        let build = |with_grid: bool| {
            let mut k = Vec::new();
            if let (Some(a), Some(b)) = (r.sketch, c.sketch) {
                if a.slices == b.slices && a.count() == r.n && b.count() == c.n {
                    sketch_knots(a, b, &mut k);
                }
            }
            if with_grid {
                if let (Some(a), Some(b)) = (r.grid, c.grid) {
                    if a.total() == r.n && b.total() == c.n {
                        grid_knots(a, b, &mut k);
                    }
                }
            }
            if let (Some(a), Some(b)) = (&r.exact, &c.exact) {
                exact_knots(a, b, &mut k);
            }
            for x in &mut k {
                if x.x == 0.0 {
                    x.x = 0.0; // one zero, not two
                }
            }
            k.sort_by(|a, b| a.x.total_cmp(&b.x).then(a.le.cmp(&b.le)));
            k.dedup_by(|a, b| a.x == b.x && a.le == b.le);
            k
        };
        let monotone = |k: &[Knot]| {
            k.windows(2).all(|w| w[0].r <= w[1].r && w[0].c <= w[1].c)
                && k.iter().all(|x| x.r <= r.n && x.c <= c.n)
        };
        let mut knots = build(true);
        if !monotone(&knots) {
            // The grid and the sketch disagree (a damaged or foreign state): keep the sketch.
            knots = build(false);
            if !monotone(&knots) {
                knots.clear();
            }
        }
        Some(Cdfs {
            knots,
            nr: r.n,
            nc: c.n,
            ext,
        })
    }

    /// Each segment between consecutive knots (split at the sides' extremes), clipped to the
    /// range of the values.
    fn segments(&self, mut f: impl FnMut(Segment)) {
        let [min_r, max_r, min_c, max_c] = self.ext;
        let (gmin, gmax) = (min_r.min(min_c), max_r.max(max_c));
        let mut pts: Vec<Knot> = Vec::with_capacity(self.knots.len() + 2);
        pts.push(Knot {
            x: f64::NEG_INFINITY,
            le: true,
            r: 0,
            c: 0,
        });
        pts.extend_from_slice(&self.knots);
        pts.push(Knot {
            x: f64::INFINITY,
            le: false,
            r: self.nr,
            c: self.nc,
        });
        let mut cuts = [min_r, max_r, min_c, max_c];
        cuts.sort_by(f64::total_cmp);
        for w in pts.windows(2) {
            let (a, b) = (w[0], w[1]);
            let (lo, hi) = (a.x.max(gmin), b.x.min(gmax));
            if lo.partial_cmp(&hi) != Some(std::cmp::Ordering::Less) {
                continue;
            }
            let mut edges = vec![lo];
            edges.extend(cuts.iter().copied().filter(|&x| x > lo && x < hi));
            edges.push(hi);
            for s in edges.windows(2) {
                let (s0, s1) = (s[0], s[1]);
                if s0.partial_cmp(&s1) != Some(std::cmp::Ordering::Less) {
                    continue;
                }
                let side = |lo_n: u64, hi_n: u64, min: f64, max: f64, n: u64| {
                    let (l, h) = if s1 <= min {
                        (0, 0)
                    } else if s0 >= max {
                        (n, n)
                    } else {
                        (lo_n, hi_n)
                    };
                    // Linear within the knot segment (clamped to what the extremes force).
                    let at = |x: f64| {
                        let (lf, hf) = (l as f64, h as f64);
                        if l == h || !a.x.is_finite() || !b.x.is_finite() {
                            lf + (hf - lf) * 0.5
                        } else {
                            let t = ((x - a.x) / (b.x - a.x)).clamp(0.0, 1.0);
                            (lo_n as f64 + (hi_n as f64 - lo_n as f64) * t).clamp(lf, hf)
                        }
                    };
                    ([l, h], [at(s0) / n as f64, at(s1) / n as f64])
                };
                let (rb, ri) = side(a.r, b.r, min_r, max_r, self.nr);
                let (cb, ci) = side(a.c, b.c, min_c, max_c, self.nc);
                f(Segment {
                    from: s0,
                    to: s1,
                    r: rb,
                    c: cb,
                    r_lin: ri,
                    c_lin: ci,
                });
            }
        }
    }

    /// The Kolmogorov–Smirnov distance and Wasserstein-1 distance, each with its bounds.
    pub fn distances(&self) -> (Bounded, Bounded) {
        let (nr, nc) = (self.nr as f64, self.nc as f64);
        // `a/nr − b/nc` from integers, rounded once.
        let (nri, nci) = (self.nr as i128, self.nc as i128);
        let denom = nr * nc;
        let diff = |a: u64, b: u64| (a as i128 * nci - b as i128 * nri) as f64 / denom;
        let mut d_lo = self
            .knots
            .iter()
            .map(|k| diff(k.r, k.c).abs())
            .fold(0.0f64, f64::max);
        let mut d_hi = d_lo;
        let (mut w, mut w_lo, mut w_hi) = (0.0, 0.0, 0.0);
        self.segments(|s| {
            let low = (-diff(s.r[1], s.c[0])).max(diff(s.r[0], s.c[1])).max(0.0);
            let high = diff(s.r[1], s.c[0]).max(-diff(s.r[0], s.c[1]));
            d_lo = d_lo.max(low);
            d_hi = d_hi.max(high);
            let len = s.to - s.from;
            w_lo += len * low;
            w_hi += len * high;
            let (d0, d1) = (s.r_lin[0] - s.c_lin[0], s.r_lin[1] - s.c_lin[1]);
            w += len
                * if d0 * d1 >= 0.0 {
                    (d0.abs() + d1.abs()) / 2.0
                } else {
                    (d0 * d0 + d1 * d1) / (2.0 * (d0.abs() + d1.abs()))
                };
        });
        // The sums over segments round: widen the bounds by far more than their rounding error,
        // so an exact value (W = 1.5) is inside, not a few units in the last place outside.
        let (w_lo, w_hi) = (w_lo * (1.0 - 1e-12), w_hi * (1.0 + 1e-12));
        (
            Bounded::new(d_lo, d_lo, d_hi.min(1.0)),
            Bounded::new(w.clamp(w_lo, w_hi.max(w_lo)), w_lo, w_hi),
        )
    }

    /// Bins from the reference's `bins`-quantiles, each edge the knot nearest the quantile's
    /// rank. Empty bins (on both sides) are left out. Each bin's counts are exact for its reported edges; each also
    /// carries the range its counts can take for any edge among the order statistics that the
    /// usual quantile conventions choose, so statistics over the exact quantiles, by any of them,
    /// lie within the bounds computed from them.
    pub fn quantile_bins(&self, bins: usize) -> Vec<Bin> {
        let k = &self.knots;
        let all = |r: u64, c: u64| Bin {
            upper: None,
            r,
            c,
            r_box: [r, r],
            c_box: [c, c],
        };
        if k.is_empty() {
            return vec![all(self.nr, self.nc)];
        }
        let last = k.len() - 1;
        // (knot of the edge, first and last knot its exact position may be at).
        let mut edges: Vec<(usize, usize, usize)> = (1..bins)
            .map(|i| {
                let target = self.nr as f64 * i as f64 / bins as f64;
                let j = k.partition_point(|x| (x.r as f64) < target);
                let cand = [j.saturating_sub(1), j.min(last)];
                let at = *cand
                    .iter()
                    .min_by(|&&a, &&b| {
                        let da = (k[a].r as f64 - target).abs();
                        let db = (k[b].r as f64 - target).abs();
                        da.total_cmp(&db).then(a.cmp(&b))
                    })
                    .unwrap();
                // The exact quantile, by any of the usual conventions (numpy's methods,
                // inverted_cdf), is one of the order statistics around rank q·(n − 1) + 1:
                // between the last knot with fewer values below than the lowest such rank and
                // the first with at least the highest.
                let h = self.nr.saturating_sub(1) as f64 * i as f64 / bins as f64;
                let rank_lo = (h.floor() as u64).max(1);
                let rank_hi = (h.ceil() as u64 + 2).min(self.nr);
                let lo = k.partition_point(|x| x.r < rank_lo).saturating_sub(1);
                let hi = k.partition_point(|x| x.r < rank_hi).min(last);
                (at, lo, hi)
            })
            .collect();
        // Edges at the reference's extremes stay: where a decile falls on a value that holds
        // the rest of the reference (a point mass at its maximum), the values of the current
        // side beyond it make a bin of their own, as they do with the exact deciles.
        edges.sort_unstable();
        let mut out = Vec::new();
        // The previous edge's counts, and the least and most they can be.
        let (mut pr, mut pc) = (0u64, 0u64);
        let (mut pr_lo, mut pr_hi, mut pc_lo, mut pc_hi) = (0u64, 0u64, 0u64, 0u64);
        for &(at, lo, hi) in &edges {
            let x = k[at];
            let (lo, hi) = (lo.min(at), hi.max(at));
            if x.r == pr && x.c == pc {
                // The same cut as the previous edge (a point mass): its range widens that one's.
                pr_lo = pr_lo.min(k[lo].r);
                pr_hi = pr_hi.max(k[hi].r);
                pc_lo = pc_lo.min(k[lo].c);
                pc_hi = pc_hi.max(k[hi].c);
                continue;
            }
            let (r_lo, r_hi, c_lo, c_hi) = (k[lo].r, k[hi].r, k[lo].c, k[hi].c);
            out.push(Bin {
                upper: Some((x.x, x.le)),
                r: x.r - pr,
                c: x.c - pc,
                r_box: [r_lo.saturating_sub(pr_hi), r_hi - pr_lo.min(r_hi)],
                c_box: [c_lo.saturating_sub(pc_hi), c_hi - pc_lo.min(c_hi)],
            });
            (pr, pc) = (x.r, x.c);
            (pr_lo, pr_hi, pc_lo, pc_hi) = (r_lo, r_hi, c_lo, c_hi);
        }
        out.push(Bin {
            upper: None,
            r: self.nr - pr,
            c: self.nc - pc,
            r_box: [self.nr - pr_hi, self.nr - pr_lo],
            c_box: [self.nc - pc_hi, self.nc - pc_lo],
        });
        out.retain(|b| b.r > 0 || b.c > 0 || b.r_box[1] > 0 || b.c_box[1] > 0);
        out
    }
}

/// A segment between knots: its ends, each side's count bounds on it, and each side's linearly
/// interpolated distribution function (normalised) at its ends.
struct Segment {
    from: f64,
    to: f64,
    r: [u64; 2],
    c: [u64; 2],
    r_lin: [f64; 2],
    c_lin: [f64; 2],
}

/// A bin of values: those below its upper edge (`(x, false)`: `< x`; `(x, true)`: `<= x`; `None`:
/// the rest) and above the previous bin's.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Bin {
    /// The upper edge: `(x, inclusive)`; `None` for the last bin (no upper edge).
    #[serde(serialize_with = "edge")]
    pub upper: Option<(f64, bool)>,
    /// Finite values of the reference in the bin.
    #[serde(rename = "reference")]
    pub r: u64,
    /// Finite values of the current side in the bin.
    #[serde(rename = "current")]
    pub c: u64,
    /// The least and most each side's count can be with the edges anywhere near the exact
    /// quantiles (see `Cdfs::quantile_bins`).
    #[serde(skip)]
    pub r_box: [u64; 2],
    /// The current side's `[least, most]`; `r_box` is the reference's.
    #[serde(skip)]
    pub c_box: [u64; 2],
}

fn edge<S: serde::Serializer>(e: &Option<(f64, bool)>, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeStruct;
    match e {
        None => s.serialize_none(),
        Some((x, le)) => {
            let mut st = s.serialize_struct("Edge", 2)?;
            st.serialize_field("value", x)?;
            st.serialize_field("inclusive", le)?;
            st.end()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_starts_are_the_first_values_of_their_buckets() {
        for c in [1u32, 7, 50, 4095] {
            for k in [
                -1074 * c as i32,
                -1060 * c as i32 + 3,
                -5,
                0,
                1,
                49,
                50,
                51,
                1000 * c as i32,
            ] {
                let x = bucket_start(c, k);
                assert!(key(c, x.to_bits()) >= k, "c={c} k={k}");
                assert!(
                    key(c, x.to_bits() - 1) < k || x.to_bits() == 1,
                    "c={c} k={k}"
                );
            }
        }
    }

    fn side(v: &[f64], slices: u32) -> (DdSketch, Grid) {
        let mut s = DdSketch::new(slices);
        s.add_finite(v);
        let mut g = Grid::new(64);
        let (lo, hi) = (s.min, s.max);
        let inv = g.extend(lo, hi);
        g.add(v, inv);
        (s, g)
    }

    /// Exact KS and W1 of two samples.
    fn exact(a: &[f64], b: &[f64]) -> (f64, f64) {
        let mut xs: Vec<f64> = a.iter().chain(b).copied().collect();
        xs.sort_by(f64::total_cmp);
        xs.dedup();
        let cdf = |v: &[f64], x: f64| v.iter().filter(|&&y| y <= x).count() as f64 / v.len() as f64;
        let mut d = 0.0f64;
        let mut w = 0.0;
        for i in 0..xs.len() {
            let g = (cdf(a, xs[i]) - cdf(b, xs[i])).abs();
            d = d.max(g);
            if i + 1 < xs.len() {
                w += g * (xs[i + 1] - xs[i]);
            }
        }
        (d, w)
    }

    #[test]
    fn bounds_hold_the_exact_distances() {
        let mut rng = crate::util::rng::Rng::new(7);
        let mut rnd = || rng.uniform();
        for case in 0..40 {
            let n = 50 + case * 13;
            let a: Vec<f64> = (0..n)
                .map(|_| (rnd() - 0.3) * 10f64.powf(rnd() * 3.0))
                .collect();
            let b: Vec<f64> = (0..n + 7)
                .map(|_| (rnd() - 0.5 + case as f64 * 0.01) * 10f64.powf(rnd() * 3.0))
                .collect();
            let (sa, ga) = side(&a, 3 + case as u32);
            let (sb, gb) = side(&b, 3 + case as u32);
            let (ra, rb) = (mk(&sa, &ga, a.len()), mk(&sb, &gb, b.len()));
            let cd = Cdfs::new(&ra, &rb).unwrap();
            let (ks, w1) = cd.distances();
            let (d, w) = exact(&a, &b);
            assert!(
                ks.lower <= d + 1e-12 && d <= ks.upper + 1e-12,
                "{case}: {d} {ks:?}"
            );
            assert!(
                w1.lower <= w * (1.0 + 1e-9) + 1e-12 && w <= w1.upper * (1.0 + 1e-9) + 1e-12,
                "{case}: {w} {w1:?}"
            );
            // Bins: counts exact against the values.
            for bin_set in [cd.quantile_bins(10), cd.quantile_bins(3)] {
                let mut lo: Option<(f64, bool)> = None;
                let inside = |x: f64, lo: Option<(f64, bool)>, hi: Option<(f64, bool)>| {
                    let above = match lo {
                        None => true,
                        Some((e, le)) => {
                            if le {
                                x > e
                            } else {
                                x >= e
                            }
                        }
                    };
                    let below = match hi {
                        None => true,
                        Some((e, le)) => {
                            if le {
                                x <= e
                            } else {
                                x < e
                            }
                        }
                    };
                    above && below
                };
                for bin in &bin_set {
                    assert_eq!(
                        bin.r,
                        a.iter().filter(|&&x| inside(x, lo, bin.upper)).count() as u64
                    );
                    assert_eq!(
                        bin.c,
                        b.iter().filter(|&&x| inside(x, lo, bin.upper)).count() as u64
                    );
                    lo = bin.upper;
                }
            }
        }
    }

    fn mk<'a>(s: &'a DdSketch, g: &'a Grid, n: usize) -> Side<'a> {
        Side {
            n: n as u64,
            min: s.min,
            max: s.max,
            sketch: Some(s),
            grid: Some(g),
            exact: None,
        }
    }
}
