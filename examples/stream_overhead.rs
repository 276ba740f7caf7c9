//! The streaming Profiler's cost per row with small batches against large ones: the same rows
//! (a 12-column table like `merge_throughput`'s shards) fed to `Profiler::update` in batches of
//! 1,024 and of 65,536 rows, alternated, best of 3 each.
//!
//!     cargo run --release --example stream_overhead -- [ROWS]
//!
//! Slices of one in-memory batch are zero-copy, so this times the profiler alone.

use arrow::array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use datassay::{Device, ProfileOptions, Profiler};
use std::sync::Arc;
use std::time::Instant;

fn table(rows: usize) -> RecordBatch {
    let mut r = datassay::bench::Rng::new(3);
    let mut cols: Vec<(String, ArrayRef)> = Vec::new();
    for c in 0..6 {
        let v: Vec<Option<f64>> = (0..rows)
            .map(|i| (i % 97 != c).then(|| r.normal() * (c + 1) as f64))
            .collect();
        cols.push((format!("f{c}"), Arc::new(Float64Array::from(v))));
    }
    for c in 0..3 {
        let v: Vec<i64> = (0..rows)
            .map(|_| (r.next_u64() % (10u64.pow(c + 2))) as i64)
            .collect();
        cols.push((format!("i{c}"), Arc::new(Int64Array::from(v))));
    }
    for c in 0..3 {
        let v: Vec<String> = (0..rows)
            .map(|_| format!("s{}", r.next_u64() % (20 * 10u64.pow(c))))
            .collect();
        cols.push((format!("s{c}"), Arc::new(StringArray::from(v))));
    }
    RecordBatch::try_from_iter(cols).unwrap()
}

fn run(t: &RecordBatch, batch: usize) -> f64 {
    let opts = ProfileOptions {
        device: Device::Cpu,
        ..Default::default()
    };
    let start = Instant::now();
    let mut p = Profiler::new(t.schema(), &opts).unwrap();
    let mut s = 0;
    while s < t.num_rows() {
        let n = batch.min(t.num_rows() - s);
        p.update(&t.slice(s, n)).unwrap();
        s += n;
    }
    let profile = p.finish().unwrap().profile;
    assert_eq!(profile.rows, t.num_rows() as u64);
    start.elapsed().as_secs_f64()
}

fn main() {
    let rows: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().unwrap())
        .unwrap_or(4_000_000);
    let t = table(rows);
    let (mut small, mut large) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..3 {
        small = small.min(run(&t, 1024));
        large = large.min(run(&t, 65_536));
    }
    println!(
        "{rows} rows x 12 columns, {} threads: batches of 1,024 rows {:.3} s ({:.0} ns/row), of 65,536 rows {:.3} s ({:.0} ns/row): {:.2}x per row",
        rayon::current_num_threads(),
        small,
        small * 1e9 / rows as f64,
        large,
        large * 1e9 / rows as f64,
        small / large
    );
}
