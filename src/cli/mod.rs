//! The command line: argument parsing, subcommands, progress bars. The library does the work.

use clap::{Args, Parser, Subcommand, ValueEnum};
use datassay::{
    profile_paths, CsvOptions, Device, Error, Format, Profile, ProfileOptions, ReadOptions,
};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Exit codes (also in `--help`).
pub const EXIT_INPUT: i32 = 2;
pub const EXIT_OTHER: i32 = 1;

#[derive(Parser)]
#[command(
    name = "datassay",
    version,
    about = "Profile training data fast: one pass of GPU kernels (or their CPU twins) over Parquet, CSV, Arrow IPC and JSON lines",
    after_help = "Exit codes: 0 success; 2 bad input (a file missing, unreadable or corrupt: the other files are still profiled and the bad ones listed); 1 any other failure.\n\nRun `datassay <command> --help` for examples."
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
    /// List GPU adapters (backend, type, driver, features and limits datassay uses), or say why none is usable.
    Devices {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
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
    /// A hardware GPU when one is usable, else the CPU (one notice line)
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

#[derive(Args)]
pub struct ProfileArgs {
    /// Files or directories (directories: every .parquet/.csv/.tsv/.arrow/.jsonl file below).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Write the profile as JSON to this path (`-`: stdout, and no table).
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Histogram bins per numeric column (equal width over [min, max] of the finite values).
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=datassay::MAX_BINS as i64))]
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
    /// Rows read to infer column types of CSV and JSON lines files (0: the whole file).
    #[arg(long, default_value_t = 10_000)]
    pub infer_rows: usize,
    /// Rows per record batch (memory use grows with it; the GPU path reads at least 1,048,576).
    #[arg(long, default_value_t = 65_536)]
    pub batch_rows: usize,
    /// Use the f32 GPU kernels even where the adapter has f64 (the path of adapters without it).
    #[arg(long)]
    pub gpu_f32: bool,
    /// Quantiles of numeric columns, comma-separated, each in [0, 1] (numpy's inverted_cdf
    /// definition over the finite values).
    #[arg(long, value_delimiter = ',', default_value = "0.01,0.05,0.25,0.5,0.75,0.95,0.99", value_parser = parse_quantile)]
    pub quantiles: Vec<f64>,
    /// Guaranteed relative error of the quantile sketch (DDSketch), in [0.0002, 0.5].
    #[arg(long, default_value_t = 0.01, value_parser = parse_accuracy)]
    pub quantile_accuracy: f64,
    /// Exact quantiles instead of sketch estimates: one more pass over the numeric columns,
    /// keeping only the values of the buckets that hold a quantile.
    #[arg(long)]
    pub exact_quantiles: bool,
    /// HyperLogLog precision of distinct counts (2^p one-byte registers; standard error
    /// 1.04/sqrt(2^p): 0.81% at 14).
    #[arg(long, default_value_t = 14, value_parser = clap::value_parser!(u8).range(4..=18))]
    pub hll_precision: u8,
    /// Distinct values counted exactly (with exact top values) before the sketches take over.
    #[arg(long, default_value_t = 4096)]
    pub exact_distinct: usize,
    /// Top values listed per column (0: none).
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// No quantiles, distinct counts, top values or duplicate rows (moments, histograms and
    /// lengths only).
    #[arg(long)]
    pub no_sketches: bool,
    /// No duplicate-row count (saves 16 bytes of memory per row).
    #[arg(long)]
    pub no_duplicate_rows: bool,
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
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args)]
pub struct GenerateArgs {
    /// Output path: .parquet for a table; .npy or .parquet with --dim for embeddings.
    pub path: PathBuf,
    /// Rows (vectors) to write.
    #[arg(long, default_value_t = 10_000_000)]
    pub rows: usize,
    /// Write embeddings of this dimension instead of a table.
    #[arg(long)]
    pub dim: Option<usize>,
    /// Embeddings: planted outliers (far from every cluster).
    #[arg(long, default_value_t = 0)]
    pub outliers: usize,
    /// Embeddings: planted near-duplicates (noisy copies of other rows).
    #[arg(long, default_value_t = 0)]
    pub duplicates: usize,
    /// Write a text corpus with planted exact and near-duplicates instead (columns id, text,
    /// planted, source): ~4% exact copies, ~12% edited copies at edit rates 0.5% to 30%.
    #[arg(long, conflicts_with = "dim")]
    pub docs: bool,
    /// Write a folder of this many images with planted defects and duplicates instead (PNG,
    /// JPEG, BMP; `truth.csv` lists what each file is).
    #[arg(long, conflicts_with_all = ["dim", "docs"], value_name = "N")]
    pub images: Option<usize>,
    /// Images: the range of the originals' widths and heights, MIN-MAX pixels.
    #[arg(long, default_value = "160-479", value_name = "MIN-MAX", value_parser = parse_sides)]
    pub image_sides: (u32, u32),
    /// Images: every original a JPEG (quality 92), as photo corpora are; by default one in
    /// three, the rest PNG.
    #[arg(long)]
    pub jpeg_only: bool,
    /// Text corpus: mean words per document.
    #[arg(long, default_value_t = 150)]
    pub words: usize,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

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

fn parse_accuracy(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(a) if (0.0002..=0.5).contains(&a) => Ok(a),
        _ => Err(format!(
            "{s:?}: the relative accuracy must be in [0.0002, 0.5] (e.g. 0.01)"
        )),
    }
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

/// `MIN-MAX` pixels, 40 ≤ MIN ≤ MAX ≤ 8192.
fn parse_sides(s: &str) -> Result<(u32, u32), String> {
    let (a, b) = s
        .split_once('-')
        .ok_or_else(|| format!("`{s}`: expected MIN-MAX, e.g. 160-479"))?;
    let p = |v: &str| {
        v.trim()
            .parse::<u32>()
            .map_err(|e| format!("`{v}` in `{s}`: {e}"))
    };
    let (a, b) = (p(a)?, p(b)?);
    if !(40..=8192).contains(&a) || a > b || b > 8192 {
        return Err(format!("`{s}`: need 40 <= MIN <= MAX <= 8192"));
    }
    Ok((a, b))
}

#[derive(Args)]
pub struct ImagesArgs {
    /// Image files or folders (walked for .jpg, .jpeg, .png, .webp, .gif, .bmp, .tif, .tiff),
    /// .tar shards (WebDataset layout), or Parquet/Arrow IPC files with a column of encoded
    /// images.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The image column of table inputs: binary, or a struct with a binary `bytes` field (the
    /// Hugging Face `Image` feature). Default: the first such column.
    #[arg(long)]
    pub column: Option<String>,
    /// Write the summary as JSON (`-`: stdout, and no table).
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Write one row per image (every metric, flag and cluster id) to .parquet, .csv or .jsonl.
    #[arg(long, value_name = "PATH")]
    pub findings: Option<PathBuf>,
    /// Near duplicates: pHashes within this many differing bits (0–15).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(0..=15))]
    pub radius: u32,
    /// Images wider or taller than this are findings (a decompression-bomb limit), not decoded.
    #[arg(long, default_value_t = 20_000)]
    pub max_dimension: u32,
    /// Contamination check: report the images of these sources (e.g. a test set) that are exact
    /// or near duplicates of images in PATHS (e.g. the training set); --findings then lists them.
    #[arg(long, num_args = 1.., value_name = "PATH")]
    pub against: Vec<PathBuf>,
    /// Where pHash and dHash are computed (decoding and the metrics run on all CPU cores). The
    /// bits are the same on both; auto takes a hardware GPU when there is one.
    #[arg(long, value_enum, default_value_t = DeviceArg::Auto)]
    pub device: DeviceArg,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Clone, Copy, ValueEnum, Debug)]
