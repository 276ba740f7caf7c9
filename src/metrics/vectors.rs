//! The mergeable per-dimension state of an embedding column, kept so that two profiles'
//! embeddings can be compared (`datassay drift`): per dimension, the count, mean and sum of
//! squared deviations (merged by Chan's formulas) and a power-of-two grid of
//! [`DIM_CELLS`] cells ([`crate::metrics::moments::Grid`], merged exactly). It takes
//! `32 + 8·DIM_CELLS` bytes per dimension in memory (2 KiB; 768 KiB for 384 dimensions), and
//! in JSON the grid's non-empty cells.

use crate::metrics::moments::Grid;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Grid cells per dimension.
pub const DIM_CELLS: u32 = 256;

/// One dimension's values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DimState {
    /// Vectors counted: values of this dimension.
    pub count: u64,
    /// Mean of the values (0 when there are none).
    pub mean: f64,
    /// Sum of squared deviations from the mean.
    pub m2: f64,
    /// Counts of the values on a grid of [`DIM_CELLS`] cells over their range.
    pub grid: Grid,
}

impl DimState {
    fn of(values: &[f64]) -> DimState {
        let n = values.len();
        let mean = if n == 0 {
            0.0
        } else {
            values.iter().sum::<f64>() / n as f64
        };
        let m2 = values.iter().map(|x| (x - mean) * (x - mean)).sum();
        let mut grid = Grid::new(DIM_CELLS);
        if n > 0 {
            let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let inv = grid.extend(lo, hi);
            grid.add(values, inv);
        }
        DimState {
            count: n as u64,
            mean,
            m2,
            grid,
        }
    }

    /// Merge the same dimension over other vectors.
    pub fn merge(&mut self, o: &DimState) {
        let (n1, n2) = (self.count as f64, o.count as f64);
        let n = n1 + n2;
        if n2 == 0.0 {
            return;
        }
        let d = o.mean - self.mean;
        self.mean += d * n2 / n;
        self.m2 += o.m2 + d * d * n1 * n2 / n;
        self.count += o.count;
        self.grid.merge(&o.grid);
    }

    /// Population standard deviation.
    pub fn std(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            (self.m2 / self.count as f64).sqrt()
        }
    }
}

/// Every dimension's state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EmbeddingState {
    /// One state per dimension, in order.
    pub dims: Vec<DimState>,
}

impl EmbeddingState {
    /// The state of a row-major `vectors × dim` matrix.
    pub fn of(data: &[f32], dim: usize) -> EmbeddingState {
        let n = data.len().checked_div(dim).unwrap_or(0);
        let dims = crate::util::pool::install(|| {
            (0..dim)
                .into_par_iter()
                .map(|j| {
                    let v: Vec<f64> = (0..n).map(|i| data[i * dim + j] as f64).collect();
                    DimState::of(&v)
                })
                .collect()
        });
        EmbeddingState { dims }
    }

    /// Merge the state of other vectors of the same dimension.
    pub fn merge(&mut self, o: &EmbeddingState) -> Result<(), String> {
        if self.dims.len() != o.dims.len() {
            return Err(format!(
                "embeddings of dimension {} and {}",
                self.dims.len(),
                o.dims.len()
            ));
        }
        for (a, b) in self.dims.iter_mut().zip(&o.dims) {
            a.merge(b);
        }
        Ok(())
    }

    /// The mean vector.
    pub fn mean(&self) -> Vec<f64> {
        self.dims.iter().map(|d| d.mean).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_halves_equal_the_whole() {
        let dim = 3;
        let data: Vec<f32> = (0..600)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 7.0)
            .collect();
        let whole = EmbeddingState::of(&data, dim);
        let mut a = EmbeddingState::of(&data[..300], dim);
        a.merge(&EmbeddingState::of(&data[300..], dim)).unwrap();
        for (x, y) in a.dims.iter().zip(&whole.dims) {
            assert_eq!(x.count, y.count);
            assert!((x.mean - y.mean).abs() < 1e-12);
            assert!((x.m2 - y.m2).abs() < 1e-9 * y.m2.max(1.0));
            assert_eq!(x.grid.total(), y.grid.total());
        }
        // The naive mean and variance of dimension 1.
        let v: Vec<f64> = (0..200).map(|i| data[i * dim + 1] as f64).collect();
        let m = v.iter().sum::<f64>() / 200.0;
        assert!((whole.dims[1].mean - m).abs() < 1e-12);
        let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / 200.0;
        assert!((whole.dims[1].std() - var.sqrt()).abs() < 1e-12);
    }
}
