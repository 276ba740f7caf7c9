//! Equal-width histograms over a known range: their binning, and the figure a profile reports.
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
//! Histograms are merged through their states, not their figures: exact counts over the same
//! bins add ([`super::FixedHist`]), and everything else merges on the grid
//! ([`super::grid`]) and is rendered again. `rebinned` survives only in profiles of format 1,
//! whose merges re-binned histograms of different ranges.

use serde::{Deserialize, Serialize};

/// The bins a histogram is computed over.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HistSpec {
    /// Lower end of the range: the first bin's left edge.
    pub lo: f64,
    /// Upper end of the range: the last bin's right edge, included in it.
    pub hi: f64,
    /// Number of bins (at least 1).
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
    /// The `counts.len() + 1` bin edges, ascending; the last bin includes its right edge.
    pub edges: Vec<f64>,
    /// Values per bin.
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
    /// The histogram of exact `counts` over the bins of `spec` (one count per bin).
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

    /// The first edge: the lower end of the range.
    pub fn lo(&self) -> f64 {
        self.edges[0]
    }

    /// The last edge: the upper end of the range.
    pub fn hi(&self) -> f64 {
        *self.edges.last().unwrap()
    }

    /// The sum of the counts: values in the histogram.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
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
}
