//! One schema for the files of a dataset, and each file's batches conformed to it.
//!
//! Files are matched by column name (the k-th column of a name to the k-th of that name, so
//! names may repeat), never by position. The dataset's type of a column joins the files' types:
//!
//! - a column that is all null in a file (type `Null`) fits any type, and reads as nulls;
//! - numbers of different types are numbers: integers of different widths (and booleans) join
//!   as `Int64` (as `Float64` with a `UInt64`), and any float or decimal makes the column
//!   `Float64`, so the profile names a type that holds every value;
//! - timestamps join with timestamps and dates in the finest unit among them (the first file's
//!   time zone), dates with dates, times with times, durations with durations: values are
//!   converted, never mixed as raw counts of different units, and one that the finer unit
//!   cannot hold is an error for its file rather than a null;
//! - text joins with text (the first file's flavour), binary with binary;
//! - text takes in numbers, booleans and dates from files whose types were inferred (CSV, JSON),
//!   as one file holding `1` and `"two"` is read;
//! - JSON files may lack a key others have (their rows are null there) and may add keys;
//!   columns that JSON files brought are optional for every file. Otherwise a file must have the
//!   dataset's columns and no others, and a file that does not fit is reported and left out.
//!
//! A file's batches are then projected, cast and filled with null columns to the dataset's
//! schema, one [`Layout`] per file.

