//! The host-side scheduler: streams record batches from the readers through the [`Profiler`],
//! which routes numeric columns to the GPU or to the CPU twins on all cores and folds every
//! metric family's accumulator.
//!
//! One pass over the data by default. Histograms come from a grid that needs no range first
//! ([`crate::metrics::moments::grid`]); where Parquet footer statistics give every file's exact
//! finite range of a column, its histogram counts are exact equal-width counts as well, and
//! `exact_histograms` buys the same for every column with a range pass first. Every file folds
//! into states of its own, which join the dataset's only when the file has been read to its end:
//! a file that fails half-way is reported and leaves no trace in the figures. Decoding runs on
//! its own thread, a few batches ahead of the kernels; Parquet row groups decode in parallel.
//! Results do not depend on the thread count or the batch sizes.

mod exact;
mod file;
mod fold;
mod footer;
mod plan;
mod profiler;
mod states;

pub use plan::{Kind, Leaf};
pub use profiler::{Profiler, PART_ROWS};

use crate::error::{Error, Result};
#[cfg(any(feature = "gpu", test))]
use crate::metrics::moments::cpu;
use crate::metrics::sketch::SketchOptions;
use crate::profile::{FileError, Profile, SourceInfo};
use crate::source::dataset::{self as conform, Layout};
use crate::source::{expand_noting, ReadOptions, SourceFile};
use arrow::array::RecordBatch;
use file::{known_ranges, profile_file};
use profiler::NumericEngine;
use states::Compiled;
use std::path::PathBuf;
use std::sync::Arc;

/// Smallest read batch on the GPU path.
const GPU_BATCH_ROWS: usize = 1 << 20;

pub use crate::gpu::Device;

/// Whether pairwise correlations of numeric columns are computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Correlate {
    /// When there are at most [`crate::metrics::correlation::DEFAULT_MAX_COLUMNS`] numeric
    /// columns.
    #[default]
    Auto,
    /// For any number of numeric columns (up to [`crate::metrics::correlation::MAX_COLUMNS`]).
    On,
    /// Not at all.
    Off,
}

/// Histogram bins per numeric column by default.
pub const DEFAULT_BINS: u32 = 32;

/// Options of a profiling run.
#[derive(Clone, Debug)]
pub struct ProfileOptions {
    /// Histogram bins per numeric column.
    pub bins: u32,
    /// Where the numeric kernels run.
    pub device: Device,
    /// How the files are read (batch size, CSV options, format).
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
    /// Exact quantiles, by one more pass over the numeric columns (files and batches in memory
    /// only, not streams).
    pub exact_quantiles: bool,
    /// Exact equal-width histogram counts for every numeric column, by a range pass over the
    /// files first (without it they are exact where Parquet footers give the range, and
    /// rendered from the grid elsewhere).
    pub exact_histograms: bool,
    /// Count duplicate rows (needs the sketches: they hash every value).
    pub duplicate_rows: bool,
    /// Whether pairwise correlations of the numeric columns are computed.
    pub correlations: Correlate,
    /// Scan string columns for PII and secrets (e-mail addresses, phone numbers, card numbers,
    /// IBANs, IP addresses, keys and tokens).
    pub pii: bool,
}

impl Default for ProfileOptions {
    fn default() -> Self {
        ProfileOptions {
            bins: DEFAULT_BINS,
            device: Device::Auto,
            read: ReadOptions::default(),
            gpu_force_f32: false,
            sketch: Some(SketchOptions::default()),
            quantiles: crate::profile::DEFAULT_QUANTILES.to_vec(),
            top: crate::metrics::sketch::DEFAULT_TOP,
            exact_quantiles: false,
            exact_histograms: false,
            duplicate_rows: true,
            correlations: Correlate::Auto,
            pii: false,
        }
    }
}

