//! Sketches of a column's values, all mergeable: quantiles (DDSketch), distinct counts (exact up
//! to [`SketchOptions::exact_limit`] values, then HyperLogLog) and top values (exact counts, then
//! Misra–Gries), plus the per-row value hashes from which duplicate rows are found.
//!
//! **Hashes.** Every value has a 64-bit hash: numbers hash their native bits (integers as i64/u64,
//! floats as f64 with both zeros one value and every NaN one value) through [`hash_u64`]; strings
//! and binary values hash their bytes through [`hash_bytes`]. Nulls are not values: they are
//! counted apart and never enter a sketch. Both functions use only operations WGSL has (64-bit
//! arithmetic is done on two u32 in `shaders/sketch.wgsl`), so the GPU computes the same hashes.

pub mod ddsketch;
#[doc(hidden)]
#[cfg(feature = "gpu")]
pub mod gpu;
mod hashing;
pub mod hll;
mod state;
pub mod topk;

pub use hashing::{float_key, fmix64, fold_row, hash_bytes, hash_u64, row_hashes, NULL_HASH, SEED};

pub use state::{SketchProfile, SketchState};

use crate::metrics::moments::cpu::{NumericInput, Values};
use arrow::array::{Array, AsArray};
use arrow::datatypes::DataType;
use ddsketch::DdSketch;
use hll::Hll;
use serde::{Deserialize, Serialize};
pub use topk::KeyMap;
use topk::{Counted, TopK};

/// The quantiles reported by default.
pub const DEFAULT_QUANTILES: [f64; 7] = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99];

/// A quantile as a JSON key: the shortest decimal that reads back as the same f64.
pub fn quantile_key(q: f64) -> String {
    format!("{q}")
}

/// Parameters of a column's sketches. States made with different parameters do not merge.
#[derive(Clone, Debug, PartialEq)]
pub struct SketchOptions {
    /// DDSketch slices per octave ([`ddsketch::slices_for`] of the relative accuracy).
    pub slices: u32,
    /// HyperLogLog precision `p`: `2^p` registers, standard error `1.04 / √(2^p)`.
    pub precision: u8,
    /// Misra–Gries counters kept (the top values reported are fewer); 0: no top values beyond
    /// the exact phase.
    pub counters: usize,
    /// Distinct values counted exactly before switching to HyperLogLog.
    pub exact_limit: usize,
}

/// Top values reported per column by default.
pub const DEFAULT_TOP: usize = 10;
/// Values counted exactly per column by default, before the sketches take over.
pub const DEFAULT_EXACT_LIMIT: usize = 4096;
/// Relative accuracy of the quantile sketches by default.
pub const DEFAULT_QUANTILE_ACCURACY: f64 = 0.01;

impl SketchOptions {
    /// Misra–Gries counters kept to report `top` values: a hundred a value (so the values
    /// reported are well above the summary's error), 64 to 4096; none for `top` 0.
    pub fn counters_for(top: usize) -> usize {
        if top == 0 {
            0
        } else {
            (top * 100).clamp(64, 4096)
        }
    }
}

impl Default for SketchOptions {
    fn default() -> Self {
        SketchOptions {
            slices: ddsketch::slices_for(DEFAULT_QUANTILE_ACCURACY),
            precision: hll::DEFAULT_PRECISION,
            counters: Self::counters_for(DEFAULT_TOP),
            exact_limit: DEFAULT_EXACT_LIMIT,
        }
    }
}

/// Which values a column has, counted: exactly while few, else as sketches.
#[derive(Clone, Debug, PartialEq)]
pub enum Distinct {
    /// Every distinct value's hash, count and shown form.
    Exact {
        /// Distinct values counted exactly before switching to the sketches.
        limit: usize,
        /// Each distinct value's count and shown form, keyed by its 64-bit hash.
        values: KeyMap<(u64, serde_json::Value)>,
    },
    /// HyperLogLog, and the top values when the column type has them (not for floats).
    Sketch {
        /// HyperLogLog of the value hashes.
        hll: Hll,
        /// Misra–Gries summary of the top values; `None` when the column keeps none (floats,
        /// decimals, or no counters).
        top: Option<TopK>,
    },
}

