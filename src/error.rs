//! The library's one error type.
//!
//! Messages are lowercase, name the file or column at fault and, where there is one, the fix.
//! They never name a command-line flag: where a fix is an option, the message names it in
//! backticks and snake case, as the Python keyword spells it (`` `bins` must be between 1 and
//! 65536 ``, `` `hll_precision` ``), and a front end renders it its own way with
//! [`render_options`] (the CLI as `--bins`, Python as `bins`); [`Error::InvalidOption`] carries
//! the name as a field too. Errors that come from arrow, parquet or the operating system keep them as their
//! [`std::error::Error::source`].

use std::path::PathBuf;

/// Everything that can go wrong in datassay.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A path given by the user does not exist.
    #[error("{path}: no such file or directory")]
    NotFound {
        /// The path that does not exist.
        path: PathBuf,
    },
    /// A file exists but could not be opened or read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file that could not be opened or read.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A file could not be decoded in the format its extension (or the `format` option) names.
    /// `message` says what was wrong in words (it includes the text of `source`, when there is
    /// one); `source` is the decoder's own error (arrow, parquet, serde), kept for embedders.
    #[error("{path}: not a valid {format} file: {message}")]
    Format {
        /// The file that could not be decoded.
        path: PathBuf,
        /// The format it was read as (`parquet`, `csv`).
        format: &'static str,
        /// What was wrong, in words.
        message: String,
        /// The decoder's own error, when there is one.
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    },
    /// A file has an extension datassay does not read.
    #[error("{path}: unknown file type; expected .parquet, .csv, .tsv, .arrow, .ipc, .feather, .arrows, .jsonl or .ndjson (or name it with `format`)")]
    UnknownFormat {
        /// The file whose extension is not known.
        path: PathBuf,
    },
    /// The file decodes but holds nothing to profile.
    #[error("{path}: {message}")]
    Empty {
        /// The file, directory or stream.
        path: PathBuf,
        /// What it lacks (bytes, columns, rows, files).
        message: String,
    },
    /// A CSV or JSON value that does not fit the type inferred from the first rows of its file
    /// (a float in an integer column, a key the first rows lacked).
    #[error("{path}: {message}")]
    TypeConflict {
        /// The CSV or JSON file.
        path: PathBuf,
        /// The value that does not fit and where it is.
        message: String,
    },
    /// A file of a multi-file dataset does not share the first file's schema.
    #[error("{path}: schema differs from {reference}: {message}")]
    SchemaMismatch {
        /// The file that does not fit.
        path: PathBuf,
        /// The dataset's first file, whose schema the others must share.
        reference: PathBuf,
        /// How the schemas differ.
        message: String,
    },
    /// A record batch handed to a profiler does not have the schema it was made for.
    #[error("record batch does not match the profiler's schema: {0}")]
    BatchSchema(String),
    /// Nothing to work on: no input was given, none could be read, or what was given has no
    /// rows or columns. The message says which (for unreadable inputs, each input's error).
    #[error("no readable input: {0}")]
    NoInput(String),
    /// A profile JSON file is malformed or of an unsupported version.
    #[error("{path}: not a datassay profile: {message}")]
    BadProfile {
        /// The profile JSON file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// Two profiles or states cannot be merged.
    #[error("cannot merge: {0}")]
    Merge(String),
    /// A checks file that is not valid YAML or holds keys or values it should not.
    #[error("{path}: {message}")]
    BadChecks {
        /// The checks file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// Two profiles that cannot be compared (different sketch parameters, no rows).
    #[error("cannot compare: {0}")]
    Incompatible(String),
    /// The GPU path was requested but is not usable.
    #[error("gpu unavailable: {0}")]
    Gpu(String),
    /// An invalid value of one option: `option` is the library's name for it (`bins`,
    /// `threshold`), `message` what is wrong, read after the name ("must be between 1 and 65536").
    #[error("invalid option: `{option}` {message}")]
    InvalidOption {
        /// The option's name, in snake case (`bins`).
        option: &'static str,
        /// What is wrong with its value, read after the name.
        message: String,
    },
    /// Options that are invalid together, or a request the data cannot serve as asked.
    #[error("invalid option: {0}")]
    Option(String),
    /// A column named by the caller that the data lacks (`column` is `Some`), or no column of the
    /// kind a step needs when none was named (`None`). `input` names the data (a file, a
    /// stream); `candidates` are the columns of that kind there are.
    #[error("{input}: {}", missing_column(column.as_deref(), role, candidates))]
    MissingColumn {
        /// The data the column was looked for in (a file, a stream).
        input: String,
        /// The column named by the caller; `None` when none was named.
        column: Option<String>,
        /// The kind of column the step reads.
        role: &'static ColumnRole,
        /// The columns of `input` that have a usable type (empty when `column` is `None`).
        candidates: Vec<String>,
    },
    /// No column was named and the data has several of the kind a step needs.
    #[error("{input}: several {} columns ([{}]); name one with `column`", role.kind, candidates.join(", "))]
    AmbiguousColumn {
        /// The data the column was looked for in (a file, a stream).
        input: String,
        /// The kind of column the step reads.
        role: &'static ColumnRole,
        /// The usable columns, one of which must be named.
        candidates: Vec<String>,
    },
    /// A column whose type the step cannot use (`role.expected` says what it can).
    #[error("{input}: column {column:?} is {data_type}, not {}; {} columns: [{}]", role.expected, role.kind, candidates.join(", "))]
    UnsupportedType {
        /// The data the column was looked for in (a file, a stream).
        input: String,
        /// The column named by the caller.
        column: String,
        /// The column's arrow type, as arrow displays it (`Utf8`).
        data_type: String,
        /// The kind of column the step reads.
        role: &'static ColumnRole,
        /// The columns of `input` that have a usable type.
        candidates: Vec<String>,
    },
    /// A reader or kernel failed unexpectedly on a file (a bug, reported instead of crashing).
    #[error("{path}: internal error while reading it ({message}); please report it with the file")]
    Internal {
        /// The file being read when the failure happened.
        path: PathBuf,
        /// What failed: the panic's message.
        message: String,
    },
    /// An output of a run is also one of its inputs: writing it would destroy the data read.
    #[error("{output} is also an input of this run ({input}): refusing to overwrite it")]
    OutputIsInput {
        /// The output path, as the caller gave it.
        output: PathBuf,
        /// The input it is the same file as.
        input: PathBuf,
    },
    /// Writing output failed.
    #[error("{path}: cannot write: {source}")]
    Write {
        /// The file or directory that could not be written.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
}

/// The kind of column a pipeline reads (the text of `dedup`, the vectors of `outliers`, the
/// images of `images`), as the column resolver (`source::columns::resolve`) and the column
/// errors name it.
#[derive(Debug)]
pub struct ColumnRole {
    /// Its name in messages ("text", "vector", "image").
    pub kind: &'static str,
    /// What a usable column is, in words ("text", "a list of floats").
    pub expected: &'static str,
    /// The types that qualify, spelled out for a table that has none.
    pub types: &'static str,
    /// Whether a column type qualifies.
    pub accepts: fn(&arrow::datatypes::DataType) -> bool,
}

fn missing_column(column: Option<&str>, role: &ColumnRole, candidates: &[String]) -> String {
    match column {
        Some(c) => format!(
            "no column {c:?}; {} columns: [{}]",
            role.kind,
            candidates.join(", ")
        ),
        None => format!("no {} column ({})", role.kind, role.types),
    }
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

    /// A [`Error::Format`] error about `path` that keeps `source`, the decoder's error, as its
    /// cause; `message` is the text shown.
    pub(crate) fn format_with_source(
        path: &std::path::Path,
        format: &'static str,
        message: String,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Error {
        Error::Format {
            path: path.to_path_buf(),
            format,
            message,
            source: Some(Box::new(source)),
        }
    }
}

/// The option names of a message in backticks (the library's convention), rendered by `flag`:
/// `` `bins` must be `` becomes `--bins must be` under the CLI's rendering. Text in backticks
/// that `flag` does not know (`None`) stays as it is.
pub fn render_options(message: &str, flag: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(i) = rest.find('`') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        match after.find('`') {
            Some(j) => {
                let name = &after[..j];
                match flag(name) {
                    Some(f) => out.push_str(&f),
                    None => {
                        out.push('`');
                        out.push_str(name);
                        out.push('`');
                    }
                }
                rest = &after[j + 1..];
            }
            None => {
                out.push('`');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
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
    fn option_names_render_as_the_front_end_spells_them() {
        let flag = |n: &str| {
            (n == "bins" || n == "hll_precision").then(|| format!("--{}", n.replace('_', "-")))
        };
        assert_eq!(
            render_options(
                "`bins` must be 1 to 9; same `hll_precision`; a `bytes` field",
                flag
            ),
            "--bins must be 1 to 9; same --hll-precision; a `bytes` field"
        );
        assert_eq!(render_options("odd ` tick", flag), "odd ` tick");
        let e = Error::InvalidOption {
            option: "bins",
            message: "must be between 1 and 65536".into(),
        };
        assert_eq!(
            e.to_string(),
            "invalid option: `bins` must be between 1 and 65536"
        );
    }

    #[test]
    fn a_format_error_keeps_its_source() {
        use std::error::Error as _;
        let e = Error::format_with_source(
            std::path::Path::new("a.parquet"),
            "parquet",
            "bad footer".into(),
            std::io::Error::other("underlying"),
        );
        assert_eq!(e.source().unwrap().to_string(), "underlying");
        let m = Error::MissingColumn {
            input: "a.csv".into(),
            column: Some("x".into()),
            role: &ColumnRole {
                kind: "text",
                expected: "text",
                types: "strings",
                accepts: |_| true,
            },
            candidates: vec!["a".into(), "b".into()],
        };
        assert_eq!(
            m.to_string(),
            "a.csv: no column \"x\"; text columns: [a, b]"
        );
    }

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
