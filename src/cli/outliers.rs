//! `datassay outliers`: exact kNN over an embedding matrix: outliers, near-duplicates, health.

use super::{check_outputs, emit, write_table, Bar, DeviceArg, Failure, EXIT_INPUT};
use clap::{Args, ValueEnum};
use datassay::ReadOptions;
use std::path::PathBuf;

#[derive(Clone, Copy, ValueEnum, Debug)]
pub enum MetricArg {
    /// 1 − cosine similarity
    Cosine,
    /// Euclidean distance
    L2,
}

impl From<MetricArg> for datassay::metrics::knn::Metric {
    fn from(m: MetricArg) -> Self {
        match m {
            MetricArg::Cosine => datassay::metrics::knn::Metric::Cosine,
            MetricArg::L2 => datassay::metrics::knn::Metric::L2,
        }
    }
}

#[derive(Args)]
pub struct OutliersArgs {
    /// .npy files, or Parquet/Arrow IPC/JSON lines files or directories with a vector column.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The vector column (needed when a table has several).
    #[arg(long)]
    pub column: Option<String>,
    /// Neighbours per vector (at most the number of vectors − 1).
    #[arg(short, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub k: u32,
    #[arg(long, value_enum, default_value_t = MetricArg::Cosine)]
    pub metric: MetricArg,
    /// Where the search runs.
    #[arg(long, value_enum, default_value_t = DeviceArg::Auto)]
    pub device: DeviceArg,
    /// Strongest outliers (by LOF) to list.
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Cosine similarity at or above which two neighbours are near-duplicates.
    #[arg(long, default_value_t = datassay::embed::DEFAULT_DUP_THRESHOLD)]
    pub dup_threshold: f64,
    /// Write every vector's scores (row, norm, knn_distance, lof, nearest, nearest_distance,
    /// duplicate_cluster, excluded) to this .parquet or .csv file.
    #[arg(long, value_name = "PATH")]
    pub scores: Option<PathBuf>,
    /// Write every vector's neighbours (row, rank, neighbor, distance) to this .parquet or .csv file.
    #[arg(long, value_name = "PATH")]
    pub neighbors: Option<PathBuf>,
    /// Write the summary as JSON (`-`: stdout, and no report).
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// GPU tuning: rows per chunk of the distance matrix (default: the largest the adapter's
    /// binding limit allows, at most 16384).
    #[arg(long, value_name = "ROWS")]
    pub gpu_chunk: Option<usize>,
    /// GPU tuning: upload query and reference chunks per step even when the whole matrix fits
    /// on the device (the path of matrices larger than a binding or than GPU memory).
    #[arg(long)]
    pub gpu_stream: bool,
    /// GPU: store the vectors as f16 (half the device memory and upload; distances still sum in
    /// f32, and the f64 refinement keeps reported distances exact).
    #[arg(long)]
    pub gpu_f16: bool,
    /// Write outputs even over one of the inputs (each output replaces its file at the end).
    #[arg(long)]
    pub force: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Read the vectors of `paths` and analyse them, with a progress bar and the notices on stderr.
pub(super) fn analyze_embeddings(
    paths: &[PathBuf],
    column: Option<&str>,
    read: &ReadOptions,
    opts: &datassay::embed::AnalyzeOptions,
    quiet: bool,
) -> Result<
    (
        datassay::embed::Embeddings,
        datassay::embed::EmbeddingReport,
        datassay::embed::Scores,
    ),
    Failure,
> {
    let e = datassay::embed::read_embeddings(paths, column, read)?;
    let bar = Bar::queries(!quiet);
    let res = datassay::embed::analyze(&e, opts, &|d, t| bar.show(d, t, String::new));
    bar.finish();
    let (report, scores) = res?;
    for n in &report.notices {
        super::note(n);
    }
    Ok((e, report, scores))
}

pub(super) fn analyze_options(
    k: u32,
    metric: MetricArg,
    device: DeviceArg,
    top: usize,
    dup: f64,
) -> Result<datassay::embed::AnalyzeOptions, Failure> {
    if !(dup > -1.0 && dup <= 1.0) {
        return Err(Failure(
            EXIT_INPUT,
            format!("invalid option: --dup-threshold {dup} must be a cosine similarity in (-1, 1]"),
        ));
    }
    Ok(datassay::embed::AnalyzeOptions {
        knn: datassay::metrics::knn::KnnOptions {
            k: k as usize,
            metric: metric.into(),
            device: device.into(),
            ..Default::default()
        },
        dup_threshold: dup,
        top,
    })
}

pub fn run(a: OutliersArgs) -> Result<i32, Failure> {
    #[allow(unused_mut)]
    let mut opts = analyze_options(a.k, a.metric, a.device, a.top, a.dup_threshold)?;
    let (inputs, _) = datassay::source::expand(&a.paths);
    check_outputs(
        &[a.json.as_ref()],
        &[a.scores.as_ref(), a.neighbors.as_ref()],
        &inputs,
        a.force,
    )?;
    #[cfg(feature = "gpu")]
    {
        opts.knn.gpu = datassay::metrics::knn::gpu::GpuKnnOptions {
            chunk: a.gpu_chunk,
            stream: a.gpu_stream,
            stage_dims: None,
            f16: a.gpu_f16,
        };
    }
    let (e, report, scores) = analyze_embeddings(
        &a.paths,
        a.column.as_deref(),
        &ReadOptions::default(),
        &opts,
        a.quiet,
    )?;
    if let Some(p) = &a.scores {
        write_table(p, &datassay::embed::score_batch(&scores, Some(&e)))?;
    }
    if let Some(p) = &a.neighbors {
        write_table(
            p,
            &datassay::embed::neighbor_batch(&scores.neighbors, &e.rows),
        )?;
    }
    emit(a.json.as_ref(), &report, || {
        let s = &report.seconds;
        let flops = 2.0 * (report.vectors as f64).powi(2) * report.dim as f64 / s.select.max(1e-9);
        format!(
                "{}  time: load {:.2} s, neighbours {:.2} s (exhaustive selection {:.2} s: {}), scores {:.2} s\n",
                datassay::report::embedding(&report),
                s.load,
                s.knn,
                s.select,
                if flops >= 1e12 {
                    format!("{:.2} TFLOP/s", flops / 1e12)
                } else {
                    format!("{:.1} GFLOP/s", flops / 1e9)
                },
                s.scores
            )
    })?;
    Ok(0)
}