pub enum MetricArg {
    /// 1 − cosine similarity
    Cosine,
    /// Euclidean distance
    L2,
}

impl From<MetricArg> for datassay::metrics::knn::Metric {
    fn from(m: MetricArg) -> Self {
        match m {
            MetricArg::Cosine => datassay::metrics::knn::Metric::Cosine,
            MetricArg::L2 => datassay::metrics::knn::Metric::L2,
        }
    }
}

#[derive(Args)]
pub struct OutliersArgs {
    /// .npy files, or Parquet/Arrow IPC/JSON lines files or directories with a vector column.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The vector column (needed when a table has several).
    #[arg(long)]
    pub column: Option<String>,
    /// Neighbours per vector (at most the number of vectors − 1).
    #[arg(short, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub k: u32,
    #[arg(long, value_enum, default_value_t = MetricArg::Cosine)]
    pub metric: MetricArg,
    /// Where the search runs.
    #[arg(long, value_enum, default_value_t = DeviceArg::Auto)]
    pub device: DeviceArg,
    /// Strongest outliers (by LOF) to list.
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Cosine similarity at or above which two neighbours are near-duplicates.
    #[arg(long, default_value_t = datassay::embed::DEFAULT_DUP_THRESHOLD)]
    pub dup_threshold: f64,
    /// Write every vector's scores (row, norm, knn_distance, lof, nearest, nearest_distance,
    /// duplicate_cluster, excluded) to this .parquet or .csv file.
    #[arg(long, value_name = "PATH")]
    pub scores: Option<PathBuf>,
    /// Write every vector's neighbours (row, rank, neighbor, distance) to this .parquet or .csv file.
    #[arg(long, value_name = "PATH")]
    pub neighbors: Option<PathBuf>,
    /// Write the summary as JSON (`-`: stdout, and no report).
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// GPU tuning: rows per chunk of the distance matrix (default: the largest the adapter's
    /// binding limit allows, at most 16384).
    #[arg(long, value_name = "ROWS")]
    pub gpu_chunk: Option<usize>,
    /// GPU tuning: upload query and reference chunks per step even when the whole matrix fits
    /// on the device (the path of matrices larger than a binding or than GPU memory).
    #[arg(long)]
    pub gpu_stream: bool,
    /// GPU: store the vectors as f16 (half the device memory and upload; distances still sum in
    /// f32, and the f64 refinement keeps reported distances exact).
    #[arg(long)]
    pub gpu_f16: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args)]
