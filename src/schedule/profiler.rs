//! The streaming profiler: one pass over record batches of any size, folding every batch into
//! the accumulators of each column and of the dataset.
//!
//! Batches are folded at fixed row boundaries of the stream (multiples of [`PART_ROWS`]): rows
//! left over from one batch wait for the next, so a profile does not depend on how the stream
//! was cut into batches, nor on the thread count. Within a fold, numeric columns are cut into
//! parts of [`PART_ROWS`] rows that run in parallel beside every column's sketches, and merge in
//! row order.

use super::plan::{self, Kind, Leaf};
use super::{Outcome, ProfileOptions};
use crate::error::{Error, Result};
use crate::metrics::accumulator::Accumulator;
use crate::metrics::correlation::{CorrelationPart, Correlations};
use crate::metrics::moments::cpu::{self, NumericInput, NumericState, Prepared};
use crate::metrics::moments::grid::cells_for;
use crate::metrics::moments::{HistSpec, NumericAcc, NumericPart};
use crate::metrics::rows::RowAcc;
use crate::metrics::sketch::{hash_bytes, row_hashes, ColSketch, NULL_HASH};
use crate::metrics::strings::LengthState;
use crate::profile::{
    ColumnKind, ColumnProfile, ColumnState, DatasetState, Profile, FORMAT_VERSION,
};
use arrow::array::{Array, ArrayRef, RecordBatch};
use arrow::datatypes::SchemaRef;
use rayon::prelude::*;
use std::sync::Arc;

/// Rows per CPU work item and per fold boundary: fixed so results do not depend on the batch
/// sizes or the number of threads.
pub const PART_ROWS: usize = 16 * 1024;

/// The GPU side of a run.
pub(crate) trait NumericEngine: Send {
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
                    "correlations of {} numeric columns: at most {} (use --no-correlations)",
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
                "{numeric} numeric columns: correlations are off above {} (pass --correlations to compute all {} pairs)",
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
}

