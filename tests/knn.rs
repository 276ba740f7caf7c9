//! Exact kNN: the GPU kernels (on lavapipe in CI) and the CPU twin against a brute-force f64
//! reference. In CI (`CI` set) a missing adapter fails the GPU tests instead of skipping them.

#![cfg(feature = "gpu")]

mod common;
use datassay::bench::Rng;
use datassay::gpu::GpuContext;
use datassay::metrics::knn::gpu::{candidates, GpuKnnOptions};
use datassay::metrics::knn::{knn_cpu, knn_reference, l2_scale, refine, Metric, MARGIN};

fn ctx() -> Option<std::sync::Arc<GpuContext>> {
    common::gpu_context()
}

fn vectors(n: usize, dim: usize, seed: u64) -> Vec<f32> {
    let mut r = Rng::new(seed);
    let centres: Vec<Vec<f64>> = (0..5)
        .map(|_| (0..dim).map(|_| r.normal() * 4.0).collect())
        .collect();
    let mut x = Vec::with_capacity(n * dim);
    for i in 0..n {
        let c = &centres[i % 5];
        for &m in c {
            x.push((m + r.normal()) as f32);
        }
    }
    if n > 3 {
        for d in 0..dim {
            x[3 * dim + d] = x[d]; // row 3 duplicates row 0
        }
    }
    x[dim * (n - 1)..].fill(0.0);
    x
}

#[test]
fn gpu_neighbours_equal_the_f64_reference() {
    let Some(ctx) = ctx() else { return };
    // Shapes: a ragged dimension, several 128-row chunks (so the selection merges across
    // reference chunks), and the streaming path that uploads chunks per step.
    for (n, dim, chunk, stream, stage_dims) in [
        (2, 3, None, false, None),
        (300, 13, None, false, Some(16)),
        (700, 40, Some(256), false, None),
        (700, 40, Some(128), true, None),
        (700, 21, Some(256), false, Some(16)),
    ] {
        for metric in [Metric::L2, Metric::Cosine] {
            let x = vectors(n, dim, n as u64 + dim as u64);
            let k = 7.min(n - 1);
            let kc = (k + MARGIN).min(n - 1);
            let scale = l2_scale(&x, dim);
            let opts = GpuKnnOptions {
                chunk,
                stream,
                stage_dims,
                f16: false,
            };
            let c = candidates(&ctx, &x, dim, metric, kc, scale, opts, &|_, _| {}).unwrap();
            assert_eq!(c.len(), n);
            let got = refine(&x, dim, k, metric, &c);
            let want = knn_reference(&x, dim, k, metric);
            assert_eq!(got.ids, want.ids, "{n}x{dim} {metric:?} chunk {chunk:?}");
            assert_eq!(got.dist, want.dist);
            assert_eq!(got, knn_cpu(&x, dim, k, metric).unwrap());
            // The f32 candidate distances are close to the exact ones (squared for L2).
            for (i, t) in c.iter().enumerate() {
                assert_eq!(t.id.len(), kc);
                assert!(!t.id.contains(&(i as u32)), "row {i} is its own neighbour");
                for (&d, &j) in t.dist.iter().zip(&t.id) {
                    let e = datassay::metrics::knn::distance(
                        &x[i * dim..][..dim],
                        &x[j as usize * dim..][..dim],
                        metric,
                    );
                    let e = if metric == Metric::L2 { e * e } else { e };
                    assert!(
                        (d as f64 - e).abs() <= 1e-4 * (1.0 + e.abs()) * dim as f64,
                        "{metric:?} row {i} → {j}: f32 {d} vs f64 {e}"
                    );
                }
            }
        }
    }
}

/// f16 storage: the selection sees rounded vectors, the wider margin and the f64 refinement give
/// back the exact neighbours on random data.
#[test]
fn gpu_f16_storage_gives_the_exact_neighbours() {
    let Some(ctx) = ctx() else { return };
    for (n, dim, stream) in [(600, 37, false), (600, 16, true)] {
        for metric in [Metric::L2, Metric::Cosine] {
            let x = vectors(n, dim, 77 + dim as u64);
            let k = 6;
            let kc = k + datassay::metrics::knn::MARGIN_F16;
            let opts = GpuKnnOptions {
                chunk: Some(256),
                stream,
                stage_dims: None,
                f16: true,
            };
            let c = candidates(&ctx, &x, dim, metric, kc, 1.0, opts, &|_, _| {}).unwrap();
            // The selection really ran on halves: its distances are not the f32 path's.
            let f32_opts = GpuKnnOptions { f16: false, ..opts };
            let c32 = candidates(&ctx, &x, dim, metric, kc, 1.0, f32_opts, &|_, _| {}).unwrap();
            assert!(
                c.iter().zip(&c32).any(|(a, b)| a.dist[0] != b.dist[0]),
                "f16 storage left every distance as in f32"
            );
            let got = refine(&x, dim, k, metric, &c);
            let want = knn_reference(&x, dim, k, metric);
            assert_eq!(got.ids, want.ids, "{n}x{dim} {metric:?} f16");
            assert_eq!(got.dist, want.dist);
        }
    }
}