/// The distinct-count report of a column.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct DistinctCount {
    /// Distinct non-null values: the exact count, or the HyperLogLog estimate.
    pub estimate: u64,
    /// `estimate ± 3` standard errors (99.7%), within `[1, non-null values]`; equal to the
    /// estimate when exact.
    pub lower: u64,
    /// Upper end of the interval (see `lower`).
    pub upper: u64,
    /// Whether the distinct values were counted exactly (by hash) rather than estimated.
    pub exact: bool,
}

/// A reported top value: `count ≤ true count ≤ count_upper`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TopValue {
    /// The value as shown: strings cut at 80 characters, binary as `0x…` hex, NaN and
    /// infinities as strings.
    pub value: serde_json::Value,
    /// Lower bound of the value's occurrences (exact while values are counted exactly).
    pub count: u64,
    /// Upper bound of the value's occurrences.
    pub count_upper: u64,
}

/// The sketches of one column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(into = "SketchState", try_from = "SketchState")]
pub struct ColSketch {
    /// DDSketch of the finite values; `None` for columns that are not numeric.
    pub quantiles: Option<DdSketch>,
    /// The values counted: exactly while few, else as sketches.
    pub distinct: Distinct,
    /// Whether top values survive the switch to sketches (strings, binary, integers, booleans).
    pub keep_top: bool,
    /// HyperLogLog precision used on leaving exact counting.
    pub precision: u8,
    /// Misra–Gries counters kept on leaving exact counting (0: no top values after the switch).
    pub counters: usize,
    /// Non-null values folded in.
    pub non_null: u64,
    /// What the figures report.
    pub report: SketchReport,
}

/// What a column's sketch figures report: the quantiles, the number of top values, and whether
/// the column is temporal (DDSketch estimates of times since 1970 are not reported).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SketchReport {
    /// The quantiles reported, as fractions in `[0, 1]`.
    pub quantiles: Vec<f64>,
    /// The most top values reported.
    pub top: usize,
    /// Whether the column is temporal (date, time, timestamp, duration).
    pub temporal: bool,
}

impl ColSketch {
    /// Empty sketches for a column of type `dt` (numeric columns get quantiles).
    pub fn new(dt: &DataType, opts: &SketchOptions) -> ColSketch {
        let numeric = crate::metrics::moments::cpu::is_numeric(dt);
        let float = matches!(
            dt,
            DataType::Float16
                | DataType::Float32
                | DataType::Float64
                | DataType::Decimal32(..)
                | DataType::Decimal64(..)
                | DataType::Decimal128(..)
                | DataType::Decimal256(..)
        );
        ColSketch {
            quantiles: numeric.then(|| DdSketch::new(opts.slices)),
            distinct: Distinct::Exact {
                limit: opts.exact_limit,
                values: KeyMap::default(),
            },
            keep_top: !float && opts.counters > 0,
            precision: opts.precision,
            counters: opts.counters,
            non_null: 0,
            report: SketchReport {
                quantiles: DEFAULT_QUANTILES.to_vec(),
                top: 10,
                temporal: dt.is_temporal(),
            },
        }
    }

    /// The same sketches reporting `quantiles` and `top` values.
    pub fn reporting(mut self, quantiles: &[f64], top: usize) -> ColSketch {
        self.report.quantiles = quantiles.to_vec();
        self.report.top = top;
        self
    }

