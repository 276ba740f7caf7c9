//! One schema for the files of a dataset, and each file's batches conformed to it.
//!
//! Files are matched by column name (the k-th column of a name to the k-th of that name, so
//! names may repeat), never by position. The dataset's type of a column joins the files' types:
//!
//! - a column that is all null in a file (type `Null`) fits any type, and reads as nulls;
//! - numbers of different types are numbers: integers of different widths join as `Int64` (as
//!   `Float64` with a `UInt64`), and any float or decimal makes the column `Float64`, so the
//!   profile names a type that holds every value (a float file after an integer one is not
//!   labelled `Int64`);
//! - dates, times, timestamps and durations join only with their own kind, the first file's
//!   unit winning: other units are cast to it, so values of microsecond and nanosecond files are
//!   never mixed as raw integers;
//! - text joins with text (the first file's flavour), binary with binary;
//! - where types are inferred (CSV and JSON files on both sides), text joins with any scalar as
//!   text, as one file holding `1` and `"two"` is read;
//! - JSON files may lack a key others have (its rows are null there) and may add keys (the other
//!   files' rows are null there): keys are optional in JSON. Other formats must have the same
//!   column names; a file that does not fit is reported and left out, as before.
//!
//! A file's batches are then projected, cast and filled with null columns to the dataset's
//! schema, one [`Layout`] per file.

