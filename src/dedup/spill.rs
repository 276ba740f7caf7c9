//! Bounded memory for corpus-scale runs (`--memory-limit`).
//!
//! Two structures hold what grows with the corpus:
//!
//! - [`SigStore`]: the MinHash signatures (4 bytes per permutation per document). The first
//!   documents stay in memory up to a budget; the rest are appended to an unlinked temporary
//!   file and read back by position (LSH streams them in order, verification reads one pair's
//!   signatures at a time).
//! - [`BandKeys`]: the LSH band keys, `(64-bit key, document)` for every band. They are buffered
//!   up to a budget; a full buffer is sorted band by band and written as one run to a temporary
//!   file, and the buckets are found by merging the runs of each band. With no budget
//!   everything stays in memory and each band is sorted in place.
//!
//! Temporary files are created in the spill directory (`--spill-dir`, else the system's
//! temporary directory) and unlinked at once, so they vanish with the process.

use crate::error::{Error, Result};
use rayon::prelude::*;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// One LSH entry: the band key and the document (with `--against`, bit 31 marks the second set).
pub type Entry = (u64, u32);
const ENTRY_BYTES: usize = 12;
/// Bytes a buffered entry takes in memory (the tuple is padded to 16).
const ENTRY_MEM: u64 = std::mem::size_of::<Entry>() as u64;
/// Read-ahead of each run while merging.
const RUN_BUF: usize = 1 << 20;

/// A failure of the spill files (named by their directory: the files themselves are unlinked).
fn spill_err(dir: Option<&Path>, e: std::io::Error) -> Error {
    Error::Write {
        path: dir
            .map_or_else(std::env::temp_dir, Path::to_path_buf)
            .join("<datassay spill file>"),
        source: e,
    }
}

fn temp_file(dir: Option<&Path>) -> Result<File> {
    match dir {
        Some(d) => tempfile::tempfile_in(d),
        None => tempfile::tempfile(),
    }
    .map_err(|e| spill_err(dir, e))
}

#[cfg(unix)]
fn read_at(f: &File, buf: &mut [u8], off: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(f, buf, off)
}

#[cfg(windows)]
fn read_at(f: &File, mut buf: &mut [u8], mut off: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match f.seek_read(buf, off)? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                off += n as u64;
            }
        }
    }
    Ok(())
}

/// MinHash signatures, `perms` values per document, in memory up to a budget and on disk after.
#[derive(Debug, Default)]
pub struct SigStore {
    perms: usize,
    mem: Vec<u32>,
    /// Documents kept in memory at most.
    mem_cap: usize,
    file: Option<File>,
    file_docs: usize,
    dir: Option<PathBuf>,
}

impl SigStore {
    /// A store for `perms`-value signatures keeping at most `budget` bytes in memory (`None`:
    /// no limit), spilling to `dir`.
    pub fn new(perms: usize, budget: Option<u64>, dir: Option<PathBuf>) -> SigStore {
        let per_doc = (perms.max(1) * 4) as u64;
        SigStore {
            perms,
            mem: Vec::new(),
            mem_cap: budget.map_or(usize::MAX, |b| (b / per_doc) as usize),
            file: None,
            file_docs: 0,
            dir,
        }
    }

    fn mem_docs(&self) -> usize {
        self.mem.len() / self.perms.max(1)
    }

    /// Documents held.
    pub fn len(&self) -> usize {
        self.mem_docs() + self.file_docs
    }

    /// Whether the store holds no documents.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes written to disk.
    pub fn spilled_bytes(&self) -> u64 {
        (self.file_docs * self.perms * 4) as u64
    }

    /// Append the signatures of `sigs.len() / perms` documents.
    pub fn push(&mut self, sigs: &[u32]) -> Result<()> {
        let p = self.perms;
        let docs = sigs.len() / p;
        let room = if self.file_docs > 0 {
            0
        } else {
            self.mem_cap.saturating_sub(self.mem_docs()).min(docs)
        };
        self.mem.extend_from_slice(&sigs[..room * p]);
        let rest = &sigs[room * p..docs * p];
        if !rest.is_empty() {
            if self.file.is_none() {
                self.file = Some(temp_file(self.dir.as_deref())?);
            }
            let f = self.file.as_mut().unwrap();
            f.write_all(bytemuck::cast_slice(rest))
                .map_err(|e| spill_err(self.dir.as_deref(), e))?;
            self.file_docs += rest.len() / p;
        }
        Ok(())
    }

    /// The signature of document `d` (read into `buf` when it is on disk).
    pub fn get<'a>(&'a self, d: usize, buf: &'a mut Vec<u32>) -> Result<&'a [u32]> {
        let p = self.perms;
        let m = self.mem_docs();
        if d < m {
            return Ok(&self.mem[d * p..][..p]);
        }
        assert!(d < self.len(), "signature {d} of {}", self.len());
        buf.resize(p, 0);
        let off = ((d - m) * p * 4) as u64;
        read_at(
            self.file.as_ref().unwrap(),
            bytemuck::cast_slice_mut(buf.as_mut_slice()),
            off,
        )
        .map_err(|e| spill_err(self.dir.as_deref(), e))?;
        Ok(buf.as_slice())
    }

