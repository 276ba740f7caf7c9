//! Image folders: decode every image in parallel, measure it, flag defects, and find exact and
//! near-duplicate images (`datassay images DIR`, and `datassay profile DIR` on a folder of
//! images).
//!
//! Per image: whether it decodes (and why not), format, size, channels, aspect ratio, file size,
//! and on a luminance luminance reduced to at most [`THUMB`] pixels a side: mean brightness, contrast (std
//! of luminance), sharpness (variance of the 4-neighbour Laplacian), entropy of the 256-bin
//! histogram, and the shares of near-black (< 16) and near-white (> 239) pixels. Exact duplicates
//! share a 64-bit hash of their decoded RGB(A) pixels and size; near duplicates have pHashes within
//! a Hamming radius ([`hash`]). The per-image table is profiled by the tabular engine, so its
//! distributions come from the same code as any column's.

#[cfg(feature = "gpu")]
pub mod gpu;
pub mod hash;
mod jpeg;
pub mod synthetic;
pub mod thumbnail;

use crate::error::{Error, Result};
use arrow::array::{
    ArrayRef, BooleanArray, Float64Array, RecordBatch, StringArray, UInt32Array, UInt64Array,
};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Longest side of the thumbnail the metrics are computed on.
pub const THUMB: u32 = 256;
/// Extensions read as images (lowercase).
pub const EXTENSIONS: [&str; 9] = [
    "jpg", "jpeg", "png", "webp", "gif", "bmp", "tif", "tiff", "jfif",
];

/// Thresholds of the flags. Defaults are documented in docs/images.md.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImageOptions {
    /// Hamming radius of near-duplicate pHashes (0–15).
    pub radius: u32,
    /// Mean brightness (0–255) below which an image is dark.
    pub dark: f64,
    /// Mean brightness above which an image is bright.
    pub bright: f64,
    /// Entropy (bits) below which an image is low-information.
    pub low_entropy: f64,
    /// Blurry: sharpness below this share of the dataset's median sharpness.
    pub blurry_share: f64,
    /// Aspect ratio (long side / short side) above which it is odd.
    pub max_aspect: f64,
    /// Shortest side below which a size is odd (pixels).
    pub min_side: u32,
    /// Largest width or height decoded; larger declared sizes are findings, not allocations.
    pub max_dimension: u32,
    /// Where pHash and dHash are computed (the bits are the same on both).
    #[serde(skip)]
    pub device: crate::Device,
}

impl Default for ImageOptions {
    fn default() -> Self {
        ImageOptions {
            radius: 8,
            dark: 40.0,
            bright: 215.0,
            low_entropy: 2.0,
            blurry_share: 0.1,
            max_aspect: 3.0,
            min_side: 32,
            max_dimension: 20_000,
            device: crate::Device::Auto,
        }
    }
}

/// One image's findings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ImageInfo {
    pub path: String,
    pub file_size: u64,
    /// Why it could not be read, when it could not.
    pub error: Option<String>,
    pub format: Option<String>,
    pub width: u32,
    pub height: u32,
    pub channels: u8,
    pub aspect: f64,
    pub brightness: f64,
    pub contrast: f64,
    pub sharpness: f64,
    pub entropy: f64,
    pub dark_share: f64,
    pub bright_share: f64,
    pub pixel_hash: u64,
    pub phash: u64,
    pub dhash: u64,
    pub flags: Vec<String>,
    /// Duplicate cluster (exact or near), when in one.
    pub cluster: Option<u32>,
}

/// All image files below `paths`, in name order (a file named directly is taken whatever its
/// extension, unless it is a tar shard or a table file). Folders are walked by the rules of
/// [`crate::util::walk`]: hidden and `_` entries skipped, each real folder and file once.
pub fn image_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    crate::util::walk::walk(paths, &|p, named| {
        is_image_name(p) || (named && !(is_tar(p) || crate::source::Format::from_path(p).is_some()))
    })
    .files
}

