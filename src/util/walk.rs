//! The one directory walker: every reader (tables, text corpora, vectors, images) finds its
//! files here, so they all follow the same rules.
//!
//! - A path named by the user is taken as it is (the caller decides whether its type fits).
//! - A directory is walked recursively in name order. Entries whose name starts with `.` (hidden
//!   files, editors' and datassay's own temporary files) or `_` (Spark and Hadoop markers such as
//!   `_SUCCESS` and `_temporary/`) are skipped.
//! - Symbolic links are followed, but each real directory is walked once and each real file is
//!   listed once, whatever the number of paths that reach it: a link back to a parent (a loop)
//!   or a second path to the same folder or file adds nothing. What was left out is said in the
//!   walk's notices.

use crate::error::Error;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The identity of a file or directory on disk, the same through every link to it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct FileId(Id);

#[cfg(unix)]
type Id = (u64, u64);
#[cfg(not(unix))]
type Id = PathBuf;

impl FileId {
    /// The identity of what `path` names (links followed); `None` when it cannot be read.
    pub(crate) fn of(path: &Path) -> Option<FileId> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let m = std::fs::metadata(path).ok()?;
            Some(FileId((m.dev(), m.ino())))
        }
        #[cfg(not(unix))]
        {
            std::fs::canonicalize(path).ok().map(FileId)
        }
    }
}

/// A fingerprint of a file's content, the same whatever its path: XXH3-64 over its size and
/// its bytes, all of them for files up to 64 MiB, and for larger ones 64 blocks of 64 KiB (the
/// first, the last, and 62 evenly between; a Parquet file's footer, which holds every row
/// group's statistics, is in its last bytes). Two files share a fingerprint when they are the
/// same file's bytes, or (beyond 64 MiB) when they have the same size and the same 4 MiB at
/// those places. `None` when it cannot be read.
pub fn fingerprint(path: &Path) -> Option<String> {
    use std::io::{Read, Seek, SeekFrom};
    const WHOLE: u64 = 64 << 20;
    const BLOCK: u64 = 64 << 10;
    const BLOCKS: u64 = 64;
    let mut f = std::fs::File::open(path).ok()?;
    let len = f.metadata().ok()?.len();
    let mut h = twox_hash::XxHash3_64::new();
    std::hash::Hasher::write(&mut h, &len.to_le_bytes());
    let mut buf = vec![0u8; 1 << 20];
    if len <= WHOLE {
        loop {
            let n = f.read(&mut buf).ok()?;
            if n == 0 {
                break;
            }
            std::hash::Hasher::write(&mut h, &buf[..n]);
        }
    } else {
        let block = &mut buf[..BLOCK as usize];
        for k in 0..BLOCKS {
            let at = (len - BLOCK) * k / (BLOCKS - 1);
            f.seek(SeekFrom::Start(at)).ok()?;
            f.read_exact(block).ok()?;
            std::hash::Hasher::write(&mut h, block);
        }
    }
    Some(format!("{:016x}", std::hash::Hasher::finish(&h)))
}

/// What a walk found.
#[derive(Debug, Default)]
pub struct Walked {
    /// Files, in the order of the paths given and in name order within each directory.
    pub files: Vec<PathBuf>,
    /// For each path given, how many of `files` came from it.
    pub per_path: Vec<usize>,
    /// Paths given that do not exist or cannot be read.
    pub errors: Vec<Error>,
    /// What was left out and why (loops, second paths to one file).
    pub notices: Vec<String>,
}

/// Whether a directory entry's name marks it as not data (hidden, or a `_` marker).
pub fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_string_lossy().starts_with(['.', '_'])
}

/// Walk `paths`. `accept(path, named)` says whether a file is wanted: `named` is true for a
/// path the user gave, false for one found in a directory.
pub fn walk(paths: &[PathBuf], accept: &dyn Fn(&Path, bool) -> bool) -> Walked {
    let mut w = Walker {
        accept,
        dirs: HashSet::new(),
        files: HashSet::new(),
        out: Walked::default(),
    };
    for p in paths {
        let before = w.out.files.len();
        match std::fs::metadata(p) {
            Err(e) => w.out.errors.push(crate::error::io_error(p, e)),
            Ok(m) if m.is_dir() => w.dir(p),
            Ok(_) => {
                if (w.accept)(p, true) {
                    w.file(p);
                }
            }
        }
        let n = w.out.files.len() - before;
        w.out.per_path.push(n);
    }
    w.out
}

struct Walker<'a> {
    accept: &'a dyn Fn(&Path, bool) -> bool,
    dirs: HashSet<FileId>,
    files: HashSet<FileId>,
    out: Walked,
}

impl Walker<'_> {
    fn file(&mut self, p: &Path) {
        // A file that cannot be identified (a dangling link) is listed: opening it then says why.
        if let Some(id) = FileId::of(p) {
            if !self.files.insert(id) {
                self.out.notices.push(format!(
                    "{}: the same file as one listed before it; read once",
                    p.display()
                ));
                return;
            }
        }
        self.out.files.push(p.to_path_buf());
    }

    fn dir(&mut self, d: &Path) {
        if let Some(id) = FileId::of(d) {
            if !self.dirs.insert(id) {
                self.out.notices.push(format!(
                    "{}: a directory already walked (a symbolic link loop or a second path to it); not walked again",
                    d.display()
                ));
                return;
            }
        }
        let entries = match std::fs::read_dir(d) {
            Ok(rd) => rd,
            Err(e) => {
                self.out.errors.push(crate::error::io_error(d, e));
                return;
            }
        };
        let mut entries: Vec<PathBuf> = entries
            .filter_map(|e| e.ok())
            .filter(|e| !is_hidden(&e.file_name()))
            .map(|e| e.path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                self.dir(&p);
            } else if (self.accept)(&p, false) {
                self.file(&p);
            }
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn all(_: &Path, _: bool) -> bool {
        true
    }

    #[test]
    fn a_link_to_a_parent_is_walked_once() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join("data");
        std::fs::create_dir(&d).unwrap();
        std::fs::write(d.join("a.csv"), "x\n1\n").unwrap();
        std::os::unix::fs::symlink(&d, d.join("loop")).unwrap();
        std::os::unix::fs::symlink(t.path(), d.join("up")).unwrap();
        let w = walk(std::slice::from_ref(&d), &all);
        assert_eq!(w.files, vec![d.join("a.csv")]);
        assert_eq!(w.per_path, vec![1]);
        assert_eq!(w.notices.len(), 2, "{:?}", w.notices);
    }

    #[test]
    fn one_file_reached_twice_is_listed_once_and_hidden_entries_are_skipped() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path();
        std::fs::write(p.join("a.csv"), "x\n1\n").unwrap();
        std::fs::write(p.join(".hidden.csv"), "x\n1\n").unwrap();
        std::fs::write(p.join("_SUCCESS"), "").unwrap();
        std::os::unix::fs::symlink(p.join("a.csv"), p.join("b.csv")).unwrap();
        let w = walk(&[p.to_path_buf(), p.join("a.csv")], &all);
        assert_eq!(w.files, vec![p.join("a.csv")]);
        assert_eq!(w.per_path, vec![1, 0]);
        assert_eq!(w.notices.len(), 2, "{:?}", w.notices);
        let missing = walk(&[p.join("nope")], &all);
        assert!(missing.files.is_empty());
        assert_eq!(
            missing.errors[0].to_string(),
            format!("{}: no such file or directory", p.join("nope").display())
        );
    }
}
