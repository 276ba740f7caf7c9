//! Readers: files to streams of Arrow record batches, with memory bounded by the batch size.
//!
//! Formats are chosen by extension (or forced with [`ReadOptions::format`]): Parquet
//! (`.parquet`, `.pq`), CSV (`.csv`, `.tsv` with a tab delimiter), Arrow IPC file or stream
//! (`.arrow`, `.ipc`, `.feather`; `.arrows` for streams; the file/stream layout is detected from the
//! magic bytes) and JSON lines (`.jsonl`, `.ndjson`, `.json`). A directory stands for every file of a
//! known extension below it, in path order: the layout of a Hugging Face dataset, a folder of
//! Parquet shards. CSV and JSON schemas are inferred from the first [`CsvOptions::infer_rows`] rows
//! of each file (the option applies to both). Files of a dataset are matched by column name, so
//! JSON files whose keys come in another order still form one dataset.

use crate::error::{Error, Result};
use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A file format datassay reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Parquet,
    Csv,
    /// Arrow IPC, file or stream layout.
    Ipc,
    /// Newline-delimited JSON objects.
    Jsonl,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Csv => "csv",
            Format::Ipc => "arrow ipc",
            Format::Jsonl => "json lines",
        }
    }

    /// The format an extension names.
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
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
    pub quote: u8,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            delimiter: None,
            has_header: true,
            infer_rows: Some(10_000),
            quote: b'"',
        }
    }
}

/// Options of every reader.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    /// Rows per record batch (memory is bounded by a few batches).
    pub batch_rows: usize,
    pub csv: CsvOptions,
    /// Force a format instead of going by extension.
    pub format: Option<Format>,
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

/// A stream of record batches.
pub type Batches = Box<dyn Iterator<Item = Result<RecordBatch>> + Send>;

/// One opened input file: its format and schema, ready to stream.
#[derive(Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    pub format: Format,
    pub schema: SchemaRef,
    /// Size on disk.
    pub bytes: u64,
    /// Rows, when the format says so up front (Parquet, IPC file).
    pub rows: Option<u64>,
    opts: ReadOptions,
    /// Bytes read so far by the streaming readers (CSV, JSON lines, IPC), for progress.
    read_bytes: Arc<AtomicU64>,
    /// A Parquet file's footer, read once when the file is opened and shared by every reader of
    /// it (the range pass, each row group, the statistics).
    parquet: Option<parquet::arrow::arrow_reader::ArrowReaderMetadata>,
}

/// A reader that counts the bytes it hands out.
struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl<R: Seek> Seek for Counting<R> {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}

fn io_err(path: &Path, e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::NotFound {
        Error::NotFound {
            path: path.to_path_buf(),
        }
    } else {
        Error::Io {
            path: path.to_path_buf(),
            source: e,
        }
    }
}

fn fmt_err(path: &Path, format: Format, e: impl std::fmt::Display) -> Error {
    let mut message = e.to_string();
    // arrow and parquet prefix their own category; the format is already named.
    for p in [
        "Parquet error: ",
        "Csv error: ",
        "Json error: ",
        "Ipc error: ",
        "Parser error: ",
    ] {
        if let Some(rest) = message.strip_prefix(p) {
            message = rest.to_string();
        }
    }
    Error::Format {
        path: path.to_path_buf(),
        format: format.name(),
        message,
    }
}

/// Expand paths: files stay, directories become their files of known formats (recursively, sorted).
/// Missing paths and empty directories come back as errors beside the files found.
pub fn expand(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<Error>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        match std::fs::metadata(p) {
            Err(e) => errors.push(io_err(p, e)),
            Ok(m) if m.is_dir() => {
                let mut found = Vec::new();
                if let Err(e) = walk(p, &mut found) {
                    errors.push(e);
                }
                found.sort();
                if found.is_empty() {
                    errors.push(Error::Empty {
                        path: p.clone(),
                        message: "directory holds no .parquet, .csv, .arrow or .jsonl files".into(),
                    });
                }
                files.extend(found);
            }
            Ok(_) => files.push(p.clone()),
        }
    }
    (files, errors)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let rd = std::fs::read_dir(dir).map_err(|e| io_err(dir, e))?;
    for entry in rd {
        let entry = entry.map_err(|e| io_err(dir, e))?;
        let p = entry.path();
        let name = entry.file_name();
        // Hidden files and Spark/Hadoop markers (`_SUCCESS`, `.crc`) are not data.
        if name.to_string_lossy().starts_with(['.', '_']) {
            continue;
        }
        if p.is_dir() {
            walk(&p, out)?;
        } else if Format::from_path(&p).is_some() {
            out.push(p);
        }
    }
    Ok(())
}

fn is_ipc_file(path: &Path) -> Result<bool> {
    let mut f = File::open(path).map_err(|e| io_err(path, e))?;
    let mut magic = [0u8; 6];
    Ok(f.read_exact(&mut magic).is_ok() && &magic == b"ARROW1")
}