pub struct MergeArgs {
    /// Profile JSON files (two or more).
    #[arg(required = true, num_args = 2..)]
    pub inputs: Vec<PathBuf>,
    /// Output path (`-`: stdout).
    #[arg(short, long, default_value = "-")]
    pub output: PathBuf,
}

#[derive(Args)]
pub struct BenchArgs {
    /// Rows of the synthetic f64 column.
    #[arg(long, default_value_t = 32 << 20)]
    pub rows: usize,
    /// Repetitions of each measurement (the best is kept).
    #[arg(long, default_value_t = 3)]
    pub reps: usize,
    #[arg(long, value_enum, default_value_t = DeviceArg::Auto)]
    pub device: DeviceArg,
    /// Also write the figures as JSON here (`-`: stdout).
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Documents of the MinHash measurements (normalise + shingle, signatures on CPU and GPU,
    /// dedup end to end; ~1 KB of text each); 0 skips them.
    #[arg(long, default_value_t = 20_000)]
    pub minhash_docs: usize,
    /// Only the MinHash measurements (no f64 column, no images).
    #[arg(long, conflicts_with_all = ["rows", "images_only"])]
    pub minhash_only: bool,
    /// Images of the image measurements (`generate --images N` into a temporary folder, then
    /// `images` end to end, and pHash + dHash alone on the CPU and the GPU); 0 skips them.
    #[arg(long, default_value_t = 1000)]
    pub images: usize,
    /// Only the image measurements.
    #[arg(long, conflicts_with = "rows")]
    pub images_only: bool,
    /// Measure the image figures on this folder (e.g. a sample of your own data) instead of a
    /// generated set; `--images` is then ignored.
    #[arg(long, value_name = "DIR", conflicts_with = "minhash_only")]
    pub images_from: Option<PathBuf>,
}

/// A failure and its exit code.
pub struct Failure(pub i32, pub String);

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        let code = match &e {
            Error::Gpu(_) | Error::Write { .. } => EXIT_OTHER,
            _ => EXIT_INPUT,
        };
        Failure(code, e.to_string())
    }
}

fn write_out(path: &PathBuf, text: &str) -> Result<(), Failure> {
    if path.as_os_str() == "-" {
        let mut o = std::io::stdout().lock();
        o.write_all(text.as_bytes())
            .and_then(|_| o.write_all(b"\n"))
            .map_err(|e| Failure(EXIT_OTHER, format!("stdout: {e}")))
    } else {
        std::fs::write(path, format!("{text}\n")).map_err(|e| {
            Error::Write {
                path: path.clone(),
                source: e,
            }
            .into()
        })
    }
}

/// Write `json()` to `--json PATH` when given, and print `table()` unless that path is stdout.
fn emit(
    json: Option<&PathBuf>,
    json_text: impl FnOnce() -> String,
    table: impl FnOnce() -> String,
) -> Result<(), Failure> {
    if let Some(j) = json {
        write_out(j, &json_text())?;
    }
    if json.is_none_or(|j| j.as_os_str() != "-") {
        print!("{}", table());
    }
    Ok(())
}

