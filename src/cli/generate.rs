//! `datassay generate`: synthetic tables, text corpora, embeddings and image folders with planted
//! defects, to try datassay on.

use super::{Failure, EXIT_INPUT};
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct GenerateArgs {
    /// Output path. A table or a text corpus: .parquet, .csv or .jsonl (by extension); embeddings
    /// (--dim): .npy or .parquet; images (--images): a folder (created; it must be empty).
    pub path: PathBuf,
    /// Rows (vectors, documents) to write, at least 1.
    #[arg(long, default_value_t = 10_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub rows: u64,
    /// Write embeddings of this dimension instead of a table.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=65_536))]
    pub dim: Option<u64>,
    /// Embeddings: planted outliers (far from every cluster).
    #[arg(long, default_value_t = 0, requires = "dim")]
    pub outliers: usize,
    /// Embeddings: planted near-duplicates (noisy copies of other rows); with the outliers, fewer
    /// than the rows (each duplicate copies a clean row).
    #[arg(long, default_value_t = 0, requires = "dim")]
    pub duplicates: usize,
    /// Write a text corpus with planted exact and near-duplicates instead (columns id, text,
    /// planted, source): ~4% exact copies, ~12% edited copies at edit rates 0.5% to 30%.
    #[arg(long, conflicts_with = "dim")]
    pub docs: bool,
    /// Write a text corpus with planted PII and secrets instead (columns id, text, and the
    /// planted count of each kind: email, phone, payment_card, iban, ip_address, secret), with
    /// look-alikes that must not match: to measure `profile --pii`.
    #[arg(long, conflicts_with_all = ["dim", "docs"])]
    pub pii: bool,
    /// Write a folder of exactly N images (at least 15) with planted defects and duplicates
    /// instead (PNG, JPEG, BMP; `truth.csv` lists what each file is).
    #[arg(long, conflicts_with_all = ["dim", "docs", "rows", "pii"], value_name = "N", value_parser = clap::value_parser!(u64).range(..=1_000_000))]
    pub images: Option<u64>,
    /// Images: the range of the originals' widths and heights, MIN-MAX pixels.
    #[arg(long, default_value = "160-479", value_name = "MIN-MAX", value_parser = parse_sides, requires = "images")]
    pub image_sides: (u32, u32),
    /// Images: every original a JPEG (quality 92), as photo corpora are; by default one in
    /// three, the rest PNG.
    #[arg(long, requires = "images")]
    pub jpeg_only: bool,
    /// Text corpus: mean words per document (at least 1).
    #[arg(long, default_value_t = 150, requires = "docs", value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub words: u64,
    /// Images: write into a folder that already holds files (generated names may replace
    /// files there).
    #[arg(long, requires = "images")]
    pub force: bool,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

/// `MIN-MAX` pixels, 40 ≤ MIN ≤ MAX ≤ 8192.
fn parse_sides(s: &str) -> Result<(u32, u32), String> {
    let (a, b) = s
        .split_once('-')
        .ok_or_else(|| format!("`{s}`: expected MIN-MAX, e.g. 160-479"))?;
    let p = |v: &str| {
        v.trim()
            .parse::<u32>()
            .map_err(|e| format!("`{v}` in `{s}`: {e}"))
    };
    let (a, b) = (p(a)?, p(b)?);
    if !(40..=8192).contains(&a) || a > b || b > 8192 {
        return Err(format!("`{s}`: need 40 <= MIN <= MAX <= 8192"));
    }
    Ok((a, b))
}

/// Long because it is one arm per generated kind (table, text, images, vectors), each a few lines
/// of options and a write.
pub fn run(a: GenerateArgs) -> Result<i32, Failure> {
    if let Some(n) = a.images {
        let n = n as usize;
        use datassay::images::synthetic::MIN_IMAGES;
        if n < MIN_IMAGES {
            return Err(Failure(
                EXIT_INPUT,
                format!("invalid option: --images {n}: at least {MIN_IMAGES} (two originals, one of each planted kind, three broken files)"),
            ));
        }
        if a.path.is_file() {
            return Err(Failure(
                EXIT_INPUT,
                format!(
                    "{}: a file; images are written into a folder",
                    a.path.display()
                ),
            ));
        }
        let occupied = std::fs::read_dir(&a.path).is_ok_and(|mut d| d.next().is_some());
        if occupied && !a.force {
            return Err(Failure(
                EXIT_INPUT,
                format!(
                    "{}: the folder is not empty and generated files could replace files there; give a new or empty folder (or --force)",
                    a.path.display()
                ),
            ));
        }
        let o = datassay::images::synthetic::SynthOptions {
            min_side: a.image_sides.0,
            max_side: a.image_sides.1,
            jpeg_only: a.jpeg_only,
        };
        let files = datassay::images::synthetic::generate_with(&a.path, n, a.seed, &o)?;
        eprintln!(
            "wrote {} images to {} (truth.csv says what each is)",
            files.len(),
            a.path.display()
        );
        return Ok(0);
    }
    let rows = usize::try_from(a.rows).map_err(|_| {
        Failure(
            EXIT_INPUT,
            format!("invalid option: --rows {} is too large", a.rows),
        )
    })?;
    if a.dim.is_none() {
        // Tables and corpora: the format the extension names, checked before any work.
        datassay::util::output::table_format(&a.path)?;
    }
    datassay::util::output::check(&[a.path.as_path()], &[], false)?;
    if a.pii {
        let batch = datassay::metrics::pii::synthetic::corpus(rows, a.seed);
        datassay::util::output::write_table(&a.path, [batch])?;
        eprintln!(
            "wrote {rows} texts with planted PII to {} (the count columns say what each holds)",
            a.path.display()
        );
        return Ok(0);
    }
    if a.docs {
        use arrow::array::{ArrayRef, StringArray, UInt64Array};
        use datassay::dedup::synthetic::{corpus, Planted};
        // Shards of up to SHARD documents, generated and written one at a time so memory stays
        // bounded; copies and edits take their source within their shard. The first shard uses
        // the seed itself, so corpora of up to SHARD documents do not depend on the sharding.
        const SHARD: usize = 1_000_000;
        let shard = |k: usize| {
            let first = k * SHARD;
            let n = SHARD.min(rows - first);
            let (docs, kind) = corpus(
                n,
                a.words as usize,
                0.04,
                0.12,
                &[0.005, 0.01, 0.02, 0.05, 0.1, 0.3],
                if k == 0 {
                    a.seed
                } else {
                    // Mixed, so shards are unrelated streams (a plain offset of a SplitMix64 seed
                    // can land one step along the first shard's stream).
                    datassay::bench::Rng::new(a.seed.wrapping_add(k as u64)).next_u64()
                },
            );
            arrow::array::RecordBatch::try_from_iter([
                (
                    "id",
                    std::sync::Arc::new(UInt64Array::from_iter_values(
                        first as u64..(first + n) as u64,
                    )) as ArrayRef,
                ),
                (
                    "text",
                    std::sync::Arc::new(StringArray::from(docs)) as ArrayRef,
                ),
                (
                    "planted",
                    std::sync::Arc::new(StringArray::from_iter_values(kind.iter().map(
                        |k| match k {
                            Planted::Original => "original",
                            Planted::Copy(_) => "copy",
                            Planted::Edit(_) => "edit",
                        },
                    ))) as ArrayRef,
                ),
                (
                    "source",
                    std::sync::Arc::new(UInt64Array::from(
                        kind.iter()
                            .map(|k| match k {
                                Planted::Copy(s) | Planted::Edit(s) => Some((first + *s) as u64),
                                Planted::Original => None,
                            })
                            .collect::<Vec<_>>(),
                    )) as ArrayRef,
                ),
            ])
            .expect("columns of one length")
        };
        datassay::util::output::write_table(&a.path, (0..rows.div_ceil(SHARD)).map(shard))?;
        eprintln!("wrote {rows} documents to {} (column `planted` marks copies and edits, `source` their original)", a.path.display());
        return Ok(0);
    }
    let Some(dim) = a.dim else {
        let batches = datassay::bench::synthetic_batch_iter(rows, a.seed);
        datassay::util::output::write_table(&a.path, batches)?;
        eprintln!("wrote {rows} rows to {}", a.path.display());
        return Ok(0);
    };
    let dim = dim as usize;
    if a.outliers + a.duplicates >= rows {
        return Err(Failure(
            EXIT_INPUT,
            format!(
                "invalid option: --outliers {} and --duplicates {} leave no clean row of --rows {rows} to copy: plant fewer than the rows",
                a.outliers, a.duplicates
            ),
        ));
    }
    if rows.checked_mul(dim).is_none_or(|v| v > 1 << 34) {
        return Err(Failure(
            EXIT_INPUT,
            format!("invalid option: --rows {rows} x --dim {dim} is more than 2^34 values (64 GiB of float32)"),
        ));
    }
    use datassay::embed::synthetic;
    let npy = match super::extension(&a.path).as_str() {
        "npy" => true,
        "parquet" => false,
        _ => {
            return Err(Failure(
                EXIT_INPUT,
                format!(
                    "{}: embeddings are written as .npy or .parquet",
                    a.path.display()
                ),
            ))
        }
    };
    let (x, kind) = synthetic::synthetic(rows, dim, a.outliers, a.duplicates, a.seed);
    if npy {
        synthetic::write_npy(&a.path, &x, dim)?;
    } else {
        datassay::bench::write_parquet(&a.path, &[synthetic::table(&x, dim, &kind)])?;
    }
    let planted = |k: &str| kind.iter().filter(|p| p.name() == k).count();
    eprintln!(
        "wrote {rows} vectors of dimension {dim} to {} ({} planted outliers, {} planted near-duplicates{})",
        a.path.display(),
        planted("outlier"),
        planted("duplicate"),
        if a.path.extension().is_some_and(|e| e == "parquet") { "; column `planted` says which" } else { "" }
    );
    Ok(0)
}
