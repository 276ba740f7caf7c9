//! # datassay
//!
//! GPU-accelerated data profiling. A host-side scheduler streams Apache Arrow record batches
//! (Parquet, CSV, Arrow IPC, JSON lines) through WGSL compute kernels via wgpu (Vulkan, Metal,
//! DX12) or through their CPU twins on all cores, and produces a mergeable [`Profile`]: per column
//! counts, nulls, NaN and infinities, extremes, sum, mean, variance, skewness, kurtosis and a
//! histogram for numbers; lengths for strings and binary.
//!
//! ```
//! use datassay::{profile_batches, ProfileOptions, Device};
//! use arrow::array::{Float64Array, RecordBatch};
//! use std::sync::Arc;
//!
//! let x = Float64Array::from(vec![Some(1.0), Some(2.0), None, Some(4.0), Some(f64::NAN)]);
//! let batch = RecordBatch::try_from_iter([("x", Arc::new(x) as _)]).unwrap();
//! let opts = ProfileOptions { device: Device::Cpu, ..Default::default() };
//! let profile = profile_batches(&[batch], &opts).unwrap();
//! let col = profile.column("x").unwrap();
//! let num = col.numeric.as_ref().unwrap();
//! assert_eq!((col.nulls, num.nan), (1, 1));
//! assert_eq!(num.mean, Some(7.0 / 3.0));
//! assert_eq!(num.histogram.as_ref().unwrap().counts.iter().sum::<u64>(), 3);
//! ```
//!
//! Streams are profiled in one pass with a [`Profiler`] (`update` with batches of any size, then
//! `finish`). Every metric family keeps one contract ([`metrics::accumulator::Accumulator`]), so
//! profiles of shards merge into the profile of the whole in any order: see [`Profile::merge`]
//! and `docs/profile-format.md`.
//!
//! ## The API
//!
//! What an embedder uses is re-exported here or lives in the documented modules: profiling
//! ([`Profiler`], [`profile_batches`], [`profile_paths`], [`ProfileOptions`]), the [`Profile`]
//! and its figures ([`profile`], [`metrics`] for the families' figures), near-duplicate text
//! ([`dedup`]), embeddings and their outliers ([`embed`]), image checks ([`images`]), drift and
//! checks between profiles ([`analysis`]), reports ([`report`]), readers ([`source`]) and the
//! device ([`gpu`]); every failure is an [`Error`] to match on. Modules hidden from these docs
//! (`bench`, `fuzzing`, `util`, the kernels' `cpu` and `gpu` modules, the synthetic data generators) are
//! public only for the `datassay` binary, the tests and the benchmarks: they are not part of the
//! API and change without notice.
//!
//! ## Profiling a stream of batches
//!
//! ```
//! use arrow::array::{Int64Array, RecordBatch, StringArray};
//! use datassay::{Device, ProfileOptions, Profiler};
//! use std::sync::Arc;
//!
//! // Batches as a reader would hand them over, of any size.
//! let batch = |from: i64| {
//!     let id = Int64Array::from_iter_values(from..from + 500);
//!     let city = StringArray::from_iter_values((0..500).map(|i| ["Oslo", "Lima"][i % 2]));
//!     RecordBatch::try_from_iter([("id", Arc::new(id) as _), ("city", Arc::new(city) as _)])
//! };
//! let opts = ProfileOptions { device: Device::Cpu, ..Default::default() };
//! let mut profiler = Profiler::new(batch(0)?.schema(), &opts)?;
//! for from in [0, 500, 1000] {
//!     profiler.update(&batch(from)?)?;
//! }
//! let profile = profiler.finish()?.profile;
//! assert_eq!(profile.rows, 1500);
//! let id = profile.column("id").unwrap().numeric.as_ref().unwrap();
//! assert_eq!((id.min, id.max), (Some(0.0), Some(1499.0)));
//! let city = profile.column("city").unwrap().sketches.as_ref().unwrap();
//! assert_eq!((city.distinct.estimate, city.distinct.exact), (2, true));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Merging profiles of parts
//!
//! ```
//! use arrow::array::{Float64Array, RecordBatch};
//! use datassay::{profile_batches, Device, ProfileOptions};
//! use std::sync::Arc;
//!
//! let part = |values: Vec<f64>| {
//!     RecordBatch::try_from_iter([("x", Arc::new(Float64Array::from(values)) as _)])
//! };
//! let opts = ProfileOptions { device: Device::Cpu, ..Default::default() };
//! let (a, b) = (part(vec![1.0, 2.0, 3.0])?, part(vec![4.0, 5.0])?);
//! // Profiled apart (on two machines, say) and merged: the profile of the whole.
//! let merged = profile_batches(&[a.clone()], &opts)?.merge(&profile_batches(&[b.clone()], &opts)?)?;
//! let whole = profile_batches(&[a, b], &opts)?;
//! let (m, w) = (merged.column("x").unwrap(), whole.column("x").unwrap());
//! assert_eq!(merged.rows, 5);
//! assert_eq!(m.numeric.as_ref().unwrap().mean, Some(3.0));
//! assert_eq!(m.numeric.as_ref().unwrap().max, w.numeric.as_ref().unwrap().max);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Near-duplicate documents
//!
//! ```
//! use arrow::array::{RecordBatch, StringArray};
//! use datassay::dedup::{dedup, Corpus, DedupOptions};
//! use std::sync::Arc;
//!
//! let text = StringArray::from(vec![
//!     "the quick brown fox jumps over the lazy dog near the river bank",
//!     "the quick brown fox jumps over the lazy dog near the river bank",
//!     "the quick brown fox jumps over the lazy dog near the river bank today",
//!     "an unrelated sentence about profiling training data on any gpu",
//! ]);
//! let batch = RecordBatch::try_from_iter([("text", Arc::new(text) as _)])?;
//! let opts = DedupOptions {
//!     column: "text".into(),
//!     threshold: 0.7,
//!     device: datassay::Device::Cpu,
//!     ..Default::default()
//! };
//! let corpus = Corpus::from_batches([Ok(batch)], "docs", &opts)?;
//! let found = dedup(&corpus, &opts, 0.0)?;
//! // The second is an exact copy of the first, the third a near copy of it.
//! assert_eq!(found.report.exact_duplicates, 1);
//! assert_eq!(found.keep, vec![true, false, false, true]);
//! assert_eq!(found.cluster[0], found.cluster[2]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Outliers among embeddings
//!
//! ```
//! use arrow::array::{FixedSizeListArray, Float32Array, RecordBatch};
//! use arrow::datatypes::{DataType, Field};
//! use datassay::embed::{analyze, AnalyzeOptions, Embeddings};
//! use std::sync::Arc;
//!
//! // 200 points on a small grid and one far away.
//! let mut values: Vec<f32> = (0..200).flat_map(|i| [(i % 20) as f32, (i / 20) as f32]).collect();
//! values.extend([500.0, 500.0]);
//! let item = Arc::new(Field::new("item", DataType::Float32, false));
//! let vectors = FixedSizeListArray::new(item, 2, Arc::new(Float32Array::from(values)), None);
//! let batch = RecordBatch::try_from_iter([("v", Arc::new(vectors) as _)])?;
//! let e = Embeddings::from_batches(&batch.schema(), [Ok(batch)], None, "points")?;
//! let mut opts = AnalyzeOptions::default();
//! opts.knn.device = datassay::Device::Cpu;
//! opts.knn.metric = datassay::metrics::knn::Metric::L2;
//! let (report, scores) = analyze(&e, &opts, &|_, _| {})?;
//! assert_eq!(report.top_outliers[0].row, 200);
//! assert_eq!(scores.lof.len(), 201);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Image checks
//!
//! ```
//! use datassay::images::{analyze, ImageOptions};
//!
//! let dir = tempfile::tempdir()?;
//! let mut files = Vec::new();
//! for (name, level) in [("a.png", 30u8), ("b.png", 200), ("black.png", 2)] {
//!     // A gradient with some texture, at a given brightness; and one black image.
//!     let img = image::GrayImage::from_fn(64, 64, |x, y| {
//!         let v = if level < 10 { 0 } else { level.saturating_add(((x * 7 + y * 3) % 40) as u8) };
//!         image::Luma([v])
//!     });
//!     let path = dir.path().join(name);
//!     img.save(&path)?;
//!     files.push(path);
//! }
//! let opts = ImageOptions { device: datassay::Device::Cpu, ..Default::default() };
//! let (report, images) = analyze(&files, &opts, &|_| {})?;
//! assert_eq!((report.images, report.readable), (3, 3));
//! let dark = report.flags.iter().find(|f| f.flag == "dark").unwrap();
//! assert_eq!(dark.count, 1);
//! assert!(images[2].flags.contains(&"dark".to_string()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

pub mod analysis;
#[doc(hidden)]
pub mod bench;
pub mod dedup;
pub mod embed;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod gpu;
pub mod images;
pub mod metrics;
pub mod profile;
pub mod report;
pub mod schedule;
pub mod source;
#[doc(hidden)]
pub mod util;

pub use error::{Error, Result};
pub use gpu::Device;
pub use profile::{ColumnKind, ColumnProfile, Profile};
pub use schedule::{
    profile_batches, profile_paths, Correlate, Outcome, ProfileOptions, Profiler, Progress,
};
pub use source::{CsvOptions, Format, ReadOptions};

/// Largest histogram bin count (`--bins`).
pub const MAX_BINS: u32 = 65_536;
