//! Equal-width histograms over a known range, and how histograms of different ranges merge.
//!
//! Binning: `bin(x) = floor(clamp((x/2 - lo/2) * scale, 0, bins - 1))` with
//! `scale = bins / (hi/2 - lo/2)`, computed in f64 on both paths, so the CPU and GPU (f64) put
//! every value in the same bin. Halving is exact, so this is `(x - lo) * bins / (hi - lo)` rounded
//! the same way, except that it cannot overflow when the range is wider than `f64::MAX` (a
//! `-f64::MAX` sentinel beside ordinary values). The last bin is closed (`x == hi` falls in it), as
//! in numpy. A constant column (`lo == hi`) is binned over `[lo - 0.5, lo + 0.5]`, numpy's
//! convention, widened to one unit in the last place of `lo` where 0.5 is less than that.
//! Subnormal values (below 2.2e-308) may lose their last bit to the halving.
//!
//! Merging histograms of the same range adds counts and is exact. Histograms of different ranges
//! (profiles of different parts of a dataset) are re-binned: the result spans the merged data's
//! `[min, max]` (as a profile of the whole would) with the larger bin count, and each source bin's count moves whole to the target bin
//! containing the source bin's midpoint. Counts stay integers and the total is preserved; each
//! value is displaced by at most half the width of its source bin, so the merged cumulative count
//! at any target edge is off by at most the counts of the source bins that straddle that edge. A
//! re-binned histogram says so (`rebinned: true`).

use serde::{Deserialize, Serialize};

/// The bins a histogram is computed over.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HistSpec {
    pub lo: f64,
    pub hi: f64,
    pub bins: u32,
    /// `bins / (hi/2 - lo/2)`, or 0 when that is not finite.
    pub scale: f64,
    /// `lo / 2`.
    pub half_lo: f64,
}

impl HistSpec {
    /// Bins over the finite range `[min, max]`.
    pub fn new(min: f64, max: f64, bins: u32) -> HistSpec {
        assert!(bins >= 1, "a histogram needs at least one bin");
        let (lo, hi) = if min == max {
            let pad = 0.5f64.max(min.abs().next_up() - min.abs());
            (min - pad, max + pad)
        } else {
            (min, max)
        };
        Self::exact(lo, hi, bins)
    }

    /// Bins over exactly `[lo, hi]` (`lo < hi`).
    pub fn exact(lo: f64, hi: f64, bins: u32) -> HistSpec {
        let scale = bins as f64 / (hi * 0.5 - lo * 0.5);
        let scale = if scale.is_finite() { scale } else { 0.0 };
        HistSpec {
            lo,
            hi,
            bins,
            scale,
            half_lo: lo * 0.5,
        }
    }

    /// The middle of the range (without overflow).
    pub fn centre(&self) -> f64 {
        self.lo * 0.5 + self.hi * 0.5
    }

    /// The bin of a finite value (the same formula as `shaders/moments.wgsl`).
    #[inline(always)]
    pub fn bin(&self, x: f64) -> usize {
        ((x * 0.5 - self.half_lo) * self.scale)
            .max(0.0)
            .min((self.bins - 1) as f64) as usize
    }

    /// The `bins + 1` edges; the last is exactly `hi`.
    pub fn edges(&self) -> Vec<f64> {
        let n = self.bins as f64;
        let w = (self.hi - self.lo) / n;
        let mut e: Vec<f64> = if w.is_finite() {
            (0..self.bins).map(|i| self.lo + w * i as f64).collect()
        } else {
            // A range wider than f64::MAX: convex combinations stay finite.
            (0..self.bins)
                .map(|i| {
                    let t = i as f64 / n;
                    self.lo * (1.0 - t) + self.hi * t
                })
                .collect()
        };
        e.push(self.hi);
        e
    }
}

/// Counts per equal-width bin over `[lo, hi]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    pub edges: Vec<f64>,
    pub counts: Vec<u64>,
    /// True when counts were moved between bins by merging histograms of different ranges
    /// (profiles of format version 1 only).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rebinned: bool,
    /// True when every count is the exact count of its bin (the range was known before the
    /// data); false when rendered from the one-pass grid, within the error its module states.
    #[serde(default = "yes")]
    pub exact: bool,
    /// Width of the grid cells the counts were rendered from: no value moved further than half
    /// of it (absent when exact).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cell_width: Option<f64>,
}

fn yes() -> bool {
    true
}

impl Histogram {
    pub fn from_counts(spec: &HistSpec, counts: Vec<u64>) -> Histogram {
        debug_assert_eq!(counts.len(), spec.bins as usize);
        Histogram {
            edges: spec.edges(),
            counts,
            rebinned: false,
            exact: true,
            cell_width: None,
        }
    }

    pub fn lo(&self) -> f64 {
        self.edges[0]
    }

