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
    let col = p.column("nothing").unwrap();
    assert_eq!(col.kind, ColumnKind::Skipped);
    assert!(col.skipped_reason.is_some());
    assert_eq!(col.rows, 4);
    // A struct is profiled through its fields, named by path.
    assert_eq!(p.column("nested").unwrap().kind, ColumnKind::Struct);
    let field = p
        .columns
        .iter()
        .find(|c| c.name.starts_with("nested."))
        .unwrap();
    assert_eq!(field.numeric.as_ref().unwrap().mean, Some(2.5));
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
                // The one-pass grids are equal; Parquet's footers also give exact counts.
                let grid =
                    |c: &datassay::ColumnProfile| c.state.numeric.as_ref().unwrap().grid.clone();
                assert_eq!(grid(a), grid(b), "{f}: {}", a.name);
                let (hx, hy) = (x.histogram.as_ref().unwrap(), y.histogram.as_ref().unwrap());
                assert_eq!(hx.exact, f == "t.parquet", "{f}: {}", a.name);
                if !hx.exact {
                    assert_eq!(hx.counts, hy.counts, "{f}: {}", a.name);
                }
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

fn numeric(p: &Profile, i: usize) -> &datassay::profile::NumericProfile {
    p.columns[i].numeric.as_ref().unwrap()
}

/// Decimal256 small negatives came out as 0 (min 0, sum 2.25) and -1e30 as -9.999999999358935e29.
#[test]
fn decimal256_values_are_their_numbers() {
    use arrow::datatypes::i256;
    let d = |digits: &[&str], scale: i8| -> ArrayRef {
        Arc::new(
            Decimal256Array::from(
                digits
                    .iter()
                    .map(|s| i256::from_string(s).unwrap())
                    .collect::<Vec<_>>(),
            )
            .with_precision_and_scale(76, scale)
            .unwrap(),
        )
    };
    let batch =
        RecordBatch::try_from_iter([("d", d(&["-500", "-150", "225", "-12301"], 2))]).unwrap();
    let p = profile_batches(&[batch], &cpu()).unwrap();
    let n = numeric(&p, 0);
    assert_eq!((n.min, n.max), (Some(-123.01), Some(2.25)));
    let want = -5.0 - 1.5 + 2.25 - 123.01;
    assert!((n.sum.unwrap() - want).abs() < 1e-12, "{:?}", n.sum);
    let big = RecordBatch::try_from_iter([("d", d(&["-1000000000000000000000000000000", "1"], 0))])
        .unwrap();
    let p = profile_batches(&[big], &cpu()).unwrap();
    assert_eq!(numeric(&p, 0).min, Some(-1e30));
    // Through Parquet (the footer statistics path) too.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("d.parquet");
    let batch =
        RecordBatch::try_from_iter([("d", d(&["-500", "-150", "225", "-12301"], 2))]).unwrap();
    datassay::bench::write_parquet(&f, &[batch]).unwrap();
    let p = profile_paths(&[f], &cpu(), None).unwrap().profile;
    let n = numeric(&p, 0);
    assert_eq!((n.min, n.max), (Some(-123.01), Some(2.25)));
    assert_eq!(n.histogram.as_ref().unwrap().counts.iter().sum::<u64>(), 4);
}

/// Three Parquet columns named `x`: the second and third used the first one's footer range, so
/// their values were clamped into its last bin.
#[test]
fn repeated_names_in_parquet_keep_their_own_ranges() {
    use arrow::datatypes::Schema;
    let schema = Arc::new(Schema::new(vec![
        Field::new("x", DataType::Float64, false),
        Field::new("x", DataType::Float64, false),
        Field::new("x", DataType::Float64, false),
    ]));
    let cols: Vec<ArrayRef> = [[1.0, 2.0, 3.0], [100.0, 200.0, 300.0], [-5.0, 0.0, 5.0]]
        .iter()
        .map(|v| Arc::new(Float64Array::from(v.to_vec())) as ArrayRef)
        .collect();
    let batch = RecordBatch::try_new(schema, cols).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("dup.parquet");
    datassay::bench::write_parquet(&f, &[batch]).unwrap();
    let p = profile_paths(&[f], &cpu(), None).unwrap().profile;
    for (i, (lo, hi)) in [(1.0, 3.0), (100.0, 300.0), (-5.0, 5.0)].iter().enumerate() {
        let h = numeric(&p, i).histogram.as_ref().unwrap();
        assert_eq!((h.lo(), h.hi()), (*lo, *hi), "column {i}");
        let c = &h.counts;
        assert_eq!(
            (c[0], c[c.len() / 2], c[c.len() - 1]),
            (1, 1, 1),
            "column {i}: {c:?}"
        );
    }
}

