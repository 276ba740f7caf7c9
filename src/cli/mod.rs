//! The command line: argument parsing, one file per subcommand, and what they share (exit
//! codes, outputs, progress bars). The library does the work.

mod bench;
mod card;
mod check;
mod dedup;
mod devices;
mod drift;
mod generate;
mod images;
mod merge;
mod outliers;
mod profile;
mod report;
mod suggest;

use bench::BenchArgs;
use card::CardArgs;
use check::CheckArgs;
use clap::{Parser, Subcommand, ValueEnum};
use datassay::{Device, Error};
use dedup::DedupArgs;
use drift::DriftArgs;
use generate::GenerateArgs;
use images::ImagesArgs;
use merge::MergeArgs;
use outliers::OutliersArgs;
use profile::ProfileArgs;
use report::ReportArgs;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use suggest::SuggestArgs;

/// Exit codes (also in `--help`).
pub const EXIT_INPUT: i32 = 2;
pub const EXIT_OTHER: i32 = 1;
/// A check failed, or drift was found under `drift --fail-on-drift`.
pub const EXIT_CHECK: i32 = 3;

#[derive(Parser)]
#[command(
    name = "datassay",
    version,
    about = "Profile training data fast: one pass of GPU kernels (or their CPU twins) over Parquet, CSV, Arrow IPC and JSON lines",
    after_help = "Exit codes: 0 success; 2 bad input (a file missing, unreadable or corrupt: the other files are still profiled and the bad ones listed); 3 a check failed (`check`, `drift --fail-on-drift`); 1 any other failure.\n\nRun `datassay <command> --help` for examples."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Profile files or directories as one dataset: per column counts, nulls, NaN/inf, min, max,
    /// sum, mean, variance, std, skewness, kurtosis and a histogram (numbers), lengths (strings);
    /// quantiles with guaranteed bounds, distinct counts, top values (every column); duplicate rows.
    #[command(
        after_help = "Examples:\n  datassay profile examples/data/rides.parquet\n  datassay profile shards/ --json profile.json     # a folder of Parquet shards as one dataset\n  datassay profile data.csv --delimiter ';' --bins 64 --device cpu\n  datassay profile logs.jsonl --json - | jq '.columns[0]'\n  datassay profile big.parquet --exact-quantiles --quantiles 0.5,0.9,0.999   # exact, one more pass\n  datassay profile big.parquet --no-sketches       # moments, histograms and lengths only (fastest)\n  datassay profile items.parquet --embedding clip_vector   # plus embedding health and outliers\n  datassay profile corpus.parquet --near-dups text         # plus exact and near-duplicate documents"
    )]
    Profile(ProfileArgs),
    /// Merge profiles of disjoint parts of a dataset into the profile of the whole.
    #[command(
        after_help = "Histograms of equal ranges add exactly; different ranges are re-binned over their union (each value moves by at most half a source bin; see docs/profile-format.md).\n\nExample:\n  datassay profile part1/ --json a.json && datassay profile part2/ --json b.json\n  datassay merge a.json b.json -o whole.json"
    )]
    Merge(MergeArgs),
    /// Drift between a reference and a current dataset, per column, from profiles (or data,
    /// profiled now): distances with bounds, a status per column and the dataset's verdict.
    #[command(
        after_help = "Numbers: Kolmogorov–Smirnov (the verdict, default threshold 0.05), Wasserstein-1 (raw and over the reference's IQR), PSI, Jensen–Shannon and Hellinger over the reference's deciles, mean, std and p5/p50/p95 shifts. Strings: Jensen–Shannon over value shares (the verdict, 0.1), PSI, Hellinger. Every column: null share (drift beyond ±0.02), new and vanished values. Each statistic comes with an interval that holds its exact value; a column whose interval straddles its threshold, or whose sample is too small to tell (a p-value, reported below 10,000 rows), is `inconclusive`. See docs/drift.md.\n\nExamples:\n  datassay drift train.parquet serving.parquet\n  datassay profile train/ --json train.json   # once; reuse it\n  datassay drift train.json today.parquet --markdown drift.md\n  datassay drift last_week.json today.json --json - | jq '.columns[] | select(.status == \"drift\") | .name'\n  datassay drift ref.json cur.json --fail-on-drift   # exit 3 when the dataset drifts"
    )]
    Drift(DriftArgs),
    /// Hold a profile to a checks file (YAML): dataset and column bounds, allowed values,
    /// uniqueness, and drift against a baseline. Exit 3 when a check fails.
    #[command(
        after_help = "A figure the profile knows exactly passes or fails; one known within bounds (sketch quantiles, distinct counts) fails only when its whole interval is outside, and warns when the interval straddles the limit. Warnings pass unless --strict. See docs/checks.md.\n\nExamples:\n  datassay suggest train.json > checks.yaml   # a starter, then edit it\n  datassay check today.json --checks checks.yaml\n  datassay check today.parquet --checks checks.yaml --baseline train.json --junit checks.xml\n  datassay check today.json -c checks.yaml --github --markdown \"$GITHUB_STEP_SUMMARY\""
    )]
    Check(CheckArgs),
    /// Write a starter checks file from a profile: types, null shares within sampling error,
    /// non-negative ranges, categorical domains, uniqueness.
    #[command(
        after_help = "Examples:\n  datassay suggest train.json > checks.yaml\n  datassay suggest data.parquet -o checks.yaml"
    )]
    Suggest(SuggestArgs),
    /// A self-contained HTML report (or Markdown) of a profile, an image folder, an embedding
    /// report or data: overview, alerts, one card per column with its charts, correlations,
    /// duplicates, near-duplicates, images, embeddings, and drift against a baseline.
    #[command(
        after_help = "One offline file: inline SVG charts drawn from the profile's own bins, no CDN, readable without script, light and dark, printable. Every figure equals the profile's (its exact value is in a data-f attribute). See docs/report.md.\n\nExamples:\n  datassay profile data.parquet --json profile.json --pii && datassay report profile.json -o report.html\n  datassay report data.parquet -o report.html --pii   # profiles the data now\n  datassay report today.json --baseline train.json -o report.html   # with drift\n  datassay report photos/ -o images.html          # an image folder: flags, duplicates, thumbnails\n  datassay report profile.json -o - --format markdown >> \"$GITHUB_STEP_SUMMARY\""
    )]
    Report(ReportArgs),
    /// A Hugging Face dataset card (README.md): YAML metadata and the Structure and Composition
    /// sections filled from profiles or data (one input per split), with a PII scan.
    #[command(
        after_help = "The parts only a person can write are marked [More Information Needed], as Hugging Face's template marks them. See docs/report.md.\n\nExamples:\n  datassay card data.parquet -o README.md\n  datassay card train=train.parquet test=test.parquet validation=val.json -o README.md --name my-dataset"
    )]
    Card(CardArgs),
    /// List GPU adapters (backend, type, driver, features and limits datassay uses), or say why none is usable; show the break-even input size `--device auto` uses and the cache folder.
    #[command(
        after_help = "The cache folder keeps the driver's compiled pipelines and the break-even size `datassay bench` measured; it is $DATASSAY_CACHE_DIR when set (empty: no cache), else $XDG_CACHE_HOME/datassay or ~/.cache/datassay. Deleting it is always safe.\n\nExamples:\n  datassay devices\n  datassay devices --json\n  datassay devices --clear-cache"
    )]
    Devices {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Delete what datassay keeps in the cache folder (compiled pipelines, the measured break-even; other files are left) and exit.
        #[arg(long)]
        clear_cache: bool,
    },
    /// Exact k nearest neighbours of every vector of an embedding matrix, and what they reveal:
    /// outliers (mean kNN distance, local outlier factor), near-duplicate clusters, vector health.
    #[command(
        after_help = "Inputs: a float32/float16/float64 .npy matrix (rows = vectors), or a vector column (fixed_size_list or list of floats) of Parquet, Arrow IPC or JSON lines files; several files are one set.\n\nThe search is exact (every pair: 2·N²·d flops) on the GPU, or on all CPU cores with AVX-512/AVX2 kernels. Distances: l2 is Euclidean; cosine is 1 − cosine similarity (a zero vector is at distance 1 from everything). Rows with NaN/inf or null vectors are left out and counted.\n\nExamples:\n  datassay outliers emb.npy --top 20\n  datassay outliers shards/ --column embedding -k 20 --metric l2 --scores scores.parquet\n  datassay generate /tmp/emb.npy --dim 384 --rows 100000 && datassay outliers /tmp/emb.npy"
    )]
    Outliers(OutliersArgs),
    /// Exact and near-duplicate documents of a text column (MinHash + LSH), clustered.
    #[command(
        after_help = "Documents are normalised (lowercase, whitespace collapsed; see the flags), exact copies found by hash, the rest compared by MinHash signatures over shingles (5-word by default) with LSH bands derived from --threshold as datasketch derives them. See docs/dedup.md.\n\nExamples:\n  datassay dedup corpus.parquet --column text\n  datassay dedup shards/ --column text --threshold 0.9 --pairs pairs.parquet --keep dedup.parquet\n  datassay dedup data.jsonl --column body --shingle chars:5 --verify exact --json -\n  datassay dedup train/ --column text --against test.parquet --pairs leaks.csv   # contamination"
    )]
    Dedup(DedupArgs),
    /// Image folders: decode every image, measure it, flag defects (unreadable, blurry, dark,
    /// bright, low-information, odd aspect or size) and find exact and near-duplicate images.
    #[command(
        after_help = "Per image: format, size, channels, aspect, file size, brightness, contrast, sharpness (variance of the Laplacian), entropy, near-black and near-white shares; exact duplicates by a hash of the decoded pixels, near duplicates by pHash within --radius bits (multi-index hashing, no all-pairs loop). `datassay profile DIR` does the same for a folder of images. See docs/images.md.\n\nExamples:\n  datassay generate /tmp/imgs --images 500 && datassay images /tmp/imgs\n  datassay images photos/ --findings findings.parquet --json summary.json\n  datassay images photos/ --radius 4 --findings flagged.csv\n  datassay images photos/ --device gpu             # pHash and dHash on the GPU (same bits)"
    )]
    Images(ImagesArgs),
    /// Write synthetic data to try datassay on: a table (f64 N(0,1) with nulls and NaN, an int and a
    /// string column), or with --dim an embedding matrix with planted outliers and near-duplicates.
    #[command(
        after_help = "Examples:\n  datassay generate /tmp/big.parquet --rows 50000000 && datassay profile /tmp/big.parquet\n  datassay generate /tmp/emb.npy --dim 384 --rows 200000 --outliers 200 --duplicates 500\n  datassay generate /tmp/emb.parquet --dim 64 --rows 10000   # columns id, embedding, planted, duplicate_of"
    )]
    Generate(GenerateArgs),
    /// Measure throughput on this machine: CPU and GPU kernels, upload, end-to-end from memory and Parquet, MinHash, image hashing.
    #[command(
        after_help = "Examples:\n  datassay bench --rows 33554432 --json bench.json\n  datassay bench --images-only --images 5000 --device gpu   # images/s, CPU and GPU hashes"
    )]
    Bench(BenchArgs),
}

