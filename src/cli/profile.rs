//! `datassay profile`: files or folders as one dataset, every column's figures.

use super::images::ImagesArgs;
use super::{check_outputs, emit, Bar, DeviceArg, Failure, EXIT_INPUT};
use clap::Args;
use datassay::{profile_paths, CsvOptions, Format, ProfileOptions, ReadOptions};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args)]
pub struct ProfileArgs {
    /// Files or directories (directories: every .parquet/.csv/.tsv/.arrow/.jsonl file below),
    /// or `-` for a stream on standard input (Arrow IPC stream, CSV or JSON lines, optionally
    /// gzip or zstd; the format is recognised from the first bytes, or set with --format),
    /// profiled in one pass.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Write the profile as JSON to this path (`-`: stdout, and no table).
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Histogram bins per numeric column (equal width over [min, max] of the finite values).
    /// Counts are exact where Parquet footers give the range before the data, else rendered
    /// from a grid of at least 64 cells a bin (see --exact-histograms).
    #[arg(long, default_value_t = datassay::schedule::DEFAULT_BINS, value_parser = clap::value_parser!(u32).range(1..=datassay::MAX_BINS as i64))]
    pub bins: u32,
    /// Where numeric kernels run.
    #[arg(long, value_enum, default_value_t = DeviceArg::Auto)]
    pub device: DeviceArg,
    /// Force the input format instead of going by extension: parquet, csv, ipc, jsonl.
    #[arg(long)]
    pub format: Option<String>,
    /// CSV field delimiter (one character; default `,`, tab for .tsv).
    #[arg(long)]
    pub delimiter: Option<char>,
    /// CSV files have no header line (columns are named column_1, column_2, ...).
    #[arg(long)]
    pub no_header: bool,
    /// CSV fields read as null, comma-separated (empty fields always are). A column whose other
    /// values are numbers stays numeric. `--null-values ''` keeps only empty fields.
    #[arg(long, value_delimiter = ',', default_value = datassay::source::DEFAULT_NULL_VALUES, value_name = "LIST")]
    pub null_values: Vec<String>,
    /// Rows read to infer column types of CSV and JSON lines files (0: the whole file). A value
    /// that does not fit the inferred type later in a file (a float after integers, a new JSON
    /// key) makes datassay infer again from the whole file and read it again, with a notice.
    #[arg(long, default_value_t = 10_000)]
    pub infer_rows: usize,
    /// Rows per record batch, 1 to 16,777,216. Memory grows with it; it is lowered for files
    /// with fewer rows and for wide tables (at most 16M values a batch); the GPU path reads at
    /// least 1,048,576 where that bound allows.
    #[arg(long, default_value_t = 65_536, value_parser = clap::value_parser!(u64).range(1..=datassay::source::MAX_BATCH_ROWS as u64))]
    pub batch_rows: u64,
    /// Use the f32 GPU kernels even where the adapter has f64 (the path of adapters without it).
    #[arg(long)]
    pub gpu_f32: bool,
    /// Quantiles of numeric columns, comma-separated, each in [0, 1] (numpy's inverted_cdf
    /// definition over the finite values).
    #[arg(long, value_delimiter = ',', default_value = "0.01,0.05,0.25,0.5,0.75,0.95,0.99", value_parser = parse_quantile)]
    pub quantiles: Vec<f64>,
    /// Guaranteed relative error of the quantile sketch (DDSketch), in [0.0002, 0.5].
    #[arg(long, default_value_t = datassay::metrics::sketch::DEFAULT_QUANTILE_ACCURACY, value_parser = parse_accuracy)]
    pub quantile_accuracy: f64,
    /// Exact quantiles instead of sketch estimates: one more pass over the numeric columns,
    /// keeping only the values of the buckets that hold a quantile (files only, not stdin).
    #[arg(long)]
    pub exact_quantiles: bool,
    /// Exact equal-width histogram counts for every numeric column: a range pass over the
    /// files before the profile (files only). Without it, counts are exact where Parquet
    /// footers give the range, and rendered from the one-pass grid elsewhere (each value moves
    /// at most half a grid cell; the JSON states the cell width).
    #[arg(long)]
    pub exact_histograms: bool,
    /// Pairwise Pearson correlations of the numeric columns for any number of them (on by
    /// default up to 64 numeric columns; the state grows with the square of the columns).
    #[arg(long, conflicts_with = "no_correlations")]
    pub correlations: bool,
    /// No correlations.
    #[arg(long)]
    pub no_correlations: bool,
    /// HyperLogLog precision of distinct counts (2^p one-byte registers; standard error
    /// 1.04/sqrt(2^p): 0.81% at 14).
    #[arg(long, default_value_t = datassay::metrics::sketch::hll::DEFAULT_PRECISION, value_parser = clap::value_parser!(u8).range(4..=18))]
    pub hll_precision: u8,
    /// Distinct values counted exactly (with exact top values) before the sketches take over.
    #[arg(long, default_value_t = datassay::metrics::sketch::DEFAULT_EXACT_LIMIT)]
    pub exact_distinct: usize,
    /// Top values listed per column (0: none).
    #[arg(long, default_value_t = datassay::metrics::sketch::DEFAULT_TOP)]
    pub top: usize,
    /// No quantiles, distinct counts, top values or duplicate rows (moments, histograms and
    /// lengths only).
    #[arg(long)]
    pub no_sketches: bool,
    /// No duplicate-row count (saves 16 bytes of memory per row).
    #[arg(long)]
    pub no_duplicate_rows: bool,
    /// Scan string columns for PII and secrets: e-mail addresses, phone numbers, payment card
    /// numbers (Luhn-checked), IBANs (checksum-verified), IP addresses, cloud and API keys,
    /// private key headers and high-entropy tokens. Per column: counts per kind, the share of
    /// values, a few masked examples (never a value itself).
    #[arg(long)]
    pub pii: bool,
    /// Also analyse this vector column (fixed_size_list or list of floats): dimension, norms,
    /// NaN/inf rows, kNN outlier scores and near-duplicates (as `datassay outliers` does, cosine, k = 10).
    #[arg(long, value_name = "COLUMN")]
    pub embedding: Option<String>,
    /// Also find exact and near-duplicate documents of this text column (as `datassay dedup`
    /// does with its defaults: Jaccard ≥ 0.8 of 5-word shingles, 128 permutations).
    #[arg(long, value_name = "COLUMN")]
    pub near_dups: Option<String>,
    /// A folder of images: also write one row per image (metrics, flags, cluster) to this
    /// .parquet, .csv or .jsonl file (see `datassay images`).
    #[arg(long, value_name = "PATH")]
    pub findings: Option<PathBuf>,
    /// Write the JSON (or findings) even over one of the inputs (it replaces that file at the
    /// end of the run).
    #[arg(long)]
    pub force: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

fn parse_quantile(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(q) if (0.0..=1.0).contains(&q) => Ok(q),
        _ => Err(format!(
            "{s:?} is not a quantile in [0, 1] (e.g. 0.5, 0.99)"
        )),
    }
}