fn write_text(dir: &std::path::Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// A JSON float after the inference window was truncated to an integer, and a key that first
/// appeared there was dropped; mixed types rejected the file.
#[test]
fn late_json_values_widen_the_type_and_late_keys_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let mut late = "{\"a\":1}\n".repeat(20_000);
    late.push_str("{\"a\":1.5}\n");
    let f = write_text(dir.path(), "late.jsonl", &late);
    let o = profile_paths(&[f], &cpu(), None).unwrap();
    let c = &o.profile.columns[0];
    assert_eq!(c.data_type, "Float64");
    assert_eq!(c.numeric.as_ref().unwrap().max, Some(1.5));
    assert!(
        o.notices
            .iter()
            .any(|n| n.contains("line 20001") && n.contains("1.5")),
        "{:?}",
        o.notices
    );
    let mut key = "{\"a\":1}\n".repeat(20_000);
    key.push_str("{\"a\":2,\"b\":7}\n");
    let f = write_text(dir.path(), "key.jsonl", &key);
    let o = profile_paths(&[f], &cpu(), None).unwrap();
    let names: Vec<&str> = o.profile.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["a", "b"]);
    assert_eq!((o.profile.columns[1].count, o.profile.rows), (1, 20_001));
    assert!(
        o.notices.iter().any(|n| n.contains("'b'")),
        "{:?}",
        o.notices
    );
    let f = write_text(dir.path(), "mixed.jsonl", "{\"a\":1}\n{\"a\":\"two\"}\n");
    let p = profile_paths(&[f], &cpu(), None).unwrap().profile;
    assert_eq!(p.columns[0].kind, ColumnKind::String);
    assert_eq!(p.columns[0].count, 2);
    // CSV: a float after integers widens the same way.
    let mut csv = "a,b\n".to_string();
    csv.push_str(&"1,x\n".repeat(20_000));
    csv.push_str("1.5,y\n");
    let f = write_text(dir.path(), "late.csv", &csv);
    let o = profile_paths(&[f], &cpu(), None).unwrap();
    assert_eq!(numeric(&o.profile, 0).max, Some(1.5));
    assert!(
        o.notices.iter().any(|n| n.contains("line 20002")),
        "{:?}",
        o.notices
    );
}

/// Keys keep their order of first appearance (they came out sorted); a file holding one JSON
/// array of objects is read; errors name their line (JSON said line 1 for line 2; CSV values
/// were one line off).
#[test]
fn json_order_arrays_and_error_lines() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_text(
        dir.path(),
        "o.jsonl",
        "{\"z\":1,\"b\":2}\n{\"a\":3,\"z\":4}\n",
    );
    let p = profile_paths(&[f], &cpu(), None).unwrap().profile;
    let names: Vec<&str> = p.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["z", "b", "a"]);
    let f = write_text(
        dir.path(),
        "arr.json",
        "[{\"a\": 1, \"s\": \"x\"},\n {\"a\": 2, \"s\": \"y\"},\n {\"a\": 4}]",
    );
    let p = profile_paths(&[f], &cpu(), None).unwrap().profile;
    assert_eq!(p.rows, 3);
    assert_eq!(numeric(&p, 0).sum, Some(7.0));
    let f = write_text(dir.path(), "bad.jsonl", "{\"a\":1}\n{\"a\":1,,}\n");
    let e = profile_paths(&[f], &cpu(), None).unwrap_err().to_string();
    assert!(e.contains("line 2"), "{e}");
    let f = write_text(dir.path(), "bad.csv", "a,b\n1,2\nx,3\n");
    let mut opts = cpu();
    opts.read.csv.infer_rows = Some(1);
    let o = profile_paths(&[f], &opts, None).unwrap();
    assert!(
        o.notices.iter().any(|n| n.contains("line 3")),
        "{:?}",
        o.notices
    );
    assert_eq!(o.profile.columns[0].kind, ColumnKind::String);
}