#[derive(Clone, Copy, ValueEnum, Debug)]
pub enum DeviceArg {
    /// A hardware GPU when one is usable, else the CPU (one notice line); tables take it only past the break-even size `datassay bench` measured (`datassay devices` shows it)
    Auto,
    /// The GPU, software adapters (llvmpipe) included; an error when none is usable
    Gpu,
    /// The CPU twins of the kernels, on all cores
    Cpu,
}

impl From<DeviceArg> for Device {
    fn from(d: DeviceArg) -> Device {
        match d {
            DeviceArg::Auto => Device::Auto,
            DeviceArg::Gpu => Device::Gpu,
            DeviceArg::Cpu => Device::Cpu,
        }
    }
}

/// Run one subcommand.
pub fn run(command: Command) -> Result<i32, Failure> {
    match command {
        Command::Profile(a) => profile::run(a),
        Command::Merge(a) => merge::run(a),
        Command::Devices { json, clear_cache } => devices::run(json, clear_cache),
        Command::Drift(a) => drift::run(a),
        Command::Check(a) => check::run(a),
        Command::Suggest(a) => suggest::run(a),
        Command::Report(a) => report::run(a),
        Command::Card(a) => card::run(a),
        Command::Bench(a) => bench::run(a),
        Command::Generate(a) => generate::run(a),
        Command::Outliers(a) => outliers::run(a),
        Command::Dedup(a) => dedup::run(a),
        Command::Images(a) => images::run(a),
    }
}

