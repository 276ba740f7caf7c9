//! What a run writes out: the per-image table (`--findings`) and the contamination of one
//! image set by another (`--against`).

use super::hash;
use super::ImageInfo;
use arrow::array::{
    ArrayRef, BooleanArray, Float64Array, RecordBatch, StringArray, UInt32Array, UInt64Array,
};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The per-image table: every metric, flag and cluster id (the `--findings` file).
///
/// Long because it is one Arrow column per reported field of an image, in the table's column order.
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
    /// Images of the first (training) set, unreadable ones included.
    pub images: u64,
    /// Images of the second (test) set, unreadable ones included.
    pub against_images: u64,
    /// Readable test images with an exact or near duplicate among the training images.
    pub contaminated: u64,
    /// Contaminated test images with the same decoded pixels as a training image.
    pub exact: u64,
    /// Contaminated test images with only a near duplicate (pHash within `radius`).
    pub near: u64,
    /// `contaminated` over the readable test images (0 when there are none).
    pub contaminated_fraction: f64,
    /// Hamming radius of pHashes within which two images are near duplicates.
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
