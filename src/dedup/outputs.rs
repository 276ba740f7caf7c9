//! What a run writes: pairs, clusters and the deduplicated rows, as tables.

use super::corpus::Corpus;
use super::lsh::Pair;
use super::Dedup;
use crate::error::{Error, Result};
use crate::source::{expand, ReadOptions, SourceFile};
use std::path::{Path, PathBuf};

/// `file:row` of a document.
pub fn doc_name(c: &Corpus, d: usize) -> String {
    let (f, r) = c.ids[d];
    format!("{}:{r}", c.files[f as usize])
}

/// The confirmed pairs as a table: `file_a, row_a, file_b, row_b, kind` (`exact` or `near`),
/// `estimate` (MinHash Jaccard), `jaccard` (exact, with `Verify::Exact`).
pub fn pair_batch(c: &Corpus, pairs: &[Pair]) -> arrow::array::RecordBatch {
    cross_pair_batch(c, c, pairs)
}

/// As [`pair_batch`], for pairs of a document of `ca` (`a`) and one of `cb` (`b`).
pub fn cross_pair_batch(ca: &Corpus, cb: &Corpus, pairs: &[Pair]) -> arrow::array::RecordBatch {
    use arrow::array::{ArrayRef, Float64Array, StringArray, UInt64Array};
    use std::sync::Arc;
    let file_a = |d: usize| ca.files[ca.ids[d].0 as usize].as_str();
    let file_b = |d: usize| cb.files[cb.ids[d].0 as usize].as_str();
    arrow::array::RecordBatch::try_from_iter([
        (
            "file_a",
            Arc::new(StringArray::from_iter_values(
                pairs.iter().map(|p| file_a(p.a)),
            )) as ArrayRef,
        ),
        (
            "row_a",
            Arc::new(UInt64Array::from_iter_values(
                pairs.iter().map(|p| ca.ids[p.a].1),
            )) as ArrayRef,
        ),
        (
            "file_b",
            Arc::new(StringArray::from_iter_values(
                pairs.iter().map(|p| file_b(p.b)),
            )) as ArrayRef,
        ),
        (
            "row_b",
            Arc::new(UInt64Array::from_iter_values(
                pairs.iter().map(|p| cb.ids[p.b].1),
            )) as ArrayRef,
        ),
        (
            "kind",
            Arc::new(StringArray::from_iter_values(pairs.iter().map(|p| {
                if p.exact_copy {
                    "exact"
                } else {
                    "near"
                }
            }))) as ArrayRef,
        ),
        (
            "estimate",
            Arc::new(Float64Array::from_iter_values(
                pairs.iter().map(|p| p.estimate),
            )) as ArrayRef,
        ),
        (
            "jaccard",
            Arc::new(Float64Array::from(
                pairs.iter().map(|p| p.jaccard).collect::<Vec<_>>(),
            )) as ArrayRef,
        ),
    ])
    .expect("columns of one length")
}

/// Cluster membership as a table: `cluster, file, row, size, kept` (one row per document in a
/// cluster of two or more; `kept` marks the representative).
pub fn cluster_batch(c: &Corpus, d: &Dedup) -> arrow::array::RecordBatch {
    use arrow::array::{ArrayRef, BooleanArray, StringArray, UInt64Array};
    use std::sync::Arc;
    let mut size = std::collections::HashMap::new();
    for k in d.cluster.iter().flatten() {
        *size.entry(*k).or_insert(0u64) += 1;
    }
    let docs: Vec<usize> = (0..d.cluster.len())
        .filter(|&i| d.cluster[i].is_some())
        .collect();
    let mut docs = docs;
    docs.sort_by_key(|&i| (d.cluster[i], i));
    arrow::array::RecordBatch::try_from_iter([
        (
            "cluster",
            Arc::new(UInt64Array::from_iter_values(
                docs.iter().map(|&i| d.cluster[i].unwrap() as u64),
            )) as ArrayRef,
        ),
        (
            "file",
            Arc::new(StringArray::from_iter_values(
                docs.iter().map(|&i| c.files[c.ids[i].0 as usize].as_str()),
            )) as ArrayRef,
        ),
        (
            "row",
            Arc::new(UInt64Array::from_iter_values(
                docs.iter().map(|&i| c.ids[i].1),
            )) as ArrayRef,
        ),
        (
            "size",
            Arc::new(UInt64Array::from_iter_values(
                docs.iter().map(|&i| size[&d.cluster[i].unwrap()]),
            )) as ArrayRef,
        ),
        (
            "kept",
            Arc::new(BooleanArray::from(
                docs.iter().map(|&i| d.keep[i]).collect::<Vec<_>>(),
            )) as ArrayRef,
        ),
    ])
    .expect("columns of one length")
}

