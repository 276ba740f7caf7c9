//! The CPU twin of `shaders/moments.wgsl`: counts, extremes, moments and histogram of one column
//! chunk, in blocks of [`BLOCK`] values.
//!
//! Each block is read twice while it sits in L1: pass one counts the finite values and takes their
//! sum and extremes, pass two sums the powers of the deviations from the rounded block mean, and a
//! third loop bins the values. Passes one and two run over `[f64; 8]` lanes with branch-free
//! selects for nulls (64-bit validity words) and non-finite values, the way arrow-rs writes its
//! aggregate kernels, so LLVM vectorises them. Blocks fold into the running state with Pébay's
//! merge ([`Moments::merge`]). Non-f64 inputs are widened into an L1-sized buffer block by block.

pub use super::input::{
    decimal256_to_f64, decimal_to_f64, i256_to_f64, is_numeric, NumericInput, Prepared, Values,
};
use super::{Counts, HistSpec, Moments, BLOCK};

/// Lanes of the block loops: eight f64 fill two AVX2 or one AVX-512 register.
const L: usize = 8;

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

/// Histogram counts of one `update` call: for few bins, [`SUB`] interleaved copies, so that runs
/// of equal bins do not serialise on one counter; folded into the state at the end.
struct Hist<'a> {
    spec: Option<&'a HistSpec>,
    sub: Vec<u32>,
    /// Bin indices of the current block.
    idx: Vec<u32>,
}

/// Copies of a small histogram.
const SUB: usize = 4;
/// Bins up to which the interleaved copies are used.
const SUB_MAX_BINS: usize = 1024;

impl Hist<'_> {
    fn new(spec: Option<&HistSpec>) -> Hist<'_> {
        let bins = spec.map_or(0, |s| s.bins as usize);
        let copies = if bins <= SUB_MAX_BINS { SUB } else { 1 };
        Hist {
            spec,
            sub: vec![0; bins * copies],
            idx: vec![0; BLOCK],
        }
    }

    /// Count every value of `x` (all finite).
    fn add_all(&mut self, x: &[f64]) {
        let Some(spec) = self.spec else { return };
        let top = (spec.bins - 1) as f64;
        // The same formula as HistSpec::bin; `as i32` converts in SIMD (the value is clamped).
        for (o, &v) in self.idx.iter_mut().zip(x) {
            *o = bin_index(v, spec.half_lo, spec.scale, top);
        }
        self.count_indices(x.len());
    }

    /// Count the first `len` bin indices of `idx`.
    #[inline]
    fn count_indices(&mut self, len: usize) {
        let Some(spec) = self.spec else { return };
        let idx = &self.idx[..len];
        let bins = spec.bins as usize;
        if self.sub.len() == bins * SUB {
            let (h0, rest) = self.sub.split_at_mut(bins);
            let (h1, rest) = rest.split_at_mut(bins);
            let (h2, h3) = rest.split_at_mut(bins);
            let ch = idx.chunks_exact(SUB);
            let tail = ch.remainder();
            for c in ch {
                h0[c[0] as usize] += 1;
                h1[c[1] as usize] += 1;
                h2[c[2] as usize] += 1;
                h3[c[3] as usize] += 1;
            }
            for &b in tail {
                h0[b as usize] += 1;
            }
        } else {
            for &b in idx {
                self.sub[b as usize] += 1;
            }
        }
    }

    /// Count the values of `x` that are valid and finite.
    fn add_masked(&mut self, x: &[f64], words: Option<&[u64]>) {
        let Some(spec) = self.spec else { return };
        for (i, &v) in x.iter().enumerate() {
            if is_valid(words, i) && v.is_finite() {
                self.sub[spec.bin(v)] += 1;
            }
        }
    }

    fn fold_into(self, hist: &mut [u64]) {
        let bins = hist.len();
        if bins == 0 {
            return;
        }
        for (k, c) in self.sub.iter().enumerate() {
            hist[k % bins] += *c as u64;
        }
    }
}

