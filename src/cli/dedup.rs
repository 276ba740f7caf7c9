//! `datassay dedup`: exact and near-duplicate documents of a text column, and contamination.

use super::{check_outputs, emit, write_table, Bar, DeviceArg, Failure, EXIT_INPUT};
use clap::{Args, ValueEnum};
use datassay::ReadOptions;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Clone, Copy, ValueEnum, Debug)]
pub enum VerifyArg {
    /// Estimated Jaccard from the signatures (no extra memory)
    Signature,
    /// Exact Jaccard of the shingle sets
    Exact,
}

#[derive(Args)]
pub struct DedupArgs {
    /// Parquet, CSV, Arrow IPC or JSON lines files, or directories of them (one corpus).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The text column (string or binary).
    #[arg(long)]
    pub column: String,
    /// Jaccard similarity at or above which two documents are near-duplicates.
    #[arg(long, default_value_t = 0.8)]
    pub threshold: f64,
    /// MinHash permutations (signature length).
    #[arg(long, default_value_t = 128)]
    pub perms: usize,
    /// Shingles: `words:N` (N consecutive words) or `chars:N` (N consecutive characters).
    #[arg(long, default_value = "words:5")]
    pub shingle: String,
    /// Keep letter case (default: lowercase everything).
    #[arg(long)]
    pub keep_case: bool,
    /// Drop punctuation before comparing.
    #[arg(long)]
    pub strip_punctuation: bool,
    /// Keep whitespace as it is (default: any run of whitespace is one space).
    #[arg(long)]
    pub keep_whitespace: bool,
    /// How candidate pairs are confirmed.
    #[arg(long, value_enum, default_value_t = VerifyArg::Signature)]
    pub verify: VerifyArg,
    /// Write the summary as JSON (`-`: stdout, and no summary table).
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Write every confirmed pair (file, row of both; kind; Jaccard) to .parquet, .csv or .jsonl.
    #[arg(long, value_name = "PATH")]
    pub pairs: Option<PathBuf>,
    /// Write every clustered document (cluster, file, row, size, kept) to .parquet, .csv or .jsonl.
    #[arg(long, value_name = "PATH")]
    pub clusters: Option<PathBuf>,
    /// Write the deduplicated dataset (every column; one document per cluster) to this .parquet file.
    #[arg(long, value_name = "PATH")]
    pub keep: Option<PathBuf>,
    /// Where the MinHash signatures are computed.
    #[arg(long, value_enum, default_value_t = DeviceArg::Auto)]
    pub device: DeviceArg,
    /// Contamination check: report the documents of these files (e.g. a test set) that have an
    /// exact or near duplicate in PATHS (e.g. the training set). --pairs then lists those pairs,
    /// and --keep writes these files without their contaminated documents.
    #[arg(long, num_args = 1.., value_name = "PATH")]
    pub against: Vec<PathBuf>,
    /// Stay within about this much memory (e.g. 4G, 512M): 40% holds MinHash signatures and
    /// 20% LSH keys, and what exceeds those shares is spilled to temporary files; the rest is
    /// left to per-document ids and clusters (~80 bytes a document, never spilled) and read
    /// buffers. Default: no limit (~0.7 KB a document with 128 permutations).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub memory_limit: Option<u64>,
    /// Directory for spilled data (default: the system's temporary directory, $TMPDIR).
    #[arg(long, value_name = "DIR", requires = "memory_limit")]
    pub spill_dir: Option<PathBuf>,
    /// Write outputs even over one of the inputs (each output replaces its file at the end).
    #[arg(long)]
    pub force: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// A byte size: a number with an optional K, M, G or T suffix (powers of 1024; `B`, `iB` and
/// lowercase accepted).
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let t = t
        .strip_suffix("iB")
        .or_else(|| t.strip_suffix("ib"))
        .or_else(|| t.strip_suffix(['B', 'b']))
        .unwrap_or(t);
    let (num, mult) = match t.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (&t[..t.len() - 1], 1u64 << 10),
        Some('M') => (&t[..t.len() - 1], 1 << 20),
        Some('G') => (&t[..t.len() - 1], 1 << 30),
        Some('T') => (&t[..t.len() - 1], 1 << 40),
        _ => (t, 1),
    };
    let v: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a size (e.g. 4G, 512M, 1048576)"))?;
    if !(v.is_finite() && v >= 1.0) {
        return Err(format!("{s:?}: a size must be at least 1 byte"));
    }
    Ok((v * mult as f64) as u64)
}