/// A failure and its exit code; an empty message is printed as nothing (a closed stdout).
pub struct Failure(pub i32, pub String);

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        let code = match &e {
            Error::Gpu(_) | Error::Write { .. } => EXIT_OTHER,
            _ => EXIT_INPUT,
        };
        let mut msg = flags(&e.to_string());
        if matches!(e, Error::OutputIsInput { .. }) {
            msg.push_str(
                "; write it elsewhere, or pass --force to replace it once the run is done",
            );
        }
        Failure(code, msg)
    }
}

/// A library message with its option names (`` `bins` ``, the library's convention) written
/// as this CLI's flags (`--bins`).
pub fn flags(message: &str) -> String {
    const OPTIONS: &[&str] = &[
        "batch_rows",
        "bins",
        "column",
        "correlations",
        "device",
        "exact_distinct",
        "format",
        "hll_precision",
        "infer_rows",
        "max_dimension",
        "perms",
        "quantile_accuracy",
        "threshold",
    ];
    datassay::error::render_options(message, |name| {
        OPTIONS
            .contains(&name)
            .then(|| format!("--{}", name.replace('_', "-")))
    })
}

/// The failure of a write to standard output: a reader that stopped reading (`| head`) ends the
/// run quietly with exit 0, as ripgrep and other line tools do; anything else is an error.
fn stdout_failure(e: std::io::Error) -> Failure {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Failure(0, String::new())
    } else {
        Failure(EXIT_OTHER, format!("stdout: cannot write: {e}"))
    }
}

