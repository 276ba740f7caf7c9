//! Merge throughput: profiles of many shards of a 12-column table, merged through the library
//! and through their JSON and binary forms, with the size of a shard's state per column.
//!
//!     RAYON_NUM_THREADS=1 cargo run --release --example merge_throughput -- [SHARDS] [ROWS]
//!
//! Defaults: 10,000 shards of 100 rows (the profiles are held in memory: about 0.5 MB each at
//! 100 rows, 2 MB at 1,000). Shard profiles are made first (not timed); then the
//! merge of all of them is timed: in memory (`Profile::merge_all`), from JSON text, and from
//! the binary form (`Profile::to_bytes`).

use arrow::array::{ArrayRef, BooleanArray, Float32Array, Float64Array, Int32Array, Int64Array};
use arrow::array::{RecordBatch, StringArray};
use datassay::{profile_batches, Device, Profile, ProfileOptions};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

/// A shard like benches/compare/gen_table.py's table: 5 float, 3 integer, 1 boolean and 3
/// string columns.
fn shard(rows: usize, seed: u64) -> RecordBatch {
    let mut r = datassay::bench::Rng::new(seed);
    let f = |r: &mut datassay::bench::Rng, scale: f64| -> ArrayRef {
        Arc::new(Float64Array::from(
            (0..rows).map(|_| r.normal() * scale).collect::<Vec<_>>(),
        ))
    };
    let cols: Vec<(&str, ArrayRef)> = vec![
        ("f_normal", f(&mut r, 1.0)),
        ("f_lognormal", f(&mut r, 2.0)),
        ("f_pareto", f(&mut r, 10.0)),
        (
            "f_uniform",
            Arc::new(Float32Array::from(
                (0..rows)
                    .map(|_| (r.uniform() * 2000.0 - 1000.0) as f32)
                    .collect::<Vec<_>>(),
            )),
        ),
        ("f_spikes", f(&mut r, 1e6)),
        (
            "i_lowcard",
            Arc::new(Int32Array::from(
                (0..rows)
                    .map(|_| (r.next_u64() % 50) as i32)
                    .collect::<Vec<_>>(),
            )),
        ),
        (
            "i_highcard",
            Arc::new(Int64Array::from(
                (0..rows)
                    .map(|_| (r.next_u64() >> 24) as i64)
                    .collect::<Vec<_>>(),
            )),
        ),
        (
            "i_id",
            Arc::new(Int64Array::from(
                (0..rows as i64)
                    .map(|i| i + seed as i64 * rows as i64)
                    .collect::<Vec<_>>(),
            )),
        ),
        (
            "b_flag",
            Arc::new(BooleanArray::from(
                (0..rows).map(|_| r.uniform() < 0.2).collect::<Vec<_>>(),
            )),
        ),
        (
            "s_category",
            Arc::new(StringArray::from(
                (0..rows)
                    .map(|_| format!("c{}", r.next_u64() % 12))
                    .collect::<Vec<_>>(),
            )),
        ),
        (
            "s_city",
            Arc::new(StringArray::from(
                (0..rows)
                    .map(|_| format!("city{}", r.next_u64() % 5000))
                    .collect::<Vec<_>>(),
            )),
        ),
        (
            "s_text",
            Arc::new(StringArray::from(
                (0..rows)
                    .map(|_| format!("w{} w{}", r.next_u64(), r.next_u64() % 2000))
                    .collect::<Vec<_>>(),
            )),
        ),
    ];
    RecordBatch::try_from_iter(cols).unwrap()
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().unwrap())
        .collect();
    let shards = args.first().copied().unwrap_or(10_000);
    let rows = args.get(1).copied().unwrap_or(100);
    let opts = ProfileOptions {
        device: Device::Cpu,
        ..Default::default()
    };
    let t = Instant::now();
    let profiles: Vec<Profile> = (0..shards)
        .map(|i| profile_batches(&[shard(rows, i as u64 + 1)], &opts).unwrap())
        .collect();
    eprintln!(
        "{shards} shard profiles of {rows} rows made in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let mut merged = Profile::merge_all(&profiles).unwrap();
    for _ in 0..std::env::var("MERGE_REPEAT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
    {
        merged = Profile::merge_all(&profiles).unwrap();
    }
    let in_memory = t.elapsed().as_secs_f64();
    assert_eq!(merged.rows, (shards * rows) as u64);
    // One form at a time, so memory holds the profiles and one serialised copy.
    let json: Vec<String> = profiles.iter().map(|p| p.to_json_compact()).collect();
    let json_kb = json.iter().map(|j| j.len()).sum::<usize>() as f64 / shards as f64;
    let t = Instant::now();
    let from_json = Profile::merge_all(
        json.iter()
            .map(|j| Profile::from_json(j, Path::new("shard.json")).unwrap())
            .collect::<Vec<_>>()
            .iter(),
    )
    .unwrap();
    let via_json = t.elapsed().as_secs_f64();
    drop(json);
    let bytes: Vec<Vec<u8>> = profiles.iter().map(|p| p.to_bytes()).collect();
    let bytes_kb = bytes.iter().map(|b| b.len()).sum::<usize>() as f64 / shards as f64;
    let t = Instant::now();
    let read: Vec<Profile> = bytes
        .iter()
        .map(|b| Profile::from_bytes(b, Path::new("shard.bin")).unwrap())
        .collect();
    let _ = Profile::merge_all(&read).unwrap();
    let via_bytes = t.elapsed().as_secs_f64();
    drop(read);
    drop(bytes);
    assert_eq!(from_json.rows, merged.rows);
    let cols = merged.columns.len() as f64;
    println!(
        "{shards} shards x {rows} rows x {} columns, one thread:",
        merged.columns.len()
    );
    println!("  merge in memory (Profile::merge_all)   {in_memory:8.3} s");
    println!("  read JSON and merge                    {via_json:8.3} s");
    println!("  read binary and merge                  {via_bytes:8.3} s");
    println!(
        "  a shard's profile per column: JSON {:.1} KB, binary {:.1} KB; the merged one: JSON {:.1} KB",
        json_kb / cols / 1e3,
        bytes_kb / cols / 1e3,
        merged.to_json_compact().len() as f64 / cols / 1e3
    );
}