/// Read the vectors of `paths` and analyse them, with a progress bar and the notices on stderr.
fn analyze_embeddings(
    paths: &[PathBuf],
    column: Option<&str>,
    read: &ReadOptions,
    opts: &datassay::embed::AnalyzeOptions,
    quiet: bool,
) -> Result<
    (
        datassay::embed::Embeddings,
        datassay::embed::EmbeddingReport,
        datassay::embed::Scores,
    ),
    Failure,
> {
    let e = datassay::embed::read_embeddings(paths, column, read)?;
    let bar = Bar::queries(!quiet);
    let res = datassay::embed::analyze(&e, opts, &|d, t| bar.show(d, t, String::new));
    bar.finish();
    let (report, scores) = res?;
    for n in &report.notices {
        eprintln!("datassay: {n}");
    }
    Ok((e, report, scores))
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

/// `datassay images`, and `datassay profile` of a folder of images.
pub fn images(a: ImagesArgs) -> Result<i32, Failure> {
    let opts = datassay::images::ImageOptions {
        radius: a.radius,
        max_dimension: a.max_dimension,
        device: a.device.into(),
        ..Default::default()
    };
    let sources = datassay::images::sources(&a.paths, a.column.as_deref());
    for p in a.paths.iter().chain(&a.against) {
        if !p.exists() {
            return Err(Failure(
                EXIT_INPUT,
                format!("{}: no such file or directory", p.display()),
            ));
        }
    }
    let bar = Bar::with_template(
        !a.quiet,
        "  images [{bar:30}] {pos}/{len} ({per_sec}) ETA {eta}",
    );
    let n = sources
        .iter()
        .filter(|s| matches!(s, datassay::images::Source::File(_)))
        .count() as u64;
    let (report, infos) = datassay::images::analyze_sources(&sources, &opts, &|done| {
        bar.show(done, n.max(done), String::new)
    })?;
    bar.finish();
    if !a.against.is_empty() {
        let test = datassay::images::sources(&a.against, a.column.as_deref());
        let (_, test_infos) = datassay::images::analyze_sources(&test, &opts, &|_| {})?;
        let r = datassay::images::contamination(&infos, &test_infos, opts.radius);
        if let Some(f) = &a.findings {
            use arrow::array::{ArrayRef, StringArray, UInt32Array};
            let l = &r.leaks;
            let batch = arrow::array::RecordBatch::try_from_iter([
                (
                    "image",
                    std::sync::Arc::new(StringArray::from_iter_values(
                        l.iter().map(|x| x.image.as_str()),
                    )) as ArrayRef,
                ),
                (
                    "duplicate_of",
                    std::sync::Arc::new(StringArray::from_iter_values(
                        l.iter().map(|x| x.duplicate_of.as_str()),
                    )) as ArrayRef,
                ),
                (
                    "kind",
                    std::sync::Arc::new(StringArray::from_iter_values(
                        l.iter().map(|x| x.kind.as_str()),
                    )) as ArrayRef,
                ),
                (
                    "distance",
                    std::sync::Arc::new(UInt32Array::from_iter_values(l.iter().map(|x| x.distance)))
                        as ArrayRef,
                ),
            ])
            .expect("columns of one length");
            write_table(f, &batch)?;
        }
        emit(
            a.json.as_ref(),
            || serde_json::to_string_pretty(&r).unwrap(),
            || {
                let mut out = format!(
                    "{} of {} images of [{}] duplicate images of [{}] ({:.2}%): {} exact, {} near (pHash within {} bits)\n",
                    r.contaminated,
                    r.against_images,
                    a.against.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "),
                    a.paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "),
                    100.0 * r.contaminated_fraction,
                    r.exact,
                    r.near,
                    r.radius
                );
                for l in r.leaks.iter().take(10) {
                    out.push_str(&format!(
                        "    {} ~ {} ({}, distance {})\n",
                        l.image, l.duplicate_of, l.kind, l.distance
                    ));
                }
                out
            },
        )?;
        return Ok(0);
    }
    if let Some(f) = &a.findings {
        write_table(f, &datassay::images::table(&infos))?;
    }
    emit(
        a.json.as_ref(),
        || serde_json::to_string_pretty(&report).unwrap(),
        || datassay::report::images(&report),
    )?;
    Ok(0)
}

pub fn profile(a: ProfileArgs) -> Result<i32, Failure> {
    if datassay::images::is_image_set(&a.paths) {
        return images(ImagesArgs {
            paths: a.paths,
            column: None,
            against: Vec::new(),
            json: a.json,
            findings: a.findings,
            radius: 8,
            max_dimension: 20_000,
            device: a.device,
            quiet: a.quiet,
        });
    }
    let format = a.format.as_deref().map(Format::parse).transpose()?;
    let delimiter = match a.delimiter {
        Some(c) if c.is_ascii() => Some(c as u8),
        Some(c) => {
            return Err(Failure(
                EXIT_INPUT,
                format!("invalid option: --delimiter '{c}' must be one ASCII character"),
            ))
        }
        None => None,
    };
    if a.batch_rows == 0 {
        return Err(Failure(
            EXIT_INPUT,
            "invalid option: --batch-rows must be at least 1".into(),
        ));
    }
    let opts = ProfileOptions {
        bins: a.bins,
        device: a.device.into(),
        read: ReadOptions {
            batch_rows: a.batch_rows,
            csv: CsvOptions {
                delimiter,
                has_header: !a.no_header,
                infer_rows: (a.infer_rows > 0).then_some(a.infer_rows),
                ..Default::default()
            },
            format,
        },
        gpu_force_f32: a.gpu_f32,
        sketch: (!a.no_sketches).then(|| datassay::metrics::sketch::SketchOptions {
            slices: datassay::metrics::sketch::ddsketch::slices_for(a.quantile_accuracy),
            precision: a.hll_precision,
            counters: if a.top == 0 {
                0
            } else {
                (a.top * 100).clamp(64, 4096)
            },
            exact_limit: a.exact_distinct,
        }),
        quantiles: a.quantiles.clone(),
        top: a.top,
        exact_quantiles: a.exact_quantiles,
        duplicate_rows: !a.no_duplicate_rows,
    };
    let bar = Bar::new(!a.quiet);
    let cb = |p: &datassay::Progress| bar.update(p);
    let outcome = profile_paths(&a.paths, &opts, Some(&cb));
    bar.finish();
    let outcome = outcome?;
    for n in &outcome.notices {
        eprintln!("datassay: {n}");
    }
    let mut outcome = outcome;
    if let Some(col) = &a.embedding {
        let eopts = analyze_options(
            10,
            MetricArg::Cosine,
            a.device,
            20,
            datassay::embed::DEFAULT_DUP_THRESHOLD,
        )?;
        let (_, report, _) = analyze_embeddings(&a.paths, Some(col), &opts.read, &eopts, a.quiet)?;
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
            eprintln!("datassay: {n}");
        }
        outcome.profile.near_duplicates = Some(Box::new(d.report));
    }
    let p = &outcome.profile;
    emit(
        a.json.as_ref(),
        || p.to_json(),
        || datassay::report::table(p),
    )?;
    for e in &p.errors {
        eprintln!("datassay: error: {}", e.error);
    }
    Ok(if p.errors.is_empty() { 0 } else { EXIT_INPUT })
}

