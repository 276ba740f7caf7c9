//! One image: decode it (bounded by `max_dimension`), hash its pixels, and measure its
//! luminance (brightness, contrast, sharpness, entropy, dark and bright shares).

use super::{hash, jpeg, THUMB};
use super::{ImageInfo, ImageOptions};
use std::path::Path;

/// Decode and measure one image file.
pub fn inspect(path: &Path, opts: &ImageOptions) -> ImageInfo {
    inspect_path(path, opts, true).0
}

/// [`inspect`]; with `host_hash` false the hashes are left for the GPU and the luminance is
/// returned for it.
pub(super) fn inspect_path(
    path: &Path,
    opts: &ImageOptions,
    host_hash: bool,
) -> (ImageInfo, Option<image::GrayImage>) {
    match std::fs::read(path) {
        Ok(b) => inspect_inner(&path.display().to_string(), &b, opts, host_hash),
        Err(e) => (
            ImageInfo {
                path: path.display().to_string(),
                error: Some(format!("cannot read: {e}")),
                ..Default::default()
            },
            None,
        ),
    }
}

/// Decode and measure one encoded image named `name`.
pub fn inspect_bytes(name: &str, bytes: &[u8], opts: &ImageOptions) -> ImageInfo {
    inspect_inner(name, bytes, opts, true).0
}

/// [`inspect_bytes`]; see [`inspect_path`] for `host_hash`.
pub(super) fn inspect_inner(
    name: &str,
    bytes: &[u8],
    opts: &ImageOptions,
    host_hash: bool,
) -> (ImageInfo, Option<image::GrayImage>) {
    let mut info = ImageInfo {
        path: name.to_string(),
        ..Default::default()
    };
    let Some(img) = decode(&mut info, bytes, opts) else {
        return (info, None);
    };
    info.width = img.width();
    info.height = img.height();
    info.channels = img.color().channel_count();
    info.aspect = info.width.max(info.height) as f64 / info.width.min(info.height).max(1) as f64;
    info.pixel_hash = pixel_hash(&img);
    let gray = hash::luma_pil(&img);
    drop(img);
    measure(&reduce(&gray), &mut info);
    if !host_hash {
        return (info, Some(gray));
    }
    info.phash = hash::phash(&gray);
    info.dhash = hash::dhash(&gray);
    (info, None)
}

/// Reads and decodes one file as [`super::analyze`] does, and nothing more: whether it decoded. The
/// benchmark's floor under the end-to-end time.
pub fn read_and_decode(path: &Path, opts: &ImageOptions) -> bool {
    let Ok(bytes) = std::fs::read(path) else {
        return false;
    };
    decode(&mut ImageInfo::default(), &bytes, opts).is_some()
}

/// The decoded image; `None` with `info.error` set (and the format and declared size where
/// known) when it does not decode.
pub(super) fn decode(
    info: &mut ImageInfo,
    bytes: &[u8],
    opts: &ImageOptions,
) -> Option<image::DynamicImage> {
    info.file_size = bytes.len() as u64;
    if bytes.is_empty() {
        info.error = Some("empty file".into());
        return None;
    }
    let reader = match image::ImageReader::new(std::io::Cursor::new(&bytes)).with_guessed_format() {
        Ok(r) => r,
        Err(e) => {
            info.error = Some(format!("cannot read: {e}"));
            return None;
        }
    };
    let Some(format) = reader.format() else {
        info.error = Some("not an image (unknown format)".into());
        return None;
    };
    info.format = Some(format!("{format:?}").to_lowercase());
    // The declared size first: a decompression bomb is a finding, not an allocation.
    let dims =
        image::ImageReader::with_format(std::io::Cursor::new(&bytes), format).into_dimensions();
    match dims {
        Ok((w, h)) if w > opts.max_dimension || h > opts.max_dimension => {
            info.width = w;
            info.height = h;
            info.error = Some(format!(
                "declared size {w}×{h} exceeds the {} pixel limit (max_dimension)",
                opts.max_dimension
            ));
            return None;
        }
        Err(e) => {
            info.error = Some(format!(
                "unreadable {}: {e}",
                info.format.as_deref().unwrap_or("")
            ));
            return None;
        }
        _ => {}
    }
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(&bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(opts.max_dimension);
    limits.max_image_height = Some(opts.max_dimension);
    limits.max_alloc = Some(2 << 30);
    reader.limits(limits);
    // The JPEG decoder fills a file cut short with grey and reports no error.
    if format == image::ImageFormat::Jpeg {
        if let Err(why) = jpeg::complete(bytes) {
            info.error = Some(format!("truncated jpeg: {why}"));
            return None;
        }
    }
    let img = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| reader.decode())) {
        Ok(Ok(i)) => i,
        Ok(Err(e)) => {
            info.error = Some(format!(
                "unreadable {}: {e}",
                info.format.as_deref().unwrap_or("")
            ));
            return None;
        }
        Err(_) => {
            info.error = Some("the decoder failed on this file".into());
            return None;
        }
    };
    Some(img)
}

