//! DDSketch (Masson, Rim & Lee, VLDB 2019): a quantile sketch with a relative-error guarantee,
//! mergeable, whose update is a histogram over log-spaced buckets.
//!
//! **Mapping.** A finite non-zero `|x| = 2^e · (1 + f)`, `f ∈ [0, 1)`, goes to bucket
//! `key = e·c + ⌊f·c⌋`: `c` equal slices of every octave's mantissa (the piecewise-linear
//! approximation of `log₂` that DDSketch calls the linearly interpolated mapping). It is computed
//! from the f64 bits with integer arithmetic only (`⌊m·c / 2^52⌋` of the 52-bit mantissa `m`),
//! so the WGSL kernel, which has no f64 logarithm, computes the same key bit for bit.
//! Subnormals are normalised first (their leading one becomes the implicit bit), so every
//! positive f64 has a bucket: `e` runs from −1074 to 1023.
//!
//! **Guarantee.** Bucket `key` holds `[lo, hi)` with `hi/lo ≤ 1 + 1/c`; its representative
//! `2·lo·hi/(lo + hi)` is within `(hi − lo)/(hi + lo) ≤ 1/(2c + 1)` of every value in it,
//! relative. `c = ⌈(1 − α)/(2α)⌉` for a requested relative accuracy `α`, so the guarantee
//! `1/(2c + 1)` is at most `α` (0.00990 for α = 0.01, c = 50). Negative values are kept in a
//! second store by `|x|`; zeros (either sign) are counted apart and are exact.

use serde::{Deserialize, Serialize};

/// Largest slices per octave (keeps `m·c` and the GPU's 32-bit partial products exact).
pub const MAX_SLICES: u32 = 4095;
const MANT: u64 = (1 << 52) - 1;

/// Slices per octave for a relative accuracy `alpha` in (0, 1).
pub fn slices_for(alpha: f64) -> u32 {
    (((1.0 - alpha) / (2.0 * alpha)).ceil() as u32).clamp(1, MAX_SLICES)
}

/// The bucket of a positive finite f64 (its bits), for `c` slices per octave.
#[inline]
pub fn key(c: u32, bits: u64) -> i32 {
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let m = bits & MANT;
    let (e, m) = if exp == 0 {
        // Subnormal: value m · 2^-1074; its highest set bit p becomes the implicit one.
        let p = 63 - m.leading_zeros() as i32;
        (p - 1074, (m << (52 - p)) & MANT)
    } else {
        (exp - 1023, m)
    };
    e * c as i32 + ((m * c as u64) >> 52) as i32
}

/// `2^e` for `e` in −1074..=1023, exactly.
fn pow2(e: i32) -> f64 {
    if e >= -1022 {
        f64::from_bits(((e + 1023) as u64) << 52)
    } else {
        f64::from_bits(1u64 << (e + 1074))
    }
}

/// An interval `[lo, hi]` that holds every positive value of bucket `key` (the exact bucket is
/// `[2^e·(1 + j/c), 2^e·(1 + (j+1)/c))`, `key = e·c + j`).
pub fn bounds(c: u32, key: i32) -> (f64, f64) {
    let e = key.div_euclid(c as i32);
    let j = key.rem_euclid(c as i32) as f64;
    let base = pow2(e);
    let lo = base * (1.0 + j / c as f64);
    let hi = if j as u32 + 1 == c {
        if e == 1023 {
            f64::MAX
        } else {
            pow2(e + 1)
        }
    } else {
        base * (1.0 + (j + 1.0) / c as f64)
    };
    // One step outward: the products above round, and every value of the bucket must lie in
    // the closed interval (subnormal bounds round to the grid of 2^-1074).
    (lo.next_down().max(0.0), hi.next_up().min(f64::MAX))
}