/// Fold rows `start..end` of `input` into `state`. `start` must be a multiple of 64.
///
/// Counts are kept in u32 per call: a call covers far fewer than 2^32 rows (the scheduler's parts
/// are 16K rows; a caller passing more than 4 billion rows at once must split them).
pub fn update(
    state: &mut NumericState,
    input: &NumericInput,
    start: usize,
    end: usize,
    spec: Option<&HistSpec>,
) {
    debug_assert_eq!(start % 64, 0);
    let mut hist = Hist::new(spec);
    for_each_block(input, start, end, |x, words| {
        let all_valid = words.is_none_or(|w| all_ones(w, x.len()));
        if all_valid && block_dense(state, x, &mut hist) {
            state.counts.rows += x.len() as u64;
        } else {
            block_general(state, x, words, &mut hist);
        }
    });
    if let Some(sp) = spec {
        if state.hist.is_empty() {
            state.hist = vec![0; sp.bins as usize];
        }
        hist.fold_into(&mut state.hist);
    }
}

/// Call `f` on each block of rows `start..end` as f64 values (borrowed when they are f64, else
/// widened into an L1-sized buffer) with the validity words aligned to the block's first row.
fn for_each_block(
    input: &NumericInput,
    start: usize,
    end: usize,
    mut f: impl FnMut(&[f64], Option<&[u64]>),
) {
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
        f(
            x,
            input.validity.as_ref().map(|w| &w[b / 64..e.div_ceil(64)]),
        );
        b = e;
    }
}

/// Hand the valid, finite values of rows `start..end` to `f`, a block at a time (`buf` holds
/// the values of blocks with nulls or non-finite values).
pub fn for_each_finite(
    input: &NumericInput,
    start: usize,
    end: usize,
    buf: &mut Vec<f64>,
    mut f: impl FnMut(&[f64]),
) {
    for_each_block(input, start, end, |x, words| {
        let all_valid = words.is_none_or(|w| all_ones(w, x.len()));
        if all_valid && x.iter().all(|v| v.abs() < f64::INFINITY) {
            f(x);
        } else {
            buf.clear();
            buf.extend(
                x.iter()
                    .enumerate()
                    .filter(|&(i, v)| is_valid(words, i) && v.abs() < f64::INFINITY)
                    .map(|(_, &v)| v),
            );
            f(buf);
        }
    });
}

/// Whether the first `len` bits of `w` are all set.
fn all_ones(w: &[u64], len: usize) -> bool {
    let full = len / 64;
    w[..full].iter().all(|&x| x == u64::MAX)
        && (len.is_multiple_of(64) || w[full] | !((1u64 << (len % 64)) - 1) == u64::MAX)
}

/// The fast path over values that are all valid: plain sums, no masks (rows are counted by the
/// caller). Returns false, having changed nothing, when a value is not finite (the sum, or an extreme, is then not finite; so it is when
/// huge finite values overflow the sum): the general path then classifies the values.
fn block_dense(st: &mut NumericState, x: &[f64], hist: &mut Hist) -> bool {
    let len = x.len();
    let chunks = x.chunks_exact(L);
    let tail = chunks.remainder();
    let mut sum = [0f64; L];
    let mut mn = [f64::INFINITY; L];
    let mut mx = [f64::NEG_INFINITY; L];
    // Bin indices are computed in this pass too, while the values are in registers.
    let (hlo, hscale, htop) = hist.spec.map_or((0.0, 0.0, 0.0), |s| {
        (s.half_lo, s.scale, (s.bins - 1) as f64)
    });
    let idx = &mut hist.idx[..len];
    let (idx_chunks, idx_tail) = idx.split_at_mut(len - tail.len());
    for (xs, is) in chunks.zip(idx_chunks.chunks_exact_mut(L)) {
        for j in 0..L {
            let v = xs[j];
            sum[j] += v;
            mn[j] = if v < mn[j] { v } else { mn[j] };
            mx[j] = if v > mx[j] { v } else { mx[j] };
            is[j] = bin_index(v, hlo, hscale, htop);
        }
    }
    for (k, &v) in tail.iter().enumerate() {
        sum[k] += v;
        mn[k] = if v < mn[k] { v } else { mn[k] };
        mx[k] = if v > mx[k] { v } else { mx[k] };
        idx_tail[k] = bin_index(v, hlo, hscale, htop);
    }
    let total = red8(sum);
    let lo = mn.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = mx.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    // Huge magnitudes need scaled powers: the masked path does that.
    if !(total.is_finite() && lo.is_finite() && hi.is_finite())
        || len == 0
        || lo.abs().max(hi.abs()) > super::HUGE
    {
        return false;
    }
    let shift = total / len as f64;
    // Four lanes here: five accumulators of eight lanes would not fit the 16 SSE registers.
    const M: usize = 4;
    let (mut s1, mut s2, mut s3, mut s4) = ([0f64; M], [0f64; M], [0f64; M], [0f64; M]);
    let chunks = x.chunks_exact(M);
    let tail = chunks.remainder();
    for xs in chunks {
        for j in 0..M {
            let d = xs[j] - shift;
            let d2 = d * d;
            s1[j] += d;
            s2[j] += d2;
            s3[j] += d2 * d;
            s4[j] += d2 * d2;
        }
    }
    for (k, &v) in tail.iter().enumerate() {
        let d = v - shift;
        let d2 = d * d;
        s1[k] += d;
        s2[k] += d2;
        s3[k] += d2 * d;
        s4[k] += d2 * d2;
    }
    let red4 = |a: [f64; M]| (a[0] + a[2]) + (a[1] + a[3]);
    // Zeros can only be there when the block's range holds 0.
    if lo <= 0.0 && hi >= 0.0 {
        st.counts.zeros += x.iter().filter(|&&v| v == 0.0).count() as u64;
    }
    st.moments.merge(&Moments::from_block(
        len as u64,
        shift,
        red4(s1),
        red4(s2),
        red4(s3),
        red4(s4),
        lo,
        hi,
        1.0,
    ));
    hist.count_indices(len);
    true
}

