//! A generator of image sets with planted defects and their ground truth
//! (`datassay generate DIR --images N`).
//!
//! Originals are random scenes (a colour gradient, 6 to 14 filled ellipses and rectangles, mild
//! noise), 160 to 480 pixels a side, saved as PNG or JPEG. Planted among them: exact copies (the
//! same pixels in another file and format), near copies (half-size, JPEG at quality 35,
//! brightened by 40), and defects: blurred (Gaussian σ = 4), dark (×0.12), blank (one colour),
//! odd aspect (8:1), odd size (20 pixels high), truncated files, empty files, text named `.jpg`,
//! and a PNG that declares 100,000 × 100,000 pixels. `truth.csv` lists every file with its kind
//! and, for copies, its source file.

use crate::error::{Error, Result};
use crate::util::rng::Rng;
use image::{Rgb, RgbImage};
use std::path::Path;

/// What a generated file is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    Original,
    ExactCopy(String),
    NearCopy(String),
    Blurred,
    Dark,
    Blank,
    OddAspect,
    OddSize,
    Truncated,
    Empty,
    NotImage,
    Bomb,
}

impl Kind {
    pub fn name(&self) -> &'static str {
        match self {
            Kind::Original => "original",
            Kind::ExactCopy(_) => "exact_copy",
            Kind::NearCopy(_) => "near_copy",
            Kind::Blurred => "blurred",
            Kind::Dark => "dark",
            Kind::Blank => "blank",
            Kind::OddAspect => "odd_aspect",
            Kind::OddSize => "odd_size",
            Kind::Truncated => "truncated",
            Kind::Empty => "empty",
            Kind::NotImage => "not_image",
            Kind::Bomb => "bomb",
        }
    }
}

fn scene(r: &mut Rng, w: u32, h: u32) -> RgbImage {
    let c0 = [r.next_u64() as u8, r.next_u64() as u8, r.next_u64() as u8];
    let c1 = [r.next_u64() as u8, r.next_u64() as u8, r.next_u64() as u8];
    let mut img = RgbImage::from_fn(w, h, |x, y| {
        let t = (x as f64 / w as f64 + y as f64 / h as f64) / 2.0;
        Rgb(std::array::from_fn(|k| {
            (c0[k] as f64 * (1.0 - t) + c1[k] as f64 * t) as u8
        }))
    });
    let shapes = 6 + r.next_u64() % 9;
    for _ in 0..shapes {
        let col = Rgb([r.next_u64() as u8, r.next_u64() as u8, r.next_u64() as u8]);
        let (cx, cy) = (r.uniform() * w as f64, r.uniform() * h as f64);
        let (rx, ry) = (
            (0.05 + 0.25 * r.uniform()) * w as f64,
            (0.05 + 0.25 * r.uniform()) * h as f64,
        );
        let ellipse = r.uniform() < 0.5;
        for y in 0..h {
            for x in 0..w {
                let (dx, dy) = ((x as f64 - cx) / rx, (y as f64 - cy) / ry);
                let inside = if ellipse {
                    dx * dx + dy * dy <= 1.0
                } else {
                    dx.abs() <= 1.0 && dy.abs() <= 1.0
                };
                if inside {
                    img.put_pixel(x, y, col);
                }
            }
        }
    }
    for p in img.pixels_mut() {
        for v in p.0.iter_mut() {
            let n = (r.next_u64() % 9) as i32 - 4;
            *v = (*v as i32 + n).clamp(0, 255) as u8;
        }
    }
    img
}

fn save(img: &RgbImage, path: &Path, jpeg_quality: Option<u8>) -> Result<()> {
    let werr = |e: image::ImageError| Error::Write {
        path: path.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    };
    match jpeg_quality {
        Some(q) => {
            let f = std::fs::File::create(path).map_err(|e| Error::Write {
                path: path.to_path_buf(),
                source: e,
            })?;
            let mut w = std::io::BufWriter::new(f);
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut w, q)
                .encode_image(img)
                .map_err(werr)
        }
        None => img.save(path).map_err(werr),
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|e| Error::Write {
        path: path.to_path_buf(),
        source: e,
    })
}