/// pandas `to_feather` (lz4) and zstd IPC were rejected; gzip and zstd CSV/JSON lines were not
/// read; NA, N/A and null were strings that made numeric columns text.
#[test]
fn compressed_inputs_and_null_spellings() {
    use arrow::ipc::writer::{FileWriter, IpcWriteOptions};
    use arrow::ipc::CompressionType;
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let batch = RecordBatch::try_from_iter([
        (
            "x",
            Arc::new(Float64Array::from(vec![1.0, 2.0, 4.0])) as ArrayRef,
        ),
        ("s", Arc::new(StringArray::from(vec!["a", "b", "c"])) as _),
    ])
    .unwrap();
    for (name, c) in [
        ("lz4.feather", CompressionType::LZ4_FRAME),
        ("zstd.arrow", CompressionType::ZSTD),
    ] {
        let f = dir.path().join(name);
        let o = IpcWriteOptions::default()
            .try_with_compression(Some(c))
            .unwrap();
        let mut w = FileWriter::try_new_with_options(
            std::fs::File::create(&f).unwrap(),
            &batch.schema(),
            o,
        )
        .unwrap();
        w.write(&batch).unwrap();
        w.finish().unwrap();
        let p = profile_paths(&[f], &cpu(), None).unwrap().profile;
        assert_eq!(numeric(&p, 0).sum, Some(7.0), "{name}");
    }
    let csv = "x,s\n1,a\n2,b\n4,c\n";
    let gz = dir.path().join("t.csv.gz");
    let mut e = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    e.write_all(csv.as_bytes()).unwrap();
    e.finish().unwrap();
    let zst = dir.path().join("t.jsonl.zst");
    std::fs::write(
        &zst,
        zstd::encode_all("{\"x\":1}\n{\"x\":2}\n{\"x\":4}\n".as_bytes(), 3).unwrap(),
    )
    .unwrap();
    for f in [gz, zst] {
        let p = profile_paths(std::slice::from_ref(&f), &cpu(), None)
            .unwrap()
            .profile;
        assert_eq!(numeric(&p, 0).sum, Some(7.0), "{}", f.display());
    }
    let f = write_text(dir.path(), "na.csv", "a,b\n1,x\nNA,y\nnull,N/A\n4,\n");
    let p = profile_paths(std::slice::from_ref(&f), &cpu(), None)
        .unwrap()
        .profile;
    assert_eq!(p.columns[0].kind, ColumnKind::Numeric);
    assert_eq!((p.columns[0].nulls, numeric(&p, 0).sum), (2, Some(5.0)));
    assert_eq!(p.columns[1].nulls, 2);
    // No spellings but the empty field: NA is a string again.
    let mut opts = cpu();
    opts.read.csv.null_values = vec![];
    let p = profile_paths(&[f], &opts, None).unwrap().profile;
    assert_eq!(p.columns[0].kind, ColumnKind::String);
}

/// A folder with a 3-row file and a link to its parent profiled as 123 rows from 41 files.
#[cfg(unix)]
#[test]
fn a_symlink_loop_is_walked_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    write_text(&data, "t.csv", "a\n1\n2\n3\n");
    std::os::unix::fs::symlink(&data, data.join("again")).unwrap();
    std::os::unix::fs::symlink(dir.path(), data.join("up")).unwrap();
    let o = profile_paths(&[data], &cpu(), None).unwrap();
    assert_eq!((o.profile.rows, o.profile.sources.len()), (3, 1));
    assert!(
        o.notices.iter().any(|n| n.contains("already walked")),
        "{:?}",
        o.notices
    );
}