/// Progress of a run, reported through the callback of [`profile_paths`].
#[derive(Clone, Debug)]
pub struct Progress {
    /// `"range"` (the range pass of `exact_histograms`) or `"profile"`.
    pub phase: &'static str,
    /// Rows done so far in this phase.
    pub rows: u64,
    /// Bytes of input files done, and in all (sizes on disk).
    pub bytes: u64,
    /// Bytes of all the input files.
    pub total_bytes: u64,
}

/// A finished run: the profile and notices worth telling the user (fallbacks, warnings).
#[derive(Debug)]
pub struct Outcome {
    /// The profile of the data.
    pub profile: Profile,
    /// Messages for people: fallbacks and warnings met during the run.
    pub notices: Vec<String>,
}

#[cfg(feature = "gpu")]
use crate::metrics::moments::gpu::GpuMoments;

#[cfg(feature = "gpu")]
impl NumericEngine for GpuMoments {
    fn update(
        &mut self,
        col: usize,
        input: &cpu::NumericInput,
        range: (f64, f64),
        spec: Option<&crate::metrics::moments::HistSpec>,
    ) -> Result<()> {
        GpuMoments::update_in(self, col, input, Some(range), spec)
    }
    fn take(&mut self, ncols: usize) -> Result<Vec<cpu::NumericState>> {
        GpuMoments::take(self, ncols)
    }
    fn describe(&self) -> String {
        GpuMoments::describe(self)
    }
    fn sibling(&self, rows: usize) -> Option<Box<dyn NumericEngine>> {
        Some(Box::new(GpuMoments::on(
            self.context().clone(),
            !self.is_f64(),
            rows.clamp(1, 8 << 20),
        )))
    }
}

fn check_options(opts: &ProfileOptions) -> Result<()> {
    if opts.bins == 0 || opts.bins > crate::MAX_BINS {
        return Err(Error::InvalidOption {
            option: "bins",
            message: format!("must be between 1 and {}", crate::MAX_BINS),
        });
    }
    if opts.read.batch_rows == 0 || opts.read.batch_rows > crate::source::MAX_BATCH_ROWS {
        return Err(Error::InvalidOption {
            option: "batch_rows",
            message: format!("must be between 1 and {}", crate::source::MAX_BATCH_ROWS),
        });
    }
    if let Some(q) = opts.quantiles.iter().find(|q| !(0.0..=1.0).contains(*q)) {
        return Err(Error::Option(format!("quantile {q} is not in [0, 1]")));
    }
    Ok(())
}

/// Histogram counters a run may keep in one state (every numeric column's grid cells): 64M
/// counters are 512 MiB, and a run keeps a few such states alive.
pub const MAX_HISTOGRAM_COUNTERS: u64 = 1 << 26;