    /// Count one occurrence of `key` (a value hash); `value` makes its shown form if needed.
    #[inline]
    fn count(&mut self, key: u64, row: usize, value: impl FnOnce() -> serde_json::Value) {
        match &mut self.distinct {
            Distinct::Exact { limit, values } => match values.get_mut(&key) {
                Some(c) => c.0 += 1,
                None => {
                    values.insert(key, (1, value()));
                    if values.len() > *limit {
                        self.leave_exact();
                    }
                }
            },
            Distinct::Sketch { hll, top } => {
                hll.insert(key);
                if let Some(t) = top {
                    // Shown later, from the batch, if it survives the batch: most new keys of a
                    // column of many values are evicted before then.
                    if t.add(key, 1, || serde_json::Value::Null) {
                        t.pending.push((key, row as u32));
                    }
                }
            }
        }
    }

    /// Give the top-value counters added during this batch their shown form (`show(row)`).
    fn show_pending(&mut self, show: impl Fn(usize) -> serde_json::Value) {
        if let Distinct::Sketch { top: Some(t), .. } = &mut self.distinct {
            for (key, row) in std::mem::take(&mut t.pending) {
                if let Some(c) = t.counters.get_mut(&key) {
                    if c.1.is_null() {
                        c.1 = show(row as usize);
                    }
                }
            }
        }
    }

    /// Leave exact counting: the values go into a HyperLogLog and a Misra–Gries summary.
    fn leave_exact(&mut self) {
        if let Distinct::Exact { values, .. } = &mut self.distinct {
            let mut hll = Hll::new(self.precision);
            let mut top = self.keep_top.then(|| TopK::new(self.counters));
            for (key, (n, v)) in values.drain() {
                hll.insert(key);
                if let Some(t) = &mut top {
                    t.counters.insert(key, (n, v));
                }
            }
            if let Some(t) = &mut top {
                t.reduce();
            }
            self.distinct = Distinct::Sketch { hll, top };
        }
    }

    /// Merge another part's sketches of the same column.
    pub fn merge(&mut self, o: &ColSketch) -> Result<(), String> {
        self.non_null += o.non_null;
        let r = &mut self.report;
        if r.quantiles != o.report.quantiles {
            r.quantiles.extend_from_slice(&o.report.quantiles);
            r.quantiles.sort_by(f64::total_cmp);
            r.quantiles.dedup();
        }
        r.top = r.top.max(o.report.top);
        r.temporal |= o.report.temporal;
        if let (Some(a), Some(b)) = (&mut self.quantiles, &o.quantiles) {
            a.compatible(b)?;
            a.merge(b);
        }
        match (&self.distinct, &o.distinct) {
            (Distinct::Sketch { hll: a, .. }, Distinct::Sketch { hll: b, .. }) => {
                a.compatible(b)?
            }
            _ if self.precision != o.precision => {
                return Err(Hll::new(self.precision)
                    .compatible(&Hll::new(o.precision))
                    .unwrap_err())
            }
            _ => {}
        }
        match &o.distinct {
            Distinct::Exact { values, .. } => match &mut self.distinct {
                // All values in first, then one switch: the state is a function of the union.
                Distinct::Exact {
                    values: mine,
                    limit,
                } => {
                    for (&key, (n, v)) in values {
                        mine.entry(key)
                            .and_modify(|c| c.0 += n)
                            .or_insert_with(|| (*n, v.clone()));
                    }
                    if mine.len() > *limit {
                        self.leave_exact();
                    }
                }
                Distinct::Sketch { hll, top } => {
                    for (&key, (n, v)) in values {
                        hll.insert(key);
                        if let Some(t) = top {
                            t.add(key, *n, || v.clone());
                        }
                    }
                }
            },
            Distinct::Sketch { hll, top } => {
                self.leave_exact();
                if let Distinct::Sketch {
                    hll: mine,
                    top: my_top,
                } = &mut self.distinct
                {
                    mine.merge(hll);
                    *my_top = match (my_top.take(), top) {
                        (Some(mut a), Some(b)) => {
                            a.merge(b);
                            Some(a)
                        }
                        _ => None,
                    };
                }
            }
        }
        Ok(())
    }