/// CSV columns the reader would read without complaint: empty in the first rows (then every
/// later value was read as null), and dates (a later datetime lost its time).
#[test]
fn csv_columns_empty_or_dated_at_first_widen_later() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = "a,b\n".to_string();
    csv.push_str(&",x\n".repeat(11_000));
    csv.push_str("5.5,y\n");
    let f = write_text(dir.path(), "empty.csv", &csv);
    let o = profile_paths(&[f], &cpu(), None).unwrap();
    assert_eq!(o.profile.columns[0].count, 1);
    assert_eq!(numeric(&o.profile, 0).max, Some(5.5));
    assert!(
        o.notices.iter().any(|n| n.contains("line 11002")),
        "{:?}",
        o.notices
    );
    let mut csv = "d\n".to_string();
    csv.push_str(&"2024-01-02\n".repeat(11_000));
    csv.push_str("2024-01-01T10:00:00\n");
    let f = write_text(dir.path(), "dates.csv", &csv);
    let o = profile_paths(&[f], &cpu(), None).unwrap();
    let c = &o.profile.columns[0];
    assert!(c.data_type.starts_with("Timestamp"), "{}", c.data_type);
    // The min is the datetime, 10 hours into 2024-01-01 (seconds since the epoch).
    assert_eq!(c.numeric.as_ref().unwrap().min, Some(1_704_103_200.0));
}

/// A JSON key holding objects in some records and numbers in others made the file unreadable.
#[test]
fn json_keys_of_mixed_kinds_are_read_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_text(
        dir.path(),
        "mixed.jsonl",
        "{\"a\":1}\n{\"a\":{\"k\":[1,2]}}\n{\"a\":[true,null]}\n{\"a\":\"s\"}\n",
    );
    let p = profile_paths(&[f], &cpu(), None).unwrap().profile;
    let c = &p.columns[0];
    assert_eq!((c.kind, c.count), (ColumnKind::String, 4));
    // The texts: "1", {"k":[1,2]}, [true,null], "s".
    let l = c.lengths.as_ref().unwrap();
    assert_eq!(
        (l.min_length, l.max_length, l.total_length),
        (Some(1), Some(11), 1 + 11 + 11 + 1)
    );
}

/// Files of one dataset whose types differ: a late conflict in the second file, a column empty
/// in one file, a JSON key one file lacks, integers in one file and floats in another. Each was
/// a file dropped with "schema differs", or a float column labelled Int64.
#[test]
fn files_of_a_dataset_join_their_types() {
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| {
        let p = dir.path().join(name);
        std::fs::create_dir(&p).unwrap();
        p
    };
    let late = d("late");
    write_text(&late, "a.jsonl", &"{\"a\":1}\n".repeat(100));
    let mut b = "{\"a\":2}\n".repeat(20_000);
    b.push_str("{\"a\":\"oops\"}\n");
    write_text(&late, "b.jsonl", &b);
    let o = profile_paths(&[late], &cpu(), None).unwrap();
    assert!(o.profile.errors.is_empty(), "{:?}", o.profile.errors);
    assert_eq!(o.profile.rows, 20_101);
    assert_eq!(o.profile.columns[0].kind, ColumnKind::String);
    let empty = d("empty");
    write_text(&empty, "a.csv", "a,b\n1.5,x\n");
    write_text(&empty, "b.csv", "a,b\n,y\n");
    let p = profile_paths(&[empty], &cpu(), None).unwrap().profile;
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!((p.columns[0].count, p.columns[0].nulls), (1, 1));
    let keys = d("keys");
    write_text(&keys, "a.jsonl", "{\"a\":1,\"b\":\"x\"}\n");
    write_text(&keys, "b.jsonl", "{\"b\":\"y\",\"c\":true}\n");
    let p = profile_paths(&[keys], &cpu(), None).unwrap().profile;
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let names: Vec<&str> = p.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["a", "b", "c"]);
    assert_eq!(
        p.columns.iter().map(|c| c.nulls).collect::<Vec<_>>(),
        [1, 0, 1]
    );
    let mix = d("mix");
    write_text(&mix, "a.csv", "x\n1\n2\n");
    write_text(&mix, "b.csv", "x\n0.5\n");
    let p = profile_paths(&[mix], &cpu(), None).unwrap().profile;
    assert_eq!(p.columns[0].data_type, "Float64");
    assert_eq!(numeric(&p, 0).sum, Some(3.5));
    // Other formats keep their names: a Parquet file with other columns is still reported.
    let pq = d("pq");
    let batch = |name: &str| {
        RecordBatch::try_from_iter([(name, Arc::new(Int64Array::from(vec![1, 2])) as ArrayRef)])
            .unwrap()
    };
    datassay::bench::write_parquet(&pq.join("a.parquet"), &[batch("x")]).unwrap();
    datassay::bench::write_parquet(&pq.join("b.parquet"), &[batch("y")]).unwrap();
    let p = profile_paths(&[pq], &cpu(), None).unwrap().profile;
    assert_eq!(p.errors.len(), 1);
    assert!(p.errors[0].error.contains("instead of"), "{:?}", p.errors);
}