/// The `--delimiter` byte: one ASCII character.
fn delimiter(c: Option<char>) -> Result<Option<u8>, Failure> {
    match c {
        Some(c) if c.is_ascii() => Ok(Some(c as u8)),
        Some(c) => Err(Failure(
            EXIT_INPUT,
            format!("invalid option: --delimiter '{c}' must be one ASCII character"),
        )),
        None => Ok(None),
    }
}

/// Let a reader that left early (a closed standard output: `| head`, `| true`) end the output
/// without ending the run: a gate's exit code (3) must survive it.
fn reader_left(r: Result<(), Failure>) -> Result<(), Failure> {
    match r {
        Err(Failure(0, m)) if m.is_empty() => Ok(()),
        r => r,
    }
}

/// Print `text` to standard output. Control characters other than newlines (which only data
/// can bring: a column named with ESC or BEL) are shown as escapes, never sent to the terminal.
pub fn say(text: &str) -> Result<(), Failure> {
    let safe: String = if text.chars().any(|c| c.is_control() && c != '\n') {
        text.split('\n')
            .map(datassay::report::printable)
            .collect::<Vec<_>>()
            .join("\n")
    } else {
        text.to_string()
    };
    let mut o = std::io::stdout().lock();
    o.write_all(safe.as_bytes())
        .and_then(|_| o.flush())
        .map_err(stdout_failure)
}

/// A notice on standard error, one line, made printable.
pub fn note(text: &str) {
    // A notice may quote a value from the data (a CSV field that did not fit its column): what
    // the PII scan would flag is masked, so logs never hold a key.
    eprintln!(
        "datassay: {}",
        datassay::report::printable(&datassay::metrics::pii::redact(&flags(text)))
    );
}

/// Write a value as pretty JSON to `path` (atomically) or standard output (`-`), streamed rather
/// than built as one string: a profile of many wide columns can be hundreds of megabytes.
fn write_json(path: &Path, value: &impl serde::Serialize) -> Result<(), Failure> {
    let werr = |e: serde_json::Error| -> Failure {
        match e.io_error_kind() {
            Some(_) => stdout_or_write(path, std::io::Error::from(e)),
            None => Failure(EXIT_OTHER, format!("{}: {e}", path.display())),
        }
    };
    // Indented while small; a large document (a wide table's profile) stays compact and is
    // written as it is serialised, never held whole.
    let pretty = {
        let mut probe = Capped(Vec::new());
        serde_json::to_writer(&mut probe, value).is_ok()
    };
    let write = |w: &mut dyn Write| -> Result<(), Failure> {
        let mut w = std::io::BufWriter::with_capacity(1 << 16, w);
        if pretty {
            serde_json::to_writer_pretty(&mut w, value).map_err(werr)?;
        } else {
            serde_json::to_writer(&mut w, value).map_err(werr)?;
        }
        w.write_all(b"\n")
            .and_then(|_| w.flush())
            .map_err(|e| stdout_or_write(path, e))
    };
    if path.as_os_str() == "-" {
        write(&mut std::io::stdout().lock())
    } else {
        let mut out = datassay::util::output::OutputFile::create(path)?;
        write(&mut out)?;
        Ok(out.commit()?)
    }
}

/// Write text to `path` (atomically) or standard output (`-`).
fn write_text(path: &Path, text: &str) -> Result<(), Failure> {
    if path.as_os_str() == "-" {
        return say(text);
    }
    let mut out = datassay::util::output::OutputFile::create(path)?;
    out.write_all(text.as_bytes())
        .map_err(|e| stdout_or_write(path, e))?;
    Ok(out.commit()?)
}

/// A buffer that refuses to grow past [`datassay::profile::PRETTY_MAX_BYTES`].
struct Capped(Vec<u8>);

