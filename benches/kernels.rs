//! Per-kernel benchmarks, CPU twin against GPU kernel, as bytes of f64 values per second.
//!
//!     cargo bench --bench kernels
//!
//! Group `moments`: the fused moments + 32-bin histogram kernel over one f64 column (N(0,1), 1%
//! nulls) on one core, on all cores, a plain sum beside it (the read floor), and on the GPU
//! (streamed from host memory through the staging ring) when an adapter is usable.
//!
//! Group `knn`: the exact kNN selection (k = 10, l2) over 4,096 random vectors of dimension 128,
//! as elements of the N × N distance matrix per second (each is 2·d flops): the CPU twin with the
//! best instruction set this CPU has, the portable fallback, and the GPU (chunked SGEMM + selection)
//! when an adapter is usable.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use datassay::bench::sample_column;
use datassay::metrics::moments::cpu::{self, NumericState, Prepared};
use datassay::metrics::moments::HistSpec;
use rayon::prelude::*;
use std::sync::Arc;

fn moments(c: &mut Criterion) {
    let n = 8 << 20;
    let arr: arrow::array::ArrayRef = Arc::new(sample_column(n, 1));
    let prep = Prepared::new(&arr);
    let input = prep.input().unwrap();
    let (lo, hi) = cpu::range(&input, 0, n);
    let spec = HistSpec::new(lo, hi, 32);
    let mut g = c.benchmark_group("moments");
    g.throughput(Throughput::Bytes((n * 8) as u64));
    g.sample_size(10);
    let values = input.values.as_f64().unwrap();
    g.bench_function("plain_sum_1_thread", |b| {
        b.iter(|| values.iter().sum::<f64>())
    });
    g.bench_function("cpu_1_thread", |b| {
        b.iter(|| {
            let mut st = NumericState::new(Some(&spec));
            cpu::update(&mut st, &input, 0, n, Some(&spec));
            st.moments.m2
        })
    });
    g.bench_function("cpu_all_threads", |b| {
        b.iter(|| {
            (0..n.div_ceil(1 << 16))
                .into_par_iter()
                .map(|i| {
                    let mut st = NumericState::new(Some(&spec));
                    cpu::update(
                        &mut st,
                        &input,
                        i << 16,
                        ((i + 1) << 16).min(n),
                        Some(&spec),
                    );
                    st
                })
                .reduce(
                    || NumericState::new(Some(&spec)),
                    |mut a, b| {
                        a.merge(&b);
                        a
                    },
                )
        })
    });
    #[cfg(feature = "gpu")]
    match datassay::metrics::moments::gpu::GpuMoments::new(false) {
        Ok(mut gpu) => {
            // lavapipe runs at well under 1 GB/s: keep its input small.
            let m = if gpu.describe().contains("llvmpipe") {
                1 << 20
            } else {
                n
            };
            let small = Prepared::new(&arr.slice(0, m));
            let si = small.input().unwrap();
            g.throughput(Throughput::Bytes((m * 8) as u64));
            g.bench_function("gpu_stream", |b| {
                b.iter(|| {
                    gpu.update(0, &si, Some(&spec)).unwrap();
                    gpu.take(1).unwrap()
                })
            });
        }
        Err(e) => eprintln!("moments/gpu skipped: {e}"),
    }
    g.finish();
}

fn knn(c: &mut Criterion) {
    use datassay::metrics::knn::{cpu as kcpu, Metric};
    let (n, dim, k) = (4096, 128, 10 + datassay::metrics::knn::MARGIN);
    let mut r = datassay::bench::Rng::new(3);
    let x: Vec<f32> = (0..n * dim).map(|_| r.normal() as f32).collect();
    let mut g = c.benchmark_group("knn");
    g.throughput(Throughput::Elements((n * n) as u64));
    g.sample_size(10);
    for isa in [kcpu::Isa::detect(), kcpu::Isa::Portable] {
        let packed = kcpu::pack(&x, dim, Metric::L2, isa);
        g.bench_function(format!("cpu_{}", isa.name()), |b| {
            b.iter(|| kcpu::candidates(&packed, Metric::L2, k, isa, &|_, _| {}))
        });
    }
    #[cfg(feature = "gpu")]
    match datassay::gpu::GpuContext::new(true) {
        Ok(ctx) => {
            let opts = datassay::metrics::knn::gpu::GpuKnnOptions::default();
            g.bench_function("gpu", |b| {
                b.iter(|| {
                    datassay::metrics::knn::gpu::candidates(
                        &ctx,
                        &x,
                        dim,
                        Metric::L2,
                        k,
                        1.0,
                        opts,
                        &|_, _| {},
                    )
                    .unwrap()
                })
            });
        }
        Err(e) => eprintln!("knn/gpu skipped: {e}"),
    }
    g.finish();
}

criterion_group!(benches, moments, knn);
criterion_main!(benches);
