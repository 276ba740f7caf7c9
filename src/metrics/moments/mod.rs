//! Counts, extremes and central moments of a numeric column, and its equal-width histogram.
//!
//! The state is a monoid (DESIGN.md §1). Central moments are merged with the pairwise update
//! formulas of Chan, Golub & LeVeque (1979) extended to the third and fourth moment by Pébay
//! (Sandia report SAND2008-6212), as Schubert & Gertz (SSDBM 2018) recommend for numerical
//! stability. Leaf states come from blocks of at most [`BLOCK`] values, each computed with an exact
//! two-pass scheme (block mean, then powers of the deviations, with the first-order correction of
//! the rounded mean applied). The mean is carried as an unevaluated sum `mean_hi + mean_lo`
//! (double-double) so that data far from zero, such as `1e9 + N(0, 1)`, keeps the deviations it
//! merges exact to f64 rounding; without it skewness of such a column loses five digits.
//!
//! Definitions follow pandas (DESIGN.md §4): `variance` and `std` are the sample (n − 1) figures,
//! `skewness` and `kurtosis` the bias-corrected `Series.skew()` / `Series.kurt()` (excess), all over
//! the finite, non-null values. NaN, +inf and -inf are counted apart.

#[doc(hidden)]
pub mod cpu;
#[doc(hidden)]
#[cfg(feature = "gpu")]
pub mod gpu;
#[doc(hidden)]
pub mod grid;
mod histogram;
mod input;
pub mod state;

pub use grid::Grid;
pub use histogram::{HistSpec, Histogram};
pub use state::{finish, Finished, FixedHist, NumericAcc, NumericPart, NumericProfile};

use serde::{Deserialize, Serialize};

/// Values per leaf block of the CPU path (and per thread tile group on the GPU).
pub const BLOCK: usize = 1024;

/// The prelude `shaders/moments.wgsl` expects: element and arithmetic types, and `classify`,
/// which tells NaN and infinities apart by their bits (exponent all ones; mantissa zero or not;
/// sign), since WGSL lets compilers assume floats are finite.
pub fn shader_prelude(elem64: bool, compute64: bool) -> String {
    let classify = if elem64 {
        "fn classify(i: u32) -> u32 {\n    let lo = data_bits[2u * i];\n    let hi = data_bits[2u * i + 1u];\n    if ((hi & 0x7ff00000u) != 0x7ff00000u) { return 0u; }\n    if (((hi & 0x000fffffu) | lo) != 0u) { return 1u; }\n    if ((hi >> 31u) == 0u) { return 2u; }\n    return 3u;\n}"
    } else {
        "fn classify(i: u32) -> u32 {\n    let b = data_bits[i];\n    if ((b & 0x7f800000u) != 0x7f800000u) { return 0u; }\n    if ((b & 0x007fffffu) != 0u) { return 1u; }\n    if ((b >> 31u) == 0u) { return 2u; }\n    return 3u;\n}"
    };
    format!(
        "alias E = {};\nalias F = {};\n{classify}\n",
        if elem64 { "f64" } else { "f32" },
        if compute64 { "f64" } else { "f32" }
    )
}

/// Row counters of a numeric column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// All rows, null or not.
    pub rows: u64,
    /// Null rows.
    pub nulls: u64,
    /// Non-null values that are NaN.
    pub nan: u64,
    /// Non-null values that are +inf.
    pub pos_inf: u64,
    /// Non-null values that are -inf.
    pub neg_inf: u64,
    /// Values equal to zero (either sign).
    pub zeros: u64,
}

impl Counts {
    /// Add the counters of `o` to these.
    pub fn merge(&mut self, o: &Counts) {
        self.rows += o.rows;
        self.nulls += o.nulls;
        self.nan += o.nan;
        self.pos_inf += o.pos_inf;
        self.neg_inf += o.neg_inf;
        self.zeros += o.zeros;
    }
}

/// Central moments of the finite values: the mergeable core of mean, variance, skewness, kurtosis.
/// In JSON, sums that overflowed and the extremes of an empty state are `null`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(from = "MomentsJson", into = "MomentsJson")]
pub struct Moments {
    /// Number of finite, non-null values.
    pub n: u64,
    /// The mean is `mean_hi + mean_lo`, `|mean_lo| <= ulp(mean_hi) / 2`.
    pub mean_hi: f64,
    /// The low-order part of the mean (see `mean_hi`).
    pub mean_lo: f64,
    /// Sums of the 2nd, 3rd and 4th powers of deviations from the mean.
    pub m2: f64,
    /// Sum of the 3rd powers of deviations from the mean.
    pub m3: f64,
    /// Sum of the 4th powers of deviations from the mean.
    pub m4: f64,
    /// Extremes of the finite values; `+inf` / `-inf` while `n == 0`.
    pub min: f64,
    /// Largest finite value; `-inf` while `n == 0`.
    pub max: f64,
}

