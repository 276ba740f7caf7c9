//! Where images come from: files and folders (walked once, by the rules of
//! `util::walk`), tar shards in the WebDataset layout, and image columns of Parquet and Arrow
//! IPC tables.

use super::EXTENSIONS;
use crate::error::Result;
use std::path::{Path, PathBuf};

/// All image files below `paths`, in name order (a file named directly is taken whatever its
/// extension, unless it is a tar shard or a table file). Folders are walked by the rules of
/// [`crate::util::walk`]: hidden and `_` entries skipped, each real folder and file once.
pub fn image_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    crate::util::walk::walk(paths, &|p, named| {
        is_image_name(p) || (named && !(is_tar(p) || crate::source::Format::from_path(p).is_some()))
    })
    .files
}

/// Whether a file name has an image extension.
pub fn is_image_name(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Whether `paths` are a set of images: they hold more image files than table files (a folder
/// of images may carry a CSV of labels; a folder of tables may hold a stray picture).
pub fn is_image_set(paths: &[PathBuf]) -> bool {
    let images = image_files(paths);
    if images.is_empty() {
        // Tar shards alone are image sets too.
        return !paths.is_empty() && paths.iter().all(|p| is_tar(p));
    }
    let (tables, _) = crate::source::expand(paths);
    images.len() > tables.len()
}

/// Where images come from.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// One image file.
    File(PathBuf),
    /// A tar shard (WebDataset layout): every member with an image extension.
    Tar(PathBuf),
    /// A Parquet or Arrow IPC file whose column holds encoded images: binary, or a
    /// struct with a binary `bytes` field (the Hugging Face `Image` feature).
    Table {
        /// The table file.
        path: PathBuf,
        /// The image column; `None`: the only such column the table has.
        column: Option<String>,
    },
}

/// The largest image file read (from a tar member or a table cell): 1 GiB.
pub const MAX_IMAGE_BYTES: u64 = 1 << 30;

/// Whether a file starts with gzip's magic bytes.
pub(super) fn is_gzip(p: &Path) -> bool {
    let mut magic = [0u8; 2];
    std::fs::File::open(p)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic))
        .is_ok()
        && magic == [0x1f, 0x8b]
}

impl Source {
    /// The file the images are read from.
    pub fn path(&self) -> &Path {
        match self {
            Source::File(p) | Source::Tar(p) | Source::Table { path: p, .. } => p,
        }
    }
}

/// A tar shard: `.tar`, or gzip-compressed `.tar.gz` / `.tgz`.
pub(super) fn is_tar(p: &Path) -> bool {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    name.ends_with(".tar") || name.ends_with(".tar.gz") || name.ends_with(".tgz")
}

/// The sources under `paths`: image files (folders walked), `.tar` shards, and table files
/// (their image column `column`, or the first one found).
pub fn sources(paths: &[PathBuf], column: Option<&str>) -> Vec<Source> {
    let mut out: Vec<Source> = image_files(paths).into_iter().map(Source::File).collect();
    let tars = crate::util::walk::walk(paths, &|p, _| is_tar(p)).files;
    out.extend(tars.into_iter().map(Source::Tar));
    // Tables: those with an image column (a folder of images may hold a CSV of labels), or
    // every table when a column is named (a missing one is then an error for that file).
    let (tables, _) = crate::source::expand(paths);
    out.extend(
        tables
            .into_iter()
            .filter(|p| column.is_some() || has_image_column(p))
            .map(|path| Source::Table {
                path,
                column: column.map(String::from),
            }),
    );
    out
}

/// What an image column is, for the column resolver.
static IMAGES: crate::source::columns::ColumnRole = crate::source::columns::ColumnRole {
    kind: "image",
    expected: "encoded images",
    types: "binary, or a struct with a binary bytes field",
    accepts: is_image_type,
};

pub(super) fn is_image_type(t: &arrow::datatypes::DataType) -> bool {
    use arrow::datatypes::DataType;
    let bytes = |t: &DataType| {
        matches!(
            t,
            DataType::Binary | DataType::LargeBinary | DataType::BinaryView
        )
    };
    match t {
        DataType::Struct(fs) => fs
            .iter()
            .any(|x| x.name() == "bytes" && bytes(x.data_type())),
        t => bytes(t),
    }
}

/// Whether a table file has a column of encoded images.
pub(super) fn has_image_column(p: &Path) -> bool {
    crate::source::SourceFile::open(p, &crate::source::ReadOptions::default()).is_ok_and(|f| {
        f.schema
            .fields()
            .iter()
            .any(|x| is_image_type(x.data_type()))
    })
}

/// Hand every row's image bytes of `path`'s image column to `each` (`None` for a null image),
/// named `file:row`.
pub(super) fn table_images(
    path: &Path,
    column: Option<&str>,
    each: &mut dyn FnMut(String, Option<&[u8]>),
) -> Result<()> {
    use arrow::array::{Array, AsArray};
    use arrow::datatypes::DataType;
    let f = crate::source::SourceFile::open(path, &crate::source::ReadOptions::default())?;
    let idx =
        crate::source::columns::resolve(&f.schema, column, &IMAGES, &path.display().to_string())?;
    let mut row = 0u64;
    for b in f.batches(Some(&[idx]))? {
        let b = b?;
        let col = b.column(0);
        let (bytes, outer) = match col.data_type() {
            DataType::Struct(_) => {
                let s = col.as_struct();
                let inner = s.column_by_name("bytes").expect("checked above").clone();
                (inner, s.nulls().cloned())
            }
            _ => (col.clone(), None),
        };
        for i in 0..bytes.len() {
            let name = format!("{}:{}", path.display(), row + i as u64);
            let null = bytes.is_null(i) || outer.as_ref().is_some_and(|n| n.is_null(i));
            let v: Option<&[u8]> = (!null).then(|| match bytes.data_type() {
                DataType::Binary => bytes.as_binary::<i32>().value(i),
                DataType::LargeBinary => bytes.as_binary::<i64>().value(i),
                _ => bytes.as_binary_view().value(i),
            });
            each(name, v);
        }
        row += bytes.len() as u64;
    }
    Ok(())
}
