//! Documents of a second set (a test set) that copy or nearly copy documents of the first.

use super::corpus::Corpus;
use super::lsh::{check_size, lsh_keys, Pair};
use super::outputs::doc_name;
use super::spill::Entry;
use super::{check, DedupOptions, DedupSeconds, Method, Verify};
use crate::error::Result;
use crate::metrics::minhash::{self};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// A listed contaminated document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Contaminated {
    /// `file:row` in the second (test) set.
    pub document: String,
    /// Its duplicate in the first (training) set.
    pub duplicate_of: String,
    /// `exact` for a copy of the normalised text, `near` for a near duplicate.
    pub kind: String,
    /// MinHash estimate of their Jaccard similarity (1 for an exact copy).
    pub estimate: f64,
}

/// What `datassay dedup TRAIN --against TEST` found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContaminationReport {
    /// The files of the first (training) set.
    pub files: Vec<String>,
    /// The files of the second (test) set.
    pub against: Vec<String>,
    /// The text column compared.
    pub column: String,
    /// Documents of the first set, null ones included.
    pub documents: u64,
    /// Documents of the second set, null ones included.
    pub against_documents: u64,
    /// Documents of the second set with an exact or near duplicate in the first.
    pub contaminated: u64,
    /// Contaminated documents that are exact copies (of the normalised text).
    pub exact: u64,
    /// Contaminated documents that are near duplicates only.
    pub near: u64,
    /// contaminated / non-empty documents of the second set.
    pub contaminated_fraction: f64,
    /// How documents were compared (flattened into the JSON object).
    #[serde(flatten)]
    pub method: Method,
    /// Up to 20 contaminated documents.
    pub sample: Vec<Contaminated>,
    /// Bytes of signatures and LSH keys written to temporary files under `--memory-limit`.
    #[serde(default)]
    pub spilled_bytes: u64,
    /// Seconds per phase, both sets together.
    pub seconds: DedupSeconds,
    /// Notices of the run (a fall-back from the GPU, say), from both sets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<String>,
}

/// Train-set members checked per LSH bucket for each test document.
pub(super) const AGAINST_PER_BUCKET: usize = 8;