impl SourceFile {
    /// Open a file and read (or infer) its schema.
    pub fn open(path: &Path, opts: &ReadOptions) -> Result<SourceFile> {
        let format = opts
            .format
            .or_else(|| Format::from_path(path))
            .ok_or_else(|| Error::UnknownFormat {
                path: path.to_path_buf(),
            })?;
        let meta = std::fs::metadata(path).map_err(|e| io_err(path, e))?;
        if meta.is_dir() {
            return Err(Error::Format {
                path: path.to_path_buf(),
                format: format.name(),
                message: "is a directory".into(),
            });
        }
        let file = File::open(path).map_err(|e| io_err(path, e))?;
        if meta.len() == 0 {
            return Err(Error::Empty {
                path: path.to_path_buf(),
                message: "empty file (0 bytes)".into(),
            });
        }
        let mut parquet_meta = None;
        let (schema, rows) = match format {
            Format::Parquet => {
                let m = parquet::arrow::arrow_reader::ArrowReaderMetadata::load(
                    &file,
                    Default::default(),
                )
                .map_err(|e| fmt_err(path, format, e))?;
                let out = (
                    m.schema().clone(),
                    Some(m.metadata().file_metadata().num_rows() as u64),
                );
                parquet_meta = Some(m);
                out
            }
            Format::Ipc => {
                if is_ipc_file(path)? {
                    let r = arrow::ipc::reader::FileReader::try_new(file, None)
                        .map_err(|e| fmt_err(path, format, e))?;
                    (r.schema(), None)
                } else {
                    let r = arrow::ipc::reader::StreamReader::try_new(BufReader::new(file), None)
                        .map_err(|e| fmt_err(path, format, e))?;
                    (r.schema(), None)
                }
            }
            Format::Csv => {
                let (s, _) = csv_format(path, &opts.csv)
                    .infer_schema(BufReader::new(file), opts.csv.infer_rows)
                    .map_err(|e| fmt_err(path, format, e))?;
                (Arc::new(s), None)
            }
            Format::Jsonl => {
                let mut r = BufReader::new(file);
                let (s, _) = arrow::json::reader::infer_json_schema(&mut r, opts.csv.infer_rows)
                    .map_err(|e| fmt_err(path, format, e))?;
                (Arc::new(s), None)
            }
        };
        if schema.fields().is_empty() {
            return Err(Error::Empty {
                path: path.to_path_buf(),
                message: "file has no columns".into(),
            });
        }
        Ok(SourceFile {
            path: path.to_path_buf(),
            format,
            schema,
            bytes: meta.len(),
            rows,
            opts: opts.clone(),
            read_bytes: Arc::new(AtomicU64::new(0)),
            parquet: parquet_meta,
        })
    }

    /// Stream the file's record batches, with only the columns in `projection` (schema indices)
    /// when given. Batches keep the file's full schema order for the columns kept.
    pub fn batches(&self, projection: Option<&[usize]>) -> Result<Batches> {
        self.batches_of(projection, None)
    }

    /// How far a read of this file has come, in bytes of the file: from rows decoded where the
    /// file says how many it holds (Parquet), else from bytes read (the readers buffer ahead a
    /// little).
    pub fn progress_bytes(&self, rows_done: u64) -> u64 {
        match self.rows {
            Some(r) => (self.bytes as u128 * rows_done as u128 / r.max(1) as u128) as u64,
            None => self.read_bytes.load(Ordering::Relaxed),
        }
        .min(self.bytes)
    }

    /// Read in batches of at least `rows` rows from now on (the GPU path wants large transfers).
    pub fn raise_batch_rows(&mut self, rows: usize) {
        self.opts.batch_rows = self.opts.batch_rows.max(rows);
    }

    /// Row groups of a Parquet file; other formats stream as one piece (0).
    pub fn row_groups(&self) -> usize {
        self.parquet
            .as_ref()
            .map_or(0, |m| m.metadata().num_row_groups())
    }

    /// Batches of the given Parquet row groups only (all columns).
    pub fn row_group_batches(&self, row_groups: Vec<usize>) -> Result<Batches> {
        self.batches_of(None, Some(row_groups))
    }

