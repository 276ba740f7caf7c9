//! Fuzzing on stable Rust: every reader (Parquet, CSV, JSON lines, Arrow IPC, .npy, tar shards,
//! images) and the profile loader and merge get mutated copies of the seed corpus in
//! `tests/data/fuzz/` (bytes flipped, cut short, repeated, spliced), and must answer each with a
//! result or an error, never a panic. A panic inside a decoder that the per-file guard catches
//! becomes an error naming the file ("internal error … please report it"): not a crash, but a
//! finding; those are counted and printed, and fail the run only with
//! `DATASSAY_FUZZ_STRICT=1`. The budget is fixed and small here (`DATASSAY_FUZZ_ITERS` per seed,
//! 40 by default); raise it for a longer run. A failing input is written to
//! `target/fuzz-failures/`, to become a regression test.

use datassay::fuzzing::check;
use datassay::{Error, Profile};
use std::path::{Path, PathBuf};

use datassay::util::rng::Rng;

/// A uniform index below `n`.
fn below(r: &mut Rng, n: usize) -> usize {
    (r.next_u64() % n.max(1) as u64) as usize
}

/// One mutation of `b`: a few bytes flipped or set to edge values, a cut, a repeated or removed
/// run, or a splice of the seed's own bytes.
fn mutate(seed: &[u8], r: &mut Rng) -> Vec<u8> {
    let mut b = seed.to_vec();
    for _ in 0..1 + below(r, 3) {
        if b.is_empty() {
            b.push(r.next_u64() as u8);
            continue;
        }
        let i = below(r, b.len());
        match below(r, 7) {
            0 => b[i] ^= 1 << below(r, 8),
            1 => b[i] = [0u8, 0xff, 0x7f, 0x80, b'"', b',', b'\n'][below(r, 7)],
            2 => b.truncate(i),
            3 => {
                let n = below(r, 64).min(b.len() - i);
                let run: Vec<u8> = b[i..i + n].to_vec();
                b.splice(i..i, run);
            }
            4 => {
                let n = below(r, 64).min(b.len() - i);
                b.drain(i..i + n);
            }
            5 => {
                let j = below(r, seed.len());
                let n = below(r, 32).min(seed.len() - j);
                b.splice(i..i, seed[j..j + n].iter().copied());
            }
            _ => {
                // A 4-byte length or offset set to something large.
                let v = [u32::MAX, 0x7fff_ffff, 1 << 20, 0][below(r, 4)].to_le_bytes();
                for (k, x) in v.iter().enumerate() {
                    if i + k < b.len() {
                        b[i + k] = *x;
                    }
                }
            }
        }
    }
    b
}

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz")
}