    /// The distinct count, given the column's non-null values.
    pub fn distinct(&self, non_null: u64) -> DistinctCount {
        match &self.distinct {
            Distinct::Exact { values, .. } => {
                let n = values.len() as u64;
                DistinctCount {
                    estimate: n,
                    lower: n,
                    upper: n,
                    exact: true,
                }
            }
            Distinct::Sketch { hll, .. } => {
                let e = hll.estimate();
                let s = 3.0 * hll.standard_error();
                let cap = non_null.max(1);
                DistinctCount {
                    estimate: (e.round() as u64).clamp(1, cap),
                    lower: ((e * (1.0 - s)).floor() as u64).clamp(1, cap),
                    upper: ((e * (1.0 + s)).ceil() as u64).clamp(1, cap),
                    exact: false,
                }
            }
        }
    }

    /// Exact quantiles from the value counts while they are exact (numeric columns; numpy's
    /// `inverted_cdf` over the finite values), else `None`.
    pub fn exact_quantiles(&self, quantiles: &[f64]) -> Option<Vec<(f64, f64)>> {
        let Distinct::Exact { values, .. } = &self.distinct else {
            return None;
        };
        self.quantiles.as_ref()?;
        let mut finite: Vec<(f64, u64)> = values
            .values()
            .filter_map(|(n, v)| v.as_f64().filter(|x| x.is_finite()).map(|x| (x, *n)))
            .collect();
        // Booleans are shown as true/false; count them as 1/0.
        finite.extend(
            values
                .values()
                .filter_map(|(n, v)| v.as_bool().map(|b| (b as u8 as f64, *n))),
        );
        finite.sort_by(|a, b| a.0.total_cmp(&b.0));
        let total: u64 = finite.iter().map(|x| x.1).sum();
        if total == 0 {
            return Some(Vec::new());
        }
        Some(
            quantiles
                .iter()
                .map(|&q| {
                    let rank = ddsketch::inverted_cdf_rank(total, q);
                    let mut seen = 0;
                    let v = finite
                        .iter()
                        .find(|(_, n)| {
                            seen += n;
                            seen >= rank
                        })
                        .map_or(f64::NAN, |x| x.0);
                    (q, v)
                })
                .collect(),
        )
    }

    /// The most any top-value count is short of the truth.
    pub fn top_error(&self) -> u64 {
        match &self.distinct {
            Distinct::Exact { .. } => 0,
            Distinct::Sketch { top, .. } => top.as_ref().map_or(0, |t| {
                let mut t = t.clone();
                t.reduce();
                t.dropped
            }),
        }
    }

    /// The most frequent values that the counts vouch for (a lower count above the summary's
    /// error, so no value left out can be more frequent), at most `n`, most frequent first
    /// (ties by shown value), with that error; `None` when the column keeps no top values
    /// (floats of many distinct values).
    pub fn top_counted(&self, n: usize) -> Option<(Vec<Counted>, u64)> {
        let (sorted, dropped) = match &self.distinct {
            Distinct::Exact { values, .. } => {
                let mut t = TopK::new(values.len().max(1));
                t.counters = values.clone();
                (t.sorted(), 0)
            }
            Distinct::Sketch { top: Some(t), .. } => {
                let mut t = t.clone();
                t.reduce();
                (t.sorted(), t.dropped)
            }
            Distinct::Sketch { top: None, .. } => return None,
        };
        Some((
            sorted
                .into_iter()
                .filter(|c| c.count > dropped)
                .take(n)
                .collect(),
            dropped,
        ))
    }

    /// The `n` most frequent values with their count bounds, or `None` when the column keeps no
    /// top values (floats of many distinct values). A value is listed only when its lower count
    /// exceeds the summary's error, so no value left out can be more frequent than it (an
    /// all-distinct column lists none).
    pub fn top_values(&self, n: usize) -> Option<Vec<TopValue>> {
        let (sorted, dropped) = self.top_counted(n)?;
        Some(
            sorted
                .into_iter()
                .map(|c| TopValue {
                    value: c.value,
                    count: c.count,
                    count_upper: c.count + dropped,
                })
                .collect(),
        )
    }