/// The value that stands for a bucket `[lo, hi]`: their harmonic mean `2·lo·hi/(lo + hi)`,
/// within `(hi − lo)/(hi + lo)` of every value of the bucket (relative), computed without
/// overflow or underflow.
pub fn representative(lo: f64, hi: f64) -> f64 {
    if lo == 0.0 {
        return hi / 2.0;
    }
    lo * (2.0 / (1.0 + lo / hi))
}

/// Counts of a run of consecutive buckets.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Store {
    /// Key of `counts[0]`.
    pub offset: i32,
    /// Count of each bucket, from key `offset` on.
    pub counts: Vec<u64>,
}

impl Store {
    /// A store from dense counts whose first is key `first` (empty ends trimmed, as a store
    /// filled value by value would be).
    pub fn from_dense(first: i32, counts: &[u32]) -> Store {
        let Some(lo) = counts.iter().position(|&c| c > 0) else {
            return Store::default();
        };
        let hi = counts.iter().rposition(|&c| c > 0).unwrap();
        Store {
            offset: first + lo as i32,
            counts: counts[lo..=hi].iter().map(|&c| c as u64).collect(),
        }
    }

    /// Add `n` to the count of bucket `key`, growing the store to reach it.
    #[inline]
    pub fn add(&mut self, key: i32, n: u64) {
        if self.counts.is_empty() {
            self.offset = key;
            self.counts.push(n);
            return;
        }
        if key < self.offset {
            let grow = (self.offset - key) as usize;
            self.counts.splice(0..0, std::iter::repeat_n(0, grow));
            self.offset = key;
        } else if key as i64 >= self.offset as i64 + self.counts.len() as i64 {
            self.counts.resize((key - self.offset) as usize + 1, 0);
        }
        self.counts[(key - self.offset) as usize] += n;
    }

    /// Add the counts of `o`, bucket by bucket.
    pub fn merge(&mut self, o: &Store) {
        if o.counts.is_empty() {
            return;
        }
        // Extend to cover both ranges once, then add.
        self.add(o.offset, 0);
        self.add(o.offset + o.counts.len() as i32 - 1, 0);
        let at = (o.offset - self.offset) as usize;
        for (a, b) in self.counts[at..].iter_mut().zip(&o.counts) {
            *a += b;
        }
    }

    /// Values counted in all buckets.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// `(key, count)` of the non-empty buckets, ascending.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (i32, u64)> + '_ {
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, &n)| n > 0)
            .map(move |(i, &n)| (self.offset + i as i32, n))
    }
}

/// A bucket of a sketch, ordered as the values it holds are (negative keys descending).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bucket {
    /// A bucket of negative values, keyed by their magnitude.
    Neg(std::cmp::Reverse<i32>),
    /// The zeros (either sign).
    Zero,
    /// A bucket of positive values.
    Pos(i32),
}

/// A quantile estimate: the value and the interval that holds the exact quantile.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// The estimate: the representative of the rank's bucket, clamped to `[min, max]`.
    pub value: f64,
    /// Lower end of the interval that holds the exact quantile.
    pub lo: f64,
    /// Upper end of the interval that holds the exact quantile.
    pub hi: f64,
    /// 1-based rank of the quantile among the values (numpy's `inverted_cdf`).
    pub rank: u64,
}

/// The mergeable sketch of the finite values of a column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DdSketch {
    /// Slices per octave (`c`).
    pub slices: u32,
    /// Values equal to zero (either sign).
    pub zeros: u64,
    /// Buckets of the positive values.
    pub pos: Store,
    /// Buckets of the negative values, by their magnitude.
    pub neg: Store,
    /// Smallest and largest value added (±inf while empty).
    #[serde(with = "pos_inf")]
    pub min: f64,
    /// Largest value added (`-inf` while empty).
    #[serde(with = "neg_inf")]
    pub max: f64,
}

impl DdSketch {
    /// Bytes the sketch holds.
    pub fn size_bytes(&self) -> usize {
        std::mem::size_of::<Self>() + (self.pos.counts.capacity() + self.neg.counts.capacity()) * 8
    }

