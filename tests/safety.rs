//! A run never harms the files it reads and always ends cleanly: outputs over inputs refused,
//! outputs checked before work and written atomically (a killed run leaves the previous file),
//! absurd options refused with a reason, a closed stdout ends the run quietly, names from the
//! data cannot drive the terminal.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_datassay"));
    c.env("XDG_RUNTIME_DIR", std::env::temp_dir());
    c
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn sample(dir: &Path) -> PathBuf {
    let p = dir.join("data.parquet");
    std::fs::copy("examples/data/rides.parquet", &p).unwrap();
    p
}

/// Exit 2 with one error line holding every `needle`, and `file` byte for byte as it was.
fn refused(o: &Output, needles: &[&str], file: &Path, before: &[u8]) {
    let e = err(o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    for n in needles {
        assert!(e.contains(n), "expected {n:?} in: {e}");
    }
    assert_eq!(
        std::fs::read(file).unwrap(),
        before,
        "{} changed",
        file.display()
    );
}

#[test]
fn an_output_that_is_an_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = sample(dir.path());
    let before = std::fs::read(&data).unwrap();
    let o = run(&["profile", s(&data), "--json", s(&data), "--device", "cpu"]);
    refused(
        &o,
        &["data.parquet", "also an input", "--force"],
        &data,
        &before,
    );
    // Through a link to it, and as a findings, scores or kept-rows output.
    #[cfg(unix)]
    {
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&data, &link).unwrap();
        let o = run(&["profile", s(&data), "--json", s(&link), "--device", "cpu"]);
        refused(&o, &["also an input"], &data, &before);
    }
    let corpus = dir.path().join("corpus.parquet");
    let g = run(&["generate", s(&corpus), "--docs", "--rows", "300"]);
    assert!(g.status.success(), "{}", err(&g));
    let text = std::fs::read(&corpus).unwrap();
    let o = run(&[
        "dedup",
        s(&corpus),
        "--column",
        "text",
        "--keep",
        s(&corpus),
    ]);
    refused(&o, &["corpus.parquet", "also an input"], &corpus, &text);
    let npy = dir.path().join("e.npy");
    assert!(run(&["generate", s(&npy), "--dim", "4", "--rows", "50"])
        .status
        .success());
    let vectors = std::fs::read(&npy).unwrap();
    let o = run(&["outliers", s(&npy), "--scores", s(&npy)]);
    refused(&o, &["e.npy", "also an input"], &npy, &vectors);
    // merge -o over one of its inputs.
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    for (shard, out) in [("part-0", &a), ("part-1", &b)] {
        let shard = format!("examples/data/rides-shards/{shard}.parquet");
        let o = run(&["profile", &shard, "--json", s(out), "-q", "--device", "cpu"]);
        assert!(o.status.success(), "{}", err(&o));
    }
    let ja = std::fs::read(&a).unwrap();
    let o = run(&["merge", s(&a), s(&b), "-o", s(&a)]);
    refused(&o, &["a.json", "also an input"], &a, &ja);
    // --force: the run reads everything first, then replaces the file.
    let o = run(&["merge", s(&a), s(&b), "-o", s(&a), "--force"]);
    assert!(o.status.success(), "{}", err(&o));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&a).unwrap()).unwrap();
    assert_eq!(v["rows"], 20000);
    // JSON never goes to a data file's name, even with --force.
    let o = run(&[
        "profile",
        s(&data),
        "--json",
        s(&data),
        "--device",
        "cpu",
        "--force",
    ]);
    refused(&o, &["give a .json path"], &data, &before);
}

#[test]
fn outputs_are_checked_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let npy = dir.path().join("e.npy");
    assert!(run(&["generate", s(&npy), "--dim", "8", "--rows", "400"])
        .status
        .success());
    let missing = dir.path().join("missing-folder/x.json");
    let o = run(&["outliers", s(&npy), "--json", s(&missing)]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(err(&o).contains("missing-folder") && err(&o).contains("does not exist"));
    assert!(
        o.stdout.is_empty(),
        "no report is printed before the failure"
    );
    let o = run(&[
        "outliers",
        s(&npy),
        "--scores",
        s(&dir.path().join("s.txt")),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains(".parquet, .csv or .jsonl"), "{}", err(&o));
    let same = dir.path().join("o.csv");
    let o = run(&[
        "outliers",
        s(&npy),
        "--scores",
        s(&same),
        "--neighbors",
        s(&same),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("two outputs"), "{}", err(&o));
}

/// `dedup --keep keep.parquet` over files of two schemas truncated an existing keep.parquet to
/// 4 bytes at write time.
#[test]
fn a_failing_write_leaves_the_previous_file() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.csv");
    let b = dir.path().join("b.csv");
    std::fs::write(
        &a,
        "text\none two three four five six\nseven eight nine ten\n",
    )
    .unwrap();
    std::fs::write(&b, "text,extra\none two three four five six,1\n").unwrap();
    let keep = dir.path().join("keep.parquet");
    std::fs::write(&keep, b"the previous output").unwrap();
    let o = run(&[
        "dedup",
        s(&a),
        s(&b),
        "--column",
        "text",
        "--keep",
        s(&keep),
    ]);
    refused(&o, &["b.csv", "one table"], &keep, b"the previous output");
}

/// A run killed while it writes its output leaves the previous file whole.
#[test]
fn a_killed_run_leaves_the_previous_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("big.parquet");
    std::fs::write(&out, b"the previous output").unwrap();
    let mut child = bin()
        .args(["generate", s(&out), "--rows", "40000000"])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the new file is being written beside the target, then kill the run.
    let partial = || {
        std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".partial"))
            .any(|e| e.metadata().is_ok_and(|m| m.len() > 1 << 20))
    };
    let t = std::time::Instant::now();
    while !partial() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it was killed"
        );
        assert!(t.elapsed().as_secs() < 120, "no partial output appeared");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), b"the previous output");
    let visible: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    assert_eq!(visible, vec!["big.parquet".to_string()]);
}

