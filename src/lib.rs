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

pub mod analysis;
pub mod bench;
pub mod dedup;
pub mod embed;
pub mod error;
pub mod gpu;
pub mod images;
pub mod metrics;
pub mod profile;
pub mod report;
pub mod schedule;
pub mod source;
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
