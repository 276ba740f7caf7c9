//! The process-wide GPU engine on lavapipe: shared by every pipeline and profiler, each pipeline
//! compiled once, kernels timed with timestamp queries, a device lost mid-run replaced by the CPU
//! in every pipeline (results equal to the CPU's), and a forked child that opens its own device.
//!
//! These tests destroy the shared device on purpose, so they take turns (`serial`) and live in
//! a test binary of their own: no other test's GPU work runs in this process meanwhile.

#![cfg(feature = "gpu")]

mod common;

use arrow::array::RecordBatch;
use datassay::gpu::{engine, GpuContext};
use datassay::{profile_batches, profile_paths, Device, ProfileOptions};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

/// This test's turn with the process's GPU engine (`None`, the test skipped, without one: see
/// `common::gpu_context`).
fn gpu_turn() -> Option<(MutexGuard<'static, ()>, Arc<GpuContext>)> {
    let turn = serial();
    common::gpu_context().map(|ctx| (turn, ctx))
}

fn batches() -> Vec<RecordBatch> {
    datassay::bench::synthetic_batches(300_000, 3)
}

fn opts(device: Device) -> ProfileOptions {
    ProfileOptions {
        device,
        ..Default::default()
    }
}

/// `n` documents of `len` shingle hashes each.
fn shingle_hashes(n: u32, len: u32) -> Vec<Vec<u32>> {
    use datassay::metrics::minhash::murmur3_32;
    (0..n)
        .map(|d| {
            (0..len)
                .map(|i| murmur3_32(&[d as u8, i as u8], d))
                .collect()
        })
        .collect()
}

/// The profile's columns as JSON, compared within 1e-12 on floating moments.
fn same_columns(a: &datassay::Profile, b: &datassay::Profile) {
    let a = serde_json::to_value(&a.columns).unwrap();
    let b = serde_json::to_value(&b.columns).unwrap();
    common::same_json(&a, &b, "columns", 1e-12);
}

#[test]
fn the_engine_is_shared_and_compiles_each_pipeline_once() {
    let Some((_turn, a)) = gpu_turn() else {
        return;
    };
    let b = engine(true).unwrap();
    assert!(Arc::ptr_eq(&a, &b), "one engine per process");
    let data = batches();
    let cpu = profile_batches(&data, &opts(Device::Cpu)).unwrap();
    let first = profile_batches(&data, &opts(Device::Gpu)).unwrap();
    assert!(first.device.starts_with("gpu"), "{}", first.device);
    let compiled = a.pipelines_compiled();
    assert!(compiled > 0);
    let second = profile_batches(&data, &opts(Device::Gpu)).unwrap();
    assert_eq!(
        a.pipelines_compiled(),
        compiled,
        "a second profiler reuses the compiled pipelines"
    );
    same_columns(&first, &second);
    same_columns(&first, &cpu);
    // A fresh device of its own gives the same figures as the shared one.
    let fresh = Arc::new(GpuContext::new(true).unwrap());
    assert!(!Arc::ptr_eq(&fresh, &a));
    let arr = data[0].column(0).clone();
    let prep = datassay::metrics::moments::cpu::Prepared::new(&arr);
    let input = prep.input().unwrap();
    let mut on_fresh = datassay::metrics::moments::gpu::GpuMoments::on(fresh, false, 1 << 16);
    let mut on_shared = datassay::metrics::moments::gpu::GpuMoments::on(a.clone(), false, 1 << 16);
    on_fresh.update(0, &input, None).unwrap();
    on_shared.update(0, &input, None).unwrap();
    let (x, y) = (on_fresh.take(1).unwrap(), on_shared.take(1).unwrap());
    assert_eq!(x[0].counts.rows, y[0].counts.rows);
    assert_eq!(x[0].moments, y[0].moments);
}

