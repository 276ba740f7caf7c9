//! `datassay report`: one self-contained HTML file (or its Markdown flavour) from a profile,
//! an image folder's or an embedding matrix's report, or data profiled now; with drift against
//! a baseline. Also the loading `datassay card` shares.

use super::drift::{is_profile, profile_data, sketch_options, DataArgs, Extras};
use super::{Failure, EXIT_INPUT};
use clap::{Args, ValueEnum};
use datassay::embed::EmbeddingReport;
use datassay::images::ImageReport;
use datassay::metrics::sketch::SketchOptions;
use datassay::Profile;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq, Debug)]
pub enum ReportFormat {
    /// One self-contained HTML file: inline SVG charts, no network, readable without script.
    Html,
    /// Markdown for a pull request or a CI summary (under 1 MiB).
    Markdown,
}

#[derive(Args)]
pub struct ReportArgs {
    /// What to report on: a profile (`datassay profile --json`, JSON or binary), the JSON of
    /// `datassay images`, `outliers` or `dedup`, a folder of images, or data (a table file or
    /// folder, profiled now; a `.json` file of JSON lines is data).
    pub input: PathBuf,
    /// Where to write the report (`-`: standard output). Default: NAME.report.html (or
    /// NAME.report.md) in the current folder, NAME the input's file name without its last
    /// extension.
    #[arg(long, short, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// html, or markdown (default: by the output's extension, `.md` for Markdown; else html).
    #[arg(long, value_enum)]
    pub format: Option<ReportFormat>,
    /// Also show drift against this baseline: a profile, data or an image folder, read as the
    /// input is; data on one side is profiled with a profile side's sketch options.
    #[arg(long, value_name = "REF")]
    pub baseline: Option<PathBuf>,
    /// The report's title (default: the input's file name).
    #[arg(long)]
    pub title: Option<String>,
    /// When the input is data: scan its string columns for PII and secrets (see `datassay
    /// profile --pii`).
    #[arg(long)]
    pub pii: bool,
    /// Thumbnails of flagged and duplicate images, at most this many pixels a side (0: none).
    #[arg(long, default_value_t = 96, value_parser = clap::value_parser!(u32).range(0..=256))]
    pub thumbnails: u32,
    /// Where numeric kernels run when an input is data.
    #[arg(long, value_enum, default_value_t = super::DeviceArg::Auto)]
    pub device: super::DeviceArg,
    /// Force the format of data inputs: parquet, csv, ipc, jsonl (`--format` is the report's).
    #[arg(long, value_name = "FORMAT")]
    pub input_format: Option<String>,
    /// CSV field delimiter of data inputs.
    #[arg(long)]
    pub delimiter: Option<char>,
    /// No progress notices.
    #[arg(long, short)]
    pub quiet: bool,
    /// Write the report even over one of the inputs.
    #[arg(long)]
    pub force: bool,
}

/// What an input path holds, loaded.
pub(super) struct Loaded {
    pub profile: Profile,
    pub images: Option<ImageReport>,
    pub embedding: Option<EmbeddingReport>,
    /// Seconds the profile took when it was made now.
    pub seconds: Option<f64>,
}

/// A profile of no rows and no columns, for a report whose input is not a table.
fn empty_profile() -> Profile {
    Profile {
        format_version: datassay::profile::FORMAT_VERSION,
        generator: format!("datassay {}", env!("CARGO_PKG_VERSION")),
        rows: 0,
        device: String::new(),
        histogram_bins: 0,
        sources: Vec::new(),
        errors: Vec::new(),
        columns: Vec::new(),
        correlations: None,
        embedding: None,
        near_duplicates: None,
        duplicate_rows: None,
        parts: Vec::new(),
        state: Default::default(),
    }
}

