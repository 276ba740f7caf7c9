//! Output files, written so that no run can harm data.
//!
//! - Every output is written to a temporary file beside its target (`.datassay-*.partial`,
//!   hidden from the directory walker) and renamed over the target only once it is complete and
//!   synced: a run that fails, is interrupted or is killed leaves the previous file as it was.
//!   A target that is not a regular file (`/dev/null`, `/dev/stdout`, a named pipe, a device)
//!   is written in place instead: renaming over it would replace a system file with a plain one.
//! - [`check`] runs before any work: it refuses an output that is also an input of the run
//!   (the same file on disk, through any link), two outputs that are one file, and a target
//!   whose folder is missing or cannot be written, so hours of work are never lost to a typo.

use crate::error::{Error, Result};
use crate::util::walk::FileId;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A file being written; the target appears (or is replaced) only at [`OutputFile::commit`].
pub struct OutputFile {
    target: PathBuf,
    sink: Sink,
}

enum Sink {
    /// A temporary file beside the target, renamed over it at the end.
    Atomic(tempfile::NamedTempFile),
    /// The target itself, when it is not a regular file (a device, a pipe, `/dev/stdout`).
    InPlace(std::fs::File),
}

/// Whether `path` must be written in place: it names (through any link) something that is not
/// a regular file or a folder, or a process's own descriptors (`/dev/stdout`, `/dev/fd/1`,
/// `/proc/self/fd/1`), which must be written through, never replaced.
fn in_place(path: &Path) -> bool {
    let special = std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir());
    let descriptor = ["/dev/stdout", "/dev/stderr", "/dev/fd/", "/proc/"]
        .iter()
        .any(|p| path.starts_with(p) || path.to_string_lossy().starts_with(p));
    special || (descriptor && path.exists())
}

fn write_err(path: &Path, source: std::io::Error) -> Error {
    Error::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// Where an output's bytes finally go: a link is written through, so the file it names is
/// replaced and the link kept.
fn resolved(path: &Path) -> PathBuf {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(path).unwrap_or(path.into()),
        _ => path.to_path_buf(),
    }
}

/// Where an output lands: its folder resolved (links, `..`, the working directory) and its name.
fn place(path: &Path) -> Option<PathBuf> {
    let p = resolved(path);
    Some(std::fs::canonicalize(folder(&p)).ok()?.join(p.file_name()?))
}

/// The folder an output is written in (`.` for a bare file name).
fn folder(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn temp_beside(target: &Path) -> Result<tempfile::NamedTempFile> {
    let dir = folder(target);
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(write_err(
                target,
                std::io::Error::other(format!("{} is not a directory", dir.display())),
            ))
        }
        Err(_) => {
            return Err(write_err(
                target,
                std::io::Error::other(format!(
                    "directory {} does not exist (create it first)",
                    dir.display()
                )),
            ))
        }
    }
    if target.is_dir() {
        return Err(write_err(
            target,
            std::io::Error::other("is a directory; give a file name"),
        ));
    }
    let mut b = tempfile::Builder::new();
    b.prefix(".datassay-").suffix(".partial");
    #[cfg(unix)]
    {
        // The default of tempfile is 0600; an output gets the mode any new file gets (0666 less
        // the umask).
        use std::os::unix::fs::PermissionsExt;
        b.permissions(std::fs::Permissions::from_mode(0o666));
    }
    b.tempfile_in(dir).map_err(|e| write_err(target, e))
}

