//! The CPU twin of `shaders/moments.wgsl`: counts, extremes, moments and histogram of one column
//! chunk, in blocks of [`BLOCK`] values.
//!
//! Each block is read twice while it sits in L1: pass one counts the finite values and takes their
//! sum and extremes, pass two sums the powers of the deviations from the rounded block mean, and a
//! third loop bins the values. Passes one and two run over `[f64; 8]` lanes with branch-free
//! selects for nulls (64-bit validity words) and non-finite values, the way arrow-rs writes its
//! aggregate kernels, so LLVM vectorises them. Blocks fold into the running state with Pébay's
//! merge ([`Moments::merge`]). Non-f64 inputs are widened into an L1-sized buffer block by block.

use super::{Counts, HistSpec, Moments, BLOCK};
use arrow::array::{Array, ArrayRef, AsArray};
use arrow::buffer::BooleanBuffer;
use arrow::datatypes::{i256, DataType};
use half::f16;

/// Lanes of the block loops: eight f64 fill two AVX2 or one AVX-512 register.
const L: usize = 8;

/// A numeric column chunk as its native values, read as f64.
pub enum Values<'a> {
    F64(&'a [f64]),
    F32(&'a [f32]),
    F16(&'a [f16]),
    I8(&'a [i8]),
    I16(&'a [i16]),
    I32(&'a [i32]),
    I64(&'a [i64]),
    U8(&'a [u8]),
    U16(&'a [u16]),
    U32(&'a [u32]),
    U64(&'a [u64]),
    /// Decimal digits and the divisor `10^scale`.
    D128(&'a [i128], f64),
    D256(&'a [i256], f64),
    Bool(&'a BooleanBuffer),
}

/// One numeric Arrow array ready for the kernels: values plus validity as 64-bit words whose bit
/// `i % 64` of word `i / 64` is row `i` (1 = valid).
pub struct NumericInput<'a> {
    pub values: Values<'a>,
    pub validity: Option<Vec<u64>>,
    pub len: usize,
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

fn widened(arr: &ArrayRef) -> ArrayRef {
    // Decimal32/64 are rare; widening them to Decimal128 keeps one decimal path.
    match arr.data_type() {
        DataType::Decimal32(p, s) | DataType::Decimal64(p, s) => {
            arrow::compute::cast(arr, &DataType::Decimal128((*p).max(19), *s))
                .expect("decimal widening cannot fail")
        }
        _ => arr.clone(),
    }
}

/// Holds an array whose values [`NumericInput`] borrows.
pub struct Prepared(ArrayRef);

impl Prepared {
    pub fn new(arr: &ArrayRef) -> Prepared {
        Prepared(widened(arr))
    }

    /// The input view, or `None` when the type is not numeric.
    pub fn input(&self) -> Option<NumericInput<'_>> {
        let arr = &self.0;
        let len = arr.len();
        use DataType::*;
        let values = match arr.data_type() {
            Float64 => Values::F64(arr.as_primitive::<arrow::datatypes::Float64Type>().values()),
            Float32 => Values::F32(arr.as_primitive::<arrow::datatypes::Float32Type>().values()),
            Float16 => Values::F16(arr.as_primitive::<arrow::datatypes::Float16Type>().values()),
            Int8 => Values::I8(arr.as_primitive::<arrow::datatypes::Int8Type>().values()),
            Int16 => Values::I16(arr.as_primitive::<arrow::datatypes::Int16Type>().values()),
            Int32 | Date32 | Time32(_) => Values::I32(int32_values(arr.as_ref())),
            Int64 | Date64 | Time64(_) | Timestamp(..) | Duration(_) => {
                Values::I64(int64_values(arr.as_ref()))
            }
            UInt8 => Values::U8(arr.as_primitive::<arrow::datatypes::UInt8Type>().values()),
            UInt16 => Values::U16(arr.as_primitive::<arrow::datatypes::UInt16Type>().values()),
            UInt32 => Values::U32(arr.as_primitive::<arrow::datatypes::UInt32Type>().values()),
            UInt64 => Values::U64(arr.as_primitive::<arrow::datatypes::UInt64Type>().values()),
            Decimal128(_, s) => Values::D128(
                arr.as_primitive::<arrow::datatypes::Decimal128Type>()
                    .values(),
                10f64.powi(*s as i32),
            ),
            Decimal256(_, s) => Values::D256(
                arr.as_primitive::<arrow::datatypes::Decimal256Type>()
                    .values(),
                10f64.powi(*s as i32),
            ),
            Boolean => Values::Bool(arr.as_boolean().values()),
            _ => return None,
        };
        let validity = arr
            .logical_nulls()
            .filter(|n| n.null_count() > 0)
            .map(|n| n.inner().bit_chunks().iter_padded().collect());
        Some(NumericInput {
            values,
            validity,
            len,
        })
    }
}

/// The raw 32-bit integers of any type stored as i32 (Int32, Date32, Time32).
fn int32_values(arr: &dyn Array) -> &[i32] {
    use arrow::datatypes::*;
    match arr.data_type() {
        DataType::Int32 => arr.as_primitive::<Int32Type>().values(),
        DataType::Date32 => arr.as_primitive::<Date32Type>().values(),
        DataType::Time32(TimeUnit::Second) => arr.as_primitive::<Time32SecondType>().values(),
        DataType::Time32(_) => arr.as_primitive::<Time32MillisecondType>().values(),
        _ => unreachable!("int32_values called on {}", arr.data_type()),
    }
}

/// The raw 64-bit integers of any type stored as i64 (Int64, Date64, Time64, Timestamp, Duration).
fn int64_values(arr: &dyn Array) -> &[i64] {
    use arrow::datatypes::*;
    match arr.data_type() {
        DataType::Int64 => arr.as_primitive::<Int64Type>().values(),
        DataType::Date64 => arr.as_primitive::<Date64Type>().values(),
        DataType::Time64(TimeUnit::Microsecond) => {
            arr.as_primitive::<Time64MicrosecondType>().values()
        }
        DataType::Time64(_) => arr.as_primitive::<Time64NanosecondType>().values(),
        DataType::Timestamp(TimeUnit::Second, _) => {
            arr.as_primitive::<TimestampSecondType>().values()
        }
        DataType::Timestamp(TimeUnit::Millisecond, _) => {
            arr.as_primitive::<TimestampMillisecondType>().values()
        }
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            arr.as_primitive::<TimestampMicrosecondType>().values()
        }
        DataType::Timestamp(TimeUnit::Nanosecond, _) => {
            arr.as_primitive::<TimestampNanosecondType>().values()
        }
        DataType::Duration(TimeUnit::Second) => arr.as_primitive::<DurationSecondType>().values(),
        DataType::Duration(TimeUnit::Millisecond) => {
            arr.as_primitive::<DurationMillisecondType>().values()
        }
        DataType::Duration(TimeUnit::Microsecond) => {
            arr.as_primitive::<DurationMicrosecondType>().values()
        }
        DataType::Duration(TimeUnit::Nanosecond) => {
            arr.as_primitive::<DurationNanosecondType>().values()
        }
        _ => unreachable!("int64_values called on {}", arr.data_type()),
    }
}

impl Values<'_> {
    /// Write values `start..start + out.len()` into `out` as f64.
    pub fn fill(&self, start: usize, out: &mut [f64]) {
        let n = out.len();
        macro_rules! widen {
            ($s:expr, $f:expr) => {
                for (o, v) in out.iter_mut().zip(&$s[start..start + n]) {
                    *o = $f(*v);
                }
            };
        }
        match self {
            Values::F64(s) => out.copy_from_slice(&s[start..start + n]),
            Values::F32(s) => widen!(s, |v: f32| v as f64),
            Values::F16(s) => widen!(s, |v: f16| v.to_f64()),
            Values::I8(s) => widen!(s, |v: i8| v as f64),
            Values::I16(s) => widen!(s, |v: i16| v as f64),
            Values::I32(s) => widen!(s, |v: i32| v as f64),
            Values::I64(s) => widen!(s, |v: i64| v as f64),
            Values::U8(s) => widen!(s, |v: u8| v as f64),
            Values::U16(s) => widen!(s, |v: u16| v as f64),
            Values::U32(s) => widen!(s, |v: u32| v as f64),
            Values::U64(s) => widen!(s, |v: u64| v as f64),
            Values::D128(s, div) => widen!(s, |v: i128| v as f64 / div),
            Values::D256(s, div) => widen!(s, |v: i256| {
                let (lo, hi) = v.to_parts();
                (hi as f64 * 2f64.powi(128) + lo as f64) / div
            }),
            Values::Bool(b) => {
                for (i, o) in out.iter_mut().enumerate() {
                    *o = b.value(start + i) as u8 as f64;
                }
            }
        }
    }

    /// The values as an f64 slice without copying, when they are f64.
    pub fn as_f64(&self) -> Option<&[f64]> {
        match self {
            Values::F64(s) => Some(s),
            _ => None,
        }
    }
}

/// Counts, moments and histogram counts of a column (or part of one) over one [`HistSpec`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NumericState {
    pub counts: Counts,
    pub moments: Moments,
    /// Histogram counts over the spec the state was made with (empty without one).
    pub hist: Vec<u64>,
}

impl NumericState {
    pub fn new(spec: Option<&HistSpec>) -> NumericState {
        NumericState {
            hist: vec![0; spec.map_or(0, |s| s.bins as usize)],
            ..Default::default()
        }
    }

    /// Merge a state made over the same histogram spec.
    pub fn merge(&mut self, o: &NumericState) {
        self.counts.merge(&o.counts);
        self.moments.merge(&o.moments);
        if self.hist.is_empty() {
            self.hist = o.hist.clone();
        } else {
            for (a, b) in self.hist.iter_mut().zip(&o.hist) {
                *a += b;
            }
        }
    }
}

#[inline(always)]
fn is_valid(words: Option<&[u64]>, i: usize) -> bool {
    words.is_none_or(|w| (w[i / 64] >> (i % 64)) & 1 == 1)
}

/// Fold rows `start..end` of `input` into `state`. `start` must be a multiple of 64.
pub fn update(
    state: &mut NumericState,
    input: &NumericInput,
    start: usize,
    end: usize,
    spec: Option<&HistSpec>,
) {
    debug_assert_eq!(start % 64, 0);
    let mut buf = [0f64; BLOCK];
    let mut b = start;
    while b < end {
        let e = (b + BLOCK).min(end);
        let x: &[f64] = match input.values.as_f64() {
            Some(s) => &s[b..e],
            None => {
                input.values.fill(b, &mut buf[..e - b]);
                &buf[..e - b]
            }
        };
        let words = input.validity.as_ref().map(|w| &w[b / 64..e.div_ceil(64)]);
        block(state, x, words, spec);
        b = e;
    }
}

/// Fold one block (at most [`BLOCK`] values; `words` aligned to its first value).
fn block(st: &mut NumericState, x: &[f64], words: Option<&[u64]>, spec: Option<&HistSpec>) {
    let len = x.len();
    let byte = |c: usize| -> u32 {
        match words {
            Some(w) => ((w[c / 8] >> ((c % 8) * 8)) & 0xff) as u32,
            None => 0xff,
        }
    };
    // Pass one: finite count, sum, extremes.
    let mut cnt = [0u64; L];
    let mut sum = [0f64; L];
    let mut mn = [f64::INFINITY; L];
    let mut mx = [f64::NEG_INFINITY; L];
    let chunks = x.chunks_exact(L);
    let tail = chunks.remainder();
    for (c, xs) in chunks.enumerate() {
        let bits = byte(c);
        for j in 0..L {
            let v = xs[j];
            let ok = (bits >> j) & 1 == 1 && v.abs() < f64::INFINITY;
            cnt[j] += ok as u64;
            sum[j] += if ok { v } else { 0.0 };
            mn[j] = if ok && v < mn[j] { v } else { mn[j] };
            mx[j] = if ok && v > mx[j] { v } else { mx[j] };
        }
    }
    let t0 = len - tail.len();
    for (k, &v) in tail.iter().enumerate() {
        let ok = is_valid(words, t0 + k) && v.is_finite();
        cnt[k] += ok as u64;
        sum[k] += if ok { v } else { 0.0 };
        mn[k] = if ok && v < mn[k] { v } else { mn[k] };
        mx[k] = if ok && v > mx[k] { v } else { mx[k] };
    }
    let n: u64 = cnt.iter().sum();
    let valid = match words {
        None => len as u64,
        Some(w) => {
            let full = len / 64;
            let mut c: u64 = w[..full].iter().map(|x| x.count_ones() as u64).sum();
            if !len.is_multiple_of(64) {
                c += (w[full] & ((1u64 << (len % 64)) - 1)).count_ones() as u64;
            }
            c
        }
    };
    st.counts.rows += len as u64;
    st.counts.nulls += len as u64 - valid;
    if n < valid {
        // Rare: classify the non-finite values.
        for (i, &v) in x.iter().enumerate() {
            if is_valid(words, i) && !v.is_finite() {
                if v.is_nan() {
                    st.counts.nan += 1;
                } else if v > 0.0 {
                    st.counts.pos_inf += 1;
                } else {
                    st.counts.neg_inf += 1;
                }
            }
        }
    }
    if n == 0 {
        return;
    }
    let shift = sum.iter().sum::<f64>() / n as f64;
    // Pass two: power sums of deviations, zeros.
    let (mut s1, mut s2, mut s3, mut s4) = ([0f64; L], [0f64; L], [0f64; L], [0f64; L]);
    let mut zeros = [0u64; L];
    for (c, xs) in x.chunks_exact(L).enumerate() {
        let bits = byte(c);
        for j in 0..L {
            let v = xs[j];
            let ok = (bits >> j) & 1 == 1 && v.abs() < f64::INFINITY;
            let d = if ok { v - shift } else { 0.0 };
            let d2 = d * d;
            s1[j] += d;
            s2[j] += d2;
            s3[j] += d2 * d;
            s4[j] += d2 * d2;
            zeros[j] += (ok && v == 0.0) as u64;
        }
    }
    for (k, &v) in tail.iter().enumerate() {
        let ok = is_valid(words, t0 + k) && v.is_finite();
        let d = if ok { v - shift } else { 0.0 };
        let d2 = d * d;
        s1[k] += d;
        s2[k] += d2;
        s3[k] += d2 * d;
        s4[k] += d2 * d2;
        zeros[k] += (ok && v == 0.0) as u64;
    }
    st.counts.zeros += zeros.iter().sum::<u64>();
    let red = |a: [f64; L]| ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]));
    let lo = mn.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = mx.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    st.moments.merge(&Moments::from_block(
        n,
        shift,
        red(s1),
        red(s2),
        red(s3),
        red(s4),
        lo,
        hi,
    ));
    // Histogram.
    if let Some(spec) = spec {
        let h = &mut st.hist;
        if n == len as u64 {
            for &v in x {
                h[spec.bin(v)] += 1;
            }
        } else {
            for (i, &v) in x.iter().enumerate() {
                if is_valid(words, i) && v.is_finite() {
                    h[spec.bin(v)] += 1;
                }
            }
        }
    }
}

/// Finite min and max of rows `start..end` (the range pass that fixes histogram edges).
pub fn range(input: &NumericInput, start: usize, end: usize) -> (f64, f64) {
    let mut buf = [0f64; BLOCK];
    let (mut lo, mut hi) = ([f64::INFINITY; L], [f64::NEG_INFINITY; L]);
    let mut b = start;
    while b < end {
        let e = (b + BLOCK).min(end);
        let x: &[f64] = match input.values.as_f64() {
            Some(s) => &s[b..e],
            None => {
                input.values.fill(b, &mut buf[..e - b]);
                &buf[..e - b]
            }
        };
        let words = input.validity.as_ref().map(|w| &w[b / 64..e.div_ceil(64)]);
        for (i, &v) in x.iter().enumerate() {
            let ok = is_valid(words, i) && v.abs() < f64::INFINITY;
            let j = i % L;
            lo[j] = if ok && v < lo[j] { v } else { lo[j] };
            hi[j] = if ok && v > hi[j] { v } else { hi[j] };
        }
        b = e;
    }
    (
        lo.iter().copied().fold(f64::INFINITY, f64::min),
        hi.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    )
}
