//! Divergences between two distributions over the same cells (bins of values, or categories),
//! where each side's share of a cell is known to lie in an interval.
//!
//! Every divergence here is a sum over cells of a term `f(p, q)` that is jointly convex, zero
//! where `p = q`, falls as `p` rises towards `q` and rises as `q` moves away from `p`. So over a
//! box of shares `[p_lo, p_hi] × [q_lo, q_hi]` its least value is 0 where the intervals overlap
//! and otherwise at the corner nearest the diagonal, and its largest at one of the four corners.
//! Summing the per-cell bounds gives an interval that holds the exact divergence (it ignores
//! that shares sum to one, so it is safe rather than tight).

use crate::analysis::stats::Bounded;

/// One cell: each side's share as a point estimate and an interval.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cell {
    pub p: f64,
    pub p_lo: f64,
    pub p_hi: f64,
    pub q: f64,
    pub q_lo: f64,
    pub q_hi: f64,
}

impl Cell {
    /// A cell whose counts on both sides are exact.
    #[cfg(test)]
    pub fn exact(r: u64, nr: u64, c: u64, nc: u64) -> Cell {
        let p = r as f64 / nr.max(1) as f64;
        let q = c as f64 / nc.max(1) as f64;
        Cell {
            p,
            p_lo: p,
            p_hi: p,
            q,
            q_lo: q,
            q_hi: q,
        }
    }
}

/// Shares below this count as this in the population stability index (whose terms are infinite
/// at a zero share).
pub const PSI_FLOOR: f64 = 1e-4;

fn psi_term(p: f64, q: f64) -> f64 {
    let (p, q) = (p.max(PSI_FLOOR), q.max(PSI_FLOOR));
    (q - p) * (q / p).ln()
}

fn xlog(x: f64, y: f64) -> f64 {
    if x <= 0.0 {
        0.0
    } else {
        x * (x / y).log2()
    }
}

/// Half the Jensen–Shannon divergence's cell term, in bits.
fn js_term(p: f64, q: f64) -> f64 {
    let m = (p + q) / 2.0;
    if m <= 0.0 {
        return 0.0;
    }
    (0.5 * (xlog(p, m) + xlog(q, m))).max(0.0)
}

fn hellinger_term(p: f64, q: f64) -> f64 {
    let d = p.max(0.0).sqrt() - q.max(0.0).sqrt();
    0.5 * d * d
}

/// Bounds of `Σ f` over the cells' boxes, and its value at the point estimates.
fn sum(cells: &[Cell], f: impl Fn(f64, f64) -> f64) -> Bounded {
    let (mut v, mut lo, mut hi) = (0.0, 0.0, 0.0);
    for c in cells {
        v += f(c.p, c.q);
        lo += if c.p_hi < c.q_lo {
            f(c.p_hi, c.q_lo)
        } else if c.q_hi < c.p_lo {
            f(c.p_lo, c.q_hi)
        } else {
            0.0
        };
        hi += [
            f(c.p_lo, c.q_lo),
            f(c.p_lo, c.q_hi),
            f(c.p_hi, c.q_lo),
            f(c.p_hi, c.q_hi),
        ]
        .into_iter()
        .fold(0.0, f64::max);
    }
    Bounded::new(v, lo, hi)
}

/// Population stability index `Σ (q − p) ln(q/p)`, shares floored at [`PSI_FLOOR`].
pub fn psi(cells: &[Cell]) -> Bounded {
    sum(cells, psi_term)
}

/// Jensen–Shannon distance (the square root of the divergence in bits: 0 to 1).
pub fn jensen_shannon(cells: &[Cell]) -> Bounded {
    sum(cells, js_term).map(|x| x.clamp(0.0, 1.0).sqrt())
}

/// Hellinger distance `sqrt(½ Σ (√p − √q)²)`: 0 to 1.
pub fn hellinger(cells: &[Cell]) -> Bounded {
    sum(cells, hellinger_term).map(|x| x.clamp(0.0, 1.0).sqrt())
}