/// `HistSpec::bin` written so that it vectorises: plain selects for the clamp (they compile to
/// SIMD max/min), and the float-to-integer step done with the 2^52 trick instead of `as`, whose
/// saturating semantics keep a scalar NaN test per value (measured: twice as fast). Adding 2^52
/// puts `round(t)` in the low mantissa bits; one is taken off where rounding went up, which
/// gives `floor(t)`, equal to `t as u32` for the clamped, non-negative `t`. The same bin as
/// `HistSpec::bin` for every finite `v` (tested below).
#[inline(always)]
fn bin_index(v: f64, half_lo: f64, scale: f64, top: f64) -> u32 {
    const MAGIC: f64 = 4_503_599_627_370_496.0; // 2^52
    let t = (v * 0.5 - half_lo) * scale;
    let t = if t > 0.0 { t } else { 0.0 };
    let t = if t < top { t } else { top };
    let r = t + MAGIC;
    (r.to_bits() as u32).wrapping_sub((r - MAGIC > t) as u32)
}

#[inline]
fn red8(a: [f64; L]) -> f64 {
    ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]))
}

/// A block with nulls or non-finite values: the valid finite values are packed (branch-free)
/// into a buffer that then takes the dense path; nulls and non-finite values are counted apart.
fn block_general(st: &mut NumericState, x: &[f64], words: Option<&[u64]>, hist: &mut Hist) {
    let len = x.len();
    let mut packed = [0f64; BLOCK];
    // Pack by validity, 64 rows per word: whole words copy as one slice.
    let mut k = 0;
    for (wi, xs) in x.chunks(64).enumerate() {
        let w = words.map_or(u64::MAX, |w| w[wi]);
        if w == u64::MAX || (xs.len() < 64 && w | !((1u64 << xs.len()) - 1) == u64::MAX) {
            packed[k..k + xs.len()].copy_from_slice(xs);
            k += xs.len();
        } else {
            // Copy runs of valid rows whole: with sparse nulls a word is a few runs.
            let mut w = if xs.len() < 64 {
                w & ((1u64 << xs.len()) - 1)
            } else {
                w
            };
            while w != 0 {
                let start = w.trailing_zeros() as usize;
                let run = (!(w >> start)).trailing_zeros() as usize;
                packed[k..k + run].copy_from_slice(&xs[start..start + run]);
                k += run;
                w &= if start + run >= 64 {
                    0
                } else {
                    u64::MAX << (start + run)
                };
            }
        }
    }
    // Non-finite values among them (rare) make the dense path refuse: pack again without them.
    let mut finite = k;
    if !packed[..k]
        .iter()
        .fold(true, |a, v| a & (v.abs() < f64::INFINITY))
    {
        finite = 0;
        for (i, &v) in x.iter().enumerate() {
            packed[finite] = v;
            finite += (is_valid(words, i) && v.abs() < f64::INFINITY) as usize;
        }
    }
    let k = finite;
    let valid = valid_count(words, len);
    // Counts first into a copy: if the dense path refuses (overflowing sums), the masked path
    // below redoes the whole block.
    let before = st.counts;
    st.counts.rows += len as u64;
    st.counts.nulls += len as u64 - valid;
    if (k as u64) < valid {
        classify_non_finite(st, x, words);
    }
    if k > 0 && !block_dense(st, &packed[..k], hist) {
        st.counts = before;
        block_masked(st, x, words, hist);
    }
}