/// A 64-bit hash (XXH3) of the decoded pixels as 8-bit RGBA and of the size. Without an alpha
/// channel, or with every alpha 255, the RGB bytes are hashed: the same picture saved with and
/// without an opaque alpha channel (or as grey levels) is one picture.
pub(super) fn pixel_hash(img: &image::DynamicImage) -> u64 {
    use image::DynamicImage as D;
    let (w, h) = (img.width() as u64, img.height() as u64);
    let rgb = |raw: &[u8]| twox_hash::XxHash3_64::oneshot_with_seed(w << 32 | h, raw);
    let rgba = |raw: &[u8]| twox_hash::XxHash3_64::oneshot_with_seed(!(w << 32 | h), raw);
    let opaque = |raw: &[u8]| raw.chunks_exact(4).all(|p| p[3] == 255);
    match img {
        D::ImageRgb8(b) => rgb(b.as_raw()),
        D::ImageRgba8(b) if !opaque(b.as_raw()) => rgba(b.as_raw()),
        other if other.color().has_alpha() => {
            let b = other.to_rgba8();
            if opaque(b.as_raw()) {
                rgb(image::DynamicImage::ImageRgba8(b).to_rgb8().as_raw())
            } else {
                rgba(b.as_raw())
            }
        }
        other => rgb(other.to_rgb8().as_raw()),
    }
}

/// The luminance reduced to at most about [`THUMB`] pixels a side by averaging `f`×`f` blocks,
/// `f` the smallest integer that gets there (the edge rows and columns that do not fill a block
/// are left out); an image that small already is used as it is.
pub(super) fn reduce(g: &image::GrayImage) -> std::borrow::Cow<'_, image::GrayImage> {
    let (w, h) = (g.width() as usize, g.height() as usize);
    let f = w.max(h).div_ceil(THUMB as usize);
    if f <= 1 {
        return std::borrow::Cow::Borrowed(g);
    }
    let (ow, oh) = ((w / f).max(1), (h / f).max(1));
    let src = g.as_raw();
    // Column sums of each band of f rows (a loop the compiler vectorises), then f at a time.
    let mut cols = vec![0u32; ow * f];
    let mut out = Vec::with_capacity(ow * oh);
    for by in 0..oh {
        cols.iter_mut().for_each(|s| *s = 0);
        let rows = (by * f + f).min(h) - by * f;
        let area = (rows * f) as u32;
        for y in by * f..by * f + rows {
            for (s, &v) in cols.iter_mut().zip(&src[y * w..][..ow * f]) {
                *s += v as u32;
            }
        }
        let mean = RoundedMean::new(area);
        // The common factors unrolled (a fixed-length sum per block).
        fn blocks<const F: usize>(cols: &[u32], mean: &RoundedMean, out: &mut Vec<u8>) {
            out.extend(cols.chunks_exact(F).map(|b| mean.of(b.iter().sum())));
        }
        match f {
            2 => blocks::<2>(&cols, &mean, &mut out),
            3 => blocks::<3>(&cols, &mean, &mut out),
            4 => blocks::<4>(&cols, &mean, &mut out),
            _ => out.extend(cols.chunks_exact(f).map(|b| mean.of(b.iter().sum()))),
        }
    }
    std::borrow::Cow::Owned(
        image::GrayImage::from_raw(ow as u32, oh as u32, out).expect("ow·oh bytes"),
    )
}

/// `(s + d/2) / d` for sums `s ≤ 255·d`: a multiplication by `m = ⌈2^48/d⌉` and a shift instead
/// of a division per pixel. Exact: with `n = s + d/2 < 256·d` and `m·d = 2^48 + e`, `0 ≤ e < d`,
/// `n·m / 2^48 = n/d + n·e/(d·2^48)`, and `n·e < 256·d² ≤ 2^48` keeps the floor, for `d ≤ 2^20`
/// (larger areas divide).
pub(super) struct RoundedMean {
    d: u32,
    m: u64,
}

impl RoundedMean {
    fn new(d: u32) -> RoundedMean {
        let m = if d <= 1 << 20 {
            (1u64 << 48).div_ceil(d as u64)
        } else {
            0
        };
        RoundedMean { d, m }
    }

    #[inline(always)]
    fn of(&self, s: u32) -> u8 {
        let n = s as u64 + (self.d / 2) as u64;
        (if self.m > 0 {
            (n * self.m) >> 48
        } else {
            n / self.d as u64
        }) as u8
    }
}

