//! The library's one error type.
//!
//! Messages are lowercase, name the file or column at fault and, where there is one, the fix.

use std::path::PathBuf;

/// Everything that can go wrong in datassay.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A path given by the user does not exist.
    #[error("{path}: no such file or directory")]
    NotFound { path: PathBuf },
    /// A file exists but could not be opened or read.
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file could not be decoded in the format its extension (or `--format`) names.
    #[error("{path}: not a valid {format} file: {message}")]
    Format {
        path: PathBuf,
        format: &'static str,
        message: String,
    },
    /// A file has an extension datassay does not read.
    #[error("{path}: unknown file type; expected .parquet, .csv, .tsv, .arrow, .ipc, .feather, .arrows, .jsonl or .ndjson (or pass --format)")]
    UnknownFormat { path: PathBuf },
    /// The file decodes but holds nothing to profile.
    #[error("{path}: {message}")]
    Empty { path: PathBuf, message: String },
    /// A CSV or JSON value that does not fit the type inferred from the first rows of its file
    /// (a float in an integer column, a key the first rows lacked).
    #[error("{path}: {message}")]
    TypeConflict { path: PathBuf, message: String },
    /// A file of a multi-file dataset does not share the first file's schema.
    #[error("{path}: schema differs from {reference}: {message}")]
    SchemaMismatch {
        path: PathBuf,
        reference: PathBuf,
        message: String,
    },
    /// Nothing in the inputs could be profiled.
    #[error("record batch does not match the profiler's schema: {0}")]
    BatchSchema(String),

    #[error("no readable input: {0}")]
    NoInput(String),
    /// A profile JSON file is malformed or of an unsupported version.
    #[error("{path}: not a datassay profile: {message}")]
    BadProfile { path: PathBuf, message: String },
    /// Two profiles or states cannot be merged.
    #[error("cannot merge: {0}")]
    Merge(String),
    /// A checks file that is not valid YAML or holds keys or values it should not.
    #[error("{path}: {message}")]
    BadChecks { path: PathBuf, message: String },
    /// Two profiles that cannot be compared (different sketch parameters, no rows).
    #[error("cannot compare: {0}")]
    Incompatible(String),
    /// The GPU path was requested but is not usable.
    #[error("gpu unavailable: {0}")]
    Gpu(String),
    /// An invalid option value.
    #[error("invalid option: {0}")]
    Option(String),
    /// A reader or kernel failed unexpectedly on a file (a bug, reported instead of crashing).
    #[error("{path}: internal error while reading it ({message}); please report it with the file")]
    Internal { path: PathBuf, message: String },
    /// An output of a run is also one of its inputs: writing it would destroy the data read.
    #[error("{output} is also an input of this run ({input}): refusing to overwrite it")]
    OutputIsInput { output: PathBuf, input: PathBuf },
    /// Writing output failed.
    #[error("{path}: cannot write: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Result alias for the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The file this error is about, when there is one.
    pub fn path(&self) -> Option<&std::path::Path> {
        match self {
            Error::NotFound { path }
            | Error::Io { path, .. }
            | Error::Format { path, .. }
            | Error::UnknownFormat { path }
            | Error::Empty { path, .. }
            | Error::SchemaMismatch { path, .. }
            | Error::TypeConflict { path, .. }
            | Error::BadProfile { path, .. }
            | Error::Internal { path, .. }
            | Error::Write { path, .. } => Some(path),
            Error::OutputIsInput { output, .. } => Some(output),
            _ => None,
        }
    }
}

/// An I/O error about `path`: [`Error::NotFound`] when it does not exist, else [`Error::Io`].
pub(crate) fn io_error(path: &std::path::Path, e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::NotFound {
        Error::NotFound {
            path: path.to_path_buf(),
        }
    } else {
        Error::Io {
            path: path.to_path_buf(),
            source: e,
        }
    }
}

/// Run `f`, turning a panic inside it (a reader bug on a malformed file) into [`Error::Internal`]
/// for `path`, so one bad file cannot end a multi-file run.
pub(crate) fn guarded<T>(path: &std::path::Path, f: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|p| {
        Err(Error::Internal {
            path: path.to_path_buf(),
            message: panic_message(p.as_ref()),
        })
    })
}

/// The message a panic carried.
pub fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error_naming_the_file() {
        let e = guarded::<()>(std::path::Path::new("bad.arrow"), || {
            panic!("offset out of bounds")
        })
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "bad.arrow: internal error while reading it (offset out of bounds); please report it with the file"
        );
        assert_eq!(guarded(std::path::Path::new("x"), || Ok(3)).unwrap(), 3);
    }
}