impl Default for Moments {
    fn default() -> Self {
        Moments {
            n: 0,
            mean_hi: 0.0,
            mean_lo: 0.0,
            m2: 0.0,
            m3: 0.0,
            m4: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }
}

/// The JSON form of [`Moments`].
#[derive(Clone, Copy, Serialize, Deserialize)]
struct MomentsJson {
    n: u64,
    #[serde(with = "crate::util::nullable")]
    mean_hi: f64,
    #[serde(with = "crate::util::nullable")]
    mean_lo: f64,
    #[serde(with = "crate::util::nullable")]
    m2: f64,
    #[serde(with = "crate::util::nullable")]
    m3: f64,
    #[serde(with = "crate::util::nullable")]
    m4: f64,
    #[serde(default = "nan", with = "crate::util::nullable")]
    min: f64,
    #[serde(default = "nan", with = "crate::util::nullable")]
    max: f64,
}

fn nan() -> f64 {
    f64::NAN
}

impl From<Moments> for MomentsJson {
    fn from(m: Moments) -> Self {
        MomentsJson {
            n: m.n,
            mean_hi: m.mean_hi,
            mean_lo: m.mean_lo,
            m2: m.m2,
            m3: m.m3,
            m4: m.m4,
            min: m.min,
            max: m.max,
        }
    }
}

impl From<MomentsJson> for Moments {
    fn from(j: MomentsJson) -> Self {
        let empty = j.n == 0;
        Moments {
            n: j.n,
            mean_hi: j.mean_hi,
            mean_lo: j.mean_lo,
            m2: j.m2,
            m3: j.m3,
            m4: j.m4,
            min: if empty { f64::INFINITY } else { j.min },
            max: if empty { f64::NEG_INFINITY } else { j.max },
        }
    }
}

/// `a + b` as an unevaluated pair, exact when `|a| >= |b|` (Dekker's fast two-sum).
#[inline]
pub fn fast_two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    (s, b - (s - a))
}

/// `a + b` as an unevaluated pair, exact for any order (Knuth's two-sum).
#[inline]
pub fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

/// `(hi, lo) + t` as an unevaluated pair (a double-double sum plus an f64).
#[inline]
pub fn add_dd(hi: f64, lo: f64, t: f64) -> (f64, f64) {
    let (s, e) = two_sum(hi, t);
    fast_two_sum(s, e + lo)
}

/// Magnitude above which deviations are scaled before their powers are summed: the fourth power
/// of 1e60 is 1e240, well inside f64 even summed over a block.
pub const HUGE: f64 = 1e60;

/// The power of two by which values of magnitude up to `maxabs` are divided before their
/// deviations are raised to powers: 1 for ordinary data (so nothing changes), else about
/// `2 * maxabs`, so deviations stay below 1 and their fourth powers finite. Dividing by a power
/// of two is exact, so the moments lose nothing to it.
pub fn pow2_scale(maxabs: f64) -> f64 {
    if maxabs > HUGE && maxabs.is_finite() {
        2f64.powi((maxabs.log2().ceil() as i32 + 1).min(1023))
    } else {
        1.0
    }
}

/// `max(x, 0)` that keeps NaN: a sum of powers that overflowed must not pass for zero spread.
#[inline]
pub(crate) fn nonneg(x: f64) -> f64 {
    if x < 0.0 {
        0.0
    } else {
        x
    }
}

