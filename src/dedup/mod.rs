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
use crate::source::{expand, ReadOptions, SourceFile};
use arrow::array::{Array, AsArray};
use arrow::datatypes::DataType;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub mod spill;
pub mod synthetic;

use spill::{BandKeys, Entry, SigStore};

/// How candidate pairs are confirmed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verify {
    /// Estimated Jaccard from the signatures.
    Signature,
    /// Exact Jaccard of the shingle sets (keeps them in memory).
    Exact,
}

/// Options of a deduplication run.
#[derive(Clone, Debug)]
pub struct DedupOptions {
    /// The text column.
    pub column: String,
    pub normalize: Normalize,
    pub shingle: Shingle,
    pub perms: usize,
    /// Jaccard threshold of near-duplicates.
    pub threshold: f64,
    pub verify: Verify,
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

/// The documents of a set of files, hashed.
#[derive(Debug, Default)]
pub struct Corpus {
    pub files: Vec<String>,
    /// `(file index, row in file)` of each document (null ones included).
    pub ids: Vec<(u32, u64)>,
    /// Normalised-text hash; `None` for null documents.
    pub exact: Vec<Option<u64>>,
    /// Whether a document takes part: not null, and at least one shingle after normalisation.
    pub usable: Vec<bool>,
    /// MinHash signatures, `perms` values per document (all `u32::MAX` for unusable ones), in
    /// memory up to `--memory-limit` and on disk beyond.
    pub sigs: SigStore,
    pub perms: usize,
    /// Sorted, deduplicated shingle hashes per document, kept only for `Verify::Exact` (else
    /// empty, not even one entry per document): the signatures are computed as the documents are read, so memory per document
    /// is the signature (4 bytes per permutation), not the text.
    pub shingles: Vec<Vec<u32>>,
    /// Where the signatures were computed, how long it took, and what happened on the way.
    pub device: String,
    pub sig_seconds: f64,
    pub notices: Vec<String>,
    pub null_docs: u64,
    pub empty_docs: u64,
    /// Documents longer than [`minhash::MAX_SHINGLES`] shingles (hashed over their start).
    pub truncated_docs: u64,
    /// Documents whose bytes were not valid UTF-8 (binary columns; read with replacement).
    pub invalid_utf8_docs: u64,
    pub text_bytes: u64,
}

/// The exact-duplicate key of a normalised text (64 bits: two MurmurHash3 halves).
pub fn exact_hash(text: &str) -> u64 {
    let b = text.as_bytes();
    (minhash::murmur3_32(b, 0x5bd1_e995) as u64) << 32 | minhash::murmur3_32(b, 0x1b87_3593) as u64
}

/// Read the text column of `paths` (files or directories), hash every document and compute its
/// signature (on `opts.device`).
pub fn read_corpus(paths: &[PathBuf], opts: &DedupOptions) -> Result<Corpus> {
    read_corpus_progress(paths, opts, &|_, _| {})
}

/// [`read_corpus`], calling `progress(documents, text bytes)` after every batch.
pub fn read_corpus_progress(
    paths: &[PathBuf],
    opts: &DedupOptions,
    progress: &dyn Fn(u64, u64),
) -> Result<Corpus> {
    let (files, errors) = expand(paths);
    if let Some(e) = errors.into_iter().next() {
        return Err(e);
    }
    if files.is_empty() {
        return Err(Error::NoInput("no files given".into()));
    }
    check(opts)?;
    let mut c = Corpus::new(opts);
    let mut signer = Signer::open(opts, &mut c)?;
    for (fi, path) in files.iter().enumerate() {
        c.files.push(path.display().to_string());
        read_file(path, fi as u32, opts, &mut c, &mut signer, progress)?;
    }
    Ok(c)
}

/// Computes signatures batch by batch: on the GPU while it works, else on all cores.
struct Signer {
    #[cfg(feature = "gpu")]
    ctx: Option<crate::gpu::GpuContext>,
    seeds: Vec<u32>,
}

impl Signer {
    fn open(opts: &DedupOptions, c: &mut Corpus) -> Result<Signer> {
        c.device = format!("cpu ({} threads)", rayon::current_num_threads());
        #[cfg(feature = "gpu")]
        let ctx = match opts.device {
            crate::Device::Cpu => None,
            d => match crate::gpu::GpuContext::new(d == crate::Device::Gpu) {
                Ok(ctx) => {
                    c.device = format!("gpu ({})", ctx.describe());
                    Some(ctx)
                }
                Err(e) if d == crate::Device::Gpu => return Err(e),
                Err(e) => {
                    c.notices.push(format!("{e}; using the CPU"));
                    None
                }
            },
        };
        #[cfg(not(feature = "gpu"))]
        if opts.device == crate::Device::Gpu {
            return Err(Error::Gpu(
                "this build has no GPU support (feature `gpu`)".into(),
            ));
        }
        Ok(Signer {
            #[cfg(feature = "gpu")]
            ctx,
            seeds: minhash::seeds(opts.perms),
        })
    }