/// Decimals at scales beyond 22 were divided by an inexact power of ten: 0.3 at scale 38 came
/// out as 0.30000000000000004.
#[test]
fn decimals_at_any_scale_are_their_nearest_f64() {
    let a = Decimal128Array::from(vec![3i128 * 10i128.pow(37), 10i128.pow(37)])
        .with_precision_and_scale(38, 38)
        .unwrap();
    let batch = RecordBatch::try_from_iter([("d", Arc::new(a) as ArrayRef)]).unwrap();
    let p = profile_batches(&[batch], &cpu()).unwrap();
    assert_eq!(
        (numeric(&p, 0).min, numeric(&p, 0).max),
        (Some(0.1), Some(0.3))
    );
}

/// Files of timestamps in different units took the first file's unit (dropping sub-unit digits,
/// or turning a value the unit cannot hold into a null without a word); a CSV file with a JSON
/// file that added a column was refused depending on the files' order; a late fraction of a
/// second in a CSV file of whole seconds was cut.
#[test]
fn timestamps_join_in_the_finer_unit_and_mixed_folders_join() {
    use arrow::datatypes::TimeUnit;
    let dir = tempfile::tempdir().unwrap();
    let units = dir.path().join("units");
    std::fs::create_dir(&units).unwrap();
    let ts = |name: &str, a: ArrayRef| {
        let b = RecordBatch::try_from_iter([("t", a)]).unwrap();
        datassay::bench::write_parquet(&units.join(name), &[b]).unwrap();
    };
    ts(
        "a.parquet",
        Arc::new(TimestampMillisecondArray::from(vec![1_000i64])),
    );
    ts(
        "b.parquet",
        Arc::new(TimestampMicrosecondArray::from(vec![1_000_500i64])),
    );
    let p = profile_paths(std::slice::from_ref(&units), &cpu(), None)
        .unwrap()
        .profile;
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let want = DataType::Timestamp(TimeUnit::Microsecond, None).to_string();
    assert_eq!(p.columns[0].data_type, want);
    assert_eq!(
        (numeric(&p, 0).min, numeric(&p, 0).max),
        (Some(1e6), Some(1_000_500.0))
    );
    // Year 3000 in milliseconds beside nanoseconds: the file is an error, never a null.
    ts(
        "c.parquet",
        Arc::new(TimestampNanosecondArray::from(vec![5i64])),
    );
    ts(
        "d.parquet",
        Arc::new(TimestampMillisecondArray::from(vec![32_503_680_000_000i64])),
    );
    let p = profile_paths(&[units], &cpu(), None).unwrap().profile;
    assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
    assert_eq!(p.columns[0].nulls, 0);

    let mix = dir.path().join("mix");
    std::fs::create_dir(&mix).unwrap();
    write_text(&mix, "a.csv", "a,b\n1,x\n");
    write_text(&mix, "b.jsonl", "{\"a\":2,\"b\":\"y\",\"c\":true}\n");
    write_text(&mix, "c.csv", "a,b\n3,z\n");
    let p = profile_paths(&[mix], &cpu(), None).unwrap().profile;
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!((p.rows, p.columns.len(), p.columns[2].nulls), (3, 3, 2));

    let mut csv = "t\n".to_string();
    csv.push_str(&"2024-01-02T10:00:00\n".repeat(10_050));
    csv.push_str("2024-01-02T10:00:00.5\n");
    let f = write_text(dir.path(), "frac.csv", &csv);
    let o = profile_paths(&[f], &cpu(), None).unwrap();
    let n = numeric(&o.profile, 0);
    assert!(n.max.unwrap() > n.min.unwrap(), "{:?} {:?}", n.min, n.max);
    assert!(
        o.notices.iter().any(|x| x.contains("line 10052")),
        "{:?}",
        o.notices
    );
}

