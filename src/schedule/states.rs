//! What a run folds (the columns and what each gets) and the states it folds them into.

use super::plan::{self, Kind, Leaf};
use super::ProfileOptions;
use crate::error::{Error, Result};
use crate::metrics::accumulator::Accumulator;
use crate::metrics::correlation::Correlations;
use crate::metrics::moments::cpu::{NumericInput, NumericState, Prepared};
use crate::metrics::moments::grid::cells_for;
use crate::metrics::moments::{HistSpec, NumericAcc, NumericPart};
use crate::metrics::pii::PiiState;
use crate::metrics::rows::RowAcc;
use crate::metrics::sketch::ColSketch;
use crate::metrics::strings::LengthState;
use crate::profile::ColumnState;
use arrow::array::ArrayRef;
use arrow::datatypes::SchemaRef;

/// Rows per CPU work item and per fold boundary: fixed so results do not depend on the batch
/// sizes or the number of threads.
pub const PART_ROWS: usize = 16 * 1024;

/// The GPU side of a run.
pub(crate) trait NumericEngine: Send + Sync {
    /// Fold one numeric column chunk, whose finite values lie in `range`, into the state of
    /// column `col` (histogram counts over `spec`, when given).
    fn update(
        &mut self,
        col: usize,
        input: &NumericInput,
        range: (f64, f64),
        spec: Option<&HistSpec>,
    ) -> Result<()>;
    /// Wait for all work and hand out the states (and reset them).
    fn take(&mut self, ncols: usize) -> Result<Vec<NumericState>>;
    fn describe(&self) -> String;
    /// Another engine on the same device (its own buffers, the device and pipelines shared),
    /// for chunks of `rows` values, so that row groups folding in parallel each feed one.
    fn sibling(&self, _rows: usize) -> Option<Box<dyn NumericEngine>> {
        None
    }
}

/// What a run folds: the columns (top-level, struct fields, list elements) and what each gets.
pub(crate) struct Compiled {
    pub schema: SchemaRef,
    pub leaves: Vec<Leaf>,
    /// Empty state of each leaf.
    pub protos: Vec<ColumnState>,
    /// Whether rows are hashed for duplicate rows.
    pub row_hashes: bool,
    /// Leaves correlated, in order.
    pub corr: Option<Vec<usize>>,
}

impl Compiled {
    /// `ranges[leaf]`: the finite range of a numeric leaf when known before the data (its
    /// histogram counts are then exact).
    pub fn new(
        schema: SchemaRef,
        opts: &ProfileOptions,
        ranges: &[Option<(f64, f64)>],
    ) -> Result<Compiled> {
        let leaves = plan::leaves(&schema);
        let numeric = leaves.iter().filter(|l| l.kind == Kind::Numeric).count() as u64;
        let counters = numeric * opts.bins as u64;
        if counters > super::MAX_HISTOGRAM_COUNTERS {
            return Err(Error::Option(format!(
                "{} histogram bins over {numeric} numeric columns keep {counters} counters per partial state ({} MiB); at most {}: use at most {} bins",
                opts.bins,
                (counters * 8) >> 20,
                super::MAX_HISTOGRAM_COUNTERS,
                super::MAX_HISTOGRAM_COUNTERS / numeric.max(1)
            )));
        }
        // Grids of 64 cells a bin, fewer (down to 2 a bin) when many columns would exceed the
        // counter bound; the rendered histogram states its cell width either way.
        let fit = (super::MAX_HISTOGRAM_COUNTERS / numeric.max(1)).max(1);
        let fit = 1u64 << (63 - fit.leading_zeros());
        let cells = (cells_for(opts.bins) as u64)
            .min(fit.max(2 * opts.bins as u64))
            .min(crate::metrics::moments::grid::MAX_CELLS as u64) as u32;
        let protos = leaves
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let spec = ranges
                    .get(i)
                    .copied()
                    .flatten()
                    .filter(|(lo, hi)| lo <= hi)
                    .map(|(lo, hi)| HistSpec::new(lo, hi, opts.bins));
                ColumnState {
                    rows: 0,
                    nulls: 0,
                    numeric: (l.kind == Kind::Numeric)
                        .then(|| NumericAcc::new(opts.bins, cells, spec.as_ref())),
                    lengths: matches!(l.kind, Kind::Lengths { .. } | Kind::List)
                        .then(LengthState::default),
                    sketch: match (&l.kind, &opts.sketch) {
                        (Kind::Numeric | Kind::Lengths { .. }, Some(o)) => Some(
                            ColSketch::new(&l.data_type, o).reporting(&opts.quantiles, opts.top),
                        ),
                        _ => None,
                    },
                    pii: (opts.pii && crate::metrics::pii::applies(&l.data_type))
                        .then(PiiState::default),
                }
            })
            .collect();
        let correlated: Vec<usize> = leaves
            .iter()
            .enumerate()
            .filter(|(_, l)| {
                l.kind == Kind::Numeric && l.element_of.is_none() && !l.data_type.is_temporal()
            })
            .map(|(i, _)| i)
            .collect();
        let corr = match opts.correlations {
            super::Correlate::Off => None,
            _ if correlated.len() < 2 => None,
            super::Correlate::Auto
                if correlated.len() > crate::metrics::correlation::DEFAULT_MAX_COLUMNS =>
            {
                None
            }
            _ if correlated.len() > crate::metrics::correlation::MAX_COLUMNS => {
                return Err(Error::Option(format!(
                    "correlations of {} numeric columns: at most {}; profile fewer columns or turn correlations off",
                    correlated.len(),
                    crate::metrics::correlation::MAX_COLUMNS
                )))
            }
            _ => Some(correlated),
        };
        Ok(Compiled {
            schema,
            leaves,
            protos,
            row_hashes: opts.duplicate_rows && opts.sketch.is_some(),
            corr,
        })
    }

    pub fn empty(&self) -> States {
        States {
            cols: self.protos.clone(),
            rows: self.row_hashes.then(RowAcc::default),
            corr: self.corr.as_ref().map(|c| {
                Correlations::new(c.iter().map(|&i| self.leaves[i].name.clone()).collect())
            }),
            carry: vec![None; self.leaves.len()],
        }
    }

    /// A notice about what a run left out, if anything.
    pub fn notices(&self, opts: &ProfileOptions) -> Vec<String> {
        let mut out = Vec::new();
        let numeric = self
            .leaves
            .iter()
            .filter(|l| l.kind == Kind::Numeric && l.element_of.is_none())
            .count();
        if self.corr.is_none()
            && opts.correlations == super::Correlate::Auto
            && numeric > crate::metrics::correlation::DEFAULT_MAX_COLUMNS
        {
            out.push(format!(
                "{numeric} numeric columns: correlations are off above {} (ask for `correlations` to compute all {} pairs)",
                crate::metrics::correlation::DEFAULT_MAX_COLUMNS,
                numeric * (numeric - 1) / 2
            ));
        }
        out
    }
}

