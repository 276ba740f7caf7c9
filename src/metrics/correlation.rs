//! Pairwise Pearson correlations of numeric columns, a dataset-level family.
//!
//! Each pair keeps the co-moments of the rows where both values are non-null and finite
//! (pairwise-complete observations, as pandas' `DataFrame.corr()`): the count, both means, both
//! sums of squared deviations and the sum of cross products. Leaf states come from blocks by an
//! exact two-pass scheme (block means, then sums of centred products), and states merge by the
//! pairwise formulas of Chan, Golub & LeVeque, so states of any batches, files or machines
//! combine in any order to within f64 rounding. The coefficient is `cxy / sqrt(m2x · m2y)`,
//! undefined (`null`) with fewer than two rows or a column without spread in those rows.

use super::accumulator::Accumulator;
use super::moments::cpu::NumericInput;
use super::moments::{add_dd, fast_two_sum};
use crate::error::{Error, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Numeric columns correlated by default, at most (above it, `--correlations` asks for them:
/// the state grows with the square of the columns).
pub const DEFAULT_MAX_COLUMNS: usize = 64;
/// The most numeric columns correlated at all (523,776 pairs, 25 MB of state).
pub const MAX_COLUMNS: usize = 1024;

/// Co-moments of one pair of columns. Each mean is an unevaluated sum `mean + lo` (as the
/// moments family keeps it), so data far from zero keeps the deviations it merges exact.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CoMoments {
    /// Rows where both values are non-null and finite.
    pub n: u64,
    /// Mean of the first column over those rows (high part).
    #[serde(with = "crate::util::nullable")]
    pub mean_x: f64,
    /// Low part of the first column's mean: the mean is `mean_x + lo_x`.
    #[serde(default, with = "crate::util::nullable")]
    pub lo_x: f64,
    /// Mean of the second column over those rows (high part).
    #[serde(with = "crate::util::nullable")]
    pub mean_y: f64,
    /// Low part of the second column's mean: the mean is `mean_y + lo_y`.
    #[serde(default, with = "crate::util::nullable")]
    pub lo_y: f64,
    // Sums of squares overflow to infinity for values beyond about 1e154: written as null, read
    // back as NaN (the correlation is then unknown, not an unreadable profile).
    /// Sum of squared deviations of the first column from its mean.
    #[serde(with = "crate::util::nullable")]
    pub m2x: f64,
    /// Sum of squared deviations of the second column from its mean.
    #[serde(with = "crate::util::nullable")]
    pub m2y: f64,
    /// Sum of the products of both columns' deviations from their means.
    #[serde(with = "crate::util::nullable")]
    pub cxy: f64,
}

impl CoMoments {
    /// Adds the rows of `o` to these (pairwise formulas of Chan, Golub & LeVeque).
    pub fn merge(&mut self, o: &CoMoments) {
        if o.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = *o;
            return;
        }
        let (na, nb) = (self.n as f64, o.n as f64);
        let n = na + nb;
        let dx = (o.mean_x - self.mean_x) + (o.lo_x - self.lo_x);
        let dy = (o.mean_y - self.mean_y) + (o.lo_y - self.lo_y);
        let f = na * nb / n;
        self.cxy += o.cxy + dx * dy * f;
        self.m2x += o.m2x + dx * dx * f;
        self.m2y += o.m2y + dy * dy * f;
        (self.mean_x, self.lo_x) = add_dd(self.mean_x, self.lo_x, dx * nb / n);
        (self.mean_y, self.lo_y) = add_dd(self.mean_y, self.lo_y, dy * nb / n);
        self.n += o.n;
    }

    /// The Pearson coefficient, clamped to [-1, 1].
    pub fn pearson(&self) -> Option<f64> {
        if self.n < 2 || self.m2x <= 0.0 || self.m2y <= 0.0 {
            return None;
        }
        let r = self.cxy / (self.m2x.sqrt() * self.m2y.sqrt());
        r.is_finite().then(|| r.clamp(-1.0, 1.0))
    }
}

