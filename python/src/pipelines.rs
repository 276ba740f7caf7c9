//! `dedup()`, `outliers()` and `images()`: the command line's pipelines, returning their
//! report (as JSON text, made a dict by the package) and pyarrow tables.

use crate::errors::{to_py, IntoPy};
use crate::input::{input, Input};
use crate::options::{device, threads, Kw};
use arrow::array::RecordBatch;
use arrow_pyarrow::{IntoPyArrow, Table};
use datassay::Error;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// A record batch as a `pyarrow.Table`.
pub fn table<'py>(py: Python<'py>, b: RecordBatch) -> PyResult<Bound<'py, PyAny>> {
    let schema = b.schema();
    Table::try_new(vec![b], schema)
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?
        .into_pyarrow(py)
}

fn json(v: &impl serde::Serialize) -> String {
    serde_json::to_string(v).expect("reports always serialise")
}

/// The options of `dedup` (and of the Spark `dedup`).
pub fn dedup_options(kw: &mut Kw<'_>, column: &str) -> PyResult<datassay::dedup::DedupOptions> {
    use datassay::dedup::{DedupOptions, Verify};
    use datassay::metrics::minhash::Normalize;
    let d = DedupOptions::default();
    let shingle: String = kw.or("shingle", "words:5".to_string())?;
    let shingle = shingle.parse().map_err(|e: String| {
        to_py(Error::InvalidOption {
            option: "shingle",
            message: e.trim_start_matches("shingle ").to_string(),
        })
    })?;
    let verify = match kw.or("verify", "signature".to_string())?.as_str() {
        "signature" => Verify::Signature,
        "exact" => Verify::Exact,
        v => {
            return Err(to_py(Error::InvalidOption {
                option: "verify",
                message: format!("{v:?}: expected \"signature\" or \"exact\""),
            }))
        }
    };
    let n = Normalize::default();
    Ok(DedupOptions {
        column: column.to_string(),
        normalize: Normalize {
            lowercase: !kw.or("keep_case", !n.lowercase)?,
            strip_punctuation: kw.or("strip_punctuation", n.strip_punctuation)?,
            collapse_whitespace: !kw.or("keep_whitespace", !n.collapse_whitespace)?,
        },
        shingle,
        perms: kw.or("perms", d.perms)?,
        threshold: kw.or("threshold", d.threshold)?,
        verify,
        read: d.read.clone(),
        device: device(&kw.or("device", "auto".to_string())?).map_err(to_py)?,
        memory_limit: kw.get("memory_limit")?,
        spill_dir: kw.get("spill_dir")?,
    })
}

/// Exact and near-duplicate documents of a text column: `(report JSON, pairs, clusters)`.
#[pyfunction]
#[pyo3(signature = (data, column, **kwargs))]
pub fn dedup<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    column: &str,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<(String, Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let mut kw = Kw::new(kwargs, "datassay.dedup");
    let opts = dedup_options(&mut kw, column)?;
    threads(&mut kw)?;
    kw.done()?;
    let src = input(data, "datassay.dedup")?;
    let (corpus, d) = py
        .detach(|| -> datassay::Result<_> {
            let t = std::time::Instant::now();
            let c = match src {
                Input::Paths(p) => datassay::dedup::read_corpus(&p, &opts)?,
                Input::Batches(b) => {
                    datassay::dedup::Corpus::from_batches(b.into_iter(), "<data>", &opts)?
                }
            };
            let d = datassay::dedup::dedup(&c, &opts, t.elapsed().as_secs_f64())?;
            Ok((c, d))
        })
        .py_err()?;
    let pairs = datassay::dedup::pair_batch(&corpus, &d.pairs);
    let clusters = datassay::dedup::cluster_batch(&corpus, &d);
    Ok((json(&d.report), table(py, pairs)?, table(py, clusters)?))
}