/// Brightness, contrast, sharpness, entropy and the dark and bright shares of a luminance image.
pub(super) fn measure(g: &image::GrayImage, info: &mut ImageInfo) {
    let n = (g.width() * g.height()) as f64;
    let mut hist = [0u64; 256];
    for p in g.pixels() {
        hist[p.0[0] as usize] += 1;
    }
    let mean = hist
        .iter()
        .enumerate()
        .map(|(v, &c)| v as f64 * c as f64)
        .sum::<f64>()
        / n;
    let var = hist
        .iter()
        .enumerate()
        .map(|(v, &c)| (v as f64 - mean).powi(2) * c as f64)
        .sum::<f64>()
        / n;
    info.brightness = mean;
    info.contrast = var.sqrt();
    info.entropy = -hist
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            p * p.log2()
        })
        .sum::<f64>();
    info.dark_share = hist[..16].iter().sum::<u64>() as f64 / n;
    info.bright_share = hist[240..].iter().sum::<u64>() as f64 / n;
    // Variance of the Laplacian over the interior pixels (exact integer sums).
    let (w, h) = (g.width() as usize, g.height() as usize);
    let px = g.as_raw();
    let (mut s, mut s2, mut count) = (0i64, 0i64, 0u64);
    if w >= 3 && h >= 3 {
        for y in 1..h - 1 {
            let (rs, rs2) = laplacian_row(
                &px[(y - 1) * w..][..w],
                &px[y * w..][..w],
                &px[(y + 1) * w..][..w],
            );
            s += rs;
            s2 += rs2;
            count += (w - 2) as u64;
        }
    }
    let (s, s2, m) = (s as f64, s2 as f64, count as f64);
    info.sharpness = if m > 0.0 {
        (s2 / m - (s / m).powi(2)).max(0.0)
    } else {
        0.0
    };
}

/// `(Σ l, Σ l²)` of the Laplacian `left + right + up + down − 4·centre` along the interior of
/// `row`. Sums run in i32 over spans of 1,024 pixels (|l| ≤ 1,020, so `Σ l²` < 2^31), which
/// the compiler vectorises, and are carried in i64.
pub(super) fn laplacian_row(up: &[u8], row: &[u8], down: &[u8]) -> (i64, i64) {
    #[inline(always)]
    fn sums(up: &[u8], row: &[u8], down: &[u8]) -> (i64, i64) {
        let (mut s, mut s2) = (0i64, 0i64);
        let n = row.len().saturating_sub(2);
        let mut x = 0;
        while x < n {
            let len = (n - x).min(1024);
            let (l, c, r) = (&row[x..][..len], &row[x + 1..][..len], &row[x + 2..][..len]);
            let (u, d) = (&up[x + 1..][..len], &down[x + 1..][..len]);
            let (mut a, mut b) = (0i32, 0i32);
            for i in 0..len {
                let v = l[i] as i32 + r[i] as i32 + u[i] as i32 + d[i] as i32 - 4 * c[i] as i32;
                a += v;
                b += v * v;
            }
            s += a as i64;
            s2 += b as i64;
            x += len;
        }
        (s, s2)
    }
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        #[target_feature(enable = "avx2")]
        fn avx2(up: &[u8], row: &[u8], down: &[u8]) -> (i64, i64) {
            sums(up, row, down)
        }
        // SAFETY: the CPU has AVX2 (checked above).
        return unsafe { avx2(up, row, down) };
    }
    sums(up, row, down)
}

#[cfg(test)]
mod tests {
    use super::{laplacian_row, RoundedMean};

    #[test]
    fn laplacian_row_equals_the_per_pixel_sums() {
        let mut r = crate::util::rng::Rng::new(3);
        // Lengths across the 1,024-pixel spans, noise and saturated (the largest |l|) content.
        for w in [0, 1, 2, 3, 4, 17, 1025, 1026, 1027, 2050, 3000] {
            for saturated in [false, true] {
                let mut row = || -> Vec<u8> {
                    (0..w)
                        .map(|i| match saturated {
                            false => r.next_u64() as u8,
                            true => [0, 255][i % 2],
                        })
                        .collect()
                };
                let (up, mid, down) = (row(), row(), row());
                let (mut s, mut s2) = (0i64, 0i64);
                for x in 1..w.saturating_sub(1) {
                    let l = mid[x - 1] as i64 + mid[x + 1] as i64 + up[x] as i64 + down[x] as i64
                        - 4 * mid[x] as i64;
                    s += l;
                    s2 += l * l;
                }
                assert_eq!(laplacian_row(&up, &mid, &down), (s, s2), "w {w}");
            }
        }
    }

    #[test]
    fn rounded_mean_equals_the_division() {
        let check = |d: u32, s: u32| {
            assert_eq!(
                RoundedMean::new(d).of(s) as u32,
                (s + d / 2) / d,
                "s {s}, d {d}"
            )
        };
        for d in 1..=300 {
            for s in 0..=255 * d {
                check(d, s);
            }
        }
        // Near and past the largest area that multiplies.
        for d in [
            65_535,
            65_536,
            (1 << 20) - 1,
            1 << 20,
            (1 << 20) + 1,
            1 << 24,
        ] {
            for s in (0..=255u64 * d as u64).step_by(d as usize / 7 + 1) {
                check(d, s as u32);
            }
            check(d, 255 * d);
            check(d, 255 * d - 1);
        }
    }
}