/// `profile wide.parquet | head -1` said "internal error: failed printing to stdout: Broken
/// pipe" with exit 1.
#[test]
fn a_closed_stdout_ends_the_run_quietly() {
    for args in [
        &["profile", "examples/data/rides.parquet", "--device", "cpu"][..],
        &[
            "profile",
            "examples/data/rides.parquet",
            "--device",
            "cpu",
            "--json",
            "-",
        ],
    ] {
        let mut child = bin()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", err(&o));
        assert_eq!(err(&o), "", "nothing on stderr");
    }
}

#[test]
fn absurd_options_are_refused_and_wide_tables_stay_small() {
    let dir = tempfile::tempdir().unwrap();
    let two = dir.path().join("two.jsonl");
    std::fs::write(&two, "{\"a\":1}\n{\"a\":2}\n").unwrap();
    // Aborted allocating 160 GB.
    let o = run(&["profile", s(&two), "--batch-rows", "10000000000"]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("--batch-rows") && !err(&o).contains("memory allocation"));
    // Needed 3.2 GB: buffers now follow the file.
    let o = run(&[
        "profile",
        s(&two),
        "--batch-rows",
        "16777216",
        "--device",
        "cpu",
    ]);
    assert!(o.status.success(), "{}", err(&o));
    // 5,000 columns x 10 rows took 5.1 GB; 2,000 numeric columns x 65,536 bins are refused
    // with the largest bin count that fits.
    let header: Vec<String> = (0..5000).map(|i| format!("c{i}")).collect();
    let mut csv = header.join(",") + "\n";
    for r in 0..10 {
        let row: Vec<String> = (0..5000).map(|i| (r * i).to_string()).collect();
        csv += &(row.join(",") + "\n");
    }
    let wide = dir.path().join("wide.csv");
    std::fs::write(&wide, csv).unwrap();
    let o = run(&["profile", s(&wide), "--device", "cpu", "--json", "-", "-q"]);
    assert!(o.status.success(), "{}", err(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["columns"].as_array().unwrap().len(), 5000);
    let o = run(&["profile", s(&wide), "--bins", "65536", "--device", "cpu"]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("at most 13421 bins"), "{}", err(&o));
}

#[test]
fn generate_writes_what_was_asked_or_says_why_not() {
    let dir = tempfile::tempdir().unwrap();
    // Wrote Parquet bytes into a .csv file.
    let t = dir.path().join("t.csv");
    assert!(run(&["generate", s(&t), "--rows", "5"]).status.success());
    let text = std::fs::read_to_string(&t).unwrap();
    assert_eq!(text.lines().next(), Some("x,k,s"));
    assert_eq!(text.lines().count(), 6);
    for (args, needle) in [
        (vec!["generate", "x.parquet", "--rows", "0"], "--rows"),
        (vec!["generate", "imgs", "--images", "0"], "at least 15"),
        (
            vec![
                "generate",
                "e.npy",
                "--dim",
                "4",
                "--rows",
                "10",
                "--duplicates",
                "100",
            ],
            "fewer than the rows",
        ),
        (vec!["generate", "t.parquet", "--outliers", "3"], "--dim"),
        (
            vec!["generate", "t.txt", "--rows", "3"],
            ".parquet, .csv or .jsonl",
        ),
    ] {
        let o = bin().args(&args).current_dir(dir.path()).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", err(&o));
        assert!(err(&o).contains(needle), "{args:?}: {}", err(&o));
    }
    // --images 0 wrote 25 files: N images are N images.
    let imgs = dir.path().join("imgs");
    assert!(run(&["generate", s(&imgs), "--images", "20"])
        .status
        .success());
    let n = std::fs::read_dir(&imgs)
        .unwrap()
        .filter(|e| {
            let n = e.as_ref().unwrap().file_name();
            let n = n.to_string_lossy();
            !n.starts_with('.') && n != "truth.csv"
        })
        .count();
    assert_eq!(n, 20);
    // Into a folder that holds files: refused without --force.
    let o = run(&["generate", s(&imgs), "--images", "20"]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    // A table beside a folder of images was silently ignored.
    let data = sample(dir.path());
    let o = run(&["profile", s(&imgs), s(&data)]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("data.parquet"), "{}", err(&o));
}

/// `merge a.json a.json` double-counted; a profile whose histogram does not add up was taken.
#[test]
fn merge_refuses_a_part_twice_and_damaged_counts() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.json");
    let o = run(&[
        "profile",
        "examples/data/rides.parquet",
        "--json",
        s(&a),
        "--device",
        "cpu",
        "-q",
    ]);
    assert!(o.status.success(), "{}", err(&o));
    let copy = dir.path().join("copy.json");
    std::fs::copy(&a, &copy).unwrap();
    for pair in [[&a, &a], [&a, &copy]] {
        let o = run(&["merge", s(pair[0]), s(pair[1])]);
        assert_eq!(o.status.code(), Some(2), "{}", err(&o));
        assert!(err(&o).contains("counted twice"), "{}", err(&o));
    }
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&a).unwrap()).unwrap();
    v["columns"][0]["histogram"]["counts"][0] = serde_json::json!(999_999);
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, serde_json::to_vec(&v).unwrap()).unwrap();
    let o = run(&["merge", s(&bad), s(&copy)]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("bad.json") && err(&o).contains("histogram counts"),
        "{}",
        err(&o)
    );
}

