//! `datassay bench`: throughput of every path on this machine.

use super::{check_outputs, say, write_json, DeviceArg, Failure, EXIT_INPUT};
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct BenchArgs {
    /// Rows of the synthetic f64 column.
    #[arg(long, default_value_t = 32 << 20)]
    pub rows: usize,
    /// Repetitions of each measurement (the best is kept).
    #[arg(long, default_value_t = 3)]
    pub reps: usize,
    #[arg(long, value_enum, default_value_t = DeviceArg::Auto)]
    pub device: DeviceArg,
    /// Also write the figures as JSON here (`-`: stdout).
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Documents of the MinHash measurements (normalise + shingle, signatures on CPU and GPU,
    /// dedup end to end; ~1 KB of text each); 0 skips them.
    #[arg(long, default_value_t = 20_000)]
    pub minhash_docs: usize,
    /// Only the MinHash measurements (no f64 column, no images).
    #[arg(long, conflicts_with_all = ["rows", "images_only"])]
    pub minhash_only: bool,
    /// Images of the image measurements (`generate --images N` into a temporary folder, then
    /// `images` end to end, and pHash + dHash alone on the CPU and the GPU); 0 skips them.
    #[arg(long, default_value_t = 1000)]
    pub images: usize,
    /// Only the image measurements.
    #[arg(long, conflicts_with = "rows")]
    pub images_only: bool,
    /// Measure the image figures on this folder (e.g. a sample of your own data) instead of a
    /// generated set; `--images` is then ignored.
    #[arg(long, value_name = "DIR", conflicts_with = "minhash_only")]
    pub images_from: Option<PathBuf>,
    /// Also profile a synthetic Parquet dataset of this size end to end, CPU and GPU, with every
    /// family (e.g. `10G`; K, M, G, T are powers of 1000). It is written into the temporary
    /// folder first, in 1 GB shards, and deleted afterwards; its rates give the break-even.
    #[arg(long, value_name = "SIZE", value_parser = datassay::bench::scale::parse_size, conflicts_with_all = ["minhash_only", "images_only"])]
    pub scale: Option<u64>,
    /// As `--scale`, on these files or folders of yours (nothing is written).
    #[arg(long, value_name = "PATH", num_args = 1.., conflicts_with_all = ["scale", "minhash_only", "images_only"])]
    pub scale_from: Vec<PathBuf>,
    /// With `--scale` or `--scale-from`: only that measurement (and the GPU's setup), for the
    /// break-even, without the other figures.
    #[arg(long)]
    pub scale_only: bool,
}

pub fn run(a: BenchArgs) -> Result<i32, Failure> {
    // Checked before any measurement runs, not after minutes of them.
    if let Some(d) = &a.images_from {
        if !d.is_dir() {
            return Err(Failure(
                EXIT_INPUT,
                format!("{}: not a directory (--images-from)", d.display()),
            ));
        }
    }
    if let Some(p) = a.scale_from.iter().find(|p| !p.exists()) {
        return Err(Failure(
            EXIT_INPUT,
            format!("{}: no such file or folder (--scale-from)", p.display()),
        ));
    }
    check_outputs(&[a.json.as_ref()], &[], &a.scale_from, false)?;
    use datassay::bench::scale::Scale;
    let scale = match (a.scale, a.scale_from.is_empty()) {
        (Some(b), _) => Some(Scale::Write(b)),
        (None, false) => Some(Scale::Paths(a.scale_from.clone())),
        (None, true) => None,
    };
    let opts = datassay::bench::BenchOptions {
        rows: a.rows.max(1 << 16),
        reps: a.reps.max(1),
        device: a.device.into(),
        scale_only: a.scale_only,
        scale,
        ..Default::default()
    };
    if a.scale_only && opts.scale.is_none() {
        return Err(Failure(
            EXIT_INPUT,
            "--scale-only needs --scale SIZE or --scale-from PATH".into(),
        ));
    }
    let progress = |s: &str| eprintln!("bench: {s}");
    if a.scale_only {
        let r = datassay::bench::run(&opts, &progress)?;
        say(&datassay::bench::table(&r))?;
        if let Some(j) = &a.json {
            write_json(j, &serde_json::to_value(&r).unwrap())?;
        }
        return Ok(0);
    }
    let report = if a.minhash_only || a.images_only {
        None
    } else {
        let r = datassay::bench::run(&opts, &progress)?;
        say(&datassay::bench::table(&r))?;
        Some(r)
    };
    let minhash = if a.minhash_docs > 0 && !a.images_only {
        let r = datassay::bench::minhash(a.minhash_docs, opts.reps, opts.device, &progress)?;
        say(&datassay::bench::minhash_table(&r))?;
        Some(r)
    } else {
        None
    };
    let images = if (a.images > 0 || a.images_from.is_some()) && !a.minhash_only {
        let r = datassay::bench::images(
            a.images.max(20),
            a.images_from.as_deref(),
            opts.reps,
            opts.device,
            &progress,
        )?;
        say(&datassay::bench::images_table(&r))?;
        Some(r)
    } else {
        None
    };
    if let Some(j) = &a.json {
        let mut v = serde_json::to_value(&report).unwrap();
        if report.is_none() {
            v = serde_json::json!({});
        }
        if let Some(m) = &minhash {
            v["minhash"] = serde_json::to_value(m).unwrap();
        }
        if let Some(m) = &images {
            v["images"] = serde_json::to_value(m).unwrap();
        }
        write_json(j, &v)?;
    }
    Ok(0)
}
