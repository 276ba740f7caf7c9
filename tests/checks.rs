//! `datassay check`, `suggest` and `drift` from the command line: every check kind passing and
//! failing, exit codes, JUnit against its schema, GitHub annotations, and bad checks files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_datassay"))
        .args(args)
        .env("XDG_RUNTIME_DIR", std::env::temp_dir())
        .output()
        .unwrap()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A reference table and a current one whose ages moved, with a new city and more nulls.
fn data(dir: &Path) -> (PathBuf, PathBuf) {
    let write = |name: &str, shift: i64, cities: &[&str], null_every: usize| {
        let mut s = String::from("id,age,city,score,name\n");
        for i in 0..400usize {
            let score = if i % null_every == 0 {
                String::new()
            } else {
                format!("{:.4}", (i * 37 % 100) as f64 / 100.0)
            };
            s.push_str(&format!(
                "{},{},{},{},{}\n",
                i,
                20 + (i * 7 % 50) as i64 + shift,
                cities[i % cities.len()],
                score,
                "n".repeat(3 + i % 6)
            ));
        }
        let p = dir.join(name);
        std::fs::write(&p, s).unwrap();
        p
    };
    (
        write("ref.csv", 0, &["Paris", "Lyon", "Nantes"], 40),
        write("cur.csv", 15, &["Paris", "Lyon", "Nantes", "Lille"], 5),
    )
}