/// Read a JSON file that is a profile, or the report of `datassay images`, `outliers` or
/// `dedup`; `None` when it is JSON lines data (a `.json` file of one object a line).
fn load_json(path: &Path) -> Result<Option<Loaded>, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| datassay::Error::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    let bad = |what: &str, e: serde_json::Error| {
        Failure(
            EXIT_INPUT,
            format!("{}: not a valid {what}: {e}", path.display()),
        )
    };
    // Which keys the document has, read without building it (a 10,000-column profile is
    // hundreds of MB of JSON; it is parsed once, into its own type, below).
    #[derive(serde::Deserialize)]
    struct Keys {
        format_version: Option<serde::de::IgnoredAny>,
        columns: Option<serde::de::IgnoredAny>,
        readable: Option<serde::de::IgnoredAny>,
        formats: Option<serde::de::IgnoredAny>,
        metrics: Option<serde::de::IgnoredAny>,
        vectors: Option<serde::de::IgnoredAny>,
        dim: Option<serde::de::IgnoredAny>,
        top_outliers: Option<serde::de::IgnoredAny>,
        documents: Option<serde::de::IgnoredAny>,
        near_duplicates: Option<serde::de::IgnoredAny>,
        column: Option<serde::de::IgnoredAny>,
    }
    // One array of objects: data.
    if text.trim_start().starts_with('[') {
        return Ok(None);
    }
    let k: Keys = match serde_json::from_str(&text) {
        Ok(k) => k,
        Err(e) => {
            // One object a line: data, not a profile.
            let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            if serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(first).is_ok() {
                return Ok(None);
            }
            return Err(bad("JSON file", e));
        }
    };
    let has = |x: &Option<serde::de::IgnoredAny>| x.is_some();
    let mut out = Loaded {
        profile: empty_profile(),
        images: None,
        embedding: None,
        seconds: None,
    };
    if has(&k.format_version) && has(&k.columns) {
        out.profile = Profile::from_json(&text, path)?;
    } else if has(&k.readable) && has(&k.formats) && has(&k.metrics) {
        let r: ImageReport = serde_json::from_str(&text).map_err(|e| bad("images report", e))?;
        out.profile = r.metrics.clone();
        out.images = Some(r);
    } else if has(&k.vectors) && has(&k.dim) && has(&k.top_outliers) {
        let r: EmbeddingReport =
            serde_json::from_str(&text).map_err(|e| bad("outliers report", e))?;
        out.profile.rows = r.rows;
        out.embedding = Some(r);
    } else if has(&k.documents) && has(&k.near_duplicates) && has(&k.column) {
        let r: datassay::dedup::DedupReport =
            serde_json::from_str(&text).map_err(|e| bad("dedup report", e))?;
        out.profile.rows = r.documents;
        out.profile.near_duplicates = Some(Box::new(r));
    } else {
        return Err(Failure(
            EXIT_INPUT,
            format!(
                "{}: a JSON file that is neither a profile nor the JSON of `datassay images`, `outliers` or `dedup`",
                path.display()
            ),
        ));
    }
    Ok(Some(out))
}

/// Load an input: a profile or report file, an image folder (analysed now) or data (profiled
/// now as `how` says, with the sketch options `given` when they must match a profile's).
pub(super) fn load(
    path: &Path,
    data: &DataArgs,
    given: Option<SketchOptions>,
    how: Extras,
) -> Result<Loaded, Failure> {
    let pii = how.pii;
    if path.as_os_str() == "-" {
        return Err(Failure(
            EXIT_INPUT,
            "-: reports read files, not standard input; profile the stream first (`datassay profile - --json p.json`) and report on that".into(),
        ));
    }
    if !path.exists() {
        return Err(datassay::Error::NotFound {
            path: path.to_path_buf(),
        }
        .into());
    }
    let t = Instant::now();
    if datassay::images::is_image_set(&[path.to_path_buf()]) {
        super::profile::image_mode_tables(&[path.to_path_buf()])?;
        let opts = datassay::images::ImageOptions {
            device: data.device.into(),
            ..Default::default()
        };
        if !data.quiet {
            super::note(&format!("analysing the images of {}", path.display()));
        }
        let sources = datassay::images::sources(&[path.to_path_buf()], None);
        let (r, _) = datassay::images::analyze_sources(&sources, &opts, &|_| {})?;
        return Ok(Loaded {
            profile: r.metrics.clone(),
            images: Some(r),
            embedding: None,
            seconds: Some(t.elapsed().as_secs_f64()),
        });
    }
    // `--input-format` says a `.json` file is data.
    if is_profile(path) && data.format.is_none() {
        let loaded = if super::extension(path) == "json" {
            load_json(path)?
        } else {
            Some(Loaded {
                profile: Profile::read(path)?,
                images: None,
                embedding: None,
                seconds: None,
            })
        };
        if let Some(l) = loaded {
            let scanned = l.profile.columns.iter().any(|c| c.pii.is_some());
            if pii && !scanned && !data.quiet {
                super::note(&format!(
                    "{}: a profile made without the PII scan; --pii applies to data (profile it with `datassay profile --pii`)",
                    path.display()
                ));
            }
            return Ok(l);
        }
    }
    let profile = profile_data(path, data, given, how)?;
    for e in &profile.errors {
        super::note(&format!("error: {}", e.error));
    }
    Ok(Loaded {
        profile,
        images: None,
        embedding: None,
        seconds: Some(t.elapsed().as_secs_f64()),
    })
}

/// Thumbnails of the flagged and duplicate images a report shows.
pub(super) fn thumbnails(images: Option<&ImageReport>, side: u32) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(r) = images.filter(|_| side > 0) else {
        return out;
    };
    let paths = r
        .flags
        .iter()
        .flat_map(|f| f.examples.iter().take(24))
        .chain(
            r.largest_clusters
                .iter()
                .take(12)
                .flat_map(|c| c.images.iter().take(8)),
        );
    for p in paths {
        if out.contains_key(p) {
            continue;
        }
        if let Some(uri) =
            datassay::images::thumbnail::thumbnail(Path::new(p), side, r.options.max_dimension)
        {
            out.insert(p.clone(), uri);
        }
    }
    out
}

/// The file name of a path, for titles and default outputs.
pub(super) fn stem(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| p.display().to_string())
}

/// A data baseline: only what drift reads (no duplicate rows or correlations); files that
/// cannot be read are listed, as for the input.
const BASELINE: Extras = Extras {
    full: false,
    pii: false,
    keep_errors: true,
};

