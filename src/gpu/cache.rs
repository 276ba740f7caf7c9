//! What datassay keeps between runs, in one folder:
//! - `pipelines/<adapter>.bin`: the driver's compiled pipelines (Vulkan's pipeline cache), so
//!   a new process skips most shader compilation;
//! - `break-even.json`: the input size from which the GPU profile beats the CPU one on this
//!   machine, as `datassay bench` measured it; `--device auto` reads it;
//! - `pipelines.json`: the CPU's and the GPU's rates of the other pipelines `datassay bench`
//!   measured (MinHash signatures, image hashes); `--device auto` keeps a pipeline the GPU lost
//!   on the CPU.
//!
//! The folder is `$DATASSAY_CACHE_DIR` when set (set to an empty value, nothing is read or
//! kept), else `$XDG_CACHE_HOME/datassay`, else `~/.cache/datassay` (`~/Library/Caches/datassay`
//! on macOS, `%LOCALAPPDATA%\datassay` on Windows). Deleting it is always safe:
//! `datassay devices --clear-cache` deletes the files datassay wrote there (and the folder, when
//! nothing else is in it). Files are written whole (`util::output`: a temporary file renamed over
//! the target), and a damaged pipeline cache is ignored by wgpu, which checks its header and hash.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The cache folder, or `None` when caching is off or no home folder is known.
pub fn dir() -> Option<PathBuf> {
    let var = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(v) = std::env::var_os("DATASSAY_CACHE_DIR") {
        return (!v.is_empty()).then(|| PathBuf::from(v));
    }
    if cfg!(windows) {
        return var("LOCALAPPDATA").map(|d| d.join("datassay"));
    }
    if let Some(x) = var("XDG_CACHE_HOME") {
        return Some(x.join("datassay"));
    }
    let home = var("HOME")?;
    Some(if cfg!(target_os = "macos") {
        home.join("Library/Caches/datassay")
    } else {
        home.join(".cache/datassay")
    })
}

/// Write `bytes` to `path` whole ([`crate::util::output::write_file`]), its folder made first.
fn write_whole(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::Write {
            path: parent.to_path_buf(),
            source: e,
        })?;
    }
    crate::util::output::write_file(path, bytes)
}

/// The JSON file `name` of the cache folder, if it is there and reads as a `T`.
fn load<T: serde::de::DeserializeOwned>(name: &str) -> Option<T> {
    serde_json::from_str(&std::fs::read_to_string(dir()?.join(name)).ok()?).ok()
}

/// Keep `value` as the JSON file `name` of the cache folder; returns the file.
fn keep<T: Serialize>(name: &str, value: &T) -> Result<PathBuf> {
    let path = dir()
        .ok_or_else(|| Error::Option("no cache folder (DATASSAY_CACHE_DIR is empty)".into()))?
        .join(name);
    let text = serde_json::to_string_pretty(value).expect("plain data");
    write_whole(&path, text.as_bytes())?;
    Ok(path)
}

/// The pipeline cache file of an adapter (backends without a pipeline cache have none).
#[cfg(feature = "gpu")]
pub(crate) fn pipeline_file(info: &wgpu::AdapterInfo) -> Option<PathBuf> {
    let key = wgpu::util::pipeline_cache_key(info)?;
    Some(dir()?.join("pipelines").join(format!("{key}.bin")))
}

/// A pipeline cache file's bytes, if it is there and of a sane size.
#[cfg(feature = "gpu")]
pub(crate) fn read_pipeline_file(path: &std::path::Path) -> Option<Vec<u8>> {
    const MAX: u64 = 256 << 20;
    let len = std::fs::metadata(path).ok()?.len();
    (len <= MAX).then(|| std::fs::read(path).ok()).flatten()
}

/// Keep the pipeline cache on disk. A cache is an optimisation: failing to write it (a
/// read-only home, a full disk) costs only compilation time next run, so it is not an error.
#[cfg(feature = "gpu")]
pub(crate) fn save_pipeline_cache(cache: &wgpu::PipelineCache, path: &std::path::Path) {
    if let Some(data) = cache.get_data() {
        let _ = write_whole(path, &data);
    }
}

