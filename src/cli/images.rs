//! `datassay images`: image folders, tar shards and image columns: defects and duplicates.

use super::{check_outputs, emit, write_table, Bar, DeviceArg, Failure, EXIT_INPUT};
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct ImagesArgs {
    /// Image files or folders (walked for .jpg, .jpeg, .png, .webp, .gif, .bmp, .tif, .tiff),
    /// .tar shards (WebDataset layout), or Parquet/Arrow IPC files with a column of encoded
    /// images.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The image column of table inputs: binary, or a struct with a binary `bytes` field (the
    /// Hugging Face `Image` feature). Default: the first such column.
    #[arg(long)]
    pub column: Option<String>,
    /// Write the summary as JSON (`-`: stdout, and no table).
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Write one row per image (every metric, flag and cluster id) to .parquet, .csv or .jsonl.
    #[arg(long, value_name = "PATH")]
    pub findings: Option<PathBuf>,
    /// Near duplicates: pHashes within this many differing bits (0–15).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(0..=15))]
    pub radius: u32,
    /// Images wider or taller than this are findings (a decompression-bomb limit), not decoded.
    #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_dimension: u32,
    /// Contamination check: report the images of these sources (e.g. a test set) that are exact
    /// or near duplicates of images in PATHS (e.g. the training set); --findings then lists them.
    #[arg(long, num_args = 1.., value_name = "PATH")]
    pub against: Vec<PathBuf>,
    /// Where pHash and dHash are computed (decoding and the metrics run on all CPU cores). The
    /// bits are the same on both; auto takes a hardware GPU when there is one.
    #[arg(long, value_enum, default_value_t = DeviceArg::Auto)]
    pub device: DeviceArg,
    /// Write outputs even over one of the inputs (each output replaces its file at the end).
    #[arg(long)]
    pub force: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `datassay images`, and `datassay profile` of a folder of images.
pub fn run(a: ImagesArgs) -> Result<i32, Failure> {
    let opts = datassay::images::ImageOptions {
        radius: a.radius,
        max_dimension: a.max_dimension,
        device: a.device.into(),
        ..Default::default()
    };
    for p in a.paths.iter().chain(&a.against) {
        if !p.exists() {
            return Err(Failure(
                EXIT_INPUT,
                format!("{}: no such file or directory", p.display()),
            ));
        }
    }
    let sources = datassay::images::sources(&a.paths, a.column.as_deref());
    let test_sources = datassay::images::sources(&a.against, a.column.as_deref());
    let inputs: Vec<PathBuf> = sources
        .iter()
        .chain(&test_sources)
        .map(|s| s.path().to_path_buf())
        .collect();
    check_outputs(&[a.json.as_ref()], &[a.findings.as_ref()], &inputs, a.force)?;
    let bar = Bar::with_template(
        !a.quiet,
        "  images [{bar:30}] {pos}/{len} ({per_sec}) ETA {eta}",
    );
    let n = sources
        .iter()
        .filter(|s| matches!(s, datassay::images::Source::File(_)))
        .count() as u64;
    let (report, infos) = datassay::images::analyze_sources(&sources, &opts, &|done| {
        bar.show(done, n.max(done), String::new)
    })?;
    bar.finish();
    if !a.against.is_empty() {
        let (_, test_infos) = datassay::images::analyze_sources(&test_sources, &opts, &|_| {})?;
        let r = datassay::images::contamination(&infos, &test_infos, opts.radius);
        if let Some(f) = &a.findings {
            use arrow::array::{ArrayRef, StringArray, UInt32Array};
            let l = &r.leaks;
            let batch = arrow::array::RecordBatch::try_from_iter([
                (
                    "image",
                    std::sync::Arc::new(StringArray::from_iter_values(
                        l.iter().map(|x| x.image.as_str()),
                    )) as ArrayRef,
                ),
                (
                    "duplicate_of",
                    std::sync::Arc::new(StringArray::from_iter_values(
                        l.iter().map(|x| x.duplicate_of.as_str()),
                    )) as ArrayRef,
                ),
                (
                    "kind",
                    std::sync::Arc::new(StringArray::from_iter_values(
                        l.iter().map(|x| x.kind.as_str()),
                    )) as ArrayRef,
                ),
                (
                    "distance",
                    std::sync::Arc::new(UInt32Array::from_iter_values(l.iter().map(|x| x.distance)))
                        as ArrayRef,
                ),
            ])
            .expect("columns of one length");
            write_table(f, &batch)?;
        }
        emit(a.json.as_ref(), &r, || {
            let mut out = format!(
                    "{} of {} images of [{}] duplicate images of [{}] ({:.2}%): {} exact, {} near (pHash within {} bits)\n",
                    r.contaminated,
                    r.against_images,
                    a.against.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "),
                    a.paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "),
                    100.0 * r.contaminated_fraction,
                    r.exact,
                    r.near,
                    r.radius
                );
            for l in r.leaks.iter().take(10) {
                out.push_str(&format!(
                    "    {} ~ {} ({}, distance {})\n",
                    l.image, l.duplicate_of, l.kind, l.distance
                ));
            }
            out
        })?;
        return Ok(0);
    }
    if let Some(f) = &a.findings {
        write_table(f, &datassay::images::table(&infos))?;
    }
    emit(a.json.as_ref(), &report, || {
        datassay::report::images(&report)
    })?;
    Ok(0)
}
