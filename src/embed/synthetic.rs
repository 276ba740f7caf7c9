//! Synthetic embeddings with planted defects, for tests, benchmarks and `datassay generate
//! --embeddings`: vectors drawn around 32 cluster centres of uneven spread (dense and loose
//! clusters, as real embedding spaces have), plus
//! - planted **outliers**: points drawn from a broad Gaussian, far from every cluster;
//! - planted **near-duplicates**: copies of cluster points with noise of 0.1% of the cluster spread
//!   (cosine similarity above 0.999 to their original).

use crate::error::{Error, Result};
use crate::util::rng::Rng;
use arrow::array::{
    ArrayRef, FixedSizeListArray, Float32Array, RecordBatch, StringArray, UInt64Array,
};
use arrow::datatypes::{DataType, Field};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

/// What a generated row is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Planted {
    Clean,
    Outlier,
    /// A near-copy of the given row.
    Duplicate(u64),
}

impl Planted {
    pub fn name(self) -> &'static str {
        match self {
            Planted::Clean => "clean",
            Planted::Outlier => "outlier",
            Planted::Duplicate(_) => "duplicate",
        }
    }
}

/// `n × dim` vectors (row-major) and what each row is. Outliers and duplicates sit at seeded
/// random rows.
pub fn synthetic(
    n: usize,
    dim: usize,
    outliers: usize,
    duplicates: usize,
    seed: u64,
) -> (Vec<f32>, Vec<Planted>) {
    let mut r = Rng::new(seed);
    let centres: Vec<(Vec<f64>, f64)> = (0..32)
        .map(|c| {
            let centre = (0..dim).map(|_| r.normal()).collect();
            // Spreads from 0.3 to 0.8 of a unit, alternating dense and loose clusters.
            (centre, 0.3 + 0.5 * ((c * 7) % 32) as f64 / 31.0)
        })
        .collect();
    let mut kind = vec![Planted::Clean; n];
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        order.swap(i, (r.next_u64() % (i as u64 + 1)) as usize);
    }
    let outliers = outliers.min(n);
    let duplicates = duplicates.min(n - outliers);
    for &i in &order[..outliers] {
        kind[i] = Planted::Outlier;
    }
    let mut x = vec![0f32; n * dim];
    let mut spread = vec![0f64; n];
    for i in 0..n {
        let row = &mut x[i * dim..][..dim];
        if kind[i] == Planted::Outlier {
            for v in row.iter_mut() {
                *v = (r.normal() * 6.0) as f32;
            }
        } else {
            let (c, s) = &centres[(r.next_u64() % 32) as usize];
            spread[i] = *s;
            for (v, m) in row.iter_mut().zip(c) {
                *v = (m + r.normal() * s) as f32;
            }
        }
    }
    // Duplicates overwrite their rows with a near-copy of a clean row that is not itself
    // overwritten, so every planted pair stays a pair.
    let dup_rows: Vec<usize> = order[outliers..outliers + duplicates].to_vec();
    for &i in &dup_rows {
        kind[i] = Planted::Duplicate(u64::MAX);
    }
    let clean: Vec<usize> = (0..n).filter(|&i| kind[i] == Planted::Clean).collect();
    for &i in &dup_rows {
        if clean.is_empty() {
            kind[i] = Planted::Clean;
            continue;
        }
        let src = clean[(r.next_u64() % clean.len() as u64) as usize];
        kind[i] = Planted::Duplicate(src as u64);
        for d in 0..dim {
            x[i * dim + d] = (x[src * dim + d] as f64 + r.normal() * spread[src] * 1e-3) as f32;
        }
    }
    (x, kind)
}

/// Write a float32 matrix as `.npy` (version 1, little-endian, C order).
pub fn write_npy(path: &Path, x: &[f32], dim: usize) -> Result<()> {
    let werr = |e| Error::Write {
        path: path.to_path_buf(),
        source: e,
    };
    let mut h = format!(
        "{{'descr': '<f4', 'fortran_order': False, 'shape': ({}, {}), }}",
        x.len() / dim.max(1),
        dim
    );
    while (10 + h.len() + 1) % 64 != 0 {
        h.push(' ');
    }
    h.push('\n');
    let mut out = crate::util::output::OutputFile::create(path)?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, &mut out);
    w.write_all(b"\x93NUMPY\x01\x00").map_err(werr)?;
    w.write_all(&(h.len() as u16).to_le_bytes()).map_err(werr)?;
    w.write_all(h.as_bytes()).map_err(werr)?;
    for v in x {
        w.write_all(&v.to_le_bytes()).map_err(werr)?;
    }
    w.flush().map_err(werr)?;
    drop(w);
    out.commit()
}

/// The vectors as a table: `id` (u64), `embedding` (`fixed_size_list<float32>`), `planted`
/// (`clean`, `outlier`, `duplicate`), `duplicate_of` (row, or null).
pub fn table(x: &[f32], dim: usize, kind: &[Planted]) -> RecordBatch {
    let n = kind.len();
    let item = Arc::new(Field::new("item", DataType::Float32, true));
    let emb = FixedSizeListArray::new(
        item,
        dim as i32,
        Arc::new(Float32Array::from(x.to_vec())),
        None,
    );
    RecordBatch::try_from_iter([
        (
            "id",
            Arc::new(UInt64Array::from_iter_values(0..n as u64)) as ArrayRef,
        ),
        ("embedding", Arc::new(emb) as ArrayRef),
        (
            "planted",
            Arc::new(StringArray::from_iter_values(kind.iter().map(|k| k.name()))) as ArrayRef,
        ),
        (
            "duplicate_of",
            Arc::new(UInt64Array::from(
                kind.iter()
                    .map(|k| match k {
                        Planted::Duplicate(s) => Some(*s),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            )) as ArrayRef,
        ),
    ])
    .expect("columns of one length")
}
