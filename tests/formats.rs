//! Every numeric type read as its number, strings and skipped types, and the same table through
//! every reader (Parquet, Arrow IPC file and stream, CSV, JSON lines) giving the same profile.

use arrow::array::*;
use arrow::datatypes::{DataType, Field, Fields, Int32Type};
use datassay::{profile_batches, profile_paths, ColumnKind, Device, Profile, ProfileOptions};
use half::f16;
use std::path::PathBuf;
use std::sync::Arc;

fn cpu() -> ProfileOptions {
    ProfileOptions {
        device: Device::Cpu,
        ..Default::default()
    }
}

fn mean(p: &Profile, c: &str) -> Option<f64> {
    p.column(c).unwrap().numeric.as_ref().unwrap().mean
}

#[test]
fn every_numeric_type_is_its_number() {
    let dict: DictionaryArray<Int32Type> = vec![Some("a"), Some("bcd"), None, Some("a")]
        .into_iter()
        .collect();
    let fields = Fields::from(vec![Field::new("i", DataType::Int32, true)]);
    let st = StructArray::new(
        fields,
        vec![Arc::new(Int32Array::from(vec![1, 2, 3, 4])) as ArrayRef],
        None,
    );
    let batch = RecordBatch::try_from_iter([
        (
            "i8",
            Arc::new(Int8Array::from(vec![Some(-128), Some(127), None, Some(1)])) as ArrayRef,
        ),
        (
            "u64",
            Arc::new(UInt64Array::from(vec![0, 1, 2, 1 << 40])) as _,
        ),
        (
            "f16",
            Arc::new(Float16Array::from(vec![
                f16::from_f32(1.5),
                f16::from_f32(2.5),
                f16::from_f32(-1.0),
                f16::NAN,
            ])) as _,
        ),
        (
            "f32",
            Arc::new(Float32Array::from(vec![0.5f32, f32::INFINITY, 1.5, 2.5])) as _,
        ),
        (
            "dec",
            Arc::new(
                Decimal128Array::from(vec![125i128, 250, -100, 0])
                    .with_precision_and_scale(10, 2)
                    .unwrap(),
            ) as _,
        ),
        (
            "date",
            Arc::new(Date32Array::from(vec![0, 10, 20, 30])) as _,
        ),
        (
            "ts",
            Arc::new(TimestampMicrosecondArray::from(vec![
                1_000_000i64,
                2_000_000,
                3_000_000,
                4_000_000,
            ])) as _,
        ),
        (
            "dur",
            Arc::new(DurationSecondArray::from(vec![60i64, 120, 180, 240])) as _,
        ),
        (
            "flag",
            Arc::new(BooleanArray::from(vec![
                Some(true),
                Some(false),
                Some(true),
                None,
            ])) as _,
        ),
        ("dict", Arc::new(dict) as _),
        (
            "bin",
            Arc::new(BinaryArray::from(vec![
                Some(&b"\x00\x01"[..]),
                None,
                Some(b""),
                Some(b"abc"),
            ])) as _,
        ),
        ("nothing", Arc::new(NullArray::new(4)) as _),
        ("nested", Arc::new(st) as _),
    ])
    .unwrap();
    let p = profile_batches(&[batch], &cpu()).unwrap();
    assert_eq!(mean(&p, "i8"), Some(0.0));
    assert_eq!(p.column("i8").unwrap().nulls, 1);
    assert_eq!(mean(&p, "u64"), Some(((1u64 << 40) + 3) as f64 / 4.0));
    let f16c = p.column("f16").unwrap().numeric.clone().unwrap();
    assert_eq!(
        (f16c.nan, f16c.mean, f16c.min, f16c.max),
        (1, Some(1.0), Some(-1.0), Some(2.5))
    );
    let f32c = p.column("f32").unwrap().numeric.clone().unwrap();
    assert_eq!((f32c.pos_inf, f32c.mean), (1, Some(1.5)));
    let d = p.column("dec").unwrap().numeric.clone().unwrap();
    assert_eq!((d.min, d.max, d.zeros), (Some(-1.0), Some(2.5), 1));
    assert!((d.mean.unwrap() - 0.6875).abs() < 1e-15);
    assert_eq!(mean(&p, "date"), Some(15.0));
    assert_eq!(mean(&p, "ts"), Some(2_500_000.0));
    assert_eq!(mean(&p, "dur"), Some(150.0));
    let flag = p.column("flag").unwrap().numeric.clone().unwrap();
    assert_eq!((flag.mean, flag.zeros), (Some(2.0 / 3.0), 1));
    let dc = p.column("dict").unwrap();
    assert_eq!(dc.kind, ColumnKind::String);
    assert_eq!(
        (dc.nulls, dc.lengths.as_ref().unwrap().max_length),
        (1, Some(3))
    );
    let b = p.column("bin").unwrap();
    assert_eq!(b.kind, ColumnKind::Binary);
    assert_eq!(b.lengths.as_ref().unwrap().empty, 1);
    for c in ["nothing", "nested"] {
        let col = p.column(c).unwrap();
        assert_eq!(col.kind, ColumnKind::Skipped);
        assert!(col.skipped_reason.is_some());
        assert_eq!(col.rows, 4);
    }
}