    /// An empty sketch with `slices` slices per octave.
    pub fn new(slices: u32) -> DdSketch {
        DdSketch {
            slices,
            zeros: 0,
            pos: Store::default(),
            neg: Store::default(),
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }

    /// The guaranteed relative error of a quantile estimate, `1/(2c + 1)`.
    pub fn relative_error(&self) -> f64 {
        1.0 / (2.0 * self.slices as f64 + 1.0)
    }

    /// Values added: zeros and both stores.
    pub fn count(&self) -> u64 {
        self.zeros + self.pos.total() + self.neg.total()
    }

    /// Add one value (non-finite values are the caller's to leave out).
    #[inline]
    pub fn add(&mut self, x: f64) {
        debug_assert!(x.is_finite());
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        if x == 0.0 {
            self.zeros += 1;
        } else if x > 0.0 {
            self.pos.add(key(self.slices, x.to_bits()), 1);
        } else {
            self.neg.add(key(self.slices, (-x).to_bits()), 1);
        }
    }

    /// Add the finite values of `xs`.
    pub fn add_finite(&mut self, xs: &[f64]) {
        for &x in xs {
            if x.is_finite() {
                self.add(x);
            }
        }
    }

    /// Merge a sketch with the same slices (checked by the caller: [`DdSketch::compatible`]).
    pub fn merge(&mut self, o: &DdSketch) {
        debug_assert_eq!(self.slices, o.slices);
        self.zeros += o.zeros;
        self.pos.merge(&o.pos);
        self.neg.merge(&o.neg);
        self.min = self.min.min(o.min);
        self.max = self.max.max(o.max);
    }

    /// `Ok` when `o` has the same slices per octave, so the two merge; else an error for people.
    pub fn compatible(&self, o: &DdSketch) -> Result<(), String> {
        if self.slices != o.slices {
            return Err(format!(
                "quantile sketches of different accuracy ({:.5} and {:.5}); profile both with the same `quantile_accuracy`",
                self.relative_error(),
                o.relative_error()
            ));
        }
        Ok(())
    }

    /// The `q`-quantile (numpy's `inverted_cdf`: the value of 1-based rank `⌈q·n⌉`, computed as
    /// numpy computes it), or `None` when empty. The exact quantile lies in `[lo, hi]`, and
    /// within [`Self::relative_error`] of `value`.
    pub fn quantile(&self, q: f64) -> Option<Estimate> {
        let n = self.count();
        if n == 0 {
            return None;
        }
        let rank = inverted_cdf_rank(n, q);
        let clamp = |v: f64| v.clamp(self.min, self.max);
        let mut seen = 0u64;
        for (k, c) in self.neg.iter().rev() {
            seen += c;
            if seen >= rank {
                let (lo, hi) = bounds(self.slices, k);
                let rep = representative(lo, hi);
                return Some(Estimate {
                    value: clamp(-rep),
                    lo: clamp(-hi),
                    hi: clamp(-lo),
                    rank,
                });
            }
        }
        seen += self.zeros;
        if seen >= rank {
            return Some(Estimate {
                value: 0.0,
                lo: 0.0,
                hi: 0.0,
                rank,
            });
        }
        for (k, c) in self.pos.iter() {
            seen += c;
            if seen >= rank {
                let (lo, hi) = bounds(self.slices, k);
                let rep = representative(lo, hi);
                return Some(Estimate {
                    value: clamp(rep),
                    lo: clamp(lo),
                    hi: clamp(hi),
                    rank,
                });
            }
        }
        unreachable!("rank {rank} within {n} values")
    }

    /// The bucket that holds the value of 1-based `rank`, and how many values lie below it.
    pub fn bucket_of_rank(&self, rank: u64) -> Option<(Bucket, u64)> {
        let mut seen = 0u64;
        for (k, c) in self.neg.iter().rev() {
            if seen + c >= rank {
                return Some((Bucket::Neg(std::cmp::Reverse(k)), seen));
            }
            seen += c;
        }
        if seen + self.zeros >= rank && self.zeros > 0 {
            return Some((Bucket::Zero, seen));
        }
        seen += self.zeros;
        for (k, c) in self.pos.iter() {
            if seen + c >= rank {
                return Some((Bucket::Pos(k), seen));
            }
            seen += c;
        }
        None
    }
}

/// An f64 that is `+inf` (`pos_inf`) or `-inf` (`neg_inf`) while empty, as JSON `null` then
/// (written as the profile's nullable f64s are).
macro_rules! inf_as_null {
    ($m:ident, $inf:expr) => {
        pub(crate) mod $m {
            pub use crate::util::nullable::serialize;
            use serde::{Deserialize, Deserializer};
            pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
                Ok(Option::<f64>::deserialize(d)?.unwrap_or($inf))
            }
        }
    };
}
inf_as_null!(pos_inf, f64::INFINITY);
inf_as_null!(neg_inf, f64::NEG_INFINITY);