/// Uncompressed CSV files are cut at line breaks and parsed in parallel: the same figures as a
/// single reader (floating-point moments within rounding); a quote anywhere makes the file read
/// from its start; errors name the file's line, not the chunk's.
#[test]
fn csv_chunks_parse_like_one_reader() {
    let d = tempfile::tempdir().unwrap();
    let n = 60_000;
    let mut text = String::from("x,k,s\n");
    for i in 0..n {
        let x = if i % 19 == 0 {
            String::new()
        } else {
            format!("{}", (i as f64 * 0.37).sin() * 1e3)
        };
        text.push_str(&format!("{x},{},w{}\n", i % 113, i % 29));
    }
    let path = d.path().join("t.csv");
    std::fs::write(&path, &text).unwrap();
    let whole = |chunk: u64| {
        let mut o = cpu();
        o.read.csv.chunk_bytes = chunk;
        profile_paths(std::slice::from_ref(&path), &o, None)
            .unwrap()
            .profile
    };
    let one = whole(1 << 40);
    let cut = whole(40_000);
    assert_eq!(one.rows, cut.rows);
    for (a, b) in one.columns.iter().zip(&cut.columns) {
        assert_eq!((a.count, a.nulls), (b.count, b.nulls), "{}", a.name);
        assert_eq!(a.sketches, b.sketches, "{}", a.name);
        assert_eq!(a.lengths, b.lengths, "{}", a.name);
        if let (Some(x), Some(y)) = (&a.numeric, &b.numeric) {
            assert_eq!((x.min, x.max, &x.histogram), (y.min, y.max, &y.histogram));
            let (u, v) = (x.variance.unwrap(), y.variance.unwrap());
            assert!((u - v).abs() <= 1e-12 * v, "{}: {u} vs {v}", a.name);
        }
    }
    assert_eq!(one.duplicate_rows, cut.duplicate_rows);
    // A late value that does not fit: the notice names the file's line.
    let mut late = text.clone();
    late.push_str("2.5,1.5,w\n");
    std::fs::write(&path, &late).unwrap();
    let mut o = cpu();
    o.read.csv.chunk_bytes = 40_000;
    let out = profile_paths(std::slice::from_ref(&path), &o, None).unwrap();
    assert_eq!(out.profile.rows, n as u64 + 1);
    let note = out.notices.join("\n");
    assert!(note.contains(&format!("line {}", n + 2)), "{note}");
    // A quoted field (here holding a line break) anywhere: read from the start, correctly.
    let mut quoted = text.clone();
    quoted.push_str("1,2,\"two\nlines\"\n");
    std::fs::write(&path, &quoted).unwrap();
    let q = profile_paths(std::slice::from_ref(&path), &o, None)
        .unwrap()
        .profile;
    assert_eq!(q.rows, n as u64 + 1);
    let s = q.column("s").unwrap();
    assert_eq!(s.lengths.as_ref().unwrap().max_length, Some(9));
}

