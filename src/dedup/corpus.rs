//! The documents of a set of files: read once, normalised, hashed for exact copies and signed
//! with MinHash (on the GPU or all cores), with counts of null, empty, truncated and invalid
//! documents.

use super::spill::SigStore;
use super::{check, DedupOptions, Verify};
use crate::error::{Error, Result};
use crate::metrics::minhash::{self};
use crate::source::columns::{resolve, ColumnRole};
use crate::source::{expand, SourceFile};
use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::datatypes::DataType;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// The documents of a set of files, hashed.
#[derive(Debug, Default)]
pub struct Corpus {
    /// The files read, as displayed paths (for record batches, the name given them).
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
    /// MinHash permutations: values per signature.
    pub perms: usize,
    /// Sorted, deduplicated shingle hashes per document, kept only for `Verify::Exact` (else
    /// empty, not even one entry per document): the signatures are computed as the documents are read, so memory per document
    /// is the signature (4 bytes per permutation), not the text.
    pub shingles: Vec<Vec<u32>>,
    /// Where the signatures were computed, how long it took, and what happened on the way.
    pub device: String,
    /// Seconds spent computing the signatures.
    pub sig_seconds: f64,
    /// Notices of the run, such as a fall-back from the GPU to the CPU.
    pub notices: Vec<String>,
    /// Null documents.
    pub null_docs: u64,
    /// Non-null documents with no shingle after normalisation.
    pub empty_docs: u64,
    /// Documents longer than [`minhash::MAX_SHINGLES`] shingles (hashed over their start).
    pub truncated_docs: u64,
    /// Documents whose bytes were not valid UTF-8 (binary columns; read with replacement).
    pub invalid_utf8_docs: u64,
    /// Bytes of text read (the values of the text column).
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
pub(super) struct Signer {
    #[cfg(feature = "gpu")]
    ctx: Option<std::sync::Arc<crate::gpu::GpuContext>>,
    seeds: Vec<u32>,
}

impl Signer {
    fn open(opts: &DedupOptions, c: &mut Corpus) -> Result<Signer> {
        c.device = format!("cpu ({} threads)", crate::util::pool::threads());
        #[cfg(feature = "gpu")]
        let ctx = crate::gpu::open_pipeline(opts.device, "minhash", &mut c.notices)?;
        #[cfg(feature = "gpu")]
        if let Some(ctx) = &ctx {
            c.device = format!("gpu ({})", ctx.describe());
        }
        #[cfg(not(feature = "gpu"))]
        crate::gpu::open(opts.device, &mut c.notices)?;
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
                    c.notices
                        .push(crate::gpu::fell_back("MinHash signatures", &e));
                    c.device = format!("cpu ({} threads)", crate::util::pool::threads());
                    self.ctx = None;
                }
            }
        }
        let p = self.seeds.len();
        let mut out = vec![0u32; lists.len() * p];
        crate::util::pool::install(|| {
            out.par_chunks_mut(p)
                .zip(lists.par_iter())
                .for_each(|(o, l)| minhash::signature_fast(l, &self.seeds, o))
        });
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

    /// Hash and sign the documents of a text column (rows `row0..` of file `fi`); `path` names
    /// it in errors. Returns its rows.
    fn add_column(
        &mut self,
        col: &ArrayRef,
        fi: u32,
        row0: u64,
        opts: &DedupOptions,
        signer: &mut Signer,
        path: &Path,
    ) -> Result<u64> {
        // Dictionary-encoded text (as pandas categoricals and Parquet dictionaries arrive)
        // becomes its values.
        let col = match col.data_type() {
            DataType::Dictionary(_, v) => arrow::compute::cast(col, v)
                .map_err(|e| Error::format_with_source(path, "record batch", e.to_string(), e))?,
            _ => col.clone(),
        };
        let col = &col;
        let n = col.len();
        let text = |i: usize| (!col.is_null(i)).then(|| text_at(col.as_ref(), i));
        self.add(n, text, fi, row0, opts, signer)?;
        self.text_bytes += text_bytes(col.as_ref());
        Ok(n as u64)
    }

    /// A corpus of the text column `opts.column` of record batches (one dataset named `name`,
    /// rows in stream order), hashed and signed as files are.
    pub fn from_batches(
        batches: impl IntoIterator<Item = Result<RecordBatch>>,
        name: &str,
        opts: &DedupOptions,
    ) -> Result<Corpus> {
        check(opts)?;
        let mut c = Corpus::new(opts);
        let mut signer = Signer::open(opts, &mut c)?;
        c.files.push(name.into());
        let path = Path::new(name);
        let mut row = 0u64;
        for b in batches {
            let b = b?;
            let col = text_column(&b, &opts.column, name)?;
            row += c.add_column(col, 0, row, opts, &mut signer, path)?;
        }
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
        let hashed: Vec<Hashed> = crate::util::pool::install(|| {
            (0..n)
                .into_par_iter()
                .map(|i| {
                    let (t, bad) = text(i)?;
                    let norm = minhash::normalize(&t, opts.normalize);
                    let (mut sh, cut) = minhash::shingle_hashes(&norm, opts.shingle);
                    sh.sort_unstable();
                    sh.dedup();
                    Some((exact_hash(&norm), sh, cut, bad))
                })
                .collect()
        });
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

pub(super) fn read_file(
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
    let idx = resolve(
        &f.schema,
        Some(&opts.column),
        &TEXT,
        &path.display().to_string(),
    )?;
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
        row += c.add_column(b.column(0), fi, row, opts, signer, path)?;
        progress(c.ids.len() as u64, c.text_bytes);
    }
    decoder.join().map_err(|p| Error::Internal {
        path: path.to_path_buf(),
        message: crate::error::panic_message(p.as_ref()),
    })?;
    Ok(())
}

