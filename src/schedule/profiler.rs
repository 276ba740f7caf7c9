//! The streaming profiler: one pass over record batches of any size, folding every batch into
//! the accumulators of each column and of the dataset.
//!
//! Batches are folded at fixed row boundaries of the stream (multiples of [`PART_ROWS`]): rows
//! left over from one batch wait for the next, so a profile does not depend on how the stream
//! was cut into batches, nor on the thread count. Within a fold, numeric columns are cut into
//! parts of [`PART_ROWS`] rows that run in parallel beside every column's sketches, and merge in
//! row order.

use super::fold::{check_schema, fold_cpu};
use super::plan::Kind;
pub(crate) use super::states::NumericEngine;
pub use super::states::PART_ROWS;
use super::states::{Compiled, States};
use super::{Outcome, ProfileOptions};
use crate::error::{Error, Result};
use crate::metrics::accumulator::Accumulator;

use crate::profile::{ColumnKind, ColumnProfile, DatasetState, Profile, FORMAT_VERSION};
use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use std::sync::Arc;

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
        Self::sized(schema, opts, None)
    }

    /// As [`Profiler::new`], for an input of about `bytes` in all: under [`crate::Device::Auto`]
    /// the GPU is taken only past the break-even size `datassay bench` measured on this machine
    /// ([`crate::gpu::auto_wants_gpu`]; a stream of unknown size, `None`, counts as past it).
    pub fn sized(schema: SchemaRef, opts: &ProfileOptions, bytes: Option<u64>) -> Result<Profiler> {
        super::check_options(opts)?;
        if schema.fields().is_empty() {
            return Err(Error::NoInput("the schema has no columns".into()));
        }
        let c = Arc::new(Compiled::new(schema, opts, &[])?);
        let mut notices = c.notices(opts);
        let engine =
            super::open_engine(opts, &mut notices, opts.read.batch_rows.max(1 << 20), bytes)?;
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
    pub fn finish(self) -> Result<Outcome> {
        Ok(self.finish_with_row_hashes()?.0)
    }

    /// [`Profiler::finish`], also handing over the hash of every row in row order (empty when
    /// duplicate rows are not counted): the hashes a distributed engine groups across parts to
    /// count duplicate rows exactly ([`Profile::set_exact_duplicate_rows`]).
    pub fn finish_with_row_hashes(mut self) -> Result<(Outcome, Vec<u64>)> {
        self.flush()?;
        let hashes = self
            .states
            .rows
            .as_ref()
            .map_or_else(Vec::new, |r| r.pending_hashes().to_vec());
        let mut profile = build_profile(
            &self.c,
            &mut self.states,
            self.device.clone(),
            self.opts.bins,
            Vec::new(),
            Vec::new(),
        );
        profile.seal();
        let outcome = Outcome {
            profile,
            notices: self.notices,
        };
        Ok((outcome, hashes))
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