    fn batches_of(
        &self,
        projection: Option<&[usize]>,
        row_groups: Option<Vec<usize>>,
    ) -> Result<Batches> {
        let path = self.path.clone();
        let format = self.format;
        let file = File::open(&path).map_err(|e| io_err(&path, e))?;
        // The streaming formats count bytes read, for progress (Parquet counts rows instead).
        self.read_bytes.store(0, Ordering::Relaxed);
        let count = self.read_bytes.clone();
        let counted = move |inner: File| Counting { inner, count };
        let n = self.opts.batch_rows;
        let wrap = move |r: std::result::Result<RecordBatch, arrow::error::ArrowError>| {
            r.map_err(|e| fmt_err(&path, format, e))
        };
        Ok(match format {
            Format::Parquet => {
                use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
                use parquet::arrow::ProjectionMask;
                let meta = self.parquet.clone().expect("opened as parquet");
                let b = ParquetRecordBatchReaderBuilder::new_with_metadata(file, meta)
                    .with_batch_size(n);
                let b = match projection {
                    Some(p) => {
                        let mask = ProjectionMask::roots(b.parquet_schema(), p.iter().copied());
                        b.with_projection(mask)
                    }
                    None => b,
                };
                let b = match row_groups {
                    Some(rg) => b.with_row_groups(rg),
                    None => b,
                };
                let r = b.build().map_err(|e| fmt_err(&self.path, format, e))?;
                Box::new(r.map(wrap))
            }
            Format::Ipc => {
                let proj = projection.map(|p| p.to_vec());
                if is_ipc_file(&self.path)? {
                    let r = arrow::ipc::reader::FileReader::try_new(counted(file), proj)
                        .map_err(|e| fmt_err(&self.path, format, e))?;
                    Box::new(r.map(wrap))
                } else {
                    let r = arrow::ipc::reader::StreamReader::try_new(
                        BufReader::new(counted(file)),
                        proj,
                    )
                    .map_err(|e| fmt_err(&self.path, format, e))?;
                    Box::new(r.map(wrap))
                }
            }
            Format::Csv => {
                let mut b = arrow::csv::ReaderBuilder::new(self.schema.clone())
                    .with_format(csv_format(&self.path, &self.opts.csv))
                    .with_batch_size(n);
                if let Some(p) = projection {
                    b = b.with_projection(p.to_vec());
                }
                let r = b
                    .build(BufReader::with_capacity(1 << 20, counted(file)))
                    .map_err(|e| fmt_err(&self.path, format, e))?;
                Box::new(r.map(wrap))
            }
            Format::Jsonl => {
                let r = arrow::json::ReaderBuilder::new(self.schema.clone())
                    .with_batch_size(n)
                    .build(BufReader::with_capacity(1 << 20, counted(file)))
                    .map_err(|e| fmt_err(&self.path, format, e))?;
                let proj = projection.map(|p| p.to_vec());
                Box::new(r.map(move |b| {
                    let b = wrap(b)?;
                    Ok(match &proj {
                        Some(p) => b
                            .project(p)
                            .expect("projection indices come from the schema"),
                        None => b,
                    })
                }))
            }
        })
    }

    /// Finite min/max of the given numeric columns from Parquet footer statistics, when every row
    /// group that holds values has exact, finite statistics for the column; `None` per column
    /// otherwise (the caller then scans). Files of other formats give all `None`.
    pub fn footer_ranges(&self, columns: &[usize]) -> Vec<Option<(f64, f64)>> {
        let Some(m) = &self.parquet else {
            return vec![None; columns.len()];
        };
        let md = m.metadata();
        columns
            .iter()
            .map(|&c| footer_range(self.schema.field(c).name(), &self.schema, md))
            .collect()
    }
}

fn footer_range(
    name: &str,
    schema: &arrow::datatypes::Schema,
    md: &parquet::file::metadata::ParquetMetaData,
) -> Option<(f64, f64)> {
    use crate::metrics::moments::cpu::Prepared;
    use arrow::array::{Array, ArrayRef};
    use parquet::arrow::arrow_reader::statistics::StatisticsConverter;
    let conv =
        StatisticsConverter::try_new(name, schema, md.file_metadata().schema_descr()).ok()?;
    let rgs = md.row_groups();
    let mins: ArrayRef = conv.row_group_mins(rgs.iter()).ok()?;
    let maxs: ArrayRef = conv.row_group_maxes(rgs.iter()).ok()?;
    let min_exact = conv.row_group_is_min_value_exact(rgs.iter()).ok()?;
    let max_exact = conv.row_group_is_max_value_exact(rgs.iter()).ok()?;
    let nulls = conv.row_group_null_counts(rgs.iter()).ok()?;
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    let pmin = Prepared::new(&mins);
    let pmax = Prepared::new(&maxs);
    let (imin, imax) = (pmin.input()?, pmax.input()?);
    let mut vmin = vec![0f64; mins.len()];
    let mut vmax = vec![0f64; maxs.len()];
    imin.values.fill(0, &mut vmin);
    imax.values.fill(0, &mut vmax);
    for (i, rg) in rgs.iter().enumerate() {
        let rows = rg.num_rows() as u64;
        let null_count = if nulls.is_valid(i) {
            nulls.value(i)
        } else {
            return None;
        };
        if null_count == rows {
            continue; // nothing but nulls: no range to contribute
        }
        if mins.is_null(i) || maxs.is_null(i) {
            return None;
        }
        if !min_exact.is_valid(i)
            || !min_exact.value(i)
            || !max_exact.is_valid(i)
            || !max_exact.value(i)
        {
            return None;
        }
        let (a, b) = (vmin[i], vmax[i]);
        // Non-finite statistics (inf values, or NaN from writers that include it) need a scan.
        if !a.is_finite() || !b.is_finite() {
            return None;
        }
        lo = lo.min(a);
        hi = hi.max(b);
    }
    Some((lo, hi))
}

fn csv_format(path: &Path, o: &CsvOptions) -> arrow::csv::reader::Format {
    let tsv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("tsv"));
    let delim = o.delimiter.unwrap_or(if tsv { b'\t' } else { b',' });
    arrow::csv::reader::Format::default()
        .with_header(o.has_header)
        .with_delimiter(delim)
        .with_quote(o.quote)
}