    pub fn hi(&self) -> f64 {
        *self.edges.last().unwrap()
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Merge two histograms: exact when they share their edges, re-binned over the union of
    /// their ranges otherwise (module docs).
    pub fn merge(&self, o: &Histogram) -> Histogram {
        let lo = self.lo().min(o.lo());
        let hi = self.hi().max(o.hi());
        self.merge_over(o, lo, hi)
    }

    /// As [`Histogram::merge`], re-binning (when the edges differ) over the merged data's
    /// `[min, max]`: the bins a profile of the whole would have, so a constant part's ±0.5
    /// padding does not widen the result. Every source bin's midpoint lies in that range.
    pub fn merge_over(&self, o: &Histogram, min: f64, max: f64) -> Histogram {
        if self.counts.is_empty() || self.total() == 0 && o.total() > 0 {
            return o.clone();
        }
        if o.counts.is_empty() || o.total() == 0 {
            return self.clone();
        }
        if self.edges == o.edges {
            return Histogram {
                edges: self.edges.clone(),
                counts: self
                    .counts
                    .iter()
                    .zip(&o.counts)
                    .map(|(a, b)| a + b)
                    .collect(),
                rebinned: self.rebinned || o.rebinned,
                exact: self.exact && o.exact,
                cell_width: None,
            };
        }
        let bins = self.counts.len().max(o.counts.len()) as u32;
        let spec = HistSpec::new(min, max, bins);
        let mut counts = vec![0u64; bins as usize];
        for h in [self, o] {
            for (i, &c) in h.counts.iter().enumerate() {
                if c > 0 {
                    let mid = h.edges[i] + (h.edges[i + 1] - h.edges[i]) / 2.0;
                    counts[spec.bin(mid)] += c;
                }
            }
        }
        Histogram {
            edges: spec.edges(),
            counts,
            rebinned: true,
            exact: false,
            cell_width: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binning_matches_numpy_convention() {
        let s = HistSpec::new(0.0, 10.0, 10);
        assert_eq!(s.bin(0.0), 0);
        assert_eq!(s.bin(0.999), 0);
        assert_eq!(s.bin(1.0), 1);
        assert_eq!(s.bin(9.5), 9);
        assert_eq!(s.bin(10.0), 9, "last bin is closed");
        assert_eq!(s.edges(), (0..=10).map(|i| i as f64).collect::<Vec<_>>());
        let c = HistSpec::new(3.0, 3.0, 4);
        assert_eq!((c.lo, c.hi), (2.5, 3.5));
        assert_eq!(c.bin(3.0), 2);
        // A constant too large for ±0.5 to register is widened by one ulp instead.
        let t = 1.7e18;
        let c = HistSpec::new(t, t, 4);
        assert!(c.lo < t && t < c.hi);
        assert_eq!(c.bin(t), 2);
    }

    #[test]
    fn ranges_wider_than_f64_max_bin_without_overflow() {
        let s = HistSpec::new(-f64::MAX, f64::MAX, 4);
        assert!(s.scale > 0.0);
        assert_eq!(s.bin(-f64::MAX), 0);
        assert_eq!(s.bin(-1e307), 1);
        assert_eq!(s.bin(1e307), 2);
        assert_eq!(s.bin(0.9e308), 3);
        assert_eq!(s.bin(f64::MAX), 3);
        assert!(s.edges().iter().all(|e| e.is_finite()));
        assert_eq!(s.centre(), 0.0);
    }

    #[test]
    fn halved_formula_equals_the_direct_one() {
        let s = HistSpec::new(-3.7, 12.25, 32);
        let direct = |x: f64| ((x - s.lo) * (32.0 / (s.hi - s.lo))).clamp(0.0, 31.0) as usize;
        for i in 0..10_000 {
            let x = -3.7 + 15.95 * i as f64 / 9_999.0;
            assert_eq!(s.bin(x), direct(x), "{x}");
        }
    }

    #[test]
    fn rebinning_preserves_total_and_bounds_displacement() {
        let a = Histogram::from_counts(&HistSpec::new(0.0, 1.0, 4), vec![1, 2, 3, 4]);
        let b = Histogram::from_counts(&HistSpec::new(0.5, 2.0, 4), vec![5, 0, 0, 7]);
        let m = a.merge(&b);
        assert!(m.rebinned);
        assert_eq!(m.total(), 22);
        assert_eq!((m.lo(), m.hi()), (0.0, 2.0));
        // a's bins have midpoints .125 .375 .625 .875 -> target bins of width .5: 0 0 1 1;
        // b's: .6875 -> 1, 1.8125 -> 3.
        assert_eq!(m.counts, vec![3, 12, 0, 7]);
        let same = a.merge(&a);
        assert!(!same.rebinned);
        assert_eq!(same.counts, vec![2, 4, 6, 8]);
    }
}
