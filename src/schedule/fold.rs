//! Folding one record batch into a run's states: every column's families on the CPU cores (and
//! the numeric moments on the GPU engine, when there is one), and the dataset's families.

use super::plan::{self, Kind};
use super::states::{Compiled, NumericEngine, States, PART_ROWS};
use crate::error::{Error, Result};
use crate::metrics::accumulator::Accumulator;
use crate::metrics::correlation::{CorrelationPart, Correlations};
use crate::metrics::moments::cpu::{self, NumericInput, Prepared};
use crate::metrics::moments::{NumericAcc, NumericPart};
use crate::metrics::pii::PiiState;
use crate::metrics::sketch::{hash_bytes, row_hashes, ColSketch, NULL_HASH};
use crate::metrics::strings::LengthState;

/// Rows of a string column scanned for PII as one unit of parallel work.
const PII_PART_ROWS: usize = 16_384;
use crate::profile::ColumnState;
use arrow::array::{Array, ArrayRef, RecordBatch};
use arrow::datatypes::SchemaRef;
use rayon::prelude::*;

/// One unit of CPU work of a fold.
enum Item<'b> {
    /// Rows `s..e` of a numeric leaf, into a state of their own merged afterwards.
    Part(usize, &'b NumericInput<'b>, usize, usize),
    /// Every part of a numeric leaf in turn, merged straight into its state.
    Column(&'b mut NumericAcc, &'b NumericInput<'b>, usize),
    /// The grid of a numeric leaf whose moments run on the GPU.
    Grid(&'b mut NumericAcc, &'b NumericInput<'b>, usize, f64, f64),
    Lengths(&'b mut LengthState, &'b ArrayRef),
    ListLengths(&'b mut LengthState, &'b [Option<u64>]),
    /// A leaf's sketches; the top-level column index when its value hashes make row hashes.
    Sketch(&'b mut ColSketch, &'b ArrayRef, Option<usize>),
    /// Row hashes of a nested top-level column.
    NestedHash(usize, &'b ArrayRef),
    Corr(&'b mut Correlations, Vec<&'b NumericInput<'b>>, usize),
    /// Rows `s..e` of a string leaf scanned for PII, into a state of their own merged
    /// afterwards (the scan is the slowest family per byte, so its parts run in parallel).
    Pii(usize, &'b ArrayRef, usize, usize),
}

enum Done {
    Part(usize, NumericAcc),
    Pii(usize, PiiState),
    Hashes(usize, Vec<u64>),
    Nothing,
}

impl Item<'_> {
    /// Do one item's work: states of their own come back to be merged in order, states the
    /// item borrows are updated in place.
    fn run(self, protos: &[ColumnState]) -> Done {
        match self {
            Item::Part(i, input, s, e) => {
                let mut acc = protos[i].numeric.clone().expect("numeric leaf");
                acc.update(NumericPart {
                    input,
                    start: s,
                    end: e,
                });
                Done::Part(i, acc)
            }
            Item::Column(acc, input, len) => {
                let mut s = 0;
                while s < len {
                    let e = (s + PART_ROWS).min(len);
                    let mut part = NumericAcc::new(acc.bins, acc.grid.cells, acc.spec().as_ref());
                    part.update(NumericPart {
                        input,
                        start: s,
                        end: e,
                    });
                    acc.merge(&part)
                        .expect("parts of one column share their options");
                    s = e;
                }
                Done::Nothing
            }
            Item::Grid(acc, input, len, lo, hi) => {
                acc.update_grid(input, 0, len, lo, hi);
                Done::Nothing
            }
            Item::Lengths(l, a) => {
                l.update(a);
                Done::Nothing
            }
            Item::ListLengths(l, ls) => {
                l.add_lengths(ls);
                Done::Nothing
            }
            Item::Sketch(sk, a, top) => {
                let mut h = Vec::new();
                sk.update(a.as_ref(), &mut h);
                match top {
                    Some(t) => Done::Hashes(t, h),
                    None => Done::Nothing,
                }
            }
            Item::NestedHash(t, a) => match nested_hashes(a) {
                Some(h) => Done::Hashes(t, h),
                None => Done::Nothing,
            },
            Item::Pii(i, a, s, e) => {
                let mut st = PiiState::default();
                st.update(&a.slice(s, e - s));
                Done::Pii(i, st)
            }
            Item::Corr(corr, ins, n) => {
                corr.update(CorrelationPart {
                    columns: &ins,
                    start: 0,
                    end: n,
                });
                Done::Nothing
            }
        }
    }
}

/// Row hashes of a nested column: the hash of each row's value in Arrow's row format.
fn nested_hashes(arr: &ArrayRef) -> Option<Vec<u64>> {
    use arrow::row::{RowConverter, SortField};
    let conv = RowConverter::new(vec![SortField::new(arr.data_type().clone())]).ok()?;
    let rows = conv.convert_columns(std::slice::from_ref(arr)).ok()?;
    Some(
        (0..arr.len())
            .map(|i| {
                if arr.is_valid(i) {
                    hash_bytes(rows.row(i).as_ref())
                } else {
                    NULL_HASH
                }
            })
            .collect(),
    )
}

/// The values of element columns (numbers inside lists) whose moments run on the CPU: those
/// carried from the last batch first, and those past the last whole part carried to the next,
/// so that parts are cut at the same rows however the batches were cut.
fn carried(c: &Compiled, st: &mut States, arrays: &[ArrayRef]) -> Result<Vec<Option<ArrayRef>>> {
    let mut out: Vec<Option<ArrayRef>> = vec![None; arrays.len()];
    for (i, l) in c.leaves.iter().enumerate() {
        if l.kind != Kind::Numeric || l.element_of.is_none() {
            continue;
        }
        let all = match st.carry[i].take() {
            Some(prev) => arrow::compute::concat(&[prev.as_ref(), arrays[i].as_ref()])
                .map_err(|e| Error::BatchSchema(e.to_string()))?,
            None => arrays[i].clone(),
        };
        let whole = all.len() / PART_ROWS * PART_ROWS;
        if whole < all.len() {
            st.carry[i] = Some(all.slice(whole, all.len() - whole));
        }
        out[i] = Some(all.slice(0, whole));
    }
    Ok(out)
}

/// Fold one batch (already checked against the schema) into `st` on the CPU; numeric moments
/// too when `numeric_on_cpu`, else only their grids (the engine has their moments).
///
/// Long because it plans one batch's work items for every family of every column; the items run in
/// `Item::run` and their states merge here, in order.
pub(crate) fn fold_cpu(
    c: &Compiled,
    batch: &RecordBatch,
    st: &mut States,
    numeric_on_cpu: bool,
    engine: Option<&mut (dyn NumericEngine + '_)>,
) -> Result<()> {
    let n = batch.num_rows();
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(c.leaves.len());
    let mut lengths: Vec<Option<Vec<Option<u64>>>> = Vec::with_capacity(c.leaves.len());
    for col in batch.columns() {
        plan::extract(col, &mut arrays, &mut lengths)
            .map_err(|e| Error::BatchSchema(format!("a nested column could not be read: {e}")))?;
    }
    debug_assert_eq!(arrays.len(), c.leaves.len());
    let moments_arrays = if numeric_on_cpu {
        carried(c, st, &arrays)?
    } else {
        vec![None; arrays.len()]
    };
    let prepared: Vec<Option<Prepared>> = arrays
        .iter()
        .zip(&c.leaves)
        .zip(&moments_arrays)
        .map(|((a, l), m)| {
            (l.kind == Kind::Numeric).then(|| Prepared::new(m.as_ref().unwrap_or(a)))
        })
        .collect();
    let inputs: Vec<Option<NumericInput>> = prepared
        .iter()
        .map(|p| p.as_ref().and_then(|p| p.input()))
        .collect();
    // On the GPU path, the finite range of each numeric chunk first: the kernel takes moments
    // about its centre, and the grid needs it.
    let ranges: Vec<Option<(f64, f64)>> = if numeric_on_cpu {
        vec![None; inputs.len()]
    } else {
        crate::util::pool::install(|| {
            inputs
                .par_iter()
                .map(|i| i.as_ref().map(|i| cpu::range(i, 0, i.len)))
                .collect()
        })
    };
    if let Some(engine) = engine {
        for (i, input) in inputs.iter().enumerate() {
            if let (Some(input), Some(r)) = (input, ranges[i]) {
                let spec = st.cols[i].numeric.as_ref().and_then(|n| n.spec());
                engine.update(i, input, r, spec.as_ref())?;
            }
        }
    }
    for (s, a) in st.cols.iter_mut().zip(&arrays) {
        s.rows += a.len() as u64;
        s.nulls += a.logical_null_count() as u64;
    }
    // Parts of one column run in parallel when there are few columns. With many columns each
    // column's parts run in turn inside one task, so only one part state a thread is alive:
    // memory then follows the threads, not the columns. Both fold the same parts in the same
    // order, so the figures are the same either way.
    let numeric_cols = c.leaves.iter().filter(|l| l.kind == Kind::Numeric).count();
    let by_column = numeric_cols >= 2 * crate::util::pool::threads();
    let hashing = c.row_hashes;
    let mut items: Vec<Item> = Vec::new();
    let mut hash_slots: Vec<Option<Vec<u64>>> = vec![None; batch.num_columns()];
    for (i, col) in st.cols.iter_mut().enumerate() {
        let leaf = &c.leaves[i];
        let ColumnState {
            numeric,
            lengths: lens,
            sketch,
            pii,
            ..
        } = col;
        if pii.is_some() {
            let len = arrays[i].len();
            let mut s = 0;
            while s < len {
                let e = (s + PII_PART_ROWS).min(len);
                items.push(Item::Pii(i, &arrays[i], s, e));
                s = e;
            }
        }
        if let (Some(acc), Some(input)) = (numeric.as_mut(), inputs[i].as_ref()) {
            let len = input.len;
            if !numeric_on_cpu {
                let (lo, hi) = ranges[i].unwrap_or((f64::INFINITY, f64::NEG_INFINITY));
                items.push(Item::Grid(acc, input, len, lo, hi));
            } else if by_column {
                items.push(Item::Column(acc, input, len));
            } else {
                let mut s = 0;
                while s < len {
                    let e = (s + PART_ROWS).min(len);
                    items.push(Item::Part(i, input, s, e));
                    s = e;
                }
            }
        }
        if let Some(l) = lens.as_mut() {
            match (&leaf.kind, &lengths[i]) {
                (Kind::List, Some(ls)) => items.push(Item::ListLengths(l, ls)),
                _ => items.push(Item::Lengths(l, &arrays[i])),
            }
        }
        if let Some(sk) = sketch.as_mut() {
            let top = (hashing && leaf.is_top).then_some(leaf.top);
            items.push(Item::Sketch(sk, &arrays[i], top));
        } else if hashing && leaf.is_top && matches!(leaf.kind, Kind::List | Kind::Struct) {
            items.push(Item::NestedHash(leaf.top, &arrays[i]));
        }
    }
    if let (Some(corr), Some(cols)) = (st.corr.as_mut(), c.corr.as_ref()) {
        let ins: Vec<&NumericInput> = cols.iter().filter_map(|&i| inputs[i].as_ref()).collect();
        if ins.len() == cols.len() {
            items.push(Item::Corr(corr, ins, n));
        }
    }
    let protos = &c.protos;
    let done: Vec<Done> =
        crate::util::pool::install(|| items.into_par_iter().map(|it| it.run(protos)).collect());
    for d in done {
        match d {
            Done::Part(i, acc) => {
                if let Some(n) = &mut st.cols[i].numeric {
                    n.merge(&acc)?;
                }
            }
            Done::Pii(i, p) => {
                if let Some(mine) = &mut st.cols[i].pii {
                    mine.merge(&p)?;
                }
            }
            Done::Hashes(t, h) => hash_slots[t] = Some(h),
            Done::Nothing => {}
        }
    }
    if let Some(rows) = &mut st.rows {
        let hashes: Vec<Vec<u64>> = hash_slots.into_iter().flatten().collect();
        rows.update(&row_hashes(&hashes, n));
    }
    Ok(())
}

/// Check that `batch` has the schema the profiler was made for.
pub(crate) fn check_schema(want: &SchemaRef, batch: &RecordBatch) -> Result<()> {
    let got = batch.schema();
    if got.fields().len() != want.fields().len() {
        return Err(Error::BatchSchema(format!(
            "{} columns, expected {}",
            got.fields().len(),
            want.fields().len()
        )));
    }
    for (g, w) in got.fields().iter().zip(want.fields()) {
        if g.name() != w.name() || g.data_type() != w.data_type() {
            return Err(Error::BatchSchema(format!(
                "column '{}' of type {} where '{}' of type {} was expected",
                g.name(),
                g.data_type(),
                w.name(),
                w.data_type()
            )));
        }
    }
    Ok(())
}
