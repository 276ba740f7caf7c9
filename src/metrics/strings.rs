//! Length statistics of string and binary columns (CPU only: they are bound by memory reads of
//! the offsets, which the host already has).
//!
//! Lengths of strings are in Unicode scalar values (what Python's `len` and pandas' `str.len()`
//! count); lengths of binary values are in bytes.

use crate::metrics::accumulator::Accumulator;
use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::DataType;
use serde::{Deserialize, Serialize};

/// Mergeable length statistics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LengthState {
    /// All rows, null or not.
    pub rows: u64,
    /// Null rows.
    pub nulls: u64,
    /// Non-null values of length 0.
    pub empty: u64,
    /// Smallest and largest length of the non-null values (`u64::MAX` / 0 while there are none).
    pub min_len: u64,
    /// Largest length of the non-null values (0 while there are none).
    pub max_len: u64,
    /// Sum of the lengths of the non-null values.
    pub total_len: u64,
}

impl Default for LengthState {
    fn default() -> Self {
        LengthState {
            rows: 0,
            nulls: 0,
            empty: 0,
            min_len: u64::MAX,
            max_len: 0,
            total_len: 0,
        }
    }
}

/// Whether a column is profiled as strings (`Some(false)`) or binary (`Some(true)`).
pub fn string_kind(dt: &DataType) -> Option<bool> {
    match dt {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Some(false),
        DataType::Binary
        | DataType::LargeBinary
        | DataType::BinaryView
        | DataType::FixedSizeBinary(_) => Some(true),
        _ => None,
    }
}

/// Number of Unicode scalar values in valid UTF-8: every byte that is not a continuation byte.
#[inline]
fn chars(s: &[u8]) -> u64 {
    s.iter().filter(|&&b| (b as i8) >= -0x40).count() as u64
}

impl LengthState {
    /// Non-null values: `rows - nulls`.
    pub fn count(&self) -> u64 {
        self.rows - self.nulls
    }

    /// Add the counts of `o` and take the extremes of both.
    pub fn merge(&mut self, o: &LengthState) {
        self.rows += o.rows;
        self.nulls += o.nulls;
        self.empty += o.empty;
        self.min_len = self.min_len.min(o.min_len);
        self.max_len = self.max_len.max(o.max_len);
        self.total_len += o.total_len;
    }

    /// Fold the lengths of a list column (`None` for a null list).
    pub fn add_lengths(&mut self, lengths: &[Option<u64>]) {
        for l in lengths {
            self.rows += 1;
            match l {
                Some(n) => self.add(*n),
                None => self.nulls += 1,
            }
        }
    }

    fn add(&mut self, len: u64) {
        self.empty += (len == 0) as u64;
        self.min_len = self.min_len.min(len);
        self.max_len = self.max_len.max(len);
        self.total_len += len;
    }

    /// Fold the values of an offsets-and-bytes array; `chars` counts characters, not bytes.
    /// When the bytes of the whole array are ASCII (checked in one vectorised pass), a length is
    /// a difference of offsets.
    fn update_offsets<O: arrow::array::OffsetSizeTrait>(
        &mut self,
        offsets: &[O],
        values: &[u8],
        nulls: Option<&arrow::buffer::NullBuffer>,
        chars_not_bytes: bool,
    ) {
        let (first, last) = (offsets[0].as_usize(), offsets[offsets.len() - 1].as_usize());
        let by_offsets = !chars_not_bytes || values[first..last].is_ascii();
        let (mut empty, mut min, mut max, mut total) = (0u64, self.min_len, self.max_len, 0u64);
        for (i, w) in offsets.windows(2).enumerate() {
            if nulls.is_some_and(|n| n.is_null(i)) {
                continue;
            }
            let (a, b) = (w[0].as_usize(), w[1].as_usize());
            let len = if by_offsets {
                (b - a) as u64
            } else {
                chars(&values[a..b])
            };
            empty += (len == 0) as u64;
            min = min.min(len);
            max = max.max(len);
            total += len;
        }
        self.empty += empty;
        self.min_len = min;
        self.max_len = max;
        self.total_len += total;
    }

