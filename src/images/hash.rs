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
//! `format!("{:016x}", h)` is imagehash's `str(hash)`. The images are decoded by the `image`
//! crate, not Pillow, and the DCT is computed directly in f64, not by FFT: a coefficient within
//! rounding of the median can still flip (benches/compare measures the agreement).

use image::{GrayImage, ImageBuffer};

/// PIL's `convert("L")` of an RGB(A) image: its fixed-point ITU-R 601-2 luma,
/// `(19595·R + 38470·G + 7471·B + 2^15) >> 16`.
pub fn luma_pil(img: &image::DynamicImage) -> GrayImage {
    if let image::DynamicImage::ImageLuma8(g) = img {
        return g.clone();
    }
    let rgb = img.to_rgb8();
    let px: Vec<u8> = rgb
        .as_raw()
        .chunks_exact(3)
        .map(|p| {
            ((p[0] as u32 * 19595 + p[1] as u32 * 38470 + p[2] as u32 * 7471 + 0x8000) >> 16) as u8
        })
        .collect();
    ImageBuffer::from_raw(rgb.width(), rgb.height(), px).expect("one byte per pixel")
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

/// Per output pixel: the first input pixel and the fixed-point weights.
type Coefficients = std::rc::Rc<Vec<(usize, Vec<i32>)>>;

thread_local! {
    /// Coefficients by (input size, output size): images of a set often share sizes.
    static COEFFS: std::cell::RefCell<std::collections::HashMap<(usize, usize), Coefficients>> =
        Default::default();
}

fn cached_coefficients(in_size: usize, out_size: usize) -> Coefficients {
    COEFFS.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() > 4096 {
            c.clear();
        }
        c.entry((in_size, out_size))
            .or_insert_with(|| std::rc::Rc::new(coefficients(in_size, out_size)))
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
    let coeffs = cached_coefficients(in_size, out);
    let half = 1i32 << (PRECISION_BITS - 1);
    let clip = |ss: i32| (ss >> PRECISION_BITS).clamp(0, 255) as u8;
    if horizontal {
        let mut dst = vec![0u8; out * h];
        for (row, d) in src.chunks_exact(w).zip(dst.chunks_exact_mut(out)) {
            for ((first, k), o) in coeffs.iter().zip(d.iter_mut()) {
                let seg = &row[*first..*first + k.len()];
                let ss: i32 = seg
                    .iter()
                    .zip(k)
                    .map(|(&v, &c)| v as i32 * c)
                    .fold(half, |a, b| a.wrapping_add(b));
                *o = clip(ss);
            }
        }
        dst
    } else {
        // Row by row: every column's sum advances together.
        let mut dst = vec![0u8; w * out];
        let mut acc = vec![0i32; w];
        for ((first, k), d) in coeffs.iter().zip(dst.chunks_exact_mut(w)) {
            acc.iter_mut().for_each(|a| *a = half);
            for (t, &c) in k.iter().enumerate() {
                let row = &src[(first + t) * w..][..w];
                for (a, &v) in acc.iter_mut().zip(row) {
                    *a = a.wrapping_add(v as i32 * c);
                }
            }
            for (o, &a) in d.iter_mut().zip(&acc) {
                *o = clip(a);
            }
        }
        dst
    }
}

/// The 64-bit pHash of a luminance image.
pub fn phash(gray: &GrayImage) -> u64 {
    let small = resize_pil(gray, 32, 32);
    let px: Vec<f64> = small.pixels().map(|p| p.0[0] as f64).collect();
    let mut dct = dct2(&px, 32);
    // Rounding noise of a flat image's zero coefficients would decide bits: zero it, as an
    // exact DCT gives (so a blank image hashes as imagehash's 8000000000000000).
    let scale = dct.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    for v in &mut dct {
        if v.abs() <= scale * 1e-12 {
            *v = 0.0;
        }
    }
    let mut low: Vec<f64> = (0..8)
        .flat_map(|r| (0..8).map(move |c| (r, c)))
        .map(|(r, c)| dct[r * 32 + c])
        .collect();
    let vals = low.clone();
    low.sort_by(f64::total_cmp);
    let med = (low[31] + low[32]) / 2.0;
    pack(vals.iter().map(|&v| v > med))
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

/// Unnormalised DCT-II of every row, then every column, of an `n`×`n` matrix (scipy's
/// `fftpack.dct` along axis 0 then 1: the order does not change the result).
pub fn dct2(x: &[f64], n: usize) -> Vec<f64> {
    let cos: Vec<f64> = (0..n * n)
        .map(|i| {
            let (k, m) = (i / n, i % n);
            (std::f64::consts::PI * k as f64 * (2 * m + 1) as f64 / (2 * n) as f64).cos()
        })
        .collect();
    let mut rows = vec![0.0; n * n];
    for r in 0..n {
        for k in 0..n {
            rows[r * n + k] = 2.0 * (0..n).map(|m| x[r * n + m] * cos[k * n + m]).sum::<f64>();
        }
    }
    let mut out = vec![0.0; n * n];
    for c in 0..n {
        for k in 0..n {
            out[k * n + c] = 2.0
                * (0..n)
                    .map(|m| rows[m * n + c] * cos[k * n + m])
                    .sum::<f64>();
        }
    }
    out
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
    let mut out: Vec<(usize, usize)> = (0..hashes.len())
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
        .collect();
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_index_search_equals_all_pairs() {
        let mut r = crate::bench::Rng::new(1);
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
    fn dct_of_a_constant_is_its_dc_term() {
        let x = vec![3.0; 16];
        let d = dct2(&x, 4);
        // scipy: dct(dct(ones*3, axis=0), axis=1)[0, 0] = 3 * (2*4) * (2*4)
        assert!((d[0] - 192.0).abs() < 1e-9);
        assert!(d[1..].iter().all(|v| v.abs() < 1e-9));
    }
}
