//! Record batches from a byte stream read once (standard input): Arrow IPC stream, CSV or JSON
//! lines, optionally gzip- or zstd-compressed (recognised by their magic bytes).
//!
//! CSV and JSON types are inferred from the first `infer_rows` records, held in memory and then
//! read again together with the rest of the stream, so memory stays bounded by the inference
//! window and one batch. A stream cannot be read twice: a later value that does not fit the
//! inferred types is an error that names its line (with `infer_rows` 0 the whole stream is held
//! in memory and its types inferred from all of it).

use super::{csv, json, Format, ReadOptions, MAX_BATCH_ROWS};
use crate::error::{Error, Result};
use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use std::io::{BufRead, BufReader, Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Batches of a stream.
pub type StreamBatches = Box<dyn Iterator<Item = Result<RecordBatch>> + Send>;

/// A decoder's error `e` about the stream `name`, kept as the error's source.
fn err(name: &Path, format: Format, e: impl std::error::Error + Send + Sync + 'static) -> Error {
    let message = super::strip_arrow_prefix(&e.to_string());
    Error::format_with_source(name, format.name(), message, e)
}

/// A format error about the stream `name` that has no decoder error behind it.
fn err_text(name: &Path, format: Format, message: String) -> Error {
    Error::Format {
        path: name.to_path_buf(),
        format: format.name(),
        message,
        source: None,
    }
}

/// Undo gzip or zstd compression, recognised by the first bytes.
fn decompressed(r: Box<dyn Read + Send>) -> std::io::Result<Box<dyn BufRead + Send>> {
    let mut b = BufReader::with_capacity(1 << 20, r);
    let head = b.fill_buf()?.to_vec();
    Ok(if head.starts_with(&[0x1f, 0x8b]) {
        Box::new(BufReader::with_capacity(
            1 << 20,
            flate2::read::MultiGzDecoder::new(b),
        ))
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Box::new(BufReader::with_capacity(
            1 << 20,
            zstd::stream::read::Decoder::with_buffer(b)?,
        ))
    } else {
        Box::new(b)
    })
}

/// The format of a stream by its first bytes: Arrow IPC (a continuation marker), Parquet (which
/// cannot be streamed: refused with the reason), JSON (an object or array), else CSV.
fn sniff(head: &[u8]) -> Format {
    if head.starts_with(&[0xff, 0xff, 0xff, 0xff]) || head.starts_with(b"ARROW1") {
        Format::Ipc
    } else if head.starts_with(b"PAR1") {
        Format::Parquet
    } else {
        match head.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') | Some(b'[') => Format::Jsonl,
            _ => Format::Csv,
        }
    }
}

/// Read up to `limit` lines (`None`: all) into memory.
fn head_lines(r: &mut dyn BufRead, limit: Option<usize>) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let mut lines = 0;
    while limit.is_none_or(|l| lines < l) {
        let n = r.read_until(b'\n', &mut buf)?;
        if n == 0 {
            break;
        }
        lines += 1;
    }
    Ok(buf)
}

/// Open a stream named `name` (for messages; `-` for standard input). The format is the
/// option's, or recognised from the first bytes.
///
/// Long because it is one arm per format a stream can be in, each a few lines of reader setup.
pub fn open_stream(
    input: Box<dyn Read + Send>,
    name: &Path,
    opts: &ReadOptions,
) -> Result<(SchemaRef, Format, StreamBatches)> {
    let io = |e: std::io::Error| crate::error::io_error(name, e);
    let mut r = decompressed(input).map_err(io)?;
    let head = r.fill_buf().map_err(io)?.to_vec();
    if head.is_empty() {
        return Err(Error::Empty {
            path: name.to_path_buf(),
            message: "empty stream (0 bytes)".into(),
        });
    }
    let format = opts.format.unwrap_or_else(|| sniff(&head));
    let rows = opts.batch_rows.clamp(1, MAX_BATCH_ROWS);
    let path: PathBuf = name.to_path_buf();
    match format {
        Format::Ipc => {
            let reader = arrow::ipc::reader::StreamReader::try_new(r, None)
                .map_err(|e| err(name, format, e))?;
            let schema = reader.schema();
            let it = reader.map(move |b| b.map_err(|e| err(&path, format, e)));
            Ok((schema, format, Box::new(it)))
        }
        Format::Parquet => Err(Error::Option(
            "a Parquet file cannot be read as a stream (its footer is at the end): pass its path"
                .into(),
        )),
        Format::Csv => {
            let window = head_lines(&mut r, opts.csv.infer_rows.map(|n| n + 1)).map_err(io)?;
            let f = csv::csv_format(name, &opts.csv)?;
            let (schema, _) = f
                .infer_schema(Cursor::new(&window), opts.csv.infer_rows)
                .map_err(|e| err(name, format, e))?;
            let schema = Arc::new(schema);
            if schema.fields().is_empty() {
                return Err(Error::Empty {
                    path: path.clone(),
                    message: "no columns".into(),
                });
            }
            let (read_schema, mut checked) =
                match csv::Checked::plan(name, &schema, None, opts.csv.has_header) {
                    Some((s, c)) => (s, Some(c)),
                    None => (schema.clone(), None),
                };
            let reader = arrow::csv::ReaderBuilder::new(read_schema)
                .with_format(csv::csv_format(name, &opts.csv)?)
                .with_batch_size(rows)
                .build_buffered(BufReader::new(Cursor::new(window).chain(r)))
                .map_err(|e| err(name, format, e))?;
            let s2 = schema.clone();
            let it = reader.map(move |b| {
                let b = b.map_err(|e| once(csv::csv_err(&path, &s2, e)))?;
                match &mut checked {
                    Some(c) => c.check(b).map_err(once),
                    None => Ok(b),
                }
            });
            Ok((schema, format, Box::new(it)))
        }
        Format::Jsonl => {
            let window = head_lines(&mut r, opts.csv.infer_rows).map_err(io)?;
            let inferred = json::infer(Cursor::new(&window), opts.csv.infer_rows).map_err(|e| {
                err_text(
                    name,
                    format,
                    match e.line {
                        Some(l) => format!("line {l}: {}", e.message),
                        None => e.message,
                    },
                )
            })?;
            let schema = Arc::new(inferred.schema);
            if schema.fields().is_empty() {
                return Err(Error::Empty {
                    path: path.clone(),
                    message: "no columns".into(),
                });
            }
            let reader = arrow::json::ReaderBuilder::new(schema.clone())
                .with_batch_size(rows)
                .with_coerce_primitive(true)
                .with_strict_mode(true)
                .with_decoder_factory(Arc::new(json::Decoders { strict: true }))
                .build(BufReader::new(Cursor::new(window).chain(r)))
                .map_err(|e| err(name, format, e))?;
            let mut done = 0u64;
            let it = reader.map(move |b| {
                let b = b.map_err(|e| {
                    once(Error::TypeConflict {
                        path: path.clone(),
                        message: format!(
                            "in the records from {} on: {}",
                            done + 1,
                            super::strip_arrow_prefix(&e.to_string())
                        ),
                    })
                })?;
                done += b.num_rows() as u64;
                Ok(b)
            });
            Ok((schema, format, Box::new(it)))
        }
    }
}

/// A type conflict in a stream, with what to do about it (a stream is read once).
fn once(e: Error) -> Error {
    match e {
        Error::TypeConflict { path, message } => Error::Format {
            path,
            format: "stream",
            message: format!(
                "{message}; a stream is read once, so its types come from its first rows: pass a larger `infer_rows`, or `infer_rows` 0 to hold it in memory and infer from all of it"
            ),
            source: None,
        },
        e => e,
    }
}