    /// Fold one string or binary array.
    pub fn update(&mut self, arr: &ArrayRef) {
        self.rows += arr.len() as u64;
        self.nulls += arr.logical_null_count() as u64;
        let nulls = arr.logical_nulls();
        let nulls = nulls.as_ref().filter(|n| n.null_count() > 0);
        match arr.data_type() {
            DataType::Utf8 => {
                let a = arr.as_string::<i32>();
                self.update_offsets(a.value_offsets(), a.values(), nulls, true)
            }
            DataType::LargeUtf8 => {
                let a = arr.as_string::<i64>();
                self.update_offsets(a.value_offsets(), a.values(), nulls, true)
            }
            DataType::Binary => {
                let a = arr.as_binary::<i32>();
                self.update_offsets(a.value_offsets(), a.values(), nulls, false)
            }
            DataType::LargeBinary => {
                let a = arr.as_binary::<i64>();
                self.update_offsets(a.value_offsets(), a.values(), nulls, false)
            }
            DataType::Utf8View => {
                // A view holds its length in its low 32 bits; where every data buffer is
                // ASCII (one vectorised pass each), a long value's length is that. Short values
                // (12 bytes or fewer) sit inline in the view and are counted there.
                let a = arr.as_string_view();
                let ascii = a.data_buffers().iter().all(|b| b.as_slice().is_ascii());
                for (i, v) in a.views().iter().enumerate() {
                    if !nulls.is_some_and(|n| n.is_null(i)) {
                        let len = *v as u32 as u64;
                        self.add(if ascii && len > 12 {
                            len
                        } else {
                            chars(a.value(i).as_bytes())
                        });
                    }
                }
            }
            DataType::BinaryView => {
                let a = arr.as_binary_view();
                for i in 0..a.len() {
                    if !nulls.is_some_and(|n| n.is_null(i)) {
                        self.add(a.value(i).len() as u64);
                    }
                }
            }
            DataType::FixedSizeBinary(w) => {
                let valid = arr.len() as u64 - arr.logical_null_count() as u64;
                if valid > 0 {
                    let w = *w as u64;
                    self.empty += if w == 0 { valid } else { 0 };
                    self.min_len = self.min_len.min(w);
                    self.max_len = self.max_len.max(w);
                    self.total_len += w * valid;
                }
            }
            other => unreachable!("LengthState::update on {other}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::StringArray;
    use std::sync::Arc;

    #[test]
    fn every_layout_gives_the_same_lengths() {
        use arrow::array::{BinaryArray, LargeStringArray, StringViewArray};
        let v = vec![
            Some("héllo"),
            None,
            Some(""),
            Some("ab"),
            Some("a longer string than twelve"),
        ];
        let want = {
            let a: ArrayRef = Arc::new(StringArray::from(v.clone()));
            let mut s = LengthState::default();
            s.update(&a);
            s
        };
        assert_eq!((want.min_len, want.max_len, want.total_len), (0, 27, 34));
        let large: ArrayRef = Arc::new(LargeStringArray::from(v.clone()));
        let view: ArrayRef = Arc::new(StringViewArray::from(v.clone()));
        // A slice: offsets start mid-buffer.
        let whole: ArrayRef = Arc::new(StringArray::from([vec![Some("zzz")], v.clone()].concat()));
        let sliced = whole.slice(1, v.len());
        for a in [large, view, sliced] {
            let mut s = LengthState::default();
            s.update(&a);
            assert_eq!(s, want, "{}", a.data_type());
        }
        let bin: ArrayRef = Arc::new(BinaryArray::from(
            v.iter().map(|o| o.map(str::as_bytes)).collect::<Vec<_>>(),
        ));
        let mut s = LengthState::default();
        s.update(&bin);
        assert_eq!(s.total_len, 35, "binary lengths are bytes (é is two)");
    }

    #[test]
    fn lengths_count_characters_not_bytes() {
        let a: ArrayRef = Arc::new(StringArray::from(vec![
            Some("héllo"),
            None,
            Some(""),
            Some("ab"),
        ]));
        let mut s = LengthState::default();
        s.update(&a);
        assert_eq!((s.rows, s.nulls, s.empty), (4, 1, 1));
        assert_eq!((s.min_len, s.max_len, s.total_len), (0, 5, 7));
    }
}

impl Accumulator for LengthState {
    type Input<'a> = &'a ArrayRef;
    type Figures = LengthProfile;

    fn update(&mut self, arr: &ArrayRef) {
        LengthState::update(self, arr)
    }

    fn merge(&mut self, o: &LengthState) -> crate::error::Result<()> {
        LengthState::merge(self, o);
        Ok(())
    }

    fn finish(&self) -> LengthProfile {
        let count = self.count();
        LengthProfile {
            empty: self.empty,
            min_length: (count > 0).then_some(self.min_len),
            max_length: (count > 0).then_some(self.max_len),
            mean_length: (count > 0).then(|| self.total_len as f64 / count as f64),
            total_length: self.total_len,
        }
    }

    fn size_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
    }
}

/// Figures of a string, binary or list column (lengths in characters for strings, bytes for
/// binary, elements for lists).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LengthProfile {
    /// Non-null values of length 0.
    pub empty: u64,
    /// Smallest length of the non-null values; `None` when there are none.
    pub min_length: Option<u64>,
    /// Largest length of the non-null values; `None` when there are none.
    pub max_length: Option<u64>,
    /// `total_length / count`; `None` when there are no non-null values.
    pub mean_length: Option<f64>,
    /// Sum of the lengths of the non-null values.
    pub total_length: u64,
}