/// The state: the columns, and the co-moments of every pair `i < j` in row-major order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Correlations {
    /// The correlated numeric columns, by name.
    pub columns: Vec<String>,
    /// The co-moments of every pair `i < j` of `columns`, in row-major order.
    pub pairs: Vec<CoMoments>,
    /// Each column with itself: its non-null finite values (whether it has spread).
    #[serde(default)]
    pub diagonal: Vec<CoMoments>,
}

/// Rows `start..end` of each correlated column, in the order of [`Correlations::columns`].
pub struct CorrelationPart<'a> {
    /// One input per correlated column.
    pub columns: &'a [&'a NumericInput<'a>],
    /// First row, inclusive.
    pub start: usize,
    /// Last row, exclusive.
    pub end: usize,
}

/// One of the strongest pairs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pair {
    /// The first column's name (the earlier one in the matrix).
    pub a: String,
    /// The second column's name.
    pub b: String,
    /// Their Pearson coefficient, in [-1, 1].
    pub pearson: f64,
    /// Rows where both are non-null and finite.
    pub n: u64,
}

/// The figures: the matrix and the strongest pairs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CorrelationFigures {
    /// The coefficient computed: always `pearson`.
    pub method: String,
    /// The correlated columns, the rows and columns of the matrix.
    pub columns: Vec<String>,
    /// `pearson[i][j]`, symmetric; `null` where undefined.
    pub pearson: Vec<Vec<Option<f64>>>,
    /// Up to 10 pairs of the largest |r|, strongest first.
    pub strongest: Vec<Pair>,
}

/// Index of pair `(i, j)`, `i < j`, among `p` columns.
fn pair_index(p: usize, i: usize, j: usize) -> usize {
    i * (2 * p - i - 1) / 2 + (j - i - 1)
}

impl Correlations {
    /// An empty state over `columns`: every pair and diagonal entry without rows.
    pub fn new(columns: Vec<String>) -> Correlations {
        let p = columns.len();
        Correlations {
            columns,
            pairs: vec![CoMoments::default(); p * p.saturating_sub(1) / 2],
            diagonal: vec![CoMoments::default(); p],
        }
    }

    /// The co-moments of columns `i` and `j`.
    pub fn pair(&self, i: usize, j: usize) -> &CoMoments {
        let (i, j) = (i.min(j), i.max(j));
        &self.pairs[pair_index(self.columns.len(), i, j)]
    }

