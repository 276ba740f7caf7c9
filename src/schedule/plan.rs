//! What each column gets, and how nested columns become columns of their own.
//!
//! A struct's fields are profiled as columns named by path (`meta.source`), their nulls
//! including the struct's. A list (large, fixed-size, view) is profiled as the distribution of
//! its lengths, and its elements as the column `name[]`, whose rows are the elements of the
//! non-null lists. A map is a list of entries, so its keys and values are `name[].key` and
//! `name[].value` (named as the map type names its fields). Dictionary-encoded columns are
//! profiled as their values; string and binary views as strings and binary.

use crate::metrics::moments::cpu;
use crate::metrics::strings::string_kind;
use arrow::array::{make_array, Array, ArrayRef, AsArray};
use arrow::buffer::NullBuffer;
use arrow::datatypes::{DataType, Field, Schema};

/// How a column is profiled.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// Numbers, booleans, dates, times, timestamps and durations.
    Numeric,
    /// Strings or binary values, profiled through their lengths.
    Lengths {
        /// Binary values (lengths in bytes) rather than strings (lengths in characters).
        binary: bool,
    },
    /// A list or map: the distribution of its lengths; its elements are a leaf of their own.
    List,
    /// A struct: its nulls; its fields are leaves of their own.
    Struct,
    /// Not profiled, with the reason (a column of type null, or of a type not profiled).
    Skipped(String),
}

/// One profiled column: a top-level column, a struct field or a list's elements.
#[derive(Clone, Debug)]
pub struct Leaf {
    /// The column's path: `meta.source` for a struct field, `tags[]` for a list's elements.
    pub name: String,
    /// The type of its values (a dictionary's value type).
    pub data_type: DataType,
    /// How it is profiled.
    pub kind: Kind,
    /// The list whose elements are this column's rows (`None`: the dataset's rows).
    pub element_of: Option<String>,
    /// Index of the top-level column it belongs to.
    pub top: usize,
    /// Whether it is the top-level column itself.
    pub is_top: bool,
}

fn value_type(dt: &DataType) -> &DataType {
    match dt {
        DataType::Dictionary(_, v) => value_type(v),
        other => other,
    }
}

fn kind_of(dt: &DataType) -> Kind {
    let dt = value_type(dt);
    if cpu::is_numeric(dt) {
        Kind::Numeric
    } else if let Some(binary) = string_kind(dt) {
        Kind::Lengths { binary }
    } else {
        match dt {
            DataType::List(_)
            | DataType::LargeList(_)
            | DataType::FixedSizeList(..)
            | DataType::ListView(_)
            | DataType::LargeListView(_)
            | DataType::Map(..) => Kind::List,
            DataType::Struct(_) => Kind::Struct,
            DataType::Null => Kind::Skipped("holds only nulls (type null)".into()),
            _ => Kind::Skipped(format!("type {dt} is not profiled")),
        }
    }
}

/// The element field of a list-like type.
fn element_field(dt: &DataType) -> Option<&Field> {
    match dt {
        DataType::List(f)
        | DataType::LargeList(f)
        | DataType::FixedSizeList(f, _)
        | DataType::ListView(f)
        | DataType::LargeListView(f)
        | DataType::Map(f, _) => Some(f),
        _ => None,
    }
}

/// Every profiled column of `schema`, parents before their fields and elements.
pub fn leaves(schema: &Schema) -> Vec<Leaf> {
    let mut out = Vec::new();
    for (i, f) in schema.fields().iter().enumerate() {
        walk(f.name().clone(), f.data_type(), None, i, true, &mut out);
    }
    out
}

fn walk(
    name: String,
    dt: &DataType,
    element_of: Option<String>,
    top: usize,
    is_top: bool,
    out: &mut Vec<Leaf>,
) {
    let vt = value_type(dt).clone();
    let kind = kind_of(&vt);
    out.push(Leaf {
        name: name.clone(),
        data_type: vt.clone(),
        kind: kind.clone(),
        element_of: element_of.clone(),
        top,
        is_top,
    });
    match kind {
        Kind::Struct => {
            if let DataType::Struct(fields) = &vt {
                for f in fields {
                    walk(
                        format!("{name}.{}", f.name()),
                        f.data_type(),
                        element_of.clone(),
                        top,
                        false,
                        out,
                    );
                }
            }
        }
        Kind::List => {
            let f = element_field(&vt).expect("a list type has an element field");
            let elements = format!("{name}[]");
            walk(elements, f.data_type(), Some(name), top, false, out);
        }
        _ => {}
    }
}

/// Decode dictionary arrays to their values, so kernels see plain arrays.
pub fn plain(arr: &ArrayRef) -> ArrayRef {
    match arr.data_type() {
        DataType::Dictionary(_, v) => plain(
            &arrow::compute::cast(arr, v).expect("a dictionary always casts to its value type"),
        ),
        _ => arr.clone(),
    }
}