#[test]
fn kernels_are_timed_on_the_gpu_clock() {
    let Some((_turn, ctx)) = gpu_turn() else {
        return;
    };
    assert!(
        ctx.timestamps,
        "lavapipe and NVIDIA both have TIMESTAMP_QUERY"
    );
    use datassay::metrics::minhash;
    let docs = shingle_hashes(500, 50);
    let refs: Vec<&[u32]> = docs.iter().map(Vec::as_slice).collect();
    let seeds = minhash::seeds(128);
    ctx.time_kernels(true);
    let t0 = std::time::Instant::now();
    let sigs = minhash::gpu::signatures(&ctx, &refs, &seeds).unwrap();
    let wall = t0.elapsed().as_secs_f64();
    let t = ctx.kernel_time().unwrap();
    ctx.time_kernels(false);
    assert_eq!(sigs, minhash::signatures(&docs, &seeds));
    assert_eq!(t.passes, 1, "one dispatch, one timed pass");
    assert!(
        t.seconds > 0.0 && t.seconds < wall,
        "kernel {} s within the call's {wall} s",
        t.seconds
    );
    // Timing off: nothing is timed.
    minhash::gpu::signatures(&ctx, &refs, &seeds).unwrap();
    assert_eq!(ctx.kernel_time().unwrap().passes, 0);
}

/// Lose the process's device mid-run, as a driver reset or an embedder reclaiming it would.
fn lose_the_device() {
    engine(true).unwrap().destroy();
}

/// Lose the device the first time it is called with `lost` (a progress callback's first call).
fn lose_once(lost: &AtomicBool) {
    if !lost.swap(true, Ordering::SeqCst) {
        lose_the_device();
    }
}

#[test]
fn a_device_lost_mid_profile_falls_back_to_the_cpu() {
    let Some((_turn, before)) = gpu_turn() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = batches();
    for i in 0..3 {
        let part = data[0].slice(i * 100_000, 100_000);
        datassay::bench::write_parquet(&dir.path().join(format!("{i}.parquet")), &[part]).unwrap();
    }
    let paths = [dir.path().to_path_buf()];
    let cpu = profile_paths(&paths, &opts(Device::Cpu), None).unwrap();
    let lost = AtomicBool::new(false);
    let progress = |p: &datassay::Progress| {
        if p.rows > 0 {
            lose_once(&lost);
        }
    };
    let gpu = profile_paths(&paths, &opts(Device::Gpu), Some(&progress)).unwrap();
    assert!(lost.load(Ordering::SeqCst));
    assert!(
        gpu.notices
            .iter()
            .any(|n| n.starts_with("the GPU profile of") && n.contains("the CPU did it instead")),
        "{:?} {}",
        gpu.notices,
        gpu.profile.device
    );
    assert_eq!(gpu.profile.device, "cpu");
    assert_eq!(gpu.profile.rows, cpu.profile.rows);
    same_columns(&gpu.profile, &cpu.profile);
    assert!(before.lost().is_some(), "the old engine knows it was lost");
    let after = engine(true).unwrap();
    assert!(!Arc::ptr_eq(&before, &after), "a lost engine is replaced");
    let again = profile_paths(&paths, &opts(Device::Gpu), None).unwrap();
    assert!(again.profile.device.starts_with("gpu"));
    same_columns(&again.profile, &cpu.profile);
}