/// The text column `name` of a batch, or an error naming the text columns there are.
fn text_column<'a>(b: &'a RecordBatch, name: &str, source: &str) -> Result<&'a ArrayRef> {
    Ok(b.column(resolve(&b.schema(), Some(name), &TEXT, source)?))
}

/// What a text column is, for the column resolver.
static TEXT: ColumnRole = ColumnRole {
    kind: "text",
    expected: "text",
    types: "string or binary, plain, large, view or dictionary-encoded",
    accepts: is_text,
};

/// The MinHash signatures and LSH band keys of one batch of documents, for engines that group
/// band keys themselves (a Spark shuffle) to find near duplicates across machines: grouping
/// every document with a usable signature by each of its band keys gives the candidates of
/// [`super::dedup`], whose pairs are confirmed by [`crate::metrics::minhash::estimate`] of the
/// two signatures.
#[derive(Clone, Debug)]
pub struct SignedDocs {
    /// Normalised-text hash per document (the exact-copy key); `None` for a null document.
    pub exact: Vec<Option<u64>>,
    /// Whether the document takes part (not null, at least one shingle).
    pub usable: Vec<bool>,
    /// `perms` values per document.
    pub signatures: Vec<u32>,
    /// MinHash permutations: values per signature.
    pub perms: usize,
    /// `bands` keys per document (band index mixed in; meaningless where not usable).
    pub band_keys: Vec<u64>,
    /// LSH bands: band keys per document.
    pub bands: usize,
    /// Where the signatures were computed.
    pub device: String,
    /// Notices of the run, such as a fall-back from the GPU to the CPU.
    pub notices: Vec<String>,
}

/// Sign the documents of the text column `opts.column` of `batch` (module docs of
/// [`SignedDocs`]).
pub fn sign_documents(batch: &RecordBatch, opts: &DedupOptions) -> Result<SignedDocs> {
    let mut c = Corpus::from_batches([Ok(batch.clone())], "batch", opts)?;
    let (bands, rows) = minhash::lsh_params(opts.threshold, opts.perms);
    let n = c.ids.len();
    let mut signatures = Vec::with_capacity(n * opts.perms);
    let mut buf = Vec::new();
    for d in 0..n {
        signatures.extend_from_slice(c.sigs.get(d, &mut buf)?);
    }
    let mut band_keys = vec![0u64; n * bands];
    crate::util::pool::install(|| {
        band_keys
            .par_chunks_mut(bands)
            .zip(signatures.par_chunks(opts.perms))
            .for_each(|(k, s)| {
                for (b, k) in k.iter_mut().enumerate() {
                    *k = super::lsh::band_key(b, &s[b * rows..][..rows]);
                }
            })
    });
    Ok(SignedDocs {
        exact: std::mem::take(&mut c.exact),
        usable: std::mem::take(&mut c.usable),
        signatures,
        perms: opts.perms,
        band_keys,
        bands,
        device: c.device,
        notices: c.notices,
    })
}

pub(super) fn is_text(t: &DataType) -> bool {
    if let DataType::Dictionary(_, v) = t {
        return is_text(v);
    }
    crate::source::dataset::is_text_or_bytes(t)
}

/// The text of row `i` and whether its bytes were invalid UTF-8 (binary columns).
pub(super) fn text_at(col: &dyn Array, i: usize) -> (std::borrow::Cow<'_, str>, bool) {
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

pub(super) fn text_bytes(col: &dyn Array) -> u64 {
    match col.data_type() {
        DataType::Utf8 => col.as_string::<i32>().values().len() as u64,
        DataType::LargeUtf8 => col.as_string::<i64>().values().len() as u64,
        DataType::Binary => col.as_binary::<i32>().values().len() as u64,
        DataType::LargeBinary => col.as_binary::<i64>().values().len() as u64,
        _ => col.get_buffer_memory_size() as u64,
    }
}