/// Write the rows of `paths` that `keep` marks (in corpus order) to `out` as Parquet: every
/// column of the input, one representative per cluster. The files' columns are joined as
/// `datassay profile` joins them (see `source::dataset`); a file that does not fit is an error
/// before anything is written.
pub fn write_kept(paths: &[PathBuf], keep: &[bool], read: &ReadOptions, out: &Path) -> Result<u64> {
    let (files, layouts, schema) = kept_schema(paths, read)?;
    let werr = |e: String| Error::Write {
        path: out.to_path_buf(),
        source: std::io::Error::other(e),
    };
    // Written beside the target and renamed over it at the end: a failure leaves any previous
    // file whole, and an input named as the output is read completely before it is replaced.
    let target = crate::util::output::OutputFile::create(out)?;
    let mut w = parquet::arrow::ArrowWriter::try_new(target, std::sync::Arc::new(schema), None)
        .map_err(|e| werr(e.to_string()))?;
    let mut at = 0usize;
    let mut written = 0u64;
    for (f, layout) in files.iter().zip(&layouts) {
        for b in f.batches(None)? {
            let b = layout.conform(b?, &f.path)?;
            let n = b.num_rows();
            let mask = arrow::array::BooleanArray::from(keep[at..at + n].to_vec());
            at += n;
            let kept =
                arrow::compute::filter_record_batch(&b, &mask).map_err(|e| werr(e.to_string()))?;
            written += kept.num_rows() as u64;
            w.write(&kept)
                .map_err(|e| werr(format!("{}: {e}", f.path.display())))?;
        }
    }
    w.into_inner().map_err(|e| werr(e.to_string()))?.commit()?;
    Ok(written)
}

/// The files under `paths` opened with their whole files' types (every column is written out,
/// so no later value may be truncated or key dropped), each one's layout, and the joined
/// schema; an error names the first file whose columns do not fit.
#[allow(clippy::type_complexity)]
pub(super) fn kept_schema(
    paths: &[PathBuf],
    read: &ReadOptions,
) -> Result<(
    Vec<SourceFile>,
    Vec<crate::source::dataset::Layout>,
    arrow::datatypes::Schema,
)> {
    let (names, _) = expand(paths);
    let read = &read.whole_file_types();
    let files = names
        .iter()
        .map(|p| SourceFile::open(p, read))
        .collect::<Result<Vec<_>>>()?;
    let mut misfits = Vec::new();
    let (schema, fitting) = crate::source::dataset::fit(files, &mut misfits);
    if let Some(e) = misfits.into_iter().next() {
        return Err(match e {
            Error::SchemaMismatch {
                path,
                reference,
                message,
            } => Error::SchemaMismatch {
                path,
                reference,
                message: format!("the deduplicated rows are written as one table: {message}"),
            },
            e => e,
        });
    }
    let (files, layouts) = fitting.into_iter().unzip();
    Ok((files, layouts, schema))
}

/// Check, before any work, that the rows of the files under `paths` can be written as one
/// table (their columns join); the error names the first file that does not fit and why.
pub fn check_one_schema(paths: &[PathBuf], read: &ReadOptions) -> Result<()> {
    kept_schema(paths, read).map(|_| ())
}