fn parse_shingle(s: &str) -> Result<datassay::metrics::minhash::Shingle, Failure> {
    s.parse()
        .map_err(|e| Failure(EXIT_INPUT, format!("invalid option: --{e}")))
}

/// Long because it is the subcommand's steps in order (check outputs, options, read, dedup or
/// contamination, write, print), each a few lines.
pub fn run(a: DedupArgs) -> Result<i32, Failure> {
    use datassay::dedup::{self, DedupOptions, Verify};
    let opts = DedupOptions {
        column: a.column.clone(),
        normalize: datassay::metrics::minhash::Normalize {
            lowercase: !a.keep_case,
            strip_punctuation: a.strip_punctuation,
            collapse_whitespace: !a.keep_whitespace,
        },
        shingle: parse_shingle(&a.shingle)?,
        perms: a.perms,
        threshold: a.threshold,
        verify: match a.verify {
            VerifyArg::Signature => Verify::Signature,
            VerifyArg::Exact => Verify::Exact,
        },
        read: ReadOptions::default(),
        device: a.device.into(),
        memory_limit: a.memory_limit,
        spill_dir: a.spill_dir.clone(),
    };
    if let Some(dir) = &a.spill_dir {
        if !dir.is_dir() {
            return Err(Failure(
                EXIT_INPUT,
                format!("{}: --spill-dir is not a directory", dir.display()),
            ));
        }
    }
    if let Some(k) = &a.keep {
        if super::extension(k) != "parquet" {
            return Err(Failure(
                EXIT_INPUT,
                format!(
                    "{}: the deduplicated dataset is written as .parquet",
                    k.display()
                ),
            ));
        }
    }
    if !a.against.is_empty() && a.clusters.is_some() {
        return Err(Failure(
            EXIT_INPUT,
            "invalid option: --clusters does not apply with --against (use --pairs)".into(),
        ));
    }
    // Every output is checked before the documents are read: folders, formats, and that none
    // is an input (`dedup big.parquet --keep big.parquet` would destroy the corpus).
    let (mut inputs, _) = datassay::source::expand(&a.paths);
    inputs.extend(datassay::source::expand(&a.against).0);
    check_outputs(
        &[a.json.as_ref()],
        &[a.pairs.as_ref(), a.clusters.as_ref(), a.keep.as_ref()],
        &inputs,
        a.force,
    )?;
    if a.keep.is_some() {
        // The kept rows are written as one table: the files must share a schema.
        let kept_from = if a.against.is_empty() {
            &a.paths
        } else {
            &a.against
        };
        dedup::check_one_schema(kept_from, &opts.read)?;
    }
    let t = Instant::now();
    let bar = Bar::documents(!a.quiet);
    let read = |paths: &[PathBuf], what: &'static str| {
        let r = dedup::read_corpus_progress(paths, &opts, &|docs, bytes| {
            bar.show(docs, 0, || {
                format!("{what}: {} of text", indicatif::HumanBytes(bytes))
            })
        });
        bar.finish();
        r
    };
    let corpus = read(&a.paths, "signing")?;
    if !a.against.is_empty() {
        let test = read(&a.against, "signing --against")?;
        let (r, pairs, keep) =
            dedup::contamination(&corpus, &test, &opts, t.elapsed().as_secs_f64())?;
        for n in &r.notices {
            super::note(n);
        }
        if let Some(p) = &a.pairs {
            write_table(p, &dedup::cross_pair_batch(&corpus, &test, &pairs))?;
        }
        if let Some(k) = &a.keep {
            let n = dedup::write_kept(&a.against, &keep, &opts.read, k)?;
            eprintln!("wrote {n} rows to {}", k.display());
        }
        emit(a.json.as_ref(), &r, || datassay::report::contamination(&r))?;
        return Ok(0);
    }
    let d = dedup::dedup(&corpus, &opts, t.elapsed().as_secs_f64())?;
    for n in &d.report.notices {
        super::note(n);
    }
    if let Some(p) = &a.pairs {
        write_table(p, &dedup::pair_batch(&corpus, &d.pairs))?;
    }
    if let Some(p) = &a.clusters {
        write_table(p, &dedup::cluster_batch(&corpus, &d))?;
    }
    if let Some(k) = &a.keep {
        let n = dedup::write_kept(&a.paths, &d.keep, &opts.read, k)?;
        eprintln!("wrote {n} rows to {}", k.display());
    }
    emit(a.json.as_ref(), &d.report, || {
        datassay::report::dedup(&d.report)
    })?;
    Ok(0)
}