/// Nested columns through every reader that holds them: struct fields by path (with the
/// struct's nulls), list lengths and elements, a list of structs, a map's keys and values.
#[test]
fn nested_columns_through_every_reader() {
    use arrow::array::{Int32Builder, MapBuilder, StringBuilder};
    let d = tempfile::tempdir().unwrap();
    let jsonl = d.path().join("n.jsonl");
    std::fs::write(
        &jsonl,
        "{\"id\":1,\"meta\":{\"src\":\"a\",\"n\":2},\"turns\":[{\"role\":\"u\",\"content\":\"hi\"}]}\n\
         {\"id\":2,\"meta\":null,\"turns\":[{\"role\":\"a\",\"content\":\"hello\"},{\"role\":\"u\",\"content\":\"ok\"}]}\n\
         {\"id\":3,\"meta\":{\"src\":\"c\",\"n\":7},\"turns\":null}\n",
    )
    .unwrap();
    let p = profile_paths(&[jsonl], &cpu(), None).unwrap().profile;
    let col = |n: &str| p.column(n).unwrap_or_else(|| panic!("no column {n}"));
    assert_eq!(col("meta").kind, ColumnKind::Struct);
    assert_eq!(col("meta").nulls, 1);
    assert_eq!(col("meta.n").nulls, 1, "the struct's null is the field's");
    assert_eq!(col("meta.n").numeric.as_ref().unwrap().mean, Some(4.5));
    assert_eq!(col("turns").kind, ColumnKind::List);
    assert_eq!(col("turns").nulls, 1);
    assert_eq!(col("turns").lengths.as_ref().unwrap().total_length, 3);
    assert_eq!(col("turns[].role").rows, 3);
    assert_eq!(col("turns[].role").element_of.as_deref(), Some("turns"));
    assert_eq!(
        col("turns[].content").lengths.as_ref().unwrap().max_length,
        Some(5)
    );
    // A map column, through Arrow IPC and Parquet.
    let mut m = MapBuilder::new(None, StringBuilder::new(), Int32Builder::new());
    for row in [vec![("a", 1), ("b", 2)], vec![], vec![("a", 5)]] {
        for (k, v) in row {
            m.keys().append_value(k);
            m.values().append_value(v);
        }
        m.append(true).unwrap();
    }
    let batch = RecordBatch::try_from_iter([("m", Arc::new(m.finish()) as ArrayRef)]).unwrap();
    let ipc = d.path().join("m.arrow");
    let mut w = arrow::ipc::writer::FileWriter::try_new(
        std::fs::File::create(&ipc).unwrap(),
        &batch.schema(),
    )
    .unwrap();
    w.write(&batch).unwrap();
    w.finish().unwrap();
    let pq = d.path().join("m.parquet");
    let mut w = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(&pq).unwrap(),
        batch.schema(),
        None,
    )
    .unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    for f in [ipc, pq] {
        let p = profile_paths(std::slice::from_ref(&f), &cpu(), None)
            .unwrap()
            .profile;
        let m = p.column("m").unwrap();
        assert_eq!(m.kind, ColumnKind::List, "{}", f.display());
        assert_eq!(m.lengths.as_ref().unwrap().total_length, 3);
        let keys = p
            .columns
            .iter()
            .find(|c| c.name.ends_with(".keys") || c.name.ends_with(".key"))
            .unwrap();
        assert_eq!(
            keys.sketches.as_ref().unwrap().distinct.estimate,
            2,
            "{}",
            f.display()
        );
        let vals = p
            .columns
            .iter()
            .find(|c| c.name.ends_with(".values") || c.name.ends_with(".value"))
            .unwrap();
        assert_eq!(vals.numeric.as_ref().unwrap().max, Some(5.0));
        assert_eq!(vals.numeric.as_ref().unwrap().mean, Some(8.0 / 3.0));
    }
}
