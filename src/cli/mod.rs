//! The command line: argument parsing, subcommands, progress bars. The library does the work.

use clap::{Args, Parser, Subcommand, ValueEnum};
use datassay::{
    profile_paths, CsvOptions, Device, Error, Format, Profile, ProfileOptions, ReadOptions,
};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Exit codes (also in `--help`).
pub const EXIT_INPUT: i32 = 2;
pub const EXIT_OTHER: i32 = 1;

#[derive(Parser)]
#[command(
    name = "datassay",
    version,
    about = "Profile training data fast: one pass of GPU kernels (or their CPU twins) over Parquet, CSV, Arrow IPC and JSON lines",
    after_help = "Exit codes: 0 success; 2 bad input (a file missing, unreadable or corrupt: the other files are still profiled and the bad ones listed); 1 any other failure.\n\nRun `datassay <command> --help` for examples."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Profile files or directories as one dataset: per column counts, nulls, NaN/inf, min, max,
    /// sum, mean, variance, std, skewness, kurtosis and a histogram (numbers), lengths (strings).
    #[command(
        after_help = "Examples:\n  datassay profile examples/data/rides.parquet\n  datassay profile shards/ --json profile.json     # a folder of Parquet shards as one dataset\n  datassay profile data.csv --delimiter ';' --bins 64 --device cpu\n  datassay profile logs.jsonl --json - | jq '.columns[0]'"
    )]
    Profile(ProfileArgs),
    /// Merge profiles of disjoint parts of a dataset into the profile of the whole.
    #[command(
        after_help = "Histograms of equal ranges add exactly; different ranges are re-binned over their union (each value moves by at most half a source bin; see docs/profile-format.md).\n\nExample:\n  datassay profile part1/ --json a.json && datassay profile part2/ --json b.json\n  datassay merge a.json b.json -o whole.json"
    )]
    Merge(MergeArgs),
    /// List GPU adapters (backend, type, driver, features and limits datassay uses), or say why none is usable.
    Devices {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Write a synthetic Parquet file to try datassay on (f64 N(0,1) with nulls and NaN, an int and a string column).
    #[command(
        after_help = "Example:\n  datassay generate /tmp/big.parquet --rows 50000000 && datassay profile /tmp/big.parquet"
    )]
    Generate {
        /// Output path (.parquet).
        path: PathBuf,
        /// Rows to write.
        #[arg(long, default_value_t = 10_000_000)]
        rows: usize,
    },
    /// Measure throughput on this machine: CPU and GPU kernels, upload, end-to-end from memory and Parquet.
    #[command(after_help = "Example:\n  datassay bench --rows 33554432 --json bench.json")]
    Bench(BenchArgs),
}

#[derive(Clone, Copy, ValueEnum, Debug)]
pub enum DeviceArg {
    /// A hardware GPU when one is usable, else the CPU (one notice line)
    Auto,
    /// The GPU, software adapters (llvmpipe) included; an error when none is usable
    Gpu,
    /// The CPU twins of the kernels, on all cores
    Cpu,
}

impl From<DeviceArg> for Device {
    fn from(d: DeviceArg) -> Device {
        match d {
            DeviceArg::Auto => Device::Auto,
            DeviceArg::Gpu => Device::Gpu,
            DeviceArg::Cpu => Device::Cpu,
        }
    }
}

#[derive(Args)]
pub struct ProfileArgs {
    /// Files or directories (directories: every .parquet/.csv/.tsv/.arrow/.jsonl file below).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Write the profile as JSON to this path (`-`: stdout, and no table).
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Histogram bins per numeric column (equal width over [min, max] of the finite values).
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=datassay::MAX_BINS as i64))]
    pub bins: u32,
    /// Where numeric kernels run.
    #[arg(long, value_enum, default_value_t = DeviceArg::Auto)]
    pub device: DeviceArg,
    /// Force the input format instead of going by extension: parquet, csv, ipc, jsonl.
    #[arg(long)]
    pub format: Option<String>,
    /// CSV field delimiter (one character; default `,`, tab for .tsv).
    #[arg(long)]
    pub delimiter: Option<char>,
    /// CSV files have no header line (columns are named column_1, column_2, ...).
    #[arg(long)]
    pub no_header: bool,
    /// Rows read to infer column types of CSV and JSON lines files (0: the whole file).
    #[arg(long, default_value_t = 10_000)]
    pub infer_rows: usize,
    /// Rows per record batch (memory use grows with it; the GPU path reads at least 1,048,576).
    #[arg(long, default_value_t = 65_536)]
    pub batch_rows: usize,
    /// Use the f32 GPU kernels even where the adapter has f64 (the path of adapters without it).
    #[arg(long)]
    pub gpu_f32: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args)]