impl OutputFile {
    /// Start writing `path`.
    pub fn create(path: &Path) -> Result<OutputFile> {
        if in_place(path) {
            let f = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|e| write_err(path, e))?;
            return Ok(OutputFile {
                target: path.to_path_buf(),
                sink: Sink::InPlace(f),
            });
        }
        let target = resolved(path);
        let tmp = temp_beside(&target)?;
        Ok(OutputFile {
            target,
            sink: Sink::Atomic(tmp),
        })
    }

    /// The path being written.
    pub fn path(&self) -> &Path {
        &self.target
    }

    /// Flush, sync and move the finished file over the target.
    pub fn commit(self) -> Result<()> {
        let t = self.target;
        match self.sink {
            Sink::InPlace(mut f) => f.flush().map_err(|e| write_err(&t, e)),
            Sink::Atomic(mut tmp) => {
                tmp.flush().map_err(|e| write_err(&t, e))?;
                tmp.as_file().sync_all().map_err(|e| write_err(&t, e))?;
                tmp.persist(&t).map_err(|e| write_err(&t, e.error))?;
                Ok(())
            }
        }
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.sink {
            Sink::Atomic(t) => t.write(buf),
            Sink::InPlace(f) => f.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.sink {
            Sink::Atomic(t) => t.flush(),
            Sink::InPlace(f) => f.flush(),
        }
    }
}

/// Write `bytes` to `path` atomically.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut o = OutputFile::create(path)?;
    o.write_all(bytes).map_err(|e| write_err(path, e))?;
    o.commit()
}

/// A format tables are written in, by extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableFormat {
    Parquet,
    Csv,
    Jsonl,
}

/// The table format `path`'s extension names, or an error that lists the choices.
pub fn table_format(path: &Path) -> Result<TableFormat> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    Ok(match ext.as_str() {
        "parquet" | "pq" => TableFormat::Parquet,
        "csv" => TableFormat::Csv,
        "jsonl" | "ndjson" => TableFormat::Jsonl,
        _ => {
            return Err(Error::Option(format!(
                "{}: tables are written as .parquet, .csv or .jsonl (by the file's extension)",
                path.display()
            )))
        }
    })
}

/// Write record batches (one schema, at least one batch) as a table in the format of `path`'s
/// extension, atomically. Returns the rows written.
pub fn write_table(
    path: &Path,
    batches: impl IntoIterator<Item = arrow::array::RecordBatch>,
) -> Result<u64> {
    write_table_as(path, table_format(path)?, batches)
}

/// [`write_table`] in a given format, whatever the extension.
pub fn write_table_as(
    path: &Path,
    format: TableFormat,
    batches: impl IntoIterator<Item = arrow::array::RecordBatch>,
) -> Result<u64> {
    let mut batches = batches.into_iter().peekable();
    let schema = batches
        .peek()
        .map(|b| b.schema())
        .ok_or_else(|| Error::NoInput(format!("{}: no rows to write", path.display())))?;
    let werr = |e: &dyn std::fmt::Display| write_err(path, std::io::Error::other(e.to_string()));
    let mut out = OutputFile::create(path)?;
    let mut rows = 0u64;
    match format {
        TableFormat::Parquet => {
            let mut w = parquet::arrow::ArrowWriter::try_new(&mut out, schema, None)
                .map_err(|e| werr(&e))?;
            for b in batches {
                rows += b.num_rows() as u64;
                w.write(&b).map_err(|e| werr(&e))?;
            }
            w.close().map_err(|e| werr(&e))?;
        }
        TableFormat::Csv => {
            let mut w = arrow::csv::Writer::new(std::io::BufWriter::new(&mut out));
            for b in batches {
                rows += b.num_rows() as u64;
                w.write(&b).map_err(|e| werr(&e))?;
            }
            w.into_inner().flush().map_err(|e| write_err(path, e))?;
        }
        TableFormat::Jsonl => {
            let mut w = arrow::json::LineDelimitedWriter::new(std::io::BufWriter::new(&mut out));
            for b in batches {
                rows += b.num_rows() as u64;
                w.write(&b).map_err(|e| werr(&e))?;
            }
            w.finish().map_err(|e| werr(&e))?;
            w.into_inner().flush().map_err(|e| write_err(path, e))?;
        }
    }
    out.commit()?;
    Ok(rows)
}