    /// Call `f(first document, signatures)` over consecutive runs of at most `chunk` documents,
    /// in order.
    pub fn chunks(
        &self,
        chunk: usize,
        mut f: impl FnMut(usize, &[u32]) -> Result<()>,
    ) -> Result<()> {
        let p = self.perms;
        let chunk = chunk.max(1);
        let m = self.mem_docs();
        for (i, c) in self.mem.chunks(chunk * p).enumerate() {
            f(i * chunk, c)?;
        }
        let mut buf: Vec<u32> = Vec::new();
        let mut d = 0;
        while d < self.file_docs {
            let n = chunk.min(self.file_docs - d);
            buf.resize(n * p, 0);
            read_at(
                self.file.as_ref().unwrap(),
                bytemuck::cast_slice_mut(buf.as_mut_slice()),
                (d * p * 4) as u64,
            )
            .map_err(|e| spill_err(self.dir.as_deref(), e))?;
            f(m + d, &buf)?;
            d += n;
        }
        Ok(())
    }
}

/// One spilled run: the file and, per band, the offset and count of its sorted entries.
struct Run {
    file: File,
    sections: Vec<(u64, usize)>,
}

/// The LSH entries of every band, buffered up to a budget and spilled as sorted runs beyond.
pub struct BandKeys {
    buf: Vec<Vec<Entry>>,
    /// Buffered entries (all bands) at which the buffer is spilled.
    cap: usize,
    runs: Vec<Run>,
    dir: Option<PathBuf>,
    spilled: u64,
}

impl BandKeys {
    /// Entries of `bands` bands, buffering at most `budget` bytes (`None`: no limit).
    pub fn new(bands: usize, budget: Option<u64>, dir: Option<PathBuf>) -> BandKeys {
        BandKeys {
            buf: vec![Vec::new(); bands],
            cap: budget.map_or(usize::MAX, |b| (b / ENTRY_MEM).max(bands as u64) as usize),
            runs: Vec::new(),
            dir,
            spilled: 0,
        }
    }

    /// Add entries: `per_band[b]` are band `b`'s.
    pub fn push(&mut self, per_band: Vec<Vec<Entry>>) -> Result<()> {
        for (b, mut e) in self.buf.iter_mut().zip(per_band) {
            if b.is_empty() && b.capacity() < e.len() {
                std::mem::swap(b, &mut e);
            } else {
                b.append(&mut e);
            }
        }
        if self.buffered() >= self.cap {
            self.spill()?;
        }
        Ok(())
    }

    fn buffered(&self) -> usize {
        self.buf.iter().map(Vec::len).sum()
    }

    /// Sorted runs written to disk, and their bytes.
    pub fn spilled(&self) -> (usize, u64) {
        (self.runs.len(), self.spilled)
    }

    /// Sort the buffer band by band and write it as one run.
    fn spill(&mut self) -> Result<()> {
        crate::util::pool::install(|| self.buf.par_iter_mut().for_each(|b| b.par_sort_unstable()));
        let mut file = std::io::BufWriter::with_capacity(RUN_BUF, temp_file(self.dir.as_deref())?);
        let mut sections = Vec::with_capacity(self.buf.len());
        let mut off = 0u64;
        for b in &mut self.buf {
            sections.push((off, b.len()));
            for &(k, d) in b.iter() {
                file.write_all(&k.to_le_bytes())
                    .and_then(|_| file.write_all(&d.to_le_bytes()))
                    .map_err(|e| spill_err(self.dir.as_deref(), e))?;
            }
            off += (b.len() * ENTRY_BYTES) as u64;
            *b = Vec::new();
        }
        let file = file
            .into_inner()
            .map_err(|e| spill_err(self.dir.as_deref(), e.into_error()))?;
        self.spilled += off;
        self.runs.push(Run { file, sections });
        Ok(())
    }

