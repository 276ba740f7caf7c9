//! Perceptual hashes of images, after the Python `imagehash` package (`phash`, `dhash`), and the
//! Hamming-radius search over them.
//!
//! Both hashes work on the image's luminance as PIL's mode `L` computes it, resized as PIL's
//! `resize(…, LANCZOS)` resizes (both reimplemented here bit for bit, [`luma_pil`],
//! [`resize_pil`]):
//! - **pHash**: 32×32, a 2-D DCT-II (rows, then columns), the top-left 8×8 coefficients, each bit
//!   set where the coefficient exceeds their median (the DC term included, as imagehash does);
//! - **dHash**: 9 wide × 8 high, a bit per pixel set where its right neighbour is brighter.
//!
//! Bits are packed as imagehash prints them: the first (top-left) bit is the most significant, so
//! `format!("{:016x}", h)` is imagehash's `str(hash)`.
//!
//! Deliberate differences from imagehash: the images are decoded by the `image` crate, not
//! Pillow (JPEG decoders differ in their last bits), and the DCT is exact integer arithmetic
//! with 12-bit cosines ([`dct_low`]) instead of scipy's floating-point FFT, so that the WGSL
//! kernel (`shaders/imagehash.wgsl`) and this CPU twin give identical bits on every device. A
//! coefficient within rounding of the median can therefore still flip against imagehash; a flat
//! image's zero coefficients are exactly zero here, where scipy's rounding noise decides them
//! (benches/compare measures the agreement).

use image::{GrayImage, ImageBuffer};

/// The grey a transparent pixel shows: images with an alpha channel are composited over this
/// neutral mid-grey before they are measured and hashed, so transparency reads as neither dark
/// nor bright (an icon's transparent corners, whose colour is often black, are not "dark").
pub const BACKGROUND: u8 = 128;

/// PIL's `convert("L")` of an RGB image: its fixed-point ITU-R 601-2 luma,
/// `(19595·R + 38470·G + 7471·B + 2^15) >> 16`. An image with an alpha channel is first
/// composited over [`BACKGROUND`]: `(L·a + 128·(255 − a) + 127) / 255` (where PIL's `convert`
/// would drop the alpha and show the colour under it); opaque pixels are PIL's luma exactly.
pub fn luma_pil(img: &image::DynamicImage) -> GrayImage {
    let (w, h) = (img.width(), img.height());
    let px = match img {
        image::DynamicImage::ImageLuma8(g) => return g.clone(),
        image::DynamicImage::ImageRgb8(b) => luma(b.as_raw(), 3),
        image::DynamicImage::ImageRgba8(b) => over_background(luma(b.as_raw(), 4), b.as_raw()),
        other if other.color().has_alpha() => {
            let b = other.to_rgba8();
            over_background(luma(b.as_raw(), 4), b.as_raw())
        }
        other => luma(other.to_rgb8().as_raw(), 3),
    };
    ImageBuffer::from_raw(w, h, px).expect("one byte per pixel")
}

/// Composite luma over [`BACKGROUND`] by the alpha of packed RGBA pixels.
fn over_background(mut l: Vec<u8>, rgba: &[u8]) -> Vec<u8> {
    for (o, p) in l.iter_mut().zip(rgba.chunks_exact(4)) {
        let a = p[3] as u32;
        if a != 255 {
            *o = ((*o as u32 * a + BACKGROUND as u32 * (255 - a) + 127) / 255) as u8;
        }
    }
    l
}

/// The luma of packed 8-bit pixels, `step` bytes each (R, G, B first).
fn luma(raw: &[u8], step: usize) -> Vec<u8> {
    #[inline(always)]
    fn generic<const STEP: usize>(raw: &[u8], out: &mut [u8]) {
        for (o, p) in out.iter_mut().zip(raw.chunks_exact(STEP)) {
            *o = ((p[0] as u32 * 19595 + p[1] as u32 * 38470 + p[2] as u32 * 7471 + 0x8000) >> 16)
                as u8;
        }
    }
    fn portable(raw: &[u8], out: &mut [u8], step: usize) {
        if step == 3 {
            generic::<3>(raw, out)
        } else {
            generic::<4>(raw, out)
        }
    }
    let mut out = vec![0u8; raw.len() / step];
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        #[target_feature(enable = "avx2")]
        fn avx2(raw: &[u8], out: &mut [u8], step: usize) {
            portable(raw, out, step)
        }
        // SAFETY: the CPU has AVX2 (checked above).
        unsafe { avx2(raw, &mut out, step) };
        return out;
    }
    portable(raw, &mut out, step);
    out
}

