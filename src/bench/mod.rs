//! `datassay bench`: throughput of each path on the machine it runs on.
//!
//! Measures, on one synthetic f64 column (normal values with 1% nulls and a few NaN):
//! the CPU moments+histogram kernel on one core and on all cores, beside a plain sum over the
//! same values (the memory-bandwidth floor of any one-pass kernel); the GPU kernel on data already
//! resident in device memory; streaming from host memory through the staging ring (upload and
//! kernel overlapped); end-to-end profiling of in-memory batches; and end-to-end profiling of a
//! Parquet file it writes, against decoding that file with the parquet crate and doing nothing
//! else. Rates are bytes of f64 values per second (GB = 1e9 bytes).

use crate::error::{Error, Result};
use crate::metrics::moments::cpu::{self, NumericInput, NumericState, Prepared};
use crate::metrics::moments::HistSpec;
use crate::schedule::{profile_batches, profile_paths, Device, ProfileOptions};
use arrow::array::{ArrayRef, Float64Array, RecordBatch};
use rayon::prelude::*;
use serde::Serialize;
use std::sync::Arc;
use std::time::Instant;

pub use crate::util::rng::Rng;
pub use images::{images, images_table, ImageMeasure, ImagesReport};
pub use text::{minhash, minhash_table, MinhashReport, TextMeasure};

#[cfg(feature = "gpu")]
mod gpu;
mod images;
pub mod scale;
mod text;

/// `n` values of `N(0, 1)` with every 100th null and every 10,000th NaN.
pub fn sample_column(n: usize, seed: u64) -> Float64Array {
    let mut r = Rng::new(seed);
    (0..n)
        .map(|i| {
            if i % 100 == 99 {
                None
            } else if i % 10_000 == 5 {
                Some(f64::NAN)
            } else {
                Some(r.normal())
            }
        })
        .collect()
}

/// Options of `datassay bench`.
#[derive(Clone, Debug)]
pub struct BenchOptions {
    /// Rows of the synthetic column.
    pub rows: usize,
    /// Repetitions of each measurement (the best is kept).
    pub reps: usize,
    pub device: Device,
    pub bins: u32,
    /// The end-to-end measurement at scale: a dataset this large written first, or one given.
    pub scale: Option<scale::Scale>,
    /// Only the measurement at scale (and the GPU's setup, for the break-even).
    pub scale_only: bool,
}

impl Default for BenchOptions {
    fn default() -> Self {
        BenchOptions {
            rows: 32 << 20,
            reps: 3,
            device: Device::Auto,
            bins: 32,
            scale: None,
            scale_only: false,
        }
    }
}

/// One measured figure.
#[derive(Clone, Debug, Serialize)]
pub struct Measure {
    pub name: String,
    /// Gigabytes (1e9) of f64 values per second.
    pub gb_per_s: f64,
    pub seconds: f64,
    pub note: String,
}

/// Everything `datassay bench` measured.
#[derive(Clone, Debug, Serialize)]
pub struct BenchReport {
    pub rows: usize,
    pub bytes: usize,
    pub threads: usize,
    pub device: String,
    pub measures: Vec<Measure>,
    /// The input size from which the GPU's whole profile beats the CPU's (kept for
    /// `--device auto` when the adapter is hardware).
    pub break_even: Option<crate::gpu::BreakEven>,
}

pub(super) fn timed(f: impl FnOnce() -> Result<()>) -> Result<f64> {
    let t0 = Instant::now();
    f()?;
    Ok(t0.elapsed().as_secs_f64())
}

pub(super) fn best<F: FnMut() -> Result<()>>(reps: usize, mut f: F) -> Result<f64> {
    let mut t = f64::INFINITY;
    for _ in 0..reps.max(1) {
        let t0 = Instant::now();
        f()?;
        t = t.min(t0.elapsed().as_secs_f64());
    }
    Ok(t)
}

/// The break-even of the whole-profile rates `(cpu, gpu)`, kept in the cache folder for
/// `--device auto` when the adapter is hardware.
pub(super) fn keep_break_even(
    device: &str,
    software: bool,
    threads: usize,
    rates: Option<(f64, f64)>,
    setup_s: f64,
    progress: &dyn Fn(&str),
) -> Option<crate::gpu::BreakEven> {
    let b = rates.map(|(cpu, gpu)| {
        crate::gpu::BreakEven::from_rates(device.to_string(), threads, cpu, gpu, setup_s)
    })?;
    if software {
        progress("a software adapter: its break-even is not kept (--device auto never takes it)");
    } else {
        match b.save() {
            Ok(p) => progress(&format!("break-even kept in {}", p.display())),
            Err(e) => progress(&format!("break-even not kept: {e}")),
        }
    }
    Some(b)
}

