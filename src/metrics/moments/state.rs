//! The numeric column accumulator: counts, moments, the histogram grid, and equal-width counts
//! over a range known before the data; and the figures it finishes into.

use super::cpu::{self, NumericInput, NumericState};
use super::{Counts, Grid, HistSpec, Histogram, Moments};
use crate::error::Result;
use crate::metrics::accumulator::Accumulator;
use serde::{Deserialize, Serialize};

/// Equal-width counts over a range known before the data (Parquet footer statistics, or a
/// range pass): exact, and merged only with counts over the same bins.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FixedHist {
    /// Lower end of the range: the lower edge of the first bin.
    pub lo: f64,
    /// Upper end of the range: the upper edge of the last bin, which holds values equal to it.
    pub hi: f64,
    /// The count of each bin; its length is the number of bins.
    pub counts: Vec<u64>,
}

impl FixedHist {
    /// The binning these counts are over.
    pub fn spec(&self) -> HistSpec {
        HistSpec::exact(self.lo, self.hi, self.counts.len() as u32)
    }
}

/// The state of a numeric column (see [`crate::metrics::accumulator`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NumericAcc {
    /// Row counters: rows, nulls, NaN, infinities and zeros.
    pub counts: Counts,
    /// Count, mean, central moments and extremes of the finite values.
    pub moments: Moments,
    /// Bins of the rendered histogram.
    pub bins: u32,
    /// Counts of the finite values on power-of-two cells, from which the histogram is rendered when
    /// no exact counts cover every value.
    pub grid: Grid,
    /// Exact equal-width counts when the range was known before the data; dropped by a merge
    /// with values counted over other bins (the grid then renders the histogram).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<FixedHist>,
}

impl Default for NumericAcc {
    fn default() -> Self {
        NumericAcc::new(32, super::grid::DEFAULT_CELLS, None)
    }
}

/// Rows `start..end` of a numeric column (`start` a multiple of 64).
pub struct NumericPart<'a> {
    /// The column the rows belong to.
    pub input: &'a NumericInput<'a>,
    /// First row of the part (a multiple of 64).
    pub start: usize,
    /// Row past the last row of the part (exclusive).
    pub end: usize,
}

impl NumericAcc {
    /// An empty state rendering `bins` bins from a grid of `cells` cells, with exact counts over
    /// `spec` when the range is known.
    pub fn new(bins: u32, cells: u32, spec: Option<&HistSpec>) -> NumericAcc {
        NumericAcc {
            counts: Counts::default(),
            moments: Moments::default(),
            bins,
            grid: Grid::new(cells),
            fixed: spec.map(|s| FixedHist {
                lo: s.lo,
                hi: s.hi,
                counts: vec![0; s.bins as usize],
            }),
        }
    }

    /// The spec of the exact counts, if any.
    pub fn spec(&self) -> Option<HistSpec> {
        self.fixed.as_ref().map(FixedHist::spec)
    }

    /// Fold in a kernel state of rows of this column (CPU part or GPU partials) whose histogram
    /// counts are over [`NumericAcc::spec`]. Its values' grid cells are counted apart
    /// ([`NumericAcc::update_grid`]).
    pub fn absorb(&mut self, st: &NumericState) {
        self.counts.merge(&st.counts);
        self.moments.merge(&st.moments);
        if let Some(f) = &mut self.fixed {
            for (a, b) in f.counts.iter_mut().zip(&st.hist) {
                *a += b;
            }
        }
    }

    /// Count the grid cells of the finite values of rows `start..end`, whose finite range is
    /// `[lo, hi]` (nothing when `lo > hi`).
    pub fn update_grid(
        &mut self,
        input: &NumericInput,
        start: usize,
        end: usize,
        lo: f64,
        hi: f64,
    ) {
        if lo > hi {
            return;
        }
        let inv = self.grid.extend(lo, hi);
        let mut buf = Vec::new();
        let mut counter = self.grid.counter(inv);
        cpu::for_each_finite(input, start, end, &mut buf, |x| counter.add(x));
        counter.finish();
    }

    /// The figures, with the histogram rendered from the grid unless exact counts cover every
    /// value.
    pub fn figures(&self) -> NumericProfile {
        let hist = match &self.fixed {
            Some(f) if f.counts.iter().sum::<u64>() == self.moments.n => {
                Some(Histogram::from_counts(&f.spec(), f.counts.clone()))
            }
            _ => self.grid.render(self.bins),
        };
        NumericProfile::from_parts(&self.counts, &self.moments, hist)
    }
}

impl Accumulator for NumericAcc {
    type Input<'a> = NumericPart<'a>;
    type Figures = NumericProfile;

    fn update(&mut self, p: NumericPart<'_>) {
        let spec = self.spec();
        let mut st = NumericState::new(spec.as_ref());
        cpu::update(&mut st, p.input, p.start, p.end, spec.as_ref());
        let (lo, hi) = (st.moments.min, st.moments.max);
        self.absorb(&st);
        self.update_grid(p.input, p.start, p.end, lo, hi);
    }

    fn merge(&mut self, o: &NumericAcc) -> Result<()> {
        // Exact counts survive only while every part with values has them over the same bins.
        if o.moments.n > 0 {
            if self.moments.n == 0 {
                self.fixed = o.fixed.clone();
            } else {
                match (&mut self.fixed, &o.fixed) {
                    (Some(a), Some(b))
                        if a.lo == b.lo && a.hi == b.hi && a.counts.len() == b.counts.len() =>
                    {
                        for (x, y) in a.counts.iter_mut().zip(&b.counts) {
                            *x += y;
                        }
                    }
                    _ => self.fixed = None,
                }
            }
        }
        self.counts.merge(&o.counts);
        self.moments.merge(&o.moments);
        self.bins = self.bins.max(o.bins);
        self.grid.merge(&o.grid);
        Ok(())
    }