/// The documents of `test` that have an exact or near duplicate in `train`: the report, one pair
/// per contaminated test document (`a` in `train`, `b` in `test`), and a keep mask of `test`
/// (false for contaminated documents).
///
/// Long because it is the steps of `dedup` across two corpora (exact matches, LSH keys of both,
/// candidates across them, verification), sharing the keys and the pair list.
pub fn contamination(
    train: &Corpus,
    test: &Corpus,
    opts: &DedupOptions,
    read_seconds: f64,
) -> Result<(ContaminationReport, Vec<Pair>, Vec<bool>)> {
    check(opts)?;
    let t0 = std::time::Instant::now();
    let usable = |c: &Corpus, i: usize| c.usable[i];
    // Exact: the first training document of each normalised text.
    let mut first: std::collections::HashMap<u64, usize> = std::collections::HashMap::new();
    for i in (0..train.ids.len()).filter(|&i| usable(train, i)) {
        first.entry(train.exact[i].unwrap()).or_insert(i);
    }
    let mut pairs = Vec::new();
    let mut found = vec![false; test.ids.len()];
    for j in (0..test.ids.len()).filter(|&j| usable(test, j)) {
        if let Some(&i) = first.get(&test.exact[j].unwrap()) {
            found[j] = true;
            pairs.push(Pair {
                a: i,
                b: j,
                exact_copy: true,
                estimate: 1.0,
                jaccard: (opts.verify == Verify::Exact).then_some(1.0),
            });
        }
    }
    let exact = pairs.len() as u64;
    // Near: LSH over the training representatives and the rest of the test set (bit 31 of an
    // entry's document marks the test set, so in a bucket the training members come first).
    const TEST: u32 = 1 << 31;
    check_size(train.ids.len().max(test.ids.len()), TEST as u64 - 1)?;
    let mut is_rep = vec![false; train.ids.len()];
    for &i in first.values() {
        is_rep[i] = true;
    }
    let rest: Vec<bool> = (0..test.ids.len())
        .map(|j| usable(test, j) && !found[j])
        .collect();
    let notices = [train.notices.clone(), test.notices.clone()].concat();
    let t1 = std::time::Instant::now();
    let (bands, rows) = minhash::lsh_params(opts.threshold, opts.perms);
    let p = opts.perms;
    let keys = lsh_keys(
        &[(&train.sigs, &is_rep, 0), (&test.sigs, &rest, TEST)],
        p,
        bands,
        rows,
        opts,
    )?;
    let key_bytes = keys.spilled().1;
    let mut cands = keys.buckets(|run: &[Entry], out: &mut Vec<(usize, usize)>| {
        let split = run.partition_point(|x| x.1 & TEST == 0);
        let (tr, te) = run.split_at(split);
        for &(_, j) in te {
            for &(_, i) in tr.iter().take(AGAINST_PER_BUCKET) {
                out.push((i as usize, (j & !TEST) as usize));
            }
        }
    })?;
    crate::util::pool::install(|| cands.par_sort_unstable_by_key(|&(i, j)| (j, i)));
    cands.dedup();
    // The best verified training match per test document.
    let verified: Vec<Pair> = cands
        .par_chunk_by(|x, y| x.1 == y.1)
        .map_init(
            || (Vec::new(), Vec::new()),
            |(ba, bb), group| -> Result<Option<Pair>> {
                let mut best: Option<Pair> = None;
                for &(i, j) in group {
                    let est = minhash::estimate(train.sigs.get(i, ba)?, test.sigs.get(j, bb)?);
                    let jac = (opts.verify == Verify::Exact)
                        .then(|| minhash::jaccard(&train.shingles[i], &test.shingles[j]));
                    if jac.unwrap_or(est) < opts.threshold {
                        continue;
                    }
                    // The highest estimate wins; among equals, the first training document.
                    if best.as_ref().is_none_or(|b| est > b.estimate) {
                        best = Some(Pair {
                            a: i,
                            b: j,
                            exact_copy: false,
                            estimate: est,
                            jaccard: jac,
                        });
                    }
                }
                Ok(best)
            },
        )
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect();
    for q in &verified {
        found[q.b] = true;
    }
    let near = verified.len() as u64;
    pairs.extend(verified);
    pairs.sort_by_key(|q| q.b);
    let considered = (0..test.ids.len()).filter(|&j| usable(test, j)).count() as u64;
    let sample = pairs
        .iter()
        .take(20)
        .map(|q| Contaminated {
            document: doc_name(test, q.b),
            duplicate_of: doc_name(train, q.a),
            kind: if q.exact_copy {
                "exact".into()
            } else {
                "near".into()
            },
            estimate: q.estimate,
        })
        .collect();
    let report = ContaminationReport {
        files: train.files.clone(),
        against: test.files.clone(),
        column: opts.column.clone(),
        documents: train.ids.len() as u64,
        against_documents: test.ids.len() as u64,
        contaminated: exact + near,
        exact,
        near,
        contaminated_fraction: if considered == 0 {
            0.0
        } else {
            (exact + near) as f64 / considered as f64
        },
        method: Method::new(opts, bands, rows, train.device.clone()),
        sample,
        spilled_bytes: train.sigs.spilled_bytes() + test.sigs.spilled_bytes() + key_bytes,
        seconds: DedupSeconds {
            read: (read_seconds - train.sig_seconds - test.sig_seconds).max(0.0),
            signatures: train.sig_seconds + test.sig_seconds,
            lsh: t1.elapsed().as_secs_f64(),
            total: read_seconds + t0.elapsed().as_secs_f64(),
        },
        notices,
    };
    let keep = found.iter().map(|&f| !f).collect();
    Ok((report, pairs, keep))
}