fn valid_count(words: Option<&[u64]>, len: usize) -> u64 {
    match words {
        None => len as u64,
        Some(w) => {
            let full = len / 64;
            let mut c: u64 = w[..full].iter().map(|x| x.count_ones() as u64).sum();
            if !len.is_multiple_of(64) {
                c += (w[full] & ((1u64 << (len % 64)) - 1)).count_ones() as u64;
            }
            c
        }
    }
}

fn classify_non_finite(st: &mut NumericState, x: &[f64], words: Option<&[u64]>) {
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

/// The path of last resort (finite values whose sum overflows f64): masks lane by lane.
fn block_masked(st: &mut NumericState, x: &[f64], words: Option<&[u64]>, hist: &mut Hist) {
    let inv = 1.0 / x.len() as f64;
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
            sum[j] += if ok { v * inv } else { 0.0 };
            mn[j] = if ok && v < mn[j] { v } else { mn[j] };
            mx[j] = if ok && v > mx[j] { v } else { mx[j] };
        }
    }
    let t0 = len - tail.len();
    for (k, &v) in tail.iter().enumerate() {
        let ok = is_valid(words, t0 + k) && v.is_finite();
        cnt[k] += ok as u64;
        sum[k] += if ok { v * inv } else { 0.0 };
        mn[k] = if ok && v < mn[k] { v } else { mn[k] };
        mx[k] = if ok && v > mx[k] { v } else { mx[k] };
    }
    let n: u64 = cnt.iter().sum();
    let valid = valid_count(words, len);
    st.counts.rows += len as u64;
    st.counts.nulls += len as u64 - valid;
    if n < valid {
        classify_non_finite(st, x, words);
    }
    if n == 0 {
        return;
    }
    // Sums of v / len cannot overflow, whatever the magnitudes (this path exists for them).
    let shift = sum.iter().sum::<f64>() * (len as f64 / n as f64);
    let lo = mn.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = mx.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    // Deviations in units of a power of two, so huge values cannot overflow their powers (and
    // `v / scale - shift / scale` cannot overflow where `v - shift` could).
    let scale = super::pow2_scale(lo.abs().max(hi.abs()));
    let (inv_s, shift_s) = (1.0 / scale, shift / scale);
    // Pass two: power sums of deviations, zeros.
    let (mut s1, mut s2, mut s3, mut s4) = ([0f64; L], [0f64; L], [0f64; L], [0f64; L]);
    let mut zeros = [0u64; L];
    for (c, xs) in x.chunks_exact(L).enumerate() {
        let bits = byte(c);
        for j in 0..L {
            let v = xs[j];
            let ok = (bits >> j) & 1 == 1 && v.abs() < f64::INFINITY;
            let d = if ok { v * inv_s - shift_s } else { 0.0 };
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
        let d = if ok { v * inv_s - shift_s } else { 0.0 };
        let d2 = d * d;
        s1[k] += d;
        s2[k] += d2;
        s3[k] += d2 * d;
        s4[k] += d2 * d2;
        zeros[k] += (ok && v == 0.0) as u64;
    }
    st.counts.zeros += zeros.iter().sum::<u64>();
    st.moments.merge(&Moments::from_block(
        n,
        shift,
        red8(s1),
        red8(s2),
        red8(s3),
        red8(s4),
        lo,
        hi,
        scale,
    ));
    if n == len as u64 {
        hist.add_all(x);
    } else {
        hist.add_masked(x, words);
    }
}