#[test]
fn images_dedup_and_knn_fall_back_after_a_loss_with_the_cpus_results() {
    let Some((_turn, _)) = gpu_turn() else {
        return;
    };
    // Images: the device is lost after the first image is decoded, before any is hashed.
    let dir = tempfile::tempdir().unwrap();
    datassay::images::synthetic::generate(dir.path(), 40, 9).unwrap();
    let files = datassay::images::image_files(&[dir.path().to_path_buf()]);
    let io = |device| datassay::images::ImageOptions {
        device,
        ..Default::default()
    };
    let (cpu_report, cpu_infos) =
        datassay::images::analyze(&files, &io(Device::Cpu), &|_| {}).unwrap();
    let lost = AtomicBool::new(false);
    let (gpu_report, gpu_infos) = datassay::images::analyze(&files, &io(Device::Gpu), &|_| {
        lose_once(&lost);
    })
    .unwrap();
    assert!(
        gpu_report
            .hash_device
            .contains("then cpu: the GPU image hashing failed"),
        "{}",
        gpu_report.hash_device
    );
    assert_eq!(gpu_infos, cpu_infos);
    assert_eq!(gpu_report.clusters, cpu_report.clusters);

    // MinHash: lost after the first file's batch is signed; the rest is signed on the CPU.
    let (docs, _) = datassay::dedup::synthetic::corpus(600, 60, 0.1, 0.1, &[0.05], 4);
    let tdir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for (i, part) in docs.chunks(200).enumerate() {
        let p = tdir.path().join(format!("{i}.jsonl"));
        let text: String = part
            .iter()
            .map(|d| serde_json::json!({ "text": d }).to_string() + "\n")
            .collect();
        std::fs::write(&p, text).unwrap();
        paths.push(p);
    }
    let dd = |device| datassay::dedup::DedupOptions {
        device,
        column: "text".into(),
        ..Default::default()
    };
    let cpu_c = datassay::dedup::read_corpus(&paths, &dd(Device::Cpu)).unwrap();
    let cpu_d = datassay::dedup::dedup(&cpu_c, &dd(Device::Cpu), 0.0).unwrap();
    let lost = AtomicBool::new(false);
    let gpu_c = datassay::dedup::read_corpus_progress(&paths, &dd(Device::Gpu), &|_, _| {
        lose_once(&lost);
    })
    .unwrap();
    assert!(
        gpu_c
            .notices
            .iter()
            .any(|n| n.starts_with("the GPU MinHash signatures failed")),
        "{:?}",
        gpu_c.notices
    );
    let gpu_d = datassay::dedup::dedup(&gpu_c, &dd(Device::Gpu), 0.0).unwrap();
    assert!(!cpu_d.pairs.is_empty());
    assert_eq!(gpu_d.pairs, cpu_d.pairs);
    assert_eq!(gpu_d.cluster, cpu_d.cluster);

    // kNN: lost at the search's first progress tick.
    use datassay::metrics::knn::{knn, knn_cpu, KnnOptions, Metric};
    let mut r = datassay::bench::Rng::new(3);
    let (n, dim) = (600, 24);
    let x: Vec<f32> = (0..n * dim).map(|_| r.normal() as f32).collect();
    let want = knn_cpu(&x, dim, 5, Metric::L2).unwrap();
    let lost = AtomicBool::new(false);
    let ko = KnnOptions {
        k: 5,
        metric: Metric::L2,
        device: Device::Gpu,
        // Blocks of 128 queries: the loss comes after the first of five.
        gpu: datassay::metrics::knn::gpu::GpuKnnOptions {
            chunk: Some(128),
            ..Default::default()
        },
    };
    let run = knn(&x, dim, &ko, &|_, _| {
        lose_once(&lost);
    })
    .unwrap();
    assert!(lost.load(Ordering::SeqCst));
    assert!(
        run.notices
            .iter()
            .any(|n| n.starts_with("the GPU neighbour search failed")),
        "{:?}",
        run.notices
    );
    assert_eq!(run.neighbors, want);
    // Every pipeline gets a working engine again.
    assert!(engine(true).unwrap().lost().is_none());
}