pub struct MergeArgs {
    /// Profile JSON files (two or more).
    #[arg(required = true, num_args = 2..)]
    pub inputs: Vec<PathBuf>,
    /// Output path (`-`: stdout).
    #[arg(short, long, default_value = "-")]
    pub output: PathBuf,
}

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
}

/// A failure and its exit code.
pub struct Failure(pub i32, pub String);

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        let code = match &e {
            Error::Gpu(_) | Error::Write { .. } => EXIT_OTHER,
            _ => EXIT_INPUT,
        };
        Failure(code, e.to_string())
    }
}

fn write_out(path: &PathBuf, text: &str) -> Result<(), Failure> {
    if path.as_os_str() == "-" {
        let mut o = std::io::stdout().lock();
        o.write_all(text.as_bytes())
            .and_then(|_| o.write_all(b"\n"))
            .map_err(|e| Failure(EXIT_OTHER, format!("stdout: {e}")))
    } else {
        std::fs::write(path, format!("{text}\n")).map_err(|e| {
            Error::Write {
                path: path.clone(),
                source: e,
            }
            .into()
        })
    }
}

/// A progress bar that appears only on a terminal and only after a second of work.
struct Bar {
    start: Instant,
    bar: Mutex<Option<indicatif::ProgressBar>>,
    enabled: bool,
}

impl Bar {
    fn new(enabled: bool) -> Bar {
        Bar {
            start: Instant::now(),
            bar: Mutex::new(None),
            enabled: enabled && std::io::stderr().is_terminal(),
        }
    }

    fn update(&self, p: &datassay::Progress) {
        if !self.enabled || self.start.elapsed() < Duration::from_secs(1) {
            return;
        }
        let mut g = self.bar.lock().unwrap();
        let bar = g.get_or_insert_with(|| {
            let b = indicatif::ProgressBar::with_draw_target(
                Some(p.total_bytes),
                indicatif::ProgressDrawTarget::stderr(),
            );
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{msg:>22} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
                )
                .unwrap()
                .progress_chars("=> "),
            );
            b
        });
        bar.set_position(p.bytes);
        bar.set_message(format!("{} {} rows", p.phase, p.rows));
    }

    fn finish(&self) {
        if let Some(b) = self.bar.lock().unwrap().take() {
            b.finish_and_clear();
        }
    }
}

pub fn profile(a: ProfileArgs) -> Result<i32, Failure> {
    let format = a.format.as_deref().map(Format::parse).transpose()?;
    let delimiter = match a.delimiter {
        Some(c) if c.is_ascii() => Some(c as u8),
        Some(c) => {
            return Err(Failure(
                EXIT_INPUT,
                format!("invalid option: --delimiter '{c}' must be one ASCII character"),
            ))
        }
        None => None,
    };
    if a.batch_rows == 0 {
        return Err(Failure(
            EXIT_INPUT,
            "invalid option: --batch-rows must be at least 1".into(),
        ));
    }
    let opts = ProfileOptions {
        bins: a.bins,
        device: a.device.into(),
        read: ReadOptions {
            batch_rows: a.batch_rows,
            csv: CsvOptions {
                delimiter,
                has_header: !a.no_header,
                infer_rows: (a.infer_rows > 0).then_some(a.infer_rows),
                ..Default::default()
            },
            format,
        },
        gpu_force_f32: a.gpu_f32,
    };
    let bar = Bar::new(!a.quiet);
    let cb = |p: &datassay::Progress| bar.update(p);
    let outcome = profile_paths(&a.paths, &opts, Some(&cb));
    bar.finish();
    let outcome = outcome?;
    for n in &outcome.notices {
        eprintln!("datassay: {n}");
    }
    let p = &outcome.profile;
    let json_stdout = a.json.as_ref().is_some_and(|j| j.as_os_str() == "-");
    if let Some(j) = &a.json {
        write_out(j, &p.to_json())?;
    }
    if !json_stdout {
        print!("{}", datassay::report::table(p));
    }
    for e in &p.errors {
        eprintln!("datassay: error: {}", e.error);
    }
    Ok(if p.errors.is_empty() { 0 } else { EXIT_INPUT })
}