impl Moments {
    /// The state of one block, from its pass-one figures and pass-two power sums of the deviations
    /// `d = (x - shift) / scale` (`s1 = Σd`, `s2 = Σd²`, …). The shift is the rounded block mean;
    /// `s1` corrects for its rounding, so the result is exact to f64 rounding. `scale` is a power
    /// of two ([`pow2_scale`]); sums whose true value exceeds f64 come out infinite or NaN, and the
    /// figures built on them undefined, while the mean stays exact.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    pub fn from_block(
        n: u64,
        shift: f64,
        s1: f64,
        s2: f64,
        s3: f64,
        s4: f64,
        min: f64,
        max: f64,
        scale: f64,
    ) -> Moments {
        if n == 0 {
            return Moments::default();
        }
        let nf = n as f64;
        let c = s1 / nf;
        let m2 = nonneg(s2 - s1 * c);
        let m3 = s3 - 3.0 * c * s2 + 2.0 * c * c * s1;
        let m4 = nonneg(s4 - 4.0 * c * s3 + 6.0 * c * c * s2 - 3.0 * c * c * c * s1);
        let (m2, m3, m4) = if scale == 1.0 {
            (m2, m3, m4)
        } else {
            let s2 = scale * scale;
            (m2 * s2, m3 * s2 * scale, m4 * s2 * s2)
        };
        let (mean_hi, mean_lo) = fast_two_sum(shift, c * scale);
        Moments {
            n,
            mean_hi,
            mean_lo,
            m2,
            m3,
            m4,
            // `+ 0.0` turns -0.0 into +0.0: which zero a min of zeros keeps depends on the order
            // of comparisons, so both paths report +0.0.
            min: min + 0.0,
            max: max + 0.0,
        }
    }

    /// The mean as one f64 (`None` without values).
    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then_some(self.mean_hi + self.mean_lo)
    }

    /// Merge `o` into `self` (Pébay's pairwise formulas). Associative up to f64 rounding.
    pub fn merge(&mut self, o: &Moments) {
        if o.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = *o;
            return;
        }
        let (na, nb) = (self.n as f64, o.n as f64);
        let n = na + nb;
        // Exact difference of the high parts when close (Sterbenz), low parts added after.
        let delta = (o.mean_hi - self.mean_hi) + (o.mean_lo - self.mean_lo);
        let d_n = delta / n;
        let d_n2 = d_n * d_n;
        let t1 = delta * d_n * na * nb;
        let m2 = self.m2 + o.m2 + t1;
        let m3 = self.m3 + o.m3 + t1 * d_n * (na - nb) + 3.0 * d_n * (na * o.m2 - nb * self.m2);
        let m4 = self.m4
            + o.m4
            + t1 * d_n2 * (na * na - na * nb + nb * nb)
            + 6.0 * d_n2 * (na * na * o.m2 + nb * nb * self.m2)
            + 4.0 * d_n * (na * o.m3 - nb * self.m3);
        // mean = hi_a + lo_a + t with t = δ·nb/n: two-sum keeps the rounding of hi_a + t.
        let (mean_hi, mean_lo) = add_dd(self.mean_hi, self.mean_lo, d_n * nb);
        self.n += o.n;
        self.mean_hi = mean_hi;
        self.mean_lo = mean_lo;
        self.m2 = nonneg(m2);
        self.m3 = m3;
        self.m4 = nonneg(m4);
        self.min = self.min.min(o.min);
        self.max = self.max.max(o.max);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shader is validated with naga, so a broken kernel fails without a GPU.
    #[test]
    fn shader_validates_for_both_precisions() {
        let src = include_str!("../../../shaders/moments.wgsl");
        for prelude in [
            shader_prelude(true, true),
            shader_prelude(false, true),
            shader_prelude(false, false),
        ] {
            let module = naga::front::wgsl::parse_str(&format!("{prelude}\n{src}"))
                .unwrap_or_else(|e| panic!("{prelude}: {}", e.emit_to_string(src)));
            naga::valid::Validator::new(
                naga::valid::ValidationFlags::all(),
                naga::valid::Capabilities::all(),
            )
            .validate(&module)
            .unwrap_or_else(|e| panic!("{prelude}: {e:?}"));
        }
    }

    #[test]
    fn merge_of_blocks_equals_block_of_all() {
        let xs: Vec<f64> = (0..100).map(|i| 1e9 + (i as f64).sin()).collect();
        let block = |v: &[f64]| {
            let n = v.len() as u64;
            let shift = v.iter().sum::<f64>() / n as f64;
            let d: Vec<f64> = v.iter().map(|x| x - shift).collect();
            let p = |k: i32| d.iter().map(|x| x.powi(k)).sum::<f64>();
            let (mn, mx) = v
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                    (a.min(x), b.max(x))
                });
            Moments::from_block(n, shift, p(1), p(2), p(3), p(4), mn, mx, 1.0)
        };
        let whole = block(&xs);
        let mut parts = block(&xs[..37]);
        parts.merge(&block(&xs[37..]));
        assert_eq!(parts.n, whole.n);
        assert!((parts.m2 - whole.m2).abs() <= 1e-12 * whole.m2);
        assert!((parts.m4 - whole.m4).abs() <= 1e-12 * whole.m4);
        assert!(((parts.mean_hi - whole.mean_hi) + (parts.mean_lo - whole.mean_lo)).abs() < 1e-12);
        let mut id = Moments::default();
        id.merge(&whole);
        assert_eq!(id, whole, "the empty state is the identity");
    }
}