/// A forked child (a Python or Spark worker) must not use its parent's device: it opens its
/// own, and its kernels and profiles give the parent's results.
#[cfg(unix)]
#[test]
fn a_forked_child_opens_its_own_engine() {
    let Some((_turn, parent)) = gpu_turn() else {
        return;
    };
    use datassay::metrics::minhash;
    let docs = shingle_hashes(300, 40);
    let refs: Vec<&[u32]> = docs.iter().map(Vec::as_slice).collect();
    let seeds = minhash::seeds(128);
    let want = minhash::gpu::signatures(&parent, &refs, &seeds).unwrap();
    assert_eq!(want, minhash::signatures(&docs, &seeds));
    let data = batches();
    let want_profile = profile_batches(&data, &opts(Device::Gpu)).unwrap();
    let parent_ptr = Arc::as_ptr(&parent) as usize;
    // SAFETY: the child only runs this closure and leaves with `_exit`, never returning into
    // the test harness; glibc makes malloc safe to use after fork.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let child = engine(true).unwrap();
            assert_ne!(
                Arc::as_ptr(&child) as usize,
                parent_ptr,
                "a device of its own"
            );
            assert!(child.open_seconds > 0.0, "opened in the child");
            let got = minhash::gpu::signatures(&child, &refs, &seeds).unwrap();
            assert_eq!(got, want);
            let p = profile_batches(&data, &opts(Device::Gpu)).unwrap();
            assert!(p.device.starts_with("gpu"));
            same_columns(&p, &want_profile);
        }))
        .is_ok();
        // SAFETY: ends the child without running the parent's destructors or atexit handlers.
        unsafe { libc::_exit(if ok { 0 } else { 1 }) };
    }
    let mut status = 0;
    // SAFETY: waits for the child forked above.
    let r = unsafe { libc::waitpid(pid, &mut status, 0) };
    assert_eq!(r, pid);
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "the child failed (status {status})"
    );
    // The parent's engine is untouched and still works.
    assert!(Arc::ptr_eq(&parent, &engine(true).unwrap()));
    assert_eq!(
        minhash::gpu::signatures(&parent, &refs, &seeds).unwrap(),
        want
    );
}

fn datassay(cache: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_datassay"))
        .args(args)
        .env("DATASSAY_CACHE_DIR", cache)
        .env("XDG_RUNTIME_DIR", std::env::temp_dir())
        .output()
        .unwrap()
}

fn profile_json(out: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap()
}

/// The driver's pipeline cache is kept in the cache folder, and a damaged one costs nothing
/// but compilation: the run succeeds with the same figures and writes a good cache back.
#[test]
fn a_damaged_pipeline_cache_is_ignored_and_replaced() {
    if common::gpu_context().is_none() {
        return;
    }
    let cache = tempfile::tempdir().unwrap();
    let out = cache.path().join("p.json");
    let o = out.to_str().unwrap();
    let args = [
        "profile",
        "examples/data/rides.parquet",
        "--device",
        "gpu",
        "-q",
        "--json",
        o,
        "--force",
    ];
    let first = datassay(cache.path(), &args);
    assert!(first.status.success(), "{first:?}");
    let want = profile_json(&out);
    let dir = cache.path().join("pipelines");
    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
    assert_eq!(files.len(), 1, "one cache file for the adapter");
    let file = files[0].path();
    let good = std::fs::read(&file).unwrap();
    assert!(!good.is_empty());
    for damage in [
        b"not a pipeline cache".to_vec(),
        good[..good.len() / 2].to_vec(),
    ] {
        std::fs::write(&file, &damage).unwrap();
        let again = datassay(cache.path(), &args);
        assert!(again.status.success(), "{again:?}");
        common::same_json(
            &profile_json(&out)["columns"],
            &want["columns"],
            "columns",
            0.0,
        );
        assert_ne!(
            std::fs::read(&file).unwrap(),
            damage,
            "the cache is written again"
        );
    }
    // Turned off: nothing is written.
    let off = tempfile::tempdir().unwrap();
    let out2 = off.path().join("p.json");
    let r = std::process::Command::new(env!("CARGO_BIN_EXE_datassay"))
        .args([
            "profile",
            "examples/data/rides.parquet",
            "--device",
            "gpu",
            "-q",
            "--json",
        ])
        .arg(&out2)
        .env("DATASSAY_CACHE_DIR", "")
        .env("HOME", off.path())
        .env_remove("XDG_CACHE_HOME")
        .output()
        .unwrap();
    assert!(r.status.success(), "{r:?}");
    assert!(!off.path().join(".cache").exists());
}