    /// Every bucket (a run of two or more entries with one key, sorted by document) of every
    /// band, handed to `each`, which appends what it finds to its output; the bands are worked
    /// in parallel.
    pub fn buckets<T: Send>(
        mut self,
        each: impl Fn(&[Entry], &mut Vec<T>) + Sync,
    ) -> Result<Vec<T>> {
        if self.runs.is_empty() {
            let per_band: Vec<Vec<T>> = crate::util::pool::install(|| {
                self.buf
                    .par_iter_mut()
                    .map(|keys| {
                        keys.sort_unstable();
                        let mut out = Vec::new();
                        for run in keys.chunk_by(|x, y| x.0 == y.0) {
                            if run.len() > 1 {
                                each(run, &mut out);
                            }
                        }
                        *keys = Vec::new();
                        out
                    })
                    .collect()
            });
            return Ok(per_band.into_iter().flatten().collect());
        }
        if self.buffered() > 0 {
            self.spill()?;
        }
        let bands = self.buf.len();
        let runs = &self.runs;
        let dir = self.dir.as_deref();
        let per_band: Vec<Result<Vec<T>>> = crate::util::pool::install(|| {
            (0..bands)
                .into_par_iter()
                .map(|band| {
                    let mut readers: Vec<RunReader> = runs
                        .iter()
                        .map(|r| RunReader::new(&r.file, r.sections[band]))
                        .collect();
                    let mut heap = BinaryHeap::new();
                    for (i, r) in readers.iter_mut().enumerate() {
                        if let Some(e) = r.next().map_err(|e| spill_err(dir, e))? {
                            heap.push(std::cmp::Reverse((e, i)));
                        }
                    }
                    let mut out = Vec::new();
                    let mut group: Vec<Entry> = Vec::new();
                    while let Some(std::cmp::Reverse((e, i))) = heap.pop() {
                        if group.first().is_some_and(|g| g.0 != e.0) {
                            if group.len() > 1 {
                                each(&group, &mut out);
                            }
                            group.clear();
                        }
                        group.push(e);
                        if let Some(n) = readers[i].next().map_err(|e| spill_err(dir, e))? {
                            heap.push(std::cmp::Reverse((n, i)));
                        }
                    }
                    if group.len() > 1 {
                        each(&group, &mut out);
                    }
                    Ok(out)
                })
                .collect()
        });
        let mut all = Vec::new();
        for r in per_band {
            all.extend(r?);
        }
        Ok(all)
    }
}

/// Sequential reader of one band's section of a run, by position (runs are shared between the
/// threads merging different bands).
struct RunReader<'a> {
    file: &'a File,
    pos: u64,
    left: usize,
    buf: Vec<u8>,
    at: usize,
}

impl<'a> RunReader<'a> {
    fn new(file: &'a File, (off, count): (u64, usize)) -> RunReader<'a> {
        RunReader {
            file,
            pos: off,
            left: count,
            buf: Vec::new(),
            at: 0,
        }
    }

    fn next(&mut self) -> std::io::Result<Option<Entry>> {
        if self.at == self.buf.len() {
            if self.left == 0 {
                return Ok(None);
            }
            let n = self.left.min(RUN_BUF / ENTRY_BYTES);
            self.buf.resize(n * ENTRY_BYTES, 0);
            read_at(self.file, &mut self.buf, self.pos)?;
            self.pos += (n * ENTRY_BYTES) as u64;
            self.left -= n;
            self.at = 0;
        }
        let b = &self.buf[self.at..self.at + ENTRY_BYTES];
        self.at += ENTRY_BYTES;
        Ok(Some((
            u64::from_le_bytes(b[..8].try_into().unwrap()),
            u32::from_le_bytes(b[8..].try_into().unwrap()),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_round_trip_through_the_spill_file() {
        let p = 5;
        let sigs: Vec<u32> = (0..p as u32 * 103)
            .map(|x| x.wrapping_mul(2654435761))
            .collect();
        let mut s = SigStore::new(p, Some(4 * p as u64 * 10), None);
        for c in sigs.chunks(p * 7) {
            s.push(c).unwrap();
        }
        assert_eq!(s.len(), 103);
        assert_eq!(s.spilled_bytes(), (93 * p * 4) as u64);
        let mut buf = Vec::new();
        for d in 0..103 {
            assert_eq!(s.get(d, &mut buf).unwrap(), &sigs[d * p..][..p]);
        }
        let mut seen = Vec::new();
        s.chunks(8, |first, c| {
            assert_eq!(first * p, seen.len());
            seen.extend_from_slice(c);
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, sigs);
    }

    /// The buckets found through spilled runs equal those of one in-memory sort.
    #[test]
    fn spilled_buckets_equal_in_memory_buckets() {
        let bands = 3;
        let mut rng = crate::util::rng::Rng::new(7);
        let chunks: Vec<Vec<Vec<Entry>>> = (0..20)
            .map(|c| {
                (0..bands)
                    .map(|_| {
                        (0..50u32)
                            .map(|i| (rng.next_u64() % 40, c * 50 + i))
                            .collect()
                    })
                    .collect()
            })
            .collect();
        let collect = |budget: Option<u64>| {
            let mut k = BandKeys::new(bands, budget, None);
            for c in &chunks {
                k.push(c.clone()).unwrap();
            }
            let runs = k.spilled().0;
            let mut b = k
                .buckets(|g, out: &mut Vec<Vec<Entry>>| out.push(g.to_vec()))
                .unwrap();
            b.sort();
            (runs, b)
        };
        let (r0, mem) = collect(None);
        let (r1, disk) = collect(Some(16 * 400));
        assert_eq!(r0, 0);
        assert!(r1 >= 5, "{r1} runs");
        assert!(mem.len() > 50);
        assert_eq!(mem, disk);
    }
}
