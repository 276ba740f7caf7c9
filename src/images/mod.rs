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

#[doc(hidden)]
#[cfg(feature = "gpu")]
pub mod gpu;
pub mod hash;
mod jpeg;
#[doc(hidden)]
pub mod synthetic;
pub mod thumbnail;

mod analyze;
mod findings;
mod measure;
mod sources;

pub use analyze::{analyze, analyze_sources, FlagCount, ImageCluster, ImageReport};
pub use findings::{contamination, table, ImageContamination, ImageLeak};
pub use measure::{inspect, inspect_bytes, read_and_decode};
pub use sources::{image_files, is_image_name, is_image_set, sources, Source, MAX_IMAGE_BYTES};

use serde::{Deserialize, Serialize};

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
    /// The file's path, or the name the image was read under (an archive member, a row).
    pub path: String,
    /// Size of the encoded image, in bytes.
    pub file_size: u64,
    /// Why it could not be read, when it could not.
    pub error: Option<String>,
    /// The format it was recognised as, lowercase (`jpeg`, `png`); `None` when unknown.
    pub format: Option<String>,
    /// Width in pixels (the declared width when it exceeds `max_dimension`); 0 if unknown.
    pub width: u32,
    /// Height in pixels (the declared height when it exceeds `max_dimension`); 0 if unknown.
    pub height: u32,
    /// Colour channels of the decoded image (1 grey, 3 RGB, 4 with alpha).
    pub channels: u8,
    /// Long side over short side (at least 1).
    pub aspect: f64,
    /// Mean luminance (0–255).
    pub brightness: f64,
    /// Standard deviation of the luminance (0–255).
    pub contrast: f64,
    /// Variance of the 4-neighbour Laplacian of the luminance.
    pub sharpness: f64,
    /// Shannon entropy of the 256-bin luminance histogram, in bits (0–8).
    pub entropy: f64,
    /// Share of pixels with luminance below 16 (0–1).
    pub dark_share: f64,
    /// Share of pixels with luminance above 239 (0–1).
    pub bright_share: f64,
    /// Hash (XXH3) of the decoded pixels and size: equal for exact copies.
    pub pixel_hash: u64,
    /// 64-bit perceptual hash (pHash), as the `imagehash` package computes it.
    pub phash: u64,
    /// 64-bit difference hash (dHash), as the `imagehash` package computes it.
    pub dhash: u64,
    /// The quality flags raised (`unreadable`, `blurry`, `dark`, `odd_size`, ...).
    pub flags: Vec<String>,
    /// Duplicate cluster (exact or near), when in one.
    pub cluster: Option<u32>,
}