/// The states of a run: every leaf's, and the dataset's.
#[derive(Clone)]
pub(crate) struct States {
    pub cols: Vec<ColumnState>,
    pub rows: Option<RowAcc>,
    pub corr: Option<Correlations>,
    /// Values of list elements not yet folded into moments: element columns are cut into
    /// parts at fixed offsets of their own values, as top-level columns are at fixed rows, so
    /// their moments do not depend on the batch sizes either.
    pub carry: Vec<Option<ArrayRef>>,
}

impl States {
    /// Fold the element values still carried into their moments (at the end of a stream).
    pub fn drain(&mut self) -> Result<()> {
        for (col, carry) in self.cols.iter_mut().zip(&mut self.carry) {
            if let (Some(acc), Some(arr)) = (col.numeric.as_mut(), carry.take()) {
                let p = Prepared::new(&arr);
                if let Some(input) = p.input() {
                    let mut s = 0;
                    while s < input.len {
                        let e = (s + PART_ROWS).min(input.len);
                        let mut part =
                            NumericAcc::new(acc.bins, acc.grid.cells, acc.spec().as_ref());
                        part.update(NumericPart {
                            input: &input,
                            start: s,
                            end: e,
                        });
                        acc.merge(&part)?;
                        s = e;
                    }
                }
            }
        }
        Ok(())
    }

    /// Merge the states of the rows that follow these (row order is kept for duplicate rows).
    pub fn append(&mut self, next: States) -> Result<()> {
        debug_assert!(next.carry.iter().all(Option::is_none), "drained before");
        for (a, b) in self.cols.iter_mut().zip(next.cols) {
            // The first rows of a column: take their state as it is (merging it into the empty
            // state would hold both copies).
            if a.rows == 0 {
                *a = b;
            } else {
                a.merge(&b)?;
            }
        }
        if let (Some(a), Some(b)) = (&mut self.rows, next.rows) {
            a.append(b);
        }
        if let (Some(a), Some(b)) = (&mut self.corr, &next.corr) {
            a.merge(b)?;
        }
        Ok(())
    }

    /// Count the duplicate rows of the rows hashed so far (at the end of a run).
    pub fn seal(&mut self) {
        if let Some(r) = &mut self.rows {
            r.seal();
        }
    }

    /// Absorb an engine's states (one per leaf).
    pub fn absorb(&mut self, states: Vec<NumericState>) {
        for (c, st) in self.cols.iter_mut().zip(&states) {
            if let Some(n) = &mut c.numeric {
                n.absorb(st);
            }
        }
    }

    /// Rows of the dataset these states hold.
    pub fn rows(&self, c: &Compiled) -> u64 {
        c.leaves
            .iter()
            .position(|l| l.is_top)
            .map_or(0, |i| self.cols[i].rows)
    }
}
