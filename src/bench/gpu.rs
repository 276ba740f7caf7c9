//! The GPU rows of `datassay bench`: the engine's fixed cost (a fresh device with its pipelines
//! against the process engine reused), each kernel's time on the GPU's own clock (timestamp
//! queries: setup, upload and readback left out), the upload rate, and the break-even input
//! size that `--device auto` reads.

use super::{add, best, Measure};
use crate::error::Result;
use crate::gpu::GpuContext;
use crate::metrics::moments::cpu::{NumericInput, Prepared};
use crate::metrics::moments::gpu::GpuMoments;
use crate::metrics::moments::HistSpec;
use arrow::array::{Array, ArrayRef};
use std::sync::Arc;
use std::time::Instant;

/// Run `f` with kernel timing on; the kernel seconds of one run (of `runs`), and the passes of
/// one run. `None` without TIMESTAMP_QUERY.
pub(super) fn kernel_time(
    ctx: &GpuContext,
    runs: usize,
    mut f: impl FnMut() -> Result<()>,
) -> Result<Option<(f64, u64)>> {
    if !ctx.timestamps {
        return Ok(None);
    }
    ctx.time_kernels(true);
    let r = (0..runs.max(1)).try_for_each(|_| f());
    let t = ctx.kernel_time();
    ctx.time_kernels(false);
    r?;
    let t = t?;
    let runs = runs.max(1) as u64;
    Ok(Some((t.seconds / runs as f64, t.passes / runs)))
}

/// What the GPU rows found: the adapter, and the engine's fixed cost in seconds.
pub(super) struct Found {
    pub device: String,
    pub setup_s: f64,
    /// The adapter is a software rasteriser.
    pub software: bool,
}

/// The engine's fixed cost: a device of its own and the moments pipelines, as a new process
/// pays it (with the on-disk pipeline cache, as a second process finds it).
pub(super) fn setup(
    measures: &mut Vec<Measure>,
    allow_software: bool,
    progress: &dyn Fn(&str),
) -> Result<Found> {
    let t0 = Instant::now();
    let fresh = Arc::new(GpuContext::new(allow_software)?);
    let opened = t0.elapsed().as_secs_f64();
    drop(GpuMoments::on(fresh.clone(), false, 1 << 16));
    let setup_s = t0.elapsed().as_secs_f64();
    let device = format!(
        "gpu: {}, {}",
        fresh.describe(),
        if fresh.f64 { "f64" } else { "f32" }
    );
    progress(&device);
    let software = fresh.is_software();
    drop(fresh);
    measures.push(Measure {
        name: "gpu setup, new process (device + pipelines)".into(),
        gb_per_s: 0.0,
        seconds: setup_s,
        note: format!(
            "device open {opened:.3} s, pipeline compilation {:.3} s; paid once per process",
            setup_s - opened
        ),
    });
    Ok(Found {
        device,
        setup_s,
        software,
    })
}