/// The break-even size `datassay bench` measured on this machine.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct BreakEven {
    /// Input bytes from which the GPU profile is faster; `None`: never (the GPU path's rate
    /// is not above the CPU path's).
    pub bytes: Option<u64>,
    /// The adapter measured.
    pub gpu: String,
    /// Threads of the CPU path measured.
    pub cpu_threads: usize,
    /// End-to-end rates of the two paths (bytes of input a second) and the GPU's fixed cost
    /// (device open, pipelines) in seconds.
    pub cpu_bytes_per_s: f64,
    pub gpu_bytes_per_s: f64,
    pub gpu_setup_s: f64,
}

impl BreakEven {
    /// From measured rates: the GPU wins once `setup + b / gpu < b / cpu`.
    pub fn from_rates(gpu: String, cpu_threads: usize, cpu: f64, g: f64, setup: f64) -> Self {
        let bytes = (g > cpu && cpu > 0.0).then(|| {
            let b = setup.max(0.0) / (1.0 / cpu - 1.0 / g);
            b.min(u64::MAX as f64).ceil() as u64
        });
        BreakEven {
            bytes,
            gpu,
            cpu_threads,
            cpu_bytes_per_s: cpu,
            gpu_bytes_per_s: g,
            gpu_setup_s: setup,
        }
    }

    /// Keep it in the cache folder; returns the file.
    pub fn save(&self) -> Result<PathBuf> {
        keep("break-even.json", self)
    }
}

/// The measured break-even, if `datassay bench` has kept one (an unreadable file counts as
/// none).
pub fn break_even() -> Option<BreakEven> {
    load("break-even.json")
}

/// Whether `--device auto` takes the GPU for a tabular input of `bytes` (`None`: a stream of
/// unknown size): only where `datassay bench` measured a size from which the GPU's whole
/// profile beats the CPU's, and the input reaches it (a stream is taken to). Without a
/// measurement the CPU profiles tables: on the one data-centre GPU measured (an H200 beside 16
/// cores) the CPU path was faster at every size, because the GPU takes the moments alone while
/// the sketches and row hashes, most of a whole profile's work, stay on the host.
pub fn auto_wants_gpu(bytes: Option<u64>) -> bool {
    match break_even().and_then(|b| b.bytes) {
        Some(t) => bytes.is_none_or(|b| b >= t),
        None => false,
    }
}

/// A pipeline's rates on this machine, as `datassay bench` measured them (items a second).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PipelineRate {
    pub cpu_per_s: f64,
    pub gpu_per_s: f64,
    /// What the rates count (`documents`, `images`).
    pub unit: String,
    /// The adapter and the CPU threads measured.
    pub gpu: String,
    pub cpu_threads: usize,
}

/// The pipelines' measured rates, by name (`minhash`, `image hashes`); none when nothing was
/// kept or the file is unreadable.
pub fn pipeline_rates() -> std::collections::BTreeMap<String, PipelineRate> {
    load("pipelines.json").unwrap_or_default()
}

/// Keep `rate` as pipeline `name`'s (beside the others kept); returns the file.
pub fn save_pipeline_rate(name: &str, rate: PipelineRate) -> Result<PathBuf> {
    let mut all = pipeline_rates();
    all.insert(name.to_string(), rate);
    keep("pipelines.json", &all)
}

/// Whether `--device auto` runs pipeline `name` on a hardware GPU: unless `datassay bench`
/// measured the CPU faster for it on this machine (on an H200 beside 16 cores, MinHash
/// signatures ran at 1.28M documents/s on the GPU against 2.2M on the CPU, image hashes at 6.4k
/// images/s against 24.5k).
pub fn auto_takes_gpu(name: &str) -> bool {
    pipeline_rates()
        .get(name)
        .is_none_or(|r| r.gpu_per_s > r.cpu_per_s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn break_even_from_rates() {
        // 1 GB/s CPU, 2 GB/s GPU, 0.5 s setup: b/1e9 = 0.5 + b/2e9 at b = 1e9.
        let b = BreakEven::from_rates("g".into(), 2, 1e9, 2e9, 0.5);
        assert_eq!(b.bytes, Some(1_000_000_000));
        assert_eq!(
            BreakEven::from_rates("g".into(), 2, 2e9, 1e9, 0.5).bytes,
            None
        );
        assert_eq!(
            BreakEven::from_rates("g".into(), 2, 1e9, 1e9, 0.0).bytes,
            None
        );
    }
}