enum Done {
    Part(usize, NumericAcc),
    Hashes(usize, Vec<u64>),
    Nothing,
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

/// Fold one batch (already checked against the schema) into `st` on the CPU; numeric moments
/// too when `numeric_on_cpu`, else only their grids (the engine has their moments).
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
    // Element columns on the CPU: values carried from the last batch first, and the values past
    // the last whole part carried to the next.
    let mut moments_arrays: Vec<Option<ArrayRef>> = vec![None; arrays.len()];
    for (i, l) in c.leaves.iter().enumerate() {
        if l.kind != Kind::Numeric || !numeric_on_cpu || l.element_of.is_none() {
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
        moments_arrays[i] = Some(all.slice(0, whole));
    }
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
        inputs
            .par_iter()
            .map(|i| i.as_ref().map(|i| cpu::range(i, 0, i.len)))
            .collect()
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
    let by_column = numeric_cols >= 2 * rayon::current_num_threads();
    let hashing = c.row_hashes;
    let mut items: Vec<Item> = Vec::new();
    let mut hash_slots: Vec<Option<Vec<u64>>> = vec![None; batch.num_columns()];
    for (i, col) in st.cols.iter_mut().enumerate() {
        let leaf = &c.leaves[i];
        let ColumnState {
            numeric,
            lengths: lens,
            sketch,
            ..
        } = col;
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
    let done: Vec<Done> = items
        .into_par_iter()
        .map(|it| match it {
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
            Item::Corr(corr, ins, n) => {
                corr.update(CorrelationPart {
                    columns: &ins,
                    start: 0,
                    end: n,
                });
                Done::Nothing
            }
        })
        .collect();
    for d in done {
        match d {
            Done::Part(i, acc) => {
                if let Some(n) = &mut st.cols[i].numeric {
                    n.merge(&acc)?;
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

/// Build the profile of finished states (counting their duplicate rows first); the column
/// states move into the profile.
pub(crate) fn build_profile(
    c: &Compiled,
    st: &mut States,
    device: String,
    bins: u32,
    sources: Vec<crate::profile::SourceInfo>,
    errors: Vec<crate::profile::FileError>,
) -> Profile {
    st.seal();
    let rows = st.rows(c);
    let columns = c
        .leaves
        .iter()
        .zip(std::mem::take(&mut st.cols))
        .map(|(l, s)| {
            let kind = match &l.kind {
                Kind::Numeric => ColumnKind::Numeric,
                Kind::Lengths { binary: false } => ColumnKind::String,
                Kind::Lengths { binary: true } => ColumnKind::Binary,
                Kind::List => ColumnKind::List,
                Kind::Struct => ColumnKind::Struct,
                Kind::Skipped(_) => ColumnKind::Skipped,
            };
            let mut state = s;
            if let Some(n) = &mut state.numeric {
                n.grid.trim();
            }
            let mut col = ColumnProfile::new(l.name.clone(), l.data_type.to_string(), kind, state);
            col.element_of = l.element_of.clone();
            if let Kind::Skipped(why) = &l.kind {
                col.skipped_reason = Some(why.clone());
            }
            col
        })
        .collect();
    let mut p = Profile {
        format_version: FORMAT_VERSION,
        generator: format!("datassay {}", env!("CARGO_PKG_VERSION")),
        rows,
        device,
        histogram_bins: bins,
        sources,
        errors,
        columns,
        correlations: None,
        embedding: None,
        near_duplicates: None,
        duplicate_rows: None,
        parts: Vec::new(),
        state: DatasetState {
            duplicate_rows: st.rows.as_ref().map(|r| {
                debug_assert_eq!(r.pending_rows(), 0, "states are sealed before");
                r.clone()
            }),
            correlations: st.corr.clone(),
        },
    };
    p.refresh();
    p
}

/// A streaming profiler (module docs).
///
/// ```
/// use datassay::{Profiler, ProfileOptions, Device};
/// use arrow::array::{Int64Array, RecordBatch};
/// use std::sync::Arc;
///
/// let batch = |v: Vec<i64>| {
///     RecordBatch::try_from_iter([("x", Arc::new(Int64Array::from(v)) as _)]).unwrap()
/// };
/// let opts = ProfileOptions { device: Device::Cpu, ..Default::default() };
/// let mut p = Profiler::new(batch(vec![]).schema(), &opts).unwrap();
/// p.update(&batch(vec![1, 2, 3])).unwrap();
/// p.update(&batch(vec![4, 4])).unwrap();
/// let profile = p.finish().unwrap().profile;
/// assert_eq!(profile.rows, 5);
/// assert_eq!(profile.column("x").unwrap().numeric.as_ref().unwrap().max, Some(4.0));
/// ```
pub struct Profiler {
    c: Arc<Compiled>,
    opts: ProfileOptions,
    states: States,
    engine: Option<Box<dyn NumericEngine>>,
    device: String,
    pending: Vec<RecordBatch>,
    pending_rows: usize,
    notices: Vec<String>,
}

impl Profiler {
    /// A profiler of batches of `schema` (one pass; histograms from the grid).
    pub fn new(schema: SchemaRef, opts: &ProfileOptions) -> Result<Profiler> {
        super::check_options(opts)?;
        if schema.fields().is_empty() {
            return Err(Error::NoInput("the schema has no columns".into()));
        }
        let c = Arc::new(Compiled::new(schema, opts, &[])?);
        let mut notices = c.notices(opts);
        let engine = super::open_engine(opts, &mut notices, opts.read.batch_rows.max(1 << 20))?;
        Ok(Profiler::with_engine(c, opts, engine, notices))
    }

    pub(crate) fn with_engine(
        c: Arc<Compiled>,
        opts: &ProfileOptions,
        engine: Option<Box<dyn NumericEngine>>,
        notices: Vec<String>,
    ) -> Profiler {
        let device = engine
            .as_ref()
            .map_or_else(|| "cpu".to_string(), |e| e.describe());
        Profiler {
            states: c.empty(),
            c,
            opts: opts.clone(),
            engine,
            device,
            pending: Vec::new(),
            pending_rows: 0,
            notices,
        }
    }

    /// Fold `rows` (a multiple of [`PART_ROWS`], or the end of the stream) into the states.
    fn fold(&mut self, batch: &RecordBatch) -> Result<()> {
        let on_cpu = self.engine.is_none();
        let engine = self.engine.as_deref_mut();
        let r = fold_cpu(&self.c, batch, &mut self.states, on_cpu, engine);
        if let Err(Error::Gpu(msg)) = &r {
            // A lost device: the data already sent is lost with it; the caller must start
            // again (profile_paths does, on the CPU).
            return Err(Error::Gpu(msg.clone()));
        }
        r
    }

    /// Fold one record batch (any number of rows; batches of any sizes give the same profile).
    pub fn update(&mut self, batch: &RecordBatch) -> Result<()> {
        check_schema(&self.c.schema, batch)?;
        if self.engine.is_some() {
            // The GPU takes each batch whole (its figures depend on its own chunking, within
            // f64 rounding); small batches only cost submissions.
            return self.fold(batch);
        }
        let mut b = batch.clone();
        if self.pending_rows > 0 {
            let need = PART_ROWS - self.pending_rows;
            if b.num_rows() < need {
                self.pending_rows += b.num_rows();
                self.pending.push(b);
                return Ok(());
            }
            self.pending.push(b.slice(0, need));
            let chunk = arrow::compute::concat_batches(&self.c.schema, &self.pending)
                .map_err(|e| Error::BatchSchema(e.to_string()))?;
            self.pending.clear();
            self.pending_rows = 0;
            self.fold(&chunk)?;
            b = b.slice(need, b.num_rows() - need);
        }
        let n = b.num_rows();
        let aligned = n / PART_ROWS * PART_ROWS;
        if aligned > 0 {
            self.fold(&b.slice(0, aligned))?;
        }
        if aligned < n {
            self.pending.push(b.slice(aligned, n - aligned));
            self.pending_rows = n - aligned;
        }
        Ok(())
    }

    /// Fold what waits and hand the engine's states over.
    pub(crate) fn flush(&mut self) -> Result<()> {
        if !self.pending.is_empty() {
            let chunk = arrow::compute::concat_batches(&self.c.schema, &self.pending)
                .map_err(|e| Error::BatchSchema(e.to_string()))?;
            self.pending.clear();
            self.pending_rows = 0;
            self.fold(&chunk)?;
        }
        self.states.drain()?;
        if let Some(e) = self.engine.as_mut() {
            let st = e.take(self.c.leaves.len())?;
            self.states.absorb(st);
        }
        Ok(())
    }

    pub(crate) fn compiled(&self) -> Arc<Compiled> {
        self.c.clone()
    }

    /// Rows folded or waiting.
    pub fn rows(&self) -> u64 {
        self.states.rows(&self.c) + self.pending_rows as u64
    }

    /// Bytes the states hold (not counting batches waiting to be folded).
    pub fn size_bytes(&self) -> usize {
        self.states
            .cols
            .iter()
            .map(|c| c.size_bytes())
            .sum::<usize>()
            + self.states.rows.as_ref().map_or(0, |r| r.size_bytes())
            + self.states.corr.as_ref().map_or(0, |c| c.size_bytes())
    }

    /// The states (after [`Profiler::flush`]), the engine, the notices and the device.
    pub(crate) fn into_parts(
        self,
    ) -> (States, Option<Box<dyn NumericEngine>>, Vec<String>, String) {
        (self.states, self.engine, self.notices, self.device)
    }

    /// Finish: the profile of every row given, and notices.
    pub fn finish(mut self) -> Result<Outcome> {
        self.flush()?;
        let mut profile = build_profile(
            &self.c,
            &mut self.states,
            self.device.clone(),
            self.opts.bins,
            Vec::new(),
            Vec::new(),
        );
        profile.seal();
        Ok(Outcome {
            profile,
            notices: self.notices,
        })
    }
}

impl std::fmt::Debug for Profiler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Profiler")
            .field("columns", &self.c.leaves.len())
            .field("rows", &self.rows())
            .field("device", &self.device)
            .finish()
    }
}