/// Sizes and formats of the originals.
#[derive(Clone, Debug)]
pub struct SynthOptions {
    /// Width and height of each original are drawn from `min_side..=max_side`.
    pub min_side: u32,
    pub max_side: u32,
    /// Every original a JPEG (as photo corpora are); otherwise one in three, the rest PNG.
    pub jpeg_only: bool,
}

impl Default for SynthOptions {
    fn default() -> Self {
        SynthOptions {
            min_side: 160,
            max_side: 479,
            jpeg_only: false,
        }
    }
}

/// Write `n` image files (at least [`MIN_IMAGES`]) to `dir` (created), with `truth.csv`; returns
/// `(file name, kind)`.
pub fn generate(dir: &Path, n: usize, seed: u64) -> Result<Vec<(String, Kind)>> {
    generate_with(dir, n, seed, &SynthOptions::default())
}

/// The fewest images [`generate_with`] writes: two originals, one of each of the ten planted
/// kinds and the three broken files.
pub const MIN_IMAGES: usize = 15;

/// [`generate`] with originals of the given sizes and formats.
///
/// Long because it draws every kind of test image in turn (originals, copies, near copies, each
/// flaw, the broken files) into one folder and one manifest.
pub fn generate_with(
    dir: &Path,
    n: usize,
    seed: u64,
    o: &SynthOptions,
) -> Result<Vec<(String, Kind)>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::Write {
        path: dir.to_path_buf(),
        source: e,
    })?;
    if n < MIN_IMAGES {
        return Err(Error::Option(format!(
            "{n} images are too few to plant every kind of defect and duplicate: ask for at least {MIN_IMAGES}"
        )));
    }
    let mut r = Rng::new(seed);
    let mut out: Vec<(String, Kind)> = Vec::new();
    // Exactly n images: three broken files, `per` of each of ten planted copies and defects
    // (about 40% of the set in all), and originals for the rest.
    let per = ((n * 4 / 10).saturating_sub(3) / 10).max(1);
    let originals = n - 10 * per - 3;
    let mut srcs: Vec<(String, RgbImage)> = Vec::new();
    for i in 0..originals {
        let span = o.max_side.max(o.min_side) - o.min_side + 1;
        let (w, h) = (
            o.min_side + (r.next_u64() % span as u64) as u32,
            o.min_side + (r.next_u64() % span as u64) as u32,
        );
        let img = scene(&mut r, w, h);
        let jpeg = o.jpeg_only || i % 3 == 0;
        let name = format!("img{i:05}.{}", if jpeg { "jpg" } else { "png" });
        save(&img, &dir.join(&name), jpeg.then_some(92))?;
        // Keep the decoded pixels of the file (JPEG is lossy) for exact copies.
        let decoded = image::open(dir.join(&name))
            .map_err(|e| Error::Internal {
                path: dir.join(&name),
                message: e.to_string(),
            })?
            .to_rgb8();
        srcs.push((name.clone(), decoded));
        out.push((name, Kind::Original));
    }
    let mut k = 0;
    let mut next = |stem: &str, ext: &str| {
        k += 1;
        format!("{stem}{k:05}.{ext}")
    };
    for j in 0..per {
        // Exact copies: the same pixels, as BMP or PNG.
        let (src, img) = &srcs[(j * 7) % srcs.len()];
        let name = next("copy", if j % 2 == 0 { "bmp" } else { "png" });
        save(img, &dir.join(&name), None)?;
        out.push((name, Kind::ExactCopy(src.clone())));
    }
    for j in 0..3 * per {
        // Near copies: half size, JPEG quality 35, or brightened.
        let (src, img) = &srcs[(j * 11 + 3) % srcs.len()];
        let (name, near) = match j % 3 {
            0 => (
                next("small", "png"),
                image::imageops::resize(
                    img,
                    img.width() / 2,
                    img.height() / 2,
                    image::imageops::FilterType::Triangle,
                ),
            ),
            1 => (next("jpeg", "jpg"), img.clone()),
            _ => {
                let mut b = img.clone();
                for p in b.pixels_mut() {
                    for v in p.0.iter_mut() {
                        *v = v.saturating_add(40);
                    }
                }
                (next("bright", "png"), b)
            }
        };
        save(&near, &dir.join(&name), (j % 3 == 1).then_some(35))?;
        out.push((name, Kind::NearCopy(src.clone())));
    }
    for _ in 0..per {
        let img = scene(&mut r, 320, 240);
        let blurred = image::imageops::blur(&img, 4.0);
        let name = next("blurred", "png");
        save(&blurred, &dir.join(&name), None)?;
        out.push((name, Kind::Blurred));
        let mut dark = scene(&mut r, 300, 300);
        for p in dark.pixels_mut() {
            for v in p.0.iter_mut() {
                *v = (*v as f64 * 0.12) as u8;
            }
        }
        let name = next("dark", "png");
        save(&dark, &dir.join(&name), None)?;
        out.push((name, Kind::Dark));
        let c = Rgb([r.next_u64() as u8, r.next_u64() as u8, r.next_u64() as u8]);
        let name = next("blank", "png");
        save(&RgbImage::from_pixel(256, 256, c), &dir.join(&name), None)?;
        out.push((name, Kind::Blank));
        let name = next("wide", "png");
        save(&scene(&mut r, 640, 80), &dir.join(&name), None)?;
        out.push((name, Kind::OddAspect));
        let name = next("thin", "png");
        save(&scene(&mut r, 40, 20), &dir.join(&name), None)?;
        out.push((name, Kind::OddSize));
        // A valid file cut short.
        let tmp = dir.join(".tmp.png");
        save(&scene(&mut r, 200, 200), &tmp, None)?;
        let bytes = std::fs::read(&tmp).map_err(|e| Error::Io {
            path: tmp.clone(),
            source: e,
        })?;
        let _ = std::fs::remove_file(&tmp);
        let name = next("truncated", "png");
        write(&dir.join(&name), &bytes[..bytes.len() / 3])?;
        out.push((name, Kind::Truncated));
    }
    let name = next("empty", "jpg");
    write(&dir.join(&name), b"")?;
    out.push((name, Kind::Empty));
    let name = next("notes", "jpg");
    write(
        &dir.join(&name),
        b"this is a text file with an image extension\n",
    )?;
    out.push((name, Kind::NotImage));
    // A PNG whose header declares 100,000 x 100,000 pixels.
    let name = next("bomb", "png");
    let mut png = Vec::new();
    png.extend_from_slice(b"\x89PNG\r\n\x1a\n");
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(b"IHDR");
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png.extend_from_slice(&13u32.to_be_bytes());
    png.extend_from_slice(&ihdr);
    png.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    // An IDAT chunk (an empty zlib stream) and IEND, so the header reads as a whole PNG's.
    for (tag, data) in [
        (&b"IDAT"[..], &b"\x78\x9c\x03\x00\x00\x00\x00\x01"[..]),
        (b"IEND", b""),
    ] {
        let mut chunk = tag.to_vec();
        chunk.extend_from_slice(data);
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        png.extend_from_slice(&chunk);
        png.extend_from_slice(&crc32(&chunk).to_be_bytes());
    }
    write(&dir.join(&name), &png)?;
    out.push((name, Kind::Bomb));
    let mut csv = String::from("file,kind,source\n");
    for (f, kind) in &out {
        let src = match kind {
            Kind::ExactCopy(s) | Kind::NearCopy(s) => s.as_str(),
            _ => "",
        };
        csv.push_str(&format!("{f},{},{src}\n", kind.name()));
    }
    write(&dir.join("truth.csv"), csv.as_bytes())?;
    Ok(out)
}

/// CRC-32 (IEEE), for the PNG chunk written by hand.
fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xffff_ffffu32;
    for &b in data {
        c ^= b as u32;
        for _ in 0..8 {
            c = if c & 1 == 1 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}
