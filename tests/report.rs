//! `datassay report` and `datassay card`: every figure of the page read back against the
//! profile, the pages loaded in a real headless Chromium (no console message, every section,
//! every chart drawn, a screenshot kept), hostile names escaped, bad outputs refused, the size
//! budgets, and the card's YAML parsed.

use arrow::array::{
    ArrayRef, BinaryArray, Float64Array, Int64Array, ListArray, RecordBatch, StringArray,
    TimestampMicrosecondArray,
};
use arrow::datatypes::Int32Type;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

fn datassay(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_datassay"))
        .args(args)
        .output()
        .unwrap()
}

fn ok(args: &[&str]) -> Output {
    let o = datassay(args);
    assert!(
        o.status.success(),
        "datassay {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn write_parquet(path: &Path, b: &RecordBatch) {
    let f = std::fs::File::create(path).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(f, b.schema(), None).unwrap();
    w.write(b).unwrap();
    w.close().unwrap();
}

/// Names a page must show as text, never as markup.
const HOSTILE: &str = "<script>alert(\"x\")</script>";
const QUOTES: &str = "it's \"quoted\" & <b>bold</b>";

/// A table with the shapes reports meet: floats with NaN, inf and nulls, a constant column,
/// a skewed integer, PII in strings, a timestamp, a list, binary values that are not UTF-8,
/// and hostile names.
fn table(rows: usize, shift: f64) -> RecordBatch {
    let mut rng = datassay::util::rng::Rng::new(5);
    let x: Vec<Option<f64>> = (0..rows)
        .map(|i| match i % 97 {
            0 => None,
            1 => Some(f64::NAN),
            2 if i < 300 => Some(f64::INFINITY),
            _ => Some(rng.normal() + shift),
        })
        .collect();
    let skew: Vec<i64> = (0..rows).map(|i| ((i * i) % 1000) as i64 / 7).collect();
    let text: Vec<Option<String>> = (0..rows)
        .map(|i| match i % 10 {
            0 => Some(format!("mail me at user{i}@example.com")),
            1 => Some("card 4111 1111 1111 1111 please".into()),
            2 => None,
            3 => Some(String::new()),
            _ => Some(format!("plain note number {}", i % 37)),
        })
        .collect();
    let ts: Vec<i64> = (0..rows as i64)
        .map(|i| 1_700_000_000_000_000 + i * 60_000_000)
        .collect();
    let lists = ListArray::from_iter_primitive::<Int32Type, _, _>(
        (0..rows).map(|i| Some((0..(i % 4) as i32).map(Some).collect::<Vec<_>>())),
    );
    let bin: Vec<&[u8]> = (0..rows)
        .map(|i| {
            if i % 2 == 0 {
                &b"\xff\xfe\x00<x>"[..]
            } else {
                &b"\x80abc"[..]
            }
        })
        .collect();
    let long = "n".repeat(5000);
    RecordBatch::try_from_iter([
        ("x", Arc::new(Float64Array::from(x)) as ArrayRef),
        (
            "constant",
            Arc::new(Int64Array::from(vec![7i64; rows])) as ArrayRef,
        ),
        ("skewed", Arc::new(Int64Array::from(skew)) as ArrayRef),
        ("text", Arc::new(StringArray::from(text)) as ArrayRef),
        (
            "when",
            Arc::new(TimestampMicrosecondArray::from(ts).with_timezone("UTC")) as ArrayRef,
        ),
        ("list", Arc::new(lists) as ArrayRef),
        ("blob", Arc::new(BinaryArray::from(bin)) as ArrayRef),
        (
            HOSTILE,
            Arc::new(Float64Array::from_iter_values((0..rows).map(|i| i as f64))),
        ),
        (
            QUOTES,
            Arc::new(StringArray::from_iter_values(
                (0..rows).map(|i| format!("<i>{}</i>", i % 5)),
            )) as ArrayRef,
        ),
        (
            long.as_str(),
            Arc::new(Int64Array::from(vec![1i64; rows])) as ArrayRef,
        ),
    ])
    .unwrap()
}

/// `data-f="NAME" data-v="VALUE"` pairs of one column card.
fn figures(card: &str) -> Vec<(String, String)> {
    let re = regex::Regex::new(r#"data-f="([^"]*)" data-v="([^"]*)""#).unwrap();
    re.captures_iter(card)
        .map(|c| (unescape(&c[1]), c[2].to_string()))
        .collect()
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The column cards of a page, in order.
fn cards(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("<article class=\"col\"") {
        let end = rest[i..].find("</article>").unwrap() + i;
        out.push(&rest[i..end]);
        rest = &rest[end..];
    }
    out
}

fn same_number(what: &str, page: &str, json: &Value) {
    match json {
        Value::Null => assert_eq!(page, "null", "{what}"),
        v => {
            let want = v.as_f64().unwrap_or_else(|| panic!("{what}: {v}"));
            let got: f64 = page.parse().unwrap_or_else(|_| panic!("{what}: {page}"));
            assert_eq!(got, want, "{what}");
        }
    }
}

/// Every figure of every column card equals the profile's: counts, moments, distinct counts
/// with bounds, quantiles with bounds, histogram bars, top values, PII counts.
fn read_back(html: &str, profile: &Value) {
    let cols = profile["columns"].as_array().unwrap();
    let cs = cards(html);
    assert_eq!(cs.len(), cols.len());
    let key = |f: &str| -> Option<&'static str> {
        Some(match f {
            "rows" => "rows",
            "count" => "count",
            "nulls" => "nulls",
            "NaN" => "nan",
            "+inf" => "pos_inf",
            "-inf" => "neg_inf",
            "zeros" => "zeros",
            "min" => "min",
            "max" => "max",
            "mean" => "mean",
            "std" => "std",
            "sum" => "sum",
            "skewness" => "skewness",
            "kurtosis" => "kurtosis",
            "empty" => "empty",
            "min length" => "min_length",
            "max length" => "max_length",
            "mean length" => "mean_length",
            _ => return None,
        })
    };
    let re = |p: &str| regex::Regex::new(p).unwrap();
    let re_distinct = re(r#"data-f="distinct" data-v="\d+" data-lo="(\d+)" data-hi="(\d+)""#);
    let re_bar = re(r#"class="bar" data-count="(\d+)""#);
    let re_q = re(
        r#"<tr data-q="([^"]+)"><td>[^<]*</td><td class="n" data-f="([^"]+)">[^<]*</td><td class="n" data-lo="([^"]+)" data-hi="([^"]+)">"#,
    );
    let re_top = re(r#"<tr><td title="[^"]*">[^<]*</td><td class="n" data-f="(\d+)">"#);
    let re_pii = re(r#"<tr data-kind="([a-z_]+)"><td>[^<]*</td><td class="n" data-f="(\d+)">"#);
    let mut checked = 0;
    for (card, col) in cs.iter().zip(cols) {
        let name = col["name"].as_str().unwrap();
        for (f, v) in figures(card) {
            if f == "distinct" {
                same_number("distinct", &v, &col["distinct"]["estimate"]);
                continue;
            }
            let k = key(&f).unwrap_or_else(|| panic!("unknown figure {f}"));
            same_number(&format!("{name}.{k}"), &v, &col[k]);
            checked += 1;
        }
        if col.get("distinct").is_some() {
            let c = re_distinct.captures(card).expect("distinct bounds");
            same_number("distinct lower", &c[1], &col["distinct"]["lower"]);
            same_number("distinct upper", &c[2], &col["distinct"]["upper"]);
        }
        // Histogram bars: the profile's counts, in order.
        let bars: Vec<u64> = re_bar
            .captures_iter(card)
            .map(|c| c[1].parse().unwrap())
            .collect();
        match col.get("histogram") {
            Some(h) => {
                let want: Vec<u64> = h["counts"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_u64().unwrap())
                    .collect();
                assert_eq!(bars, want, "{name} histogram");
            }
            None => assert!(bars.is_empty(), "{name}"),
        }
        // Quantiles with bounds.
        let rows: Vec<_> = re_q.captures_iter(card).collect();
        let want = col.get("quantiles").and_then(|x| x.as_object());
        assert_eq!(rows.len(), want.map_or(0, |w| w.len()), "{name} quantiles");
        for c in rows {
            same_number("quantile", &c[2], &col["quantiles"][&c[1]]);
            same_number("lower", &c[3], &col["quantile_bounds"][&c[1]][0]);
            same_number("upper", &c[4], &col["quantile_bounds"][&c[1]][1]);
        }
        // Top values' counts.
        let top: Vec<u64> = re_top
            .captures_iter(card)
            .map(|c| c[1].parse().unwrap())
            .collect();
        let want: Vec<u64> = col
            .get("top_values")
            .and_then(|t| t.as_array())
            .map(|t| t.iter().map(|x| x["count"].as_u64().unwrap()).collect())
            .unwrap_or_default();
        assert_eq!(top, want, "{name} top values");
        // PII per kind.
        let pii: Vec<(String, u64)> = re_pii
            .captures_iter(card)
            .map(|c| (c[1].to_string(), c[2].parse().unwrap()))
            .collect();
        let want: Vec<(String, u64)> = col
            .get("pii")
            .map(|p| {
                p["kinds"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|k| {
                        (
                            k["kind"].as_str().unwrap().to_string(),
                            k["values"].as_u64().unwrap(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(pii, want, "{name} pii");
    }
    assert!(checked > 50, "{checked} figures read back");
}

/// Chromium, when installed; under CI it must be.
fn chromium() -> Option<String> {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if Command::new(name)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return Some(name.to_string());
        }
    }
    if std::env::var_os("CI").is_some() {
        panic!("chromium is needed under CI (apt install chromium)");
    }
    eprintln!("chromium is missing (apt install chromium): the browser checks are skipped");
    None
}

/// Where screenshots are kept.
fn artefacts() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-screenshots");
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Load a page in headless Chromium: no console message at all (errors, warnings, uncaught
/// exceptions), the page's script ran to its end, every section present, every chart drawn;
/// a full-page screenshot kept. Returns the DOM after load.
fn browse(browser: &str, page: &Path, name: &str, sections: &[&str]) -> String {
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    let common = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        "--enable-logging=stderr",
        "--v=0",
    ];
    let profile_dir = tempfile::tempdir().unwrap();
    let user = format!("--user-data-dir={}", profile_dir.path().display());
    let out = Command::new("timeout")
        .arg("120")
        .arg(browser)
        .args(common)
        .arg(&user)
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log = String::from_utf8_lossy(&out.stderr);
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "{name}: console messages: {console:?}");
    let dom = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        dom.contains("data-ready=\"1\""),
        "{name}: the page's script did not finish"
    );
    for id in sections {
        assert!(
            dom.contains(&format!("id=\"{id}\"")),
            "{name}: no section {id}"
        );
    }
    let mut charts = 0;
    for part in dom.split("<svg").skip(1) {
        let svg = &part[..part.find("</svg>").expect("a closed svg")];
        assert!(
            ["<rect", "<line", "<circle"]
                .iter()
                .any(|t| svg.contains(t)),
            "{name}: an empty chart"
        );
        charts += 1;
    }
    assert!(charts > 0, "{name}: no chart");
    assert_eq!(
        dom.matches("<script").count(),
        1,
        "{name}: a script element from the data"
    );
    let shot = artefacts().join(format!("{name}.png"));
    let _ = std::fs::remove_file(&shot);
    let st = Command::new("timeout")
        .arg("120")
        .arg(browser)
        .args(common)
        .arg(&user)
        .arg("--window-size=1280,2000")
        .arg("--hide-scrollbars")
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&url)
        .output()
        .unwrap();
    assert!(st.status.success());
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "{name}: screenshot"
    );
    dom
}

const ALL: [&str; 9] = [
    "overview",
    "alerts",
    "columns",
    "correlations",
    "duplicates",
    "near-duplicates",
    "images",
    "embeddings",
    "drift",
];

#[test]
fn a_table_report_shows_the_profile_figures_and_loads_in_a_browser() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("t.parquet");
    write_parquet(&data, &table(5_000, 0.0));
    let prof = dir.path().join("p.json");
    ok(&[
        "profile",
        s(&data),
        "--pii",
        "--device",
        "cpu",
        "-q",
        "--json",
        s(&prof),
    ]);
    let page = dir.path().join("r.html");
    ok(&["report", s(&prof), "-o", s(&page), "-q"]);
    let html = std::fs::read_to_string(&page).unwrap();
    let p: Value = serde_json::from_slice(&std::fs::read(&prof).unwrap()).unwrap();
    read_back(&html, &p);
    // Hostile names are text: one script element (the page's own), quotes escaped.
    assert_eq!(html.matches("<script").count(), 1);
    assert!(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"));
    assert!(html.contains("it&#39;s &quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt;"));
    assert!(
        !html.contains(&"n".repeat(300)),
        "a 5000-character name is cut"
    );
    // Alerts link to their columns: NaN and inf in x, the constant column, PII in text.
    for (kind, col) in [("nan", 0), ("infinite", 0), ("constant", 1), ("pii", 3)] {
        assert!(
            html.contains(&format!(r##"data-kind="{kind}"><span class="lv"##))
                && html.contains(&format!(r##"href="#c{col}""##)),
            "{kind}"
        );
    }
    // Data profiled now gives the same page figures as its saved profile.
    let now = dir.path().join("now.html");
    ok(&[
        "report",
        s(&data),
        "-o",
        s(&now),
        "--pii",
        "--device",
        "cpu",
        "-q",
    ]);
    read_back(&std::fs::read_to_string(&now).unwrap(), &p);
    if let Some(b) = chromium() {
        let dom = browse(&b, &page, "table", &ALL);
        assert!(dom.contains("class=\"chart heat\""));
        assert!(dom.contains(HOSTILE.replace('<', "&lt;").replace('>', "&gt;").as_str()));
    }
}

#[test]
fn image_embedding_and_drift_reports_load_in_a_browser() {
    let dir = tempfile::tempdir().unwrap();
    let browser = chromium();
    // An image folder: flags, duplicate clusters, thumbnails.
    let imgs = dir.path().join("imgs");
    ok(&["generate", s(&imgs), "--images", "40", "--seed", "3"]);
    let page = dir.path().join("images.html");
    ok(&[
        "report",
        s(&imgs),
        "-o",
        s(&page),
        "-q",
        "--device",
        "cpu",
        "--title",
        "imgs",
    ]);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.matches("src=\"data:image/jpeg;base64,").count() >= 3);
    let summary = dir.path().join("images.json");
    ok(&[
        "images",
        s(&imgs),
        "--json",
        s(&summary),
        "-q",
        "--device",
        "cpu",
    ]);
    let r: Value = serde_json::from_slice(&std::fs::read(&summary).unwrap()).unwrap();
    for f in r["flags"].as_array().unwrap() {
        assert!(
            html.contains(&format!(
                "<h4>{} <span class=\"tag\">{}</span></h4>",
                f["flag"].as_str().unwrap(),
                f["count"]
            )),
            "{f}"
        );
    }
    // The summary JSON gives the same page, but for the duration.
    let again = dir.path().join("again.html");
    ok(&[
        "report",
        s(&summary),
        "-o",
        s(&again),
        "-q",
        "--title",
        "imgs",
    ]);
    let strip = |h: &str| {
        regex::Regex::new(r#"data-f="duration"[^<]*<"#)
            .unwrap()
            .replace_all(h, "")
            .to_string()
    };
    let a = strip(&std::fs::read_to_string(&again).unwrap());
    let b = strip(&html);
    assert_eq!(a, b);
    if let Some(br) = &browser {
        let dom = browse(br, &page, "images", &ALL);
        assert!(dom.contains("<img"));
    }
    // An embedding column: outlier table and score distributions.
    let emb = dir.path().join("emb.parquet");
    ok(&[
        "generate",
        s(&emb),
        "--dim",
        "16",
        "--rows",
        "3000",
        "--outliers",
        "10",
        "--duplicates",
        "20",
    ]);
    let ep = dir.path().join("emb.json");
    ok(&[
        "profile",
        s(&emb),
        "--embedding",
        "embedding",
        "--device",
        "cpu",
        "-q",
        "--json",
        s(&ep),
    ]);
    let epage = dir.path().join("emb.html");
    ok(&["report", s(&ep), "-o", s(&epage), "-q"]);
    let eh = std::fs::read_to_string(&epage).unwrap();
    let e: Value = serde_json::from_slice(&std::fs::read(&ep).unwrap()).unwrap();
    let outliers = e["embedding"]["top_outliers"].as_array().unwrap();
    assert!(!outliers.is_empty());
    for o in outliers {
        assert!(
            eh.contains(&format!(
                "<tr><td class=\"n\">{}</td><td class=\"n\" data-f=\"{}\"",
                o["row"], o["knn_distance"]
            )),
            "{o}"
        );
    }
    if let Some(br) = &browser {
        browse(br, &epage, "embedding", &ALL);
    }
    // Drift against a baseline: a shifted column drifts and is an alert.
    let base = dir.path().join("base.parquet");
    let cur = dir.path().join("cur.parquet");
    write_parquet(&base, &table(20_000, 0.0));
    write_parquet(&cur, &table(20_000, 0.5));
    let bp = dir.path().join("base.json");
    ok(&[
        "profile",
        s(&base),
        "--device",
        "cpu",
        "-q",
        "--json",
        s(&bp),
    ]);
    let dpage = dir.path().join("drift.html");
    ok(&[
        "report",
        s(&cur),
        "--baseline",
        s(&bp),
        "-o",
        s(&dpage),
        "-q",
        "--device",
        "cpu",
    ]);
    let dh = std::fs::read_to_string(&dpage).unwrap();
    assert!(
        dh.contains(r#"<tr data-column="x"><td>x</td><td class="status-drift">drift</td>"#),
        "x drifts"
    );
    assert!(dh.contains(r#"data-kind="drift""#));
    let drift = datassay(&[
        "drift",
        s(&bp),
        s(&cur),
        "--json",
        "-",
        "--device",
        "cpu",
        "-q",
    ]);
    let d: Value = serde_json::from_slice(&drift.stdout).unwrap();
    let re_f = regex::Regex::new(r#"data-f="([^"]+)""#).unwrap();
    for c in d["columns"].as_array().unwrap() {
        if let Some(v) = c["score"]["value"].as_f64() {
            let cell = format!(
                r#"data-column="{}"#,
                c["name"]
                    .as_str()
                    .unwrap()
                    .replace('&', "&amp;")
                    .replace('"', "&quot;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;")
                    .replace('\'', "&#39;")
            );
            let row = &dh[dh.find(&cell).unwrap_or_else(|| panic!("{cell}"))..];
            let got: f64 = re_f.captures(row).unwrap()[1].parse().unwrap();
            assert_eq!(got, v, "{}", c["name"]);
        }
    }
    if let Some(br) = &browser {
        let dom = browse(br, &dpage, "drift", &ALL);
        assert!(dom.contains("class=\"chart bounded\""));
    }
}

#[test]
fn profiles_without_optional_sections_and_of_no_rows_still_make_a_page() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("empty.csv");
    std::fs::write(&csv, "a,b\n").unwrap();
    let p0 = dir.path().join("p0.json");
    let o = datassay(&[
        "profile",
        s(&csv),
        "--device",
        "cpu",
        "-q",
        "--json",
        s(&p0),
    ]);
    assert!(p0.exists(), "{}", String::from_utf8_lossy(&o.stderr));
    let data = dir.path().join("t.parquet");
    write_parquet(&data, &table(500, 0.0));
    let p1 = dir.path().join("p1.json");
    ok(&[
        "profile",
        s(&data),
        "--no-sketches",
        "--no-correlations",
        "--device",
        "cpu",
        "-q",
        "--json",
        s(&p1),
    ]);
    let browser = chromium();
    for (name, prof) in [("zero-rows", &p0), ("no-sketches", &p1)] {
        let page = dir.path().join(format!("{name}.html"));
        ok(&["report", s(prof), "-o", s(&page), "-q"]);
        let html = std::fs::read_to_string(&page).unwrap();
        let p: Value = serde_json::from_slice(&std::fs::read(prof).unwrap()).unwrap();
        read_back_loose(&html, &p);
        assert!(html.contains("Not in this profile"));
        if let Some(b) = &browser {
            if name == "no-sketches" {
                browse(b, &page, name, &ALL);
            }
        }
        let md = dir.path().join(format!("{name}.md"));
        ok(&["report", s(prof), "-o", s(&md), "-q"]);
        assert!(std::fs::read_to_string(&md).unwrap().starts_with("# "));
    }
}

/// [`read_back`] for profiles with few figures (no lower bound on how many).
fn read_back_loose(html: &str, p: &Value) {
    let cols = p["columns"].as_array().unwrap();
    assert_eq!(cards(html).len(), cols.len());
    for (card, col) in cards(html).iter().zip(cols) {
        for (f, v) in figures(card) {
            if f == "rows" || f == "nulls" || f == "count" {
                same_number(&f, &v, &col[f.as_str()]);
            }
        }
    }
}

#[test]
fn outputs_that_cannot_be_written_or_would_replace_data_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("t.parquet");
    write_parquet(&data, &table(200, 0.0));
    let prof = dir.path().join("p.json");
    ok(&[
        "profile",
        s(&data),
        "--device",
        "cpu",
        "-q",
        "--json",
        s(&prof),
    ]);
    let before = std::fs::read(&prof).unwrap();
    // The profile itself, a data extension, a folder that does not exist.
    for (out, code, why) in [
        (s(&prof).to_string(), 2, "extension"),
        (
            dir.path().join("x.parquet").display().to_string(),
            2,
            "extension",
        ),
        (
            "/nonexistent-folder/r.html".to_string(),
            1,
            "nonexistent-folder",
        ),
    ] {
        let o = datassay(&["report", s(&prof), "-o", &out, "-q"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(code), "{out}: {err}");
        assert!(err.contains(why), "{out}: {err}");
    }
    assert_eq!(
        std::fs::read(&prof).unwrap(),
        before,
        "the profile is untouched"
    );
    // A folder we may not write into (unless root, who may).
    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o500)).unwrap();
    let probe = std::fs::write(ro.join("probe"), b"x").is_err();
    if probe {
        let o = datassay(&["report", s(&prof), "-o", s(&ro.join("r.html")), "-q"]);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    // A card over its input is refused too.
    let o = datassay(&["card", s(&data), "-o", s(&data), "-q", "--device", "cpu"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_thousand_columns_stay_under_the_size_budgets() {
    let rows = 200;
    let mut cols: Vec<(String, ArrayRef)> = Vec::new();
    let mut rng = datassay::util::rng::Rng::new(9);
    for c in 0..1000 {
        let a: ArrayRef = if c % 4 == 3 {
            Arc::new(StringArray::from_iter_values((0..rows).map(|i| {
                format!("value {} of a long-ish category name {}", i % 50, c)
            })))
        } else {
            Arc::new(Float64Array::from_iter_values(
                (0..rows).map(|_| rng.normal()),
            ))
        };
        cols.push((format!("feature_{c:04}_with_a_realistic_name"), a));
    }
    let batch = RecordBatch::try_from_iter(cols).unwrap();
    let opts = datassay::ProfileOptions {
        device: datassay::Device::Cpu,
        pii: true,
        ..Default::default()
    };
    let p = datassay::profile_batches(&[batch], &opts).unwrap();
    let input = datassay::report::ReportInput::new("wide", &p);
    let html = datassay::report::html(&input);
    let per_column = html.len() / 1000;
    println!(
        "1,000 columns: {} bytes of HTML, {per_column} a column",
        html.len()
    );
    assert!(per_column < 20_000, "{per_column} bytes a column");
    assert!(html.len() < 20 << 20);
    let md = datassay::report::markdown(&input);
    println!("1,000 columns: {} bytes of Markdown", md.len());
    assert!(md.len() <= datassay::report::MARKDOWN_BUDGET);
    assert_eq!(md.matches("\n| feature_").count(), 1000);
}

#[test]
fn markdown_stays_under_a_mebibyte_however_wide() {
    let rows = 20;
    let cols: Vec<(String, ArrayRef)> = (0..12_000)
        .map(|c| {
            (
                format!("a_column_with_quite_a_long_name_to_fill_the_table_{c:05}"),
                Arc::new(Float64Array::from_iter_values(
                    (0..rows).map(|i| (i * c) as f64),
                )) as ArrayRef,
            )
        })
        .collect();
    let batch = RecordBatch::try_from_iter(cols).unwrap();
    let opts = datassay::ProfileOptions {
        device: datassay::Device::Cpu,
        correlations: datassay::Correlate::Off,
        ..Default::default()
    };
    let p = datassay::profile_batches(&[batch], &opts).unwrap();
    let md = datassay::report::markdown(&datassay::report::ReportInput::new("very wide", &p));
    assert!(
        md.len() <= datassay::report::MARKDOWN_BUDGET,
        "{}",
        md.len()
    );
    assert!(md.contains("more columns left out to keep this under 1 MiB"));
}

#[test]
fn the_card_has_parsing_yaml_and_the_profile_composition() {
    let dir = tempfile::tempdir().unwrap();
    let train = dir.path().join("train.parquet");
    let test = dir.path().join("test.parquet");
    write_parquet(&train, &table(3_000, 0.0));
    write_parquet(&test, &table(1_000, 0.0));
    let card = dir.path().join("README.md");
    ok(&[
        "card",
        &format!("train={}", s(&train)),
        &format!("test={}", s(&test)),
        "-o",
        s(&card),
        "--name",
        "rides",
        "-q",
        "--device",
        "cpu",
    ]);
    let text = std::fs::read_to_string(&card).unwrap();
    let yaml = text
        .strip_prefix("---\n")
        .and_then(|t| t.split_once("\n---\n"))
        .expect("YAML front matter")
        .0;
    let meta: serde_yaml_ng::Value = serde_yaml_ng::from_str(yaml).unwrap();
    assert_eq!(meta["pretty_name"].as_str(), Some("rides"));
    assert_eq!(meta["size_categories"][0].as_str(), Some("1K<n<10K"));
    let splits = meta["dataset_info"]["splits"].as_sequence().unwrap();
    assert_eq!(splits.len(), 2);
    assert_eq!(splits[0]["name"].as_str(), Some("train"));
    assert_eq!(splits[0]["num_examples"].as_u64(), Some(3000));
    assert_eq!(splits[1]["num_examples"].as_u64(), Some(1000));
    let features = meta["dataset_info"]["features"].as_sequence().unwrap();
    let names: Vec<&str> = features
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 10, "top-level columns only: {names:?}");
    assert!(names.contains(&HOSTILE) && names.contains(&QUOTES));
    let dtype = |n: &str| {
        features
            .iter()
            .find(|f| f["name"].as_str() == Some(n))
            .unwrap()["dtype"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(dtype("x"), "float64");
    assert_eq!(dtype("text"), "string");
    assert_eq!(dtype("when"), "timestamp[us, tz=UTC]");
    // A list is a `list` of its elements' type, as `datasets` writes it.
    let list = features
        .iter()
        .find(|f| f["name"].as_str() == Some("list"))
        .unwrap();
    assert_eq!(list["list"].as_str(), Some("int32"));
    assert!(list.get("dtype").is_none());
    // Every string is quoted: no YAML 1.1 reader takes a name for a boolean, date or number.
    for l in yaml.lines() {
        if let Some((_, v)) = l.split_once(": ") {
            assert!(
                v.starts_with('"') || v.parse::<f64>().is_ok() || v == "[]",
                "{l}"
            );
        }
    }
    for section in [
        "# Dataset Card for rides",
        "## Dataset Structure",
        "### Composition",
        "### Personal and Sensitive Information",
        "## Bias, Risks, and Limitations",
        "[More Information Needed]",
    ] {
        assert!(text.contains(section), "{section}");
    }
    // PII found in text, by kind, with the profile's counts (1 in 10 rows each).
    // Shares are of the scanned (non-null) values: 300 of 2,700.
    assert!(
        text.contains("| train | text | email | 300 | 300 (11.11%) |"),
        "{text}"
    );
    assert!(
        text.contains("| test | text | payment_card | 100 | 100 (11.11%) |"),
        "{text}"
    );
    // The hostile name is escaped in the Markdown tables.
    assert!(!text.contains("| <script>"));
}

#[test]
fn adversarial_inputs_get_a_safe_and_true_page() {
    let dir = tempfile::tempdir().unwrap();
    let d = |n: &str| dir.path().join(n);
    // Secrets among the top values are masked on the page, whether or not the profile ran the
    // PII scan; the Markdown escapes link and emphasis syntax in names.
    let secrets = [
        "AKIAIOSFODNN7EXAMPLE",
        "DE89370400440532013000",
        "john.doe@example.com",
        "4111 1111 1111 1111",
    ];
    let hours: Vec<i64> = (0..400)
        .map(|i| 1_735_689_600_000_000 + i * 9_000_000)
        .collect();
    let batch = RecordBatch::try_from_iter([
        (
            "[x](https://evil.example) *star*",
            Arc::new(StringArray::from_iter_values(
                (0..400).map(|i| secrets[i % 4].to_string()),
            )) as ArrayRef,
        ),
        (
            "hour",
            Arc::new(TimestampMicrosecondArray::from(hours)) as ArrayRef,
        ),
        (
            "reading",
            Arc::new(Float64Array::from_iter_values(
                (0..400).map(|i| i as f64 * 0.37),
            )) as ArrayRef,
        ),
    ])
    .unwrap();
    let data = d("secrets.parquet");
    write_parquet(&data, &batch);
    let page = d("s.html");
    ok(&["report", s(&data), "-o", s(&page), "-q", "--device", "cpu"]);
    let html = std::fs::read_to_string(&page).unwrap();
    for v in secrets {
        assert!(!html.contains(v), "{v} is on the page");
    }
    assert!(html.contains("AKIA************ (20 chars)"));
    // A timestamp column within one hour shows times of day, not one date.
    assert!(html.contains(">2025-01-01 00:00:00<"), "times of day");
    assert!(html.contains(">2025-01-01 00:59:51<"), "times of day");
    // Distinct floats are not an identifier alert.
    assert!(!html.contains("reading: every value distinct"));
    let md = d("s.md");
    ok(&["report", s(&data), "-o", s(&md), "-q", "--device", "cpu"]);
    let m = std::fs::read_to_string(&md).unwrap();
    assert!(m.contains(r"\[x\](https://evil.example) \*star\*"), "{m}");

    // A data input with a non-default sketch against a profile baseline: the data takes the
    // baseline's sketch options, so the two compare.
    let base = d("base.json");
    ok(&[
        "profile",
        s(&data),
        "--quantile-accuracy",
        "0.05",
        "--hll-precision",
        "10",
        "--device",
        "cpu",
        "-q",
        "--json",
        s(&base),
    ]);
    ok(&[
        "report",
        s(&data),
        "--baseline",
        s(&base),
        "-o",
        s(&d("b.html")),
        "-q",
        "--device",
        "cpu",
    ]);

    // A folder with one damaged file: the report of the rest, the error on it, exit 2.
    let folder = d("part");
    std::fs::create_dir(&folder).unwrap();
    write_parquet(&folder.join("good.parquet"), &table(300, 0.0));
    std::fs::write(folder.join("bad.parquet"), b"PAR1 not really").unwrap();
    let out = d("part.html");
    let o = datassay(&["report", s(&folder), "-o", s(&out), "-q", "--device", "cpu"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let h = std::fs::read_to_string(&out).unwrap();
    assert!(h.contains("bad.parquet"));
    assert!(h.contains(r#"data-f="rows" data-v="300""#));

    // A `.json` file of JSON lines is data.
    let jl = d("records.json");
    std::fs::write(&jl, "{\"a\": 1, \"b\": \"x\"}\n{\"a\": 2, \"b\": \"y\"}\n").unwrap();
    ok(&[
        "report",
        s(&jl),
        "-o",
        s(&d("jl.html")),
        "-q",
        "--device",
        "cpu",
    ]);

    // Default names: one report per input, `2024.01.parquet` and `2024.02.parquet` apart.
    for n in ["2024.01.parquet", "2024.02.parquet"] {
        write_parquet(&d(n), &table(50, 0.0));
        let o = Command::new(env!("CARGO_BIN_EXE_datassay"))
            .current_dir(dir.path())
            .args(["report", n, "-q", "--device", "cpu"])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    assert!(d("2024.01.report.html").exists() && d("2024.02.report.html").exists());

    // The card does not replace an existing README.md unless told to.
    std::fs::write(d("README.md"), "# precious\n").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_datassay"))
        .current_dir(dir.path())
        .args(["card", "2024.01.parquet", "-q", "--device", "cpu"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("README.md exists"));
    assert_eq!(
        std::fs::read_to_string(d("README.md")).unwrap(),
        "# precious\n"
    );
}

#[test]
fn card_features_follow_the_nesting_of_structs_and_lists() {
    use arrow::array::{Array, Int32Array, StructArray};
    use arrow::datatypes::{DataType, Field, Fields};
    let fields = Fields::from(vec![
        Field::new("source", DataType::Utf8, true),
        Field::new("score", DataType::Int32, true),
    ]);
    let meta = StructArray::new(
        fields.clone(),
        vec![
            Arc::new(StringArray::from(vec!["a", "b", "c"])) as ArrayRef,
            Arc::new(Int32Array::from(vec![1, 2, 3])) as ArrayRef,
        ],
        None,
    );
    let turns = ListArray::new(
        Arc::new(Field::new_list_field(
            DataType::Struct(fields.clone()),
            true,
        )),
        arrow::buffer::OffsetBuffer::from_lengths([1, 0, 2]),
        Arc::new(meta.clone()),
        None,
    );
    assert_eq!(turns.len(), 3);
    let batch = RecordBatch::try_from_iter([
        ("meta", Arc::new(meta) as ArrayRef),
        ("turns", Arc::new(turns) as ArrayRef),
    ])
    .unwrap();
    let opts = datassay::ProfileOptions {
        device: datassay::Device::Cpu,
        ..Default::default()
    };
    let p = datassay::profile_batches(&[batch], &opts).unwrap();
    let input = datassay::report::ReportInput::new("nested", &p);
    let card = datassay::report::card(&datassay::report::CardInput {
        pretty_name: "nested",
        splits: vec![("train", input)],
    });
    let yaml = card
        .strip_prefix("---\n")
        .unwrap()
        .split_once("\n---\n")
        .unwrap()
        .0;
    let meta: serde_yaml_ng::Value = serde_yaml_ng::from_str(yaml).unwrap();
    let f = &meta["dataset_info"]["features"];
    assert_eq!(f[0]["name"].as_str(), Some("meta"), "{yaml}");
    assert_eq!(f[0]["struct"][0]["name"].as_str(), Some("source"), "{yaml}");
    assert_eq!(
        f[0]["struct"][0]["dtype"].as_str(),
        Some("string"),
        "{yaml}"
    );
    assert_eq!(f[0]["struct"][1]["dtype"].as_str(), Some("int32"), "{yaml}");
    assert_eq!(f[1]["name"].as_str(), Some("turns"), "{yaml}");
    let seq = &f[1]["list"];
    let names: Vec<&str> = seq
        .as_sequence()
        .or_else(|| seq["struct"].as_sequence())
        .unwrap_or_else(|| panic!("{yaml}"))
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["source", "score"], "{yaml}");
    assert_eq!(f.as_sequence().unwrap().len(), 2, "{yaml}");
}
