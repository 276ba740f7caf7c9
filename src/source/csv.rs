//! CSV inputs: the reader's format (delimiter, header, null spellings), errors that name the
//! right line and column, and the strict reading of columns the reader would read without a
//! word of complaint.
//!
//! arrow's CSV reader reads a column whose first rows were all empty (type `Null`) as nulls to
//! the end, whatever it holds later, and a `Date32` column by cutting the time off a later
//! datetime. With strict types such columns are read as text and checked: a value that does
//! not fit is an [`Error::TypeConflict`], which the profiler answers by inferring the file's
//! types from all of it.

use super::{clip, data_extension, fmt_err, strip_arrow_prefix, CsvOptions, Format};
use crate::error::{Error, Result};
use arrow::array::{new_null_array, Array, ArrayRef, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Schema, SchemaRef};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A CSV decoding error, with its line made right: arrow counts a value's line from 0 (so one
/// short of the file's line), and echoes the whole row.
pub(super) fn csv_err(
    path: &Path,
    schema: &arrow::datatypes::Schema,
    e: arrow::error::ArrowError,
) -> Error {
    let m = strip_arrow_prefix(&e.to_string());
    let re = regex::Regex::new(
        r"^Error while parsing value '(.*)' as type '(.*)' for column (\d+) at line (\d+)\.",
    )
    .expect("a valid pattern");
    match re.captures(&m) {
        Some(c) => {
            let col: usize = c[3].parse().unwrap_or(0);
            let line: u64 = c[4].parse::<u64>().unwrap_or(0) + 1;
            let name = schema
                .fields()
                .get(col)
                .map_or_else(|| format!("#{col}"), |f| f.name().clone());
            Error::TypeConflict {
                path: path.to_path_buf(),
                message: format!(
                    "line {line}: column '{}' holds '{}', which is not {} (the type inferred from the first rows)",
                    clip(&name),
                    clip(&c[1]),
                    &c[2]
                ),
            }
        }
        None => Error::format_with_source(path, Format::Csv.name(), clip(&m), e),
    }
}

/// The CSV reader's format for a file.
pub(super) fn csv_format(path: &Path, o: &CsvOptions) -> Result<arrow::csv::reader::Format> {
    let tsv = data_extension(path).is_some_and(|e| e == "tsv");
    let delim = o.delimiter.unwrap_or(if tsv { b'\t' } else { b',' });
    let format = arrow::csv::reader::Format::default()
        .with_header(o.has_header)
        .with_delimiter(delim)
        .with_quote(o.quote);
    let spellings: Vec<String> = o
        .null_values
        .iter()
        .filter(|v| !v.is_empty())
        .map(|v| regex::escape(v))
        .collect();
    if spellings.is_empty() {
        // Only empty fields: the reader's own test, without a pattern to match.
        return Ok(format);
    }
    // Empty fields stay null, as they are without a pattern; then the listed spellings.
    let null = regex::Regex::new(&format!("^(?:|{})$", spellings.join("|")))
        .map_err(|e| Error::Option(format!("null values: {e}")))?;
    Ok(format.with_null_regex(null))
}

/// The columns of a strict CSV read that are read as text and checked (`Null` and `Date32`
/// columns), and how to give their batches back in the file's own types.
pub(super) struct Checked {
    path: PathBuf,
    /// The schema the batches must have (projected).
    out: SchemaRef,
    /// Projected column index and the type it was inferred as.
    cols: Vec<(usize, DataType)>,
    has_header: bool,
    rows: u64,
}

impl Checked {
    /// The schema to read with (checked columns as text), and the checker; `None` when no
    /// column needs checking.
    pub(super) fn plan(
        path: &Path,
        schema: &SchemaRef,
        projection: Option<&[usize]>,
        has_header: bool,
    ) -> Option<(SchemaRef, Checked)> {
        let needs = |t: &DataType| {
            matches!(
                t,
                DataType::Null | DataType::Date32 | DataType::Timestamp(..)
            )
        };
        if !schema.fields().iter().any(|f| needs(f.data_type())) {
            return None;
        }
        let read = Schema::new(
            schema
                .fields()
                .iter()
                .map(|f| {
                    if needs(f.data_type()) {
                        Arc::new(
                            f.as_ref()
                                .clone()
                                .with_data_type(DataType::Utf8)
                                .with_nullable(true),
                        )
                    } else {
                        f.clone()
                    }
                })
                .collect::<Vec<_>>(),
        );
        let kept: Vec<usize> = match projection {
            Some(p) => p.to_vec(),
            None => (0..schema.fields().len()).collect(),
        };
        let out = Arc::new(schema.project(&kept).expect("projection from the schema"));
        let cols = kept
            .iter()
            .enumerate()
            .filter(|(_, &i)| needs(schema.field(i).data_type()))
            .map(|(k, &i)| (k, schema.field(i).data_type().clone()))
            .collect();
        Some((
            Arc::new(read),
            Checked {
                path: path.to_path_buf(),
                out,
                cols,
                has_header,
                rows: 0,
            },
        ))
    }