fn profile(data: &Path, out: &Path) {
    let o = run(&[
        "profile",
        data.to_str().unwrap(),
        "--json",
        out.to_str().unwrap(),
        "--device",
        "cpu",
        "-q",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

struct Setup {
    dir: tempfile::TempDir,
    r: PathBuf,
    c: PathBuf,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let (rd, cd) = data(dir.path());
    let (r, c) = (dir.path().join("ref.json"), dir.path().join("cur.json"));
    profile(&rd, &r);
    profile(&cd, &c);
    Setup { dir, r, c }
}

/// Checks of every kind; all pass on the reference.
const CHECKS: &str = r#"
dataset:
  rows: {min: 100, max: 1000}
  columns: {min: 5, max: 5}
  duplicate_row_share: {max: 0}
  required_columns: [id, age, city]
columns:
  id:
    type: Int64
    unique: true
    distinct: {min: 400}
  age:
    type: numeric
    null_share: {max: 0}
    min: {min: 18}
    max: {max: 70}
    mean: {min: 40, max: 50}
    std: {max: 20}
    quantiles: {p50: {min: 40, max: 50}, "0.99": {max: 70}}
  city:
    allowed_values: [Paris, Lyon, Nantes]
    length: {min: 4, max: 6}
    mean_length: {max: 6}
  score:
    null_share: {max: 0.05}
    nan_share: {max: 0}
    min: {min: 0}
    max: {max: 1}
"#;

fn results(json: &Path) -> Vec<serde_json::Value> {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    v["results"].as_array().unwrap().clone()
}

fn outcome_of<'a>(rs: &'a [serde_json::Value], id: &str) -> &'a str {
    rs.iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no check {id}"))["outcome"]
        .as_str()
        .unwrap()
}

#[test]
fn every_check_kind_passes_and_fails() {
    let s = setup();
    let checks = s.dir.path().join("checks.yaml");
    std::fs::write(&checks, CHECKS).unwrap();
    let j = s.dir.path().join("r.json");
    let o = run(&[
        "check",
        s.r.to_str().unwrap(),
        "--checks",
        checks.to_str().unwrap(),
        "--json",
        j.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let rs = results(&j);
    assert_eq!(rs.len(), 24);
    for r in &rs {
        assert_eq!(r["outcome"], "pass", "{r}");
    }
    // The current data breaks the column checks that its changes touch.
    let o = run(&[
        "check",
        s.c.to_str().unwrap(),
        "--checks",
        checks.to_str().unwrap(),
        "--json",
        j.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let rs = results(&j);
    for (id, want) in [
        ("dataset.rows", "pass"),
        ("dataset.required_columns.city", "pass"),
        ("columns.id.unique", "pass"),
        ("columns.age.min", "pass"),
        ("columns.age.max", "fail"),
        ("columns.age.mean", "fail"),
        ("columns.age.std", "pass"),
        ("columns.age.quantiles.p50", "fail"),
        ("columns.age.quantiles.0.99", "fail"),
        ("columns.city.allowed_values", "fail"),
        ("columns.city.length", "pass"),
        ("columns.score.null_share", "fail"),
        ("columns.score.max", "pass"),
    ] {
        assert_eq!(outcome_of(&rs, id), want, "{id}");
    }
    let allowed = rs
        .iter()
        .find(|r| r["id"] == "columns.city.allowed_values")
        .unwrap();
    assert!(
        allowed["message"].as_str().unwrap().contains("Lille"),
        "{allowed}"
    );
}

#[test]
fn failures_against_other_bounds_and_levels() {
    let s = setup();
    let checks = s.dir.path().join("c.yaml");
    std::fs::write(
        &checks,
        r#"
dataset:
  rows: {min: 1000}
  columns: {max: 3, level: warn}
  required_columns: [missing_column]
columns:
  id:
    type: Utf8
    distinct: {max: 10}
  city:
    level: warn
    unique: true
    length: {max: 5}
    mean_length: {min: 10, level: fail}
  not_here:
    null_share: {max: 0.5}
"#,
    )
    .unwrap();
    let j = s.dir.path().join("r.json");
    let o = run(&[
        "check",
        s.r.to_str().unwrap(),
        "-c",
        checks.to_str().unwrap(),
        "--json",
        j.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 3);
    let rs = results(&j);
    for (id, want) in [
        ("dataset.rows", "fail"),
        ("dataset.columns", "warn"),
        ("dataset.required_columns.missing_column", "fail"),
        ("columns.id.type", "fail"),
        ("columns.id.distinct", "fail"),
        ("columns.city.unique", "warn"),
        ("columns.city.length", "warn"),
        ("columns.city.mean_length", "fail"),
        ("columns.not_here.present", "fail"),
    ] {
        assert_eq!(outcome_of(&rs, id), want, "{id}");
    }
    // Warnings alone pass, unless --strict.
    std::fs::write(&checks, "dataset:\n  rows: {max: 10, level: warn}\n").unwrap();
    let o = run(&[
        "check",
        s.r.to_str().unwrap(),
        "-c",
        checks.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains("WARN"), "{}", stdout(&o));
    let o = run(&[
        "check",
        s.r.to_str().unwrap(),
        "-c",
        checks.to_str().unwrap(),
        "--strict",
    ]);
    assert_eq!(code(&o), 3);
}

#[test]
fn drift_checks_against_a_baseline() {
    let s = setup();
    let checks = s.dir.path().join("d.yaml");
    std::fs::write(
        &checks,
        "drift:\n  columns: [age, city, id]\n  max_drifted_share: 0.5\n  schema: fail\n",
    )
    .unwrap();
    let j = s.dir.path().join("r.json");
    let run_it = |profile: &Path| {
        let o = run(&[
            "check",
            profile.to_str().unwrap(),
            "-c",
            checks.to_str().unwrap(),
            "--baseline",
            s.r.to_str().unwrap(),
            "--json",
            j.to_str().unwrap(),
        ]);
        (code(&o), results(&j))
    };
    let (c, rs) = run_it(&s.r);
    assert_eq!(c, 0);
    assert!(rs.iter().all(|r| r["outcome"] == "pass"), "{rs:?}");
    let (c, rs) = run_it(&s.c);
    assert_eq!(c, 3);
    assert_eq!(outcome_of(&rs, "drift.age"), "fail");
    assert_eq!(outcome_of(&rs, "drift.city"), "fail");
    assert_eq!(outcome_of(&rs, "drift.id"), "pass");
    assert_eq!(outcome_of(&rs, "drift.schema"), "pass");
    // Drift checks need a baseline.
    let o = run(&[
        "check",
        s.c.to_str().unwrap(),
        "-c",
        checks.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--baseline"), "{}", stderr(&o));
}

#[test]
fn junit_github_and_markdown_outputs() {
    let s = setup();
    let checks = s.dir.path().join("checks.yaml");
    // 14 failing checks and 1 warning.
    let mut text = String::from("columns:\n");
    for c in ["id", "age", "score"] {
        text.push_str(&format!("  {c}:\n    min: {{min: 1000}}\n    max: {{max: -1}}\n    mean: {{min: 1000}}\n    std: {{min: 1000}}\n"));
    }
    text.push_str("  city:\n    allowed_values: [x]\n    length: {max: 1}\n    mean_length: {max: 1, level: warn}\n");
    std::fs::write(&checks, text).unwrap();
    let junit = s.dir.path().join("checks.xml");
    let md = s.dir.path().join("summary.md");
    let o = run(&[
        "check",
        s.c.to_str().unwrap(),
        "-c",
        checks.to_str().unwrap(),
        "--junit",
        junit.to_str().unwrap(),
        "--markdown",
        md.to_str().unwrap(),
        "--github",
    ]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let out = stdout(&o);
    let errors = out.lines().filter(|l| l.starts_with("::error ")).count();
    let warnings = out.lines().filter(|l| l.starts_with("::warning ")).count();
    assert_eq!((errors, warnings), (10, 1), "{out}");
    assert!(out.contains("4 more failures"), "{out}");
    // Each annotation points at the line of its check in the file.
    assert!(
        out.lines()
            .filter(|l| l.starts_with("::error ") || l.starts_with("::warning "))
            .all(|l| l.contains(",line=")),
        "{out}"
    );
    assert!(
        out.contains("file=") && out.contains("line=3,title=datassay check columns.id.min"),
        "{out}"
    );
    assert!(out.lines().all(|l| l.starts_with("::")), "{out}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(xml.matches("<testcase ").count(), 15);
    assert_eq!(xml.matches("<failure ").count(), 14);
    assert!(xml.contains("tests=\"15\" failures=\"14\""), "{xml}");
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/schema/junit.xsd");
    match Command::new("xmllint")
        .args([
            "--noout",
            "--schema",
            schema.to_str().unwrap(),
            junit.to_str().unwrap(),
        ])
        .output()
    {
        Ok(v) => assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stderr)),
        Err(_) if std::env::var_os("CI").is_none() => {
            eprintln!(
                "xmllint is missing (apt install libxml2-utils): the JUnit schema check is skipped"
            )
        }
        Err(e) => panic!("xmllint is needed under CI: {e}"),
    }
    let m = std::fs::read_to_string(&md).unwrap();
    assert!(m.starts_with("## Data checks: ❌ failed"), "{m}");
    assert_eq!(m.lines().filter(|l| l.starts_with("| ❌ fail")).count(), 14);
}

#[test]
fn bad_checks_files_are_refused_with_file_line_and_key() {
    let s = setup();
    let checks = s.dir.path().join("bad.yaml");
    for (text, want) in [
        (
            "columns:\n  age:\n    null_share: {maxx: 0.1}\n",
            vec!["line 3", "maxx", "null_share"],
        ),
        (
            "columns:\n  age:\n    null_share: {max: high}\n",
            vec!["line 3", "max"],
        ),
        ("dataset:\n  rowz: {min: 1}\n", vec!["line 2", "rowz"]),
        (
            "columns:\n  age:\n    mean: {min: 5, max: 1}\n",
            vec!["columns.age.mean", "above max"],
        ),
        (
            "columns:\n  age:\n    null_share: {max: 2}\n",
            vec!["columns.age.null_share.max", "[0, 1]"],
        ),
        (
            "columns:\n  age:\n    quantiles: {median: {max: 1}}\n",
            vec!["median", "not a quantile"],
        ),
        (
            "columns:\n  city:\n    mean: {max: 1}\n",
            vec!["columns.city.mean", "numeric"],
        ),
        (
            "columns:\n  age:\n    length: {max: 1}\n",
            vec!["columns.age.length", "strings"],
        ),
        ("columns: [1, 2\n", vec!["line"]),
    ] {
        std::fs::write(&checks, text).unwrap();
        let o = run(&[
            "check",
            s.r.to_str().unwrap(),
            "-c",
            checks.to_str().unwrap(),
        ]);
        assert_eq!(code(&o), 2, "{text}: {}", stderr(&o));
        let e = stderr(&o);
        assert!(e.contains("bad.yaml"), "{e}");
        for w in want {
            assert!(e.contains(w), "{text}: {e} lacks {w}");
        }
        assert!(
            !e.contains("panicked") && !e.contains("internal error"),
            "{e}"
        );
    }
}

#[test]
fn suggested_checks_pass_on_their_own_profile() {
    let s = setup();
    let checks = s.dir.path().join("suggested.yaml");
    let o = run(&[
        "suggest",
        s.r.to_str().unwrap(),
        "-o",
        checks.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = std::fs::read_to_string(&checks).unwrap();
    assert!(text.contains("allowed_values"), "{text}");
    assert!(text.contains("unique: true"), "{text}");
    let j = s.dir.path().join("r.json");
    let o = run(&[
        "check",
        s.r.to_str().unwrap(),
        "-c",
        checks.to_str().unwrap(),
        "--json",
        j.to_str().unwrap(),
        "--strict",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(results(&j).iter().all(|r| r["outcome"] == "pass"));
    // And catch the current data's new city and extra nulls.
    let o = run(&[
        "check",
        s.c.to_str().unwrap(),
        "-c",
        checks.to_str().unwrap(),
        "--json",
        j.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 3);
    let rs = results(&j);
    assert_eq!(outcome_of(&rs, "columns.city.allowed_values"), "fail");
    assert_eq!(outcome_of(&rs, "columns.score.null_share"), "fail");
}

#[test]
fn drift_from_the_command_line() {
    let s = setup();
    let dir = s.dir.path();
    let (j1, j2, md) = (dir.join("d1.json"), dir.join("d2.json"), dir.join("d.md"));
    let o = run(&[
        "drift",
        s.r.to_str().unwrap(),
        s.c.to_str().unwrap(),
        "--json",
        j1.to_str().unwrap(),
        "--markdown",
        md.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&j1).unwrap()).unwrap();
    let status = |name: &str| {
        v["columns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status("age"), "drift");
    assert_eq!(status("city"), "drift");
    assert_eq!(status("id"), "ok");
    assert!(std::fs::read_to_string(&md).unwrap().contains("| age |"));
    // A data side is profiled with the profile side's sketch options: the same figures.
    let o = run(&[
        "drift",
        s.r.to_str().unwrap(),
        dir.join("cur.csv").to_str().unwrap(),
        "--json",
        j2.to_str().unwrap(),
        "--device",
        "cpu",
        "-q",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let w: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&j2).unwrap()).unwrap();
    assert_eq!(v["columns"], w["columns"]);
    // Exit 3 on drift only when asked.
    let o = run(&[
        "drift",
        s.r.to_str().unwrap(),
        s.c.to_str().unwrap(),
        "--fail-on-drift",
        "--drift-share",
        "0.2",
    ]);
    assert_eq!(code(&o), 3);
    let o = run(&[
        "drift",
        s.r.to_str().unwrap(),
        s.r.to_str().unwrap(),
        "--fail-on-drift",
    ]);
    assert_eq!(code(&o), 0);
    // Bad inputs: exit 2 with a message, never a panic.
    let coarse = dir.join("coarse.json");
    let o = run(&[
        "profile",
        dir.join("cur.csv").to_str().unwrap(),
        "--json",
        coarse.to_str().unwrap(),
        "--quantile-accuracy",
        "0.05",
        "--device",
        "cpu",
        "-q",
    ]);
    assert_eq!(code(&o), 0);
    for (args, want) in [
        (
            vec!["drift", s.r.to_str().unwrap(), coarse.to_str().unwrap()],
            "relative accurac",
        ),
        (
            vec!["drift", s.r.to_str().unwrap(), "/nonexistent.json"],
            "no such file",
        ),
        (
            vec![
                "drift",
                s.r.to_str().unwrap(),
                s.c.to_str().unwrap(),
                "--ks-threshold",
                "2",
            ],
            "ks threshold",
        ),
        (
            vec![
                "drift",
                s.r.to_str().unwrap(),
                s.c.to_str().unwrap(),
                "--json",
                s.r.to_str().unwrap(),
            ],
            "input",
        ),
    ] {
        let o = run(&args);
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(want), "{args:?}: {}", stderr(&o));
    }
    // An empty reference.
    let empty_csv = dir.join("empty.csv");
    std::fs::write(&empty_csv, "id,age\n").unwrap();
    let empty = dir.join("empty.json");
    let _ = run(&[
        "profile",
        empty_csv.to_str().unwrap(),
        "--json",
        empty.to_str().unwrap(),
        "-q",
    ]);
    if empty.exists() {
        let o = run(&["drift", empty.to_str().unwrap(), s.c.to_str().unwrap()]);
        assert_eq!(code(&o), 2, "{}", stderr(&o));
        assert!(stderr(&o).contains("no rows"), "{}", stderr(&o));
    }
}

/// Regressions found by trying to break the gates.
#[test]
fn a_failed_gate_keeps_exit_3_when_its_reader_leaves() {
    let s = setup();
    let checks = s.dir.path().join("fail.yaml");
    std::fs::write(&checks, "dataset:\n  rows: {min: 1000000}\n").unwrap();
    for extra in [vec![], vec!["--github"], vec!["--json", "-"]] {
        let mut args = vec![
            "check",
            s.r.to_str().unwrap(),
            "-c",
            checks.to_str().unwrap(),
        ];
        args.extend(extra.iter().copied());
        let mut child = Command::new(env!("CARGO_BIN_EXE_datassay"))
            .args(&args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // the reader leaves before anything is written
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(3),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_datassay"))
        .args([
            "drift",
            s.r.to_str().unwrap(),
            s.c.to_str().unwrap(),
            "--fail-on-drift",
            "--drift-share",
            "0.2",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    assert_eq!(child.wait().unwrap().code(), Some(3));
}

#[test]
fn checks_file_regressions() {
    let s = setup();
    let dir = s.dir.path();
    let checks = dir.join("r.yaml");
    // A column named twice, an unknown type and crossing bounds are bad input with a line.
    for (text, want) in [
        (
            "columns:\n  age:\n    mean: {min: 1}\n  age:\n    std: {max: 1}\n",
            "given twice",
        ),
        ("columns:\n  age:\n    type: Int99\n", "line 3"),
        ("dataset:\n  rows: {min: 10, max: 5}\n", "line 2"),
        (
            "columns:\n  age:\n    quantiles:\n      p101: {max: 1}\n",
            "line 4",
        ),
    ] {
        std::fs::write(&checks, text).unwrap();
        let o = run(&[
            "check",
            s.r.to_str().unwrap(),
            "-c",
            checks.to_str().unwrap(),
        ]);
        assert_eq!(code(&o), 2, "{text}");
        assert!(stderr(&o).contains(want), "{text}: {}", stderr(&o));
    }
    // Type names: any case, and the string encodings as one type.
    std::fs::write(
        &checks,
        "columns:\n  city:\n    type: largeutf8\n  age:\n    type: INT64\n",
    )
    .unwrap();
    let o = run(&[
        "check",
        s.r.to_str().unwrap(),
        "-c",
        checks.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    // The same output twice, by two spellings of one path.
    std::fs::write(&checks, "dataset:\n  rows: {min: 1}\n").unwrap();
    let a = dir.join("o.json");
    let b = dir.join(".").join("o.json");
    let o = run(&[
        "check",
        s.r.to_str().unwrap(),
        "-c",
        checks.to_str().unwrap(),
        "--json",
        a.to_str().unwrap(),
        "--junit",
        b.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("two outputs"), "{}", stderr(&o));
    // A column with no values passes unique and allowed_values; the suggestion for an empty
    // dataset passes on it.
    let csv = dir.join("nulls.csv");
    std::fs::write(&csv, "x,y\n,1\n,2\n").unwrap();
    std::fs::write(
        &checks,
        "columns:\n  x:\n    unique: true\n    allowed_values: [a]\n",
    )
    .unwrap();
    let o = run(&[
        "check",
        csv.to_str().unwrap(),
        "-c",
        checks.to_str().unwrap(),
        "--device",
        "cpu",
        "-q",
    ]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let empty = dir.join("empty.csv");
    std::fs::write(&empty, "x,y\n").unwrap();
    let sug = dir.join("s.yaml");
    let o = run(&[
        "suggest",
        empty.to_str().unwrap(),
        "-o",
        sug.to_str().unwrap(),
        "--device",
        "cpu",
        "-q",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = run(&[
        "check",
        empty.to_str().unwrap(),
        "-c",
        sug.to_str().unwrap(),
        "--device",
        "cpu",
        "-q",
        "--strict",
    ]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
}

#[test]
fn the_remaining_check_kinds_fail_too() {
    let s = setup();
    let dir = s.dir.path();
    // Duplicate rows, NaN, and a column the baseline lacks.
    let csv = dir.join("odd.csv");
    let mut text = String::from("id,age,city,score,name,extra\n");
    for i in 0..400 {
        let id = i % 200; // every row twice
        let score = if i % 4 == 0 {
            "NaN".to_string()
        } else {
            "0.5".into()
        };
        text.push_str(&format!("{id},{},Paris,{score},nnn,1\n", 20 + i % 50));
    }
    std::fs::write(&csv, text).unwrap();
    let checks = dir.join("k.yaml");
    std::fs::write(
        &checks,
        "dataset:\n  duplicate_row_share: {max: 0.1}\ncolumns:\n  score:\n    nan_share: {max: 0.01}\ndrift:\n  columns: [id]\n  max_drifted_share: 0\n  schema: fail\n",
    )
    .unwrap();
    let j = dir.join("r.json");
    let o = run(&[
        "check",
        csv.to_str().unwrap(),
        "-c",
        checks.to_str().unwrap(),
        "--baseline",
        s.r.to_str().unwrap(),
        "--json",
        j.to_str().unwrap(),
        "--device",
        "cpu",
        "-q",
    ]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let rs = results(&j);
    for (id, want) in [
        ("dataset.duplicate_row_share", "fail"),
        ("columns.score.nan_share", "fail"),
        ("drift.max_drifted_share", "fail"),
        ("drift.schema", "fail"),
    ] {
        assert_eq!(outcome_of(&rs, id), want, "{id}: {rs:?}");
    }
    let schema = rs.iter().find(|r| r["id"] == "drift.schema").unwrap();
    assert!(
        schema["observed"].as_str().unwrap().contains("added extra"),
        "{schema}"
    );
}
