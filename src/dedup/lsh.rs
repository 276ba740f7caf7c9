//! Candidate pairs by locality-sensitive hashing: band keys of the signatures, sorted (in memory
//! or spilled), and the pairs that share one.

use super::spill::{BandKeys, SigStore};
use super::DedupOptions;
use crate::error::{Error, Result};
use crate::metrics::minhash::{self};
use rayon::prelude::*;

/// A duplicate pair: documents (indices into the corpus, or into the two corpora with
/// `--against`), how they were found, and their estimated (and, with `Verify::Exact`, exact)
/// Jaccard similarity.
#[derive(Clone, Debug, PartialEq)]
pub struct Pair {
    /// The earlier document (with `--against`, the one of the first corpus).
    pub a: usize,
    /// The later document (with `--against`, the one of the second corpus).
    pub b: usize,
    /// Whether their normalised texts are equal (found by hash, not by LSH).
    pub exact_copy: bool,
    /// Jaccard similarity estimated from the MinHash signatures (1 for an exact copy).
    pub estimate: f64,
    /// The exact Jaccard similarity of their shingle sets with `Verify::Exact`; `None`
    /// otherwise.
    pub jaccard: Option<f64>,
}

/// 64-bit key of one band of a signature (the band's index is mixed in, so equal values in
/// different bands never collide): MurmurHash3 of the band index and values, little-endian,
/// with two seeds.
pub(super) fn band_key(band: usize, vals: &[u32]) -> u64 {
    let len = 4 + 4 * vals.len();
    let mut small = [0u8; 4 + 4 * 32];
    let mut large = Vec::new();
    let bytes: &mut [u8] = if len <= small.len() {
        &mut small[..len]
    } else {
        large.resize(len, 0);
        &mut large
    };
    bytes[..4].copy_from_slice(&(band as u32).to_le_bytes());
    for (b, v) in bytes[4..].chunks_exact_mut(4).zip(vals) {
        b.copy_from_slice(&v.to_le_bytes());
    }
    (minhash::murmur3_32(bytes, 0x2545_f491) as u64) << 32
        | minhash::murmur3_32(bytes, 0x9e37_79b9) as u64
}

/// Documents signed per step of the LSH key pass.
pub(super) const KEY_CHUNK: usize = 1 << 16;

/// The LSH entries of every band for the documents of each `(store, take, tag)` with
/// `take[d]`, as `(key, d | tag)`: one pass over the signatures (read back from disk where they
/// were spilled), buffered and spilled under the options' key budget.
pub(super) fn lsh_keys(
    sets: &[(&SigStore, &[bool], u32)],
    perms: usize,
    bands: usize,
    rows: usize,
    opts: &DedupOptions,
) -> Result<BandKeys> {
    let mut keys = BandKeys::new(bands, opts.key_budget(), opts.spill_dir.clone());
    for &(store, take, tag) in sets {
        store.chunks(KEY_CHUNK, |first, sigs| {
            let n = sigs.len() / perms;
            let mut flat = vec![0u64; n * bands];
            crate::util::pool::install(|| {
                flat.par_chunks_mut(bands)
                    .zip(sigs.par_chunks(perms))
                    .enumerate()
                    .filter(|(i, _)| take[first + i])
                    .for_each(|(_, (k, s))| {
                        for (b, k) in k.iter_mut().enumerate() {
                            *k = band_key(b, &s[b * rows..][..rows]);
                        }
                    })
            });
            let per_band = (0..bands)
                .map(|b| {
                    (0..n)
                        .filter(|&i| take[first + i])
                        .map(|i| (flat[i * bands + b], (first + i) as u32 | tag))
                        .collect()
                })
                .collect();
            keys.push(per_band)
        })?;
    }
    Ok(keys)
}

/// Fails when a corpus has more documents than LSH entries can name (`limit`).
pub(super) fn check_size(docs: usize, limit: u64) -> Result<()> {
    if docs as u64 > limit {
        return Err(Error::Option(format!(
            "{docs} documents: one run compares at most {limit}; split the corpus"
        )));
    }
    Ok(())
}