/// Open the engine for `device`. `Ok(None)`: CPU. Notices go to `notices`. Staging slots hold
/// one batch of one column (`rows` at most), up to 8M values. `bytes`: the input's size when it
/// is known; under `Device::Auto`, the GPU is taken only past the break-even size measured on
/// this machine ([`crate::gpu::auto_wants_gpu`]).
fn open_engine(
    opts: &ProfileOptions,
    notices: &mut Vec<String>,
    rows: usize,
    bytes: Option<u64>,
) -> Result<Option<Box<dyn NumericEngine>>> {
    if opts.device == Device::Auto && !crate::gpu::auto_wants_gpu(bytes) {
        return Ok(None);
    }
    #[cfg(not(feature = "gpu"))]
    let _ = rows;
    #[cfg(feature = "gpu")]
    {
        let cap = rows.clamp(1, 8 << 20);
        Ok(crate::gpu::open(opts.device, notices)?
            .map(|ctx| Box::new(GpuMoments::on(ctx, opts.gpu_force_f32, cap)) as _))
    }
    #[cfg(not(feature = "gpu"))]
    crate::gpu::open(opts.device, notices).map(|_| None)
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
///
/// Long because it is the run's steps in order (open, fit one schema, known ranges, engine, fold
/// each file, exact quantiles, seal), which share the compiled plan and the error list.
fn profile_paths_once(
    paths: &[PathBuf],
    opts: &ProfileOptions,
    progress: Option<&(dyn Fn(&Progress) + Sync)>,
    whole: &std::collections::HashSet<PathBuf>,
) -> Result<std::result::Result<Outcome, Vec<(PathBuf, String)>>> {
    let (sources, mut errors, walk_notices) = open_sources(paths, opts, whole);
    if sources.is_empty() {
        return Err(match errors.len() {
            0 => Error::NoInput("no input paths given".into()),
            1 => errors.pop().unwrap(),
            _ => Error::NoInput(joined(&errors)),
        });
    }
    // One schema for the dataset; files that do not fit are reported and left out.
    let (schema, fitting) = conform::fit(sources, &mut errors);
    let (mut sources, layouts): (Vec<SourceFile>, Vec<Layout>) = fitting.into_iter().unzip();
    let schema = Arc::new(schema);
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
    let leaves = plan::leaves(&schema);
    let mut bad = vec![false; sources.len()];
    let ranges = known_ranges(
        &leaves,
        &sources,
        &layouts,
        opts,
        &mut errors,
        &mut bad,
        &report,
    );
    let c = Arc::new(Compiled::new(schema, opts, &ranges)?);

    let mut notices = walk_notices;
    notices.extend(c.notices(opts));
    let mut engine = open_engine(
        opts,
        &mut notices,
        opts.read.batch_rows.max(GPU_BATCH_ROWS),
        Some(total_bytes),
    )?;
    if engine.is_some() {
        // Each batch is one upload and one dispatch per column: small batches would spend the
        // GPU's time on submission overhead. A million rows is 8 MB of f64 per column.
        for s in &mut sources {
            s.raise_batch_rows(GPU_BATCH_ROWS);
        }
    }
    let mut device = engine
        .as_ref()
        .map_or_else(|| "cpu".to_string(), |e| e.describe());
    let mut total = c.empty();
    let mut infos = Vec::new();
    let mut done_bytes = 0u64;
    for (i, s) in sources.iter().enumerate() {
        if bad[i] {
            continue;
        }
        let mut tick = |rows: u64, _: u64| {
            report(
                "profile",
                total.rows(&c) + rows,
                done_bytes + s.progress_bytes(rows),
            );
        };
        let result = profile_file(
            &c,
            opts,
            &mut engine,
            s,
            &layouts[i],
            &mut tick,
            &mut notices,
        );
        if engine.is_none() {
            device = "cpu".into();
        }
        match result {
            Ok(st) => {
                let rows = st.rows(&c);
                total.append(st)?;
                infos.push(SourceInfo {
                    path: s.path.display().to_string(),
                    format: s.format.name().to_string(),
                    rows,
                });
            }
            Err(e) => errors.push(e),
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
        return Err(Error::NoInput(joined(&errors)));
    }
    let file_errors = errors
        .iter()
        .map(|e| FileError {
            path: e
                .path()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            error: e.to_string(),
        })
        .collect();
    let mut profile =
        profiler::build_profile(&c, &mut total, device, opts.bins, infos, file_errors);
    if opts.exact_quantiles {
        let good: Vec<usize> = (0..sources.len()).filter(|&i| !bad[i]).collect();
        exact::exact_quantiles(&mut profile, &c, opts, &mut |col, each| {
            for &i in &good {
                let s = &sources[i];
                let Some(fc) = layouts[i].file_column(col) else {
                    continue;
                };
                for b in s.batches(Some(&[fc]))? {
                    each(&plan::plain(&layouts[i].column(
                        col,
                        b?.column(0),
                        &s.path,
                    )?));
                }
            }
            Ok(())
        })?;
    }
    profile.parts = part_fingerprints(&sources, &profile);
    profile.seal();
    Ok(Ok(Outcome { profile, notices }))
}

/// The files of `paths`, opened (types from the whole file for those in `whole`), the errors
/// of those that did not open, and the walk's notices.
fn open_sources(
    paths: &[PathBuf],
    opts: &ProfileOptions,
    whole: &std::collections::HashSet<PathBuf>,
) -> (Vec<SourceFile>, Vec<Error>, Vec<String>) {
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
    (sources, errors, walk_notices)
}

/// Errors as one line.
fn joined(errors: &[Error]) -> String {
    errors
        .iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The parts of a profile of files: their contents' fingerprints, so that the same file
/// profiled again (under another path, or with other options) cannot be merged with it.
fn part_fingerprints(sources: &[SourceFile], profile: &Profile) -> Vec<String> {
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
    parts
}

/// Profile record batches held in memory (one schema), through one [`Profiler`]; with
/// `exact_quantiles`, a second pass over them.
pub fn profile_batches(batches: &[RecordBatch], opts: &ProfileOptions) -> Result<Profile> {
    let first = batches
        .first()
        .ok_or_else(|| Error::NoInput("no record batches given".into()))?;
    let schema = first.schema();
    if schema.fields().is_empty() {
        return Err(Error::NoInput("the batches have no columns".into()));
    }
    let bytes = batches
        .iter()
        .map(|b| b.get_array_memory_size() as u64)
        .sum();
    let mut p = Profiler::sized(schema, opts, Some(bytes))?;
    for b in batches {
        p.update(b)?;
    }
    if !opts.exact_quantiles {
        return Ok(p.finish()?.profile);
    }
    p.flush()?;
    let c = p.compiled();
    let (mut states, _, _, device) = p.into_parts();
    let mut profile = profiler::build_profile(&c, &mut states, device, opts.bins, vec![], vec![]);
    exact::exact_quantiles(&mut profile, &c, opts, &mut |col, each| {
        for b in batches {
            each(&plan::plain(b.column(col)));
        }
        Ok(())
    })?;
    profile.seal();
    Ok(profile)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An engine that fails the way a lost device does.
    struct Lost;

    impl NumericEngine for Lost {
        fn update(
            &mut self,
            _: usize,
            _: &cpu::NumericInput,
            _: (f64, f64),
            _: Option<&crate::metrics::moments::HistSpec>,
        ) -> Result<()> {
            Err(Error::Gpu("device lost".into()))
        }
        fn take(&mut self, ncols: usize) -> Result<Vec<cpu::NumericState>> {
            Ok(vec![cpu::NumericState::default(); ncols])
        }
        fn describe(&self) -> String {
            "lost".into()
        }
        fn sibling(&self, _: usize) -> Option<Box<dyn NumericEngine>> {
            Some(Box::new(Lost))
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
        let layout = conform::dataset(&[&f]).1.remove(0).unwrap();
        let leaves = plan::leaves(&f.schema);
        // The same ranges the real run used (its footers).
        let ranges: Vec<Option<(f64, f64)>> = want
            .columns
            .iter()
            .map(|c| {
                let fixed = c.state.numeric.as_ref()?.fixed.as_ref()?;
                Some((fixed.lo, fixed.hi))
            })
            .collect();
        assert_eq!(ranges.len(), leaves.len());
        let c = Arc::new(Compiled::new(f.schema.clone(), &opts, &ranges).unwrap());
        let mut engine: Option<Box<dyn NumericEngine>> = Some(Box::new(Lost));
        let mut notices = Vec::new();
        let mut st = profile_file(
            &c,
            &opts,
            &mut engine,
            &f,
            &layout,
            &mut |_, _| {},
            &mut notices,
        )
        .unwrap();
        assert!(engine.is_none(), "the rest of the run stays on the CPU");
        assert_eq!(notices.len(), 1);
        assert!(
            notices[0].starts_with("the GPU profile of examples/data/rides.parquet failed (")
                && notices[0].contains("device lost")
                && notices[0]
                    .ends_with("the CPU did it instead; the rest of the run is on the CPU as well"),
            "{notices:?}"
        );
        let got = profiler::build_profile(&c, &mut st, "cpu".into(), opts.bins, vec![], vec![]);
        for (g, w) in got.columns.iter().zip(&want.columns) {
            assert_eq!(
                serde_json::to_string(g).unwrap(),
                serde_json::to_string(w).unwrap()
            );
        }
    }
}