impl Write for Capped {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        if self.0.len() + b.len() > datassay::profile::PRETTY_MAX_BYTES {
            return Err(std::io::Error::other("large"));
        }
        self.0.extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// An I/O failure writing `path` (`-`: standard output).
fn stdout_or_write(path: &Path, e: std::io::Error) -> Failure {
    if path.as_os_str() == "-" {
        stdout_failure(e)
    } else {
        Error::Write {
            path: path.to_path_buf(),
            source: e,
        }
        .into()
    }
}

/// Write `value` as JSON to `--json PATH` when given, and print `table()` unless that path is
/// stdout.
fn emit(
    json: Option<&PathBuf>,
    value: &impl serde::Serialize,
    table: impl FnOnce() -> String,
) -> Result<(), Failure> {
    if let Some(j) = json {
        write_json(j, value)?;
    }
    if json.is_none_or(|j| j.as_os_str() != "-") {
        say(&table())?;
    }
    Ok(())
}

/// A JSON output must not look like a data file (`merge -o m.parquet` wrote JSON there).
fn check_json_path(p: &Path) -> Result<(), Failure> {
    let data = datassay::source::Format::from_path(p).filter(|f| *f != datassay::Format::Jsonl);
    let other = [
        "npy", "jpg", "jpeg", "png", "webp", "gif", "bmp", "tif", "tiff", "tar",
    ]
    .contains(&extension(p).as_str());
    if data.is_some() || other {
        return Err(Failure(
            EXIT_INPUT,
            format!(
                "{}: JSON would be written under a data file's extension; give a .json path (or - for standard output)",
                p.display()
            ),
        ));
    }
    Ok(())
}

/// Check a run's outputs before any work: writable folders, known table extensions (`tables`),
/// no output that is also an input (unless `force`), no two outputs the same file. `outputs`
/// are JSON documents.
fn check_outputs(
    outputs: &[Option<&PathBuf>],
    tables: &[Option<&PathBuf>],
    inputs: &[PathBuf],
    force: bool,
) -> Result<(), Failure> {
    let all: Vec<&Path> = outputs
        .iter()
        .chain(tables)
        .flatten()
        .map(|p| p.as_path())
        .collect();
    datassay::util::output::check(&all, inputs, force)?;
    for t in tables.iter().flatten() {
        datassay::util::output::table_format(t)?;
    }
    for j in outputs.iter().flatten() {
        if j.as_os_str() != "-" {
            check_json_path(j)?;
        }
    }
    Ok(())
}

/// A path's extension, lowercase.
fn extension(p: &Path) -> String {
    p.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

/// Write a table as Parquet, CSV or JSON lines, by the path's extension (atomically).
fn write_table(path: &Path, batch: &arrow::array::RecordBatch) -> Result<(), Failure> {
    datassay::util::output::write_table(path, [batch.clone()])?;
    Ok(())
}

/// A progress bar that appears only on a terminal and only after a second of work.
struct Bar {
    start: Instant,
    bar: Mutex<Option<indicatif::ProgressBar>>,
    enabled: bool,
    template: &'static str,
}

impl Bar {
    /// The profiling bar: phase, rows, bytes, rate, ETA.
    fn new(enabled: bool) -> Bar {
        Bar::with_template(
            enabled,
            "{msg:>22} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
        )
    }

    /// The documents bar: documents read and signed.
    fn documents(enabled: bool) -> Bar {
        Bar::with_template(
            enabled,
            "  {spinner} {msg} {pos} documents ({per_sec}) {elapsed}",
        )
    }

    /// The neighbour-search bar: vectors done.
    fn queries(enabled: bool) -> Bar {
        Bar::with_template(
            enabled,
            "  nearest neighbours [{bar:30}] {pos}/{len} vectors ETA {eta}",
        )
    }

    fn with_template(enabled: bool, template: &'static str) -> Bar {
        Bar {
            start: Instant::now(),
            bar: Mutex::new(None),
            enabled: enabled && std::io::stderr().is_terminal(),
            template,
        }
    }

    fn show(&self, pos: u64, len: u64, msg: impl FnOnce() -> String) {
        if !self.enabled || self.start.elapsed() < Duration::from_secs(1) {
            return;
        }
        let mut g = self.bar.lock().unwrap();
        let bar = g.get_or_insert_with(|| {
            let b = indicatif::ProgressBar::with_draw_target(
                Some(len),
                indicatif::ProgressDrawTarget::stderr(),
            );
            b.set_style(
                indicatif::ProgressStyle::with_template(self.template)
                    .unwrap()
                    .progress_chars("=> "),
            );
            b
        });
        bar.set_position(pos);
        bar.set_message(msg());
    }

    fn update(&self, p: &datassay::Progress) {
        self.show(p.bytes, p.total_bytes, || {
            format!("{} {} rows", p.phase, p.rows)
        });
    }

    fn finish(&self) {
        if let Some(b) = self.bar.lock().unwrap().take() {
            b.finish_and_clear();
        }
    }
}