/// Pearson's chi-square statistic of the two samples' counts over the cells (point counts) and
/// its degrees of freedom: the test of homogeneity of a 2 × k table.
pub fn chi_square(cells: &[Cell], nr: f64, nc: f64) -> (f64, f64) {
    let n = nr + nc;
    let mut x = 0.0;
    let mut k = 0;
    for c in cells {
        let (a, b) = (c.p * nr, c.q * nc);
        let t = a + b;
        if t <= 0.0 {
            continue;
        }
        k += 1;
        let (ea, eb) = (t * nr / n, t * nc / n);
        x += (a - ea).powi(2) / ea + (b - eb).powi(2) / eb;
    }
    (x, (k.max(1) - 1) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn divergences_match_known_values() {
        // scipy.spatial.distance.jensenshannon([.5,.5],[.9,.1], base=2) = 0.3831358798599423
        let cells = [Cell::exact(5, 10, 9, 10), Cell::exact(5, 10, 1, 10)];
        assert!((jensen_shannon(&cells).value - 0.383_135_879_859_942_3).abs() < 1e-12);
        let h = ((0.5f64.sqrt() - 0.9f64.sqrt()).powi(2) + (0.5f64.sqrt() - 0.1f64.sqrt()).powi(2))
            / 2.0;
        assert!((hellinger(&cells).value - h.sqrt()).abs() < 1e-15);
        let p = (0.9 - 0.5) * (0.9f64 / 0.5).ln() + (0.1 - 0.5) * (0.1f64 / 0.5).ln();
        assert!((psi(&cells).value - p).abs() < 1e-15);
        // Disjoint supports: distance 1.
        let d = [Cell::exact(1, 1, 0, 1), Cell::exact(0, 1, 1, 1)];
        assert!((jensen_shannon(&d).value - 1.0).abs() < 1e-15);
        assert!((hellinger(&d).value - 1.0).abs() < 1e-15);
    }

    #[test]
    fn box_bounds_hold_every_point_inside() {
        let mut rng = crate::util::rng::Rng::new(3);
        let mut rnd = || rng.uniform();
        for _ in 0..200 {
            let cells: Vec<Cell> = (0..5)
                .map(|_| {
                    let (a, b, c, d) = (rnd() * 0.3, rnd() * 0.1, rnd() * 0.3, rnd() * 0.1);
                    Cell {
                        p: a,
                        p_lo: a,
                        p_hi: a + b,
                        q: c,
                        q_lo: c,
                        q_hi: c + d,
                    }
                })
                .collect();
            let (j, h, p) = (jensen_shannon(&cells), hellinger(&cells), psi(&cells));
            // The bounds are attained: each cell's term is separate, so the point that takes
            // every cell's worst corner gives the upper bound, and its nearest point the lower.
            for (f, b) in [(js_term as fn(f64, f64) -> f64, j), (hellinger_term, h)] {
                let corners = |c: &Cell| {
                    [
                        (c.p_lo, c.q_lo),
                        (c.p_lo, c.q_hi),
                        (c.p_hi, c.q_lo),
                        (c.p_hi, c.q_hi),
                    ]
                };
                let worst: f64 = cells
                    .iter()
                    .map(|c| corners(c).iter().map(|&(p, q)| f(p, q)).fold(0.0, f64::max))
                    .sum();
                let best: f64 = cells
                    .iter()
                    .map(|c| {
                        let (p, q) = if c.p_hi < c.q_lo {
                            (c.p_hi, c.q_lo)
                        } else if c.q_hi < c.p_lo {
                            (c.p_lo, c.q_hi)
                        } else {
                            let x = c.p_lo.max(c.q_lo);
                            (x, x)
                        };
                        f(p, q)
                    })
                    .sum();
                assert!((worst.sqrt() - b.upper).abs() < 1e-12, "{worst} {b:?}");
                assert!((best.sqrt() - b.lower).abs() < 1e-12, "{best} {b:?}");
            }
            for _ in 0..50 {
                let pt: Vec<Cell> = cells
                    .iter()
                    .map(|c| {
                        let p = c.p_lo + rnd() * (c.p_hi - c.p_lo);
                        let q = c.q_lo + rnd() * (c.q_hi - c.q_lo);
                        Cell {
                            p,
                            p_lo: p,
                            p_hi: p,
                            q,
                            q_lo: q,
                            q_hi: q,
                        }
                    })
                    .collect();
                let (jv, hv, pv) = (
                    jensen_shannon(&pt).value,
                    hellinger(&pt).value,
                    psi(&pt).value,
                );
                assert!(j.lower - 1e-12 <= jv && jv <= j.upper + 1e-12);
                assert!(h.lower - 1e-12 <= hv && hv <= h.upper + 1e-12);
                assert!(p.lower - 1e-12 <= pv && pv <= p.upper + 1e-12);
            }
        }
    }
}