/// The GPU rows over the sample column `arr` (f64, `input` its prepared view).
pub(super) fn rows(
    measures: &mut Vec<Measure>,
    arr: &ArrayRef,
    input: &NumericInput,
    spec: &HistSpec,
    reps: usize,
    allow_software: bool,
    progress: &dyn Fn(&str),
) -> Result<Found> {
    let n = arr.len();
    let bytes = n * 8;
    let found = setup(measures, allow_software, progress)?;
    let ctx = crate::gpu::engine(allow_software)?;
    let t0 = Instant::now();
    let mut g = GpuMoments::on(ctx.clone(), false, n.clamp(1, 8 << 20));
    measures.push(Measure {
        name: "gpu setup, engine reused".into(),
        gb_per_s: 0.0,
        seconds: t0.elapsed().as_secs_f64(),
        note: "every later profiler and pipeline of the process: staging ring only".into(),
    });

    // Stream from host memory through the ring.
    let t = best(reps, || {
        g.update(0, input, Some(spec))?;
        g.take(1)?;
        Ok(())
    })?;
    add(
        measures,
        "gpu stream from host (upload + kernel)",
        t,
        bytes,
        "staging ring, all cores filling",
    );
    let mut t = f64::INFINITY;
    for _ in 0..reps.max(1) {
        t = t.min(g.time_upload(input)?);
    }
    add(
        measures,
        "gpu upload only (staging ring)",
        t,
        bytes,
        "host memory to device buffers, no kernel",
    );
    drop(g);

    // Kernels on resident data: the whole column in one slot where a binding holds it.
    let software = ctx.is_software();
    let kreps = if software { 3 } else { 20 };
    let mut g = GpuMoments::on(ctx.clone(), false, n);
    let m = n.min(g.capacity());
    let head = Prepared::new(&arr.slice(0, m));
    let hin = head.input().expect("f64 is numeric");
    g.update(0, &hin, Some(spec))?;
    g.take(1)?;
    let wall = g.time_resident(m, spec.bins as usize, kreps)?;
    add(
        measures,
        "gpu moments kernel, resident (wall)",
        wall,
        m * 8,
        &format!("{m} values per dispatch, submit to idle"),
    );
    if let Some((k, passes)) = kernel_time(&ctx, kreps, || {
        g.time_resident(m, spec.bins as usize, 1).map(|_| ())
    })? {
        add(
            measures,
            "gpu moments kernel, resident (timestamps)",
            k,
            m * 8,
            &format!("kernel alone, {passes} pass a run"),
        );
    }
    drop(g);
    let vals = hin.values.as_f64().expect("the sample column is f64");
    let sk = crate::metrics::sketch::SketchOptions::default();
    let kernels = crate::metrics::sketch::gpu::SketchKernels::new(&ctx);
    let r = kernels.upload_f64(vals, hin.validity.as_deref(), sk.slices, sk.precision)?;
    kernels.run_f64(&r);
    kernels.finish()?;
    if let Some((k, _)) = kernel_time(&ctx, kreps, || {
        kernels.run_f64(&r);
        Ok(())
    })? {
        add(
            measures,
            "gpu sketch kernel, resident (timestamps)",
            k,
            m * 8,
            "hll + ddsketch, kernel alone",
        );
    }
    drop(r);
    knn_rows(measures, &ctx, software, progress)?;
    Ok(found)
}

/// Exact kNN on the GPU: whole search (wall) and its kernels (timestamps).
fn knn_rows(
    measures: &mut Vec<Measure>,
    ctx: &GpuContext,
    software: bool,
    progress: &dyn Fn(&str),
) -> Result<()> {
    use crate::metrics::knn::{knn, KnnOptions, Metric};
    let (rows, dim) = if software { (2_000, 64) } else { (50_000, 384) };
    progress(&format!("gpu: exact kNN, {rows} x {dim}"));
    let mut rng = crate::util::rng::Rng::new(5);
    let x: Vec<f32> = (0..rows * dim).map(|_| rng.normal() as f32).collect();
    let opts = KnnOptions {
        k: 10,
        metric: Metric::L2,
        device: crate::Device::Gpu,
        ..Default::default()
    };
    let mut wall = 0.0;
    let k = kernel_time(ctx, 1, || {
        let t0 = Instant::now();
        knn(&x, dim, &opts, &|_, _| {})?;
        wall = t0.elapsed().as_secs_f64();
        Ok(())
    })?;
    let flops = 2.0 * (rows as f64).powi(2) * dim as f64;
    let note = |t: f64| format!("{rows} x {dim}, k 10, l2: {:.1} TFLOP/s", flops / t / 1e12);
    measures.push(Measure {
        name: "gpu exact kNN (wall, with refinement)".into(),
        gb_per_s: 0.0,
        seconds: wall,
        note: note(wall),
    });
    if let Some((t, passes)) = k {
        measures.push(Measure {
            name: "gpu exact kNN kernels (timestamps)".into(),
            gb_per_s: 0.0,
            seconds: t,
            note: format!("{}; {passes} passes", note(t)),
        });
    }
    Ok(())
}