    /// Signatures of `lists` (`perms` values each). A GPU failure moves this and every later
    /// batch to the CPU, with a notice.
    fn sign(&mut self, lists: &[&[u32]], c: &mut Corpus) -> Vec<u32> {
        let t = std::time::Instant::now();
        #[cfg(feature = "gpu")]
        if let Some(ctx) = &self.ctx {
            let run = crate::error::guarded(Path::new("<gpu>"), || {
                minhash::gpu::signatures(ctx, lists, &self.seeds)
            });
            match run {
                Ok(s) => {
                    c.sig_seconds += t.elapsed().as_secs_f64();
                    return s;
                }
                Err(e) => {
                    c.notices.push(format!(
                        "the GPU failed ({e}); the CPU computed the signatures"
                    ));
                    c.device = format!("cpu ({} threads)", rayon::current_num_threads());
                    self.ctx = None;
                }
            }
        }
        let p = self.seeds.len();
        let mut out = vec![0u32; lists.len() * p];
        out.par_chunks_mut(p)
            .zip(lists.par_iter())
            .for_each(|(o, l)| minhash::signature_fast(l, &self.seeds, o));
        c.sig_seconds += t.elapsed().as_secs_f64();
        out
    }
}

impl Corpus {
    fn new(opts: &DedupOptions) -> Corpus {
        Corpus {
            perms: opts.perms,
            sigs: SigStore::new(opts.perms, opts.sig_budget(), opts.spill_dir.clone()),
            ..Default::default()
        }
    }

    /// A corpus of in-memory texts (one file named `name`), hashed and signed as files are.
    pub fn from_texts(texts: &[String], name: &str, opts: &DedupOptions) -> Result<Corpus> {
        check(opts)?;
        let mut c = Corpus::new(opts);
        let mut signer = Signer::open(opts, &mut c)?;
        c.files.push(name.into());
        c.add(
            texts.len(),
            |i| Some((texts[i].as_str().into(), false)),
            0,
            0,
            opts,
            &mut signer,
        )?;
        c.text_bytes = texts.iter().map(|t| t.len() as u64).sum();
        Ok(c)
    }

