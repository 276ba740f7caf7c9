//! Typed errors an embedder can match: a missing or unusable column names the columns there
//! are, a decoder's error stays reachable as the source, option errors carry the option's
//! name, and no library message names a command-line flag (the CLI adds its own spelling).

use arrow::array::{ArrayRef, BinaryArray, FixedSizeListArray, Float32Array, Int64Array};
use arrow::array::{RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field};
use datassay::dedup::{read_corpus, DedupOptions};
use datassay::embed::read_embeddings;
use datassay::{profile_batches, profile_paths, Error, ProfileOptions, ReadOptions};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn write(path: &Path, cols: Vec<(&str, ArrayRef)>) -> PathBuf {
    let b = RecordBatch::try_from_iter(cols).unwrap();
    datassay::bench::write_parquet(path, &[b]).unwrap();
    path.to_path_buf()
}

fn vectors(n: usize) -> ArrayRef {
    let values = Float32Array::from((0..n * 2).map(|i| i as f32).collect::<Vec<_>>());
    Arc::new(FixedSizeListArray::new(
        Arc::new(Field::new("item", DataType::Float32, true)),
        2,
        Arc::new(values),
        None,
    ))
}

#[test]
fn a_missing_text_column_is_a_missing_column_error_listing_the_text_columns() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir.path().join("docs.parquet"),
        vec![
            ("id", Arc::new(Int64Array::from(vec![1, 2])) as ArrayRef),
            ("text", Arc::new(StringArray::from(vec!["a b", "c d"]))),
        ],
    );
    let opts = |column: &str| DedupOptions {
        column: column.into(),
        ..Default::default()
    };
    match read_corpus(std::slice::from_ref(&p), &opts("body")) {
        Err(Error::MissingColumn {
            column: Some(c),
            candidates,
            role,
            ..
        }) => {
            assert_eq!(c, "body");
            assert_eq!(candidates, vec!["text".to_string()]);
            assert_eq!(role.kind, "text");
        }
        other => panic!("expected a missing column, got {:?}", other.err()),
    }
    match read_corpus(std::slice::from_ref(&p), &opts("id")) {
        Err(Error::UnsupportedType {
            column, data_type, ..
        }) => assert_eq!((column.as_str(), data_type.as_str()), ("id", "Int64")),
        other => panic!("expected an unsupported type, got {:?}", other.err()),
    }
}

#[test]
fn several_vector_columns_and_no_name_is_ambiguous_not_a_guess() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir.path().join("v.parquet"),
        vec![("a", vectors(3)), ("b", vectors(3))],
    );
    let read = ReadOptions::default();
    match read_embeddings(std::slice::from_ref(&p), None, &read) {
        Err(e @ Error::AmbiguousColumn { .. }) => {
            let m = e.to_string();
            assert!(m.contains("several vector columns ([a, b])"), "{m}");
            assert!(!m.contains("--"), "a flag in a library message: {m}");
        }
        other => panic!("expected an ambiguous column, got {:?}", other.err()),
    }
    let e = read_embeddings(std::slice::from_ref(&p), Some("b"), &read).unwrap();
    assert_eq!(e.dim, 2);
}

#[test]
fn several_image_columns_and_no_name_is_ambiguous_too() {
    let dir = tempfile::tempdir().unwrap();
    let png = |i: u8| {
        let img = image::RgbImage::from_pixel(8, 8, image::Rgb([i, 40, 90]));
        let mut b = Vec::new();
        image::DynamicImage::ImageRgb8(img)
            .write_to(&mut std::io::Cursor::new(&mut b), image::ImageFormat::Png)
            .unwrap();
        b
    };
    let (x, y) = (png(1), png(2));
    let col = || Arc::new(BinaryArray::from(vec![x.as_slice(), y.as_slice()])) as ArrayRef;
    let p = write(
        &dir.path().join("imgs.parquet"),
        vec![("front", col()), ("back", col())],
    );
    let opts = datassay::images::ImageOptions {
        device: datassay::Device::Cpu,
        ..Default::default()
    };
    let sources = datassay::images::sources(std::slice::from_ref(&p), None);
    let r = datassay::images::analyze_sources(&sources, &opts, &|_| {});
    assert!(
        matches!(r, Err(Error::AmbiguousColumn { ref candidates, .. }) if candidates == &["front", "back"]),
        "{:?}",
        r.err()
    );
    let sources = datassay::images::sources(std::slice::from_ref(&p), Some("back"));
    let (report, _) = datassay::images::analyze_sources(&sources, &opts, &|_| {}).unwrap();
    assert_eq!(report.readable, 2);
}