#[test]
fn every_reader_gives_the_same_profile() {
    let d = tempfile::tempdir().unwrap();
    let x: Vec<Option<f64>> = (0..5000)
        .map(|i| (i % 17 != 0).then(|| (i as f64 * 0.731).sin() * 1e3))
        .collect();
    let k: Vec<Option<i64>> = (0..5000)
        .map(|i| (i % 23 != 0).then_some(i % 100))
        .collect();
    let s: Vec<Option<String>> = (0..5000)
        .map(|i| (i % 7 != 0).then(|| "é".repeat(i % 5)))
        .collect();
    let batch = RecordBatch::try_from_iter([
        ("x", Arc::new(Float64Array::from(x)) as ArrayRef),
        ("k", Arc::new(Int64Array::from(k)) as _),
        ("s", Arc::new(StringArray::from(s)) as _),
    ])
    .unwrap();
    let path = |n: &str| d.path().join(n);
    // Parquet in several row groups.
    {
        let props = parquet::file::properties::WriterProperties::builder()
            .set_max_row_group_row_count(Some(1000))
            .build();
        let mut w = parquet::arrow::ArrowWriter::try_new(
            std::fs::File::create(path("t.parquet")).unwrap(),
            batch.schema(),
            Some(props),
        )
        .unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
    }
    {
        let mut w = arrow::ipc::writer::FileWriter::try_new(
            std::fs::File::create(path("t.arrow")).unwrap(),
            &batch.schema(),
        )
        .unwrap();
        w.write(&batch.slice(0, 2500)).unwrap();
        w.write(&batch.slice(2500, 2500)).unwrap();
        w.finish().unwrap();
    }
    {
        let mut w = arrow::ipc::writer::StreamWriter::try_new(
            std::fs::File::create(path("t.arrows")).unwrap(),
            &batch.schema(),
        )
        .unwrap();
        w.write(&batch).unwrap();
        w.finish().unwrap();
    }
    {
        let mut w = arrow::csv::Writer::new(std::fs::File::create(path("t.csv")).unwrap());
        w.write(&batch).unwrap();
    }
    {
        let mut w =
            arrow::json::LineDelimitedWriter::new(std::fs::File::create(path("t.jsonl")).unwrap());
        w.write(&batch).unwrap();
        w.finish().unwrap();
    }
    let want = profile_batches(&[batch], &cpu()).unwrap();
    for f in ["t.parquet", "t.arrow", "t.arrows", "t.csv", "t.jsonl"] {
        let mut opts = cpu();
        opts.read.batch_rows = 777; // batches that straddle row groups and blocks
        let got = profile_paths(&[path(f)], &opts, None).unwrap().profile;
        assert!(got.errors.is_empty(), "{f}: {:?}", got.errors);
        assert_eq!(got.rows, want.rows, "{f}");
        for b in &want.columns {
            let a = got.column(&b.name).unwrap();
            // CSV writes empty strings as empty fields, which read back as nulls (arrow-csv's
            // convention): that column is compared where the format keeps the two apart.
            if f == "t.csv" && a.name == "s" {
                assert_eq!(
                    a.nulls,
                    b.nulls + b.lengths.as_ref().unwrap().empty,
                    "{f}: {}",
                    a.name
                );
            } else {
                assert_eq!((a.count, a.nulls), (b.count, b.nulls), "{f}: {}", a.name);
                assert_eq!(a.lengths, b.lengths, "{f}: {}", a.name);
            }
            if let (Some(x), Some(y)) = (&a.numeric, &b.numeric) {
                assert_eq!((x.min, x.max), (y.min, y.max), "{f}: {}", a.name);
                assert_eq!(
                    x.histogram.as_ref().unwrap().counts,
                    y.histogram.as_ref().unwrap().counts,
                    "{f}: {}",
                    a.name
                );
                let (u, v) = (x.variance.unwrap(), y.variance.unwrap());
                assert!((u - v).abs() <= 1e-12 * v, "{f}: {}: {u} vs {v}", a.name);
            }
        }
    }
    // A folder of all of them is one dataset: JSON's columns come in another order (inferred by
    // first appearance) and are matched by name; CSV's empty strings are nulls, so `s` differs.
    let all = profile_paths(&[PathBuf::from(d.path())], &cpu(), None)
        .unwrap()
        .profile;
    assert!(all.errors.is_empty(), "{:?}", all.errors);
    assert_eq!(all.sources.len(), 5);
    assert_eq!(all.rows, 5 * want.rows);
    for c in ["x", "k"] {
        let (a, b) = (all.column(c).unwrap(), want.column(c).unwrap());
        assert_eq!((a.count, a.nulls), (5 * b.count, 5 * b.nulls), "{c}");
        let (x, y) = (a.numeric.as_ref().unwrap(), b.numeric.as_ref().unwrap());
        assert_eq!(
            x.histogram.as_ref().unwrap().counts,
            y.histogram
                .as_ref()
                .unwrap()
                .counts
                .iter()
                .map(|v| 5 * v)
                .collect::<Vec<_>>()
        );
        assert!((x.mean.unwrap() - y.mean.unwrap()).abs() <= 1e-12 * y.mean.unwrap().abs());
    }
}

