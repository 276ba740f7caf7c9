//! Duplicate rows, a dataset-level family: rows equal to an earlier row in every profiled
//! column (nulls equal to nulls).
//!
//! **Within one profile** the count is exact (up to 64-bit hash collisions, about `n² / 2^65`):
//! every row's hash is kept in row order while the profile is made (8 bytes a row), and at the
//! end a sort finds the repeated ones. **Across merged profiles** the rows of different parts are
//! never compared row by row: `count` adds the parts' exact counts (a lower bound of the whole's),
//! and `estimate` bounds the whole's duplicates from a HyperLogLog of every row hash, which each
//! profile keeps and a merge unions: duplicates = rows − distinct rows, with the distinct count's
//! 3-sigma interval.

use super::accumulator::Accumulator;
use super::sketch::hll::{self, Hll};
use super::sketch::KeyMap;
use crate::error::Result;
use serde::{Deserialize, Serialize};

/// The duplicate-row figures.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DuplicateRows {
    /// Rows equal (every profiled column, nulls equal to nulls) to an earlier row of the same
    /// part; after a merge, the sum over the parts (duplicates across parts are not in it).
    pub count: u64,
    /// Distinct rows that occur more than once (summed over parts after a merge).
    pub groups: u64,
    /// True for a profile of one part: `count` is then every duplicate row.
    pub exact: bool,
    /// Up to 10 duplicated rows as `[first row, duplicate row]` (0-based rows of the dataset;
    /// empty after a merge, whose rows have no one order).
    pub sample: Vec<[u64; 2]>,
    /// After a merge: all duplicate rows of the whole, estimated from the union of the parts'
    /// row-hash HyperLogLogs, with the interval that holds it (never below `count`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimate: Option<DuplicateEstimate>,
}

/// An estimate of duplicate rows with its interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateEstimate {
    /// Duplicate rows of the whole: its rows minus the estimated distinct rows.
    pub estimate: u64,
    /// Lower end of the interval (±3 standard errors of the distinct count), at least `count`.
    pub lower: u64,
    /// Upper end of the interval (±3 standard errors of the distinct count).
    pub upper: u64,
}

/// The duplicate-row state (module docs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RowAcc {
    /// Hashes of the rows not yet counted, in row order.
    #[serde(skip)]
    pending: Vec<u64>,
    /// Rows counted (not pending).
    pub rows: u64,
    /// Duplicate rows found within each part, summed over the parts.
    pub count: u64,
    /// Distinct rows that occur more than once within a part, summed over the parts.
    pub groups: u64,
    /// Parts counted: 1 for a profile, the sum for a merge.
    pub parts: u64,
    /// Up to 10 `[first row, duplicate row]` pairs (0-based); empty after a merge.
    pub sample: Vec<[u64; 2]>,
    /// Every row hash, for estimates across merged parts (absent in profiles of format 1).
    pub hll: Option<Hll>,
}

impl Default for RowAcc {
    fn default() -> Self {
        RowAcc {
            pending: Vec::new(),
            rows: 0,
            count: 0,
            groups: 0,
            parts: 0,
            sample: Vec::new(),
            hll: Some(Hll::new(hll::DEFAULT_PRECISION)),
        }
    }
}

/// Count the rows whose hash equals an earlier row's: `(count, groups, sample)`.
fn count_duplicates(h: &[u64]) -> (u64, u64, Vec<[u64; 2]>) {
    // Sort a copy of the hashes alone (8 bytes a row), find the repeated ones, then one pass in
    // row order names the rows.
    let mut sorted = h.to_vec();
    crate::util::pool::install(|| {
        rayon::slice::ParallelSliceMut::par_sort_unstable(&mut sorted[..])
    });
    let mut count = 0u64;
    let mut repeated: Vec<u64> = Vec::new();
    for run in sorted.chunk_by(|a, b| a == b) {
        if run.len() > 1 {
            count += run.len() as u64 - 1;
            repeated.push(run[0]);
        }
    }
    drop(sorted);
    let groups = repeated.len() as u64;
    let mut first: KeyMap<u64> = KeyMap::default();
    let mut sample = Vec::new();
    if !repeated.is_empty() {
        for (i, x) in h.iter().enumerate() {
            if repeated.binary_search(x).is_ok() {
                match first.get(x) {
                    None => {
                        first.insert(*x, i as u64);
                    }
                    Some(&f) if sample.len() < 10 => sample.push([f, i as u64]),
                    Some(_) => {}
                }
            }
        }
    }
    (count, groups, sample)
}

impl RowAcc {
    /// Append the state of the rows that follow (the same part: the count stays exact).
    pub fn append(&mut self, mut next: RowAcc) {
        debug_assert_eq!(next.parts, 0, "only unsealed states append");
        if self.pending.is_empty() {
            self.pending = std::mem::take(&mut next.pending);
        } else {
            self.pending.extend_from_slice(&next.pending);
        }
        if let (Some(a), Some(b)) = (&mut self.hll, &next.hll) {
            a.merge(b);
        }
    }