/// Keep a pipeline's measured CPU and GPU rates for `--device auto` (hardware adapters only:
/// auto never takes a software one).
#[cfg(feature = "gpu")]
pub(super) fn keep_pipeline_rate(
    name: &str,
    software: bool,
    rate: crate::gpu::cache::PipelineRate,
    progress: &dyn Fn(&str),
) {
    if software {
        return;
    }
    match crate::gpu::cache::save_pipeline_rate(name, rate) {
        Ok(p) => progress(&format!("{name} rates kept in {}", p.display())),
        Err(e) => progress(&format!("{name} rates not kept: {e}")),
    }
}

/// Tell `progress` the figures measured since the last call (so a run cut short keeps them).
pub(super) fn show(measures: &[Measure], shown: &mut usize, progress: &dyn Fn(&str)) {
    for m in &measures[(*shown).min(measures.len())..] {
        progress(&format!(
            "= {}: {:.2} GB/s, {:.4} s; {}",
            m.name, m.gb_per_s, m.seconds, m.note
        ));
    }
    *shown = measures.len();
}

/// Push a measured figure: `b` bytes in `secs` seconds.
pub(super) fn add(measures: &mut Vec<Measure>, name: &str, secs: f64, b: usize, note: &str) {
    measures.push(Measure {
        name: name.into(),
        gb_per_s: b as f64 / secs / 1e9,
        seconds: secs,
        note: note.into(),
    })
}

/// Profile options of the moments engine alone (no sketches): the end-to-end rows measure the
/// streaming engine, and one row adds the sketches.
fn moments_only() -> ProfileOptions {
    ProfileOptions {
        sketch: None,
        duplicate_rows: false,
        ..Default::default()
    }
}

/// Run every measurement. `progress` gets a line per step.
pub fn run(opts: &BenchOptions, progress: &dyn Fn(&str)) -> Result<BenchReport> {
    if let (true, Some(sc)) = (opts.scale_only, &opts.scale) {
        return scale::alone(sc, opts, progress);
    }
    let n = opts.rows;
    let bytes = n * 8;
    progress(&format!(
        "generating {n} rows ({:.0} MB)",
        bytes as f64 / 1e6
    ));
    let col = sample_column(n, 42);
    let arr: ArrayRef = Arc::new(col);
    let prep = Prepared::new(&arr);
    let input = prep.input().expect("f64 is numeric");
    let (lo, hi) = cpu::range(&input, 0, n);
    let spec = HistSpec::new(lo, hi, opts.bins);
    let mut measures = Vec::new();
    let mut shown = 0;
    let threads = crate::util::pool::threads();
    cpu_kernels(&input, &spec, opts.reps, &mut measures, progress)?;

    #[cfg_attr(not(feature = "gpu"), allow(unused_mut))]
    let mut device = "cpu".to_string();
    // The device of the end-to-end rows: the GPU whenever one opened (a software one too, so that
    // `datassay bench` measures it), else only the CPU.
    #[cfg_attr(not(feature = "gpu"), allow(unused_mut))]
    let mut e2e: &[Device] = &[Device::Cpu];
    #[cfg_attr(not(feature = "gpu"), allow(unused_mut))]
    let mut setup_s = 0.0;
    #[cfg_attr(not(feature = "gpu"), allow(unused_mut))]
    let mut software = false;
    #[cfg(feature = "gpu")]
    if opts.device != Device::Cpu {
        match gpu::rows(
            &mut measures,
            &arr,
            &input,
            &spec,
            opts.reps,
            true,
            progress,
        ) {
            Ok(found) => {
                device = found.device;
                setup_s = found.setup_s;
                software = found.software;
                e2e = &[Device::Cpu, Device::Gpu];
            }
            Err(e) if opts.device == Device::Gpu => return Err(e),
            Err(e) => progress(&format!("no gpu ({e}); gpu figures skipped")),
        }
    }

    show(&measures, &mut shown, progress);
    let batches = from_memory(&arr, e2e, opts, &mut measures, progress)?;
    show(&measures, &mut shown, progress);
    // The whole-profile rates at this size, or at scale when asked for, give the break-even.
    let mut rates = from_parquet(&batches, e2e, opts, &mut measures, progress)?;
    show(&measures, &mut shown, progress);
    if let Some(sc) = &opts.scale {
        let r = scale::measure(sc, opts.bins, e2e, &mut measures, progress)?;
        rates = r.or(rates);
    }
    show(&measures, &mut shown, progress);
    let break_even = keep_break_even(&device, software, threads, rates, setup_s, progress);
    Ok(BenchReport {
        rows: n,
        bytes,
        threads,
        device,
        measures,
        break_even,
    })
}

