//! What the moments kernels read: a numeric Arrow column chunk as its native values
//! ([`Values`]) with its validity words ([`NumericInput`]), kept alive by [`Prepared`]
//! (dictionaries unpacked, dates, times, durations and timestamps read as their integers), and
//! the exact conversions of decimals to f64.

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::buffer::BooleanBuffer;
use arrow::datatypes::{i256, DataType};
use half::f16;

/// A numeric column chunk as its native values, read as f64.
pub enum Values<'a> {
    /// Float64 values.
    F64(&'a [f64]),
    /// Float32 values.
    F32(&'a [f32]),
    /// Float16 values.
    F16(&'a [f16]),
    /// Int8 values.
    I8(&'a [i8]),
    /// Int16 values.
    I16(&'a [i16]),
    /// Int32 values, or the raw integers of Date32 and Time32.
    I32(&'a [i32]),
    /// Int64 values, or the raw integers of Date64, Time64, timestamps and durations.
    I64(&'a [i64]),
    /// UInt8 values.
    U8(&'a [u8]),
    /// UInt16 values.
    U16(&'a [u16]),
    /// UInt32 values.
    U32(&'a [u32]),
    /// UInt64 values.
    U64(&'a [u64]),
    /// Decimal digits and the scale (the value is `digits × 10^-scale`).
    D128(&'a [i128], i8),
    /// Decimal256 digits and the scale (the value is `digits × 10^-scale`).
    D256(&'a [i256], i8),
    /// Booleans, read as 0 and 1.
    Bool(&'a BooleanBuffer),
}

/// One numeric Arrow array ready for the kernels: values plus validity as 64-bit words whose bit
/// `i % 64` of word `i / 64` is row `i` (1 = valid).
pub struct NumericInput<'a> {
    /// The native values, one per row (null rows hold arbitrary values).
    pub values: Values<'a>,
    /// The validity words; `None` when no row is null.
    pub validity: Option<Vec<u64>>,
    /// Rows in the chunk.
    pub len: usize,
}

pub use crate::source::dataset::is_numeric;

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
    /// Hold `arr`, with Decimal32 and Decimal64 widened to Decimal128.
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
                *s,
            ),
            Decimal256(_, s) => Values::D256(
                arr.as_primitive::<arrow::datatypes::Decimal256Type>()
                    .values(),
                *s,
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
            Values::D128(s, scale) => widen!(s, |v: i128| decimal_to_f64(v, *scale)),
            Values::D256(s, scale) => widen!(s, |v: i256| decimal256_to_f64(v, *scale)),
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

/// Powers of ten that f64 holds exactly.
const EXACT_TENS: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The f64 nearest to the decimal `digits × 10^-scale`.
///
/// Digits below 2^53 and scales within ±22 are one exact integer and one exact power of ten,
/// so one division (or product) rounds once, correctly. Anything else goes through the decimal
/// text and Rust's correctly rounded parse: dividing by `10f64.powi(scale)`, which is itself
/// rounded beyond 10^22, gave 0.30000000000000004 for 0.3 at scale 38.
pub fn decimal_to_f64(digits: i128, scale: i8) -> f64 {
    if digits.unsigned_abs() < 1 << 53 && (-22..=22).contains(&scale) {
        let x = digits as f64;
        let p = EXACT_TENS[scale.unsigned_abs() as usize];
        return if scale >= 0 { x / p } else { x * p };
    }
    format!("{digits}e{}", -(scale as i32))
        .parse()
        .expect("an integer with an exponent parses")
}

/// [`decimal_to_f64`] for 256-bit digits.
pub fn decimal256_to_f64(digits: i256, scale: i8) -> f64 {
    match digits.to_i128() {
        Some(d) => decimal_to_f64(d, scale),
        None if scale == 0 => i256_to_f64(digits),
        None => format!("{digits}e{}", -(scale as i32))
            .parse()
            .expect("an integer with an exponent parses"),
    }
}

/// The f64 nearest to a 256-bit integer (ties to even), as `i128 as f64` is for 128 bits.
///
/// Small values take the exact i128 conversion. Larger magnitudes keep their top 128 bits with
/// a sticky bit for everything shifted out (so rounding sees whether the rest is above half an
/// ulp), convert those, and scale back by an exact power of two.
pub fn i256_to_f64(v: i256) -> f64 {
    if let Some(x) = v.to_i128() {
        return x as f64;
    }
    let neg = v.is_negative();
    // |i256::MIN| does not fit: it is exactly -2^255.
    let Some(m) = v.checked_abs() else {
        return -(2f64.powi(255));
    };
    let (lo, hi) = m.to_parts();
    let hi = hi as u128; // non-negative: |v| < 2^255
    if hi == 0 {
        let mag = lo as f64;
        return if neg { -mag } else { mag };
    }
    let shift = 128 - hi.leading_zeros(); // bits of `hi` in use, 1..=127
    let top = (hi << (128 - shift)) | (lo >> shift);
    let sticky = (lo << (128 - shift)) != 0;
    let mag = (top | sticky as u128) as f64 * 2f64.powi(shift as i32);
    if neg {
        -mag
    } else {
        mag
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_round_once() {
        // The reference: the decimal text, parsed.
        let cases: [(i128, i8, &str); 8] = [
            (3, 38, "3e-38"),
            (3, 1, "0.3"),
            (1, 40, "1e-40"),
            (75, 41, "75e-41"),
            (-499999, -30, "-4.99999e35"),
            (12301, 2, "123.01"),
            (i128::MAX, 10, "170141183460469231731687303715884105727e-10"),
            (-5, 0, "-5"),
        ];
        for (d, s, text) in cases {
            assert_eq!(
                decimal_to_f64(d, s),
                text.parse::<f64>().unwrap(),
                "{d}e-{s}"
            );
        }
        let big = i256::from_string("123456789012345678901234567890123456789012345").unwrap();
        assert_eq!(
            decimal256_to_f64(big, 40),
            "123456789012345678901234567890123456789012345e-40"
                .parse::<f64>()
                .unwrap()
        );
        assert_eq!(decimal256_to_f64(i256::from_i128(3), 38), 3e-38);
    }

    #[test]
    fn i256_to_f64_rounds_to_nearest() {
        // The reference: Rust's own correctly rounded parse of the decimal digits.
        let check = |digits: &str| {
            let v = i256::from_string(digits).unwrap();
            let want: f64 = digits.parse().unwrap();
            assert_eq!(i256_to_f64(v), want, "{digits}");
        };
        for d in [
            "0",
            "-5",
            "-1",
            "12301",
            "-12301",
            "-1000000000000000000000000000000",
            "170141183460469231731687303715884105727", // i128::MAX
            "170141183460469231731687303715884105728", // 2^127
            "340282366920938463463374607431768211455", // u128::MAX
            "-340282366920938463463374607431768211457", // -(2^128 + 1)
            // 2^200 + 2^147 + 1: just above a tie, only the sticky bit says so.
            "1606938044258990275541962092341162602522202993782792835301377",
            "-57896044618658097711785492504343953926634992332820282019728792003956564819967",
        ] {
            check(d);
        }
        assert_eq!(i256_to_f64(i256::MIN), -(2f64.powi(255)));
        let mut r = crate::util::rng::Rng::new(11);
        for _ in 0..2000 {
            let v = i256::from_parts(
                (r.next_u64() as u128) << 64 | r.next_u64() as u128,
                ((r.next_u64() as i128) << 64 | r.next_u64() as i128) >> (r.next_u64() % 128),
            );
            check(&v.to_string());
        }
    }
}
