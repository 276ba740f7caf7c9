//! The binary as a user runs it: sample data, JSON, merge, and bad input (one clear line naming
//! the file, exit code 2, never a panic; good files of a multi-file run still profiled).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_datassay"))
        .args(args)
        .env("XDG_RUNTIME_DIR", std::env::temp_dir())
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// One bad file alone: exit 2, an error line naming the file and the problem, no panic.
fn bad(path: &Path, expect: &str) {
    let o = run(&["profile", "--device", "cpu", path.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{}: {err}", path.display());
    assert!(!err.contains("panicked"), "{err}");
    let line = err
        .lines()
        .find(|l| l.starts_with("datassay: error:"))
        .unwrap_or_else(|| panic!("no error line: {err}"));
    assert!(
        line.contains(path.file_name().unwrap().to_str().unwrap()),
        "{line}"
    );
    assert!(
        line.to_lowercase().contains(expect),
        "expected '{expect}' in: {line}"
    );
}

#[test]
fn bad_inputs_get_one_clear_error() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    bad(&dir.join("missing.parquet"), "no such file");
    bad(&write(dir, "empty.csv", b""), "empty file");
    bad(
        &write(
            dir,
            "fake.parquet",
            b"this is not parquet at all, just text",
        ),
        "not a valid parquet file",
    );
    let sample = std::fs::read("examples/data/rides.parquet").unwrap();
    bad(
        &write(dir, "truncated.parquet", &sample[..sample.len() / 2]),
        "not a valid parquet file",
    );
    bad(
        &write(dir, "ragged.csv", b"a,b\n1,2\n3\n4,5\n"),
        "not a valid csv file",
    );
    bad(
        &write(dir, "badutf8.csv", b"a,b\n1,x\n2,\xff\xfe\n"),
        "not a valid csv file",
    );
    bad(&write(dir, "nocols.csv", b"\n"), "");
    bad(&write(dir, "notes.txt", b"hello"), "unknown file type");
    bad(
        &write(dir, "bad.jsonl", b"{\"a\": 1}\n{not json\n"),
        "not a valid json lines file",
    );
    std::fs::create_dir(dir.join("emptydir")).unwrap();
    bad(&dir.join("emptydir"), "directory holds no");
}

#[test]
fn multi_file_run_profiles_good_files_and_lists_bad_ones() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let good = write(dir, "good.csv", b"x,y\n1,a\n2,b\n3,c\n");
    let other = write(dir, "other.csv", b"x,z\n1,a\n");
    let ragged = write(dir, "ragged.csv", b"x,y\n1,a\n2\n");
    let json = dir.join("p.json");
    let o = run(&[
        "profile",
        "--device",
        "cpu",
        "--json",
        json.to_str().unwrap(),
        good.to_str().unwrap(),
        other.to_str().unwrap(),
        ragged.to_str().unwrap(),
        "/no/such/file.parquet",
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"));
    assert!(err.contains("other.csv: schema differs"), "{err}");
    assert!(err.contains("ragged.csv: not a valid csv file"), "{err}");
    assert!(err.contains("/no/such/file.parquet: no such file"), "{err}");
    let p = datassay::Profile::read(&json).unwrap();
    assert_eq!(
        p.rows, 3,
        "only the good file's rows, none of the half-read one's"
    );
    assert_eq!(p.sources.len(), 1);
    assert_eq!(p.errors.len(), 3);
    assert_eq!(
        p.column("x").unwrap().numeric.as_ref().unwrap().mean,
        Some(2.0)
    );
}

#[test]
fn sample_profile_json_and_merge() {
    let d = tempfile::tempdir().unwrap();
    let o = run(&["profile", "--device", "cpu", "examples/data/rides.parquet"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let table = String::from_utf8(o.stdout).unwrap();
    assert!(table.contains("20000 rows × 9 columns"), "{table}");
    assert!(
        table.lines().all(|l| l.chars().count() <= 120),
        "table wider than 120:\n{table}"
    );
    // The list column: its lengths, and its elements as a column of their own.
    assert!(table.contains("length (elements) min 0 max 2"), "{table}");
    assert!(table.contains("stops[]"), "{table}");
    assert!(table.contains("correlations (Pearson"), "{table}");
    // Shards profiled apart and merged equal the whole on everything but re-binned histograms.
    let (a, b, m) = (
        d.path().join("a.json"),
        d.path().join("b.json"),
        d.path().join("m.json"),
    );
    for (shard, out) in [
        ("examples/data/rides-shards/part-0.parquet", &a),
        ("examples/data/rides-shards/part-1.parquet", &b),
    ] {
        let o = run(&[
            "profile",
            "--device",
            "cpu",
            "-q",
            shard,
            "--json",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    let o = run(&[
        "merge",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "-o",
        m.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let merged = datassay::Profile::read(&m).unwrap();
    let o = run(&[
        "profile",
        "--device",
        "cpu",
        "examples/data/rides.parquet",
        "--json",
        "-",
    ]);
    let whole: datassay::Profile =
        datassay::Profile::from_json(&String::from_utf8(o.stdout).unwrap(), Path::new("-"))
            .unwrap();
    assert_eq!(merged.rows, whole.rows);
    for (x, y) in merged.columns.iter().zip(&whole.columns) {
        assert_eq!((x.count, x.nulls), (y.count, y.nulls), "{}", x.name);
        if let (Some(p), Some(q)) = (&x.numeric, &y.numeric) {
            assert_eq!((p.min, p.max, p.nan), (q.min, q.max, q.nan), "{}", x.name);
            let (u, v) = (p.variance.unwrap(), q.variance.unwrap());
            assert!(
                (u - v).abs() <= 1e-9 * v.abs().max(1e-300) || u == v,
                "{}: {u} vs {v}",
                x.name
            );
        }
    }
    // Merging a profile with something else is a clear error.
    let junk = d.path().join("junk.json");
    std::fs::write(&junk, "{\"hello\": 1}").unwrap();
    let o = run(&["merge", a.to_str().unwrap(), junk.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("junk.json: not a datassay profile"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn csv_options_and_formats() {
    let d = tempfile::tempdir().unwrap();
    let semi = write(d.path(), "semi.csv", b"1;2.5\n3;4.5\n");
    let o = run(&[
        "profile",
        "--device",
        "cpu",
        "--no-header",
        "--delimiter",
        ";",
        semi.to_str().unwrap(),
        "--json",
        "-",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let p = datassay::Profile::from_json(&String::from_utf8(o.stdout).unwrap(), Path::new("-"))
        .unwrap();
    assert_eq!(p.columns[0].name, "column_1");
    assert_eq!(p.columns[1].numeric.as_ref().unwrap().mean, Some(3.5));
    let jl = write(
        d.path(),
        "rows.jsonl",
        b"{\"a\": 1, \"s\": \"x\"}\n{\"a\": 3, \"s\": null}\n",
    );
    let o = run(&[
        "profile",
        "--device",
        "cpu",
        jl.to_str().unwrap(),
        "--json",
        "-",
    ]);
    let p = datassay::Profile::from_json(&String::from_utf8(o.stdout).unwrap(), Path::new("-"))
        .unwrap();
    assert_eq!(p.columns[0].numeric.as_ref().unwrap().mean, Some(2.0));
    assert_eq!(p.columns[1].nulls, 1);
}

/// `generate --dim` then `outliers`: the planted outliers lead the report, the scores and
/// neighbours files hold every row, and `profile --embedding` carries the same analysis.
#[test]
fn outliers_find_the_planted_ones_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let pq = dir.path().join("emb.parquet");
    let o = run(&[
        "generate",
        pq.to_str().unwrap(),
        "--dim",
        "32",
        "--rows",
        "1500",
        "--outliers",
        "5",
        "--duplicates",
        "8",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let scores = dir.path().join("s.csv");
    let nb = dir.path().join("n.csv");
    let o = run(&[
        "outliers",
        pq.to_str().unwrap(),
        "--device",
        "cpu",
        "--top",
        "5",
        "-k",
        "8",
        "--scores",
        scores.to_str().unwrap(),
        "--neighbors",
        nb.to_str().unwrap(),
        "--json",
        "-",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["vectors"], 1500);
    assert_eq!(v["k"], 8);
    assert_eq!(v["near_duplicates"]["redundant_rows"], 8);
    // Rows of the planted outliers, from the generator's own column.
    let p = run(&[
        "profile",
        "--device",
        "cpu",
        pq.to_str().unwrap(),
        "--embedding",
        "embedding",
        "--json",
        "-",
    ]);
    assert!(p.status.success(), "{}", stderr(&p));
    let prof: serde_json::Value = serde_json::from_slice(&p.stdout).unwrap();
    assert_eq!(
        prof["embedding"]["top_outliers"],
        serde_json::json!(
            serde_json::from_slice::<serde_json::Value>(
                &run(&[
                    "outliers",
                    pq.to_str().unwrap(),
                    "--device",
                    "cpu",
                    "--top",
                    "20",
                    "--json",
                    "-",
                ])
                .stdout
            )
            .unwrap()["top_outliers"]
        )
    );
    let s = std::fs::read_to_string(&scores).unwrap();
    assert_eq!(s.lines().count(), 1501);
    assert!(s.starts_with(
        "row,norm,knn_distance,lof,nearest,nearest_distance,duplicate_cluster,excluded"
    ));
    assert_eq!(
        std::fs::read_to_string(&nb).unwrap().lines().count(),
        1 + 1500 * 8
    );
    let planted: Vec<u64> = {
        let t = run(&[
            "outliers",
            pq.to_str().unwrap(),
            "--device",
            "cpu",
            "--top",
            "5",
            "--json",
            "-",
        ]);
        let v: serde_json::Value = serde_json::from_slice(&t.stdout).unwrap();
        v["top_outliers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["row"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(planted.len(), 5);
    // The generator's `planted` column marks the same rows.
    let mut want: Vec<u64> = {
        use arrow::array::{Array, AsArray};
        let f = std::fs::File::open(&pq).unwrap();
        let mut r =
            parquet::arrow::arrow_reader::ParquetRecordBatchReader::try_new(f, 8192).unwrap();
        let b = r.next().unwrap().unwrap();
        let col = b
            .column_by_name("planted")
            .unwrap()
            .as_string::<i32>()
            .clone();
        (0..col.len())
            .filter(|&i| col.value(i) == "outlier")
            .map(|i| i as u64)
            .collect()
    };
    want.sort();
    let mut got = planted;
    got.sort();
    assert_eq!(got, want);
    // Merging a profile with an embedding section is refused with a reason.
    let j = dir.path().join("p.json");
    std::fs::write(&j, &p.stdout).unwrap();
    let m = run(&["merge", j.to_str().unwrap(), j.to_str().unwrap()]);
    assert_eq!(m.status.code(), Some(2));
    assert!(stderr(&m).contains("embedding section"), "{}", stderr(&m));
}

#[test]
fn outliers_bad_input_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let one = dir.path().join("one.npy");
    let o = run(&[
        "generate",
        one.to_str().unwrap(),
        "--dim",
        "4",
        "--rows",
        "1",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let trunc = write(dir.path(), "trunc.npy", &std::fs::read(&one).unwrap()[..90]);
    let csv = write(dir.path(), "t.csv", b"a,b\n1,2\n");
    for (path, want, extra) in [
        (one.clone(), "at least 2 vectors", vec![]),
        (trunc, "truncated", vec![]),
        (csv, "csv cannot hold vectors", vec![]),
        (dir.path().join("missing.npy"), "no such file", vec![]),
        (one, "dup-threshold", vec!["--dup-threshold", "1.5"]),
    ] {
        let mut args = vec!["outliers", path.to_str().unwrap(), "--device", "cpu"];
        args.extend(extra);
        let o = run(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(err.to_lowercase().contains(want), "{want}: {err}");
    }
}

/// `generate --docs`, then `dedup`: the summary adds up, --keep writes the kept rows,
/// --against finds a set's copies of itself, and bad input is one clear line.
#[test]
fn dedup_end_to_end_and_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let pq = dir.path().join("c.parquet");
    let pqs = pq.to_str().unwrap();
    let o = run(&["generate", pqs, "--docs", "--rows", "3000"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let keep = dir.path().join("k.parquet");
    let pairs = dir.path().join("p.csv");
    let o = run(&[
        "dedup",
        pqs,
        "--column",
        "text",
        "--device",
        "cpu",
        "--json",
        "-",
        "--keep",
        keep.to_str().unwrap(),
        "--pairs",
        pairs.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let v0 = v.clone();
    let removed = v["exact_duplicates"].as_u64().unwrap() + v["near_duplicates"].as_u64().unwrap();
    assert!(v["exact_duplicates"].as_u64().unwrap() > 50, "{v}");
    let kept = {
        let f = std::fs::File::open(&keep).unwrap();
        parquet::file::reader::SerializedFileReader::new(f)
            .map(|r| {
                parquet::file::reader::FileReader::metadata(&r)
                    .file_metadata()
                    .num_rows()
            })
            .unwrap() as u64
    };
    assert_eq!(kept + removed, 3000);
    assert!(std::fs::read_to_string(&pairs)
        .unwrap()
        .starts_with("file_a,row_a,file_b,row_b,kind,estimate,jaccard"));
    // Under a memory limit that spills most signatures and all LSH keys: the same pairs.
    let spilled_pairs = dir.path().join("p2.csv");
    let o = run(&[
        "dedup",
        pqs,
        "--column",
        "text",
        "--device",
        "cpu",
        "--json",
        "-",
        "--memory-limit",
        "100K",
        "--spill-dir",
        dir.path().to_str().unwrap(),
        "--pairs",
        spilled_pairs.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(s["spilled_bytes"].as_u64().unwrap() > 1_000_000, "{s}");
    assert_eq!(v["spilled_bytes"], 0);
    assert_eq!(
        std::fs::read(&pairs).unwrap(),
        std::fs::read(&spilled_pairs).unwrap()
    );
    // The kept set against the whole: every removed document has its representative kept.
    let o = run(&[
        "dedup",
        keep.to_str().unwrap(),
        "--column",
        "text",
        "--device",
        "cpu",
        "--against",
        pqs,
        "--json",
        "-",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["against_documents"], 3000);
    assert!(v["contaminated"].as_u64().unwrap() >= kept, "{v}");
    // The profile carries the same summary, and refuses to merge.
    let p = run(&[
        "profile",
        pqs,
        "--device",
        "cpu",
        "--near-dups",
        "text",
        "--json",
        "-",
    ]);
    assert!(p.status.success(), "{}", stderr(&p));
    let prof: serde_json::Value = serde_json::from_slice(&p.stdout).unwrap();
    assert_eq!(
        prof["near_duplicates"]["exact_duplicates"],
        v0["exact_duplicates"]
    );
    assert_eq!(
        prof["near_duplicates"]["near_duplicates"],
        v0["near_duplicates"]
    );
    let j = dir.path().join("p.json");
    std::fs::write(&j, &p.stdout).unwrap();
    let m = run(&["merge", j.to_str().unwrap(), j.to_str().unwrap()]);
    assert_eq!(m.status.code(), Some(2));
    assert!(
        stderr(&m).contains("near_duplicates section"),
        "{}",
        stderr(&m)
    );
    for (args, want) in [
        (vec!["--column", "nope"], "no column \"nope\""),
        (vec!["--column", "id"], "not text"),
        (vec!["--column", "text", "--threshold", "1.5"], "threshold"),
        (
            vec!["--column", "text", "--shingle", "lines:3"],
            "--shingle",
        ),
        (vec!["--column", "text", "--keep", "out.csv"], ".parquet"),
        (
            vec!["--column", "text", "--memory-limit", "lots"],
            "not a size",
        ),
        (
            vec![
                "--column",
                "text",
                "--memory-limit",
                "1G",
                "--spill-dir",
                "/no/such/dir",
            ],
            "not a directory",
        ),
    ] {
        let mut all = vec!["dedup", pqs, "--device", "cpu"];
        all.extend(args);
        let o = run(&all);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(want), "{want}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

/// Sketch options: exact quantiles agree with the sketch's bounds, `--no-sketches` drops the
/// fields, and bad values are one clear line with exit code 2.
#[test]
fn sketch_options_and_their_errors() {
    let f = "examples/data/rides.parquet";
    let get = |args: &[&str]| -> serde_json::Value {
        let mut all = vec!["profile", f, "--device", "cpu", "--json", "-"];
        all.extend_from_slice(args);
        let o = run(&all);
        assert!(o.status.success(), "{}", stderr(&o));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let est = get(&["--quantiles", "0.1,0.5,0.9"]);
    let exact = get(&["--quantiles", "0.1,0.5,0.9", "--exact-quantiles"]);
    let (e, x) = (&est["columns"][0], &exact["columns"][0]);
    assert_eq!(e["name"], "trip_distance_km");
    assert_eq!(e["quantile_method"], "ddsketch");
    assert_eq!(x["quantile_method"], "exact");
    assert_eq!(x["quantile_relative_error"], 0.0);
    for q in ["0.1", "0.5", "0.9"] {
        let v = x["quantiles"][q].as_f64().unwrap();
        let b = &e["quantile_bounds"][q];
        assert!(
            b[0].as_f64().unwrap() <= v && v <= b[1].as_f64().unwrap(),
            "{q}: {v} {b}"
        );
    }
    // Dates get exact quantiles only: none from the sketch, all with --exact-quantiles.
    let t = |p: &serde_json::Value| p["columns"][3].clone();
    assert_eq!(t(&est)["name"], "pickup_time");
    assert!(t(&est).get("quantiles").is_none());
    assert_eq!(t(&exact)["quantiles"].as_object().unwrap().len(), 3);
    let none = get(&["--no-sketches"]);
    assert!(none["columns"][0].get("distinct").is_none());
    assert!(none.get("duplicate_rows").is_none());
    assert_eq!(est["duplicate_rows"]["count"], 0);
    for (args, want) in [
        (vec!["--quantiles", "1.5"], "not a quantile"),
        (vec!["--quantile-accuracy", "0.9"], "relative accuracy"),
        (vec!["--hll-precision", "30"], "hll-precision"),
    ] {
        let mut all = vec!["profile", f, "--device", "cpu"];
        all.extend(args);
        let o = run(&all);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(want), "{want}: {err}");
    }
}

/// Image folders: `generate --images`, `images` with findings and JSON, `profile` of the folder
/// (image mode detected), and bad paths.
#[test]
fn images_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let imgs = dir.path().join("imgs");
    let o = run(&["generate", imgs.to_str().unwrap(), "--images", "60"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let findings = dir.path().join("f.csv");
    let o = run(&[
        "images",
        imgs.to_str().unwrap(),
        "--json",
        "-",
        "--findings",
        findings.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let n = v["images"].as_u64().unwrap();
    assert!(n >= 40, "{v}");
    assert!(v["unreadable"].as_u64().unwrap() >= 4, "{v}");
    assert!(v["exact_duplicates"].as_u64().unwrap() >= 1, "{v}");
    let csv = std::fs::read_to_string(&findings).unwrap();
    assert!(csv.starts_with("path,readable,error,format,file_size,width,height"));
    assert_eq!(csv.lines().count() as u64, n + 1);
    // `profile` of the folder is the same analysis.
    let p = run(&["profile", imgs.to_str().unwrap(), "--json", "-"]);
    assert!(p.status.success(), "{}", stderr(&p));
    let pv: serde_json::Value = serde_json::from_slice(&p.stdout).unwrap();
    assert_eq!(pv["images"], v["images"]);
    assert_eq!(pv["clusters"], v["clusters"]);
    let o = run(&["images", "/no/such/dir"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no such file"), "{}", stderr(&o));
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let o = run(&["images", empty.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("no image files"), "{}", stderr(&o));
}

/// `datassay bench ARGS --json -`, which must succeed: the JSON document printed after the tables.
fn bench_json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["bench"];
    all.extend(args);
    all.extend(["--json", "-"]);
    let o = run(&all);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    let start = text.find("{\n").expect("a JSON document after the tables");
    serde_json::from_str(&text[start..]).unwrap()
}

/// `bench --images-only`: the figures of a generated set, and on the GPU (lavapipe in CI) hashes
/// that equal the CPU's.
#[test]
fn bench_images() {
    let gpu = std::env::var_os("CI").is_some();
    let v = bench_json(&[
        "--images-only",
        "--images",
        "40",
        "--reps",
        "1",
        "--device",
        if gpu { "gpu" } else { "cpu" },
    ]);
    let r = &v["images"];
    let (files, readable) = (
        r["files"].as_u64().unwrap(),
        r["readable"].as_u64().unwrap(),
    );
    assert!(
        files >= 20 && readable < files && readable >= files / 2,
        "{r}"
    );
    let m = r["measures"].as_array().unwrap();
    assert_eq!(m.len(), if gpu { 6 } else { 3 }, "{r}");
    if gpu {
        // The kernel alone, on the GPU's clock: inside the call that also uploads and reads back.
        assert_eq!(
            m[4]["name"], "pHash + dHash, gpu kernel (timestamps)",
            "{r}"
        );
        let (k, call) = (
            m[4]["seconds"].as_f64().unwrap(),
            m[3]["seconds"].as_f64().unwrap(),
        );
        assert!(k > 0.0 && k <= call * 1.5, "{r}");
    }
    assert!(m.iter().all(|x| x["images_per_s"].as_f64().unwrap() > 0.0));
    let notes: Vec<&str> = m.iter().map(|x| x["note"].as_str().unwrap()).collect();
    // Decoding alone reads the same images that the end-to-end run found readable.
    assert!(m[1]["name"]
        .as_str()
        .unwrap()
        .starts_with("read + decode only"));
    assert!(
        notes[1].starts_with(&format!("{readable} decoded")),
        "{notes:?}"
    );
    if gpu {
        assert!(notes[3].contains("bit-identical to the cpu"), "{notes:?}");
        assert!(notes[5].contains("every finding equal"), "{notes:?}");
    }
}

/// `bench --images-from DIR` measures that folder's files; a folder without images is an input
/// error.
#[test]
fn bench_images_from_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("set");
    let o = run(&["generate", set.to_str().unwrap(), "--images", "30"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let listed = std::fs::read_dir(&set)
        .unwrap()
        .filter(|e| {
            let p = e.as_ref().unwrap().path();
            p.extension().is_some_and(|x| x != "csv")
        })
        .count() as u64;
    let v = bench_json(&[
        "--images-only",
        "--images-from",
        set.to_str().unwrap(),
        "--reps",
        "1",
        "--device",
        "cpu",
    ]);
    assert_eq!(v["images"]["files"].as_u64(), Some(listed), "{v}");
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let o = run(&[
        "bench",
        "--images-only",
        "--images-from",
        empty.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("no image files"), "{}", stderr(&o));
    // A path that is no folder fails before any other measurement runs (none is printed).
    let missing = dir.path().join("missing");
    let o = run(&["bench", "--images-from", missing.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("not a directory"), "{}", stderr(&o));
    assert!(
        o.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

/// `bench --scale SIZE --scale-only`: a dataset of about that size written, profiled whole on
/// the CPU (and on the GPU, lavapipe in CI), the break-even computed from the two; a software
/// adapter's break-even is not kept. Bad sizes and a lone `--scale-only` are input errors.
#[test]
fn bench_at_scale() {
    let gpu = std::env::var_os("CI").is_some();
    let cache = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_datassay"))
        .args([
            "bench",
            "--scale",
            "5M",
            "--scale-only",
            "--json",
            "-",
            "--device",
        ])
        .arg(if gpu { "gpu" } else { "cpu" })
        .env("XDG_RUNTIME_DIR", std::env::temp_dir())
        .env("DATASSAY_CACHE_DIR", cache.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    let v: serde_json::Value = serde_json::from_str(&text[text.find("{\n").unwrap()..]).unwrap();
    let m = v["measures"].as_array().unwrap();
    let names: Vec<&str> = m.iter().map(|x| x["name"].as_str().unwrap()).collect();
    assert!(
        names.contains(&"profile at scale, cpu, with sketches"),
        "{names:?}"
    );
    let cpu = m
        .iter()
        .find(|x| x["name"] == "profile at scale, cpu, with sketches")
        .unwrap();
    // About 5 MB of Parquet (the writer's compression makes it a little less or more).
    let note = cpu["note"].as_str().unwrap();
    assert!(note.contains("500000 rows"), "{note}");
    if gpu {
        assert!(
            names.contains(&"profile at scale, gpu, with sketches"),
            "{names:?}"
        );
        assert!(names.contains(&"gpu setup, new process (device + pipelines)"));
        let b = &v["break_even"];
        assert!(b["cpu_bytes_per_s"].as_f64().unwrap() > 0.0, "{v}");
        assert!(b["gpu_bytes_per_s"].as_f64().unwrap() > 0.0, "{v}");
        assert!(
            !cache.path().join("break-even.json").exists(),
            "lavapipe's break-even is not kept"
        );
    }
    for (args, expect) in [
        (
            vec!["bench", "--scale", "10X"],
            "the unit must be K, M, G or T",
        ),
        (vec!["bench", "--scale", "1K"], "at least 1M"),
        (vec!["bench", "--scale-only"], "--scale-only needs --scale"),
        (
            vec!["bench", "--scale-from", "/nonexistent/x"],
            "no such file or folder",
        ),
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(expect), "{args:?}: {}", stderr(&o));
    }
}
