//! Exact and near-duplicate documents of a text column: normalised-text hashes for exact copies,
//! MinHash + LSH ([`crate::metrics::minhash`]) for near ones, clusters by union-find.
//!
//! The pipeline:
//! 1. Each document is normalised and cut into shingles, and its MinHash signature computed as
//!    the batch it came in is read (GPU kernel or all cores); only the signature is kept (and the
//!    shingle set with `Verify::Exact`), so memory grows by ~0.5 KB per document, not by text.
//! 2. A 64-bit hash of the normalised text (two independent MurmurHash3 halves) groups exact
//!    copies; only the first of each group goes on (exact copies never burden LSH).
//! 3. LSH: the signature is cut into `bands` bands of `rows` values (from the threshold, see
//!    [`crate::metrics::minhash::lsh_params`]); documents whose band hashes to the same 64-bit
//!    key in some band are candidates. Keys are grouped by sorting `(key, doc)` pairs per band.
//! 4. Verification: a candidate pair counts when its estimated Jaccard (fraction of equal
//!    signature values) is at least the threshold, or with `Verify::Exact` when the exact
//!    Jaccard of the shingle sets is. Within a bucket each member is checked against the bucket's
//!    first member and, failing that, against the previous one: linear work in bucket size, at
//!    the cost of possibly missing a pair whose link runs only through a third member that fails
//!    both checks.
//! 5. Union-find over exact and near links gives clusters; the first document of a cluster (in
//!    input order) represents it.

use crate::error::{Error, Result};
use crate::metrics::minhash::{self, Normalize, Shingle};
use crate::source::ReadOptions;
use rayon::prelude::*;
use std::path::PathBuf;

mod contamination;
mod corpus;
mod lsh;
mod outputs;
pub mod spill;
#[doc(hidden)]
pub mod synthetic;

pub use crate::profile::near_duplicates::{
    ClusterSample, DedupReport, DedupSeconds, Method, Verify,
};

pub use contamination::{contamination, Contaminated, ContaminationReport};
pub use corpus::{
    exact_hash, read_corpus, read_corpus_progress, sign_documents, Corpus, SignedDocs,
};
pub use lsh::Pair;
pub use outputs::{
    check_one_schema, cluster_batch, cross_pair_batch, doc_name, pair_batch, write_kept,
};

use lsh::{check_size, lsh_keys};
use spill::Entry;

/// Options of a deduplication run.
#[derive(Clone, Debug)]
pub struct DedupOptions {
    /// The text column.
    pub column: String,
    /// How text is normalised before shingling and exact-copy hashing.
    pub normalize: Normalize,
    /// What a shingle is: `n` consecutive words or characters.
    pub shingle: Shingle,
    /// MinHash permutations: the length of each signature.
    pub perms: usize,
    /// Jaccard threshold of near-duplicates.
    pub threshold: f64,
    /// How candidate pairs are confirmed.
    pub verify: Verify,
    /// How the files are read (batch size, CSV options, format).
    pub read: ReadOptions,
    /// Where the signatures are computed.
    pub device: crate::Device,
    /// Memory to stay within (`None`: no limit): 40% of it holds signatures and 20% LSH keys,
    /// whose excess goes to temporary files; the rest is left to what is not spilled
    /// (per-document ids, hashes and clusters, about 80 bytes a document at the peak, and the
    /// batches being read).
    pub memory_limit: Option<u64>,
    /// Where spilled data goes (`None`: the system's temporary directory).
    pub spill_dir: Option<PathBuf>,
}

impl DedupOptions {
    fn sig_budget(&self) -> Option<u64> {
        self.memory_limit.map(|l| l / 5 * 2)
    }
    fn key_budget(&self) -> Option<u64> {
        self.memory_limit.map(|l| l / 5)
    }
}

impl Default for DedupOptions {
    fn default() -> Self {
        DedupOptions {
            column: String::new(),
            normalize: Normalize::default(),
            shingle: Shingle::default(),
            perms: minhash::DEFAULT_PERMS,
            threshold: 0.8,
            verify: Verify::Signature,
            read: ReadOptions::default(),
            device: crate::Device::Auto,
            memory_limit: None,
            spill_dir: None,
        }
    }
}