/// Whether a file name has an image extension.
pub fn is_image_name(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Whether `paths` are a set of images: they hold more image files than table files (a folder
/// of images may carry a CSV of labels; a folder of tables may hold a stray picture).
pub fn is_image_set(paths: &[PathBuf]) -> bool {
    let images = image_files(paths);
    if images.is_empty() {
        // Tar shards alone are image sets too.
        return !paths.is_empty() && paths.iter().all(|p| is_tar(p));
    }
    let (tables, _) = crate::source::expand(paths);
    images.len() > tables.len()
}

/// Decode and measure one image file.
pub fn inspect(path: &Path, opts: &ImageOptions) -> ImageInfo {
    inspect_path(path, opts, true).0
}

/// [`inspect`]; with `host_hash` false the hashes are left for the GPU and the luminance is
/// returned for it.
fn inspect_path(
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
fn inspect_inner(
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

/// Reads and decodes one file as [`analyze`] does, and nothing more: whether it decoded. The
/// benchmark's floor under the end-to-end time.
pub fn read_and_decode(path: &Path, opts: &ImageOptions) -> bool {
    let Ok(bytes) = std::fs::read(path) else {
        return false;
    };
    decode(&mut ImageInfo::default(), &bytes, opts).is_some()
}

/// The decoded image; `None` with `info.error` set (and the format and declared size where
/// known) when it does not decode.
fn decode(info: &mut ImageInfo, bytes: &[u8], opts: &ImageOptions) -> Option<image::DynamicImage> {
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
                "declared size {w}×{h} exceeds the {} pixel limit (--max-dimension)",
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
fn pixel_hash(img: &image::DynamicImage) -> u64 {
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
fn reduce(g: &image::GrayImage) -> std::borrow::Cow<'_, image::GrayImage> {
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
struct RoundedMean {
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
fn measure(g: &image::GrayImage, info: &mut ImageInfo) {
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
fn laplacian_row(up: &[u8], row: &[u8], down: &[u8]) -> (i64, i64) {
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

/// A duplicate cluster: its images (indices into the run's images) and how they were linked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImageCluster {
    pub size: u64,
    /// Exact copies (same decoded pixels) only, or near duplicates among them.
    pub exact: bool,
    pub images: Vec<String>,
}

/// A flag's count and up to 5 examples.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlagCount {
    pub flag: String,
    pub count: u64,
    pub examples: Vec<String>,
}

/// What `datassay images` found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImageReport {
    pub images: u64,
    pub readable: u64,
    pub unreadable: u64,
    pub formats: std::collections::BTreeMap<String, u64>,
    pub flags: Vec<FlagCount>,
    /// Images that are exact copies of an earlier one.
    pub exact_duplicates: u64,
    /// Further images within the pHash radius of another (not exact copies).
    pub near_duplicates: u64,
    pub clusters: u64,
    pub largest_clusters: Vec<ImageCluster>,
    pub options: ImageOptions,
    /// The per-image metrics profiled by the tabular engine (sizes, brightness, …).
    pub metrics: crate::profile::Profile,
    /// Where pHash and dHash were computed: `cpu` or `gpu (adapter)`; with `--device auto`,
    /// why the CPU was taken (`cpu (reason)`), or when the GPU failed during the run.
    #[serde(default)]
    pub hash_device: String,
    pub seconds: f64,
}

/// Decode, measure, flag and deduplicate `files` (image files); `progress(done)` after each
/// image.
pub fn analyze(
    files: &[PathBuf],
    opts: &ImageOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(ImageReport, Vec<ImageInfo>)> {
    let sources: Vec<Source> = files.iter().cloned().map(Source::File).collect();
    analyze_sources(&sources, opts, progress)
}

/// Where images come from.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// One image file.
    File(PathBuf),
    /// A tar shard (WebDataset layout): every member with an image extension.
    Tar(PathBuf),
    /// A Parquet or Arrow IPC file whose column holds encoded images: binary, or a
    /// struct with a binary `bytes` field (the Hugging Face `Image` feature).
    Table {
        path: PathBuf,
        column: Option<String>,
    },
}

/// The largest image file read (from a tar member or a table cell): 1 GiB.
pub const MAX_IMAGE_BYTES: u64 = 1 << 30;

/// Whether a file starts with gzip's magic bytes.
fn is_gzip(p: &Path) -> bool {
    let mut magic = [0u8; 2];
    std::fs::File::open(p)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic))
        .is_ok()
        && magic == [0x1f, 0x8b]
}

impl Source {
    /// The file the images are read from.
    pub fn path(&self) -> &Path {
        match self {
            Source::File(p) | Source::Tar(p) | Source::Table { path: p, .. } => p,
        }
    }
}

/// A tar shard: `.tar`, or gzip-compressed `.tar.gz` / `.tgz`.
fn is_tar(p: &Path) -> bool {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    name.ends_with(".tar") || name.ends_with(".tar.gz") || name.ends_with(".tgz")
}

/// The sources under `paths`: image files (folders walked), `.tar` shards, and table files
/// (their image column `column`, or the first one found).
pub fn sources(paths: &[PathBuf], column: Option<&str>) -> Vec<Source> {
    let mut out: Vec<Source> = image_files(paths).into_iter().map(Source::File).collect();
    let tars = crate::util::walk::walk(paths, &|p, _| is_tar(p)).files;
    out.extend(tars.into_iter().map(Source::Tar));
    // Tables: those with an image column (a folder of images may hold a CSV of labels), or
    // every table when a column is named (a missing one is then an error for that file).
    let (tables, _) = crate::source::expand(paths);
    out.extend(
        tables
            .into_iter()
            .filter(|p| column.is_some() || has_image_column(p))
            .map(|path| Source::Table {
                path,
                column: column.map(String::from),
            }),
    );
    out
}

fn is_image_type(t: &arrow::datatypes::DataType) -> bool {
    use arrow::datatypes::DataType;
    let bytes = |t: &DataType| {
        matches!(
            t,
            DataType::Binary | DataType::LargeBinary | DataType::BinaryView
        )
    };
    match t {
        DataType::Struct(fs) => fs
            .iter()
            .any(|x| x.name() == "bytes" && bytes(x.data_type())),
        t => bytes(t),
    }
}

/// Whether a table file has a column of encoded images.
fn has_image_column(p: &Path) -> bool {
    crate::source::SourceFile::open(p, &crate::source::ReadOptions::default()).is_ok_and(|f| {
        f.schema
            .fields()
            .iter()
            .any(|x| is_image_type(x.data_type()))
    })
}

/// Where the perceptual hashes are computed: on the CPU inside [`inspect_inner`], or on the GPU
/// a chunk at a time ([`Hasher::finish`]).
struct Hasher {
    #[cfg(feature = "gpu")]
    kernel: Option<gpu::HashKernel>,
    /// Why the GPU failed during a run with `--device auto`: the rest is hashed on the CPU.
    #[cfg(feature = "gpu")]
    failed: std::sync::Mutex<Option<String>>,
    #[cfg(feature = "gpu")]
    required: bool,
    /// Why `--device auto` took the CPU.
    #[cfg(feature = "gpu")]
    no_gpu: Option<String>,
}

impl Hasher {
    /// The GPU for `Device::Gpu` (an error without one), a hardware GPU if there is one for
    /// `Device::Auto` (a software rasteriser is slower than the CPU twin), else the CPU.
    fn open(device: crate::Device) -> Result<Hasher> {
        #[cfg(feature = "gpu")]
        {
            let (kernel, no_gpu) = match device {
                crate::Device::Cpu => (None, None),
                d => match crate::gpu::GpuContext::new(d == crate::Device::Gpu) {
                    Ok(ctx) => (Some(gpu::HashKernel::new(ctx)), None),
                    Err(e) if d == crate::Device::Gpu => return Err(e),
                    Err(e) => (None, Some(e.to_string())),
                },
            };
            Ok(Hasher {
                kernel,
                failed: Default::default(),
                required: device == crate::Device::Gpu,
                no_gpu,
            })
        }
        #[cfg(not(feature = "gpu"))]
        match device {
            crate::Device::Gpu => Err(Error::Gpu(
                "this build has no GPU support (feature `gpu`)".into(),
            )),
            _ => Ok(Hasher {}),
        }
    }

    fn on_gpu(&self) -> bool {
        #[cfg(feature = "gpu")]
        return self.kernel.is_some() && self.failed.lock().unwrap().is_none();
        #[cfg(not(feature = "gpu"))]
        false
    }

    /// `gpu (name)` or `cpu`, with the reason where `--device auto` did not (or no longer)
    /// use the GPU.
    fn describe(&self) -> String {
        #[cfg(feature = "gpu")]
        {
            if let Some(k) = &self.kernel {
                let gpu = format!("gpu ({})", k.context().describe());
                return match &*self.failed.lock().unwrap() {
                    None => gpu,
                    Some(e) => format!("{gpu}, then cpu after the GPU failed: {e}"),
                };
            }
            if let Some(why) = &self.no_gpu {
                return format!("cpu ({why})");
            }
        }
        "cpu".into()
    }

    /// Fill in the hashes of images decoded without them (those that come with a luminance).
    fn finish(
        &self,
        decoded: Vec<(ImageInfo, Option<image::GrayImage>)>,
    ) -> Result<Vec<ImageInfo>> {
        let (mut infos, grays): (Vec<ImageInfo>, Vec<Option<image::GrayImage>>) =
            decoded.into_iter().unzip();
        let todo: Vec<(usize, &image::GrayImage)> = grays
            .iter()
            .enumerate()
            .filter_map(|(i, g)| g.as_ref().map(|g| (i, g)))
            .collect();
        if todo.is_empty() {
            return Ok(infos);
        }
        #[cfg(feature = "gpu")]
        if let (Some(k), true) = (&self.kernel, self.on_gpu()) {
            let images: Vec<&image::GrayImage> = todo.iter().map(|&(_, g)| g).collect();
            match k.hash(&images) {
                Ok(h) => {
                    for (&(i, _), (p, d)) in todo.iter().zip(h) {
                        infos[i].phash = p;
                        infos[i].dhash = d;
                    }
                    return Ok(infos);
                }
                Err(e) if self.required => return Err(e),
                Err(e) => *self.failed.lock().unwrap() = Some(e.to_string()),
            }
        }
        let hashed: Vec<(u64, u64)> = todo
            .par_iter()
            .map(|&(_, g)| (hash::phash(g), hash::dhash(g)))
            .collect();
        for (&(i, _), (p, d)) in todo.iter().zip(hashed) {
            infos[i].phash = p;
            infos[i].dhash = d;
        }
        Ok(infos)
    }
}

/// Images decoded per step of a tar shard or table (their bytes are held meanwhile), and per
/// GPU hashing step (their luminance is held meanwhile).
const CHUNK: usize = 256;

/// [`analyze`] over any [`Source`]s.
pub fn analyze_sources(
    sources: &[Source],
    opts: &ImageOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(ImageReport, Vec<ImageInfo>)> {
    if sources.is_empty() {
        return Err(Error::NoInput(
            "no image files (.jpg, .png, .webp, .gif, .bmp, .tiff), .tar shards or tables with an image column found".into(),
        ));
    }
    let t0 = std::time::Instant::now();
    let done = std::sync::atomic::AtomicU64::new(0);
    let tick = || progress(done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1);
    let hasher = Hasher::open(opts.device)?;
    let files: Vec<&PathBuf> = sources
        .iter()
        .filter_map(|s| match s {
            Source::File(p) => Some(p),
            _ => None,
        })
        .collect();
    let mut infos: Vec<ImageInfo> = if hasher.on_gpu() {
        let mut infos = Vec::with_capacity(files.len());
        for part in files.chunks(CHUNK) {
            let decoded = part
                .par_iter()
                .map(|f| {
                    let i = inspect_path(f, opts, false);
                    tick();
                    i
                })
                .collect();
            infos.extend(hasher.finish(decoded)?);
        }
        infos
    } else {
        files
            .par_iter()
            .map(|f| {
                let i = inspect(f, opts);
                tick();
                i
            })
            .collect()
    };
    let mut chunk: Vec<(String, Vec<u8>)> = Vec::new();
    let flush = |chunk: &mut Vec<(String, Vec<u8>)>, infos: &mut Vec<ImageInfo>| -> Result<()> {
        let host = !hasher.on_gpu();
        let decoded = chunk
            .par_iter()
            .map(|(n, b)| {
                let i = inspect_inner(n, b, opts, host);
                tick();
                i
            })
            .collect();
        infos.extend(hasher.finish(decoded)?);
        chunk.clear();
        Ok(())
    };
    for s in sources {
        match s {
            Source::File(_) => {}
            Source::Tar(path) => {
                let ioerr = |e: std::io::Error| Error::Io {
                    path: path.clone(),
                    source: e,
                };
                let f = std::fs::File::open(path).map_err(ioerr)?;
                let archive_len = f.metadata().map_err(ioerr)?.len();
                let gz = is_gzip(path);
                let reader: Box<dyn std::io::Read> = if gz {
                    Box::new(flate2::read::MultiGzDecoder::new(std::io::BufReader::new(
                        f,
                    )))
                } else {
                    Box::new(std::io::BufReader::new(f))
                };
                // What a member may claim: no more than an uncompressed archive holds, and no
                // more than an image file may be, whatever its header says.
                let most = if gz {
                    MAX_IMAGE_BYTES
                } else {
                    archive_len.min(MAX_IMAGE_BYTES)
                };
                let mut ar = tar::Archive::new(reader);
                for (k, e) in ar.entries().map_err(ioerr)?.enumerate() {
                    let mut e = match e {
                        Ok(e) => e,
                        Err(err) => {
                            // A broken archive: nothing after this point can be found.
                            infos.push(ImageInfo {
                                path: format!("{}:#{k}", path.display()),
                                error: Some(format!("unreadable tar member: {err}")),
                                ..Default::default()
                            });
                            break;
                        }
                    };
                    let name = e.path().map(|p| p.to_path_buf()).unwrap_or_default();
                    if !e.header().entry_type().is_file() || !is_image_name(&name) {
                        continue;
                    }
                    let full = format!("{}:{}", path.display(), name.display());
                    let size = e.size();
                    if size > most {
                        infos.push(ImageInfo {
                            path: full,
                            error: Some(if size > archive_len && !gz {
                                format!("truncated tar member: its header claims {size} bytes, more than the archive's {archive_len}")
                            } else {
                                format!("tar member of {size} bytes: larger than the {MAX_IMAGE_BYTES} bytes an image may have")
                            }),
                            ..Default::default()
                        });
                        if size > archive_len && !gz {
                            break; // nothing after it can be found
                        }
                        continue;
                    }
                    let mut b = Vec::with_capacity(size as usize);
                    match std::io::Read::read_to_end(&mut e, &mut b) {
                        Ok(_) if (b.len() as u64) < size => {
                            infos.push(ImageInfo {
                                path: full,
                                error: Some(format!(
                                    "truncated tar member: {} of its {size} bytes",
                                    b.len()
                                )),
                                ..Default::default()
                            });
                            break;
                        }
                        Ok(_) => chunk.push((full, b)),
                        Err(err) => {
                            infos.push(ImageInfo {
                                path: full,
                                error: Some(format!("unreadable tar member: {err}")),
                                ..Default::default()
                            });
                            break;
                        }
                    }
                    if chunk.len() >= CHUNK {
                        flush(&mut chunk, &mut infos)?;
                    }
                }
                flush(&mut chunk, &mut infos)?;
            }
            Source::Table { path, column } => {
                let mut failed = None;
                table_images(path, column.as_deref(), &mut |name, bytes| {
                    match bytes {
                        Some(b) => chunk.push((name, b.to_vec())),
                        None => infos.push(ImageInfo {
                            path: name,
                            error: Some("null image".into()),
                            ..Default::default()
                        }),
                    }
                    if chunk.len() >= CHUNK && failed.is_none() {
                        failed = flush(&mut chunk, &mut infos).err();
                    }
                })?;
                if let Some(e) = failed {
                    return Err(e);
                }
                flush(&mut chunk, &mut infos)?;
            }
        }
    }
    if infos.is_empty() {
        return Err(Error::NoInput(
            "no images found in the given sources".into(),
        ));
    }
    let ok: Vec<usize> = (0..infos.len())
        .filter(|&i| infos[i].error.is_none())
        .collect();
    // Flags. Blurry is relative to the set's own median sharpness.
    // Sharpness relative to contrast: darkening or fading an image scales both alike, blurring
    // lowers only the first.
    let rel = |i: &ImageInfo| i.sharpness / (i.contrast * i.contrast + 1.0);
    let mut sharp: Vec<f64> = ok.iter().map(|&i| rel(&infos[i])).collect();
    sharp.sort_by(f64::total_cmp);
    let median_sharp = if sharp.is_empty() {
        0.0
    } else {
        sharp[sharp.len() / 2]
    };
    for info in infos.iter_mut() {
        if info.error.is_some() {
            info.flags.push("unreadable".into());
            continue;
        }
        if info.brightness < opts.dark {
            info.flags.push("dark".into());
        }
        if info.brightness > opts.bright {
            info.flags.push("bright".into());
        }
        if info.entropy < opts.low_entropy {
            info.flags.push("low_information".into());
        } else if rel(info) < opts.blurry_share * median_sharp {
            // An image of almost no information is not also called blurry.
            info.flags.push("blurry".into());
        }
        if info.aspect > opts.max_aspect {
            info.flags.push("odd_aspect".into());
        }
        if info.width.min(info.height) < opts.min_side {
            info.flags.push("odd_size".into());
        }
    }
    // Duplicates: exact by pixel hash, near by pHash radius; clusters by union-find.
    let mut sets = crate::util::union_find::UnionFind::new(infos.len());
    let mut by_pixels: Vec<(u64, usize)> = ok.iter().map(|&i| (infos[i].pixel_hash, i)).collect();
    by_pixels.sort_unstable();
    let mut exact_copy = vec![false; infos.len()];
    for run in by_pixels.chunk_by(|a, b| a.0 == b.0) {
        for x in &run[1..] {
            sets.union(run[0].1, x.1);
            exact_copy[x.1] = true;
        }
    }
    // Near duplicates among images with content: every blank image has the same pHash, so
    // low-information images are linked only as exact copies.
    let content: Vec<usize> = ok
        .iter()
        .copied()
        .filter(|&i| !infos[i].flags.iter().any(|f| f == "low_information"))
        .collect();
    let hashes: Vec<u64> = content.iter().map(|&i| infos[i].phash).collect();
    for (a, b) in hash::near_pairs(&hashes, opts.radius) {
        sets.union(content[a], content[b]);
    }
    let roots = sets.roots();
    let mut members: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for (i, &r) in roots.iter().enumerate() {
        members.entry(r).or_default().push(i);
    }
    let mut clusters: Vec<Vec<usize>> = members.into_values().filter(|m| m.len() > 1).collect();
    clusters.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
    for (id, m) in clusters.iter().enumerate() {
        for &i in m {
            infos[i].cluster = Some(id as u32);
        }
    }
    let exact_duplicates = exact_copy.iter().filter(|&&x| x).count() as u64;
    let in_clusters: u64 = clusters.iter().map(|m| m.len() as u64 - 1).sum();
    let mut formats = std::collections::BTreeMap::new();
    for i in &infos {
        if let Some(f) = &i.format {
            *formats.entry(f.clone()).or_insert(0) += 1;
        }
    }
    let flag_names = [
        "unreadable",
        "blurry",
        "dark",
        "bright",
        "low_information",
        "odd_aspect",
        "odd_size",
    ];
    let flags = flag_names
        .iter()
        .map(|&f| {
            let with: Vec<&ImageInfo> = infos
                .iter()
                .filter(|i| i.flags.iter().any(|g| g == f))
                .collect();
            FlagCount {
                flag: f.into(),
                count: with.len() as u64,
                examples: with.iter().take(5).map(|i| i.path.clone()).collect(),
            }
        })
        .collect();
    // The numeric metrics' distributions; their quantiles from DDSketch alone (a small state:
    // no exact value lists, no top values, the smallest HyperLogLog).
    let t = table(&infos);
    let numeric: Vec<usize> = (0..t.num_columns())
        .filter(|&c| crate::metrics::moments::cpu::is_numeric(t.schema().field(c).data_type()))
        .filter(|&c| !matches!(t.schema().field(c).name().as_str(), "readable" | "cluster"))
        .collect();
    let metrics = crate::schedule::profile_batches(
        &[t.project(&numeric).expect("columns exist")],
        &crate::ProfileOptions {
            device: crate::Device::Cpu,
            duplicate_rows: false,
            sketch: Some(crate::metrics::sketch::SketchOptions {
                precision: crate::metrics::sketch::hll::MIN_PRECISION,
                counters: 0,
                exact_limit: 0,
                ..Default::default()
            }),
            ..Default::default()
        },
    )?;
    let report = ImageReport {
        images: infos.len() as u64,
        readable: ok.len() as u64,
        unreadable: (infos.len() - ok.len()) as u64,
        formats,
        flags,
        exact_duplicates,
        near_duplicates: in_clusters - exact_duplicates.min(in_clusters),
        clusters: clusters.len() as u64,
        largest_clusters: clusters
            .iter()
            .take(10)
            .map(|m| ImageCluster {
                size: m.len() as u64,
                exact: m[1..].iter().all(|&i| exact_copy[i]),
                images: m.iter().take(10).map(|&i| infos[i].path.clone()).collect(),
            })
            .collect(),
        options: opts.clone(),
        metrics,
        hash_device: hasher.describe(),
        seconds: t0.elapsed().as_secs_f64(),
    };
    Ok((report, infos))
}

/// The per-image table: every metric, flag and cluster id (the `--findings` file).
pub fn table(infos: &[ImageInfo]) -> RecordBatch {
    let col = |f: &dyn Fn(&ImageInfo) -> Option<f64>| -> ArrayRef {
        Arc::new(Float64Array::from(infos.iter().map(f).collect::<Vec<_>>()))
    };
    let ok = |i: &ImageInfo| i.error.is_none();
    let cols: Vec<(&str, ArrayRef)> = vec![
        (
            "path",
            Arc::new(StringArray::from_iter_values(
                infos.iter().map(|i| i.path.as_str()),
            )),
        ),
        (
            "readable",
            Arc::new(BooleanArray::from(infos.iter().map(ok).collect::<Vec<_>>())),
        ),
        (
            "error",
            Arc::new(StringArray::from(
                infos.iter().map(|i| i.error.as_deref()).collect::<Vec<_>>(),
            )),
        ),
        (
            "format",
            Arc::new(StringArray::from(
                infos
                    .iter()
                    .map(|i| i.format.as_deref())
                    .collect::<Vec<_>>(),
            )),
        ),
        (
            "file_size",
            Arc::new(UInt64Array::from_iter_values(
                infos.iter().map(|i| i.file_size),
            )),
        ),
        (
            "width",
            Arc::new(UInt32Array::from(
                infos
                    .iter()
                    .map(|i| ok(i).then_some(i.width))
                    .collect::<Vec<_>>(),
            )),
        ),
        (
            "height",
            Arc::new(UInt32Array::from(
                infos
                    .iter()
                    .map(|i| ok(i).then_some(i.height))
                    .collect::<Vec<_>>(),
            )),
        ),
        (
            "channels",
            Arc::new(UInt32Array::from(
                infos
                    .iter()
                    .map(|i| ok(i).then_some(i.channels as u32))
                    .collect::<Vec<_>>(),
            )),
        ),
        ("aspect", col(&|i| ok(i).then_some(i.aspect))),
        ("brightness", col(&|i| ok(i).then_some(i.brightness))),
        ("contrast", col(&|i| ok(i).then_some(i.contrast))),
        ("sharpness", col(&|i| ok(i).then_some(i.sharpness))),
        ("entropy", col(&|i| ok(i).then_some(i.entropy))),
        ("dark_share", col(&|i| ok(i).then_some(i.dark_share))),
        ("bright_share", col(&|i| ok(i).then_some(i.bright_share))),
        (
            "phash",
            Arc::new(StringArray::from(
                infos
                    .iter()
                    .map(|i| ok(i).then(|| format!("{:016x}", i.phash)))
                    .collect::<Vec<_>>(),
            )),
        ),
        (
            "dhash",
            Arc::new(StringArray::from(
                infos
                    .iter()
                    .map(|i| ok(i).then(|| format!("{:016x}", i.dhash)))
                    .collect::<Vec<_>>(),
            )),
        ),
        (
            "flags",
            Arc::new(StringArray::from_iter_values(
                infos.iter().map(|i| i.flags.join(",")),
            )),
        ),
        (
            "cluster",
            Arc::new(UInt32Array::from(
                infos.iter().map(|i| i.cluster).collect::<Vec<_>>(),
            )),
        ),
    ];
    RecordBatch::try_from_iter(cols).expect("columns of one length")
}

/// Hand every row's image bytes of `path`'s image column to `each` (`None` for a null image),
/// named `file:row`.
fn table_images(
    path: &Path,
    column: Option<&str>,
    each: &mut dyn FnMut(String, Option<&[u8]>),
) -> Result<()> {
    use arrow::array::{Array, AsArray};
    use arrow::datatypes::DataType;
    let f = crate::source::SourceFile::open(path, &crate::source::ReadOptions::default())?;
    let fields = f.schema.fields();
    let image_col = is_image_type;
    let candidates: Vec<&str> = fields
        .iter()
        .filter(|x| image_col(x.data_type()))
        .map(|x| x.name().as_str())
        .collect();
    let idx = match column {
        Some(c) => fields.iter().position(|x| x.name() == c).ok_or_else(|| {
            Error::Option(format!(
                "{}: no column {c:?}; image columns: [{}]",
                path.display(),
                candidates.join(", ")
            ))
        })?,
        None => fields
            .iter()
            .position(|x| image_col(x.data_type()))
            .ok_or_else(|| {
                Error::Option(format!(
                    "{}: no image column (binary, or a struct with a binary `bytes` field)",
                    path.display()
                ))
            })?,
    };
    if !image_col(fields[idx].data_type()) {
        return Err(Error::Option(format!(
            "{}: column {:?} is {}, not encoded images; image columns: [{}]",
            path.display(),
            fields[idx].name(),
            fields[idx].data_type(),
            candidates.join(", ")
        )));
    }
    let mut row = 0u64;
    for b in f.batches(Some(&[idx]))? {
        let b = b?;
        let col = b.column(0);
        let (bytes, outer) = match col.data_type() {
            DataType::Struct(_) => {
                let s = col.as_struct();
                let inner = s.column_by_name("bytes").expect("checked above").clone();
                (inner, s.nulls().cloned())
            }
            _ => (col.clone(), None),
        };
        for i in 0..bytes.len() {
            let name = format!("{}:{}", path.display(), row + i as u64);
            let null = bytes.is_null(i) || outer.as_ref().is_some_and(|n| n.is_null(i));
            let v: Option<&[u8]> = (!null).then(|| match bytes.data_type() {
                DataType::Binary => bytes.as_binary::<i32>().value(i),
                DataType::LargeBinary => bytes.as_binary::<i64>().value(i),
                _ => bytes.as_binary_view().value(i),
            });
            each(name, v);
        }
        row += bytes.len() as u64;
    }
    Ok(())
}

/// A test-set image that duplicates a training image.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImageLeak {
    /// The image of the second (test) set.
    pub image: String,
    /// Its closest duplicate in the first (training) set.
    pub duplicate_of: String,
    /// `exact` (same decoded pixels) or `near` (pHash within the radius).
    pub kind: String,
    /// pHash Hamming distance (0 for exact copies).
    pub distance: u32,
}

/// What `datassay images TRAIN --against TEST` found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImageContamination {
    pub images: u64,
    pub against_images: u64,
    /// Readable test images with an exact or near duplicate among the training images.
    pub contaminated: u64,
    pub exact: u64,
    pub near: u64,
    pub contaminated_fraction: f64,
    pub radius: u32,
    /// Every contaminated test image with its closest training duplicate.
    pub leaks: Vec<ImageLeak>,
}

/// The images of `test` that duplicate images of `train`: exact by decoded pixels, near by pHash
/// within `radius` (one multi-index search over both sets, cross pairs kept).
pub fn contamination(train: &[ImageInfo], test: &[ImageInfo], radius: u32) -> ImageContamination {
    let tr: Vec<usize> = (0..train.len())
        .filter(|&i| train[i].error.is_none())
        .collect();
    let te: Vec<usize> = (0..test.len())
        .filter(|&i| test[i].error.is_none())
        .collect();
    let mut best: Vec<Option<(u32, bool, usize)>> = vec![None; test.len()];
    let pixels: std::collections::HashMap<u64, usize> =
        tr.iter().rev().map(|&i| (train[i].pixel_hash, i)).collect();
    for &j in &te {
        if let Some(&i) = pixels.get(&test[j].pixel_hash) {
            best[j] = Some((0, true, i));
        }
    }
    let hashes: Vec<u64> = tr
        .iter()
        .map(|&i| train[i].phash)
        .chain(te.iter().map(|&j| test[j].phash))
        .collect();
    for (a, b) in hash::near_pairs(&hashes, radius) {
        // a < b: a cross pair has a in the training part and b in the test part.
        if a < tr.len() && b >= tr.len() {
            let (i, j) = (tr[a], te[b - tr.len()]);
            let d = (train[i].phash ^ test[j].phash).count_ones();
            let better = match best[j] {
                None => true,
                Some((bd, exact, bi)) => !exact && (d, i) < (bd, bi),
            };
            if better {
                best[j] = Some((d, false, i));
            }
        }
    }
    let leaks: Vec<ImageLeak> = best
        .iter()
        .enumerate()
        .filter_map(|(j, b)| {
            b.map(|(d, exact, i)| ImageLeak {
                image: test[j].path.clone(),
                duplicate_of: train[i].path.clone(),
                kind: if exact { "exact" } else { "near" }.into(),
                distance: if exact { 0 } else { d },
            })
        })
        .collect();
    let exact = leaks.iter().filter(|l| l.kind == "exact").count() as u64;
    ImageContamination {
        images: train.len() as u64,
        against_images: test.len() as u64,
        contaminated: leaks.len() as u64,
        exact,
        near: leaks.len() as u64 - exact,
        contaminated_fraction: if te.is_empty() {
            0.0
        } else {
            leaks.len() as f64 / te.len() as f64
        },
        radius,
        leaks,
    }
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