    /// The co-moments of one block of rows of every pair.
    ///
    /// Long because the co-moment loop is unrolled by hand for pairs of columns, the one hot loop
    /// of the family.
    fn block(part: &CorrelationPart) -> Vec<CoMoments> {
        let p = part.columns.len();
        let len = part.end - part.start;
        // Each column's values and a mask of the non-null, finite ones.
        let mut xs = vec![0.0f64; p * len];
        let mut ok = vec![true; p * len];
        let mut dense = vec![true; p];
        for (c, input) in part.columns.iter().enumerate() {
            let x = &mut xs[c * len..(c + 1) * len];
            input.values.fill(part.start, x);
            let m = &mut ok[c * len..(c + 1) * len];
            for (k, (v, o)) in x.iter().zip(m.iter_mut()).enumerate() {
                let i = part.start + k;
                let valid = input
                    .validity
                    .as_ref()
                    .is_none_or(|w| w[i / 64] >> (i % 64) & 1 == 1);
                *o = valid && v.is_finite();
            }
            dense[c] = m.iter().all(|&o| o);
        }
        // Columns without a gap: centred once, shared by all their dense pairs.
        let centred: Vec<Option<Centred>> = (0..p)
            .map(|c| {
                dense[c].then(|| {
                    let x = &xs[c * len..(c + 1) * len];
                    let shift = x.iter().sum::<f64>() / len as f64;
                    let mut d: Vec<f64> = x.iter().map(|v| v - shift).collect();
                    // The rounded mean's error, removed from the deviations (exact two-pass).
                    let c = d.iter().sum::<f64>() / len as f64;
                    for v in &mut d {
                        *v -= c;
                    }
                    let m2 = d.iter().map(|v| v * v).sum();
                    let (hi, lo) = fast_two_sum(shift, c);
                    ((hi, lo), m2, d)
                })
            })
            .collect();
        // Every pair `i < j`, then each column with itself (the diagonal).
        let pairs: Vec<(usize, usize)> = (0..p)
            .flat_map(|i| (i + 1..p).map(move |j| (i, j)))
            .chain((0..p).map(|i| (i, i)))
            .collect();
        let one = |&(i, j): &(usize, usize)| -> CoMoments {
            if len == 0 {
                return CoMoments::default();
            }
            if let (Some((mx, m2x, dx)), Some((my, m2y, dy))) = (&centred[i], &centred[j]) {
                let cxy = dx.iter().zip(dy).map(|(a, b)| a * b).sum();
                return CoMoments {
                    n: len as u64,
                    mean_x: mx.0,
                    lo_x: mx.1,
                    mean_y: my.0,
                    lo_y: my.1,
                    m2x: *m2x,
                    m2y: *m2y,
                    cxy,
                };
            }
            let (x, y) = (&xs[i * len..(i + 1) * len], &xs[j * len..(j + 1) * len]);
            let (oi, oj) = (&ok[i * len..(i + 1) * len], &ok[j * len..(j + 1) * len]);
            let (mut n, mut sx, mut sy) = (0u64, 0.0, 0.0);
            for k in 0..len {
                if oi[k] && oj[k] {
                    n += 1;
                    sx += x[k];
                    sy += y[k];
                }
            }
            if n == 0 {
                return CoMoments::default();
            }
            let nf = n as f64;
            let (mx, my) = (sx / nf, sy / nf);
            let (mut s1x, mut s1y, mut m2x, mut m2y, mut cxy) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for k in 0..len {
                if oi[k] && oj[k] {
                    let (a, b) = (x[k] - mx, y[k] - my);
                    s1x += a;
                    s1y += b;
                    m2x += a * a;
                    m2y += b * b;
                    cxy += a * b;
                }
            }
            // Deviations from the rounded means, corrected to the true means.
            let (cx, cy) = (s1x / nf, s1y / nf);
            let (mean_x, lo_x) = fast_two_sum(mx, cx);
            let (mean_y, lo_y) = fast_two_sum(my, cy);
            CoMoments {
                n,
                mean_x,
                lo_x,
                mean_y,
                lo_y,
                m2x: (m2x - s1x * cx).max(0.0),
                m2y: (m2y - s1y * cy).max(0.0),
                cxy: cxy - s1x * cy,
            }
        };
        if pairs.len() >= 256 {
            crate::util::pool::install(|| pairs.par_iter().map(one).collect())
        } else {
            pairs.iter().map(one).collect()
        }
    }
}

/// A gap-free column of a block: its mean (as `hi + lo`), its sum of squared deviations, and
/// the deviations.
type Centred = ((f64, f64), f64, Vec<f64>);

/// Rows per block: a block's values of every column stay in cache.
const BLOCK_ROWS: usize = 4096;

impl Accumulator for Correlations {
    type Input<'a> = CorrelationPart<'a>;
    type Figures = CorrelationFigures;

    fn update(&mut self, part: CorrelationPart<'_>) {
        debug_assert_eq!(part.columns.len(), self.columns.len());
        let mut s = part.start;
        while s < part.end {
            let e = (s + BLOCK_ROWS).min(part.end);
            let block = Self::block(&CorrelationPart {
                columns: part.columns,
                start: s,
                end: e,
            });
            let (pairs, diagonal) = block.split_at(self.pairs.len());
            for (a, b) in self.pairs.iter_mut().zip(pairs) {
                a.merge(b);
            }
            if self.diagonal.len() != diagonal.len() {
                self.diagonal = vec![CoMoments::default(); diagonal.len()];
            }
            for (a, b) in self.diagonal.iter_mut().zip(diagonal) {
                a.merge(b);
            }
            s = e;
        }
    }

    fn merge(&mut self, o: &Correlations) -> Result<()> {
        if self.columns != o.columns {
            let empty = |c: &Correlations| c.pairs.iter().chain(&c.diagonal).all(|c| c.n == 0);
            if empty(o) {
                return Ok(());
            }
            if empty(self) {
                *self = o.clone();
                return Ok(());
            }
            return Err(Error::Merge(format!(
                "correlations are over different columns: [{}] and [{}]",
                self.columns.join(", "),
                o.columns.join(", ")
            )));
        }
        for (a, b) in self.pairs.iter_mut().zip(&o.pairs) {
            a.merge(b);
        }
        if self.diagonal.len() < o.diagonal.len() {
            self.diagonal.resize(o.diagonal.len(), CoMoments::default());
        }
        for (a, b) in self.diagonal.iter_mut().zip(&o.diagonal) {
            a.merge(b);
        }
        Ok(())
    }