pub fn merge(a: MergeArgs) -> Result<i32, Failure> {
    let mut acc: Option<Profile> = None;
    for p in &a.inputs {
        let prof = Profile::read(p)?;
        acc = Some(match acc {
            None => prof,
            Some(x) => x
                .merge(&prof)
                .map_err(|e| Failure(EXIT_INPUT, format!("{}: {e}", p.display())))?,
        });
    }
    let merged = acc.expect("clap requires two inputs");
    write_out(&a.output, &merged.to_json())?;
    Ok(0)
}

#[cfg(not(feature = "gpu"))]
pub fn devices(_json: bool) -> Result<i32, Failure> {
    Err(Failure(
        EXIT_OTHER,
        "datassay was built without the gpu feature".into(),
    ))
}

#[cfg(feature = "gpu")]
pub fn devices(json: bool) -> Result<i32, Failure> {
    let list = datassay::gpu::list_adapters();
    if json {
        let v = serde_json::json!({ "adapters": list, "diagnosis": if list.is_empty() { Some(datassay::gpu::diagnose()) } else { None } });
        println!("{}", serde_json::to_string_pretty(&v).unwrap());
    } else if list.is_empty() {
        println!("no GPU adapter is usable: {}", datassay::gpu::diagnose());
        println!("datassay still runs: `--device auto` (the default) profiles on the CPU.");
    } else {
        for a in &list {
            println!(
                "{}{} [{} {}] driver: {} {}",
                if a.preferred { "* " } else { "  " },
                a.name,
                a.backend,
                a.device_type,
                a.driver,
                a.driver_info
            );
            let yes = |b: bool| if b { "yes" } else { "no" };
            println!(
                "    f64 {}  f16 {}  int64 {}  subgroups {}  timestamps {}",
                yes(a.shader_f64),
                yes(a.shader_f16),
                yes(a.shader_int64),
                yes(a.subgroup),
                yes(a.timestamp_query)
            );
            println!(
                "    max storage binding {} MiB, max buffer {} MiB, workgroup storage {} KiB, invocations {}",
                a.max_storage_buffer_binding_size >> 20,
                a.max_buffer_size >> 20,
                a.max_compute_workgroup_storage_size >> 10,
                a.max_compute_invocations_per_workgroup
            );
        }
        println!(
            "(* = the adapter datassay uses; without SHADER_F64 the kernels take the f32 path)"
        );
    }
    Ok(if list.is_empty() { EXIT_OTHER } else { 0 })
}