/// `--device auto` reads the break-even `datassay bench` kept: without one, or below it, a table
/// stays on the CPU without even opening the GPU; above it, the GPU is tried (here lavapipe, a
/// software adapter, which auto then refuses with a notice).
#[test]
fn device_auto_follows_the_measured_break_even() {
    let cache = tempfile::tempdir().unwrap();
    let out = cache.path().join("p.json");
    let o = out.to_str().unwrap();
    let args = [
        "profile",
        "examples/data/rides.parquet",
        "--json",
        o,
        "--force",
    ];
    let write = |bytes: Option<u64>| {
        let b = datassay::gpu::BreakEven {
            bytes,
            gpu: "test adapter".into(),
            cpu_threads: 2,
            cpu_bytes_per_s: 1e9,
            gpu_bytes_per_s: 2e9,
            gpu_setup_s: 0.3,
        };
        std::fs::write(
            cache.path().join("break-even.json"),
            serde_json::to_string(&b).unwrap(),
        )
        .unwrap();
    };
    // Not measured, or never: the CPU, no probe of the GPU, no notice about it.
    let r = datassay(cache.path(), &args);
    assert!(r.status.success(), "{r:?}");
    assert!(!String::from_utf8_lossy(&r.stderr).contains("adapter"));
    assert_eq!(profile_json(&out)["device"], "cpu");
    let d = datassay(cache.path(), &["devices"]);
    assert!(String::from_utf8_lossy(&d.stdout).contains("break-even: not measured"));
    write(None);
    let r = datassay(cache.path(), &args);
    assert!(r.status.success(), "{r:?}");
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(!err.contains("adapter"), "{err}");
    assert_eq!(profile_json(&out)["device"], "cpu");
    let d = datassay(cache.path(), &["devices"]);
    let text = String::from_utf8_lossy(&d.stdout);
    assert!(text.contains("break-even: never"), "{text}");
    assert!(text.contains(&cache.path().display().to_string()), "{text}");
    // One byte: the GPU is tried for this input.
    write(Some(1));
    let r = datassay(cache.path(), &args);
    assert!(r.status.success(), "{r:?}");
    let err = String::from_utf8_lossy(&r.stderr);
    let gpu = datassay::gpu::engine(false);
    match gpu {
        Ok(_) => assert!(profile_json(&out)["device"]
            .as_str()
            .unwrap()
            .starts_with("gpu")),
        Err(_) => assert!(err.contains("running on the CPU"), "{err}"),
    }
    let d = datassay(cache.path(), &["devices"]);
    assert!(String::from_utf8_lossy(&d.stdout).contains("takes the GPU from 0.00 GB"));
    // --clear-cache deletes what datassay keeps, and never anything else in the folder.
    let theirs = cache.path().join("someone-elses.txt");
    std::fs::write(&theirs, "keep me").unwrap();
    let c = datassay(cache.path(), &["devices", "--clear-cache"]);
    assert!(c.status.success());
    assert!(!cache.path().join("break-even.json").exists());
    assert_eq!(std::fs::read_to_string(&theirs).unwrap(), "keep me");
    assert!(
        out.exists(),
        "the profile written there is not datassay's cache either"
    );
    std::fs::remove_file(&theirs).unwrap();
    std::fs::remove_file(&out).unwrap();
    let c = datassay(cache.path(), &["devices", "--clear-cache"]);
    assert!(c.status.success());
    assert!(!cache.path().exists(), "an empty cache folder is removed");
    // A cache "folder" that is a file is an input error, and the file is left alone.
    let file = tempfile::NamedTempFile::new().unwrap();
    let c = datassay(file.path(), &["devices", "--clear-cache"]);
    assert_eq!(c.status.code(), Some(2), "{c:?}");
    assert!(
        String::from_utf8_lossy(&c.stderr).contains("not a folder"),
        "{c:?}"
    );
    assert!(file.path().is_file());
}