/// `arr` with the nulls of its parent as well as its own.
fn with_parent_nulls(arr: &ArrayRef, parent: Option<&NullBuffer>) -> ArrayRef {
    let Some(p) = parent.filter(|p| p.null_count() > 0) else {
        return arr.clone();
    };
    let nulls = NullBuffer::union(Some(p), arr.logical_nulls().as_ref());
    let data = arr.to_data().into_builder().nulls(nulls);
    // Safe rebuild: only the validity changed, to a superset of the nulls.
    make_array(data.build().expect("more nulls keep an array valid"))
}

/// The values of a list view and the `(start, end)` of each list in them.
fn view_ranges<O: arrow::array::OffsetSizeTrait>(
    l: &arrow::array::GenericListViewArray<O>,
) -> (ArrayRef, Vec<(usize, usize)>) {
    let r = l
        .value_offsets()
        .iter()
        .zip(l.value_sizes())
        .map(|(&o, &s)| (o.as_usize(), (o + s).as_usize()))
        .collect();
    (l.values().clone(), r)
}

/// The elements of the non-null lists of a list-like array, and each list's length (`None`
/// for a null list).
pub fn elements(arr: &ArrayRef) -> Result<(ArrayRef, Vec<Option<u64>>), String> {
    let nulls = arr.logical_nulls();
    let valid = |i: usize| nulls.as_ref().is_none_or(|n| n.is_valid(i));
    let n = arr.len();
    // (start, end) of each list in the child array.
    let (child, ranges): (ArrayRef, Vec<(usize, usize)>) = match arr.data_type() {
        DataType::List(_) | DataType::Map(..) => {
            let (child, off) = match arr.data_type() {
                DataType::Map(..) => {
                    let m = arr.as_map();
                    (
                        std::sync::Arc::new(m.entries().clone()) as ArrayRef,
                        m.value_offsets(),
                    )
                }
                _ => {
                    let l = arr.as_list::<i32>();
                    (l.values().clone(), l.value_offsets())
                }
            };
            let r = off
                .windows(2)
                .map(|w| (w[0] as usize, w[1] as usize))
                .collect();
            (child, r)
        }
        DataType::LargeList(_) => {
            let l = arr.as_list::<i64>();
            let r = l
                .value_offsets()
                .windows(2)
                .map(|w| (w[0] as usize, w[1] as usize))
                .collect();
            (l.values().clone(), r)
        }
        DataType::FixedSizeList(_, size) => {
            let l = arr.as_fixed_size_list();
            let s = *size as usize;
            let first = l.offset();
            let r = (0..n)
                .map(|i| ((first + i) * s, (first + i + 1) * s))
                .collect();
            (l.values().clone(), r)
        }
        DataType::ListView(_) => view_ranges(arr.as_list_view::<i32>()),
        DataType::LargeListView(_) => view_ranges(arr.as_list_view::<i64>()),
        other => return Err(format!("{other} is not a list")),
    };
    let lengths: Vec<Option<u64>> = (0..n)
        .map(|i| valid(i).then(|| (ranges[i].1 - ranges[i].0) as u64))
        .collect();
    let contiguous = ranges.windows(2).all(|w| w[0].1 == w[1].0);
    let nulls_empty = (0..n).all(|i| valid(i) || ranges[i].0 == ranges[i].1);
    let elements = if n == 0 {
        child.slice(0, 0)
    } else if contiguous && nulls_empty {
        let (a, b) = (ranges[0].0, ranges[n - 1].1);
        child.slice(a, b - a)
    } else {
        // Views out of order, or null lists over elements: take the valid lists' elements.
        let idx: Vec<u64> = (0..n)
            .filter(|&i| valid(i))
            .flat_map(|i| ranges[i].0 as u64..ranges[i].1 as u64)
            .collect();
        let idx = arrow::array::UInt64Array::from(idx);
        arrow::compute::take(child.as_ref(), &idx, None).map_err(|e| e.to_string())?
    };
    Ok((elements, lengths))
}

/// The arrays of every leaf of `leaves` for one top-level column `arr` (in leaf order), and
/// each list leaf's lengths.
pub fn extract(
    arr: &ArrayRef,
    out: &mut Vec<ArrayRef>,
    lengths: &mut Vec<Option<Vec<Option<u64>>>>,
) -> Result<(), String> {
    let arr = plain(arr);
    match kind_of(arr.data_type()) {
        Kind::Struct => {
            out.push(arr.clone());
            lengths.push(None);
            let s = arr.as_struct();
            let parent = s.logical_nulls();
            for c in s.columns() {
                extract(&with_parent_nulls(c, parent.as_ref()), out, lengths)?;
            }
        }
        Kind::List => {
            out.push(arr.clone());
            let (els, lens) = elements(&arr)?;
            lengths.push(Some(lens));
            extract(&els, out, lengths)?;
        }
        _ => {
            out.push(arr);
            lengths.push(None);
        }
    }
    Ok(())
}