/// The CPU kernel rows: a plain sum (the memory-read floor), then moments and histogram on one
/// thread and on all, timed in alternation.
fn cpu_kernels(
    input: &NumericInput,
    spec: &HistSpec,
    reps: usize,
    measures: &mut Vec<Measure>,
    progress: &dyn Fn(&str),
) -> Result<()> {
    let values = input.values.as_f64().expect("the sample column is f64");
    let n = values.len();
    let bytes = n * 8;
    let threads = crate::util::pool::threads();
    const PART: usize = 1 << 16;
    let parts: Vec<(usize, usize)> = (0..n.div_ceil(PART))
        .map(|i| (i * PART, ((i + 1) * PART).min(n)))
        .collect();
    progress("cpu: plain sum, moments + histogram on 1 and all threads; alternating");
    let mut sink = 0.0;
    let (mut t_sum, mut t_one, mut t_all) = (f64::INFINITY, f64::INFINITY, f64::INFINITY);
    for _ in 0..reps.max(1) {
        t_sum = t_sum.min(timed(|| {
            sink += values.iter().sum::<f64>();
            Ok(())
        })?);
        t_one = t_one.min(timed(|| {
            let mut st = NumericState::new(Some(spec));
            cpu::update(&mut st, input, 0, n, Some(spec));
            sink += st.moments.m2;
            Ok(())
        })?);
        t_all = t_all.min(timed(|| {
            let st = crate::util::pool::install(|| {
                parts
                    .par_iter()
                    .map(|&(a, b)| {
                        let mut st = NumericState::new(Some(spec));
                        cpu::update(&mut st, input, a, b, Some(spec));
                        st
                    })
                    .reduce(
                        || NumericState::new(Some(spec)),
                        |mut a, b| {
                            a.merge(&b);
                            a
                        },
                    )
            });
            sink += st.moments.m2;
            Ok(())
        })?);
    }
    add(
        measures,
        "cpu plain sum, 1 thread",
        t_sum,
        bytes,
        "memory-read floor for one core",
    );
    add(
        measures,
        "cpu moments+histogram, 1 thread",
        t_one,
        bytes,
        &format!(
            "every numeric metric in one pass; {:.0}% of the plain sum",
            100.0 * t_sum / t_one
        ),
    );
    add(
        measures,
        &format!("cpu moments+histogram, {threads} threads"),
        t_all,
        bytes,
        "",
    );
    std::hint::black_box(sink);
    Ok(())
}

/// The end-to-end rows from memory on each device of `e2e`; returns the column as the batches
/// (2^20 rows each) the Parquet rows write.
fn from_memory(
    arr: &ArrayRef,
    e2e: &[Device],
    opts: &BenchOptions,
    measures: &mut Vec<Measure>,
    progress: &dyn Fn(&str),
) -> Result<Vec<RecordBatch>> {
    let n = arr.len();
    let batches: Vec<RecordBatch> = (0..n.div_ceil(1 << 20))
        .map(|i| {
            let a = i << 20;
            let b = ((i + 1) << 20).min(n);
            RecordBatch::try_from_iter([("x", arr.slice(a, b - a))]).unwrap()
        })
        .collect();
    for &dev in e2e {
        let po = ProfileOptions {
            device: dev,
            bins: opts.bins,
            ..moments_only()
        };
        progress(&format!("profile from memory ({dev:?})"));
        let mut dname = String::new();
        let t = best(opts.reps, || {
            let p = profile_batches(&batches, &po)?;
            dname = p.device;
            Ok(())
        })?;
        let label = if dname == "cpu" { "cpu" } else { "gpu" };
        add(
            measures,
            &format!("profile from memory, {label}"),
            t,
            n * 8,
            "range pass + metric pass (moments engine, no sketches)",
        );
    }
    Ok(batches)
}

