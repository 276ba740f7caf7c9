//! The host-side scheduler: plans the metrics of each column, streams record batches from the
//! readers, routes numeric columns to the GPU or to the CPU twins on all cores, and merges states.
//!
//! A run has two passes over numeric data. The histogram needs the range of the finite values
//! first: it comes from Parquet footer statistics when every row group has exact finite ones
//! (no extra read), and from a min/max scan of just those columns otherwise (CSV and JSON files
//! are then parsed twice). The main pass folds every batch into per-file states, which join the
//! dataset's states only when the file has been read to its end: a file that fails half-way is
//! reported and leaves no trace in the figures. Decoding runs on its own thread, a few batches
//! ahead of the kernels. Results do not depend on the thread count: work is split at fixed row
//! boundaries and merged in order.

use crate::error::{Error, Result};
use crate::metrics::moments::cpu::{self, NumericState, Prepared};
use crate::metrics::moments::{HistSpec, Histogram};
use crate::metrics::sketch::{row_hashes, ColSketch, DuplicateRows, SketchOptions};
use crate::metrics::strings::{string_kind, LengthState};
use crate::profile::{
    ColumnKind, ColumnProfile, FileError, LengthProfile, NumericProfile, Profile, SketchProfile,
    SourceInfo, FORMAT_VERSION,
};
use crate::source::dataset::{self as conform, Layout};
use crate::source::{expand_noting, ReadOptions, SourceFile};
use arrow::array::{Array, ArrayRef, RecordBatch};
use arrow::datatypes::{DataType, Schema};
use rayon::prelude::*;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::sync_channel;

/// Rows per CPU work item: fixed so results do not depend on the number of threads.
const PART_ROWS: usize = 16 * 1024;

/// Smallest read batch on the GPU path.
const GPU_BATCH_ROWS: usize = 1 << 20;

/// Where numeric kernels run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Device {
    /// The GPU when an adapter is usable, else the CPU (with a notice).
    #[default]
    Auto,
    Gpu,
    Cpu,
}

/// Options of a profiling run.
#[derive(Clone, Debug)]
pub struct ProfileOptions {
    /// Histogram bins per numeric column.
    pub bins: u32,
    pub device: Device,
    pub read: ReadOptions,
    /// Use the f32 GPU kernels even where the adapter has f64 (they are the path of adapters
    /// without SHADER_F64; this makes them testable anywhere).
    pub gpu_force_f32: bool,
    /// Sketches of every column (quantiles, distinct counts, top values); `None`: none.
    pub sketch: Option<SketchOptions>,
    /// Quantiles reported, each in [0, 1].
    pub quantiles: Vec<f64>,
    /// Top values reported per column.
    pub top: usize,
    /// Exact quantiles, by one more pass over the numeric columns.
    pub exact_quantiles: bool,
    /// Count duplicate rows (needs the sketches: they hash every value).
    pub duplicate_rows: bool,
}

impl Default for ProfileOptions {
    fn default() -> Self {
        ProfileOptions {
            bins: 32,
            device: Device::Auto,
            read: ReadOptions::default(),
            gpu_force_f32: false,
            sketch: Some(SketchOptions::default()),
            quantiles: crate::profile::DEFAULT_QUANTILES.to_vec(),
            top: 10,
            exact_quantiles: false,
            duplicate_rows: true,
        }
    }
}

/// Progress of a run, reported through the callback of [`profile_paths`].
#[derive(Clone, Debug)]
pub struct Progress {
    /// `"range"` (the min/max pass, when needed) or `"profile"`.
    pub phase: &'static str,
    pub rows: u64,
    /// Bytes of input files done, and in all (sizes on disk).
    pub bytes: u64,
    pub total_bytes: u64,
}

/// A finished run: the profile and notices worth telling the user (fallbacks, warnings).
#[derive(Debug)]
pub struct Outcome {
    pub profile: Profile,
    pub notices: Vec<String>,
}

/// What a column gets.
#[derive(Clone, Debug)]
enum Plan {
    Numeric,
    Lengths { binary: bool },
    Skipped(String),
}

fn plan_for(dt: &DataType) -> Plan {
    let dt = match dt {
        DataType::Dictionary(_, v) => v.as_ref(),
        other => other,
    };
    if cpu::is_numeric(dt) {
        Plan::Numeric
    } else if let Some(binary) = string_kind(dt) {
        Plan::Lengths { binary }
    } else {
        let why = match dt {
            DataType::Null => "holds only nulls (type null)".to_string(),
            DataType::List(_)
            | DataType::LargeList(_)
            | DataType::ListView(_)
            | DataType::LargeListView(_)
            | DataType::FixedSizeList(..)
            | DataType::Struct(_)
            | DataType::Map(..)
            | DataType::Union(..) => format!("nested type {dt} is not profiled yet"),
            _ => format!("type {dt} is not profiled"),
        };
        Plan::Skipped(why)
    }
}

/// Decode dictionary arrays to their values, so kernels see plain arrays.
fn plain(arr: &ArrayRef) -> ArrayRef {
    match arr.data_type() {
        DataType::Dictionary(_, v) => {
            arrow::compute::cast(arr, v).expect("a dictionary always casts to its value type")
        }
        _ => arr.clone(),
    }
}