    fn finish(&self) -> NumericProfile {
        self.figures()
    }

    fn size_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.grid.size_bytes()
            + self.fixed.as_ref().map_or(0, |f| f.counts.capacity() * 8)
    }
}

/// Figures of a numeric column. Moments, extremes and histogram are over finite non-null values;
/// undefined figures are `None` (JSON `null`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NumericProfile {
    /// Non-null values that are NaN.
    pub nan: u64,
    /// Non-null values that are +inf.
    pub pos_inf: u64,
    /// Non-null values that are -inf.
    pub neg_inf: u64,
    /// Finite values equal to 0 (`-0.0` included).
    pub zeros: u64,
    /// Smallest finite value; `None` when there is none.
    pub min: Option<f64>,
    /// Largest finite value; `None` when there is none.
    pub max: Option<f64>,
    /// Sum of the finite values, `n × mean` from the double-double mean: 0 when there are none,
    /// `None` on overflow.
    pub sum: Option<f64>,
    /// Mean of the finite values; `None` when there are none.
    pub mean: Option<f64>,
    /// Sample variance (denominator n − 1); `None` with fewer than two values or on overflow.
    pub variance: Option<f64>,
    /// Sample standard deviation, the square root of `variance`; `None` when `variance` is.
    pub std: Option<f64>,
    /// Bias-corrected skewness (pandas `Series.skew`); `None` with fewer than three values or
    /// on overflow.
    pub skewness: Option<f64>,
    /// Bias-corrected excess kurtosis (pandas `Series.kurt`); `None` with fewer than four values
    /// or on overflow.
    pub kurtosis: Option<f64>,
    /// Equal-width histogram of the finite values; `None` when there are none.
    pub histogram: Option<Histogram>,
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// The finished statistics of a moments state (pandas definitions).
pub struct Finished {
    /// Mean (exactly the value for a constant column); `None` when `n == 0` or it is not finite.
    pub mean: Option<f64>,
    /// `n × mean` from the double-double mean; 0 when `n == 0`, and not finite on overflow.
    pub sum: f64,
    /// Sample variance `m2 / (n - 1)`; `None` when `n < 2` or it is not finite.
    pub variance: Option<f64>,
    /// Bias-corrected skewness; `None` when `n < 3`, when `m2` or `m3` overflowed, or when it is
    /// not finite.
    pub skewness: Option<f64>,
    /// Bias-corrected excess kurtosis; `None` when `n < 4`, when `m2` or `m4` overflowed, or when
    /// it is not finite.
    pub kurtosis: Option<f64>,
}

/// Finish a moments state: sample variance, bias-corrected skewness and excess kurtosis.
pub fn finish(m: &Moments) -> Finished {
    let n = m.n as f64;
    let constant = m.n > 0 && m.min == m.max;
    // A constant column has zero spread by definition; its rounded block means must not leak in.
    let (m2, m3, m4) = if constant {
        (0.0, 0.0, 0.0)
    } else {
        (m.m2, m.m3, m.m4)
    };
    let mean = if constant { Some(m.min) } else { m.mean() };
    let sum = if m.n == 0 {
        0.0
    } else if constant {
        m.min * n
    } else {
        m.mean_hi * n + m.mean_lo * n
    };
    let variance = (m.n >= 2).then(|| m2 / (n - 1.0)).and_then(finite);
    // A power sum that overflowed f64 leaves the shape figures undefined on every path: the
    // ratio of an infinite m2 to a finite m3 would pass for 0 where the paths' roundings differ.
    let skewness = (m.n >= 3 && m2.is_finite() && m3.is_finite())
        .then(|| {
            if m2 == 0.0 {
                0.0
            } else {
                n * (n - 1.0).sqrt() / (n - 2.0) * (m3 / m2.powf(1.5))
            }
        })
        .and_then(finite);
    let kurtosis = (m.n >= 4 && m2.is_finite() && m4.is_finite())
        .then(|| {
            if m2 == 0.0 {
                0.0
            } else {
                let num = n * (n + 1.0) * (n - 1.0) * m4;
                let den = (n - 2.0) * (n - 3.0) * m2 * m2;
                num / den - 3.0 * (n - 1.0) * (n - 1.0) / ((n - 2.0) * (n - 3.0))
            }
        })
        .and_then(finite);
    Finished {
        mean: mean.and_then(finite),
        sum,
        variance,
        skewness,
        kurtosis,
    }
}

impl NumericProfile {
    /// The figures of counts and moments; `hist` is the finished histogram.
    pub fn from_parts(c: &Counts, m: &Moments, hist: Option<Histogram>) -> NumericProfile {
        let f = finish(m);
        NumericProfile {
            nan: c.nan,
            pos_inf: c.pos_inf,
            neg_inf: c.neg_inf,
            zeros: c.zeros,
            min: (m.n > 0).then_some(m.min),
            max: (m.n > 0).then_some(m.max),
            sum: finite(f.sum),
            mean: f.mean,
            variance: f.variance,
            std: f.variance.map(f64::sqrt),
            skewness: f.skewness,
            kurtosis: f.kurtosis,
            histogram: hist.filter(|h| !h.counts.is_empty()),
        }
    }
}
