//! Writes the sample dataset that ships in `examples/data/` (run from the repository root):
//!
//!     cargo run --example make_sample
//!
//! `rides.parquet` (two row groups' worth of shards in `rides-shards/`) and `rides.csv` hold 20,000
//! synthetic taxi rides with the defects profiling is for: nulls, NaN, an infinite fare, a
//! heavy-tailed distance, a constant column, empty strings and a nested column datassay skips.

use arrow::array::{
    ArrayRef, BooleanArray, Float64Array, Int32Array, Int8Array, ListArray, RecordBatch,
    StringArray, TimestampMicrosecondArray,
};
use arrow::datatypes::Int32Type;
use datassay::bench::Rng;
use std::sync::Arc;

fn batch(rows: usize, seed: u64, with_list: bool) -> RecordBatch {
    let mut r = Rng::new(seed);
    let distance: Float64Array = (0..rows)
        .map(|_| Some((0.8 * r.normal()).exp() * 2.0))
        .collect();
    let fare: Float64Array = (0..rows)
        .map(|i| match i % 997 {
            13 => None,
            14 => Some(f64::NAN),
            _ if i == 4242 => Some(f64::INFINITY),
            _ => Some((3.0 + 2.5 * r.uniform() * 10.0 * 100.0).round() / 100.0),
        })
        .collect();
    let passengers: Int8Array = (0..rows)
        .map(|i| (i % 50 != 7).then(|| 1 + (r.uniform() * 4.0) as i8))
        .collect();
    let start = 1_735_689_600_000_000i64; // 2025-01-01T00:00:00Z
    let pickup: TimestampMicrosecondArray = (0..rows)
        .map(|i| Some(start + i as i64 * 90_000_000 + (r.uniform() * 6e7) as i64))
        .collect::<TimestampMicrosecondArray>()
        .with_timezone("+00:00");
    let payment: StringArray = (0..rows)
        .map(|i| match (r.uniform() * 10.0) as u32 {
            _ if i % 331 == 0 => None,
            0..=5 => Some("card"),
            6..=8 => Some("cash"),
            _ => Some(""),
        })
        .collect();
    let note: StringArray = (0..rows)
        .map(|i| {
            (i % 5 == 0)
                .then(|| ["airport run", "late night, café stop", "ok", "luggage", ""][i % 4])
        })
        .collect();
    let tipped: BooleanArray = (0..rows).map(|_| Some(r.uniform() < 0.6)).collect();
    let zone: Int32Array = (0..rows).map(|_| Some(7)).collect();
    let mut cols: Vec<(&str, ArrayRef)> = vec![
        ("trip_distance_km", Arc::new(distance)),
        ("fare_usd", Arc::new(fare)),
        ("passengers", Arc::new(passengers)),
        ("pickup_time", Arc::new(pickup)),
        ("payment", Arc::new(payment)),
        ("note", Arc::new(note)),
        ("tipped", Arc::new(tipped)),
        ("zone", Arc::new(zone)),
    ];
    if with_list {
        let stops = ListArray::from_iter_primitive::<Int32Type, _, _>(
            (0..rows).map(|i| Some((0..(i % 3) as i32).map(Some).collect::<Vec<_>>())),
        );
        cols.push(("stops", Arc::new(stops)));
    }
    RecordBatch::try_from_iter(cols).unwrap()
}

fn main() {
    let dir = std::path::Path::new("examples/data");
    std::fs::create_dir_all(dir.join("rides-shards")).unwrap();
    let whole = batch(20_000, 7, true);
    let props = parquet::file::properties::WriterProperties::builder()
        .set_compression(parquet::basic::Compression::SNAPPY)
        .set_max_row_group_row_count(Some(8192))
        .build();
    let write = |path: std::path::PathBuf, b: &RecordBatch| {
        let f = std::fs::File::create(&path).unwrap();
        let mut w =
            parquet::arrow::ArrowWriter::try_new(f, b.schema(), Some(props.clone())).unwrap();
        w.write(b).unwrap();
        w.close().unwrap();
        println!("wrote {}", path.display());
    };
    write(dir.join("rides.parquet"), &whole);
    // The same rows as two shards: a dataset folder.
    write(
        dir.join("rides-shards/part-0.parquet"),
        &whole.slice(0, 12_000),
    );
    write(
        dir.join("rides-shards/part-1.parquet"),
        &whole.slice(12_000, 8_000),
    );
    // CSV has no nested types: the same rows without `stops`.
    let flat = batch(20_000, 7, false);
    let f = std::fs::File::create(dir.join("rides.csv")).unwrap();
    let mut w = arrow::csv::Writer::new(f);
    w.write(&flat).unwrap();
    println!("wrote {}", dir.join("rides.csv").display());
}