/// PIL's `resize((w, h), LANCZOS)` of an 8-bit luminance image (Pillow's `ImagingResample`):
/// a horizontal then a vertical pass of a Lanczos-3 filter widened by the scale, with weights
/// normalised and rounded to 22-bit fixed point, and the intermediate rounded to 8 bits.
pub fn resize_pil(g: &GrayImage, w: u32, h: u32) -> GrayImage {
    let (iw, ih) = (g.width() as usize, g.height() as usize);
    let (w, h) = (w as usize, h as usize);
    let horizontal = resample_pass(g.as_raw(), iw, ih, w, true);
    let out = resample_pass(&horizontal, w, ih, h, false);
    ImageBuffer::from_raw(w as u32, h as u32, out).expect("w·h bytes")
}

const PRECISION_BITS: u32 = 32 - 8 - 2;

fn lanczos(x: f64) -> f64 {
    fn sinc(x: f64) -> f64 {
        if x == 0.0 {
            1.0
        } else {
            let x = x * std::f64::consts::PI;
            x.sin() / x
        }
    }
    if (-3.0..3.0).contains(&x) {
        sinc(x) * sinc(x / 3.0)
    } else {
        0.0
    }
}

/// Per output pixel: the first input pixel and the fixed-point weights (Pillow's
/// `precompute_coeffs` and `normalize_coeffs_8bpc`).
fn coefficients(in_size: usize, out_size: usize) -> Vec<(usize, Vec<i32>)> {
    let scale = in_size as f64 / out_size as f64;
    let filterscale = scale.max(1.0);
    let support = 3.0 * filterscale;
    let ss = 1.0 / filterscale;
    (0..out_size)
        .map(|xx| {
            let center = (xx as f64 + 0.5) * scale;
            let xmin = ((center - support + 0.5) as i64).max(0) as usize;
            let xmax = ((center + support + 0.5) as i64).min(in_size as i64) as usize;
            let mut k: Vec<f64> = (xmin..xmax)
                .map(|x| lanczos((x as f64 - center + 0.5) * ss))
                .collect();
            let ww: f64 = k.iter().sum();
            if ww != 0.0 {
                for v in &mut k {
                    *v /= ww;
                }
            }
            let fixed = k
                .iter()
                .map(|&v| {
                    let f = v * (1u32 << PRECISION_BITS) as f64;
                    (if v < 0.0 { f - 0.5 } else { f + 0.5 }) as i32
                })
                .collect();
            (xmin, fixed)
        })
        .collect()
}

/// A resize's weights along one axis (one entry per output sample).
pub(crate) struct Weights {
    /// The first input sample and the fixed-point weights.
    pub(crate) taps: Vec<(usize, Vec<i32>)>,
    /// The same weights as `hi·2^11 + lo`, both parts in i16 (|weight| ≤ 2^22, 0 ≤ lo < 2^11),
    /// zero-padded to whole 16-lane steps: sums of i16 products, which x86 does 16 at a time
    /// (`pmaddwd`), give the same i32 sum.
    split: Vec<(usize, Vec<i16>, Vec<i16>)>,
}

impl Weights {
    fn new(in_size: usize, out_size: usize) -> Weights {
        let taps = coefficients(in_size, out_size);
        let pad = |v: Vec<i16>| {
            let mut v = v;
            v.resize(v.len().next_multiple_of(16), 0);
            v
        };
        let split = taps
            .iter()
            .map(|(first, k)| {
                (
                    *first,
                    pad(k.iter().map(|&c| (c >> 11) as i16).collect()),
                    pad(k.iter().map(|&c| (c & 0x7ff) as i16).collect()),
                )
            })
            .collect();
        Weights { taps, split }
    }
}

thread_local! {
    /// Weights by (input size, output size): images of a set often share sizes.
    static WEIGHTS: std::cell::RefCell<std::collections::HashMap<(usize, usize), std::rc::Rc<Weights>>> =
        Default::default();
}