pub fn bench(a: BenchArgs) -> Result<i32, Failure> {
    // Checked before any measurement runs, not after minutes of them.
    if let Some(d) = &a.images_from {
        if !d.is_dir() {
            return Err(Failure(
                EXIT_INPUT,
                format!("{}: not a directory (--images-from)", d.display()),
            ));
        }
    }
    let opts = datassay::bench::BenchOptions {
        rows: a.rows.max(1 << 16),
        reps: a.reps.max(1),
        device: a.device.into(),
        ..Default::default()
    };
    let progress = |s: &str| eprintln!("bench: {s}");
    let report = if a.minhash_only || a.images_only {
        None
    } else {
        let r = datassay::bench::run(&opts, &progress)?;
        print!("{}", datassay::bench::table(&r));
        Some(r)
    };
    let minhash = if a.minhash_docs > 0 && !a.images_only {
        let r = datassay::bench::minhash(a.minhash_docs, opts.reps, opts.device, &progress)?;
        print!("{}", datassay::bench::minhash_table(&r));
        Some(r)
    } else {
        None
    };
    let images = if (a.images > 0 || a.images_from.is_some()) && !a.minhash_only {
        let r = datassay::bench::images(
            a.images.max(20),
            a.images_from.as_deref(),
            opts.reps,
            opts.device,
            &progress,
        )?;
        print!("{}", datassay::bench::images_table(&r));
        Some(r)
    } else {
        None
    };
    if let Some(j) = &a.json {
        let mut v = serde_json::to_value(&report).unwrap();
        if report.is_none() {
            v = serde_json::json!({});
        }
        if let Some(m) = &minhash {
            v["minhash"] = serde_json::to_value(m).unwrap();
        }
        if let Some(m) = &images {
            v["images"] = serde_json::to_value(m).unwrap();
        }
        write_out(j, &serde_json::to_string_pretty(&v).unwrap())?;
    }
    Ok(0)
}