pub(super) fn parse_accuracy(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(a) if (0.0002..=0.5).contains(&a) => Ok(a),
        _ => Err(format!(
            "{s:?}: the relative accuracy must be in [0.0002, 0.5] (e.g. 0.01)"
        )),
    }
}

/// Long because it is the subcommand's steps in order (check outputs, options, profile, the
/// optional sections, write, print), each a few lines.
pub fn run(a: ProfileArgs) -> Result<i32, Failure> {
    if datassay::images::is_image_set(&a.paths) {
        image_mode_tables(&a.paths)?;
        return super::images::run(ImagesArgs {
            paths: a.paths,
            column: None,
            against: Vec::new(),
            json: a.json,
            findings: a.findings,
            radius: 8,
            max_dimension: 20_000,
            device: a.device,
            force: a.force,
            quiet: a.quiet,
        });
    }
    if a.findings.is_some() {
        return Err(Failure(
            EXIT_INPUT,
            "invalid option: --findings applies to a folder of images; these inputs are tables"
                .into(),
        ));
    }
    let stdin = a.paths.iter().any(|p| p.as_os_str() == "-");
    if stdin {
        if a.paths.len() > 1 {
            return Err(Failure(
                EXIT_INPUT,
                "invalid option: `-` (standard input) must be the only input".into(),
            ));
        }
        for (flag, set) in [
            ("--exact-quantiles", a.exact_quantiles),
            ("--exact-histograms", a.exact_histograms),
            ("--embedding", a.embedding.is_some()),
            ("--near-dups", a.near_dups.is_some()),
        ] {
            if set {
                return Err(Failure(
                    EXIT_INPUT,
                    format!("invalid option: {flag} needs files (it reads them more than once); standard input is read once"),
                ));
            }
        }
    } else {
        let (inputs, _) = datassay::source::expand(&a.paths);
        check_outputs(&[a.json.as_ref()], &[], &inputs, a.force)?;
    }
    let format = a.format.as_deref().map(Format::parse).transpose()?;
    let delimiter = super::delimiter(a.delimiter)?;
    let opts = ProfileOptions {
        bins: a.bins,
        device: a.device.into(),
        read: ReadOptions {
            batch_rows: a.batch_rows as usize,
            csv: CsvOptions {
                delimiter,
                has_header: !a.no_header,
                infer_rows: (a.infer_rows > 0).then_some(a.infer_rows),
                null_values: a.null_values.clone(),
                ..Default::default()
            },
            format,
        },
        gpu_force_f32: a.gpu_f32,
        sketch: (!a.no_sketches).then(|| datassay::metrics::sketch::SketchOptions {
            slices: datassay::metrics::sketch::ddsketch::slices_for(a.quantile_accuracy),
            precision: a.hll_precision,
            counters: datassay::metrics::sketch::SketchOptions::counters_for(a.top),
            exact_limit: a.exact_distinct,
        }),
        quantiles: a.quantiles.clone(),
        top: a.top,
        exact_quantiles: a.exact_quantiles,
        exact_histograms: a.exact_histograms,
        duplicate_rows: !a.no_duplicate_rows,
        pii: a.pii,
        correlations: if a.no_correlations {
            datassay::Correlate::Off
        } else if a.correlations {
            datassay::Correlate::On
        } else {
            datassay::Correlate::Auto
        },
    };
    if stdin {
        return profile_stdin(&a, &opts);
    }
    let bar = Bar::new(!a.quiet);
    let cb = |p: &datassay::Progress| bar.update(p);
    let outcome = profile_paths(&a.paths, &opts, Some(&cb));
    bar.finish();
    let outcome = outcome?;
    for n in &outcome.notices {
        super::note(n);
    }
    let mut outcome = outcome;
    if let Some(col) = &a.embedding {
        let eopts = super::outliers::analyze_options(
            10,
            super::outliers::MetricArg::Cosine,
            a.device,
            20,
            datassay::embed::DEFAULT_DUP_THRESHOLD,
        )?;
        let (_, report, _) =
            super::outliers::analyze_embeddings(&a.paths, Some(col), &opts.read, &eopts, a.quiet)?;
        outcome.profile.embedding = Some(Box::new(report));
    }
    if let Some(col) = &a.near_dups {
        let dopts = datassay::dedup::DedupOptions {
            column: col.clone(),
            read: opts.read.clone(),
            device: a.device.into(),
            ..Default::default()
        };
        let t = Instant::now();
        let corpus = datassay::dedup::read_corpus(&a.paths, &dopts)?;
        let d = datassay::dedup::dedup(&corpus, &dopts, t.elapsed().as_secs_f64())?;
        for n in &d.report.notices {
            super::note(n);
        }
        outcome.profile.near_duplicates = Some(Box::new(d.report));
    }
    let p = &outcome.profile;
    emit(a.json.as_ref(), p, || datassay::report::table(p))?;
    for e in &p.errors {
        super::note(&format!("error: {}", e.error));
    }
    Ok(if p.errors.is_empty() { 0 } else { EXIT_INPUT })
}

