//! What a reader is told: the format (or its extension), CSV dialect and null spellings, type
//! inference, batch size and compression, with their limits and defaults.

use super::{data_extension, io_err};
use crate::error::{Error, Result};
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// The largest `batch_rows`: one f64 column of a batch is then 128 MiB.
pub const MAX_BATCH_ROWS: usize = 1 << 24;

/// Values (rows × columns) a batch holds at most: wide tables get fewer rows a batch, so memory
/// follows the options, not the column count (the CSV reader alone keeps an offset per value).
pub const BATCH_VALUES: usize = 1 << 24;

/// CSV fields read as null besides empty ones (pandas' defaults, less its NaN spellings, which
/// stay NaN in float columns).
pub const DEFAULT_NULL_VALUES: &str = "NA,N/A,n/a,NULL,null,None,#N/A,#NA,<NA>";

/// How a CSV or JSON file's bytes are compressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// gzip (its bytes start `1f 8b`).
    Gzip,
    /// Zstandard (its bytes start `28 b5 2f fd`).
    Zstd,
}

impl Compression {
    /// The compression of a file, from its first bytes.
    pub(super) fn sniff(path: &Path) -> Result<Option<Compression>> {
        let mut f = File::open(path).map_err(|e| io_err(path, e))?;
        let mut magic = [0u8; 4];
        let n = f.read(&mut magic).map_err(|e| io_err(path, e))?;
        Ok(match &magic[..n] {
            [0x1f, 0x8b, ..] => Some(Compression::Gzip),
            [0x28, 0xb5, 0x2f, 0xfd] => Some(Compression::Zstd),
            _ => None,
        })
    }
}

/// A file format datassay reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Apache Parquet.
    Parquet,
    /// Comma- (or tab-, or otherwise) separated values.
    Csv,
    /// Arrow IPC, file or stream layout.
    Ipc,
    /// Newline-delimited JSON objects.
    Jsonl,
}

impl Format {
    /// The format's name in messages: `parquet`, `csv`, `arrow ipc` or `json lines`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Csv => "csv",
            Format::Ipc => "arrow ipc",
            Format::Jsonl => "json lines",
        }
    }

    /// The format an extension names (through `.gz` and `.zst`: `a.jsonl.gz` is JSON lines).
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = data_extension(path)?;
        Some(match ext.as_str() {
            "parquet" | "pq" => Format::Parquet,
            "csv" | "tsv" => Format::Csv,
            "arrow" | "ipc" | "feather" | "arrows" => Format::Ipc,
            "jsonl" | "ndjson" | "json" => Format::Jsonl,
            _ => return None,
        })
    }

    /// Parse a `--format` value.
    pub fn parse(s: &str) -> Result<Format> {
        Ok(match s {
            "parquet" => Format::Parquet,
            "csv" => Format::Csv,
            "ipc" | "arrow" => Format::Ipc,
            "jsonl" | "json" | "ndjson" => Format::Jsonl,
            _ => {
                return Err(Error::Option(format!(
                    "unknown format '{s}': use parquet, csv, ipc or jsonl"
                )))
            }
        })
    }
}

/// CSV parsing options.
#[derive(Clone, Debug)]
pub struct CsvOptions {
    /// Field delimiter; `None` picks `,` (or tab for `.tsv`).
    pub delimiter: Option<u8>,
    /// Whether the first line names the columns.
    pub has_header: bool,
    /// Rows read to infer column types of CSV and JSON files (`None`: the whole file, a second pass
    /// over it).
    pub infer_rows: Option<usize>,
    /// The quote character (default `"`).
    pub quote: u8,
    /// CSV fields read as null, besides empty ones (matched whole, case-sensitively).
    pub null_values: Vec<String>,
    /// Bytes per chunk of an uncompressed CSV file parsed in parallel (files of at least two
    /// chunks and without quote characters are cut at line breaks).
    pub chunk_bytes: u64,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            delimiter: None,
            has_header: true,
            infer_rows: Some(10_000),
            quote: b'"',
            null_values: DEFAULT_NULL_VALUES.split(',').map(String::from).collect(),
            chunk_bytes: super::csv::CHUNK_BYTES,
        }
    }
}

/// Options of every reader.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    /// Rows per record batch (memory is bounded by a few batches).
    pub batch_rows: usize,
    /// How CSV files are parsed.
    pub csv: CsvOptions,
    /// Force a format instead of going by extension.
    pub format: Option<Format>,
}

impl ReadOptions {
    /// These options with CSV and JSON types inferred from whole files (one more pass over
    /// them): for readers that write every column out (`dedup --keep`) or that cannot widen a
    /// type on the way, where a value after the first rows must not be truncated or dropped.
    pub fn whole_file_types(&self) -> ReadOptions {
        let mut o = self.clone();
        o.csv.infer_rows = None;
        o
    }
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            batch_rows: 64 * 1024,
            csv: CsvOptions::default(),
            format: None,
        }
    }
}
