//! Per-kernel benchmarks, CPU twin against GPU kernel, as bytes of f64 values per second.
//!
//!     cargo bench --bench kernels
//!
//! Group `moments`: the fused moments + 32-bin histogram kernel over one f64 column (N(0,1), 1%
//! nulls) on one core, on all cores, a plain sum beside it (the read floor), and on the GPU
//! (streamed from host memory through the staging ring) when an adapter is usable.

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

criterion_group!(benches, moments);
criterion_main!(benches);