/// Long because it is the subcommand's steps in order (read each input by kind, baseline, write
/// each output), each a few lines.
pub fn run(a: ReportArgs) -> Result<i32, Failure> {
    let data = DataArgs {
        device: a.device,
        format: a.input_format.clone(),
        delimiter: a.delimiter,
        quantile_accuracy: None,
        hll_precision: None,
        quiet: a.quiet,
    };
    let format = a.format.unwrap_or(match &a.output {
        Some(o) if matches!(super::extension(o).as_str(), "md" | "markdown") => {
            ReportFormat::Markdown
        }
        _ => ReportFormat::Html,
    });
    let output = a.output.clone().unwrap_or_else(|| {
        let ext = match format {
            ReportFormat::Html => "report.html",
            ReportFormat::Markdown => "report.md",
        };
        // The input's name without its last extension: `2024.01.parquet` and
        // `2024.02.parquet` get reports of their own.
        let base = a
            .input
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .filter(|s| !s.is_empty() && s != "." && s != "..")
            .unwrap_or_else(|| "data".into());
        PathBuf::from(format!("{base}.{ext}"))
    });
    check_report_output(&output)?;
    let mut inputs = vec![a.input.clone()];
    inputs.extend(a.baseline.clone());
    let (all, _) = datassay::source::expand(&inputs);
    datassay::util::output::check(&[output.as_path()], &all, a.force)?;
    // A profile baseline first: data profiled now takes its sketch options, so the two
    // compare; a data baseline takes the input's.
    let mut drift_failed = false;
    let mut base = match &a.baseline {
        Some(b) if is_profile(b) && data.format.is_none() => Some(load(b, &data, None, BASELINE)?),
        _ => None,
    };
    let given = base.as_ref().and_then(|l| sketch_options(&l.profile));
    // The input as `datassay profile` makes it; files that cannot be read are listed on the
    // page.
    let input_how = Extras {
        full: true,
        pii: a.pii,
        keep_errors: true,
    };
    let loaded = load(&a.input, &data, given, input_how)?;
    if let (None, Some(b)) = (&base, &a.baseline) {
        base = Some(load(b, &data, sketch_options(&loaded.profile), BASELINE)?);
    }
    let drift = match (&base, &a.baseline) {
        (Some(base), Some(b)) => {
            for (l, p) in [(&loaded, &a.input), (base, b)] {
                if l.profile.columns.is_empty() {
                    return Err(Failure(
                        EXIT_INPUT,
                        format!(
                            "--baseline: {} has no table columns to compare",
                            p.display()
                        ),
                    ));
                }
            }
            // Profiles that cannot be compared (an empty baseline, other sketch parameters)
            // still get their page, without drift, and the run says why and exits 2.
            match datassay::analysis::drift::compare_labelled(
                &base.profile,
                &b.display().to_string(),
                &loaded.profile,
                &a.input.display().to_string(),
                &Default::default(),
            ) {
                Ok(d) => Some(d),
                Err(e) => {
                    super::note(&format!("error: no drift section: {e}"));
                    drift_failed = true;
                    None
                }
            }
        }
        _ => None,
    };
    let thumbs = thumbnails(loaded.images.as_ref(), a.thumbnails);
    let title = a.title.clone().unwrap_or_else(|| stem(&a.input));
    let input = datassay::report::ReportInput {
        title: &title,
        profile: &loaded.profile,
        images: loaded.images.as_ref(),
        embedding: loaded.embedding.as_ref(),
        drift: drift.as_ref(),
        thumbnails: &thumbs,
        seconds: loaded.seconds,
    };
    let text = match format {
        ReportFormat::Html => datassay::report::html(&input),
        ReportFormat::Markdown => datassay::report::markdown(&input),
    };
    super::reader_left(super::write_text(&output, &text))?;
    if output.as_os_str() != "-" && !a.quiet {
        super::note(&format!(
            "wrote {} ({:.1} KB)",
            output.display(),
            text.len() as f64 / 1024.0
        ));
    }
    // Files that could not be read now are bad input, as for `datassay profile`; errors a saved
    // profile records were reported when it was made.
    let now = loaded.seconds.is_some();
    Ok(
        if drift_failed || now && !loaded.profile.errors.is_empty() {
            EXIT_INPUT
        } else {
            0
        },
    )
}

/// A report is not written under a data file's extension (a slip that would replace data).
pub(super) fn check_report_output(p: &Path) -> Result<(), Failure> {
    if p.as_os_str() == "-" {
        return Ok(());
    }
    let data = datassay::source::Format::from_path(p).is_some();
    let other = [
        "json", "npy", "jpg", "jpeg", "png", "webp", "gif", "bmp", "tif", "tiff", "tar",
    ]
    .contains(&super::extension(p).as_str());
    if data || other {
        return Err(Failure(
            EXIT_INPUT,
            format!(
                "{}: the output would be written under a data or profile file's extension; give a .html or .md path (or - for standard output)",
                p.display()
            ),
        ));
    }
    Ok(())
}
