//! Readers: files to streams of Arrow record batches, with memory bounded by the batch size.
//!
//! Formats are chosen by extension (or forced with [`ReadOptions::format`]): Parquet
//! (`.parquet`, `.pq`), CSV (`.csv`, `.tsv` with a tab delimiter), Arrow IPC file or stream,
//! uncompressed or with lz4 or zstd buffers (`.arrow`, `.ipc`, `.feather`; `.arrows` for streams;
//! the file/stream layout is detected from the magic bytes) and JSON (`.jsonl`, `.ndjson`,
//! `.json`: one object per line, or one array of objects). CSV and JSON files may be gzip or zstd
//! compressed (`.csv.gz`, `.jsonl.zst`, …; detected from the bytes). A directory stands for every
//! file of a known extension below it, in path order (the walk's rules: [`crate::util::walk`]):
//! the layout of a Hugging Face dataset, a folder of Parquet shards. CSV and JSON schemas are
//! inferred from the first [`CsvOptions::infer_rows`] rows of each file (the option applies to
//! both); JSON columns come in the order their keys first appear. Files of a dataset are matched
//! by column name, so JSON files whose keys come in another order still form one dataset.

pub mod columns;
mod csv;
pub(crate) mod dataset;
pub(crate) mod json;
mod options;
pub mod stream;

pub use options::{
    Compression, CsvOptions, Format, ReadOptions, BATCH_VALUES, DEFAULT_NULL_VALUES, MAX_BATCH_ROWS,
};

use crate::error::{Error, Result};
use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A path's extension, lowercase, looking through a compression suffix (`a.csv.gz` is `csv`).
fn data_extension(path: &Path) -> Option<String> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    if matches!(ext.as_str(), "gz" | "gzip" | "zst" | "zstd") {
        let stem = Path::new(path.file_stem()?);
        return Some(stem.extension()?.to_str()?.to_ascii_lowercase());
    }
    Some(ext)
}

/// A message shortened for one line: a file's bytes echoed into an error can be megabytes.
pub(crate) fn clip(s: &str) -> String {
    const MAX: usize = 200;
    let s = s.replace(['\n', '\r'], " ");
    if s.chars().count() <= MAX {
        return s;
    }
    let cut: String = s.chars().take(MAX).collect();
    format!("{cut}… ({} characters in all)", s.chars().count())
}

/// arrow's and parquet's messages start with their category; the format is named already.
pub(crate) fn strip_arrow_prefix(message: &str) -> String {
    let mut m = message.to_string();
    for p in [
        "Parquet error: ",
        "Csv error: ",
        "Json error: ",
        "Ipc error: ",
        "Parser error: ",
        "Invalid argument error: ",
    ] {
        if let Some(rest) = m.strip_prefix(p) {
            m = rest.to_string();
        }
    }
    m
}

/// A stream of record batches.
pub type Batches = Box<dyn Iterator<Item = Result<RecordBatch>> + Send>;

/// One opened input file: its format and schema, ready to stream.
#[derive(Debug)]
pub struct SourceFile {
    /// The file's path, as given.
    pub path: PathBuf,
    /// Its format, forced by the options or named by its extension.
    pub format: Format,
    /// Its Arrow schema: read from the file, or inferred for CSV and JSON lines.
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
    /// How a CSV or JSON file is compressed.
    compression: Option<Compression>,
    /// Whether a value that does not fit the inferred type is an error
    /// ([`Error::TypeConflict`]) rather than read as arrow-json reads it (truncated numbers,
    /// keys left out).
    strict: bool,
}

/// What a JSON file's batch stream needs to explain an error.
struct JsonFile {
    path: PathBuf,
    compression: Option<Compression>,
    strict: bool,
    schema: SchemaRef,
}

impl JsonFile {
    /// An error of arrow's JSON decoder (after `rows` rows), which does not say where: a syntax
    /// error gets its line from a scan of the file; with strict types, anything else is a value
    /// that does not fit the inferred types.
    fn json_error(&self, e: arrow::error::ArrowError, rows: u64) -> Error {
        let message = strip_arrow_prefix(&e.to_string());
        let found = text_reader(&self.path, self.compression, None)
            .ok()
            .and_then(|r| json::diagnose(r, &self.schema));
        match found {
            Some(json::Finding::Syntax(line, m)) => {
                return Error::Format {
                    path: self.path.clone(),
                    format: Format::Jsonl.name(),
                    message: format!("line {line}: {}", clip(&m)),
                    source: None,
                }
            }
            // Where the file first leaves the inferred types, and how.
            Some(json::Finding::Misfit(line, m)) => {
                return self.conflict(format!("line {line}: {m}"))
            }
            None => {}
        }
        // arrow names the field it was decoding; the messages below name it themselves.
        let message = match message.find(json::CONFLICT) {
            Some(i) => message[i + json::CONFLICT.len()..].to_string(),
            None => message,
        };
        let message = if let Some((row, rest)) = message
            .split_once('|')
            .and_then(|(r, m)| Some((r.parse::<u64>().ok()?, m)))
        {
            format!("record {}: {rest}", rows + row + 1)
        } else if let Some(key) = message
            .strip_prefix("column '")
            .and_then(|m| m.strip_suffix("' missing from schema"))
        {
            format!(
                "key '{}' first appears at or after record {}, after the first rows the types were inferred from",
                clip(key),
                rows + 1
            )
        } else {
            format!("{} (at or after record {})", clip(&message), rows + 1)
        };
        self.conflict(message)
    }

