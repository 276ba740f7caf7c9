//! One file of a run: the ranges known before its data, and its states, read by one reader
//! thread ahead of the kernels, or in parallel by Parquet row groups and CSV chunks.

use super::plan::{self, Kind, Leaf};
use super::profiler::{NumericEngine, Profiler};
use super::states::{Compiled, States};
use super::ProfileOptions;
use crate::error::{Error, Result};
use crate::metrics::moments::cpu::{self, Prepared};
use crate::source::dataset::Layout;
use crate::source::SourceFile;
use arrow::array::RecordBatch;
use rayon::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::sync_channel;
use std::sync::Arc;

/// The range of each top-level numeric column known before the data: from every file's exact
/// Parquet footer statistics, or with `exact_histograms` from a range pass over the files
/// (files that fail it are marked in `bad` and reported).
#[allow(clippy::too_many_arguments)]
pub(super) fn known_ranges(
    c_leaves: &[Leaf],
    sources: &[SourceFile],
    layouts: &[Layout],
    opts: &ProfileOptions,
    errors: &mut Vec<Error>,
    bad: &mut [bool],
    report: &dyn Fn(&'static str, u64, u64),
) -> Vec<Option<(f64, f64)>> {
    let numeric: Vec<(usize, usize)> = c_leaves
        .iter()
        .enumerate()
        .filter(|(_, l)| l.is_top && l.kind == Kind::Numeric)
        .map(|(i, l)| (i, l.top))
        .collect();
    let mut ranges: Vec<Option<(f64, f64)>> = vec![None; c_leaves.len()];
    let mut acc: Vec<(f64, f64)> = vec![(f64::INFINITY, f64::NEG_INFINITY); c_leaves.len()];
    let mut known = vec![true; c_leaves.len()];
    let mut done_bytes = 0;
    for (k, s) in sources.iter().enumerate() {
        let layout = &layouts[k];
        let mut scan: Vec<(usize, usize, usize)> = Vec::new();
        for &(leaf, col) in &numeric {
            let footer = match layout.file_column(col) {
                Some(fc) if layout.as_is(col) => s
                    .parquet_metadata()
                    .and_then(|md| super::footer::footer_range(fc, &s.schema, md)),
                _ => None,
            };
            match footer {
                Some((lo, hi)) => acc[leaf] = (acc[leaf].0.min(lo), acc[leaf].1.max(hi)),
                None if opts.exact_histograms => {
                    if let Some(fc) = layout.file_column(col) {
                        scan.push((fc, col, leaf));
                    }
                }
                None => known[leaf] = false,
            }
        }
        if !scan.is_empty() {
            // Readers return projected columns in file order: scan in that order.
            scan.sort();
            let projection: Vec<usize> = scan.iter().map(|x| x.0).collect();
            let mut local = acc.clone();
            let scanned = crate::error::guarded(&s.path, || -> Result<()> {
                let mut rows = 0;
                for b in s.batches(Some(&projection))? {
                    let b = b?;
                    for (j, &(_, col, leaf)) in scan.iter().enumerate() {
                        let arr = plan::plain(&layout.column(col, b.column(j), &s.path)?);
                        let p = Prepared::new(&arr);
                        let input = p.input().expect("planned numeric");
                        let (lo, hi) = cpu::range(&input, 0, arr.len());
                        local[leaf] = (local[leaf].0.min(lo), local[leaf].1.max(hi));
                    }
                    rows += b.num_rows() as u64;
                    report("range", rows, done_bytes + s.progress_bytes(rows));
                }
                Ok(())
            });
            match scanned {
                Ok(()) => acc = local,
                Err(e) => {
                    errors.push(e);
                    bad[k] = true;
                }
            }
        }
        done_bytes += s.bytes;
    }
    for &(leaf, _) in &numeric {
        if known[leaf] && acc[leaf].0 <= acc[leaf].1 {
            ranges[leaf] = Some(acc[leaf]);
        }
    }
    ranges
}

/// Profile one file into fresh states (reader panics become errors for the file). A GPU
/// failure (device lost, out of memory) sends this file and the rest of the run to the CPU, with
/// a notice.
pub(super) fn profile_file(
    c: &Arc<Compiled>,
    opts: &ProfileOptions,
    engine: &mut Option<Box<dyn NumericEngine>>,
    f: &SourceFile,
    layout: &Layout,
    progress: &mut dyn FnMut(u64, u64),
    notices: &mut Vec<String>,
) -> Result<States> {
    let mut once = |engine: &mut Option<Box<dyn NumericEngine>>| {
        crate::error::guarded(&f.path, || {
            file_states(c, opts, engine, f, layout, progress)
        })
    };
    match once(engine) {
        Err(e @ Error::Gpu(_)) => {
            notices.push(
                crate::gpu::fell_back(&format!("profile of {}", f.path.display()), &e)
                    + "; the rest of the run is on the CPU as well",
            );
            *engine = None;
            once(engine)
        }
        other => other,
    }
}

fn file_states(
    c: &Arc<Compiled>,
    opts: &ProfileOptions,
    engine: &mut Option<Box<dyn NumericEngine>>,
    f: &SourceFile,
    layout: &Layout,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<States> {
    let row_groups = f.row_groups();
    let chunks = if engine.is_none() {
        f.csv_chunks()
    } else {
        None
    };
    if let Some(chunks) = chunks {
        let rows = AtomicU64::new(0);
        let r = with_progress(&rows, progress, || {
            csv_parallel(c, opts, f, layout, &chunks, &rows)
        })?;
        if let Some(states) = r {
            return Ok(states);
        }
        // A quoted field somewhere: the file is parsed from its start.
    }
    if row_groups > 1 {
        let rows = AtomicU64::new(0);
        let engine = engine.as_deref();
        return with_progress(&rows, progress, || {
            parquet_parallel(c, opts, f, layout, row_groups, &rows, engine)
        });
    }
    let mut p = Profiler::with_engine(c.clone(), opts, engine.take(), Vec::new());
    let batches = f.batches(None)?;
    let (tx, rx) = sync_channel::<Result<RecordBatch>>(4);
    let result = std::thread::scope(|s| -> Result<()> {
        let decoder = s.spawn(move || {
            for b in batches {
                if tx.send(b).is_err() {
                    break;
                }
            }
        });
        let folded = (|| -> Result<()> {
            let mut rows = 0u64;
            for b in rx {
                let b = layout.conform(b?, &f.path)?;
                p.update(&b)?;
                rows += b.num_rows() as u64;
                progress(rows, b.num_rows() as u64);
            }
            Ok(())
        })();
        // A decoder that panicked (a reader bug on a malformed file) goes on with its own
        // message, for the guard that names the file.
        if let Err(panic) = decoder.join() {
            std::panic::resume_unwind(panic);
        }
        folded
    });
    // Always flush, so the engine's states are drained and the next file starts clean.
    let flushed = p.flush();
    let (states, e, _, _) = p.into_parts();
    *engine = e;
    result?;
    flushed?;
    Ok(states)
}

/// Run `work` on a thread of its own, reporting the `rows` it counts to `progress` every 100 ms
/// (and once at the end; woken at once when the work is done).
fn with_progress<T: Send>(
    rows: &AtomicU64,
    progress: &mut dyn FnMut(u64, u64),
    work: impl FnOnce() -> T + Send,
) -> T {
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    std::thread::scope(|s| {
        let worker = s.spawn(move || {
            let r = work();
            let _ = done_tx.send(());
            r
        });
        while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
            done_rx.recv_timeout(std::time::Duration::from_millis(100))
        {
            progress(rows.load(Ordering::Relaxed), 0);
        }
        // A panic in the work (a reader bug on a malformed file) goes on with its own message,
        // for the guard that names the file.
        let r = worker
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        progress(rows.load(Ordering::Relaxed), 0);
        r
    })
}

/// A Parquet file, its row groups decoded in parallel (decoding is single-threaded per reader):
/// each row group folds into its own states, appended in row-group order so the result does not
/// depend on scheduling. On the GPU path every row group feeds a sibling of `engine` (the same
/// device, buffers of its own) with its numeric moments, while its other families fold on the
/// core that decoded it. `rows` counts progress for the caller.
fn parquet_parallel(
    c: &Arc<Compiled>,
    opts: &ProfileOptions,
    f: &SourceFile,
    layout: &Layout,
    row_groups: usize,
    rows: &AtomicU64,
    engine: Option<&dyn NumericEngine>,
) -> Result<States> {
    // Row groups are folded a window at a time and appended in order, so at most a window of
    // row-group states (each as large as every column's state) is alive, however many row
    // groups the file has.
    let window = 2 * crate::util::pool::threads();
    let mut total = c.empty();
    let mut start = 0;
    while start < row_groups {
        let end = (start + window).min(row_groups);
        let parts: Vec<Result<States>> = crate::util::pool::install(|| {
            (start..end)
                .into_par_iter()
                .map(|rg| {
                    let sibling = engine
                        .and_then(|e| e.sibling(opts.read.batch_rows.max(super::GPU_BATCH_ROWS)));
                    let mut p = Profiler::with_engine(c.clone(), opts, sibling, Vec::new());
                    for b in f.row_group_batches(vec![rg])? {
                        let b = layout.conform(b?, &f.path)?;
                        p.update(&b)?;
                        rows.fetch_add(b.num_rows() as u64, Ordering::Relaxed);
                    }
                    p.flush()?;
                    Ok(p.into_parts().0)
                })
                .collect()
        });
        for p in parts {
            total.append(p?)?;
        }
        start = end;
    }
    Ok(total)
}

/// An uncompressed CSV file on the CPU path, its chunks (each starting at a line) parsed in
/// parallel, a window at a time, and their states appended in file order. `Ok(None)` when a
/// chunk holds a quote character: a quoted field may hold a line break, so the chunks cannot be
/// parsed apart and the caller reads the file from its start.
fn csv_parallel(
    c: &Arc<Compiled>,
    opts: &ProfileOptions,
    f: &SourceFile,
    layout: &Layout,
    chunks: &[(u64, u64)],
    rows: &AtomicU64,
) -> Result<Option<States>> {
    // Two chunks a thread: each is held in memory while it is parsed (fewer leave threads idle
    // at the end of each window).
    let window = 2 * crate::util::pool::threads();
    let mut total = c.empty();
    for w in chunks.chunks(window) {
        let parts: Vec<Result<Option<States>>> = crate::util::pool::install(|| {
            w.par_iter()
                .map(|&(start, end)| {
                    let Some(batches) = f.csv_chunk_batches(start, end)? else {
                        return Ok(None);
                    };
                    let mut p = Profiler::with_engine(c.clone(), opts, None, Vec::new());
                    for b in batches {
                        let b = layout.conform(b?, &f.path)?;
                        p.update(&b)?;
                        rows.fetch_add(b.num_rows() as u64, Ordering::Relaxed);
                    }
                    p.flush()?;
                    Ok(Some(p.into_parts().0))
                })
                .collect()
        });
        for p in parts {
            match p? {
                Some(st) => total.append(st)?,
                None => return Ok(None),
            }
        }
    }
    Ok(Some(total))
}