/// Decode the Parquet file `path` with one reader, row groups in parallel when `parallel`
/// (the profiler's way, so this is the floor for it); the rows read.
fn decode(path: &std::path::Path, parallel: bool) -> Result<usize> {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder as Builder;
    let open = || {
        std::fs::File::open(path).map_err(|e| Error::Io {
            path: path.to_path_buf(),
            source: e,
        })
    };
    let bad = |e: parquet::errors::ParquetError| {
        Error::format_with_source(path, "parquet", e.to_string(), e)
    };
    let read = |groups: Option<Vec<usize>>| -> Result<usize> {
        let mut b = Builder::try_new(open()?)
            .map_err(bad)?
            .with_batch_size(64 * 1024);
        if let Some(g) = groups {
            b = b.with_row_groups(g);
        }
        let mut rows = 0;
        for batch in b.build().map_err(bad)? {
            rows += batch
                .map_err(|e| Error::format_with_source(path, "parquet", e.to_string(), e))?
                .num_rows();
        }
        Ok(rows)
    };
    if !parallel {
        return read(None);
    }
    let groups = Builder::try_new(open()?)
        .map_err(bad)?
        .metadata()
        .num_row_groups();
    crate::util::pool::install(|| {
        (0..groups)
            .into_par_iter()
            .map(|rg| read(Some(vec![rg])))
            .sum()
    })
}