/// [`resize_pil`]'s weights resizing `in_size` samples to `out_size` (cached per thread).
pub(crate) fn weights_for(in_size: usize, out_size: usize) -> std::rc::Rc<Weights> {
    WEIGHTS.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() > 4096 {
            c.clear();
        }
        c.entry((in_size, out_size))
            .or_insert_with(|| std::rc::Rc::new(Weights::new(in_size, out_size)))
            .clone()
    })
}

/// One pass of [`resize_pil`] over rows (`horizontal`) or columns. Sums are i32, as Pillow's
/// (its 22-bit weights keep them in range).
fn resample_pass(src: &[u8], w: usize, h: usize, out: usize, horizontal: bool) -> Vec<u8> {
    let in_size = if horizontal { w } else { h };
    if in_size == out {
        return src.to_vec();
    }
    let weights = weights_for(in_size, out);
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked above).
        return unsafe {
            if horizontal {
                horizontal_avx2(src, w, h, &weights)
            } else {
                vertical_avx2(src, w, &weights)
            }
        };
    }
    if horizontal {
        horizontal_pass(src, w, h, &weights)
    } else {
        vertical_pass(src, w, &weights)
    }
}

const HALF: i32 = 1 << (PRECISION_BITS - 1);

/// A sum of products (plus [`HALF`]) back to 8 bits, as Pillow's `clip8`.
#[inline(always)]
fn clip8(ss: i32) -> u8 {
    (ss >> PRECISION_BITS).clamp(0, 255) as u8
}

/// The horizontal pass, portable: per output pixel `Σ pixel·weight`.
fn horizontal_pass(src: &[u8], w: usize, h: usize, weights: &Weights) -> Vec<u8> {
    let out = weights.taps.len();
    let mut dst = vec![0u8; out * h];
    for (row, d) in src.chunks_exact(w).zip(dst.chunks_exact_mut(out)) {
        for ((first, k), o) in weights.taps.iter().zip(d.iter_mut()) {
            let s = row[*first..][..k.len()]
                .iter()
                .zip(k)
                .fold(HALF, |s, (&v, &c)| s.wrapping_add(v as i32 * c));
            *o = clip8(s);
        }
    }
    dst
}

/// The vertical pass, row by row: every column's sum advances together.
#[inline(always)]
fn vertical_pass(src: &[u8], w: usize, weights: &Weights) -> Vec<u8> {
    let out = weights.taps.len();
    let mut dst = vec![0u8; w * out];
    let mut acc = vec![0i32; w];
    for ((first, k), d) in weights.taps.iter().zip(dst.chunks_exact_mut(w)) {
        acc.iter_mut().for_each(|a| *a = HALF);
        for (t, &c) in k.iter().enumerate() {
            let row = &src[(first + t) * w..][..w];
            for (a, &v) in acc.iter_mut().zip(row) {
                *a = a.wrapping_add(v as i32 * c);
            }
        }
        for (o, &a) in d.iter_mut().zip(&acc) {
            *o = clip8(a);
        }
    }
    dst
}

/// [`vertical_pass`] compiled for AVX2 (8 products a step instead of 4).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn vertical_avx2(src: &[u8], w: usize, weights: &Weights) -> Vec<u8> {
    vertical_pass(src, w, weights)
}