    /// A value that does not fit the inferred types: a conflict to widen them with strict
    /// types, else a format error.
    fn conflict(&self, message: String) -> Error {
        if self.strict {
            Error::TypeConflict {
                path: self.path.clone(),
                message,
            }
        } else {
            Error::Format {
                path: self.path.clone(),
                format: Format::Jsonl.name(),
                message,
                source: None,
            }
        }
    }
}

/// A CSV or JSON file's bytes, decompressed, buffered and (with `count`) counted as read from
/// disk, for progress.
fn text_reader(
    path: &Path,
    compression: Option<Compression>,
    count: Option<Arc<AtomicU64>>,
) -> Result<Box<dyn BufRead + Send>> {
    let f = File::open(path).map_err(|e| io_err(path, e))?;
    if let Some(c) = &count {
        c.store(0, Ordering::Relaxed);
    }
    let raw: Box<dyn Read + Send> = match count {
        Some(count) => Box::new(Counting { inner: f, count }),
        None => Box::new(f),
    };
    const BUF: usize = 1 << 20;
    Ok(match compression {
        None => Box::new(BufReader::with_capacity(BUF, raw)),
        Some(Compression::Gzip) => Box::new(BufReader::with_capacity(
            BUF,
            flate2::read::MultiGzDecoder::new(BufReader::new(raw)),
        )),
        Some(Compression::Zstd) => Box::new(BufReader::with_capacity(
            BUF,
            zstd::stream::read::Decoder::new(raw).map_err(|e| io_err(path, e))?,
        )),
    })
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
    crate::error::io_error(path, e)
}

/// A decoder's error `e` about `path`, kept as the error's source.
fn fmt_err(
    path: &Path,
    format: Format,
    e: impl std::error::Error + Send + Sync + 'static,
) -> Error {
    let message = clip(&strip_arrow_prefix(&e.to_string()));
    Error::format_with_source(path, format.name(), message, e)
}

/// Expand paths: files stay, directories become their files of known formats (recursively, in
/// name order, by the rules of [`crate::util::walk`]). Missing paths and directories without data
/// files come back as errors beside the files found.
pub fn expand(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<Error>) {
    let (files, errors, _) = expand_noting(paths);
    (files, errors)
}

/// [`expand`], with the walk's notices (links not followed again, files reached twice).
pub fn expand_noting(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<Error>, Vec<String>) {
    let w = crate::util::walk::walk(paths, &|p, named| named || Format::from_path(p).is_some());
    let mut errors = w.errors;
    for (i, (p, &n)) in paths.iter().zip(&w.per_path).enumerate() {
        let id = crate::util::walk::FileId::of(p);
        let repeated = paths[..i]
            .iter()
            .any(|q| id.is_some() && crate::util::walk::FileId::of(q) == id);
        if n == 0 && p.is_dir() && !repeated {
            errors.push(Error::Empty {
                path: p.clone(),
                message: "directory holds no .parquet, .csv, .arrow or .jsonl files".into(),
            });
        }
    }
    (w.files, errors, w.notices)
}

fn is_ipc_file(path: &Path) -> Result<bool> {
    let mut f = File::open(path).map_err(|e| io_err(path, e))?;
    let mut magic = [0u8; 6];
    let read = f.read_exact(&mut magic).is_ok();
    if read && &magic[..4] == b"FEA1" {
        return Err(Error::Format {
            path: path.to_path_buf(),
            format: Format::Ipc.name(),
            message: "a Feather version 1 file (written by feather-format or pandas before 0.25), which the Arrow readers do not read: rewrite it as Feather 2, e.g. pyarrow.feather.write_feather(pyarrow.feather.read_table(path), path)".into(),
            source: None,
        });
    }
    Ok(read && &magic == b"ARROW1")
}