pub fn generate(a: GenerateArgs) -> Result<i32, Failure> {
    if let Some(n) = a.images {
        let o = datassay::images::synthetic::SynthOptions {
            min_side: a.image_sides.0,
            max_side: a.image_sides.1,
            jpeg_only: a.jpeg_only,
        };
        let files = datassay::images::synthetic::generate_with(&a.path, n.max(20), a.seed, &o)?;
        eprintln!(
            "wrote {} files to {} (truth.csv says what each is)",
            files.len(),
            a.path.display()
        );
        return Ok(0);
    }
    let rows = a.rows.max(1);
    if a.docs {
        use arrow::array::{ArrayRef, StringArray, UInt64Array};
        use datassay::dedup::synthetic::{corpus, Planted};
        if extension(&a.path) != "parquet" {
            return Err(Failure(
                EXIT_INPUT,
                format!("{}: a corpus is written as .parquet", a.path.display()),
            ));
        }
        // Shards of up to SHARD documents, generated and written one at a time so memory stays
        // bounded; copies and edits take their source within their shard. The first shard uses
        // the seed itself, so corpora of up to SHARD documents do not depend on the sharding.
        const SHARD: usize = 1_000_000;
        let shard = |k: usize| {
            let first = k * SHARD;
            let n = SHARD.min(rows - first);
            let (docs, kind) = corpus(
                n,
                a.words.max(1),
                0.04,
                0.12,
                &[0.005, 0.01, 0.02, 0.05, 0.1, 0.3],
                if k == 0 {
                    a.seed
                } else {
                    // Mixed, so shards are unrelated streams (a plain offset of a SplitMix64 seed
                    // can land one step along the first shard's stream).
                    datassay::bench::Rng::new(a.seed.wrapping_add(k as u64)).next_u64()
                },
            );
            arrow::array::RecordBatch::try_from_iter([
                (
                    "id",
                    std::sync::Arc::new(UInt64Array::from_iter_values(
                        first as u64..(first + n) as u64,
                    )) as ArrayRef,
                ),
                (
                    "text",
                    std::sync::Arc::new(StringArray::from(docs)) as ArrayRef,
                ),
                (
                    "planted",
                    std::sync::Arc::new(StringArray::from_iter_values(kind.iter().map(
                        |k| match k {
                            Planted::Original => "original",
                            Planted::Copy(_) => "copy",
                            Planted::Edit(_) => "edit",
                        },
                    ))) as ArrayRef,
                ),
                (
                    "source",
                    std::sync::Arc::new(UInt64Array::from(
                        kind.iter()
                            .map(|k| match k {
                                Planted::Copy(s) | Planted::Edit(s) => Some((first + *s) as u64),
                                Planted::Original => None,
                            })
                            .collect::<Vec<_>>(),
                    )) as ArrayRef,
                ),
            ])
            .expect("columns of one length")
        };
        datassay::bench::write_parquet_iter(&a.path, (0..rows.div_ceil(SHARD).max(1)).map(shard))?;
        eprintln!("wrote {rows} documents to {} (column `planted` marks copies and edits, `source` their original)", a.path.display());
        return Ok(0);
    }
    let Some(dim) = a.dim else {
        let batches = datassay::bench::synthetic_batches(rows, a.seed);
        datassay::bench::write_parquet(&a.path, &batches)?;
        eprintln!("wrote {rows} rows to {}", a.path.display());
        return Ok(0);
    };
    if dim == 0 {
        return Err(Failure(
            EXIT_INPUT,
            "invalid option: --dim must be at least 1".into(),
        ));
    }
    use datassay::embed::synthetic;
    let (x, kind) = synthetic::synthetic(rows, dim, a.outliers, a.duplicates, a.seed);
    match extension(&a.path).as_str() {
        "npy" => synthetic::write_npy(&a.path, &x, dim)?,
        "parquet" => datassay::bench::write_parquet(&a.path, &[synthetic::table(&x, dim, &kind)])?,
        _ => {
            return Err(Failure(
                EXIT_INPUT,
                format!(
                    "{}: embeddings are written as .npy or .parquet",
                    a.path.display()
                ),
            ))
        }
    }
    let planted = |k: &str| kind.iter().filter(|p| p.name() == k).count();
    eprintln!(
        "wrote {rows} vectors of dimension {dim} to {} ({} planted outliers, {} planted near-duplicates{})",
        a.path.display(),
        planted("outlier"),
        planted("duplicate"),
        if a.path.extension().is_some_and(|e| e == "parquet") { "; column `planted` says which" } else { "" }
    );
    Ok(0)
}