    /// Fold the non-null values of `arr` in, writing every row's value hash (or
    /// [`NULL_HASH`]) to `hashes`.
    pub fn update(&mut self, arr: &dyn Array, hashes: &mut Vec<u64>) {
        self.non_null += (arr.len() - arr.logical_null_count()) as u64;
        hashes.clear();
        hashes.reserve(arr.len());
        let valid = |i: usize| arr.is_valid(i);
        macro_rules! strings {
            ($a:expr, $show:expr) => {{
                let a = $a;
                for i in 0..a.len() {
                    if !valid(i) {
                        hashes.push(NULL_HASH);
                        continue;
                    }
                    let v = a.value(i);
                    let b: &[u8] = v.as_ref();
                    let h = hash_bytes(b);
                    hashes.push(h);
                    self.count(h, i, || $show(v));
                }
                self.show_pending(|i| $show(a.value(i)));
            }};
        }
        let show_str = |s: &str| serde_json::Value::String(clip(s));
        let show_bin = |b: &[u8]| serde_json::Value::String(hex(b));
        match arr.data_type() {
            DataType::Utf8 => strings!(arr.as_string::<i32>(), show_str),
            DataType::LargeUtf8 => strings!(arr.as_string::<i64>(), show_str),
            DataType::Utf8View => strings!(arr.as_string_view(), show_str),
            DataType::Binary => strings!(arr.as_binary::<i32>(), show_bin),
            DataType::LargeBinary => strings!(arr.as_binary::<i64>(), show_bin),
            DataType::BinaryView => strings!(arr.as_binary_view(), show_bin),
            DataType::FixedSizeBinary(_) => strings!(arr.as_fixed_size_binary(), show_bin),
            _ => {
                let p = crate::metrics::moments::cpu::Prepared::new(&arr.slice(0, arr.len()));
                match p.input() {
                    Some(input) => self.update_numeric(&input, hashes),
                    None => hashes.resize(arr.len(), NULL_HASH),
                }
            }
        }
    }

    /// The numeric half of [`ColSketch::update`].
    fn update_numeric(&mut self, input: &NumericInput, hashes: &mut Vec<u64>) {
        let valid = |i: usize| {
            input
                .validity
                .as_ref()
                .is_none_or(|w| w[i / 64] >> (i % 64) & 1 == 1)
        };
        macro_rules! ints {
            ($s:expr, $key:expr, $show:expr, $f:expr) => {{
                for (i, &v) in $s.iter().enumerate() {
                    if !valid(i) {
                        hashes.push(NULL_HASH);
                        continue;
                    }
                    let h = hash_u64($key(v));
                    hashes.push(h);
                    let x: f64 = $f(v);
                    if let Some(q) = &mut self.quantiles {
                        q.add(x);
                    }
                    self.count(h, i, || $show(v));
                }
                self.show_pending(|i| $show($s[i]));
            }};
        }
        macro_rules! floats {
            ($s:expr, $f:expr) => {{
                for (i, &v) in $s.iter().enumerate() {
                    if !valid(i) {
                        hashes.push(NULL_HASH);
                        continue;
                    }
                    let x: f64 = $f(v);
                    let h = hash_u64(float_key(x));
                    hashes.push(h);
                    if x.is_finite() {
                        if let Some(q) = &mut self.quantiles {
                            q.add(x);
                        }
                    }
                    self.count(h, i, || show_f64(x));
                }
                self.show_pending(|i| show_f64($f($s[i])));
            }};
        }
        use serde_json::json;
        match &input.values {
            Values::F64(s) => floats!(s, |v: f64| v),
            Values::F32(s) => floats!(s, |v: f32| v as f64),
            Values::F16(s) => floats!(s, |v: half::f16| v.to_f64()),
            Values::D128(s, scale) => floats!(s, |v: i128| {
                crate::metrics::moments::cpu::decimal_to_f64(v, *scale)
            }),
            Values::D256(s, _) => {
                let mut buf = vec![0.0; s.len()];
                input.values.fill(0, &mut buf);
                floats!(buf, |v: f64| v)
            }
            Values::I8(s) => ints!(s, |v: i8| v as i64 as u64, |v| json!(v), |v: i8| v as f64),
            Values::I16(s) => ints!(s, |v: i16| v as i64 as u64, |v| json!(v), |v: i16| v as f64),
            Values::I32(s) => ints!(s, |v: i32| v as i64 as u64, |v| json!(v), |v: i32| v as f64),
            Values::I64(s) => ints!(s, |v: i64| v as u64, |v| json!(v), |v: i64| v as f64),
            Values::U8(s) => ints!(s, |v: u8| v as u64, |v| json!(v), |v: u8| v as f64),
            Values::U16(s) => ints!(s, |v: u16| v as u64, |v| json!(v), |v: u16| v as f64),
            Values::U32(s) => ints!(s, |v: u32| v as u64, |v| json!(v), |v: u32| v as f64),
            Values::U64(s) => ints!(s, |v: u64| v, |v| json!(v), |v: u64| v as f64),
            Values::Bool(b) => {
                let bits: Vec<bool> = b.iter().collect();
                ints!(bits, |v: bool| v as u64, |v| json!(v), |v: bool| v as u8
                    as f64)
            }
        }
    }
}