    /// Count the pending rows as one part.
    pub fn seal(&mut self) {
        if self.parts > 0 && self.pending.is_empty() {
            return;
        }
        let mut pending = std::mem::take(&mut self.pending);
        // The sort below copies the hashes: drop the growth slack first.
        pending.shrink_to_fit();
        let (count, groups, sample) = count_duplicates(&pending);
        self.rows += pending.len() as u64;
        self.count += count;
        self.groups += groups;
        self.sample = sample;
        self.parts = self.parts.max(1);
    }

    /// Rows pending (hashed, not yet counted).
    pub fn pending_rows(&self) -> usize {
        self.pending.len()
    }

    /// The hashes of the rows pending, in row order (before [`RowAcc::seal`] counts them).
    pub fn pending_hashes(&self) -> &[u64] {
        &self.pending
    }

    /// Replace the counts by exact ones found elsewhere for the same rows (a distributed
    /// engine that grouped every part's row hashes): the state then counts as one part, so its
    /// figures are exact, and a later merge with other parts adds to them as to any part's.
    pub fn set_exact(&mut self, count: u64, groups: u64, sample: Vec<[u64; 2]>) {
        self.seal();
        self.count = count;
        self.groups = groups;
        self.sample = sample;
        self.parts = 1;
    }
}

impl Accumulator for RowAcc {
    /// Row hashes of consecutive rows.
    type Input<'a> = &'a [u64];
    type Figures = DuplicateRows;

    fn update(&mut self, hashes: &[u64]) {
        if let Some(hll) = &mut self.hll {
            for &h in hashes {
                hll.insert(h);
            }
        }
        self.pending.extend_from_slice(hashes);
    }

    /// Merge another part: counts add, the row-hash sketches unite.
    fn merge(&mut self, o: &RowAcc) -> Result<()> {
        if let (Some(a), Some(b)) = (&self.hll, &o.hll) {
            a.compatible(b)
                .map_err(|e| crate::error::Error::Merge(format!("duplicate rows: {e}")))?;
        }
        self.seal();
        let sealed;
        let o = if o.pending.is_empty() && (o.parts > 0 || o.rows == 0) {
            o
        } else {
            let mut c = o.clone();
            c.seal();
            sealed = c;
            &sealed
        };
        if o.rows == 0 {
            return Ok(());
        }
        if self.rows == 0 {
            *self = o.clone();
            return Ok(());
        }
        self.rows += o.rows;
        self.count += o.count;
        self.groups += o.groups;
        self.parts += o.parts;
        self.sample.clear();
        self.hll = match (self.hll.take(), &o.hll) {
            (Some(mut a), Some(b)) => {
                a.merge(b);
                Some(a)
            }
            _ => None,
        };
        Ok(())
    }

    fn finish(&self) -> DuplicateRows {
        let mut s = self.clone();
        s.seal();
        let estimate = s.hll.as_ref().filter(|_| s.parts > 1).map(|hll| {
            let e = hll.estimate();
            let sd = 3.0 * hll.standard_error();
            let rows = s.rows as f64;
            let dup = |distinct: f64| {
                ((rows - distinct.clamp(1.0, rows)).round() as u64).clamp(s.count, s.rows - 1)
            };
            DuplicateEstimate {
                estimate: dup(e),
                lower: dup(e * (1.0 + sd)),
                upper: dup(e * (1.0 - sd)),
            }
        });
        DuplicateRows {
            count: s.count,
            groups: s.groups,
            exact: s.parts <= 1,
            sample: s.sample.clone(),
            estimate,
        }
    }

    fn size_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.pending.capacity() * 8
            + self.hll.as_ref().map_or(0, |h| h.registers.capacity())
            + self.sample.capacity() * 16
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_within_a_part_are_exact_and_across_parts_estimated() {
        let rows: Vec<u64> = (0..20_000u64)
            .map(|i| crate::metrics::sketch::hash_u64(i % 15_000))
            .collect();
        let mut whole = RowAcc::default();
        whole.update(&rows);
        let f = whole.finish();
        assert_eq!((f.count, f.groups, f.exact), (5_000, 5_000, true));
        assert_eq!(f.sample[0], [0, 15_000]);
        let (a, b) = rows.split_at(15_000);
        let (mut pa, mut pb) = (RowAcc::default(), RowAcc::default());
        pa.update(a);
        pb.update(b);
        let mut m = pa.clone();
        m.merge(&pb).unwrap();
        let mut m2 = pb.clone();
        m2.merge(&pa).unwrap();
        let (f, f2) = (m.finish(), m2.finish());
        assert_eq!(f, f2, "merges are order-free");
        assert_eq!((f.count, f.exact), (0, false));
        let e = f.estimate.unwrap();
        assert!(e.lower <= 5_000 && 5_000 <= e.upper, "{e:?}");
    }
}