use crate::error::{Error, Result};
use crate::source::{Format, SourceFile};
use arrow::array::{new_null_array, ArrayRef, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use std::sync::Arc;

/// Where a dataset column comes from in one file.
#[derive(Clone, Debug, PartialEq)]
enum Slot {
    /// The file's column `index`, cast to the dataset's type when `cast`.
    Column { index: usize, cast: bool },
    /// The file has no such column (a JSON key it lacks), or holds only nulls there.
    Nulls,
}

/// How one file's columns make the dataset's.
#[derive(Clone, Debug)]
pub(crate) struct Layout {
    slots: Vec<Slot>,
    schema: SchemaRef,
}

impl Layout {
    /// The file's column for dataset column `c`, if it has one.
    pub fn file_column(&self, c: usize) -> Option<usize> {
        match self.slots[c] {
            Slot::Column { index, .. } => Some(index),
            Slot::Nulls => None,
        }
    }

    /// Whether dataset column `c` is the file's column as it is (no cast, no nulls): only then
    /// can the file's own statistics (Parquet footers) stand for it.
    pub fn as_is(&self, c: usize) -> bool {
        matches!(self.slots[c], Slot::Column { cast: false, .. })
    }

    /// The file's column `arr` (for dataset column `c`) in the dataset's type.
    pub fn column(&self, c: usize, arr: &ArrayRef, path: &std::path::Path) -> Result<ArrayRef> {
        let dt = self.schema.field(c).data_type();
        match self.slots[c] {
            Slot::Column { cast: false, .. } => Ok(arr.clone()),
            Slot::Column { cast: true, .. } => cast(arr, dt).map_err(|e| {
                let message = format!(
                    "column '{}' ({}) cannot be read as {dt}, the dataset's type: {}",
                    self.schema.field(c).name(),
                    arr.data_type(),
                    crate::source::strip_arrow_prefix(&e.to_string())
                );
                Error::format_with_source(path, "record batch", message, e)
            }),
            Slot::Nulls => Ok(new_null_array(dt, arr.len())),
        }
    }

    /// A batch of the file, in the dataset's schema.
    pub fn conform(&self, b: RecordBatch, path: &std::path::Path) -> Result<RecordBatch> {
        let same = self.slots.len() == b.num_columns()
            && self.slots.iter().enumerate().all(|(c, s)| {
                *s == Slot::Column {
                    index: c,
                    cast: false,
                }
            });
        if same && b.schema().fields() == self.schema.fields() {
            return Ok(b);
        }
        let n = b.num_rows();
        let cols = self
            .slots
            .iter()
            .enumerate()
            .map(|(c, s)| match s {
                Slot::Column { index, .. } => self.column(c, b.column(*index), path),
                Slot::Nulls => Ok(new_null_array(self.schema.field(c).data_type(), n)),
            })
            .collect::<Result<Vec<_>>>()?;
        RecordBatch::try_new_with_options(
            self.schema.clone(),
            cols,
            &arrow::array::RecordBatchOptions::new().with_row_count(Some(n)),
        )
        .map_err(|e| Error::format_with_source(path, "record batch", e.to_string(), e))
    }
}

fn value_type(t: &DataType) -> &DataType {
    match t {
        DataType::Dictionary(_, v) => v,
        t => t,
    }
}

fn is_text(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

/// A string or binary column type (any offset width, views included): what text pipelines
/// read, binary columns being strings that older Parquet writers left unannotated.
pub fn is_text_or_bytes(t: &DataType) -> bool {
    is_text(t) || is_bytes(t)
}

fn is_bytes(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView
    )
}

fn is_temporal(t: &DataType) -> bool {
    t.is_temporal()
}

fn is_integer(t: &DataType) -> bool {
    t.is_integer() || *t == DataType::Boolean
}

/// Cast a column to `dt`: an overflow is an error, not a null; a timestamp keeps its instant
/// when only its time zone differs (no time-zone database needed).
fn cast(arr: &ArrayRef, dt: &DataType) -> std::result::Result<ArrayRef, arrow::error::ArrowError> {
    use arrow::compute::{cast_with_options, CastOptions};
    let strict = CastOptions {
        safe: false,
        ..Default::default()
    };
    if let (DataType::Timestamp(_, from_tz), DataType::Timestamp(unit, to_tz)) =
        (arr.data_type(), dt)
    {
        if from_tz != to_tz {
            let same_zone = DataType::Timestamp(*unit, from_tz.clone());
            let a = cast_with_options(arr, &same_zone, &strict)?;
            return Ok(retag_zone(&a, *unit, to_tz.clone()));
        }
    }
    cast_with_options(arr, dt, &strict)
}

/// The same instants under another time-zone tag.
fn retag_zone(a: &ArrayRef, unit: TimeUnit, tz: Option<Arc<str>>) -> ArrayRef {
    use arrow::array::AsArray;
    use arrow::datatypes::*;
    match unit {
        TimeUnit::Second => Arc::new(
            a.as_primitive::<TimestampSecondType>()
                .clone()
                .with_timezone_opt(tz),
        ),
        TimeUnit::Millisecond => Arc::new(
            a.as_primitive::<TimestampMillisecondType>()
                .clone()
                .with_timezone_opt(tz),
        ),
        TimeUnit::Microsecond => Arc::new(
            a.as_primitive::<TimestampMicrosecondType>()
                .clone()
                .with_timezone_opt(tz),
        ),
        TimeUnit::Nanosecond => Arc::new(
            a.as_primitive::<TimestampNanosecondType>()
                .clone()
                .with_timezone_opt(tz),
        ),
    }
}

fn finer(a: TimeUnit, b: TimeUnit) -> TimeUnit {
    let rank = |u: TimeUnit| match u {
        TimeUnit::Second => 0,
        TimeUnit::Millisecond => 1,
        TimeUnit::Microsecond => 2,
        TimeUnit::Nanosecond => 3,
    };
    if rank(b) > rank(a) {
        b
    } else {
        a
    }
}

/// The join of two temporal types, or `None` when they are of different kinds.
fn join_temporal(a: &DataType, b: &DataType) -> Option<DataType> {
    use DataType::*;
    let date_unit = |t: &DataType| match t {
        Date32 => TimeUnit::Second,
        _ => TimeUnit::Millisecond,
    };
    Some(match (a, b) {
        (Timestamp(u, tz), Timestamp(v, _)) => Timestamp(finer(*u, *v), tz.clone()),
        (Timestamp(u, tz), d @ (Date32 | Date64)) | (d @ (Date32 | Date64), Timestamp(u, tz)) => {
            Timestamp(finer(*u, date_unit(d)), tz.clone())
        }
        (Date32 | Date64, Date32 | Date64) => Date64,
        (Time32(u) | Time64(u), Time32(v) | Time64(v)) => match finer(*u, *v) {
            u @ (TimeUnit::Second | TimeUnit::Millisecond) => Time32(u),
            u => Time64(u),
        },
        (Duration(u), Duration(v)) => Duration(finer(*u, *v)),
        _ => return None,
    })
}

/// The type of a column that holds values of `a` (the dataset's so far) and of `b` (a file's);
/// `None` when none does. `a_soft`, `b_soft`: the scalar types on that side come only from
/// files whose types were inferred (CSV, JSON), so text may take them in.
fn join(a: &DataType, b: &DataType, a_soft: bool, b_soft: bool) -> Option<DataType> {
    let (va, vb) = (value_type(a), value_type(b));
    if va == vb {
        return Some(a.clone());
    }
    match (va, vb) {
        (DataType::Null, _) => return Some(b.clone()),
        (_, DataType::Null) => return Some(a.clone()),
        _ => {}
    }
    let numeric = |t: &DataType| is_numeric(t) && !is_temporal(t);
    if numeric(va) && numeric(vb) {
        return Some(if is_integer(va) && is_integer(vb) {
            if [va, vb].contains(&&DataType::UInt64) {
                DataType::Float64
            } else {
                DataType::Int64
            }
        } else {
            DataType::Float64
        });
    }
    if is_temporal(va) && is_temporal(vb) {
        return join_temporal(va, vb);
    }
    if is_text(va) && is_text(vb) || is_bytes(va) && is_bytes(vb) {
        return Some(a.clone());
    }
    let scalar = |t: &DataType| numeric(t) || is_temporal(t);
    if is_text(va) && scalar(vb) && b_soft {
        return Some(a.clone());
    }
    if scalar(va) && is_text(vb) && a_soft {
        return Some(b.clone());
    }
    None
}

fn inferred(f: &SourceFile) -> bool {
    matches!(f.format, Format::Csv | Format::Jsonl)
}

/// The files that fit one dataset, each with its layout, and the dataset's schema; each file
/// that does not fit becomes an [`Error::SchemaMismatch`] against the first file, in `errors`.
pub(crate) fn fit(
    files: Vec<SourceFile>,
    errors: &mut Vec<Error>,
) -> (Schema, Vec<(SourceFile, Layout)>) {
    let (schema, fits) = dataset(&files.iter().collect::<Vec<_>>());
    let reference = files.first().map(|f| f.path.clone()).unwrap_or_default();
    let mut kept = Vec::new();
    for (f, fit) in files.into_iter().zip(fits) {
        match fit {
            Ok(layout) => kept.push((f, layout)),
            Err(message) => errors.push(Error::SchemaMismatch {
                path: f.path.clone(),
                reference: reference.clone(),
                message,
            }),
        }
    }
    (schema, kept)
}

/// A dataset column while the files are matched.
#[derive(Clone)]
struct Col {
    field: Field,
    /// Every file that gave it a scalar type had its types inferred (CSV, JSON).
    soft: bool,
    /// A JSON file brought it: other files may lack it.
    optional: bool,
}

/// The dataset's schema over `files` (the first one's columns first), and each file's layout, or
/// why the file does not fit (then its columns leave no trace in the schema).
pub(crate) fn dataset(files: &[&SourceFile]) -> (Schema, Vec<std::result::Result<Layout, String>>) {
    let mut cols: Vec<Col> = Vec::new();
    // Per file: the dataset column of each of its columns.
    let maps: Vec<std::result::Result<Vec<usize>, String>> =
        files.iter().map(|f| place(&mut cols, f)).collect();
    let schema: SchemaRef = Arc::new(Schema::new(
        cols.into_iter().map(|c| c.field).collect::<Vec<_>>(),
    ));
    let layouts = files
        .iter()
        .zip(maps)
        .map(|(f, m)| {
            m.map(|m| {
                let mut slots = vec![Slot::Nulls; schema.fields().len()];
                for (index, &c) in m.iter().enumerate() {
                    let ft = f.schema.field(index).data_type();
                    let dt = schema.field(c).data_type();
                    slots[c] = if *ft == DataType::Null && *dt != DataType::Null {
                        Slot::Nulls
                    } else {
                        Slot::Column {
                            index,
                            cast: value_type(ft) != value_type(dt),
                        }
                    };
                }
                Layout {
                    slots,
                    schema: schema.clone(),
                }
            })
        })
        .collect();
    (schema.as_ref().clone(), layouts)
}

/// Match file `f`'s columns to the dataset's `cols` (widening their types, and adding columns
/// where it may), or say why it does not fit; on failure `cols` is left as it was.
fn place(cols: &mut Vec<Col>, f: &SourceFile) -> std::result::Result<Vec<usize>, String> {
    let json = f.format == Format::Jsonl;
    let soft = inferred(f);
    let first = cols.is_empty();
    let mut next = cols.clone();
    let mut map = Vec::with_capacity(f.schema.fields().len());
    let mut used = vec![false; next.len()];
    for (i, g) in f.schema.fields().iter().enumerate() {
        // The k-th column of this name in the file is the k-th of that name in the dataset.
        let k = f.schema.fields()[..i]
            .iter()
            .filter(|h| h.name() == g.name())
            .count();
        let found = next
            .iter()
            .enumerate()
            .filter(|(_, d)| d.field.name() == g.name())
            .nth(k)
            .map(|(c, _)| c);
        let c = match found {
            Some(c) => c,
            None if json || first => {
                next.push(Col {
                    field: g.as_ref().clone().with_nullable(true),
                    soft,
                    optional: json,
                });
                used.push(false);
                next.len() - 1
            }
            None => return Err(names_differ(cols, f)),
        };
        let col = &mut next[c];
        let joined =
            join(col.field.data_type(), g.data_type(), col.soft, soft).ok_or_else(|| {
                format!(
                    "column '{}' is {} here but {} in the dataset",
                    g.name(),
                    g.data_type(),
                    col.field.data_type()
                )
            })?;
        col.field = col.field.clone().with_data_type(joined);
        col.soft &= soft || *g.data_type() == DataType::Null;
        used[c] = true;
        map.push(c);
    }
    let missing = used.iter().zip(&next).any(|(u, col)| !u && !col.optional);
    if !json && missing {
        return Err(names_differ(cols, f));
    }
    *cols = next;
    Ok(map)
}

fn names_differ(cols: &[Col], f: &SourceFile) -> String {
    let names = |it: &mut dyn Iterator<Item = String>| it.collect::<Vec<_>>().join(", ");
    format!(
        "columns [{}] instead of the dataset's [{}]",
        names(&mut f.schema.fields().iter().map(|g| g.name().clone())),
        names(&mut cols.iter().map(|c| c.field.name().clone()))
    )
}

/// Whether a type is profiled as numbers, and how (dates and times as their stored integers).
pub fn is_numeric(dt: &DataType) -> bool {
    use DataType::*;
    matches!(
        dt,
        Int8 | Int16
            | Int32
            | Int64
            | UInt8
            | UInt16
            | UInt32
            | UInt64
            | Float16
            | Float32
            | Float64
            | Decimal32(..)
            | Decimal64(..)
            | Decimal128(..)
            | Decimal256(..)
            | Boolean
            | Date32
            | Date64
            | Time32(_)
            | Time64(_)
            | Timestamp(..)
            | Duration(_)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::datatypes::TimeUnit;

    #[test]
    fn types_join_to_one_that_holds_both() {
        use DataType::*;
        let hard = |a: &DataType, b: &DataType| join(a, b, false, false);
        assert_eq!(hard(&Int64, &Float64), Some(Float64));
        assert_eq!(hard(&Int32, &Int64), Some(Int64));
        assert_eq!(hard(&Boolean, &Int64), Some(Int64));
        assert_eq!(hard(&UInt64, &Int64), Some(Float64));
        assert_eq!(hard(&Null, &Utf8), Some(Utf8));
        assert_eq!(hard(&Utf8, &Int64), None);
        assert_eq!(join(&Utf8, &Int64, false, true), Some(Utf8));
        assert_eq!(join(&Int64, &LargeUtf8, true, false), Some(LargeUtf8));
        assert_eq!(join(&Int64, &Utf8, false, true), None);
        let ts = |u, tz: Option<&str>| Timestamp(u, tz.map(Arc::from));
        let (ms, us, ns) = (
            TimeUnit::Millisecond,
            TimeUnit::Microsecond,
            TimeUnit::Nanosecond,
        );
        assert_eq!(hard(&ts(ms, None), &ts(us, None)), Some(ts(us, None)));
        assert_eq!(
            hard(&ts(ns, Some("UTC")), &ts(us, None)),
            Some(ts(ns, Some("UTC")))
        );
        assert_eq!(
            hard(&Date32, &ts(TimeUnit::Second, None)),
            Some(ts(TimeUnit::Second, None))
        );
        assert_eq!(hard(&Date32, &Date64), Some(Date64));
        assert_eq!(hard(&ts(us, None), &Int64), None);
        assert_eq!(hard(&Date32, &Float64), None);
        let dict = Dictionary(Box::new(Int32), Box::new(Utf8));
        assert_eq!(hard(&dict, &Utf8), Some(dict.clone()));
    }

    #[test]
    fn timestamps_convert_to_the_finer_unit_and_refuse_overflow() {
        use arrow::array::{Array, TimestampMicrosecondArray, TimestampMillisecondArray};
        let ms: ArrayRef = Arc::new(TimestampMillisecondArray::from(vec![1_500i64]));
        let to = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
        let us = cast(&ms, &to).unwrap();
        assert_eq!(us.data_type(), &to);
        let v = us
            .as_any()
            .downcast_ref::<TimestampMicrosecondArray>()
            .unwrap()
            .value(0);
        assert_eq!(v, 1_500_000);
        // Year 3000 in milliseconds does not fit nanoseconds: an error, not a null.
        let far: ArrayRef = Arc::new(TimestampMillisecondArray::from(vec![32_503_680_000_000i64]));
        assert!(cast(&far, &DataType::Timestamp(TimeUnit::Nanosecond, None)).is_err());
    }
}
