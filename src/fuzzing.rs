//! One input, read the way a user's file is read, for the fuzz harnesses: `tests/fuzz.rs`
//! (mutations of a seed corpus on stable Rust, in every test run) and the cargo-fuzz targets in
//! `fuzz/` (coverage-guided, on nightly). Both call [`check`], so what counts as a finding is
//! decided once.
//!
//! An input may be refused with any error naming the file: that is the reader doing its job. A
//! panic is a crash (it propagates, so the fuzzer records it). A panic inside a decoder that
//! the per-file guard caught becomes an error saying "internal error": not a crash, but a
//! finding, returned as `Err`.

use crate::error::Error;
use crate::profile::Profile;
use crate::{profile_paths, Device, ProfileOptions, ReadOptions};
use std::path::Path;

/// The extensions [`check`] reads, each through its reader: tables through the profiler, `.npy`
/// through the embedding reader, images and tar shards through the image pipeline, profiles
/// (JSON `.json`, binary `.bin`) through the loader and a merge.
pub const EXTENSIONS: &[&str] = &[
    "parquet", "arrow", "csv", "jsonl", "npy", "png", "jpg", "tar", "json", "bin",
];

/// Read `path` with the reader its extension names. `Ok` for a result or an ordinary error;
/// `Err(message)` for a decoder panic the guard caught ("internal error ...").
pub fn check(path: &Path) -> Result<(), String> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let internal = |e: Error| match e {
        e @ Error::Internal { .. } => Err(format!("internal error: {e}")),
        _ => Ok(()),
    };
    match ext.as_str() {
        "npy" => {
            crate::embed::read_embeddings(&[path.to_path_buf()], None, &ReadOptions::default())
                .map_or_else(internal, |_| Ok(()))
        }
        "png" | "jpg" | "jpeg" | "tar" => {
            let opts = crate::images::ImageOptions {
                device: Device::Cpu,
                ..Default::default()
            };
            // Sources as the CLI finds them: a `.tar` is a shard of images, not an image.
            let sources = crate::images::sources(&[path.to_path_buf()], None);
            crate::images::analyze_sources(&sources, &opts, &|_| {})
                .map_or_else(internal, |_| Ok(()))
        }
        "json" | "bin" => profile(path),
        _ => table(path),
    }
}

/// A table, through the profiler: its per-file errors must not be internal ones.
fn table(path: &Path) -> Result<(), String> {
    let opts = ProfileOptions {
        device: Device::Cpu,
        ..Default::default()
    };
    match profile_paths(&[path.to_path_buf()], &opts, None) {
        Ok(o) => match o.profile.errors.first() {
            Some(e) if e.error.contains("internal error") => {
                Err(format!("internal error: {}", e.error))
            }
            _ => Ok(()),
        },
        Err(e @ Error::Internal { .. }) => Err(format!("internal error: {e}")),
        Err(_) => Ok(()),
    }
}

/// A profile, loaded; one that loads must merge with another part of itself (or be refused
/// with a reason) and be written out again in both forms.
fn profile(path: &Path) -> Result<(), String> {
    let Ok(loaded) = Profile::read(path) else {
        return Ok(());
    };
    let mut other = loaded.clone();
    other.parts = vec!["00000000000000ff".into()];
    match loaded.merge(&other) {
        Ok(m) => {
            let _ = m.to_json();
            let _ = m.to_bytes();
        }
        Err(e @ Error::Internal { .. }) => return Err(format!("internal error: {e}")),
        Err(_) => {}
    }
    let _ = loaded.to_json();
    let _ = loaded.to_bytes();
    Ok(())
}

/// [`check`] of `bytes` as a file named `name` (its extension picks the reader), in a
/// temporary folder: what a cargo-fuzz target calls with the fuzzer's bytes.
pub fn check_bytes(name: &str, bytes: &[u8]) -> Result<(), String> {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("a temporary file");
    check(&path)
}

/// What a cargo-fuzz target runs: [`check_bytes`]; a decoder panic that the guard caught is a
/// crash only with `DATASSAY_FUZZ_STRICT` set (those are upstream decoders' bugs, reported as
/// errors naming the file), as in `tests/fuzz.rs`.
pub fn target(name: &str, bytes: &[u8]) {
    let strict = std::env::var_os("DATASSAY_FUZZ_STRICT").is_some();
    // libFuzzer's harness aborts on any panic, caught or not, through its panic hook; without
    // `strict`, a panic the per-file guard catches is an error like any other, so the hook
    // stays quiet and only a panic that escapes (out of this function) is a crash: the
    // harness still aborts on that one.
    static QUIET: std::sync::Once = std::sync::Once::new();
    if !strict {
        QUIET.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    }
    if let Err(e) = check_bytes(name, bytes) {
        if strict {
            panic!("{e}");
        }
    }
}