#[test]
fn null_counts_of_an_int_column_with_zeros() {
    let k: Vec<Option<i64>> = (0..5000)
        .map(|i| (i % 23 != 0).then_some(i % 100))
        .collect();
    let nulls = k.iter().filter(|v| v.is_none()).count() as u64;
    let zeros = k.iter().filter(|v| **v == Some(0)).count() as u64;
    let batch =
        RecordBatch::try_from_iter([("k", Arc::new(Int64Array::from(k)) as ArrayRef)]).unwrap();
    let p = profile_batches(&[batch], &cpu()).unwrap();
    let c = p.column("k").unwrap();
    assert_eq!((c.nulls, c.numeric.as_ref().unwrap().zeros), (nulls, zeros));
}

#[test]
fn repeated_column_names_keep_their_own_data() {
    let d = tempfile::tempdir().unwrap();
    let a = d.path().join("a.csv");
    let b = d.path().join("b.csv");
    std::fs::write(&a, "a,a,b\n1,100,x\n2,200,y\n").unwrap();
    std::fs::write(&b, "a,b,a\n3,z,300\n").unwrap();
    let p = profile_paths(&[a, b], &cpu(), None).unwrap().profile;
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let means: Vec<Option<f64>> = p
        .columns
        .iter()
        .filter(|c| c.name == "a")
        .map(|c| c.numeric.as_ref().unwrap().mean)
        .collect();
    assert_eq!(means, vec![Some(2.0), Some(200.0)]);
}