/// Outliers, near-duplicates and health of an embedding column: `(report JSON, scores,
/// neighbours)`.
#[pyfunction]
#[pyo3(signature = (data, **kwargs))]
pub fn outliers<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<(String, Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    use datassay::embed::{self, AnalyzeOptions};
    use datassay::metrics::knn::{KnnOptions, Metric};
    let mut kw = Kw::new(kwargs, "datassay.outliers");
    let column: Option<String> = kw.get("column")?;
    let d = AnalyzeOptions::default();
    let k: usize = kw.or("k", d.knn.k)?;
    if !(1..=1024).contains(&k) {
        return Err(to_py(Error::InvalidOption {
            option: "k",
            message: format!("{k} must be 1 to 1024"),
        }));
    }
    let metric = match kw.or("metric", "cosine".to_string())?.as_str() {
        "cosine" => Metric::Cosine,
        "l2" => Metric::L2,
        m => {
            return Err(to_py(Error::InvalidOption {
                option: "metric",
                message: format!("{m:?}: expected \"cosine\" or \"l2\""),
            }))
        }
    };
    let dup: f64 = kw.or("dup_threshold", d.dup_threshold)?;
    if !(dup > -1.0 && dup <= 1.0) {
        return Err(to_py(Error::InvalidOption {
            option: "dup_threshold",
            message: format!("{dup} must be a cosine similarity in (-1, 1]"),
        }));
    }
    let opts = AnalyzeOptions {
        knn: KnnOptions {
            k,
            metric,
            device: device(&kw.or("device", "auto".to_string())?).map_err(to_py)?,
            ..d.knn
        },
        dup_threshold: dup,
        top: kw.or("top", d.top)?,
    };
    threads(&mut kw)?;
    kw.done()?;
    let src = input(data, "datassay.outliers")?;
    let (e, report, scores) = py
        .detach(|| -> datassay::Result<_> {
            let e = match src {
                Input::Paths(p) => datassay::embed::read_embeddings(
                    &p,
                    column.as_deref(),
                    &datassay::ReadOptions::default(),
                )?,
                Input::Batches(b) => {
                    let schema = b.schema();
                    embed::Embeddings::from_batches(
                        &schema,
                        b.into_iter(),
                        column.as_deref(),
                        "<data>",
                    )?
                }
            };
            let (report, scores) = embed::analyze(&e, &opts, &|_, _| {})?;
            Ok((e, report, scores))
        })
        .py_err()?;
    let s = embed::score_batch(&scores, Some(&e));
    let nb = embed::neighbor_batch(&scores.neighbors, &e.rows);
    Ok((json(&report), table(py, s)?, table(py, nb)?))
}

/// Decode, measure, flag and deduplicate images: `(report JSON, findings)`.
#[pyfunction]
#[pyo3(signature = (paths, **kwargs))]
pub fn images<'py>(
    py: Python<'py>,
    paths: &Bound<'py, PyAny>,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<(String, Bound<'py, PyAny>)> {
    use datassay::images::{self, ImageOptions};
    let mut kw = Kw::new(kwargs, "datassay.images");
    let d = ImageOptions::default();
    let column: Option<String> = kw.get("column")?;
    let opts = ImageOptions {
        radius: kw.or("radius", d.radius)?,
        dark: kw.or("dark", d.dark)?,
        bright: kw.or("bright", d.bright)?,
        low_entropy: kw.or("low_entropy", d.low_entropy)?,
        blurry_share: kw.or("blurry_share", d.blurry_share)?,
        max_aspect: kw.or("max_aspect", d.max_aspect)?,
        min_side: kw.or("min_side", d.min_side)?,
        max_dimension: kw.or("max_dimension", d.max_dimension)?,
        device: device(&kw.or("device", "auto".to_string())?).map_err(to_py)?,
    };
    if opts.radius > 15 {
        return Err(to_py(Error::InvalidOption {
            option: "radius",
            message: format!("{} must be 0 to 15", opts.radius),
        }));
    }
    threads(&mut kw)?;
    kw.done()?;
    let paths = match input(paths, "datassay.images")? {
        Input::Paths(p) => p,
        Input::Batches(_) => {
            return Err(pyo3::exceptions::PyTypeError::new_err(
                "datassay.images: expected a path or a list of paths (image files, folders, .tar shards, or tables with an image column)",
            ))
        }
    };
    let (report, infos) = py
        .detach(|| {
            let sources = images::sources(&paths, column.as_deref());
            images::analyze_sources(&sources, &opts, &|_| {})
        })
        .py_err()?;
    Ok((json(&report), table(py, images::table(&infos))?))
}