    // `i` and `j` name a pair: its state, both cells of the matrix and both column names.
    #[allow(clippy::needless_range_loop)]
    fn finish(&self) -> CorrelationFigures {
        let p = self.columns.len();
        let mut m = vec![vec![None; p]; p];
        let mut ranked = Vec::new();
        for i in 0..p {
            for j in i + 1..p {
                let c = self.pair(i, j);
                let r = c.pearson();
                m[i][j] = r;
                m[j][i] = r;
                if let Some(r) = r {
                    ranked.push(Pair {
                        a: self.columns[i].clone(),
                        b: self.columns[j].clone(),
                        pearson: r,
                        n: c.n,
                    });
                }
            }
        }
        // A column with spread correlates with itself (as pandas: 1 on the diagonal).
        for (i, d) in self.diagonal.iter().enumerate() {
            if d.n >= 2 && d.m2x > 0.0 {
                m[i][i] = Some(1.0);
            }
        }
        ranked.sort_by(|x, y| {
            y.pearson
                .abs()
                .total_cmp(&x.pearson.abs())
                .then_with(|| (&x.a, &x.b).cmp(&(&y.a, &y.b)))
        });
        ranked.truncate(10);
        CorrelationFigures {
            method: "pearson".into(),
            columns: self.columns.clone(),
            pearson: m,
            strongest: ranked,
        }
    }

    fn size_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + (self.pairs.capacity() + self.diagonal.capacity()) * std::mem::size_of::<CoMoments>()
            + self.columns.iter().map(|c| c.capacity()).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::moments::cpu::Prepared;
    use arrow::array::{ArrayRef, Float64Array};
    use std::sync::Arc;

    #[test]
    fn pairs_are_indexed_in_row_major_order() {
        let p = 5;
        let mut k = 0;
        for i in 0..p {
            for j in i + 1..p {
                assert_eq!(pair_index(p, i, j), k);
                k += 1;
            }
        }
    }

    #[test]
    fn pearson_equals_a_naive_computation_with_nulls() {
        let n = 10_000;
        let x: Vec<Option<f64>> = (0..n)
            .map(|i| (i % 17 != 0).then(|| 1e6 + (i as f64 * 0.37).sin()))
            .collect();
        let y: Vec<Option<f64>> = (0..n)
            .map(|i| (i % 23 != 0).then(|| 2.0 * (i as f64 * 0.37).sin() + (i as f64).cos()))
            .collect();
        let arrs: Vec<ArrayRef> = vec![
            Arc::new(Float64Array::from(x.clone())),
            Arc::new(Float64Array::from(y.clone())),
        ];
        let prepared: Vec<Prepared> = arrs.iter().map(Prepared::new).collect();
        let owned: Vec<NumericInput> = prepared.iter().map(|p| p.input().unwrap()).collect();
        let inputs: Vec<&NumericInput> = owned.iter().collect();
        let mut c = Correlations::new(vec!["x".into(), "y".into()]);
        c.update(CorrelationPart {
            columns: &inputs,
            start: 0,
            end: n,
        });
        let both: Vec<(f64, f64)> = x
            .iter()
            .zip(&y)
            .filter_map(|(a, b)| Some(((*a)?, (*b)?)))
            .collect();
        let k = both.len() as f64;
        let (mx, my) = (
            both.iter().map(|p| p.0).sum::<f64>() / k,
            both.iter().map(|p| p.1).sum::<f64>() / k,
        );
        let sxy: f64 = both.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
        let sxx: f64 = both.iter().map(|p| (p.0 - mx).powi(2)).sum();
        let syy: f64 = both.iter().map(|p| (p.1 - my).powi(2)).sum();
        let want = sxy / (sxx * syy).sqrt();
        let got = c.finish().pearson[0][1].unwrap();
        assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        assert_eq!(c.pair(0, 1).n, both.len() as u64);
    }
}