    /// Hash and sign `n` documents (`text(i)`: the text and whether its bytes were invalid
    /// UTF-8, or None when null), rows `row0..` of file `fi`.
    fn add<'a>(
        &mut self,
        n: usize,
        text: impl Fn(usize) -> Option<(std::borrow::Cow<'a, str>, bool)> + Sync,
        fi: u32,
        row0: u64,
        opts: &DedupOptions,
        signer: &mut Signer,
    ) -> Result<()> {
        // Per document: (exact hash, shingles, truncated, invalid utf-8); None when null.
        type Hashed = Option<(u64, Vec<u32>, bool, bool)>;
        let hashed: Vec<Hashed> = (0..n)
            .into_par_iter()
            .map(|i| {
                let (t, bad) = text(i)?;
                let norm = minhash::normalize(&t, opts.normalize);
                let (mut sh, cut) = minhash::shingle_hashes(&norm, opts.shingle);
                sh.sort_unstable();
                sh.dedup();
                Some((exact_hash(&norm), sh, cut, bad))
            })
            .collect();
        let lists: Vec<&[u32]> = hashed
            .iter()
            .map(|h| h.as_ref().map_or(&[][..], |x| x.1.as_slice()))
            .collect();
        let sigs = signer.sign(&lists, self);
        self.sigs.push(&sigs)?;
        let keep_shingles = opts.verify == Verify::Exact;
        for (i, h) in hashed.into_iter().enumerate() {
            self.ids.push((fi, row0 + i as u64));
            match h {
                None => {
                    self.null_docs += 1;
                    self.exact.push(None);
                    self.usable.push(false);
                    if keep_shingles {
                        self.shingles.push(Vec::new());
                    }
                }
                Some((e, sh, cut, bad)) => {
                    self.empty_docs += sh.is_empty() as u64;
                    self.truncated_docs += cut as u64;
                    self.invalid_utf8_docs += bad as u64;
                    self.exact.push(Some(e));
                    self.usable.push(!sh.is_empty());
                    if keep_shingles {
                        self.shingles.push(sh);
                    }
                }
            }
        }
        Ok(())
    }
}

fn read_file(
    path: &Path,
    fi: u32,
    opts: &DedupOptions,
    c: &mut Corpus,
    signer: &mut Signer,
    progress: &dyn Fn(u64, u64),
) -> Result<()> {
    let mut f = SourceFile::open(path, &opts.read)?;
    // A text column absent from the first rows (a JSON key that comes later), or empty there
    // (typed Null: its later documents would read as nulls), needs the whole file's types.
    let found = f.schema.fields().iter().find(|x| x.name() == &opts.column);
    let empty_at_first = found.is_none_or(|x| *x.data_type() == DataType::Null);
    if empty_at_first && f.inferred_from_a_window() {
        f = SourceFile::open(path, &opts.read.whole_file_types())?;
    }
    let fields = f.schema.fields();
    let texts: Vec<&str> = fields
        .iter()
        .filter(|x| is_text(x.data_type()))
        .map(|x| x.name().as_str())
        .collect();
    let idx = fields
        .iter()
        .position(|x| x.name() == &opts.column)
        .ok_or_else(|| {
            Error::Option(format!(
                "{}: no column {:?}; text columns: [{}]",
                path.display(),
                opts.column,
                texts.join(", ")
            ))
        })?;
    if !is_text(fields[idx].data_type()) {
        return Err(Error::Option(format!(
            "{}: column {:?} is {}, not text; text columns: [{}]",
            path.display(),
            opts.column,
            fields[idx].data_type(),
            texts.join(", ")
        )));
    }
    let mut row = 0u64;
    // Decoding runs on its own thread, a batch ahead of the hashing (which uses every core).
    let batches = f.batches(Some(&[idx]))?;
    let (tx, rx) = std::sync::mpsc::sync_channel(2);
    let decoder = std::thread::spawn(move || {
        for b in batches {
            if tx.send(b).is_err() {
                break;
            }
        }
    });
    for b in rx {
        let b = b?;
        // Dictionary-encoded text (as pandas categoricals and Parquet dictionaries arrive)
        // becomes its values.
        let col = match b.column(0).data_type() {
            DataType::Dictionary(_, v) => {
                arrow::compute::cast(b.column(0), v).map_err(|e| Error::Format {
                    path: path.to_path_buf(),
                    format: "record batch",
                    message: e.to_string(),
                })?
            }
            _ => b.column(0).clone(),
        };
        let col = &col;
        let n = col.len();
        let text = |i: usize| (!col.is_null(i)).then(|| text_at(col.as_ref(), i));
        c.add(n, text, fi, row, opts, signer)?;
        c.text_bytes += text_bytes(col.as_ref());
        row += n as u64;
        progress(c.ids.len() as u64, c.text_bytes);
    }
    decoder.join().map_err(|p| Error::Internal {
        path: path.to_path_buf(),
        message: crate::error::panic_message(p.as_ref()),
    })?;
    Ok(())
}

fn is_text(t: &DataType) -> bool {
    if let DataType::Dictionary(_, v) = t {
        return is_text(v);
    }
    matches!(
        t,
        DataType::Utf8
            | DataType::LargeUtf8
            | DataType::Utf8View
            | DataType::Binary
            | DataType::LargeBinary
            | DataType::BinaryView
    )
}

/// The text of row `i` and whether its bytes were invalid UTF-8 (binary columns).
fn text_at(col: &dyn Array, i: usize) -> (std::borrow::Cow<'_, str>, bool) {
    let bytes: &[u8] = match col.data_type() {
        DataType::Utf8 => return (col.as_string::<i32>().value(i).into(), false),
        DataType::LargeUtf8 => return (col.as_string::<i64>().value(i).into(), false),
        DataType::Utf8View => return (col.as_string_view().value(i).into(), false),
        DataType::Binary => col.as_binary::<i32>().value(i),
        DataType::LargeBinary => col.as_binary::<i64>().value(i),
        _ => col.as_binary_view().value(i),
    };
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.into(), false),
        Err(_) => (String::from_utf8_lossy(bytes).into_owned().into(), true),
    }
}