/// [`horizontal_pass`] on AVX2: each row widened to i16 once (with 16 zeros after it, which
/// the padded weights reach), then per output pixel `pmaddwd` over the weights' i16 halves,
/// 16 pixels a step, and the halves recombined lane by lane (`a·2^11 + b`, wrapping as the i32
/// sum does). The lanes of 8 output pixels are then summed together by a tree of `phaddd`, and
/// the 8 sums shifted at once.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn horizontal_avx2(src: &[u8], w: usize, h: usize, weights: &Weights) -> Vec<u8> {
    use std::arch::x86_64::*;
    let out = weights.split.len();
    let mut dst = vec![0u8; out * h];
    let mut wide = vec![0i16; w + 16];
    let mut lanes = [_mm256_setzero_si256(); 8];
    let mut sums = [0i32; 8];
    for (row, d) in src.chunks_exact(w).zip(dst.chunks_exact_mut(out)) {
        for (x, &v) in wide.iter_mut().zip(row) {
            *x = v as i16;
        }
        for (group, o) in weights.split.chunks(8).zip(d.chunks_mut(8)) {
            for (l, (first, hi, lo)) in lanes.iter_mut().zip(group) {
                let v = &wide[*first..*first + hi.len()];
                let (mut a, mut b) = (_mm256_setzero_si256(), _mm256_setzero_si256());
                for ((x, kh), kl) in v
                    .chunks_exact(16)
                    .zip(hi.chunks_exact(16))
                    .zip(lo.chunks_exact(16))
                {
                    // SAFETY: each chunk is 16 i16 (32 bytes); loadu takes any alignment.
                    unsafe {
                        let x = _mm256_loadu_si256(x.as_ptr() as *const __m256i);
                        let kh = _mm256_loadu_si256(kh.as_ptr() as *const __m256i);
                        let kl = _mm256_loadu_si256(kl.as_ptr() as *const __m256i);
                        a = _mm256_add_epi32(a, _mm256_madd_epi16(x, kh));
                        b = _mm256_add_epi32(b, _mm256_madd_epi16(x, kl));
                    }
                }
                *l = _mm256_add_epi32(_mm256_slli_epi32(a, 11), b);
            }
            for l in &mut lanes[group.len()..] {
                *l = _mm256_setzero_si256();
            }
            // hadd(x, y) = [x0+x1, x2+x3, y0+y1, y2+y3 | x4+x5, x6+x7, y4+y5, y6+y7]: two levels
            // leave output k's low-half and high-half sums in lane k of the two 128-bit halves.
            let h01 = _mm256_hadd_epi32(lanes[0], lanes[1]);
            let h23 = _mm256_hadd_epi32(lanes[2], lanes[3]);
            let h45 = _mm256_hadd_epi32(lanes[4], lanes[5]);
            let h67 = _mm256_hadd_epi32(lanes[6], lanes[7]);
            let q0 = _mm256_hadd_epi32(h01, h23);
            let q1 = _mm256_hadd_epi32(h45, h67);
            let total = _mm256_add_epi32(
                _mm256_permute2x128_si256(q0, q1, 0x20),
                _mm256_permute2x128_si256(q0, q1, 0x31),
            );
            let shifted = _mm256_srai_epi32(
                _mm256_add_epi32(total, _mm256_set1_epi32(HALF)),
                PRECISION_BITS as i32,
            );
            // SAFETY: 32 bytes into an 8 × i32 array.
            unsafe { _mm256_storeu_si256(sums.as_mut_ptr() as *mut __m256i, shifted) };
            for (o, &v) in o.iter_mut().zip(&sums) {
                *o = v.clamp(0, 255) as u8;
            }
        }
    }
    dst
}

/// The 64-bit pHash of a luminance image.
pub fn phash(gray: &GrayImage) -> u64 {
    phash_of_small(resize_pil(gray, 32, 32).as_raw())
}

/// `cos(π·u·(2n+1)/64)·2^12` rounded half away from zero, for `u < 8`, `n < 32`: the DCT-II
/// basis of the 8 lowest frequencies of 32 samples. Rounding each entry the same way for both
/// signs keeps the exact symmetries of the cosines, so every non-DC row sums to exactly 0.
pub fn dct_table() -> &'static [[i32; 32]; 8] {
    static TABLE: std::sync::OnceLock<[[i32; 32]; 8]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = [[0i32; 32]; 8];
        for (u, row) in t.iter_mut().enumerate() {
            for (n, v) in row.iter_mut().enumerate() {
                let c = (std::f64::consts::PI * (u * (2 * n + 1)) as f64 / 64.0).cos();
                *v = (c * 4096.0).round() as i32;
            }
        }
        t
    })
}