/// An Arrow IPC file's footer, and the blocks it lists, must lie inside the file: the reader
/// allocates what they declare before reading it, so a damaged length in a file of a few
/// kilobytes would take gigabytes of memory (or the process) before failing as a short read.
/// A footer that does not parse is left to the reader's own error.
fn check_ipc_footer(path: &Path) -> Result<()> {
    let bad = |message: String| Error::Format {
        path: path.to_path_buf(),
        format: Format::Ipc.name(),
        message,
        source: None,
    };
    let io = |e| io_err(path, e);
    let mut f = File::open(path).map_err(io)?;
    let len = f.metadata().map_err(io)?.len();
    if len < 10 {
        return Ok(());
    }
    let mut tail = [0u8; 10];
    f.seek(SeekFrom::End(-10)).map_err(io)?;
    f.read_exact(&mut tail).map_err(io)?;
    if &tail[4..] != b"ARROW1" {
        return Ok(());
    }
    let footer_len = i32::from_le_bytes(tail[..4].try_into().expect("4 bytes"));
    if footer_len < 0 || footer_len as u64 > len - 10 {
        return Err(bad(format!(
            "its footer claims {footer_len} bytes, more than the file's {len}"
        )));
    }
    let mut footer = vec![0u8; footer_len as usize];
    f.seek(SeekFrom::End(-10 - footer_len as i64)).map_err(io)?;
    f.read_exact(&mut footer).map_err(io)?;
    let Ok(footer) = arrow::ipc::root_as_footer(&footer) else {
        return Ok(());
    };
    for (kind, blocks) in [
        ("record batch", footer.recordBatches()),
        ("dictionary", footer.dictionaries()),
    ] {
        for (i, b) in blocks.into_iter().flatten().enumerate() {
            let (at, meta, body) = (b.offset(), b.metaDataLength(), b.bodyLength());
            let size = meta as i128 + body as i128;
            if at < 0 || meta < 0 || body < 0 || at as i128 + size > len as i128 {
                return Err(bad(format!(
                    "{kind} block {i} claims {size} bytes at offset {at}, past the end of the file ({len} bytes)"
                )));
            }
        }
    }
    Ok(())
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
                source: None,
            });
        }
        let file = File::open(path).map_err(|e| io_err(path, e))?;
        if meta.len() == 0 {
            return Err(Error::Empty {
                path: path.to_path_buf(),
                message: "empty file (0 bytes)".into(),
            });
        }
        let compression = match format {
            Format::Csv | Format::Jsonl => Compression::sniff(path)?,
            _ => None,
        };
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
                    check_ipc_footer(path)?;
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
                let r = text_reader(path, compression, None)?;
                let (s, _) = csv::csv_format(path, &opts.csv)?
                    .infer_schema(r, opts.csv.infer_rows)
                    .map_err(|e| fmt_err(path, format, e))?;
                (Arc::new(s), None)
            }
            Format::Jsonl => {
                let r = text_reader(path, compression, None)?;
                let inferred = json::infer(r, opts.csv.infer_rows).map_err(|e| Error::Format {
                    path: path.to_path_buf(),
                    format: format.name(),
                    message: match e.line {
                        Some(l) => format!("line {l}: {}", e.message),
                        None => e.message,
                    },
                    source: None,
                })?;
                (Arc::new(inferred.schema), None)
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
            compression,
            strict: false,
        })
    }

    /// Make a value that does not fit the inferred types an [`Error::TypeConflict`] (a float in
    /// an integer column, a key the first rows did not have), instead of reading it as the
    /// readers otherwise would (CSV: an error; JSON: truncated, or the key left out).
    pub fn strict(mut self) -> SourceFile {
        self.strict = true;
        self
    }

    /// Whether this file's types were inferred from its first rows only (a CSV or JSON file
    /// opened with a row limit): a conflict later may need the whole file's types.
    pub fn inferred_from_a_window(&self) -> bool {
        matches!(self.format, Format::Csv | Format::Jsonl) && self.opts.csv.infer_rows.is_some()
    }

    /// The rows of each batch: the option, lowered so a batch holds at most [`BATCH_VALUES`]
    /// values and no more rows than the file can hold (buffers are sized by it).
    fn batch_rows(&self) -> usize {
        let cols = self.schema.fields().len().max(1);
        let most = match (self.rows, self.compression) {
            (Some(r), _) => r as usize,
            // A CSV row takes at least a byte a column (delimiters, the newline); a JSON row
            // at least one byte.
            (None, None) if self.format == Format::Csv => self.bytes as usize / cols + 1,
            (None, None) => self.bytes as usize,
            (None, Some(_)) => usize::MAX,
        };
        self.opts
            .batch_rows
            .min(MAX_BATCH_ROWS)
            .min(BATCH_VALUES / cols)
            .min(most)
            .max(1)
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

    /// Read in batches of at least `rows` rows from now on (the GPU path wants large transfers),
    /// within the bounds of `SourceFile::batch_rows`.
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
        let n = self.batch_rows();
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
                let r = text_reader(&self.path, self.compression, Some(self.read_bytes.clone()))?;
                self.csv_batches(r, projection, self.opts.csv.has_header, 0)?
            }
            Format::Jsonl => {
                let mut b = arrow::json::ReaderBuilder::new(self.schema.clone())
                    .with_batch_size(n)
                    .with_coerce_primitive(true)
                    .with_flatten(true);
                b = b.with_decoder_factory(Arc::new(json::Decoders {
                    strict: self.strict,
                }));
                if self.strict {
                    b = b.with_strict_mode(true);
                }
                let r = text_reader(&self.path, self.compression, Some(self.read_bytes.clone()))?;
                let r = b.build(r).map_err(|e| fmt_err(&self.path, format, e))?;
                let proj = projection.map(|p| p.to_vec());
                let me = self.reopen_info();
                let mut rows = 0u64;
                Box::new(r.map(move |b| {
                    let b = b.map_err(|e| me.json_error(e, rows))?;
                    rows += b.num_rows() as u64;
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

    /// CSV record batches of `r` (the file, or a chunk of it that starts at byte `start`, with
    /// a header line when `header`).
    fn csv_batches(
        &self,
        r: Box<dyn BufRead + Send>,
        projection: Option<&[usize]>,
        header: bool,
        start: u64,
    ) -> Result<Batches> {
        let format = Format::Csv;
        let checked = if self.strict {
            csv::Checked::plan(&self.path, &self.schema, projection, header)
        } else {
            None
        };
        let (read_schema, mut checked) = match checked {
            Some((s, c)) => (s, Some(c)),
            None => (self.schema.clone(), None),
        };
        let opts = CsvOptions {
            has_header: header,
            ..self.opts.csv.clone()
        };
        let mut b = arrow::csv::ReaderBuilder::new(read_schema)
            .with_format(csv::csv_format(&self.path, &opts)?)
            .with_batch_size(self.batch_rows());
        if let Some(p) = projection {
            b = b.with_projection(p.to_vec());
        }
        let r = b
            .build_buffered(r)
            .map_err(|e| fmt_err(&self.path, format, e))?;
        let (path, schema, strict) = (self.path.clone(), self.schema.clone(), self.strict);
        Ok(Box::new(r.map(move |b| {
            let b = b.map_err(|e| match csv::csv_err(&path, &schema, e) {
                Error::TypeConflict { path, message } if !strict => Error::Format {
                    path,
                    format: Format::Csv.name(),
                    message,
                    source: None,
                },
                e => e,
            });
            let b = match (b, &mut checked) {
                (Ok(b), Some(c)) => c.check(b),
                (b, _) => b,
            };
            // Errors of a chunk name lines of the file: count those before the chunk.
            b.map_err(|e| match start {
                0 => e,
                _ => match csv::lines_before(&path, start) {
                    Ok(lines) => csv::shift_lines(e, lines),
                    Err(_) => e,
                },
            })
        })))
    }

    /// Byte ranges of an uncompressed CSV file of at least two chunks (`chunk_bytes`), each
    /// starting at a line, that can be parsed apart (when no field is quoted: see
    /// [`SourceFile::csv_chunk_batches`]); `None` otherwise.
    pub fn csv_chunks(&self) -> Option<Vec<(u64, u64)>> {
        if self.format != Format::Csv || self.compression.is_some() {
            return None;
        }
        csv::chunks(
            &self.path,
            self.bytes,
            self.opts.csv.chunk_bytes.max(1 << 10),
        )
    }

    /// The record batches of one chunk of [`SourceFile::csv_chunks`], read into memory first;
    /// `Ok(None)` when the chunk holds a quote character (a quoted field may hold a line break,
    /// so the file must be parsed from its start).
    pub fn csv_chunk_batches(&self, start: u64, end: u64) -> Result<Option<Batches>> {
        let bytes = csv::read_range(&self.path, start, end).map_err(|e| io_err(&self.path, e))?;
        if memchr::memchr(self.opts.csv.quote, &bytes).is_some() {
            return Ok(None);
        }
        self.read_bytes
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        let header = start == 0 && self.opts.csv.has_header;
        let r: Box<dyn BufRead + Send> = Box::new(std::io::Cursor::new(bytes));
        self.csv_batches(r, None, header, start).map(Some)
    }

    fn reopen_info(&self) -> JsonFile {
        JsonFile {
            path: self.path.clone(),
            compression: self.compression,
            strict: self.strict,
            schema: self.schema.clone(),
        }
    }

    /// The footer of a Parquet file (`None` for other formats): row-group statistics that can
    /// give a column's range before its data is read.
    pub fn parquet_metadata(&self) -> Option<&parquet::file::metadata::ParquetMetaData> {
        self.parquet.as_ref().map(|m| m.metadata().as_ref())
    }
}