/// Column names with ESC, BEL, tab and newline were printed raw into the terminal; CJK and
/// emoji names misaligned the table.
#[test]
fn names_from_the_data_cannot_drive_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("names.csv");
    std::fs::write(
        &f,
        "\"a\x1b[31mred\",\"b\x07bell\",\"c\td\",\"日本語の列\",\"emoji😀col\",plain\n1,2,3,4,5,6\n",
    )
    .unwrap();
    let o = run(&["profile", s(&f), "--device", "cpu", "-q"]);
    assert!(o.status.success(), "{}", err(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(
        !out.bytes().any(|b| b == 0x1b || b == 0x07 || b == b'\t'),
        "{out:?}"
    );
    // Every row of the first table has its type column at the same terminal column.
    let rows: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("Int64"))
        .take(6)
        .collect();
    assert_eq!(rows.len(), 6, "{out}");
    let at: Vec<usize> = rows
        .iter()
        .map(|l| unicode_width::UnicodeWidthStr::width(&l[..l.find("Int64").unwrap()]))
        .collect();
    assert!(at.iter().all(|&w| w == at[0]), "{at:?}\n{out}");
}

/// The same file profiled through another path spelling, or with other options, was merged and
/// double-counted; `merge -o m.parquet` wrote JSON into a .parquet file; `--json /dev/null`
/// replaced the device with a regular file.
#[test]
fn merge_knows_a_file_by_its_content_and_json_goes_to_json_paths() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.json");
    let b = dir.path().join("b.json");
    let abs = std::fs::canonicalize("examples/data/rides-shards/part-0.parquet").unwrap();
    assert!(
        run(&["profile", s(&abs), "--json", s(&a), "-q", "--device", "cpu"])
            .status
            .success()
    );
    let o = bin()
        .args([
            "profile",
            "part-0.parquet",
            "--json",
            s(&b),
            "-q",
            "--device",
            "cpu",
            "--bins",
            "16",
        ])
        .current_dir("examples/data/rides-shards")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", err(&o));
    let o = run(&["merge", s(&a), s(&b)]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("counted twice"), "{}", err(&o));
    let c = dir.path().join("c.json");
    assert!(run(&[
        "profile",
        "examples/data/rides-shards/part-1.parquet",
        "--json",
        s(&c),
        "-q",
        "--device",
        "cpu"
    ])
    .status
    .success());
    let o = run(&[
        "merge",
        s(&a),
        s(&c),
        "-o",
        s(&dir.path().join("m.parquet")),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("give a .json path"), "{}", err(&o));
    let o = run(&["merge", s(&a), s(&c)]);
    assert!(o.status.success(), "{}", err(&o));
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let o = run(&[
            "profile",
            "examples/data/rides.parquet",
            "--json",
            "/dev/null",
            "-q",
            "--device",
            "cpu",
        ]);
        assert!(o.status.success(), "{}", err(&o));
        let t = std::fs::metadata("/dev/null").unwrap().file_type();
        assert!(t.is_char_device(), "/dev/null is still the device");
    }
}