/// The GPU side of a run.
pub(crate) trait NumericEngine {
    /// Fold one numeric column chunk into the state of column `col` of the current file.
    fn update(
        &mut self,
        col: usize,
        input: &cpu::NumericInput,
        spec: Option<&HistSpec>,
    ) -> Result<()>;
    /// Wait for all work and hand out the current file's states (and reset them).
    fn take(&mut self, ncols: usize) -> Result<Vec<NumericState>>;
    fn describe(&self) -> String;
}

#[cfg(feature = "gpu")]
use crate::metrics::moments::gpu::GpuMoments;

#[cfg(feature = "gpu")]
impl NumericEngine for GpuMoments {
    fn update(
        &mut self,
        col: usize,
        input: &cpu::NumericInput,
        spec: Option<&HistSpec>,
    ) -> Result<()> {
        GpuMoments::update(self, col, input, spec)
    }
    fn take(&mut self, ncols: usize) -> Result<Vec<NumericState>> {
        GpuMoments::take(self, ncols)
    }
    fn describe(&self) -> String {
        GpuMoments::describe(self)
    }
}

/// Per-file (or per-dataset) states: every column's, and the row hashes.
#[derive(Clone)]
struct States {
    cols: Vec<ColState>,
    /// Sketches of each column (`None` for skipped columns, or when sketches are off).
    sketches: Vec<Option<ColSketch>>,
    /// Hash of every row, in row order (empty unless duplicate rows are counted).
    rows: Vec<u64>,
}

/// What folds a batch: the plans, histogram specs, empty sketches and whether rows are hashed.
#[derive(Clone, Copy)]
struct Fold<'a> {
    plans: &'a [Plan],
    specs: &'a [Option<HistSpec>],
    sketches: &'a [Option<ColSketch>],
    row_hashes: bool,
}

/// Per-column state of one kind.
#[derive(Clone)]
enum ColState {
    Numeric(NumericState),
    Lengths(LengthState),
    Skipped { rows: u64, nulls: u64 },
}

struct Run<'a> {
    opts: &'a ProfileOptions,
    schema: Schema,
    plans: Vec<Plan>,
    specs: Vec<Option<HistSpec>>,
    /// Empty sketches of each column.
    sketches: Vec<Option<ColSketch>>,
    engine: Option<Box<dyn NumericEngine>>,
    notices: Vec<String>,
}

/// Empty sketches for each column of `schema` (none for skipped columns).
fn sketch_protos(schema: &Schema, plans: &[Plan], opts: &ProfileOptions) -> Vec<Option<ColSketch>> {
    schema
        .fields()
        .iter()
        .zip(plans)
        .map(|(f, p)| match (p, &opts.sketch) {
            (Plan::Skipped(_), _) | (_, None) => None,
            (_, Some(o)) => Some(ColSketch::new(f.data_type(), o)),
        })
        .collect()
}

