//! Image folders: decode every image in parallel, measure it, flag defects, and find exact and
//! near-duplicate images (`datassay images DIR`, and `datassay profile DIR` on a folder of
//! images).
//!
//! Per image: whether it decodes (and why not), format, size, channels, aspect ratio, file size,
//! and on a luminance thumbnail of at most [`THUMB`] pixels a side: mean brightness, contrast (std
//! of luminance), sharpness (variance of the 4-neighbour Laplacian), entropy of the 256-bin
//! histogram, and the shares of near-black (< 16) and near-white (> 239) pixels. Exact duplicates
//! share a 64-bit hash of their decoded RGBA pixels and size; near duplicates have pHashes within
//! a Hamming radius ([`hash`]). The per-image table is profiled by the tabular engine, so its
//! distributions come from the same code as any column's.

pub mod hash;
pub mod synthetic;

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

/// All image files below `paths` (files are taken as they are), sorted.
pub fn image_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    fn walk(p: &Path, out: &mut Vec<PathBuf>) {
        if p.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
                .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
                .unwrap_or_default();
            entries.sort();
            for e in entries {
                let hidden = e
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with('.'));
                if !hidden {
                    walk(&e, out);
                }
            }
        } else if is_image_name(p) {
            out.push(p.to_path_buf());
        }
    }
    let mut out = Vec::new();
    for p in paths {
        if p.is_file() {
            out.push(p.clone());
        } else {
            walk(p, &mut out);
        }
    }
    out
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
        return false;
    }
    let (tables, _) = crate::source::expand(paths);
    images.len() > tables.len()
}

/// Decode and measure one image file.
pub fn inspect(path: &Path, opts: &ImageOptions) -> ImageInfo {
    let mut info = ImageInfo {
        path: path.display().to_string(),
        ..Default::default()
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            info.error = Some(format!("cannot read: {e}"));
            return info;
        }
    };
    info.file_size = bytes.len() as u64;
    if bytes.is_empty() {
        info.error = Some("empty file".into());
        return info;
    }
    let reader = match image::ImageReader::new(std::io::Cursor::new(&bytes)).with_guessed_format() {
        Ok(r) => r,
        Err(e) => {
            info.error = Some(format!("cannot read: {e}"));
            return info;
        }
    };
    let Some(format) = reader.format() else {
        info.error = Some("not an image (unknown format)".into());
        return info;
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
            return info;
        }
        Err(e) => {
            info.error = Some(format!(
                "unreadable {}: {e}",
                info.format.as_deref().unwrap_or("")
            ));
            return info;
        }
        _ => {}
    }
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(&bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(opts.max_dimension);
    limits.max_image_height = Some(opts.max_dimension);
    limits.max_alloc = Some(2 << 30);
    reader.limits(limits);
    let img = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| reader.decode())) {
        Ok(Ok(i)) => i,
        Ok(Err(e)) => {
            info.error = Some(format!(
                "unreadable {}: {e}",
                info.format.as_deref().unwrap_or("")
            ));
            return info;
        }
        Err(_) => {
            info.error = Some("the decoder failed on this file".into());
            return info;
        }
    };
    info.width = img.width();
    info.height = img.height();
    info.channels = img.color().channel_count();
    info.aspect =
        img.width().max(img.height()) as f64 / img.width().min(img.height()).max(1) as f64;
    let rgba = img.to_rgba8();
    let mut key = Vec::with_capacity(8);
    key.extend(img.width().to_le_bytes());
    key.extend(img.height().to_le_bytes());
    info.pixel_hash = crate::metrics::sketch::hash_bytes(rgba.as_raw())
        ^ crate::metrics::sketch::hash_bytes(&key).rotate_left(17);
    drop(rgba);
    let gray = hash::luma_pil(&img);
    info.phash = hash::phash(&gray);
    info.dhash = hash::dhash(&gray);
    let thumb = if gray.width().max(gray.height()) > THUMB {
        image::imageops::thumbnail(&gray, THUMB.min(gray.width()), THUMB.min(gray.height()))
    } else {
        gray
    };
    let thumb = fit(thumb);
    measure(&thumb, &mut info);
    info
}

/// A thumbnail that keeps the aspect ratio (at most THUMB a side).
fn fit(g: image::GrayImage) -> image::GrayImage {
    let (w, h) = (g.width(), g.height());
    if w.max(h) <= THUMB {
        return g;
    }
    let s = THUMB as f64 / w.max(h) as f64;
    image::imageops::thumbnail(
        &g,
        ((w as f64 * s).round() as u32).max(1),
        ((h as f64 * s).round() as u32).max(1),
    )
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
    // Variance of the Laplacian over the interior pixels.
    let (w, h) = (g.width() as usize, g.height() as usize);
    let px = g.as_raw();
    let (mut s, mut s2, mut m) = (0.0, 0.0, 0.0);
    for y in 1..h.saturating_sub(1) {
        for x in 1..w.saturating_sub(1) {
            let c = px[y * w + x] as f64;
            let l = px[y * w + x - 1] as f64
                + px[y * w + x + 1] as f64
                + px[(y - 1) * w + x] as f64
                + px[(y + 1) * w + x] as f64
                - 4.0 * c;
            s += l;
            s2 += l * l;
            m += 1.0;
        }
    }
    info.sharpness = if m > 0.0 {
        (s2 / m - (s / m).powi(2)).max(0.0)
    } else {
        0.0
    };
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
    pub seconds: f64,
}

/// Decode, measure, flag and deduplicate `files`; `progress(done)` after each image.
pub fn analyze(
    files: &[PathBuf],
    opts: &ImageOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(ImageReport, Vec<ImageInfo>)> {
    if files.is_empty() {
        return Err(Error::NoInput(
            "no image files (.jpg, .png, .webp, .gif, .bmp, .tiff) found".into(),
        ));
    }
    let t0 = std::time::Instant::now();
    let done = std::sync::atomic::AtomicU64::new(0);
    let mut infos: Vec<ImageInfo> = files
        .par_iter()
        .map(|f| {
            let i = inspect(f, opts);
            progress(done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1);
            i
        })
        .collect();
    let ok: Vec<usize> = (0..infos.len())
        .filter(|&i| infos[i].error.is_none())
        .collect();
    // Flags. Blurry is relative to the set's own median sharpness.
    let mut sharp: Vec<f64> = ok.iter().map(|&i| infos[i].sharpness).collect();
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
        } else if info.sharpness < opts.blurry_share * median_sharp {
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
    let mut parent: Vec<usize> = (0..infos.len()).collect();
    fn find(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    let union = |p: &mut Vec<usize>, a: usize, b: usize| {
        let (ra, rb) = (find(p, a), find(p, b));
        if ra != rb {
            p[ra.max(rb)] = ra.min(rb);
        }
    };
    let mut by_pixels: Vec<(u64, usize)> = ok.iter().map(|&i| (infos[i].pixel_hash, i)).collect();
    by_pixels.sort_unstable();
    let mut exact_copy = vec![false; infos.len()];
    for run in by_pixels.chunk_by(|a, b| a.0 == b.0) {
        for x in &run[1..] {
            union(&mut parent, run[0].1, x.1);
            exact_copy[x.1] = true;
        }
    }
    let hashes: Vec<u64> = ok.iter().map(|&i| infos[i].phash).collect();
    for (a, b) in hash::near_pairs(&hashes, opts.radius) {
        union(&mut parent, ok[a], ok[b]);
    }
    let roots: Vec<usize> = (0..infos.len()).map(|i| find(&mut parent, i)).collect();
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
