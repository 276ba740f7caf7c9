//! Times the CPU kNN kernel on random vectors: `cargo run --release --example knn_probe -- N DIM`.
use datassay::metrics::knn::{knn_cpu, Metric};
fn main() {
    let a: Vec<usize> = std::env::args()
        .skip(1)
        .map(|s| s.parse().unwrap())
        .collect();
    let (n, dim) = (a[0], a[1]);
    let mut r = datassay::bench::Rng::new(1);
    let x: Vec<f32> = (0..n * dim).map(|_| r.normal() as f32).collect();
    let t = std::time::Instant::now();
    let nb = knn_cpu(&x, dim, 10, Metric::L2).unwrap();
    let s = t.elapsed().as_secs_f64();
    println!(
        "{n}x{dim}: {s:.3} s, {:.1} GFLOP/s, first {:?}",
        2.0 * (n * n * dim) as f64 / s / 1e9,
        &nb.ids[..3]
    );
}
