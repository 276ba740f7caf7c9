//! `datassay drift`: how far a current dataset is from a reference, per column, from profiles
//! (made now from data when a side is data).

use super::{check_outputs, say, DeviceArg, Failure, EXIT_CHECK, EXIT_INPUT};
use clap::Args;
use datassay::analysis::drift::{self, DriftOptions, Status};
use datassay::metrics::sketch::{Distinct, SketchOptions};
use datassay::{CsvOptions, Format, Profile, ProfileOptions, ReadOptions};
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct DriftArgs {
    /// The reference: a profile (`datassay profile --json`, `.json` or binary) or data (a file or
    /// folder, profiled now).
    pub reference: PathBuf,
    /// The current side, in the same forms.
    pub current: PathBuf,
    /// Write the report as JSON to this path (`-`: stdout, and no table). See docs/drift.md.
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Write the report as Markdown (for a pull request or a CI summary) to this path (`-`:
    /// stdout, and no table).
    #[arg(long, value_name = "PATH")]
    pub markdown: Option<PathBuf>,
    /// Exit with code 3 when the dataset's verdict is drift (by default the exit code is 0
    /// whatever the verdict; `datassay check` gates on single columns).
    #[arg(long)]
    pub fail_on_drift: bool,
    /// A numeric column drifts when its Kolmogorov–Smirnov distance exceeds this.
    #[arg(long, default_value_t = DriftOptions::default().ks_threshold, value_name = "D")]
    pub ks_threshold: f64,
    /// A string column drifts when the Jensen–Shannon distance of its value shares exceeds this.
    #[arg(long, default_value_t = DriftOptions::default().js_threshold, value_name = "D")]
    pub js_threshold: f64,
    /// A column drifts when its null share moves by more than this (absolute, 0.02 = 2 points).
    #[arg(long, default_value_t = DriftOptions::default().null_threshold, value_name = "SHARE")]
    pub null_threshold: f64,
    /// The dataset drifts when at least this share of its compared columns drift.
    #[arg(long, default_value_t = DriftOptions::default().drift_share, value_name = "SHARE")]
    pub drift_share: f64,
    /// Quantile bins of the reference for PSI, Jensen–Shannon and Hellinger of numeric columns.
    #[arg(long, default_value_t = DriftOptions::default().bins)]
    pub bins: usize,
    #[command(flatten)]
    pub data: DataArgs,
    /// Write the outputs even over one of the inputs.
    #[arg(long)]
    pub force: bool,
}

/// How a side that is data (not a profile) is read and profiled.
#[derive(Args)]
pub struct DataArgs {
    /// Where numeric kernels run when a side is data.
    #[arg(long, value_enum, default_value_t = DeviceArg::Auto)]
    pub device: DeviceArg,
    /// Force the format of data inputs: parquet, csv, ipc, jsonl.
    #[arg(long)]
    pub format: Option<String>,
    /// CSV field delimiter of data inputs.
    #[arg(long)]
    pub delimiter: Option<char>,
    /// Guaranteed relative error of the quantile sketches of data inputs, in [0.0002, 0.5]
    /// (default: the other side's when it is a profile, else 0.01).
    #[arg(long, value_parser = super::profile::parse_accuracy)]
    pub quantile_accuracy: Option<f64>,
    /// HyperLogLog precision of data inputs, 4 to 18 (default: the other side's when it is a
    /// profile, else 14).
    #[arg(long, value_parser = clap::value_parser!(u8).range(4..=18))]
    pub hll_precision: Option<u8>,
    /// No progress notices.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Whether a path holds a profile rather than data: the binary profile's magic, or a `.json`
/// file (JSON lines data are `.jsonl` or `.ndjson`).
pub(super) fn is_profile(p: &Path) -> bool {
    if p.is_dir() {
        return false;
    }
    let mut head = [0u8; 8];
    let magic = std::fs::File::open(p)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok()
        && Profile::is_binary_form(&head);
    magic || super::extension(p) == "json"
}

/// The sketch options a profile was made with (of its first sketched column).
pub(super) fn sketch_options(p: &Profile) -> Option<SketchOptions> {
    let s = p.columns.iter().find_map(|c| c.state.sketch.as_ref())?;
    let mut o = SketchOptions::default();
    if let Some(q) = p
        .columns
        .iter()
        .find_map(|c| c.state.sketch.as_ref().and_then(|s| s.quantiles.as_ref()))
    {
        o.slices = q.slices;
    }
    o.precision = s.precision;
    o.counters = s.counters;
    if let Distinct::Exact { limit, .. } = &s.distinct {
        o.exact_limit = *limit;
    }
    Some(o)
}

pub fn run(a: DriftArgs) -> Result<i32, Failure> {
    let opts = DriftOptions {
        bins: a.bins,
        ks_threshold: a.ks_threshold,
        js_threshold: a.js_threshold,
        null_threshold: a.null_threshold,
        drift_share: a.drift_share,
        ..Default::default()
    };
    opts.validate().map_err(|e| {
        Failure(
            EXIT_INPUT,
            format!("{e} (see datassay drift --help for the options)"),
        )
    })?;
    let inputs = [a.reference.clone(), a.current.clone()];
    for p in &inputs {
        if !p.exists() {
            return Err(datassay::Error::NotFound { path: p.clone() }.into());
        }
    }
    let (all, _) = datassay::source::expand(&inputs);
    if [a.json.as_ref(), a.markdown.as_ref()]
        .into_iter()
        .flatten()
        .filter(|p| p.as_os_str() == "-")
        .count()
        > 1
    {
        return Err(Failure(
            EXIT_INPUT,
            "invalid option: --json - and --markdown - both write to standard output".into(),
        ));
    }
    check_outputs(&[a.json.as_ref(), a.markdown.as_ref()], &[], &all, a.force)?;
    let mut sides = load_sides(&inputs, &a.data, false)?.into_iter();
    let (r, c) = (sides.next().unwrap(), sides.next().unwrap());
    if r.embedding.is_some() != c.embedding.is_some() && !a.data.quiet {
        super::note(
            "only one side has an embedding section: embeddings are compared when both profiles have one (profile the other side with --embedding COLUMN)",
        );
    }
    let label = |p: &Path| p.display().to_string();
    let report = drift::compare_labelled(&r, &label(&a.reference), &c, &label(&a.current), &opts)?;
    let to_stdout = [a.json.as_ref(), a.markdown.as_ref()]
        .iter()
        .flatten()
        .any(|p| p.as_os_str() == "-");
    if let Some(j) = &a.json {
        super::reader_left(super::write_json(j, &report))?;
    }
    if let Some(m) = &a.markdown {
        super::reader_left(super::write_text(
            m,
            &datassay::report::drift_markdown(&report),
        ))?;
    }
    if !to_stdout {
        super::reader_left(say(&datassay::report::drift_table(&report)))?;
    }
    Ok(if a.fail_on_drift && report.verdict == Status::Drift {
        EXIT_CHECK
    } else {
        0
    })
}

/// Read each path as a profile, or profile it when it is data. Profiles are read first: a data
/// side takes its sketch options from a profile side, so the two compare.
///
/// `full`: profile data as `datassay profile` does (duplicate rows and correlations too); else
/// only what drift reads.
pub(super) fn load_sides(
    paths: &[PathBuf],
    a: &DataArgs,
    full: bool,
) -> Result<Vec<Profile>, Failure> {
    let mut sides: Vec<Option<Profile>> = Vec::with_capacity(paths.len());
    for p in paths {
        sides.push(if is_profile(p) {
            Some(Profile::read(p)?)
        } else {
            None
        });
    }
    let given = sides.iter().flatten().find_map(sketch_options);
    paths
        .iter()
        .zip(sides)
        .map(|(p, s)| match s {
            Some(s) => Ok(s),
            None => profile_data(
                p,
                a,
                given.clone(),
                Extras {
                    full,
                    ..Default::default()
                },
            ),
        })
        .collect()
}

/// What a data side's profile holds beyond what drift reads.
#[derive(Clone, Copy, Default)]
pub(super) struct Extras {
    /// As `datassay profile` makes it: duplicate rows and correlations too.
    pub full: bool,
    /// The PII and secrets scan of string columns.
    pub pii: bool,
    /// Files that cannot be read are listed in the profile (as `profile` does) instead of
    /// failing the run.
    pub keep_errors: bool,
}

/// Profile one data side.
pub(super) fn profile_data(
    p: &Path,
    a: &DataArgs,
    given: Option<SketchOptions>,
    how: Extras,
) -> Result<Profile, Failure> {
    let Extras {
        full,
        pii,
        keep_errors,
    } = how;
    let mut sk = given.unwrap_or_default();
    // Ranges are checked by the argument parser.
    if let Some(acc) = a.quantile_accuracy {
        sk.slices = datassay::metrics::sketch::ddsketch::slices_for(acc);
    }
    if let Some(h) = a.hll_precision {
        sk.precision = h;
    }
    let delimiter = super::delimiter(a.delimiter)?;
    let opts = ProfileOptions {
        device: a.device.into(),
        read: ReadOptions {
            csv: CsvOptions {
                delimiter,
                ..Default::default()
            },
            format: a.format.as_deref().map(Format::parse).transpose()?,
            ..Default::default()
        },
        sketch: Some(sk),
        duplicate_rows: full,
        pii,
        correlations: if full {
            datassay::Correlate::Auto
        } else {
            datassay::Correlate::Off
        },
        ..Default::default()
    };
    if !a.quiet {
        super::note(&format!("profiling {}", p.display()));
    }
    let outcome = datassay::profile_paths(&[p.to_path_buf()], &opts, None)?;
    if !a.quiet {
        for n in &outcome.notices {
            super::note(n);
        }
    }
    let prof = outcome.profile;
    match prof.errors.first() {
        Some(e) if !keep_errors => Err(Failure(EXIT_INPUT, e.error.clone())),
        _ => Ok(prof),
    }
}
