//! The pieces the Spark and Ray integrations run inside executors and actors: the profile of
//! one part with its row hashes, and the MinHash signatures and LSH band keys of documents,
//! which the engine shuffles itself.

use crate::errors::{to_py, IntoPy};
use crate::input::batches;
use crate::options::{profile_options, threads, Kw};
use crate::pipelines::dedup_options;
use crate::profile::{fold, Profile};
use arrow::array::{
    Array, ArrayRef, AsArray, BinaryBuilder, BooleanArray, Float64Array, Int64Array, Int64Builder,
    ListBuilder, RecordBatch,
};
use arrow::datatypes::DataType;
use arrow_pyarrow::{PyArrowType, ToPyArrow};
use datassay::Error;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use std::sync::Arc;

/// The profile of one part of a dataset, and the 64-bit hash of each of its rows in row order
/// (little-endian bytes; empty when duplicate rows are not counted), for the engine to group
/// across parts.
#[pyfunction]
#[pyo3(signature = (data, **kwargs))]
pub fn profile_part<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<(Profile, Bound<'py, PyBytes>)> {
    let mut kw = Kw::new(kwargs, "datassay.profile");
    let opts = profile_options(&mut kw)?;
    threads(&mut kw)?;
    kw.done()?;
    let b = batches(data, "datassay.profile")?;
    let (outcome, hashes) = py
        .detach(|| -> datassay::Result<_> {
            if opts.exact_quantiles {
                return Err(Error::Option(
                    "`exact_quantiles` needs every value at once; it does not apply to parts profiled apart".into(),
                ));
            }
            fold(b, &opts)?.finish_with_row_hashes()
        })
        .py_err()?;
    let mut bytes = Vec::with_capacity(hashes.len() * 8);
    for h in hashes {
        bytes.extend_from_slice(&h.to_le_bytes());
    }
    Ok((
        Profile::new(outcome.profile, outcome.notices),
        PyBytes::new(py, &bytes),
    ))
}

/// The signatures and band keys of the documents of `column` in a record batch: a
/// `pyarrow.RecordBatch` of `exact` (int64, null for a null document), `usable` (bool),
/// `signature` (binary, 4 bytes a permutation, little-endian) and `keys` (list of int64, one a
/// band), one row a document.
#[pyfunction]
#[pyo3(signature = (batch, column, **kwargs))]
pub fn sign_documents<'py>(
    py: Python<'py>,
    batch: &Bound<'py, PyAny>,
    column: &str,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let mut kw = Kw::new(kwargs, "datassay.spark.dedup");
    let opts = dedup_options(&mut kw, column)?;
    threads(&mut kw)?;
    kw.done()?;
    let b = batches(batch, "sign_documents")?;
    let out = py
        .detach(|| -> datassay::Result<RecordBatch> {
            let schema = b.schema();
            let all = b.into_iter().collect::<datassay::Result<Vec<_>>>()?;
            let one = arrow::compute::concat_batches(&schema, &all)
                .map_err(|e| Error::BatchSchema(e.to_string()))?;
            let s = datassay::dedup::sign_documents(&one, &opts)?;
            let n = s.usable.len();
            let exact: Int64Array = s.exact.iter().map(|e| e.map(|h| h as i64)).collect();
            let usable = BooleanArray::from(s.usable.clone());
            let mut sig = BinaryBuilder::with_capacity(n, n * s.perms * 4);
            let mut bytes = Vec::with_capacity(s.perms * 4);
            for d in s.signatures.chunks(s.perms.max(1)) {
                bytes.clear();
                for v in d {
                    bytes.extend_from_slice(&v.to_le_bytes());
                }
                sig.append_value(&bytes);
            }
            let mut keys = ListBuilder::with_capacity(Int64Builder::with_capacity(n * s.bands), n);
            for d in 0..n {
                if s.usable[d] {
                    for k in &s.band_keys[d * s.bands..][..s.bands] {
                        keys.values().append_value(*k as i64);
                    }
                }
                keys.append(true);
            }
            RecordBatch::try_from_iter([
                ("exact", Arc::new(exact) as ArrayRef),
                ("usable", Arc::new(usable) as ArrayRef),
                ("signature", Arc::new(sig.finish()) as ArrayRef),
                ("keys", Arc::new(keys.finish()) as ArrayRef),
            ])
            .map_err(|e| Error::BatchSchema(e.to_string()))
        })
        .py_err()?;
    out.to_pyarrow(py)
}

