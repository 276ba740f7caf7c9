//! Length statistics of string and binary columns (CPU only: they are bound by memory reads of
//! the offsets, which the host already has).
//!
//! Lengths of strings are in Unicode scalar values (what Python's `len` and pandas' `str.len()`
//! count); lengths of binary values are in bytes.

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::DataType;
use serde::{Deserialize, Serialize};

/// Mergeable length statistics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LengthState {
    pub rows: u64,
    pub nulls: u64,
    pub empty: u64,
    /// Smallest and largest length of the non-null values (`u64::MAX` / 0 while there are none).
    pub min_len: u64,
    pub max_len: u64,
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
    pub fn count(&self) -> u64 {
        self.rows - self.nulls
    }

    pub fn merge(&mut self, o: &LengthState) {
        self.rows += o.rows;
        self.nulls += o.nulls;
        self.empty += o.empty;
        self.min_len = self.min_len.min(o.min_len);
        self.max_len = self.max_len.max(o.max_len);
        self.total_len += o.total_len;
    }

    fn add(&mut self, len: u64) {
        self.empty += (len == 0) as u64;
        self.min_len = self.min_len.min(len);
        self.max_len = self.max_len.max(len);
        self.total_len += len;
    }

    /// Fold one string or binary array.
    pub fn update(&mut self, arr: &ArrayRef) {
        self.rows += arr.len() as u64;
        self.nulls += arr.logical_null_count() as u64;
        let valid = |i: usize| arr.is_valid(i);
        macro_rules! each {
            ($a:expr, $len:expr) => {{
                let a = $a;
                for i in 0..a.len() {
                    if valid(i) {
                        self.add($len(a.value(i)));
                    }
                }
            }};
        }
        match arr.data_type() {
            DataType::Utf8 => each!(arr.as_string::<i32>(), |s: &str| chars(s.as_bytes())),
            DataType::LargeUtf8 => each!(arr.as_string::<i64>(), |s: &str| chars(s.as_bytes())),
            DataType::Utf8View => each!(arr.as_string_view(), |s: &str| chars(s.as_bytes())),
            DataType::Binary => each!(arr.as_binary::<i32>(), |s: &[u8]| s.len() as u64),
            DataType::LargeBinary => each!(arr.as_binary::<i64>(), |s: &[u8]| s.len() as u64),
            DataType::BinaryView => each!(arr.as_binary_view(), |s: &[u8]| s.len() as u64),
            DataType::FixedSizeBinary(_) => {
                each!(arr.as_fixed_size_binary(), |s: &[u8]| s.len() as u64)
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