use crate::error::{Error, Result};
use crate::source::{Format, SourceFile};
use arrow::array::{new_null_array, ArrayRef, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
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
            Slot::Column { cast: true, .. } => {
                arrow::compute::cast(arr, dt).map_err(|e| Error::Format {
                    path: path.to_path_buf(),
                    format: "record batch",
                    message: format!(
                        "column '{}' ({}) cannot be read as {dt}, the dataset's type: {e}",
                        self.schema.field(c).name(),
                        arr.data_type()
                    ),
                })
            }
            Slot::Nulls => Ok(new_null_array(dt, arr.len())),
        }
    }

    /// A batch of the file, in the dataset's schema.
    pub fn conform(&self, b: RecordBatch, path: &std::path::Path) -> Result<RecordBatch> {
        if self.slots.len() == b.num_columns()
            && self.slots.iter().enumerate().all(|(c, s)| {
                *s == Slot::Column {
                    index: c,
                    cast: false,
                }
            })
        {
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
        .map_err(|e| Error::Format {
            path: path.to_path_buf(),
            format: "record batch",
            message: e.to_string(),
        })
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

/// The type of a column that holds values of `a` and of `b`; `None` when none does.
/// `inferred`: both files' types were inferred (CSV, JSON), so text may take in any scalar.
fn join(a: &DataType, b: &DataType, inferred: bool) -> Option<DataType> {
    let (va, vb) = (value_type(a), value_type(b));
    if va == vb {
        return Some(a.clone());
    }
    match (va, vb) {
        (DataType::Null, _) => return Some(b.clone()),
        (_, DataType::Null) => return Some(a.clone()),
        _ => {}
    }
    let numeric = |t: &DataType| crate::metrics::moments::cpu::is_numeric(t) && !is_temporal(t);
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
        let family = |t: &DataType| match t {
            DataType::Date32 | DataType::Date64 => 0,
            DataType::Time32(_) | DataType::Time64(_) => 1,
            DataType::Timestamp(..) => 2,
            DataType::Duration(_) => 3,
            _ => 4,
        };
        return (family(va) == family(vb) && family(va) < 4).then(|| a.clone());
    }
    if is_text(va) && is_text(vb) || is_bytes(va) && is_bytes(vb) {
        return Some(a.clone());
    }
    let scalar = |t: &DataType| numeric(t) || is_temporal(t);
    if inferred && (is_text(va) && scalar(vb) || scalar(va) && is_text(vb)) {
        return Some(if is_text(va) { a.clone() } else { b.clone() });
    }
    None
}

fn inferred(f: &SourceFile) -> bool {
    matches!(f.format, Format::Csv | Format::Jsonl)
}

/// The dataset's schema over `files` (the first one's columns first), and each file's layout, or
/// why the file does not fit (then its columns leave no trace in the schema).
pub(crate) fn dataset(files: &[&SourceFile]) -> (Schema, Vec<std::result::Result<Layout, String>>) {
    let Some(first) = files.first() else {
        return (Schema::empty(), Vec::new());
    };
    let mut fields: Vec<Field> = first
        .schema
        .fields()
        .iter()
        .map(|f| f.as_ref().clone().with_nullable(true))
        .collect();
    // Per file: the dataset column of each of its columns.
    let mut maps: Vec<std::result::Result<Vec<usize>, String>> = Vec::new();
    let mut all_inferred = inferred(first);
    for f in files {
        match place(&mut fields, f, all_inferred && inferred(f)) {
            Ok(m) => {
                all_inferred &= inferred(f);
                maps.push(Ok(m));
            }
            Err(e) => maps.push(Err(e)),
        }
    }
    let schema: SchemaRef = Arc::new(Schema::new(fields));
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

/// Match file `f`'s columns to the dataset's `fields` (widening their types, and adding JSON
/// keys), or say why it does not fit; on failure `fields` is left as it was.
fn place(
    fields: &mut Vec<Field>,
    f: &SourceFile,
    inferred: bool,
) -> std::result::Result<Vec<usize>, String> {
    let json = f.format == Format::Jsonl;
    let mut next = fields.clone();
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
            .filter(|(_, d)| d.name() == g.name())
            .nth(k)
            .map(|(c, _)| c);
        let c = match found {
            Some(c) => c,
            None if json => {
                next.push(g.as_ref().clone().with_nullable(true));
                used.push(false);
                next.len() - 1
            }
            None => return Err(names_differ(fields, f)),
        };
        let joined = join(next[c].data_type(), g.data_type(), inferred).ok_or_else(|| {
            format!(
                "column '{}' is {} here but {} there",
                g.name(),
                g.data_type(),
                next[c].data_type()
            )
        })?;
        next[c] = next[c].clone().with_data_type(joined);
        used[c] = true;
        map.push(c);
    }
    if !json && used.iter().any(|u| !u) {
        return Err(names_differ(fields, f));
    }
    *fields = next;
    Ok(map)
}

fn names_differ(fields: &[Field], f: &SourceFile) -> String {
    let names = |it: &mut dyn Iterator<Item = String>| it.collect::<Vec<_>>().join(", ");
    format!(
        "columns [{}] instead of [{}]",
        names(&mut f.schema.fields().iter().map(|g| g.name().clone())),
        names(&mut fields.iter().map(|g| g.name().clone()))
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::datatypes::TimeUnit;

    #[test]
    fn types_join_to_one_that_holds_both() {
        use DataType::*;
        assert_eq!(join(&Int64, &Float64, false), Some(Float64));
        assert_eq!(join(&Int32, &Int64, false), Some(Int64));
        assert_eq!(join(&UInt64, &Int64, false), Some(Float64));
        assert_eq!(join(&Null, &Utf8, false), Some(Utf8));
        assert_eq!(join(&Utf8, &Int64, false), None);
        assert_eq!(join(&Utf8, &Int64, true), Some(Utf8));
        assert_eq!(join(&Int64, &LargeUtf8, true), Some(LargeUtf8));
        let (us, ns) = (
            Timestamp(TimeUnit::Microsecond, None),
            Timestamp(TimeUnit::Nanosecond, None),
        );
        assert_eq!(join(&us, &ns, false), Some(us.clone()));
        assert_eq!(join(&us, &Int64, false), None);
        assert_eq!(join(&Date32, &Float64, false), None);
        let dict = Dictionary(Box::new(Int32), Box::new(Utf8));
        assert_eq!(join(&dict, &Utf8, false), Some(dict.clone()));
    }
}