fn iters() -> usize {
    std::env::var("DATASSAY_FUZZ_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40)
}

/// Keep a failing input and fail with where it is.
fn failed(name: &str, i: usize, bytes: &[u8], why: String) -> ! {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-failures");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(format!("{i}-{name}"));
    std::fs::write(&p, bytes).unwrap();
    panic!(
        "{name}, mutation {i}: {why} (input kept at {})",
        p.display()
    );
}

/// Run `f` on mutated copies of the seed `name`, written under its own extension.
fn fuzz(
    name: &str,
    seed_no: u64,
    f: impl Fn(&Path) -> Result<(), String> + std::panic::RefUnwindSafe,
) {
    let seed = std::fs::read(corpus().join(name)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    let mut r = Rng::new(seed_no);
    // The seed itself must be read without complaint.
    std::fs::write(&path, &seed).unwrap();
    if let Err(e) = f(&path) {
        panic!("{name}: the seed itself fails: {e}");
    }
    for i in 0..iters() {
        let b = mutate(&seed, &mut r);
        std::fs::write(&path, &b).unwrap();
        match std::panic::catch_unwind(|| f(&path)) {
            Ok(Ok(())) => {}
            Ok(Err(e)) if e.contains("internal error") => {
                if std::env::var_os("DATASSAY_FUZZ_STRICT").is_some() {
                    failed(name, i, &b, e)
                }
                eprintln!("{name}, mutation {i}: a guarded decoder panic: {e}");
            }
            Ok(Err(_)) => {}
            Err(p) => {
                let msg = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failed(name, i, &b, format!("panicked: {msg}"))
            }
        }
    }
}

#[test]
fn every_seed_reads_cleanly() {
    use datassay::{profile_paths, Device, ProfileOptions, ReadOptions};
    let opts = ProfileOptions {
        device: Device::Cpu,
        ..Default::default()
    };
    for name in ["seed.parquet", "seed.arrow", "seed.csv", "seed.jsonl"] {
        let o =
            profile_paths(&[corpus().join(name)], &opts, None).unwrap_or_else(|e| panic!("{e}"));
        assert!(o.profile.errors.is_empty() && o.profile.rows > 0, "{name}");
    }
    let e = datassay::embed::read_embeddings(
        &[corpus().join("seed.npy")],
        None,
        &ReadOptions::default(),
    );
    assert!(e.unwrap().dim > 0);
    let iopts = datassay::images::ImageOptions {
        device: Device::Cpu,
        ..Default::default()
    };
    for name in ["seed.png", "seed.jpg", "seed.tar"] {
        let sources = datassay::images::sources(&[corpus().join(name)], None);
        let (r, _) = datassay::images::analyze_sources(&sources, &iopts, &|_| {}).unwrap();
        assert!(r.readable >= 1 && r.unreadable == 0, "{name}");
    }
    Profile::read(&corpus().join("seed-profile.json")).unwrap();
}

#[test]
fn table_readers_survive_mutations() {
    for (i, name) in ["seed.parquet", "seed.arrow", "seed.csv", "seed.jsonl"]
        .iter()
        .enumerate()
    {
        fuzz(name, 100 + i as u64, check);
    }
}

#[test]
fn npy_and_image_readers_survive_mutations() {
    fuzz("seed.npy", 7, check);
    for (i, name) in ["seed.png", "seed.jpg", "seed.tar"].iter().enumerate() {
        fuzz(name, 200 + i as u64, check);
    }
}

#[test]
fn profiles_survive_mutations_when_read_and_merged() {
    let original = Profile::read(&corpus().join("seed-profile.json")).unwrap();
    let check = |p: &Path| -> Result<(), String> {
        check(p)?;
        // The seed must load; a mutation that loads must also merge with the intact seed.
        let loaded = Profile::read(p).map_err(|e| e.to_string())?;
        let mut other = original.clone();
        other.parts = vec!["00000000000000ff".into()];
        match loaded.merge(&other) {
            Ok(m) => {
                let _ = m.to_json();
            }
            Err(e @ Error::Internal { .. }) => return Err(format!("internal error: {e}")),
            Err(_) => {}
        }
        let _ = loaded.to_bytes();
        Ok(())
    };
    fuzz("seed-profile.json", 300, check);
    // The binary form too.
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("seed-profile.bin");
    std::fs::write(&bin, original.to_bytes()).unwrap();
    let seed = std::fs::read(&bin).unwrap();
    let mut r = Rng::new(301);
    for i in 0..iters() {
        let b = mutate(&seed, &mut r);
        std::fs::write(&bin, &b).unwrap();
        if let Err(p) = std::panic::catch_unwind(|| check(&bin)) {
            failed(
                "seed-profile.bin",
                i,
                &b,
                format!("panicked: {:?}", p.downcast_ref::<String>()),
            );
        }
    }
}

/// Inputs the fuzzers found, kept in `tests/data/fuzz/found/`: each is refused with an error
/// naming the file, as cheaply as the file is small.
#[test]
fn inputs_the_fuzzers_found_are_refused_cheaply() {
    let found = corpus().join("found");
    let mut n = 0;
    for e in std::fs::read_dir(&found).unwrap() {
        let p = e.unwrap().path();
        assert_eq!(check(&p), Ok(()), "{}", p.display());
        n += 1;
    }
    assert!(n >= 1);
    // An Arrow IPC file of 2 KB whose footer lists a 3 GB record batch: the reader allocated
    // the 3 GB (zeroed, so resident) before failing as a short read. The footer is now checked
    // against the file's length first.
    let p = found.join("ipc-block-past-end.arrow");
    let opts = datassay::ProfileOptions {
        device: datassay::Device::Cpu,
        ..Default::default()
    };
    let Err(e) = datassay::profile_paths(std::slice::from_ref(&p), &opts, None) else {
        panic!("a block past the end of the file must be refused");
    };
    assert!(matches!(e, Error::Format { .. }), "{e:?}");
    assert!(
        e.to_string().contains(
            "record batch block 0 claims 3019900400 bytes at offset 272, past the end of the file (2042 bytes)"
        ),
        "{e}"
    );
}