fn text_bytes(col: &dyn Array) -> u64 {
    match col.data_type() {
        DataType::Utf8 => col.as_string::<i32>().values().len() as u64,
        DataType::LargeUtf8 => col.as_string::<i64>().values().len() as u64,
        DataType::Binary => col.as_binary::<i32>().values().len() as u64,
        DataType::LargeBinary => col.as_binary::<i64>().values().len() as u64,
        _ => col.get_buffer_memory_size() as u64,
    }
}

/// A duplicate pair: documents (indices into the corpus, or into the two corpora with
/// `--against`), how they were found, and their estimated (and, with `Verify::Exact`, exact)
/// Jaccard similarity.
#[derive(Clone, Debug, PartialEq)]
pub struct Pair {
    pub a: usize,
    pub b: usize,
    pub exact_copy: bool,
    pub estimate: f64,
    pub jaccard: Option<f64>,
}

/// 64-bit key of one band of a signature (the band's index is mixed in, so equal values in
/// different bands never collide): MurmurHash3 of the band index and values, little-endian,
/// with two seeds.
fn band_key(band: usize, vals: &[u32]) -> u64 {
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
const KEY_CHUNK: usize = 1 << 16;

/// The LSH entries of every band for the documents of each `(store, take, tag)` with
/// `take[d]`, as `(key, d | tag)`: one pass over the signatures (read back from disk where they
/// were spilled), buffered and spilled under the options' key budget.
fn lsh_keys(
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
            flat.par_chunks_mut(bands)
                .zip(sigs.par_chunks(perms))
                .enumerate()
                .filter(|(i, _)| take[first + i])
                .for_each(|(_, (k, s))| {
                    for (b, k) in k.iter_mut().enumerate() {
                        *k = band_key(b, &s[b * rows..][..rows]);
                    }
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
fn check_size(docs: usize, limit: u64) -> Result<()> {
    if docs as u64 > limit {
        return Err(Error::Option(format!(
            "{docs} documents: one run compares at most {limit}; split the corpus"
        )));
    }
    Ok(())
}

/// Seconds per phase.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DedupSeconds {
    pub read: f64,
    pub signatures: f64,
    pub lsh: f64,
    pub total: f64,
}

/// A listed cluster: its size and up to 10 documents as `file:row`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClusterSample {
    pub size: u64,
    pub documents: Vec<String>,
}

/// What a run found: the JSON of `datassay dedup --json` and the `near_duplicates` section of a
/// profile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DedupReport {
    pub files: Vec<String>,
    pub column: String,
    /// Rows read (null and empty documents included).
    pub documents: u64,
    pub null_documents: u64,
    pub empty_documents: u64,
    pub truncated_documents: u64,
    pub invalid_utf8_documents: u64,
    pub text_bytes: u64,
    /// Documents that are an exact copy (after normalisation) of an earlier one.
    pub exact_duplicates: u64,
    /// Further documents that are near-duplicates of an earlier one (not exact copies).
    pub near_duplicates: u64,
    /// Clusters of two or more documents.
    pub clusters: u64,
    pub largest_cluster: u64,
    /// (exact + near duplicates) / non-empty documents: the share deduplication removes.
    pub duplicate_fraction: f64,
    /// How documents were compared (flattened into the JSON object).
    #[serde(flatten)]
    pub method: Method,
    /// Pairs confirmed (exact copies and near-duplicates).
    pub pairs: u64,
    /// Bytes of signatures and LSH keys written to temporary files under `--memory-limit`.
    #[serde(default)]
    pub spilled_bytes: u64,
    pub largest: Vec<ClusterSample>,
    pub seconds: DedupSeconds,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<String>,
}

/// The comparison's parameters, shared by both reports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Method {
    pub threshold: f64,
    pub perms: u64,
    pub bands: u64,
    pub rows_per_band: u64,
    pub shingle: String,
    pub verify: Verify,
    /// Where the signatures were computed.
    pub device: String,
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

/// The outcome of a run: the report, the confirmed pairs, each document's cluster and whether
/// it is kept (the first of its cluster, or in none).
#[derive(Clone, Debug)]
pub struct Dedup {
    pub report: DedupReport,
    pub pairs: Vec<Pair>,
    pub cluster: Vec<Option<u32>>,
    pub keep: Vec<bool>,
}

fn shingle_name(s: Shingle) -> String {
    match s {
        Shingle::Words(n) => format!("words:{n}"),
        Shingle::Chars(n) => format!("chars:{n}"),
    }
}

fn check(opts: &DedupOptions) -> Result<()> {
    if !(opts.threshold > 0.0 && opts.threshold <= 1.0) {
        return Err(Error::Option(format!(
            "--threshold {} must be a Jaccard similarity in (0, 1]",
            opts.threshold
        )));
    }
    if !(1..=1024).contains(&opts.perms) {
        return Err(Error::Option(format!(
            "--perms {} must be 1 to 1024",
            opts.perms
        )));
    }
    Ok(())
}

/// Find the exact and near-duplicate documents of `c`.
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
    cands.par_sort_unstable();
    cands.dedup();
    let verified: Vec<Pair> = cands
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
        .collect();
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
fn kept_schema(
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

/// A listed contaminated document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Contaminated {
    /// `file:row` in the second (test) set.
    pub document: String,
    /// Its duplicate in the first (training) set.
    pub duplicate_of: String,
    pub kind: String,
    pub estimate: f64,
}

/// What `datassay dedup TRAIN --against TEST` found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContaminationReport {
    pub files: Vec<String>,
    pub against: Vec<String>,
    pub column: String,
    pub documents: u64,
    pub against_documents: u64,
    /// Documents of the second set with an exact or near duplicate in the first.
    pub contaminated: u64,
    pub exact: u64,
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
    pub seconds: DedupSeconds,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<String>,
}

/// Train-set members checked per LSH bucket for each test document.
const AGAINST_PER_BUCKET: usize = 8;

/// The documents of `test` that have an exact or near duplicate in `train`: the report, one pair
/// per contaminated test document (`a` in `train`, `b` in `test`), and a keep mask of `test`
/// (false for contaminated documents).
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
    cands.par_sort_unstable_by_key(|&(i, j)| (j, i));
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