/// The Parquet rows: decode alone (one reader, and row groups in parallel), the whole profile
/// with sketches, and the moments engine on each device, timed in alternation round after round
/// so that a slow spell of a shared machine hits all alike. Returns the whole-profile rates (CPU,
/// GPU) in bytes a second when the GPU ran.
///
/// Long because its rows are timed in alternation in one loop and added in the order the report
/// lists them.
fn from_parquet(
    batches: &[RecordBatch],
    e2e: &[Device],
    opts: &BenchOptions,
    measures: &mut Vec<Measure>,
    progress: &dyn Fn(&str),
) -> Result<Option<(f64, f64)>> {
    let bytes: usize = batches.iter().map(|b| b.num_rows() * 8).sum();
    let threads = crate::util::pool::threads();
    let dir = std::env::temp_dir().join(format!("datassay-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| Error::Write {
        path: dir.clone(),
        source: e,
    })?;
    let path = dir.join("bench.parquet");
    progress(&format!("writing {}", path.display()));
    write_parquet(&path, batches)?;
    let mut t_dec = f64::INFINITY;
    let mut t_par = f64::INFINITY;
    let mut t_prof = vec![f64::INFINITY; e2e.len()];
    let mut t_sketch = f64::INFINITY;
    let mut t_sketch_gpu = f64::INFINITY;
    let mut labels = vec![String::new(); e2e.len()];
    let whole = |device| ProfileOptions {
        device,
        bins: opts.bins,
        ..Default::default()
    };
    let one = std::slice::from_ref(&path);
    progress("parquet: decode only, decode in parallel, profile; alternating");
    for _ in 0..opts.reps.max(1) {
        t_dec = t_dec.min(timed(|| {
            decode(&path, false).map(|r| {
                std::hint::black_box(r);
            })
        })?);
        t_par = t_par.min(timed(|| {
            decode(&path, true).map(|r| {
                std::hint::black_box(r);
            })
        })?);
        // Everything a default profile computes, sketches included, on the CPU.
        t_sketch = t_sketch.min(timed(|| {
            profile_paths(one, &whole(Device::Cpu), None).map(|_| ())
        })?);
        if e2e.contains(&Device::Gpu) {
            t_sketch_gpu = t_sketch_gpu.min(timed(|| {
                profile_paths(one, &whole(Device::Gpu), None).map(|_| ())
            })?);
        }
        for (k, &dev) in e2e.iter().enumerate() {
            let po = ProfileOptions {
                device: dev,
                bins: opts.bins,
                ..moments_only()
            };
            let t0 = Instant::now();
            let o = profile_paths(one, &po, None)?;
            t_prof[k] = t_prof[k].min(t0.elapsed().as_secs_f64());
            labels[k] = if o.profile.device == "cpu" {
                "cpu"
            } else {
                "gpu"
            }
            .to_string();
        }
    }
    add(
        measures,
        "parquet decode only (parquet crate)",
        t_dec,
        bytes,
        "one reader, nothing else done",
    );
    add(
        measures,
        &format!("parquet decode only, row groups on {threads} threads"),
        t_par,
        bytes,
        "",
    );
    add(
        measures,
        "profile parquet, cpu, with sketches",
        t_sketch,
        bytes,
        &format!(
            "quantiles, distinct, top values, duplicate rows too: {:.2}x one-reader decode",
            t_sketch / t_dec
        ),
    );
    if t_sketch_gpu.is_finite() {
        add(
            measures,
            "profile parquet, gpu, with sketches",
            t_sketch_gpu,
            bytes,
            &format!("{:.2}x the cpu's whole profile", t_sketch / t_sketch_gpu),
        );
    }
    for (t, label) in t_prof.iter().zip(&labels) {
        add(
            measures,
            &format!("profile parquet, {label}"),
            *t,
            bytes,
            &format!(
                "{:.2}x one-reader decode, {:.2}x parallel decode",
                t / t_dec,
                t / t_par
            ),
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(t_sketch_gpu
        .is_finite()
        .then(|| (bytes as f64 / t_sketch, bytes as f64 / t_sketch_gpu)))
}

/// Write batches to a Parquet file (the writer's defaults: snappy, with statistics).
pub fn write_parquet(path: &std::path::Path, batches: &[RecordBatch]) -> Result<()> {
    write_parquet_iter(path, batches.iter().cloned())
}

/// Write batches as they are made (one at a time in memory) to a Parquet file, atomically.
pub fn write_parquet_iter(
    path: &std::path::Path,
    batches: impl IntoIterator<Item = RecordBatch>,
) -> Result<()> {
    use crate::util::output::{write_table_as, TableFormat};
    write_table_as(path, TableFormat::Parquet, batches).map(|_| ())
}

/// `rows` rows of a synthetic table in batches of 1M rows: `x` f64 N(0,1) with 1% nulls and a
/// few NaN, `k` i32 in [0, 1000), `s` a short string with nulls.
pub fn synthetic_batches(rows: usize, seed: u64) -> Vec<RecordBatch> {
    synthetic_batch_iter(rows, seed).collect()
}

/// [`synthetic_batches`] made one batch at a time, so a large table never sits in memory.
pub fn synthetic_batch_iter(rows: usize, seed: u64) -> impl Iterator<Item = RecordBatch> {
    use arrow::array::{Int32Array, StringArray};
    let mut r = Rng::new(seed ^ 0x5EED);
    (0..rows.div_ceil(1 << 20)).map(move |i| {
        let a = i << 20;
        let n = ((i + 1) << 20).min(rows) - a;
        let x = sample_column(n, seed + i as u64);
        let k: Int32Array = (0..n)
            .map(|_| Some((r.uniform() * 1000.0) as i32))
            .collect();
        let s: StringArray = (0..n)
            .map(|j| (j % 50 != 0).then(|| ["alpha", "beta", "gamma", "", "delta epsilon"][j % 5]))
            .collect();
        RecordBatch::try_from_iter([
            ("x", Arc::new(x) as ArrayRef),
            ("k", Arc::new(k) as ArrayRef),
            ("s", Arc::new(s) as ArrayRef),
        ])
        .expect("columns of equal length")
    })
}

/// The report as a table.
pub fn table(r: &BenchReport) -> String {
    let mut s = format!(
        "{} f64 values ({:.0} MB), {} threads, {}\n{:<44} {:>9} {:>10}  {}\n",
        r.rows,
        r.bytes as f64 / 1e6,
        r.threads,
        r.device,
        "measurement",
        "GB/s",
        "seconds",
        "note"
    );
    for m in &r.measures {
        s.push_str(&format!(
            "{:<44} {:>9.2} {:>10.4}  {}\n",
            m.name, m.gb_per_s, m.seconds, m.note
        ));
    }
    if let Some(b) = &r.break_even {
        s.push_str(&match b.bytes {
            Some(x) => format!(
                "break-even: the GPU's whole profile is faster from {:.2} GB of input\n",
                x as f64 / 1e9
            ),
            None => "break-even: none; the CPU's whole profile was faster\n".to_string(),
        });
    }
    s
}