    /// Check a batch read with the text schema, and give it back in the file's types.
    pub(super) fn check(&mut self, b: RecordBatch) -> Result<RecordBatch> {
        let mut cols: Vec<ArrayRef> = b.columns().to_vec();
        for (k, dt) in &self.cols {
            let text = b.column(*k).as_string::<i32>();
            let misfit = (0..text.len()).find(|&i| {
                text.is_valid(i)
                    && match dt {
                        DataType::Null => true,
                        // More digits of a second than the unit holds: arrow would cut them.
                        DataType::Timestamp(unit, _) => {
                            fraction_digits(text.value(i)) > unit_digits(*unit)
                        }
                        // `YYYY-MM-DD` and nothing more: arrow would cut a time off.
                        _ => !is_date(text.value(i)),
                    }
            });
            if let Some(i) = misfit {
                let record = self.rows + i as u64 + 1;
                let line = record + self.has_header as u64;
                let name = self.out.field(*k).name();
                return Err(Error::TypeConflict {
                    path: self.path.clone(),
                    message: match dt {
                        DataType::Null => format!(
                            "line {line}: column '{}' was empty in the first rows and holds '{}'",
                            clip(name),
                            clip(text.value(i))
                        ),
                        _ => format!(
                            "line {line}: column '{}' holds '{}', which is not a {dt} (the type inferred from the first rows)",
                            clip(name),
                            clip(text.value(i))
                        ),
                    },
                });
            }
            cols[*k] = match dt {
                DataType::Null => new_null_array(&DataType::Null, text.len()),
                _ => arrow::compute::cast(b.column(*k), dt)
                    .map_err(|e| fmt_err(&self.path, Format::Csv, e))?,
            };
        }
        self.rows += b.num_rows() as u64;
        RecordBatch::try_new_with_options(
            self.out.clone(),
            cols,
            &arrow::array::RecordBatchOptions::new().with_row_count(Some(b.num_rows())),
        )
        .map_err(|e| fmt_err(&self.path, Format::Csv, e))
    }
}

/// Decimal digits of a second a time unit holds.
fn unit_digits(u: arrow::datatypes::TimeUnit) -> usize {
    use arrow::datatypes::TimeUnit::*;
    match u {
        Second => 0,
        Millisecond => 3,
        Microsecond => 6,
        Nanosecond => 9,
    }
}

/// Significant digits of the fraction of a second in a datetime (`10:00:00.50` has 1).
fn fraction_digits(s: &str) -> usize {
    let b = s.as_bytes();
    // `HH:MM:SS` then `.` and digits (a zone's `+02:00` comes after).
    let Some(first) = s.find(':') else { return 0 };
    let colon = first + 3;
    let at = colon + 3;
    if b.get(colon) != Some(&b':')
        || b.get(at) != Some(&b'.')
        || !b[colon + 1..at].iter().all(u8::is_ascii_digit)
    {
        return 0;
    }
    let digits: Vec<u8> = b[at + 1..]
        .iter()
        .copied()
        .take_while(u8::is_ascii_digit)
        .collect();
    digits.iter().rposition(|&d| d != b'0').map_or(0, |p| p + 1)
}

/// Whether a CSV field is a plain date, `YYYY-MM-DD` (surrounding spaces allowed).
fn is_date(s: &str) -> bool {
    let b = s.trim().as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// Bytes per chunk of a CSV file parsed in parallel.
pub const CHUNK_BYTES: u64 = 16 << 20;

/// Chunks of about `size` bytes of a file of `len` bytes, each starting after a line break;
/// `None` for files of less than two chunks or without line breaks to cut at.
pub(super) fn chunks(path: &Path, len: u64, size: u64) -> Option<Vec<(u64, u64)>> {
    use std::io::{Read, Seek, SeekFrom};
    if len < 2 * size {
        return None;
    }
    let mut f = std::fs::File::open(path).ok()?;
    let mut cuts = vec![0u64];
    let mut buf = vec![0u8; 1 << 16];
    let mut at = size;
    while at < len {
        f.seek(SeekFrom::Start(at)).ok()?;
        let n = f.read(&mut buf).ok()?;
        let nl = memchr::memchr(b'\n', &buf[..n])?;
        let cut = at + nl as u64 + 1;
        if cut >= len {
            break;
        }
        cuts.push(cut);
        at = cut + size;
    }
    cuts.push(len);
    (cuts.len() > 2).then(|| cuts.windows(2).map(|w| (w[0], w[1])).collect())
}

/// The bytes `start..end` of a file.
pub(super) fn read_range(path: &Path, start: u64, end: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(path)?;
    f.seek(SeekFrom::Start(start))?;
    let mut bytes = Vec::with_capacity((end - start) as usize);
    f.take(end - start).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Line breaks in the first `end` bytes of a file.
pub(super) fn lines_before(path: &Path, end: u64) -> std::io::Result<u64> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?.take(end);
    let mut buf = vec![0u8; 1 << 20];
    let mut lines = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            return Ok(lines);
        }
        lines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
    }
}

/// An error of a chunk that starts after `offset` lines, with its line numbers made the file's.
pub(super) fn shift_lines(e: Error, offset: u64) -> Error {
    if offset == 0 {
        return e;
    }
    let shift = |m: String| {
        let re = regex::Regex::new(r"\bline (\d+)").expect("a valid pattern");
        re.replace_all(&m, |c: &regex::Captures| {
            format!("line {}", c[1].parse::<u64>().unwrap_or(0) + offset)
        })
        .into_owned()
    };
    match e {
        Error::TypeConflict { path, message } => Error::TypeConflict {
            path,
            message: shift(message),
        },
        Error::Format {
            path,
            format,
            message,
            source,
        } => Error::Format {
            path,
            format,
            message: shift(message),
            source,
        },
        e => e,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fractions_of_a_second_are_counted() {
        assert_eq!(super::fraction_digits("2024-01-02T10:00:00"), 0);
        assert_eq!(super::fraction_digits("2024-01-02T10:00:00.5"), 1);
        assert_eq!(super::fraction_digits("2024-01-02 10:00:00.250000"), 2);
        assert_eq!(
            super::fraction_digits("2024-01-02T10:00:00.000001+02:00"),
            6
        );
    }

    #[test]
    fn dates_are_dates_only() {
        assert!(super::is_date("2024-01-31"));
        assert!(!super::is_date("2024-01-31T10:00:00"));
        assert!(!super::is_date("2024-01-31 10:00"));
    }
}