#[test]
fn a_corrupt_file_keeps_the_decoders_error_as_its_source() {
    use std::error::Error as _;
    let dir = tempfile::tempdir().unwrap();
    let good = write(
        &dir.path().join("good.parquet"),
        vec![("x", Arc::new(Int64Array::from(vec![1, 2, 3])) as ArrayRef)],
    );
    let mut bytes = std::fs::read(&good).unwrap();
    let n = bytes.len();
    bytes[n - 12..n - 8].copy_from_slice(&[0xff, 0xff, 0xff, 0x7f]); // the footer's length
    let bad = dir.path().join("bad.parquet");
    std::fs::write(&bad, bytes).unwrap();
    let opts = ProfileOptions {
        device: datassay::Device::Cpu,
        ..Default::default()
    };
    let Err(e) = profile_paths(std::slice::from_ref(&bad), &opts, None) else {
        panic!("a corrupt footer is an error")
    };
    assert!(matches!(e, Error::Format { .. }), "{e:?}");
    assert_eq!(e.path(), Some(bad.as_path()));
    let source = e.source().expect("the parquet error is kept");
    assert!(
        source
            .downcast_ref::<parquet::errors::ParquetError>()
            .is_some(),
        "{source:?}"
    );
}

#[test]
fn an_invalid_option_names_the_option_and_the_cli_spells_it_as_its_flag() {
    let x: ArrayRef = Arc::new(Int64Array::from(vec![1, 2, 3]));
    let b = RecordBatch::try_from_iter([("x", x)]).unwrap();
    let e = profile_batches(
        &[b],
        &ProfileOptions {
            bins: 0,
            ..Default::default()
        },
    )
    .unwrap_err();
    match &e {
        Error::InvalidOption { option, message } => {
            assert_eq!(*option, "bins");
            assert_eq!(message, "must be between 1 and 65536");
        }
        e => panic!("expected an invalid option, got {e:?}"),
    }
    assert_eq!(
        e.to_string(),
        "invalid option: `bins` must be between 1 and 65536"
    );
    // The CLI renders the name as its flag: a threshold clap lets through reaches the library.
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir.path().join("docs.parquet"),
        vec![(
            "text",
            Arc::new(StringArray::from(vec!["a b", "c d"])) as ArrayRef,
        )],
    );
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_datassay"))
        .args(["dedup", p.to_str().unwrap(), "--column", "text"])
        .args(["--threshold", "1.5", "--device", "cpu"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("invalid option: --threshold 1.5 must be a Jaccard similarity in (0, 1]"),
        "{stderr}"
    );
}

#[test]
fn no_library_error_message_names_a_cli_flag() {
    // Every message the library builds lives in `src/` outside the CLI; a `--flag` inside a
    // string literal there (other than in reports, which describe how to get a section, and in
    // the benchmark's progress lines) would reach an embedder.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let re = regex::Regex::new(r#""([^"\n]*[^-\w"])?--[a-z][a-z-]+[^"\n]*""#).unwrap();
    let mut found = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(&root).unwrap().to_string_lossy().to_string();
            if p.is_dir() {
                if !["cli", "report", "bench"].contains(&rel.as_str()) {
                    stack.push(p);
                }
                continue;
            }
            if rel == "main.rs" || !rel.ends_with(".rs") {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap();
            for (i, line) in code.lines().enumerate() {
                let l = line.trim_start();
                if l.starts_with("//") {
                    continue;
                }
                for m in re.find_iter(line) {
                    // Mentions of other tools' flags (`vulkaninfo --summary`) are not ours.
                    if !m.as_str().contains("vulkaninfo") {
                        found.push(format!("{rel}:{}: {}", i + 1, m.as_str()));
                    }
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "CLI flags in library messages:\n{}",
        found.join("\n")
    );
}