/// The estimated Jaccard similarity (fraction of equal signature values) of each pair of
/// signatures of two binary arrays of `sign_documents`.
#[pyfunction]
pub fn estimate(
    py: Python<'_>,
    a: PyArrowType<arrow::array::ArrayData>,
    b: PyArrowType<arrow::array::ArrayData>,
) -> PyResult<PyArrowType<arrow::array::ArrayData>> {
    let (a, b) = (arrow::array::make_array(a.0), arrow::array::make_array(b.0));
    let out = py
        .detach(|| -> datassay::Result<Float64Array> {
            let bin = |x: &ArrayRef| -> datassay::Result<Vec<Option<Vec<u32>>>> {
                let cast = arrow::compute::cast(x, &DataType::LargeBinary)
                    .map_err(|e| Error::Option(format!("signatures must be binary: {e}")))?;
                let x = cast.as_binary::<i64>();
                Ok((0..x.len())
                    .map(|i| {
                        (!x.is_null(i)).then(|| {
                            x.value(i)
                                .chunks_exact(4)
                                .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")))
                                .collect()
                        })
                    })
                    .collect())
            };
            let (a, b) = (bin(&a)?, bin(&b)?);
            if a.len() != b.len() {
                return Err(Error::Option(
                    "the signature arrays differ in length".into(),
                ));
            }
            Ok(a.iter()
                .zip(&b)
                .map(|(x, y)| match (x, y) {
                    (Some(x), Some(y)) if x.len() == y.len() && !x.is_empty() => {
                        Some(datassay::metrics::minhash::estimate(x, y))
                    }
                    _ => None,
                })
                .collect())
        })
        .py_err()?;
    Ok(PyArrowType(out.into_data()))
}

/// `(bands, rows per band)` of the LSH for a Jaccard threshold and a signature length.
#[pyfunction]
pub fn lsh_params(threshold: f64, perms: usize) -> PyResult<(usize, usize)> {
    if !(threshold > 0.0 && threshold <= 1.0 && (1..=1024).contains(&perms)) {
        return Err(to_py(Error::Option(format!(
            "threshold {threshold} and perms {perms}: expected (0, 1] and 1 to 1024"
        ))));
    }
    Ok(datassay::metrics::minhash::lsh_params(threshold, perms))
}

/// Clusters of the documents that appear in pairs `(a, b)`, joined by the crate's union-find
/// (the smallest document is the root): a `pyarrow.Table` of `row`, `cluster` (numbered in
/// order of first document), `size` and `kept` (the first document of its cluster), sorted by
/// row.
#[pyfunction]
pub fn cluster_pairs<'py>(
    py: Python<'py>,
    a: Vec<u64>,
    b: Vec<u64>,
) -> PyResult<Bound<'py, PyAny>> {
    if a.len() != b.len() {
        return Err(to_py(Error::Option(
            "the pair columns differ in length".into(),
        )));
    }
    let batch = py
        .detach(|| -> datassay::Result<RecordBatch> {
            let mut docs: Vec<u64> = a.iter().chain(&b).copied().collect();
            docs.sort_unstable();
            docs.dedup();
            let at = |d: &u64| docs.binary_search(d).expect("every document is listed");
            let mut uf = datassay::util::union_find::UnionFind::new(docs.len());
            for (x, y) in a.iter().zip(&b) {
                uf.union(at(x), at(y));
            }
            let roots = uf.roots();
            let mut size = vec![0i64; docs.len()];
            for &r in &roots {
                size[r] += 1;
            }
            let mut id = vec![-1i64; docs.len()];
            let mut next = 0;
            let mut cluster = Vec::with_capacity(docs.len());
            for &r in &roots {
                if id[r] < 0 {
                    id[r] = next;
                    next += 1;
                }
                cluster.push(id[r]);
            }
            RecordBatch::try_from_iter([
                (
                    "row",
                    Arc::new(Int64Array::from_iter_values(docs.iter().map(|&d| d as i64)))
                        as ArrayRef,
                ),
                ("cluster", Arc::new(Int64Array::from(cluster)) as ArrayRef),
                (
                    "size",
                    Arc::new(Int64Array::from_iter_values(roots.iter().map(|&r| size[r]))),
                ),
                (
                    "kept",
                    Arc::new(BooleanArray::from_iter(
                        roots.iter().enumerate().map(|(i, &r)| Some(i == r)),
                    )),
                ),
            ])
            .map_err(|e| Error::BatchSchema(e.to_string()))
        })
        .py_err()?;
    crate::pipelines::table(py, batch)
}