/// 1-based rank of numpy's `inverted_cdf` quantile `q` of `n` values: numpy computes the
/// virtual index `n·q − 1` in f64 and takes the next index when it has a fractional part.
pub fn inverted_cdf_rank(n: u64, q: f64) -> u64 {
    let v = n as f64 * q - 1.0;
    let prev = v.floor();
    let idx = if v - prev > 0.0 { prev + 1.0 } else { prev };
    (idx.clamp(0.0, (n - 1) as f64) as u64) + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_monotone_and_buckets_hold_their_values() {
        let c = slices_for(0.01);
        assert_eq!(c, 50);
        let mut xs = vec![
            f64::from_bits(1),
            f64::from_bits(2),
            f64::from_bits(3),
            1e-310,
            2.2250738585072014e-308,
            1e-300,
            0.1,
            1.0,
            1.0 + 1e-12,
            1.02,
            1.5,
            2.0,
            3.0,
            1e6,
            1.7e308,
            f64::MAX,
        ];
        xs.sort_by(f64::total_cmp);
        let keys: Vec<i32> = xs.iter().map(|x| key(c, x.to_bits())).collect();
        assert!(keys.windows(2).all(|w| w[0] <= w[1]), "{keys:?}");
        for (&x, &k) in xs.iter().zip(&keys) {
            let (lo, hi) = bounds(c, k);
            assert!(lo <= x && x <= hi, "{x}: [{lo}, {hi}]");
            let rep = representative(lo, hi);
            // Subnormal buckets round to the grid of 2^-1074; elsewhere the bound holds.
            if x > 1e-300 {
                assert!((rep - x).abs() / x <= 1.0 / 101.0 + 1e-15, "{x} {rep}");
            }
        }
        assert_eq!(key(c, 1.0f64.to_bits()), 0);
        assert_eq!(key(c, 2.0f64.to_bits()), 50);
        assert_eq!(key(c, 0.5f64.to_bits()), -50);
    }

    #[test]
    fn ranks_follow_numpy_inverted_cdf() {
        // numpy.quantile(np.arange(1, n+1), q, method="inverted_cdf") == rank for these.
        assert_eq!(inverted_cdf_rank(10, 0.5), 5);
        assert_eq!(inverted_cdf_rank(10, 0.0), 1);
        assert_eq!(inverted_cdf_rank(10, 1.0), 10);
        assert_eq!(inverted_cdf_rank(10, 0.51), 6);
        assert_eq!(inverted_cdf_rank(1, 0.99), 1);
        // 100 * 0.07 = 7.000000000000001 in f64: numpy takes rank 8 (and 29 for 0.29, where
        // the product rounds down).
        assert_eq!(inverted_cdf_rank(100, 0.07), 8);
        assert_eq!(inverted_cdf_rank(100, 0.29), 29);
        assert_eq!(inverted_cdf_rank(1000, 0.01), 10);
        assert_eq!(inverted_cdf_rank(3, 0.5), 2);
    }
}