/// The outcome of a run: the report, the confirmed pairs, each document's cluster and whether
/// it is kept (the first of its cluster, or in none).
#[derive(Clone, Debug)]
pub struct Dedup {
    /// What the run found.
    pub report: DedupReport,
    /// The confirmed pairs: exact copies and near-duplicates.
    pub pairs: Vec<Pair>,
    /// Each document's cluster id (in input order); `None` for a document in no cluster.
    pub cluster: Vec<Option<u32>>,
    /// Whether each document is kept: the first of its cluster, or in no cluster.
    pub keep: Vec<bool>,
}

fn shingle_name(s: Shingle) -> String {
    match s {
        Shingle::Words(n) => format!("words:{n}"),
        Shingle::Chars(n) => format!("chars:{n}"),
    }
}

impl Method {
    fn new(opts: &DedupOptions, bands: usize, rows: usize, device: String) -> Method {
        Method {
            threshold: opts.threshold,
            perms: opts.perms as u64,
            bands: bands as u64,
            rows_per_band: rows as u64,
            shingle: shingle_name(opts.shingle),
            verify: opts.verify,
            device,
        }
    }
}

fn check(opts: &DedupOptions) -> Result<()> {
    if !(opts.threshold > 0.0 && opts.threshold <= 1.0) {
        return Err(Error::InvalidOption {
            option: "threshold",
            message: format!("{} must be a Jaccard similarity in (0, 1]", opts.threshold),
        });
    }
    if !(1..=1024).contains(&opts.perms) {
        return Err(Error::InvalidOption {
            option: "perms",
            message: format!("{} must be 1 to 1024", opts.perms),
        });
    }
    Ok(())
}