/// Finite min and max of rows `start..end` (the range pass that fixes histogram edges).
pub fn range(input: &NumericInput, start: usize, end: usize) -> (f64, f64) {
    let (mut lo, mut hi) = ([f64::INFINITY; L], [f64::NEG_INFINITY; L]);
    for_each_block(input, start, end, |x, words| {
        if words.is_none_or(|w| all_ones(w, x.len())) {
            let chunks = x.chunks_exact(L);
            let tail = chunks.remainder();
            for xs in chunks {
                for j in 0..L {
                    let v = xs[j];
                    let ok = v.abs() < f64::INFINITY;
                    lo[j] = if ok && v < lo[j] { v } else { lo[j] };
                    hi[j] = if ok && v > hi[j] { v } else { hi[j] };
                }
            }
            for (k, &v) in tail.iter().enumerate() {
                let ok = v.abs() < f64::INFINITY;
                lo[k] = if ok && v < lo[k] { v } else { lo[k] };
                hi[k] = if ok && v > hi[k] { v } else { hi[k] };
            }
        } else {
            let w = words.unwrap();
            let chunks = x.chunks_exact(L);
            let tail = chunks.remainder();
            for (c, xs) in chunks.enumerate() {
                let bits = (w[c / 8] >> ((c % 8) * 8)) as u32;
                for j in 0..L {
                    let v = xs[j];
                    let ok = (bits >> j) & 1 == 1 && v.abs() < f64::INFINITY;
                    lo[j] = if ok && v < lo[j] { v } else { lo[j] };
                    hi[j] = if ok && v > hi[j] { v } else { hi[j] };
                }
            }
            let t0 = x.len() - tail.len();
            for (k, &v) in tail.iter().enumerate() {
                if is_valid(words, t0 + k) && v.is_finite() {
                    lo[k] = lo[k].min(v);
                    hi[k] = hi[k].max(v);
                }
            }
        }
    });
    (
        lo.iter().copied().fold(f64::INFINITY, f64::min),
        hi.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{ArrayRef, Float64Array};
    use std::sync::Arc;

    #[test]
    fn vectorisable_bin_index_equals_histspec_bin() {
        let mut r = crate::util::rng::Rng::new(3);
        for (lo, hi, bins) in [
            (-3.0, 3.0, 32u32),
            (0.0, 1.0, 7),
            (-1e9, 1e9 + 1.0, 65_536),
            (5.0, 5.0, 4),
            (-f64::MAX, f64::MAX, 10),
        ] {
            let s = HistSpec::new(lo, hi, bins);
            let top = (s.bins - 1) as f64;
            let mut xs: Vec<f64> = s.edges();
            xs.extend(s.edges().iter().flat_map(|e| [e.next_up(), e.next_down()]));
            xs.extend((0..10_000).map(|_| s.lo + (s.hi * 0.5 - s.lo * 0.5) * 2.0 * r.uniform()));
            for x in xs.into_iter().filter(|x| x.is_finite()) {
                assert_eq!(
                    bin_index(x, s.half_lo, s.scale, top) as usize,
                    s.bin(x),
                    "{x} in {s:?}"
                );
            }
        }
    }

    fn state_of(v: Vec<Option<f64>>) -> NumericState {
        let arr: ArrayRef = Arc::new(Float64Array::from(v));
        let p = Prepared::new(&arr);
        let input = p.input().unwrap();
        let (lo, hi) = range(&input, 0, input.len);
        let spec = HistSpec::new(lo, hi, 8);
        let mut st = NumericState::new(Some(&spec));
        update(&mut st, &input, 0, input.len, Some(&spec));
        st
    }

    #[test]
    fn huge_finite_values_take_the_masked_path_without_overflowing_the_mean() {
        // The plain sum overflows: the dense path refuses and the masked path takes over.
        let st = state_of(vec![Some(1.5e308), Some(1.5e308), None, Some(1.0e308)]);
        assert_eq!(st.counts.rows, 4);
        assert_eq!(st.counts.nulls, 1);
        assert_eq!(st.moments.n, 3);
        let mean = st.moments.mean().unwrap();
        let want = 1.5e308 / 3.0 * 2.0 + 1.0e308 / 3.0;
        assert!((mean - want).abs() <= 1e-12 * mean, "{mean}");
        assert_eq!(st.hist.iter().sum::<u64>(), 3);
        assert_eq!((st.moments.min, st.moments.max), (1.0e308, 1.5e308));
    }

    #[test]
    fn dense_general_and_masked_paths_agree() {
        let v: Vec<Option<f64>> = (0..5000)
            .map(|i| Some((i as f64 * 0.37).sin() * 100.0))
            .collect();
        let dense = state_of(v.clone());
        let mut w = v.clone();
        w[17] = None; // one null per block forces the packed general path for the first block
        let mut general = state_of(w.clone());
        let solo = state_of(vec![v[17]]);
        general.merge(&solo);
        general.counts.rows -= 1;
        general.counts.nulls -= 1;
        assert_eq!(general.moments.n, dense.moments.n);
        assert_eq!(
            general.hist.iter().sum::<u64>(),
            dense.hist.iter().sum::<u64>()
        );
        let a = crate::metrics::moments::finish(&dense.moments);
        let b = crate::metrics::moments::finish(&general.moments);
        assert!((a.variance.unwrap() - b.variance.unwrap()).abs() < 1e-10 * a.variance.unwrap());
    }
}
