//! The end-to-end row at the size a user of a large corpus meets: a whole default profile
//! (every family) of a dataset of many gigabytes, on the CPU path and on the GPU path of the
//! same machine. `datassay bench --scale 10G` writes a synthetic Parquet dataset of that size
//! first (shards written in parallel, deleted afterwards); `--scale-from PATH` profiles yours.
//! The files are read from the page cache when memory holds them (they were just written).

use super::{add, Measure};
use crate::error::{Error, Result};
use crate::schedule::{profile_paths, Device, ProfileOptions};
use rayon::prelude::*;
use std::path::PathBuf;
use std::time::Instant;

/// The dataset of the measurement at scale.
#[derive(Clone, Debug)]
pub enum Scale {
    /// Write a synthetic dataset of about this many bytes of Parquet.
    Write(u64),
    /// Profile these files or folders.
    Paths(Vec<PathBuf>),
}

/// A size such as `10G`, `512M`, `2.5T` or `1000000` (bytes; K, M, G, T are powers of 1000).
pub fn parse_size(s: &str) -> std::result::Result<u64, String> {
    let t = s.trim();
    let (num, mul) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let m = match c.to_ascii_uppercase() {
                'K' => 1e3,
                'M' => 1e6,
                'G' => 1e9,
                'T' => 1e12,
                _ => return Err(format!("{s:?}: the unit must be K, M, G or T")),
            };
            (&t[..i], m)
        }
        _ => (t, 1.0),
    };
    let v: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a size (for example 10G or 512M)"))?;
    let b = v * mul;
    if !b.is_finite() || b < 1e6 {
        return Err(format!("{s:?}: at least 1M"));
    }
    if b > 1e15 {
        return Err(format!("{s:?}: at most 1000T"));
    }
    Ok(b as u64)
}

/// Bytes of Parquet a synthetic row takes (f64 with nulls, an i32 of 1,000 values, a short
/// string): measured on the writer's defaults.
const ROW_BYTES: u64 = 10;
/// Bytes per shard written.
const SHARD_BYTES: u64 = 1 << 30;

/// Write about `bytes` of synthetic Parquet into `dir` as shards, in parallel.
fn write(dir: &std::path::Path, bytes: u64, progress: &dyn Fn(&str)) -> Result<()> {
    let shards = bytes.div_ceil(SHARD_BYTES).max(1);
    let rows = (bytes / ROW_BYTES / shards).max(1) as usize;
    progress(&format!(
        "scale: writing {shards} shards of {rows} rows ({:.1} GB) into {}",
        bytes as f64 / 1e9,
        dir.display()
    ));
    crate::util::pool::install(|| {
        (0..shards).into_par_iter().try_for_each(|i| {
            let path = dir.join(format!("part-{i:05}.parquet"));
            super::write_parquet_iter(&path, super::synthetic_batch_iter(rows, 1000 + i))
        })
    })
}

fn size_of(paths: &[PathBuf]) -> u64 {
    let (files, _, _) = crate::source::expand_noting(paths);
    files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum()
}

/// Profile the dataset of `scale` on each device of `devices`; the rates (bytes of input a
/// second) of the CPU and the GPU path when both ran.
pub(super) fn measure(
    scale: &Scale,
    bins: u32,
    devices: &[Device],
    measures: &mut Vec<Measure>,
    progress: &dyn Fn(&str),
) -> Result<Option<(f64, f64)>> {
    let tmp;
    let paths = match scale {
        Scale::Paths(p) => p.clone(),
        Scale::Write(bytes) => {
            tmp = tempfile::Builder::new()
                .prefix("datassay-scale-")
                .tempdir()
                .map_err(|e| Error::Write {
                    path: std::env::temp_dir(),
                    source: e,
                })?;
            let t0 = Instant::now();
            write(tmp.path(), *bytes, progress)?;
            progress(&format!(
                "scale: written in {:.1} s",
                t0.elapsed().as_secs_f64()
            ));
            vec![tmp.path().to_path_buf()]
        }
    };
    let bytes = size_of(&paths);
    let mut cpu = None;
    let mut gpu = None;
    for &dev in devices {
        progress(&format!(
            "scale: whole profile of {:.2} GB ({dev:?})",
            bytes as f64 / 1e9
        ));
        let opts = ProfileOptions {
            device: dev,
            bins,
            ..Default::default()
        };
        let t0 = Instant::now();
        let o = profile_paths(&paths, &opts, None)?;
        let t = t0.elapsed().as_secs_f64();
        let on = if o.profile.device == "cpu" {
            "cpu"
        } else {
            "gpu"
        };
        add(
            measures,
            &format!("profile at scale, {on}, with sketches"),
            t,
            bytes as usize,
            &format!(
                "{} rows, {:.2} GB of Parquet, every family; GB/s of file bytes",
                o.profile.rows,
                bytes as f64 / 1e9
            ),
        );
        match on {
            "cpu" => cpu = Some(bytes as f64 / t),
            _ => gpu = Some(bytes as f64 / t),
        }
    }
    Ok(cpu.zip(gpu))
}

/// `datassay bench --scale-only`: the GPU's setup, the whole profile at scale on both paths,
/// and the break-even they give.
pub(super) fn alone(
    scale: &Scale,
    opts: &super::BenchOptions,
    progress: &dyn Fn(&str),
) -> Result<super::BenchReport> {
    let threads = crate::util::pool::threads();
    let mut measures = Vec::new();
    #[cfg_attr(not(feature = "gpu"), allow(unused_mut))]
    let mut devices = vec![Device::Cpu];
    #[cfg_attr(not(feature = "gpu"), allow(unused_mut))]
    let mut device = "cpu".to_string();
    #[cfg_attr(not(feature = "gpu"), allow(unused_mut))]
    let (mut setup_s, mut software) = (0.0, false);
    #[cfg(feature = "gpu")]
    if opts.device != Device::Cpu {
        match super::gpu::setup(&mut measures, true, progress) {
            Ok(found) => {
                devices.push(Device::Gpu);
                device = found.device;
                setup_s = found.setup_s;
                software = found.software;
            }
            Err(e) if opts.device == Device::Gpu => return Err(e),
            Err(e) => progress(&format!("no gpu ({e}); the cpu alone is measured")),
        }
    }
    let rates = measure(scale, opts.bins, &devices, &mut measures, progress)?;
    let mut shown = 0;
    super::show(&measures, &mut shown, progress);
    let break_even = super::keep_break_even(&device, software, threads, rates, setup_s, progress);
    Ok(super::BenchReport {
        rows: 0,
        bytes: 0,
        threads,
        device,
        measures,
        break_even,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_parse() {
        use super::parse_size;
        assert_eq!(parse_size("10G"), Ok(10_000_000_000));
        assert_eq!(parse_size("2.5g"), Ok(2_500_000_000));
        assert_eq!(parse_size("1000000"), Ok(1_000_000));
        assert!(parse_size("10X").is_err());
        assert!(parse_size("-1G").is_err());
        assert!(parse_size("1K").is_err());
        assert!(parse_size("nanG").is_err());
    }
}