/// Find the exact and near-duplicate documents of `c`.
///
/// Long because it is the numbered steps of one run (exact copies, signatures, LSH candidates,
/// verification, clusters) sharing the union-find and the pair list; the steps are marked in place.
pub fn dedup(c: &Corpus, opts: &DedupOptions, read_seconds: f64) -> Result<Dedup> {
    check(opts)?;
    if c.perms != opts.perms {
        return Err(Error::Option(format!(
            "the corpus was signed with {} permutations, the options ask for {}",
            c.perms, opts.perms
        )));
    }
    let t0 = std::time::Instant::now();
    let n = c.ids.len();
    let mut dsu = crate::util::union_find::UnionFind::new(n);
    let mut pairs = Vec::new();
    // 1. Exact copies of the normalised text.
    let mut by_hash: Vec<(u64, usize)> = (0..n)
        .filter(|&i| c.usable[i])
        .filter_map(|i| c.exact[i].map(|h| (h, i)))
        .collect();
    by_hash.sort_unstable();
    let mut reps = Vec::new();
    let mut exact_copies = 0u64;
    for run in by_hash.chunk_by(|x, y| x.0 == y.0) {
        reps.push(run[0].1);
        for x in &run[1..] {
            dsu.union(run[0].1, x.1);
            exact_copies += 1;
            pairs.push(Pair {
                a: run[0].1,
                b: x.1,
                exact_copy: true,
                estimate: 1.0,
                jaccard: (opts.verify == Verify::Exact).then_some(1.0),
            });
        }
    }
    check_size(n, u32::MAX as u64)?;
    let mut is_rep = vec![false; n];
    for &r in &reps {
        is_rep[r] = true;
    }
    drop(reps);
    // 2. The signatures were computed as the documents were read.
    let t1 = std::time::Instant::now();
    // 3–4. LSH candidates (every bucket's first and previous member with each member),
    // verified.
    let (bands, rows) = minhash::lsh_params(opts.threshold, opts.perms);
    let p = opts.perms;
    let keys = lsh_keys(&[(&c.sigs, &is_rep, 0)], p, bands, rows, opts)?;
    let key_bytes = keys.spilled().1;
    let mut cands = keys.buckets(|run: &[Entry], out: &mut Vec<(u32, u32)>| {
        let first = run[0].1;
        for w in 1..run.len() {
            out.push((first, run[w].1));
            if w > 1 {
                out.push((run[w - 1].1, run[w].1));
            }
        }
    })?;
    crate::util::pool::install(|| cands.par_sort_unstable());
    cands.dedup();
    let verified: Vec<Pair> = crate::util::pool::install(|| -> Result<Vec<Pair>> {
        Ok(cands
            .par_iter()
            .map_init(
                || (Vec::new(), Vec::new()),
                |(ba, bb), &(a, b)| -> Result<Option<Pair>> {
                    let (a, b) = (a as usize, b as usize);
                    let est = minhash::estimate(c.sigs.get(a, ba)?, c.sigs.get(b, bb)?);
                    let jac = (opts.verify == Verify::Exact)
                        .then(|| minhash::jaccard(&c.shingles[a], &c.shingles[b]));
                    let score = jac.unwrap_or(est);
                    Ok((score >= opts.threshold).then_some(Pair {
                        a: a.min(b),
                        b: a.max(b),
                        exact_copy: false,
                        estimate: est,
                        jaccard: jac,
                    }))
                },
            )
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .flatten()
            .collect())
    })?;
    drop(cands);
    for q in &verified {
        dsu.union(q.a, q.b);
    }
    pairs.extend(verified);
    // 5. Clusters.
    let roots: Vec<u32> = dsu.roots().into_iter().map(|r| r as u32).collect();
    let mut size = vec![0u64; n];
    for &r in &roots {
        size[r as usize] += 1;
    }
    let mut id = vec![u32::MAX; n];
    let mut cluster = vec![None; n];
    let mut next = 0u32;
    let mut members: Vec<Vec<usize>> = Vec::new();
    for i in 0..n {
        let r = roots[i] as usize;
        if size[r] > 1 {
            if id[r] == u32::MAX {
                id[r] = next;
                next += 1;
                members.push(Vec::new());
            }
            cluster[i] = Some(id[r]);
            members[id[r] as usize].push(i);
        }
    }
    let keep: Vec<bool> = (0..n).map(|i| roots[i] as usize == i).collect();
    let removable: u64 = members.iter().map(|m| m.len() as u64 - 1).sum();
    let considered = n as u64 - c.null_docs - c.empty_docs;
    let mut order: Vec<usize> = (0..members.len()).collect();
    order.sort_by(|&a, &b| members[b].len().cmp(&members[a].len()).then(a.cmp(&b)));
    let largest = order
        .iter()
        .take(10)
        .map(|&m| ClusterSample {
            size: members[m].len() as u64,
            documents: members[m]
                .iter()
                .take(10)
                .map(|&d| doc_name(c, d))
                .collect(),
        })
        .collect();
    let report = DedupReport {
        files: c.files.clone(),
        column: opts.column.clone(),
        documents: n as u64,
        null_documents: c.null_docs,
        empty_documents: c.empty_docs,
        truncated_documents: c.truncated_docs,
        invalid_utf8_documents: c.invalid_utf8_docs,
        text_bytes: c.text_bytes,
        exact_duplicates: exact_copies,
        near_duplicates: removable - exact_copies,
        clusters: members.len() as u64,
        largest_cluster: members.iter().map(|m| m.len() as u64).max().unwrap_or(0),
        duplicate_fraction: if considered == 0 {
            0.0
        } else {
            removable as f64 / considered as f64
        },
        method: Method::new(opts, bands, rows, c.device.clone()),
        pairs: pairs.len() as u64,
        spilled_bytes: c.sigs.spilled_bytes() + key_bytes,
        largest,
        seconds: DedupSeconds {
            read: (read_seconds - c.sig_seconds).max(0.0),
            signatures: c.sig_seconds,
            lsh: t1.elapsed().as_secs_f64(),
            total: read_seconds + t0.elapsed().as_secs_f64(),
        },
        notices: c.notices.clone(),
    };
    Ok(Dedup {
        report,
        pairs,
        cluster,
        keep,
    })
}