pub fn merge(a: MergeArgs) -> Result<i32, Failure> {
    let mut acc: Option<Profile> = None;
    for p in &a.inputs {
        let prof = Profile::read(p)?;
        acc = Some(match acc {
            None => prof,
            Some(x) => x
                .merge(&prof)
                .map_err(|e| Failure(EXIT_INPUT, format!("{}: {e}", p.display())))?,
        });
    }
    let merged = acc.expect("clap requires two inputs");
    write_out(&a.output, &merged.to_json())?;
    Ok(0)
}

#[cfg(not(feature = "gpu"))]
pub fn devices(_json: bool) -> Result<i32, Failure> {
    Err(Failure(
        EXIT_OTHER,
        "datassay was built without the gpu feature".into(),
    ))
}

#[cfg(feature = "gpu")]
pub fn devices(json: bool) -> Result<i32, Failure> {
    let list = datassay::gpu::list_adapters();
    if json {
        let v = serde_json::json!({ "adapters": list, "diagnosis": if list.is_empty() { Some(datassay::gpu::diagnose()) } else { None } });
        println!("{}", serde_json::to_string_pretty(&v).unwrap());
    } else if list.is_empty() {
        println!("no GPU adapter is usable: {}", datassay::gpu::diagnose());
        println!("datassay still runs: `--device auto` (the default) profiles on the CPU.");
    } else {
        for a in &list {
            println!(
                "{}{} [{} {}] driver: {} {}",
                if a.preferred { "* " } else { "  " },
                a.name,
                a.backend,
                a.device_type,
                a.driver,
                a.driver_info
            );
            let yes = |b: bool| if b { "yes" } else { "no" };
            println!(
                "    f64 {}  f16 {}  int64 {}  subgroups {}  timestamps {}",
                yes(a.shader_f64),
                yes(a.shader_f16),
                yes(a.shader_int64),
                yes(a.subgroup),
                yes(a.timestamp_query)
            );
            println!(
                "    max storage binding {} MiB, max buffer {} MiB, workgroup storage {} KiB, invocations {}",
                a.max_storage_buffer_binding_size >> 20,
                a.max_buffer_size >> 20,
                a.max_compute_workgroup_storage_size >> 10,
                a.max_compute_invocations_per_workgroup
            );
        }
        println!(
            "(* = the adapter datassay uses; without SHADER_F64 the kernels take the f32 path)"
        );
    }
    Ok(if list.is_empty() { EXIT_OTHER } else { 0 })
}

pub fn bench(a: BenchArgs) -> Result<i32, Failure> {
    let opts = datassay::bench::BenchOptions {
        rows: a.rows.max(1 << 16),
        reps: a.reps.max(1),
        device: a.device.into(),
        ..Default::default()
    };
    let report = datassay::bench::run(&opts, &|s| eprintln!("bench: {s}"))?;
    print!("{}", datassay::bench::table(&report));
    if let Some(j) = &a.json {
        write_out(j, &serde_json::to_string_pretty(&report).unwrap())?;
    }
    Ok(0)
}

pub fn generate(path: PathBuf, rows: usize) -> Result<i32, Failure> {
    let batches = datassay::bench::synthetic_batches(rows.max(1), 42);
    datassay::bench::write_parquet(&path, &batches)?;
    eprintln!("wrote {} rows to {}", rows.max(1), path.display());
    Ok(0)
}