/// A Parquet file of many row groups on the GPU path: the row groups decode and fold on all
/// cores, each feeding its moments to an engine of its own on the shared device; the figures
/// equal the CPU path's and do not change from run to run.
#[test]
fn row_groups_fold_in_parallel_on_the_gpu_path() {
    let Some((_turn, _)) = gpu_turn() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("groups.parquet");
    let data = batches();
    let file = std::fs::File::create(&path).unwrap();
    let props = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(40_000))
        .build();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, data[0].schema(), Some(props)).unwrap();
    for b in &data {
        w.write(b).unwrap();
    }
    w.close().unwrap();
    let paths = [path];
    let cpu = profile_paths(&paths, &opts(Device::Cpu), None).unwrap();
    let a = profile_paths(&paths, &opts(Device::Gpu), None).unwrap();
    let b = profile_paths(&paths, &opts(Device::Gpu), None).unwrap();
    assert!(a.profile.device.starts_with("gpu"), "{}", a.profile.device);
    assert!(
        a.notices.iter().all(|n| !n.contains("GPU")),
        "{:?}",
        a.notices
    );
    same_columns(&a.profile, &cpu.profile);
    assert_eq!(
        serde_json::to_string(&a.profile.columns).unwrap(),
        serde_json::to_string(&b.profile.columns).unwrap(),
        "the same figures run after run"
    );
}

/// An embedder's own device: opened with wgpu directly, handed over with `install`, and used by
/// every pipeline from then on.
#[test]
fn an_embedders_device_becomes_the_engine() {
    let Some((_turn, _)) = gpu_turn() else {
        return;
    };
    let inst = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
    let adapter = pollster::block_on(inst.request_adapter(&Default::default())).unwrap();
    let info = adapter.get_info();
    // The embedder's choice of features: no f64, so the kernels take their f32 path.
    let (device, queue) =
        pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor::default())).unwrap();
    let ctx = datassay::gpu::install(GpuContext::from_device(device, queue, info));
    assert!(!ctx.f64);
    assert!(Arc::ptr_eq(&ctx, &engine(true).unwrap()));
    let data = batches();
    let got = profile_batches(&data, &opts(Device::Gpu)).unwrap();
    assert!(got.device.ends_with("f32"), "{}", got.device);
    let cpu = profile_batches(&data, &opts(Device::Cpu)).unwrap();
    let (g, c) = (got.column("x").unwrap(), cpu.column("x").unwrap());
    let (gn, cn) = (g.numeric.as_ref().unwrap(), c.numeric.as_ref().unwrap());
    assert_eq!(
        (g.count, gn.nan, gn.min, gn.max),
        (c.count, cn.nan, cn.min, cn.max)
    );
    let (gm, cm) = (gn.mean.unwrap(), cn.mean.unwrap());
    assert!((gm - cm).abs() <= 1e-5 * cn.std.unwrap(), "{gm} {cm}");
    // A lost embedder device is replaced by one of datassay's own.
    ctx.destroy();
    assert!(!Arc::ptr_eq(&ctx, &engine(true).unwrap()));
}