/// The low 8×8 block of the 2-D DCT-II of a 32×32 image (row-major, 1024 bytes), in exact
/// integer arithmetic with [`dct_table`]: first along each column, then along each row, as
/// scipy's `dct(dct(x, axis=0), axis=1)` (up to a positive scale). Index `u·8 + v`: `u` the
/// vertical frequency. The WGSL twin computes the same integers.
pub fn dct_low(px: &[u8]) -> [i64; 64] {
    let c = dct_table();
    let mut r = [[0i32; 32]; 8];
    for (u, ru) in r.iter_mut().enumerate() {
        for (y, row) in px.chunks_exact(32).enumerate() {
            let cu = c[u][y];
            for (a, &p) in ru.iter_mut().zip(row) {
                *a += cu * p as i32;
            }
        }
    }
    let mut f = [0i64; 64];
    for u in 0..8 {
        for v in 0..8 {
            f[u * 8 + v] = r[u]
                .iter()
                .zip(&c[v])
                .map(|(&a, &b)| a as i64 * b as i64)
                .sum();
        }
    }
    f
}

/// pHash bits of a 32×32 image: a coefficient of the low 8×8 block is set where it exceeds the
/// block's median (the mean of the 32nd and 33rd smallest, as numpy's median). Among the 64
/// values that is exactly "at least 32 values are smaller", which needs no division and keeps
/// ties exact.
pub fn phash_of_small(px: &[u8]) -> u64 {
    let f = dct_low(px);
    pack(
        f.iter()
            .map(|&v| f.iter().filter(|&&o| o < v).count() >= 32),
    )
}

/// The 64-bit dHash of a luminance image.
pub fn dhash(gray: &GrayImage) -> u64 {
    let small = resize_pil(gray, 9, 8);
    pack((0..8).flat_map(|y| {
        let small = &small;
        (0..8).map(move |x| small.get_pixel(x + 1, y).0[0] > small.get_pixel(x, y).0[0])
    }))
}

/// 64 bits, the first most significant.
fn pack(bits: impl Iterator<Item = bool>) -> u64 {
    bits.fold(0u64, |h, b| h << 1 | b as u64)
}