impl crate::metrics::accumulator::Accumulator for ColSketch {
    /// A column chunk, and where to write every row's value hash (or [`NULL_HASH`]).
    type Input<'a> = (&'a dyn Array, &'a mut Vec<u64>);
    type Figures = SketchProfile;

    fn update(&mut self, (arr, hashes): (&dyn Array, &mut Vec<u64>)) {
        ColSketch::update(self, arr, hashes)
    }

    fn merge(&mut self, o: &ColSketch) -> crate::error::Result<()> {
        ColSketch::merge(self, o).map_err(crate::error::Error::Merge)
    }

    fn finish(&self) -> SketchProfile {
        self.figures()
    }

    fn size_bytes(&self) -> usize {
        let values = |n: usize| n * 64;
        std::mem::size_of::<Self>()
            + self.quantiles.as_ref().map_or(0, |d| d.size_bytes())
            + match &self.distinct {
                Distinct::Exact { values: v, .. } => values(v.len()),
                Distinct::Sketch { hll, top } => {
                    hll.registers.len() + top.as_ref().map_or(0, |t| values(t.counters.len()))
                }
            }
    }
}

/// A float as JSON (non-finite values as strings).
fn show_f64(x: f64) -> serde_json::Value {
    if x.is_finite() {
        serde_json::json!(x)
    } else if x.is_nan() {
        serde_json::json!("NaN")
    } else if x > 0.0 {
        serde_json::json!("inf")
    } else {
        serde_json::json!("-inf")
    }
}

/// Longest shown string, in characters.
const SHOWN_CHARS: usize = 80;

fn clip(s: &str) -> String {
    match s.char_indices().nth(SHOWN_CHARS) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}

fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(2 + 2 * b.len().min(32));
    s.push_str("0x");
    for x in b.iter().take(32) {
        s.push_str(&format!("{x:02x}"));
    }
    if b.len() > 32 {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_stable() {
        // Pinned values: the WGSL twin and stored profiles depend on them.
        assert_eq!(hash_bytes(b""), fmix64(SEED));
        assert_ne!(hash_bytes(b"a"), hash_bytes(b"a\0"));
        assert_ne!(hash_u64(0), hash_u64(1));
        assert_eq!(float_key(-0.0), float_key(0.0));
        assert_eq!(float_key(f64::NAN), float_key(-f64::NAN));
    }
}