/// A forked child (a Python multiprocessing or Spark worker) after the parent has profiled on
/// all cores: the parent's worker threads are not in the child, so the child runs its parallel
/// steps on a pool of its own (with rayon's global pool it waited forever), and its profile
/// equals the parent's.
#[cfg(unix)]
#[test]
fn a_forked_child_profiles_on_threads_of_its_own() {
    let _g = serial();
    let data = batches();
    let want = profile_batches(&data, &opts(Device::Cpu)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.parquet");
    datassay::bench::write_parquet(&path, &data).unwrap();
    let want_file = profile_paths(std::slice::from_ref(&path), &opts(Device::Cpu), None).unwrap();
    // SAFETY: as in `a_forked_child_opens_its_own_engine`.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let got = profile_batches(&data, &opts(Device::Cpu)).unwrap();
            same_columns(&got, &want);
            let got = profile_paths(std::slice::from_ref(&path), &opts(Device::Cpu), None).unwrap();
            same_columns(&got.profile, &want_file.profile);
        }))
        .is_ok();
        // SAFETY: ends the child without running the parent's destructors.
        unsafe { libc::_exit(if ok { 0 } else { 1 }) };
    }
    // The child gets a minute; a hang is a failure, not a stuck test run.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut status = 0;
    loop {
        // SAFETY: polls the child forked above.
        let r = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if r == pid {
            break;
        }
        if std::time::Instant::now() > deadline {
            // SAFETY: ends the hung child.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            panic!("the forked child hung");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "the child failed (status {status})"
    );
}

/// MinHash and image hashing under `--device auto` stay on the CPU, without probing the GPU,
/// where `datassay bench` measured the GPU slower for them on this machine; elsewhere auto
/// tries the GPU (here lavapipe, which it then refuses with a notice).
#[test]
fn device_auto_follows_the_measured_pipeline_rates() {
    let cache = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let docs = data.path().join("docs.jsonl");
    let text: String = (0..200)
        .map(|i| {
            serde_json::json!({ "text": format!("document {} about the same topic", i % 50) })
                .to_string()
                + "\n"
        })
        .collect();
    std::fs::write(&docs, text).unwrap();
    let imgs = data.path().join("imgs");
    datassay::images::synthetic::generate(&imgs, 20, 3).unwrap();
    let d = docs.to_str().unwrap();
    let i = imgs.to_str().unwrap();
    let runs = |cache: &std::path::Path| {
        [
            datassay(cache, &["dedup", d, "--column", "text", "-q"]),
            datassay(cache, &["images", i, "-q"]),
        ]
    };
    let hardware = datassay::gpu::engine(false).is_ok();
    // Where a run says why it took the CPU: a notice on stderr, or the images summary.
    let said = |r: &std::process::Output| {
        String::from_utf8_lossy(&r.stderr).to_string() + &String::from_utf8_lossy(&r.stdout)
    };
    // Nothing measured: auto probes the GPU for both.
    for r in runs(cache.path()) {
        assert!(r.status.success(), "{r:?}");
        if !hardware {
            assert!(said(&r).contains("adapter"), "{r:?}");
        }
    }
    // Measured slower on the GPU: both stay on the CPU without a probe.
    let slower = |unit: &str| datassay::gpu::cache::PipelineRate {
        cpu_per_s: 2000.0,
        gpu_per_s: 1000.0,
        unit: unit.into(),
        gpu: "test adapter".into(),
        cpu_threads: 2,
    };
    let rates =
        serde_json::json!({ "minhash": slower("documents"), "image hashes": slower("images") });
    std::fs::write(cache.path().join("pipelines.json"), rates.to_string()).unwrap();
    for r in runs(cache.path()) {
        assert!(r.status.success(), "{r:?}");
        assert!(!said(&r).contains("adapter"), "{r:?}");
    }
    let dv = datassay(cache.path(), &["devices"]);
    let text = String::from_utf8_lossy(&dv.stdout);
    assert!(
        text.contains("minhash: --device auto uses the CPU"),
        "{text}"
    );
    assert!(
        text.contains("image hashes: --device auto uses the CPU"),
        "{text}"
    );
    // --device gpu still uses the GPU.
    let r = datassay(
        cache.path(),
        &[
            "dedup", d, "--column", "text", "--device", "gpu", "--json", "-",
        ],
    );
    if common::gpu_context().is_some() {
        assert!(r.status.success(), "{r:?}");
        assert!(
            String::from_utf8_lossy(&r.stdout).contains("\"device\": \"gpu"),
            "{r:?}"
        );
    }
}