/// Pairs `(i, j)`, `i < j`, of hashes within Hamming distance `radius` (at most 15), found by
/// multi-index hashing (Norouzi et al.): the 64 bits are cut into four 16-bit parts; two hashes
/// within `radius` agree within `radius / 4` bits on at least one part (pigeonhole), so each
/// hash looks up only the buckets of each part within that distance, never all pairs.
pub fn near_pairs(hashes: &[u64], radius: u32) -> Vec<(usize, usize)> {
    let radius = radius.min(15);
    let per_part = radius / 4;
    // Each part's index: the hashes sorted by that 16-bit part (counting sort).
    let index: Vec<(Vec<u32>, Vec<u32>)> = (0..4)
        .map(|p| {
            let part = |h: u64| ((h >> (48 - 16 * p)) & 0xffff) as usize;
            let mut start = vec![0u32; 65537];
            for &h in hashes {
                start[part(h) + 1] += 1;
            }
            for i in 0..65536 {
                start[i + 1] += start[i];
            }
            let mut fill = start.clone();
            let mut ids = vec![0u32; hashes.len()];
            for (i, &h) in hashes.iter().enumerate() {
                ids[fill[part(h)] as usize] = i as u32;
                fill[part(h)] += 1;
            }
            (start, ids)
        })
        .collect();
    // The 16-bit masks of weight ≤ per_part.
    let mut masks = vec![0u16];
    for w in 1..=per_part {
        let mut next = Vec::new();
        for m in 0u32..65536 {
            if m.count_ones() == w {
                next.push(m as u16);
            }
        }
        masks.extend(next);
    }
    use rayon::prelude::*;
    let mut out: Vec<(usize, usize)> = crate::util::pool::install(|| {
        (0..hashes.len())
            .into_par_iter()
            .flat_map_iter(|i| {
                let h = hashes[i];
                let mut found = Vec::new();
                for (p, (start, ids)) in index.iter().enumerate() {
                    let v = ((h >> (48 - 16 * p)) & 0xffff) as u16;
                    for &m in &masks {
                        let b = (v ^ m) as usize;
                        for &j in &ids[start[b] as usize..start[b + 1] as usize] {
                            let j = j as usize;
                            if j > i && (h ^ hashes[j]).count_ones() <= radius {
                                found.push((i, j));
                            }
                        }
                    }
                }
                found.sort_unstable();
                found.dedup();
                found
            })
            .collect()
    });
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn avx2_passes_equal_the_portable_passes() {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            let mut r = crate::util::rng::Rng::new(7);
            let mut cases = 0;
            for (w, h) in [
                (1, 5),
                (9, 9),
                (17, 3),
                (31, 40),
                (33, 2),
                (200, 7),
                (1000, 3),
            ] {
                // Noise, then saturated stripes (sums that clip at both ends).
                for content in 0..2 {
                    let src: Vec<u8> = (0..w * h)
                        .map(|i| match content {
                            0 => r.next_u64() as u8,
                            _ => [0, 255][(i / 3) % 2],
                        })
                        .collect();
                    for out in [1, 8, 9, 32, 33] {
                        if out != w {
                            let k = weights_for(w, out);
                            // SAFETY: the CPU has AVX2 (checked above).
                            let fast = unsafe { horizontal_avx2(&src, w, h, &k) };
                            assert_eq!(fast, horizontal_pass(&src, w, h, &k), "{w}x{h} -> {out}");
                            cases += 1;
                        }
                        if out != h {
                            let k = weights_for(h, out);
                            // SAFETY: as above.
                            let fast = unsafe { vertical_avx2(&src, w, &k) };
                            assert_eq!(fast, vertical_pass(&src, w, &k), "{w}x{h} v-> {out}");
                        }
                    }
                }
            }
            assert!(cases > 50);
        }
    }

    #[test]
    fn multi_index_search_equals_all_pairs() {
        let mut r = crate::util::rng::Rng::new(1);
        let mut hashes: Vec<u64> = (0..3000).map(|_| r.next_u64()).collect();
        // Plant near copies at distances 0..=12.
        for k in 0..300 {
            let src = hashes[k * 7];
            let mut h = src;
            for b in 0..(k % 13) {
                h ^= 1 << ((b * 11 + k) % 64);
            }
            hashes.push(h);
        }
        for radius in [0, 3, 8, 10] {
            let mut want = Vec::new();
            for i in 0..hashes.len() {
                for j in i + 1..hashes.len() {
                    if (hashes[i] ^ hashes[j]).count_ones() <= radius {
                        want.push((i, j));
                    }
                }
            }
            assert_eq!(near_pairs(&hashes, radius), want, "radius {radius}");
            assert!(radius == 0 || want.len() > 50);
        }
    }

    #[test]
    fn integer_dct_matches_the_float_dct() {
        // Against the DCT in f64, scaled as the table is (2^12 per pass, scipy's 2 per pass).
        let mut r = crate::util::rng::Rng::new(3);
        let px: Vec<u8> = (0..1024).map(|_| (r.next_u64() % 256) as u8).collect();
        let f = dct_low(&px);
        for u in 0..8 {
            for v in 0..8 {
                let mut want = 0.0;
                for y in 0..32 {
                    for x in 0..32 {
                        let cy = (std::f64::consts::PI * (u * (2 * y + 1)) as f64 / 64.0).cos();
                        let cx = (std::f64::consts::PI * (v * (2 * x + 1)) as f64 / 64.0).cos();
                        want += px[y * 32 + x] as f64 * cy * cx;
                    }
                }
                let got = f[u * 8 + v] as f64 / (4096.0 * 4096.0);
                assert!((got - want).abs() < 8.0, "({u},{v}): {got} vs {want}");
            }
        }
    }

    #[test]
    fn a_flat_image_has_only_a_dc_term() {
        for level in [0u8, 1, 128, 255] {
            let f = dct_low(&[level; 1024]);
            assert_eq!(f[0], level as i64 * 32 * 32 * 4096 * 4096);
            assert!(f[1..].iter().all(|&v| v == 0), "level {level}");
            let want = if level == 0 { 0 } else { 1u64 << 63 };
            assert_eq!(phash_of_small(&[level; 1024]), want);
        }
    }

    #[test]
    fn median_rule_equals_numpys_median() {
        let mut r = crate::util::rng::Rng::new(5);
        for round in 0..200 {
            // Few distinct values, so ties at the median are common.
            let vals: Vec<i64> = (0..64)
                .map(|_| (r.next_u64() % (2 + round % 9)) as i64)
                .collect();
            let mut s = vals.clone();
            s.sort();
            let med = (s[31] + s[32]) as f64 / 2.0;
            for &v in &vals {
                let rule = vals.iter().filter(|&&o| o < v).count() >= 32;
                assert_eq!(rule, v as f64 > med, "{vals:?}");
            }
        }
    }
}