/// Profile standard input in one pass.
fn profile_stdin(a: &ProfileArgs, opts: &ProfileOptions) -> Result<i32, Failure> {
    let name = std::path::Path::new("-");
    let input: Box<dyn std::io::Read + Send> = Box::new(std::io::stdin());
    let (schema, format, batches) = datassay::source::stream::open_stream(input, name, &opts.read)?;
    let mut profiler = datassay::Profiler::new(schema, opts)?;
    let bar = Bar::new(!a.quiet);
    let mut rows = 0u64;
    let mut failed = None;
    for b in batches {
        match b.and_then(|b| {
            rows += b.num_rows() as u64;
            profiler.update(&b)
        }) {
            Ok(()) => bar.update(&datassay::Progress {
                phase: "profile",
                rows,
                bytes: 0,
                total_bytes: 0,
            }),
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
    }
    bar.finish();
    if let Some(e) = failed {
        return Err(e.into());
    }
    let outcome = profiler.finish()?;
    for n in &outcome.notices {
        super::note(n);
    }
    let mut p = outcome.profile;
    p.sources = vec![datassay::profile::SourceInfo {
        path: "-".into(),
        format: format.name().into(),
        rows: p.rows,
    }];
    p.parts.clear();
    p.seal();
    emit(a.json.as_ref(), &p, || datassay::report::table(&p))?;
    Ok(0)
}

/// Before a folder of images is profiled as images: a table file named with it is an error (it
/// would be left out), and tables found inside it (a CSV of labels) are named in a notice.
pub(super) fn image_mode_tables(paths: &[PathBuf]) -> Result<(), Failure> {
    let named: Vec<&PathBuf> = paths
        .iter()
        .filter(|p| p.is_file() && Format::from_path(p).is_some())
        .collect();
    if let Some(t) = named.first() {
        return Err(Failure(
            EXIT_INPUT,
            format!(
                "{}: a table named beside a folder of images; profile tables and images in separate runs (`datassay profile TABLES`, `datassay images FOLDER`)",
                t.display()
            ),
        ));
    }
    let (tables, _) = datassay::source::expand(paths);
    if !tables.is_empty() {
        let list: Vec<String> = tables
            .iter()
            .take(3)
            .map(|t| t.display().to_string())
            .collect();
        eprintln!(
            "datassay: profiling the images; {} table file{} among them ({}{}) {} not profiled: name {} to profile {}",
            tables.len(),
            if tables.len() == 1 { "" } else { "s" },
            list.join(", "),
            if tables.len() > 3 { ", …" } else { "" },
            if tables.len() == 1 { "is" } else { "are" },
            if tables.len() == 1 { "it" } else { "them" },
            if tables.len() == 1 { "it" } else { "them" },
        );
    }
    Ok(())
}
