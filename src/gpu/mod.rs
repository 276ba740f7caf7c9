//! Device plumbing, shared by every GPU pipeline (tabular moments, sketches, MinHash, image
//! hashes, kNN): where work runs ([`Device`] and the one policy of [`open`]), the process-wide
//! engine ([`engine`]), adapter choice and pipeline compilation ([`GpuContext`]), kernel timing
//! with timestamp queries, the on-disk caches, and the diagnosis that `datassay devices` shows.
//! It knows nothing about particular metrics.
//!
//! # One engine per process
//! The first pipeline that wants the GPU opens it: adapter, device, queue. Every later pipeline
//! and every [`crate::Profiler`] of the process reuses it, with its compiled pipelines, so the
//! device open and shader compilation (about 0.3 s on an H200) are paid once. Compiled pipelines
//! are also kept on disk where the backend supports it (Vulkan), see [`cache`]. An embedder with
//! a `wgpu::Device` of its own hands it over with [`install`]. A process started by `fork()`
//! never reuses its parent's engine: the child opens its own on first use.
//!
//! # When the GPU is used
//! - `Device::Cpu`: never.
//! - `Device::Gpu`: always, a software adapter (Mesa's lavapipe) included; no usable adapter is
//!   an error.
//! - `Device::Auto` (the default): a hardware adapter when there is one; the tabular profile
//!   takes it only from the break-even size that `datassay bench` measured on this machine
//!   ([`break_even`], [`auto_wants_gpu`]), and stays on the CPU where none was measured; MinHash
//!   and image hashing stay on the CPU where `datassay bench` measured the GPU slower for them
//!   ([`auto_takes_gpu`], [`open_pipeline`]).
//!
//! A pipeline whose GPU work fails mid-run (a lost device, an out-of-memory) redoes that work
//! on the CPU with a notice, worded by [`fell_back`]; the lost engine is replaced on next use.

#[doc(hidden)]
pub mod cache;
#[cfg(feature = "gpu")]
mod context;
#[cfg(feature = "gpu")]
mod diagnose;
#[cfg(feature = "gpu")]
mod engine;
#[cfg(feature = "gpu")]
mod timing;

#[cfg(feature = "gpu")]
pub use context::GpuContext;
#[cfg(feature = "gpu")]
pub use diagnose::{diagnose, list_adapters, manifest_hint, AdapterReport};
#[cfg(feature = "gpu")]
pub use engine::{engine, install};
#[cfg(feature = "gpu")]
pub use timing::KernelTime;

pub use cache::{auto_takes_gpu, auto_wants_gpu, break_even, pipeline_rates, BreakEven};

use crate::error::{Error, Result};

/// Where kernels run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Device {
    /// The GPU when a hardware adapter is usable (for the tabular profile, only past the
    /// break-even size measured on this machine: [`auto_wants_gpu`]), else the CPU.
    #[default]
    Auto,
    /// The GPU, a software adapter included; an error without one.
    Gpu,
    /// The CPU twins of the kernels on all cores.
    Cpu,
}

/// The message of a build without the `gpu` feature asked for the GPU.
pub const NO_GPU_BUILD: &str = "this build has no GPU support (feature `gpu`)";

/// The one policy every pipeline follows to get a GPU for `device`:
/// - `Cpu`: `Ok(None)`;
/// - `Gpu`: the process engine, software adapters allowed, or the error;
/// - `Auto`: the process engine when its adapter is hardware, else `Ok(None)` with a notice in
///   `notices` saying why and that the CPU runs instead.
#[cfg(feature = "gpu")]
pub fn open(
    device: Device,
    notices: &mut Vec<String>,
) -> Result<Option<std::sync::Arc<GpuContext>>> {
    match device {
        Device::Cpu => Ok(None),
        Device::Gpu => engine(true).map(Some),
        Device::Auto => match engine(false) {
            Ok(ctx) => Ok(Some(ctx)),
            Err(e) => {
                notices.push(format!("{e}; running on the CPU"));
                Ok(None)
            }
        },
    }
}

/// [`open`] for a pipeline `datassay bench` measures (`minhash`, `image hashes`): under `Auto`,
/// the CPU without probing the GPU where the GPU was measured slower for it on this machine.
#[cfg(feature = "gpu")]
pub fn open_pipeline(
    device: Device,
    name: &str,
    notices: &mut Vec<String>,
) -> Result<Option<std::sync::Arc<GpuContext>>> {
    if device == Device::Auto && !auto_takes_gpu(name) {
        return Ok(None);
    }
    open(device, notices)
}

/// [`open`] in a build without the `gpu` feature: `Gpu` is an error, `Auto` runs on the CPU.
#[cfg(not(feature = "gpu"))]
pub fn open(device: Device, notices: &mut Vec<String>) -> Result<Option<std::convert::Infallible>> {
    match device {
        Device::Cpu => Ok(None),
        Device::Gpu => Err(Error::Gpu(NO_GPU_BUILD.into())),
        Device::Auto => {
            notices.push(format!("{NO_GPU_BUILD}; running on the CPU"));
            Ok(None)
        }
    }
}

/// The notice of GPU work that failed mid-run (a lost device, an out-of-memory) and was redone
/// on the CPU. Every pipeline falls back this way, under `Auto` and `Gpu` alike: the results are
/// the CPU twin's, and the notice (and the device a report names) says so.
pub fn fell_back(what: &str, e: &Error) -> String {
    format!("the GPU {what} failed ({e}); the CPU did it instead")
}
