//! `datassay profile -`: a stream on standard input, in one pass, equal to the file's profile;
//! a broken stream is a clear error (exit 2).

use arrow::array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

fn run_with_stdin(args: &[&str], stdin: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_datassay"))
        .args(args)
        .env("XDG_RUNTIME_DIR", std::env::temp_dir())
        .stdin(Stdio::from(std::fs::File::open(stdin).unwrap()))
        .output()
        .unwrap()
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_datassay"))
        .args(args)
        .env("XDG_RUNTIME_DIR", std::env::temp_dir())
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn batch(n: usize) -> RecordBatch {
    let x: Vec<Option<f64>> = (0..n)
        .map(|i| (i % 13 != 0).then(|| (i as f64 * 0.7).sin() * 100.0))
        .collect();
    let k: Vec<i64> = (0..n).map(|i| (i % 97) as i64).collect();
    let s: Vec<String> = (0..n).map(|i| format!("w{}", i % 7)).collect();
    RecordBatch::try_from_iter([
        ("x", Arc::new(Float64Array::from(x)) as ArrayRef),
        ("k", Arc::new(Int64Array::from(k)) as ArrayRef),
        ("s", Arc::new(StringArray::from(s)) as ArrayRef),
    ])
    .unwrap()
}

fn csv_file(dir: &Path, n: usize) -> PathBuf {
    let p = dir.join("t.csv");
    let mut w = arrow::csv::Writer::new(std::fs::File::create(&p).unwrap());
    w.write(&batch(n)).unwrap();
    p
}

fn profile_json(o: &Output) -> serde_json::Value {
    assert_eq!(o.status.code(), Some(0), "{}", stderr(o));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// The figures of two profiles of the same rows (sources and parts differ).
fn same_figures(a: &serde_json::Value, b: &serde_json::Value) {
    for k in ["rows", "columns", "duplicate_rows", "correlations"] {
        assert_eq!(a[k], b[k], "{k}");
    }
}

#[test]
fn csv_json_and_arrow_streams_profile_like_their_files() {
    let d = tempfile::tempdir().unwrap();
    let n = 70_000;
    let csv = csv_file(d.path(), n);
    let from_file = profile_json(&run(&[
        "profile",
        "--device",
        "cpu",
        "-q",
        csv.to_str().unwrap(),
        "--json",
        "-",
    ]));
    let streamed = profile_json(&run_with_stdin(
        &["profile", "--device", "cpu", "-q", "-", "--json", "-"],
        &csv,
    ));
    same_figures(&from_file, &streamed);
    assert_eq!(streamed["sources"][0]["path"], "-");
    assert_eq!(streamed["sources"][0]["format"], "csv");
    // Gzip on stdin is recognised by its magic bytes.
    let gz = d.path().join("t.csv.gz");
    let mut e = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::fast(),
    );
    e.write_all(&std::fs::read(&csv).unwrap()).unwrap();
    e.finish().unwrap();
    let zipped = profile_json(&run_with_stdin(
        &["profile", "--device", "cpu", "-q", "-", "--json", "-"],
        &gz,
    ));
    same_figures(&from_file, &zipped);
    // JSON lines.
    let jl = d.path().join("t.jsonl");
    let mut w = arrow::json::LineDelimitedWriter::new(std::fs::File::create(&jl).unwrap());
    w.write(&batch(n)).unwrap();
    w.finish().unwrap();
    let jf = profile_json(&run(&[
        "profile",
        "--device",
        "cpu",
        "-q",
        jl.to_str().unwrap(),
        "--json",
        "-",
    ]));
    let js = profile_json(&run_with_stdin(
        &["profile", "--device", "cpu", "-q", "-", "--json", "-"],
        &jl,
    ));
    same_figures(&jf, &js);
    // An Arrow IPC stream, in batches of several sizes.
    let ipc = d.path().join("t.arrows");
    let b = batch(n);
    let mut w = arrow::ipc::writer::StreamWriter::try_new(
        std::fs::File::create(&ipc).unwrap(),
        &b.schema(),
    )
    .unwrap();
    for (s, len) in [(0, 1000), (1000, 33_000), (34_000, 36_000)] {
        w.write(&b.slice(s, len)).unwrap();
    }
    w.finish().unwrap();
    let is = profile_json(&run_with_stdin(
        &["profile", "--device", "cpu", "-q", "-", "--json", "-"],
        &ipc,
    ));
    assert_eq!(is["sources"][0]["format"], "arrow ipc");
    // Arrow keeps the CSV's types: the figures equal the CSV file's.
    same_figures(&from_file, &is);
}

#[test]
fn broken_streams_are_clear_errors() {
    let d = tempfile::tempdir().unwrap();
    // A stream cut in the middle of a message.
    let ipc = d.path().join("cut.arrows");
    let b = batch(5000);
    let mut w = arrow::ipc::writer::StreamWriter::try_new(
        std::fs::File::create(&ipc).unwrap(),
        &b.schema(),
    )
    .unwrap();
    w.write(&b).unwrap();
    w.write(&b).unwrap();
    w.finish().unwrap();
    let bytes = std::fs::read(&ipc).unwrap();
    std::fs::write(&ipc, &bytes[..bytes.len() * 3 / 4]).unwrap();
    let o = run_with_stdin(&["profile", "--device", "cpu", "-q", "-"], &ipc);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("-: not a valid"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"));
    // A value late in a CSV stream that does not fit the types of its first rows.
    let late = d.path().join("late.csv");
    let mut text = String::from("a,b\n");
    for i in 0..200 {
        text.push_str(&format!("{i},x\n"));
    }
    text.push_str("2.5,x\n");
    std::fs::write(&late, text).unwrap();
    let o = run_with_stdin(
        &[
            "profile",
            "--device",
            "cpu",
            "-q",
            "--infer-rows",
            "50",
            "-",
        ],
        &late,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("line 202"), "{}", stderr(&o));
    assert!(stderr(&o).contains("--infer-rows 0"), "{}", stderr(&o));
    // With the whole stream's types, it is read.
    let o = run_with_stdin(
        &[
            "profile",
            "--device",
            "cpu",
            "-q",
            "--infer-rows",
            "0",
            "-",
            "--json",
            "-",
        ],
        &late,
    );
    let p = profile_json(&o);
    assert_eq!(p["columns"][0]["data_type"], "Float64");
    // A Parquet file on stdin: its footer is at its end, so it is refused with the reason.
    let o = run_with_stdin(
        &["profile", "--device", "cpu", "-q", "-"],
        Path::new("examples/data/rides.parquet"),
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("Parquet"), "{}", stderr(&o));
    // Nothing on stdin; options that read the input twice.
    let o = run(&["profile", "--device", "cpu", "-q", "-"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("empty stream"), "{}", stderr(&o));
    let o = run_with_stdin(&["profile", "-q", "-", "--exact-quantiles"], &late);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("read once"), "{}", stderr(&o));
    let o = run_with_stdin(&["profile", "-q", "-", "x.csv"], &late);
    assert_eq!(o.status.code(), Some(2));
}