/// Check the outputs of a run before it starts: each can be created in its folder, none is one
/// of `inputs` (unless `force`), and no two are the same file. `-` (standard output) is skipped.
pub fn check(outputs: &[&Path], inputs: &[PathBuf], force: bool) -> Result<()> {
    let outputs: Vec<&Path> = outputs
        .iter()
        .copied()
        .filter(|p| p.as_os_str() != "-")
        .collect();
    for (i, o) in outputs.iter().enumerate() {
        let id = FileId::of(o);
        for prior in &outputs[..i] {
            // The same path, the same existing file, or the same place once the folder is
            // resolved (`o.json` and `$PWD/o.json` before either exists).
            let same = prior == o
                || (id.is_some() && FileId::of(prior) == id)
                || place(prior).is_some_and(|x| Some(x) == place(o));
            if same {
                return Err(Error::Option(format!(
                    "{} is given as two outputs ({} and {}); give each output its own file",
                    o.display(),
                    prior.display(),
                    o.display()
                )));
            }
        }
        if force {
            continue;
        }
        if let Some(id) = id {
            if let Some(input) = inputs.iter().find(|p| FileId::of(p).as_ref() == Some(&id)) {
                return Err(Error::OutputIsInput {
                    output: o.to_path_buf(),
                    input: input.clone(),
                });
            }
        }
    }
    for o in &outputs {
        if in_place(o) {
            // A device or pipe is not opened here: opening and closing a named pipe would hand
            // its reader an empty stream. It is opened once, when written.
            continue;
        } else {
            // Creating (and dropping) the temporary file proves the folder is writable.
            temp_beside(&resolved(o))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_the_previous_file() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("out.json");
        std::fs::write(&p, "old").unwrap();
        {
            let mut o = OutputFile::create(&p).unwrap();
            o.write_all(b"new and incomplete").unwrap();
            // Dropped without commit: a failure half-way.
        }
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "old");
        write_file(&p, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        let left: Vec<_> = std::fs::read_dir(t.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file is left behind");
    }

    #[test]
    fn outputs_are_checked_before_work() {
        let t = tempfile::tempdir().unwrap();
        let input = t.path().join("data.parquet");
        std::fs::write(&input, "x").unwrap();
        let e = check(&[&input], std::slice::from_ref(&input), false).unwrap_err();
        assert!(matches!(e, Error::OutputIsInput { .. }), "{e}");
        check(&[&input], std::slice::from_ref(&input), true).unwrap();
        let missing = t.path().join("nope/x.json");
        let e = check(&[&missing], &[], false).unwrap_err();
        assert!(e.to_string().contains("does not exist"), "{e}");
        let o = t.path().join("o.csv");
        let e = check(&[&o, &o], &[], false).unwrap_err();
        assert!(e.to_string().contains("two outputs"), "{e}");
        check(&[Path::new("-"), Path::new("-")], &[], false).unwrap();
    }

    /// `--json /dev/null` replaced the device with a regular file (the rename of an atomic
    /// write); a named pipe was replaced and its reader got nothing.
    #[cfg(unix)]
    #[test]
    fn devices_and_pipes_are_written_in_place() {
        use std::os::unix::fs::FileTypeExt;
        let null = Path::new("/dev/null");
        check(&[null], &[], false).unwrap();
        write_file(null, b"gone").unwrap();
        assert!(std::fs::metadata(null)
            .unwrap()
            .file_type()
            .is_char_device());
        let t = tempfile::tempdir().unwrap();
        let fifo = t.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            let f2 = fifo.clone();
            let reader = std::thread::spawn(move || std::fs::read(&f2).unwrap());
            // The check before the run must not open the pipe: its reader would see an empty
            // stream, and the write after it would block forever.
            check(&[fifo.as_path()], &[], false).unwrap();
            write_file(&fifo, b"through the pipe").unwrap();
            assert_eq!(reader.join().unwrap(), b"through the pipe");
            assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
        }
        let left: Vec<_> = std::fs::read_dir(t.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "only the pipe");
    }
}