impl Run<'_> {
    fn fold(&self) -> Fold<'_> {
        Fold {
            plans: &self.plans,
            specs: &self.specs,
            sketches: &self.sketches,
            row_hashes: self.opts.duplicate_rows && self.opts.sketch.is_some(),
        }
    }

    fn empty_states(&self) -> States {
        empty_states(&self.fold())
    }

    fn fold_cpu(&self, batch: &RecordBatch, states: &mut States, numeric_on_cpu: bool) {
        fold_cpu(&self.fold(), batch, states, numeric_on_cpu)
    }

    /// Fold one batch: numeric columns to the engine when there is one, the rest on the CPU.
    fn fold_batch(
        &mut self,
        b: &RecordBatch,
        states: &mut States,
        numeric_on_cpu: bool,
    ) -> Result<()> {
        if let Some(engine) = self.engine.as_mut() {
            for (c, plan) in self.plans.iter().enumerate() {
                if let Plan::Numeric = plan {
                    let arr = plain(b.column(c));
                    let p = Prepared::new(&arr);
                    engine.update(
                        c,
                        &p.input().expect("planned numeric"),
                        self.specs[c].as_ref(),
                    )?;
                }
            }
        }
        self.fold_cpu(b, states, numeric_on_cpu);
        Ok(())
    }

    /// Take the engine's states of the current input and merge them into `states`.
    fn drain_engine(&mut self, states: &mut States) -> Result<()> {
        if let Some(e) = self.engine.as_mut() {
            for (c, st) in e.take(self.plans.len())?.into_iter().enumerate() {
                if let (Plan::Numeric, ColState::Numeric(s)) = (&self.plans[c], &mut states.cols[c])
                {
                    s.merge(&st);
                }
            }
        }
        Ok(())
    }

    /// Profile one file; a GPU failure (device lost, out of memory) sends this file and the rest
    /// of the run to the CPU, with a notice. Reader panics become errors for the file.
    fn profile_file(
        &mut self,
        f: &SourceFile,
        layout: &Layout,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<States> {
        let result = crate::error::guarded(&f.path, || self.file_states(f, layout, progress));
        match result {
            Err(Error::Gpu(msg)) => {
                self.notices
                    .push(format!("gpu failed ({msg}); profiling the rest on the CPU"));
                self.engine = None;
                crate::error::guarded(&f.path, || self.file_states(f, layout, progress))
            }
            other => other,
        }
    }

    /// Profile one file into fresh states.
    fn file_states(
        &mut self,
        f: &SourceFile,
        layout: &Layout,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<States> {
        let numeric_on_cpu = self.engine.is_none();
        let row_groups = if numeric_on_cpu { f.row_groups() } else { 0 };
        if row_groups > 1 {
            let rows = AtomicU64::new(0);
            let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
            let fold = self.fold();
            return std::thread::scope(|s| {
                let worker = s.spawn(|| {
                    let r = parquet_parallel(&fold, f, layout, row_groups, &rows);
                    let _ = done_tx.send(());
                    r
                });
                // Progress every 100 ms; woken at once when the work is done.
                while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                    done_rx.recv_timeout(std::time::Duration::from_millis(100))
                {
                    progress(rows.load(Ordering::Relaxed), 0);
                }
                let r = worker.join().expect("profiling thread panicked");
                progress(rows.load(Ordering::Relaxed), 0);
                r
            });
        }
        let mut states = self.empty_states();
        let batches = f.batches(None)?;
        let (tx, rx) = sync_channel::<Result<RecordBatch>>(4);
        let result = std::thread::scope(|s| -> Result<()> {
            s.spawn(move || {
                for b in batches {
                    if tx.send(b).is_err() {
                        break;
                    }
                }
            });
            let mut rows = 0u64;
            for b in rx {
                let b = layout.conform(b?, &f.path)?;
                self.fold_batch(&b, &mut states, numeric_on_cpu)?;
                rows += b.num_rows() as u64;
                progress(rows, b.num_rows() as u64);
            }
            Ok(())
        });
        // Always drain the engine so the next file starts clean.
        let drained = self.drain_engine(&mut states);
        result?;
        drained?;
        Ok(states)
    }
}

/// Fold one batch into `states` on the CPU (numeric columns too when there is no engine).
/// The sketches of every column run beside the other kernels, one task per column.
fn fold_cpu(f: &Fold, batch: &RecordBatch, states: &mut States, numeric_on_cpu: bool) {
    let (plans, specs) = (f.plans, f.specs);
    enum Item<'b> {
        /// Rows `s..e` of a numeric column, into a state of their own merged afterwards.
        Part(usize, &'b Prepared, usize, usize),
        /// Every part of a numeric column in turn, each merged straight into the column's state.
        Column(&'b mut ColState, usize, &'b Prepared),
        Whole(usize, ArrayRef),
    }
    let cols: Vec<ArrayRef> = batch.columns().iter().map(plain).collect();
    let prepared: Vec<Option<Prepared>> = cols
        .iter()
        .zip(plans)
        .map(|(a, p)| (matches!(p, Plan::Numeric) && numeric_on_cpu).then(|| Prepared::new(a)))
        .collect();
    // Parts of one column run in parallel when there are few columns. With many columns, or
    // large histograms, each column's parts run in turn inside one task, so only one part state
    // (and its histogram) a thread is alive: memory then follows the threads, not the columns.
    // Both fold the same parts in the same order, so the figures are the same either way.
    let numeric_cols = plans.iter().filter(|p| matches!(p, Plan::Numeric)).count();
    let bins = specs
        .iter()
        .flatten()
        .map(|s| s.bins as usize)
        .max()
        .unwrap_or(0);
    let by_column = numeric_cols >= 2 * rayon::current_num_threads() || bins > 1024;
    let mut items = Vec::new();
    for ((c, plan), st) in plans.iter().enumerate().zip(states.cols.iter_mut()) {
        match plan {
            Plan::Numeric if numeric_on_cpu && by_column => {
                items.push(Item::Column(st, c, prepared[c].as_ref().unwrap()));
            }
            Plan::Numeric if numeric_on_cpu => {
                let p = prepared[c].as_ref().unwrap();
                let n = cols[c].len();
                let mut s = 0;
                while s < n {
                    let e = (s + PART_ROWS).min(n);
                    items.push(Item::Part(c, p, s, e));
                    s = e;
                }
            }
            Plan::Numeric => {}
            _ => items.push(Item::Whole(c, cols[c].clone())),
        }
    }
    let part = |c: usize, p: &Prepared, s: usize, e: usize| {
        let spec = specs[c].as_ref();
        let mut st = NumericState::new(spec);
        let input = p.input().expect("planned numeric");
        cpu::update(&mut st, &input, s, e, spec);
        st
    };

    let sketch_cols: Vec<(usize, &mut ColSketch)> = states
        .sketches
        .iter_mut()
        .enumerate()
        .filter_map(|(c, s)| s.as_mut().map(|s| (c, s)))
        .collect();
    let row_hashing = f.row_hashes;
    let sketching = || -> Vec<Vec<u64>> {
        sketch_cols
            .into_par_iter()
            .map(|(c, sk)| {
                let mut h = Vec::new();
                sk.update(cols[c].as_ref(), &mut h);
                if !row_hashing {
                    h = Vec::new();
                }
                h
            })
            .collect()
    };
    let kernels = || -> Vec<(usize, ColState)> {
        items
            .into_par_iter()
            .filter_map(|it| match it {
                Item::Part(c, p, s, e) => Some((c, ColState::Numeric(part(c, p, s, e)))),
                Item::Column(st, c, p) => {
                    let n = cols[c].len();
                    let mut s = 0;
                    while s < n {
                        let e = (s + PART_ROWS).min(n);
                        merge_state(st, &ColState::Numeric(part(c, p, s, e)));
                        s = e;
                    }
                    None
                }
                Item::Whole(c, a) => Some(match &plans[c] {
                    Plan::Lengths { .. } => {
                        let mut st = LengthState::default();
                        st.update(&a);
                        (c, ColState::Lengths(st))
                    }
                    _ => (
                        c,
                        ColState::Skipped {
                            rows: a.len() as u64,
                            nulls: a.logical_null_count() as u64,
                        },
                    ),
                }),
            })
            .collect()
    };
    let (results, hashes) = rayon::join(kernels, sketching);
    for (c, r) in results {
        merge_state(&mut states.cols[c], &r);
    }
    if row_hashing {
        states.rows.extend(row_hashes(&hashes, batch.num_rows()));
    }
}

fn empty_states(f: &Fold) -> States {
    States {
        cols: f
            .plans
            .iter()
            .zip(f.specs)
            .map(|(p, s)| match p {
                Plan::Numeric => ColState::Numeric(NumericState::new(s.as_ref())),
                Plan::Lengths { .. } => ColState::Lengths(LengthState::default()),
                Plan::Skipped(_) => ColState::Skipped { rows: 0, nulls: 0 },
            })
            .collect(),
        sketches: f.sketches.to_vec(),
        rows: Vec::new(),
    }
}

/// A Parquet file on the CPU path, its row groups decoded in parallel (decoding is single-threaded
/// per reader): each row group folds into its own states, merged in row-group order so the result
/// does not depend on scheduling. `rows` counts progress for the caller.
fn parquet_parallel(
    fold: &Fold,
    f: &SourceFile,
    layout: &Layout,
    row_groups: usize,
    rows: &AtomicU64,
) -> Result<States> {
    // Row groups are folded a window at a time and merged in order, so at most a window of
    // row-group states (each as large as every column's state) is alive, however many row
    // groups the file has.
    let window = 2 * rayon::current_num_threads();
    let mut total = empty_states(fold);
    let mut start = 0;
    while start < row_groups {
        let end = (start + window).min(row_groups);
        let parts: Vec<Result<States>> = (start..end)
            .into_par_iter()
            .map(|rg| {
                let mut st = empty_states(fold);
                for b in f.row_group_batches(vec![rg])? {
                    let b = layout.conform(b?, &f.path)?;
                    fold_cpu(fold, &b, &mut st, true);
                    rows.fetch_add(b.num_rows() as u64, Ordering::Relaxed);
                }
                Ok(st)
            })
            .collect();
        for p in parts {
            merge_states(&mut total, p?);
        }
        start = end;
    }
    Ok(total)
}

/// Merge the states of the rows that follow `a`'s.
fn merge_states(a: &mut States, b: States) {
    for (x, y) in a.cols.iter_mut().zip(&b.cols) {
        merge_state(x, y);
    }
    for (x, y) in a.sketches.iter_mut().zip(&b.sketches) {
        if let (Some(x), Some(y)) = (x, y) {
            x.merge(y).expect("sketches of one run share their options");
        }
    }
    if a.rows.is_empty() {
        a.rows = b.rows;
    } else {
        a.rows.extend_from_slice(&b.rows);
    }
}

fn merge_state(a: &mut ColState, b: &ColState) {
    match (a, b) {
        (ColState::Numeric(x), ColState::Numeric(y)) => x.merge(y),
        (ColState::Lengths(x), ColState::Lengths(y)) => x.merge(y),
        (ColState::Skipped { rows, nulls }, ColState::Skipped { rows: r, nulls: n }) => {
            *rows += r;
            *nulls += n;
        }
        _ => unreachable!("states of one column share a kind"),
    }
}

/// Open the engine for `device`. `Ok(None)`: CPU. Notices go to `notices`.
fn check_options(opts: &ProfileOptions) -> Result<()> {
    if opts.bins == 0 || opts.bins > crate::MAX_BINS {
        return Err(Error::Option(format!(
            "--bins must be between 1 and {}",
            crate::MAX_BINS
        )));
    }
    if opts.read.batch_rows == 0 || opts.read.batch_rows > crate::source::MAX_BATCH_ROWS {
        return Err(Error::Option(format!(
            "--batch-rows must be between 1 and {}",
            crate::source::MAX_BATCH_ROWS
        )));
    }
    Ok(())
}

/// Histogram counters a run may keep in one partial state (every numeric column's bins): 64M
/// counters are 512 MiB, and a run keeps a few such states alive.
pub const MAX_HISTOGRAM_COUNTERS: u64 = 1 << 26;

/// Refuse a bin count that would take more memory than the data deserves: memory follows
/// bins × numeric columns, and with tens of thousands of bins on thousands of columns a run
/// would be killed for memory instead of failing with a reason.
fn check_histogram_size(plans: &[Plan], bins: u32) -> Result<()> {
    let numeric = plans.iter().filter(|p| matches!(p, Plan::Numeric)).count() as u64;
    let counters = numeric * bins as u64;
    if counters > MAX_HISTOGRAM_COUNTERS {
        return Err(Error::Option(format!(
            "{bins} histogram bins over {numeric} numeric columns keep {counters} counters per partial state ({} MiB); at most {MAX_HISTOGRAM_COUNTERS}: use at most {} bins",
            (counters * 8) >> 20,
            MAX_HISTOGRAM_COUNTERS / numeric.max(1)
        )));
    }
    Ok(())
}

/// Staging slots hold one batch of one column (`rows` at most), up to 8M values.
fn open_engine(
    opts: &ProfileOptions,
    notices: &mut Vec<String>,
    rows: usize,
) -> Result<Option<Box<dyn NumericEngine>>> {
    #[cfg(not(feature = "gpu"))]
    let _ = rows;
    match opts.device {
        Device::Cpu => Ok(None),
        #[cfg(feature = "gpu")]
        Device::Auto | Device::Gpu => {
            let cap = rows.clamp(1, 8 << 20);
            match GpuMoments::open(opts.gpu_force_f32, cap, opts.device == Device::Gpu) {
                Ok(g) => Ok(Some(Box::new(g))),
                Err(e) if opts.device == Device::Auto => {
                    notices.push(format!("{e}; profiling on the CPU"));
                    Ok(None)
                }
                Err(e) => Err(e),
            }
        }
        #[cfg(not(feature = "gpu"))]
        Device::Auto => {
            notices.push("built without the gpu feature; profiling on the CPU".into());
            Ok(None)
        }
        #[cfg(not(feature = "gpu"))]
        Device::Gpu => Err(Error::Gpu(
            "datassay was built without the gpu feature".into(),
        )),
    }
}

/// Profile files and directories as one dataset.
///
/// Bad files (missing, unreadable, corrupt, of another schema) are listed in
/// [`Profile::errors`] and the rest is still profiled; the run fails only when no file is usable.
///
/// CSV and JSON types are inferred from each file's first rows (`infer_rows`); a value later in
/// a file that does not fit them (a float after integers, a key the first rows lacked) makes
/// the run infer that file's types from all of it and start again, with a notice: no value is
/// truncated and no column dropped.
pub fn profile_paths(
    paths: &[PathBuf],
    opts: &ProfileOptions,
    progress: Option<&(dyn Fn(&Progress) + Sync)>,
) -> Result<Outcome> {
    check_options(opts)?;
    let mut whole = std::collections::HashSet::new();
    let mut notices = Vec::new();
    loop {
        match profile_paths_once(paths, opts, progress, &whole)? {
            Ok(mut outcome) => {
                notices.append(&mut outcome.notices);
                outcome.notices = notices;
                return Ok(outcome);
            }
            Err(conflicts) => {
                for (path, message) in conflicts {
                    notices.push(format!(
                        "{}: {message}; inferred its types again from the whole file and read it again (an infer-rows of 0 does this from the start)",
                        path.display()
                    ));
                    whole.insert(path);
                }
            }
        }
    }
}

/// One attempt of [`profile_paths`]: `Ok(Err(conflicts))` names the files whose types must be
/// inferred from the whole file (those in `whole` already are).
fn profile_paths_once(
    paths: &[PathBuf],
    opts: &ProfileOptions,
    progress: Option<&(dyn Fn(&Progress) + Sync)>,
    whole: &std::collections::HashSet<PathBuf>,
) -> Result<std::result::Result<Outcome, Vec<(PathBuf, String)>>> {
    let (files, mut errors, walk_notices) = expand_noting(paths);
    let mut sources = Vec::new();
    let whole_opts = opts.read.whole_file_types();
    for f in files {
        let read = if whole.contains(&f) {
            &whole_opts
        } else {
            &opts.read
        };
        match crate::error::guarded(&f, || SourceFile::open(&f, read)) {
            Ok(s) => sources.push(s.strict()),
            Err(e) => errors.push(e),
        }
    }
    if sources.is_empty() {
        let msg = errors
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("; ");
        return Err(match errors.len() {
            1 => errors.pop().unwrap(),
            _ if msg.is_empty() => Error::NoInput("no input paths given".into()),
            _ => Error::NoInput(msg),
        });
    }
    // One schema for the dataset; files that do not fit are reported and left out.
    let (schema, fitting) = conform::fit(sources, &mut errors);
    let (mut sources, layouts): (Vec<SourceFile>, Vec<Layout>) = fitting.into_iter().unzip();
    let plans: Vec<Plan> = schema
        .fields()
        .iter()
        .map(|f| plan_for(f.data_type()))
        .collect();
    check_histogram_size(&plans, opts.bins)?;
    let total_bytes: u64 = sources.iter().map(|s| s.bytes).sum();
    let report = |phase, rows, bytes| {
        if let Some(p) = progress {
            p(&Progress {
                phase,
                rows,
                bytes,
                total_bytes,
            })
        }
    };

    // Pass one: histogram ranges.
    let numeric: Vec<usize> = (0..plans.len())
        .filter(|&c| matches!(plans[c], Plan::Numeric))
        .collect();
    let mut ranges: Vec<(f64, f64)> = vec![(f64::INFINITY, f64::NEG_INFINITY); plans.len()];
    let mut bad = vec![false; sources.len()];
    let mut done_bytes = 0u64;
    for (i, s) in sources.iter().enumerate() {
        let layout = &layouts[i];
        // Footer statistics stand for a column only when it is read as it is (not cast).
        let footer: Vec<Option<(f64, f64)>> = numeric
            .iter()
            .map(|&c| match layout.file_column(c) {
                Some(fc) if layout.as_is(c) => s.footer_ranges(&[fc])[0],
                _ => None,
            })
            .collect();
        // Readers return projected columns in file order: scan in that order.
        let mut scan: Vec<(usize, usize)> = numeric
            .iter()
            .zip(&footer)
            .filter(|(_, r)| r.is_none())
            .filter_map(|(&c, _)| Some((layout.file_column(c)?, c)))
            .collect();
        scan.sort();
        let projection: Vec<usize> = scan.iter().map(|&(f, _)| f).collect();
        let mut local = ranges.clone();
        for (&c, r) in numeric.iter().zip(&footer) {
            if let Some((lo, hi)) = r {
                local[c] = (local[c].0.min(*lo), local[c].1.max(*hi));
            }
        }
        if !scan.is_empty() {
            let scanned = crate::error::guarded(&s.path, || -> Result<()> {
                let mut rows = 0;
                for b in s.batches(Some(&projection))? {
                    let b = b?;
                    for (k, &(_, c)) in scan.iter().enumerate() {
                        let arr = plain(&layout.column(c, b.column(k), &s.path)?);
                        let p = Prepared::new(&arr);
                        let input = p.input().expect("planned numeric");
                        let (lo, hi) = cpu::range(&input, 0, arr.len());
                        local[c] = (local[c].0.min(lo), local[c].1.max(hi));
                    }
                    rows += b.num_rows() as u64;
                    report("range", rows, done_bytes + s.progress_bytes(rows));
                }
                Ok(())
            });
            if let Err(e) = scanned {
                errors.push(e);
                bad[i] = true;
                continue;
            }
        }
        done_bytes += s.bytes;
        ranges = local;
    }
    let specs = specs_of(&ranges, opts.bins);

    let mut notices = walk_notices;
    let engine = open_engine(opts, &mut notices, opts.read.batch_rows.max(GPU_BATCH_ROWS))?;
    if engine.is_some() {
        // Each batch is one upload and one dispatch per column: small batches would spend the
        // GPU's time on submission overhead. A million rows is 8 MB of f64 per column.
        for s in &mut sources {
            s.raise_batch_rows(GPU_BATCH_ROWS);
        }
    }
    let sketches = sketch_protos(&schema, &plans, opts);
    let mut run = Run {
        opts,
        schema,
        plans,
        specs,
        sketches,
        engine,
        notices,
    };
    let device = run
        .engine
        .as_ref()
        .map_or_else(|| "cpu".to_string(), |e| e.describe());

    // Pass two: every metric.
    let mut total = run.empty_states();
    let mut infos = Vec::new();
    let mut rows_all = 0u64;
    let mut done_bytes = 0u64;
    for (i, s) in sources.iter().enumerate() {
        if bad[i] {
            continue;
        }
        let mut tick = |rows: u64, _n: u64| {
            report(
                "profile",
                rows_all + rows,
                done_bytes + s.progress_bytes(rows),
            );
        };
        let result = run.profile_file(s, &layouts[i], &mut tick);
        match result {
            Ok(st) => {
                let rows = match &st.cols.first() {
                    Some(ColState::Numeric(n)) => n.counts.rows,
                    Some(ColState::Lengths(l)) => l.rows,
                    Some(ColState::Skipped { rows, .. }) => *rows,
                    None => 0,
                };
                merge_states(&mut total, st);
                rows_all += rows;
                infos.push(SourceInfo {
                    path: s.path.display().to_string(),
                    format: s.format.name().to_string(),
                    rows,
                });
            }
            Err(e) => {
                // Its range already widened the histogram edges; its values are not in the counts.
                if !numeric.is_empty() {
                    run.notices.push(format!(
                        "{} failed after the range pass: histogram edges may extend past the values counted",
                        s.path.display()
                    ));
                }
                errors.push(e)
            }
        }
        done_bytes += s.bytes;
    }
    let conflicts: Vec<(PathBuf, String)> = errors
        .iter()
        .filter_map(|e| match e {
            Error::TypeConflict { path, message } if !whole.contains(path) => {
                Some((path.clone(), message.clone()))
            }
            _ => None,
        })
        .collect();
    if !conflicts.is_empty() {
        return Ok(Err(conflicts));
    }
    if infos.is_empty() {
        let msg = errors
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("; ");
        return Err(Error::NoInput(msg));
    }
    let mut profile = build_profile(&run, &total, rows_all, device, infos, &errors);
    if opts.exact_quantiles {
        let good: Vec<usize> = (0..sources.len()).filter(|&i| !bad[i]).collect();
        exact_quantiles(&mut profile, &run, &total, &mut |c, each| {
            for &i in &good {
                let s = &sources[i];
                let Some(fc) = layouts[i].file_column(c) else {
                    continue;
                };
                for b in s.batches(Some(&[fc]))? {
                    each(&plain(&layouts[i].column(c, b?.column(0), &s.path)?));
                }
            }
            Ok(())
        })?;
    }
    // The parts are the files' contents: the same file profiled again (under another path, or
    // with other options) cannot be merged with this profile.
    let mut parts: Vec<String> = sources
        .iter()
        .filter(|s| {
            let shown = s.path.display().to_string();
            profile.sources.iter().any(|i| i.path == shown)
        })
        .filter_map(|s| crate::util::walk::fingerprint(&s.path))
        .collect();
    parts.sort();
    parts.dedup();
    profile.parts = parts;
    profile.seal();
    Ok(Ok(Outcome {
        profile,
        notices: run.notices,
    }))
}

fn build_profile(
    run: &Run,
    total: &States,
    rows: u64,
    device: String,
    sources: Vec<SourceInfo>,
    errors: &[Error],
) -> Profile {
    let columns = run
        .schema
        .fields()
        .iter()
        .zip(&run.plans)
        .zip(&total.cols)
        .zip(&run.specs)
        .zip(&total.sketches)
        .map(|((((f, plan), st), spec), sk)| {
            let base = |kind, rows, nulls| ColumnProfile {
                name: f.name().clone(),
                data_type: f.data_type().to_string(),
                kind,
                skipped_reason: None,
                rows,
                count: rows - nulls,
                nulls,
                numeric: None,
                lengths: None,
                sketches: sk.as_ref().map(|sk| {
                    SketchProfile::build(
                        sk,
                        &run.opts.quantiles,
                        run.opts.top,
                        rows - nulls,
                        &f.data_type().to_string(),
                    )
                }),
            };
            match (plan, st) {
                (Plan::Numeric, ColState::Numeric(s)) => {
                    let hist = spec
                        .as_ref()
                        .map(|sp| Histogram::from_counts(sp, s.hist.clone()));
                    let mut c = base(ColumnKind::Numeric, s.counts.rows, s.counts.nulls);
                    c.numeric = Some(NumericProfile::from_state(s, hist));
                    c
                }
                (Plan::Lengths { binary }, ColState::Lengths(s)) => {
                    let kind = if *binary {
                        ColumnKind::Binary
                    } else {
                        ColumnKind::String
                    };
                    let mut c = base(kind, s.rows, s.nulls);
                    c.lengths = Some(LengthProfile::from_state(s));
                    c
                }
                (Plan::Skipped(why), ColState::Skipped { rows, nulls }) => {
                    let mut c = base(ColumnKind::Skipped, *rows, *nulls);
                    c.skipped_reason = Some(why.clone());
                    c
                }
                _ => unreachable!("plan and state agree"),
            }
        })
        .collect();
    Profile {
        format_version: FORMAT_VERSION,
        generator: format!("datassay {}", env!("CARGO_PKG_VERSION")),
        rows,
        device,
        histogram_bins: run.opts.bins,
        sources,
        errors: errors
            .iter()
            .map(|e| FileError {
                path: e
                    .path()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
                error: e.to_string(),
            })
            .collect(),
        columns,
        embedding: None,
        near_duplicates: None,
        duplicate_rows: (run.opts.duplicate_rows && run.opts.sketch.is_some())
            .then(|| DuplicateRows::from_hashes(&total.rows)),
        parts: Vec::new(),
    }
}

/// Replace every numeric column's quantile estimates by exact values: the sketch names the
/// bucket that holds each quantile's rank and how many values lie below it, a further pass
/// (`scan(column, each)` hands every chunk of the column to `each`) keeps the values of those
/// buckets, and a selection among them gives the value of that rank.
type Scan<'a> = dyn FnMut(usize, &mut dyn FnMut(&ArrayRef)) -> Result<()> + 'a;

fn exact_quantiles(
    profile: &mut Profile,
    run: &Run,
    total: &States,
    scan: &mut Scan,
) -> Result<()> {
    use crate::metrics::sketch::ddsketch::{key, Bucket};
    for (c, sk) in total.sketches.iter().enumerate() {
        let Some(dd) = sk.as_ref().and_then(|s| s.quantiles.as_ref()) else {
            continue;
        };
        let n = dd.count();
        if n == 0 {
            continue;
        }
        // Each quantile: its rank, bucket and the values below the bucket.
        let targets: Vec<(f64, u64, Bucket, u64)> = run
            .opts
            .quantiles
            .iter()
            .filter_map(|&q| {
                let rank = crate::metrics::sketch::ddsketch::inverted_cdf_rank(n, q);
                dd.bucket_of_rank(rank)
                    .map(|(b, below)| (q, rank, b, below))
            })
            .collect();
        let mut wanted: Vec<Bucket> = targets.iter().map(|t| t.2).collect();
        wanted.sort();
        wanted.dedup();
        let mut kept: Vec<Vec<f64>> = vec![Vec::new(); wanted.len()];
        let slices = dd.slices;
        let mut buf = Vec::new();
        scan(c, &mut |arr: &ArrayRef| {
            let p = Prepared::new(arr);
            let Some(input) = p.input() else { return };
            buf.resize(input.len, 0.0);
            input.values.fill(0, &mut buf);
            for (i, &x) in buf.iter().enumerate() {
                let valid = input
                    .validity
                    .as_ref()
                    .is_none_or(|w| w[i / 64] >> (i % 64) & 1 == 1);
                if !valid || !x.is_finite() || x == 0.0 {
                    continue;
                }
                let b = if x > 0.0 {
                    Bucket::Pos(key(slices, x.to_bits()))
                } else {
                    Bucket::Neg(std::cmp::Reverse(key(slices, (-x).to_bits())))
                };
                if let Ok(k) = wanted.binary_search(&b) {
                    kept[k].push(x);
                }
            }
        })?;
        for v in &mut kept {
            v.sort_by(f64::total_cmp);
        }
        let exact: Vec<(f64, f64)> = targets
            .iter()
            .map(|&(q, rank, b, below)| {
                let v = match b {
                    Bucket::Zero => 0.0,
                    _ => {
                        let vals = &kept[wanted.binary_search(&b).unwrap()];
                        vals[(rank - below - 1) as usize]
                    }
                };
                (q, v)
            })
            .collect();
        if let Some(sp) = profile.columns[c].sketches.as_mut() {
            sp.set_exact_quantiles(&exact);
        }
    }
    Ok(())
}

/// Profile record batches held in memory (one schema). Two passes over them: ranges, then metrics.
pub fn profile_batches(batches: &[RecordBatch], opts: &ProfileOptions) -> Result<Profile> {
    let first = batches
        .first()
        .ok_or_else(|| Error::NoInput("no record batches given".into()))?;
    let schema = first.schema().as_ref().clone();
    if schema.fields().is_empty() {
        return Err(Error::NoInput("the batches have no columns".into()));
    }
    if let Some(b) = batches
        .iter()
        .find(|b| b.schema().fields() != schema.fields())
    {
        return Err(Error::NoInput(format!(
            "record batches differ in schema: {:?} and {:?}",
            schema.fields(),
            b.schema().fields()
        )));
    }
    check_options(opts)?;
    let plans: Vec<Plan> = schema
        .fields()
        .iter()
        .map(|f| plan_for(f.data_type()))
        .collect();
    check_histogram_size(&plans, opts.bins)?;
    let mut ranges = vec![(f64::INFINITY, f64::NEG_INFINITY); plans.len()];
    for b in batches {
        for (c, plan) in plans.iter().enumerate() {
            if let Plan::Numeric = plan {
                let arr = plain(b.column(c));
                let p = Prepared::new(&arr);
                let (lo, hi) = cpu::range(&p.input().expect("planned numeric"), 0, arr.len());
                ranges[c] = (ranges[c].0.min(lo), ranges[c].1.max(hi));
            }
        }
    }
    let specs = specs_of(&ranges, opts.bins);
    let mut notices = Vec::new();
    let largest = batches.iter().map(|b| b.num_rows()).max().unwrap_or(1);
    let engine = open_engine(opts, &mut notices, largest)?;
    let sketches = sketch_protos(&schema, &plans, opts);
    let mut run = Run {
        opts,
        schema,
        plans,
        specs,
        sketches,
        engine,
        notices,
    };
    let device = run
        .engine
        .as_ref()
        .map_or_else(|| "cpu".to_string(), |e| e.describe());
    let mut states = run.empty_states();
    let on_cpu = run.engine.is_none();
    let rows: u64 = batches.iter().map(|b| b.num_rows() as u64).sum();
    for b in batches {
        run.fold_batch(b, &mut states, on_cpu)?;
    }
    run.drain_engine(&mut states)?;
    let mut profile = build_profile(&run, &states, rows, device, vec![], &[]);
    if opts.exact_quantiles {
        exact_quantiles(&mut profile, &run, &states, &mut |c, each| {
            for b in batches {
                each(&plain(b.column(c)));
            }
            Ok(())
        })?;
    }
    profile.seal();
    Ok(profile)
}

fn specs_of(ranges: &[(f64, f64)], bins: u32) -> Vec<Option<HistSpec>> {
    ranges
        .iter()
        .map(|&(lo, hi)| (lo <= hi).then(|| HistSpec::new(lo, hi, bins)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An engine that fails the way a lost device does, after taking some work.
    struct Lost(usize);

    impl NumericEngine for Lost {
        fn update(&mut self, _: usize, _: &cpu::NumericInput, _: Option<&HistSpec>) -> Result<()> {
            self.0 += 1;
            Err(Error::Gpu("device lost".into()))
        }
        fn take(&mut self, ncols: usize) -> Result<Vec<NumericState>> {
            Ok(vec![NumericState::default(); ncols])
        }
        fn describe(&self) -> String {
            "lost".into()
        }
    }

    #[test]
    fn a_lost_device_sends_the_file_to_the_cpu_with_a_notice() {
        let path = PathBuf::from("examples/data/rides.parquet");
        let opts = ProfileOptions {
            device: Device::Cpu,
            ..Default::default()
        };
        let want = profile_paths(std::slice::from_ref(&path), &opts, None)
            .unwrap()
            .profile;
        let f = SourceFile::open(&path, &opts.read).unwrap();
        let schema = f.schema.as_ref().clone();
        let plans: Vec<Plan> = schema
            .fields()
            .iter()
            .map(|x| plan_for(x.data_type()))
            .collect();
        // The same ranges the real run used, from its histograms.
        let specs: Vec<Option<HistSpec>> = want
            .columns
            .iter()
            .map(|c| {
                let h = c.numeric.as_ref()?.histogram.as_ref()?;
                Some(HistSpec::exact(h.lo(), h.hi(), h.counts.len() as u32))
            })
            .collect();
        let sketches = sketch_protos(&schema, &plans, &opts);
        let mut run = Run {
            opts: &opts,
            schema,
            plans,
            specs,
            sketches,
            engine: Some(Box::new(Lost(0))),
            notices: vec![],
        };
        let layout = conform::dataset(&[&f]).1.remove(0).unwrap();
        let st = run.profile_file(&f, &layout, &mut |_, _| {}).unwrap();
        assert!(run.engine.is_none(), "the rest of the run stays on the CPU");
        assert_eq!(
            run.notices,
            vec!["gpu failed (device lost); profiling the rest on the CPU".to_string()]
        );
        let got = build_profile(&run, &st, want.rows, "cpu".into(), vec![], &[]);
        for (g, w) in got.columns.iter().zip(&want.columns) {
            let (gj, wj) = (
                serde_json::to_value(g).unwrap(),
                serde_json::to_value(w).unwrap(),
            );
            for (k, v) in gj.as_object().unwrap() {
                if let Some(o) = v.as_object() {
                    for (k2, v2) in o {
                        assert_eq!(Some(v2), wj[k].get(k2), "column {}: field {k}.{k2}", g.name);
                    }
                }
                assert_eq!(Some(v), wj.get(k), "column {}: field {k}", g.name);
            }
        }
        assert_eq!(got.columns, want.columns);
    }
}