fn extension(p: &std::path::Path) -> String {
    p.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

/// Write a table as Parquet or CSV, by the path's extension.
fn write_table(path: &PathBuf, batch: &arrow::array::RecordBatch) -> Result<(), Failure> {
    match extension(path).as_str() {
        "parquet" => Ok(datassay::bench::write_parquet(
            path,
            std::slice::from_ref(batch),
        )?),
        "jsonl" | "ndjson" => {
            let werr = |e: std::io::Error| {
                Failure::from(Error::Write {
                    path: path.clone(),
                    source: e,
                })
            };
            let f = std::fs::File::create(path).map_err(werr)?;
            let mut w = arrow::json::LineDelimitedWriter::new(std::io::BufWriter::new(f));
            w.write(batch)
                .and_then(|_| w.finish())
                .map_err(|e| werr(std::io::Error::other(e.to_string())))?;
            Ok(())
        }
        "csv" => {
            let werr = |e: std::io::Error| {
                Failure::from(Error::Write {
                    path: path.clone(),
                    source: e,
                })
            };
            let f = std::fs::File::create(path).map_err(werr)?;
            let mut w = arrow::csv::Writer::new(std::io::BufWriter::new(f));
            w.write(batch)
                .map_err(|e| werr(std::io::Error::other(e.to_string())))?;
            Ok(())
        }
        _ => Err(Failure(
            EXIT_INPUT,
            format!(
                "{}: tables are written as .parquet, .csv or .jsonl",
                path.display()
            ),
        )),
    }
}

fn analyze_options(
    k: u32,
    metric: MetricArg,
    device: DeviceArg,
    top: usize,
    dup: f64,
) -> Result<datassay::embed::AnalyzeOptions, Failure> {
    if !(dup > -1.0 && dup <= 1.0) {
        return Err(Failure(
            EXIT_INPUT,
            format!("invalid option: --dup-threshold {dup} must be a cosine similarity in (-1, 1]"),
        ));
    }
    Ok(datassay::embed::AnalyzeOptions {
        knn: datassay::metrics::knn::KnnOptions {
            k: k as usize,
            metric: metric.into(),
            device: device.into(),
            ..Default::default()
        },
        dup_threshold: dup,
        top,
    })
}

pub fn outliers(a: OutliersArgs) -> Result<i32, Failure> {
    #[allow(unused_mut)]
    let mut opts = analyze_options(a.k, a.metric, a.device, a.top, a.dup_threshold)?;
    #[cfg(feature = "gpu")]
    {
        opts.knn.gpu = datassay::metrics::knn::gpu::GpuKnnOptions {
            chunk: a.gpu_chunk,
            stream: a.gpu_stream,
            stage_dims: None,
            f16: a.gpu_f16,
        };
    }
    let (e, report, scores) = analyze_embeddings(
        &a.paths,
        a.column.as_deref(),
        &ReadOptions::default(),
        &opts,
        a.quiet,
    )?;
    if let Some(p) = &a.scores {
        write_table(p, &datassay::embed::score_batch(&scores, Some(&e)))?;
    }
    if let Some(p) = &a.neighbors {
        write_table(
            p,
            &datassay::embed::neighbor_batch(&scores.neighbors, &e.rows),
        )?;
    }
    emit(
        a.json.as_ref(),
        || serde_json::to_string_pretty(&report).unwrap(),
        || {
            let s = &report.seconds;
            let flops =
                2.0 * (report.vectors as f64).powi(2) * report.dim as f64 / s.select.max(1e-9);
            format!(
                "{}  time: load {:.2} s, neighbours {:.2} s (exhaustive selection {:.2} s: {}), scores {:.2} s\n",
                datassay::report::embedding(&report),
                s.load,
                s.knn,
                s.select,
                if flops >= 1e12 {
                    format!("{:.2} TFLOP/s", flops / 1e12)
                } else {
                    format!("{:.1} GFLOP/s", flops / 1e9)
                },
                s.scores
            )
        },
    )?;
    Ok(0)
}

fn parse_shingle(s: &str) -> Result<datassay::metrics::minhash::Shingle, Failure> {
    use datassay::metrics::minhash::Shingle;
    let bad = || {
        Failure(
            EXIT_INPUT,
            format!(
                "invalid option: --shingle {s:?}: expected words:N or chars:N with N from 1 to 64"
            ),
        )
    };
    let (kind, n) = s.split_once(':').ok_or_else(bad)?;
    let n: usize = n.parse().map_err(|_| bad())?;
    if !(1..=64).contains(&n) {
        return Err(bad());
    }
    match kind {
        "words" => Ok(Shingle::Words(n)),
        "chars" => Ok(Shingle::Chars(n)),
        _ => Err(bad()),
    }
}

pub fn dedup(a: DedupArgs) -> Result<i32, Failure> {
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
        if extension(k) != "parquet" {
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
            eprintln!("datassay: {n}");
        }
        if let Some(p) = &a.pairs {
            write_table(p, &dedup::cross_pair_batch(&corpus, &test, &pairs))?;
        }
        if let Some(k) = &a.keep {
            let n = dedup::write_kept(&a.against, &keep, &opts.read, k)?;
            eprintln!("wrote {n} rows to {}", k.display());
        }
        emit(
            a.json.as_ref(),
            || serde_json::to_string_pretty(&r).unwrap(),
            || datassay::report::contamination(&r),
        )?;
        return Ok(0);
    }
    let d = dedup::dedup(&corpus, &opts, t.elapsed().as_secs_f64())?;
    for n in &d.report.notices {
        eprintln!("datassay: {n}");
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
    emit(
        a.json.as_ref(),
        || serde_json::to_string_pretty(&d.report).unwrap(),
        || datassay::report::dedup(&d.report),
    )?;
    Ok(0)
}