/// `merge` added counts of milliseconds to counts of microseconds (Timestamp(ms) + (µs)), and
/// named a Bool + Int64 column Boolean; two files that differ in the middle were taken for one.
#[test]
fn merge_refuses_mixed_units_and_knows_files_apart() {
    use arrow::array::{ArrayRef, Int64Array, RecordBatch, TimestampMicrosecondArray};
    use arrow::array::{BooleanArray, TimestampMillisecondArray};
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, a: ArrayRef| {
        let p = dir.path().join(name);
        let b = RecordBatch::try_from_iter([("t", a)]).unwrap();
        datassay::bench::write_parquet(&p, &[b]).unwrap();
        let j = dir.path().join(format!("{name}.json"));
        let o = run(&["profile", s(&p), "--json", s(&j), "-q", "--device", "cpu"]);
        assert!(o.status.success(), "{}", err(&o));
        j
    };
    let ms = write(
        "ms.parquet",
        Arc::new(TimestampMillisecondArray::from(vec![1i64])),
    );
    let us = write(
        "us.parquet",
        Arc::new(TimestampMicrosecondArray::from(vec![2i64])),
    );
    let o = run(&["merge", s(&ms), s(&us)]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("different units"), "{}", err(&o));
    let b = write("b.parquet", Arc::new(BooleanArray::from(vec![true])));
    let i = write("i.parquet", Arc::new(Int64Array::from(vec![6i64])));
    let o = run(&["merge", s(&b), s(&i)]);
    assert!(o.status.success(), "{}", err(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["columns"][0]["data_type"], "Int64");
    // Two 1.5 MB files that differ in one byte in the middle are two parts.
    let mut text = String::from("x\n");
    for k in 0..200_000 {
        text.push_str(&format!("{}\n", k % 997));
    }
    let (p1, p2) = (dir.path().join("p1.csv"), dir.path().join("p2.csv"));
    std::fs::write(&p1, &text).unwrap();
    let mut other = text.into_bytes();
    let mid = other.len() / 2;
    other[mid] = if other[mid] == b'1' { b'2' } else { b'1' };
    std::fs::write(&p2, &other).unwrap();
    let (j1, j2) = (dir.path().join("1.json"), dir.path().join("2.json"));
    for (p, j) in [(&p1, &j1), (&p2, &j2)] {
        let o = run(&["profile", s(p), "--json", s(j), "-q", "--device", "cpu"]);
        assert!(o.status.success(), "{}", err(&o));
    }
    let o = run(&["merge", s(&j1), s(&j2)]);
    assert!(o.status.success(), "{}", err(&o));
}

/// A damaged profile is bad input naming the file and the field, before any use: never an
/// internal error from a merge, and never silently merged.
#[test]
fn damaged_profiles_are_refused_when_read() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("q.csv");
    std::fs::write(&csv, "x\n1\n2\n3.5\n").unwrap();
    let good = dir.path().join("good.json");
    let o = run(&[
        "profile",
        s(&csv),
        "--json",
        s(&good),
        "--device",
        "cpu",
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let text = std::fs::read_to_string(&good).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let damage = |name: &str, f: &dyn Fn(&mut serde_json::Value)| {
        let mut w = v.clone();
        f(&mut w);
        let p = dir.path().join(name);
        std::fs::write(&p, serde_json::to_string(&w).unwrap()).unwrap();
        p
    };
    for (what, bad, needle) in [
        (
            "a DDSketch store offset past every key",
            damage("bad-offset.json", &|w| {
                w["columns"][0]["state"]["sketch"]["ddsketch"]["pos"]["offset"] =
                    2_147_480_000.into()
            }),
            "ddsketch pos store",
        ),
        (
            "a DDSketch counting more values than the column",
            damage("bad-zeros.json", &|w| {
                w["columns"][0]["state"]["sketch"]["ddsketch"]["zeros"] = 99.into()
            }),
            "ddsketch counts more values",
        ),
        (
            "a quantile key that is not a number",
            damage("bad-key.json", &|w| {
                let q = w["columns"][0]["quantiles"].as_object_mut().unwrap();
                let v = q.remove("0.5").unwrap();
                q.insert("median".into(), v);
            }),
            "quantile key \"median\"",
        ),
    ] {
        for args in [
            vec!["merge", s(&good), s(&bad)],
            vec!["drift", s(&good), s(&bad)],
        ] {
            let o = run(&args);
            assert_eq!(o.status.code(), Some(2), "{what}: {args:?}: {}", err(&o));
            let e = err(&o);
            assert!(
                e.contains(&*bad.to_string_lossy()) && e.contains(needle),
                "{what}: {e}"
            );
            assert!(!e.contains("internal error"), "{what}: {e}");
        }
    }
}
