//! Reading embedding matrices: NumPy `.npy` files (float32, float16, float64; C or Fortran order;
//! either byte order) and vector columns of Parquet, Arrow IPC and JSON lines files
//! (`fixed_size_list<float>`, `list<float>` or `large_list<float>` of float16/32/64).
//!
//! Rows whose vector is null or holds NaN/±inf are left out of the search and counted; a vector
//! of another length than the first is an error naming its row (a matrix has one dimension).
//! Vectors are held as f32 (float64 input is rounded to f32, as the kernels compute in f32; the
//! refinement then works from those f32 values).

use crate::error::{Error, Result};
use crate::source::columns::{resolve, ColumnRole};
use crate::source::{expand, Format, ReadOptions, SourceFile};
use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Float16Type, Float32Type, Float64Type, Schema};
use std::io::Read;
use std::path::{Path, PathBuf};

/// An embedding matrix, its finite rows gathered for the search.
#[derive(Clone, Debug, Default)]
pub struct Embeddings {
    /// The file or files read.
    pub source: String,
    /// The vector column (None for `.npy`).
    pub column: Option<String>,
    /// Dimension of every vector.
    pub dim: usize,
    /// Usable rows, `vectors × dim`, row-major.
    pub data: Vec<f32>,
    /// Source row (0-based over all files) of each usable row.
    pub rows: Vec<u64>,
    /// Rows read in all.
    pub total_rows: u64,
    /// Rows left out for a null vector.
    pub null_rows: u64,
    /// Rows left out for a vector holding NaN, ±inf, a null element, or a float64 value beyond
    /// float32's range.
    pub non_finite_rows: u64,
    /// Every left-out row and why (`null`, `non-finite`).
    pub excluded: Vec<(u64, &'static str)>,
    /// Up to 10 left-out rows.
    pub excluded_sample: Vec<u64>,
    /// Seconds spent reading.
    pub load_seconds: f64,
    /// Adjustments made while reading, worth a line to the user.
    pub notices: Vec<String>,
}

impl Embeddings {
    /// Vectors usable by the search.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether no vector is usable.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Build from a dense row-major matrix (rows with NaN/inf are left out).
    pub fn from_matrix(values: &[f32], dim: usize, source: &str) -> Result<Embeddings> {
        if dim == 0 || !values.len().is_multiple_of(dim) {
            return Err(Error::Option(format!(
                "{source}: {} values do not form rows of dimension {dim}",
                values.len()
            )));
        }
        let mut e = Embeddings {
            source: source.into(),
            dim,
            ..Default::default()
        };
        for row in values.chunks_exact(dim) {
            e.push_row(Some(row.iter().copied()));
        }
        Ok(e)
    }

    fn push_row(&mut self, row: Option<impl Iterator<Item = f32>>) {
        let r = self.total_rows;
        self.total_rows += 1;
        let Some(row) = row else {
            self.null_rows += 1;
            self.exclude(r, "null");
            return;
        };
        let start = self.data.len();
        self.data.extend(row);
        if self.data[start..].iter().all(|v| v.is_finite()) {
            self.rows.push(r);
        } else {
            self.data.truncate(start);
            self.non_finite_rows += 1;
            self.exclude(r, "non-finite");
        }
    }

    fn exclude(&mut self, r: u64, why: &'static str) {
        self.excluded.push((r, why));
        if self.excluded_sample.len() < 10 {
            self.excluded_sample.push(r);
        }
    }
}

/// Read the vectors of `paths` (files or folders, read as one dataset in order). `.npy` files
/// hold a matrix; other formats need `column`, or have exactly one list-of-float column.
pub fn read_embeddings(
    paths: &[PathBuf],
    column: Option<&str>,
    read: &ReadOptions,
) -> Result<Embeddings> {
    let t = std::time::Instant::now();
    let (files, errors) = expand(paths);
    if let Some(e) = errors.into_iter().next() {
        return Err(e);
    }
    if files.is_empty() {
        return Err(Error::NoInput("no files given".into()));
    }
    let mut e = Embeddings {
        source: files
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        ..Default::default()
    };
    for f in &files {
        let is_npy = f.extension().is_some_and(|x| x.eq_ignore_ascii_case("npy"));
        if is_npy {
            if column.is_some() {
                return Err(Error::Option(format!(
                    "{}: a .npy file holds one matrix; `column` applies to tables",
                    f.display()
                )));
            }
            read_npy(f, &mut e)?;
        } else {
            read_table(f, column, read, &mut e)?;
        }
    }
    if e.total_rows == 0 {
        return Err(Error::Empty {
            path: files[0].clone(),
            message: format!(
                "holds no vectors (0 rows{})",
                if files.len() > 1 {
                    " in all the files"
                } else {
                    ""
                }
            ),
        });
    }
    e.load_seconds = t.elapsed().as_secs_f64();
    Ok(e)
}

fn format_err(path: &Path, message: String) -> Error {
    Error::Format {
        path: path.to_path_buf(),
        format: "npy",
        message,
        source: None,
    }
}

/// Parse a `.npy` header: `(descr, fortran_order, shape)`.
fn npy_header(path: &Path, r: &mut impl Read) -> Result<(String, bool, Vec<usize>)> {
    let io = |e| Error::Io {
        path: path.to_path_buf(),
        source: e,
    };
    let mut magic = [0u8; 8];
    r.read_exact(&mut magic)
        .map_err(|_| format_err(path, "shorter than a .npy header".into()))?;
    if &magic[..6] != b"\x93NUMPY" {
        return Err(format_err(
            path,
            "no NumPy magic string at the start".into(),
        ));
    }
    let len = if magic[6] == 1 {
        let mut b = [0u8; 2];
        r.read_exact(&mut b).map_err(io)?;
        u16::from_le_bytes(b) as usize
    } else {
        let mut b = [0u8; 4];
        r.read_exact(&mut b).map_err(io)?;
        u32::from_le_bytes(b) as usize
    };
    if len > 1 << 20 {
        return Err(format_err(path, format!("header of {len} bytes")));
    }
    let mut h = vec![0u8; len];
    r.read_exact(&mut h)
        .map_err(|_| format_err(path, "truncated header".into()))?;
    let h = String::from_utf8_lossy(&h).to_string();
    let field = |key: &str| -> Option<String> {
        let at = h.find(&format!("'{key}'"))? + key.len() + 2;
        let rest = h[at..].trim_start().strip_prefix(':')?.trim_start();
        Some(rest.to_string())
    };
    let descr = field("descr")
        .and_then(|v| {
            v.strip_prefix('\'')
                .map(|v| v.split('\'').next().unwrap_or("").to_string())
        })
        .ok_or_else(|| format_err(path, format!("no 'descr' in header {h:?}")))?;
    let fortran = field("fortran_order").is_some_and(|v| v.starts_with("True"));
    let shape_s = field("shape")
        .and_then(|v| {
            v.strip_prefix('(')
                .map(|v| v.split(')').next().unwrap_or("").to_string())
        })
        .ok_or_else(|| format_err(path, format!("no 'shape' in header {h:?}")))?;
    let shape = shape_s
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_end_matches('L').parse::<usize>())
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|_| format_err(path, format!("bad shape ({shape_s})")))?;
    Ok((descr, fortran, shape))
}

fn read_npy(path: &Path, e: &mut Embeddings) -> Result<()> {
    let file = std::fs::File::open(path).map_err(|e| crate::error::io_error(path, e))?;
    let file_len = file.metadata().map(|m| m.len()).unwrap_or(u64::MAX);
    let mut r = std::io::BufReader::with_capacity(1 << 20, file);
    let (descr, fortran, shape) = npy_header(path, &mut r)?;
    let (n, dim) = match shape[..] {
        [n, d] => (n, d),
        _ => {
            return Err(format_err(
                path,
                format!("shape {shape:?}: expected a 2-D matrix (vectors × dimension)"),
            ))
        }
    };
    if dim == 0 {
        return Err(format_err(path, "vectors of dimension 0".into()));
    }
    check_dim(e, dim, path, 0)?;
    let (size, big) = match descr.as_str() {
        "<f4" | "=f4" | "|f4" => (4, false),
        ">f4" => (4, true),
        "<f2" | "=f2" | "|f2" => (2, false),
        ">f2" => (2, true),
        "<f8" | "=f8" | "|f8" => (8, false),
        ">f8" => (8, true),
        other => {
            return Err(format_err(
                path,
                format!("element type {other:?}: datassay reads float16, float32 and float64 matrices (numpy: x.astype('float32'))"),
            ))
        }
    };
    // A header may promise more than the file holds: nothing is allocated for more than is there.
    let promised = (n as u128) * (dim as u128) * (size as u128);
    if promised > file_len as u128 {
        return Err(format_err(
            path,
            format!(
                "truncated: the header promises {n} × {dim} values ({promised} bytes), the file has {file_len} bytes"
            ),
        ));
    }
    // float64 values beyond float32's range (the search computes in float32) would become
    // infinite: such rows are left out as non-finite ones are, and counted with a notice.
    let beyond = std::cell::Cell::new(false);
    let narrow = |v: f64| -> f32 {
        let x = v as f32;
        if v.is_finite() && !x.is_finite() {
            beyond.set(true);
        }
        x
    };
    let decode = |b: &[u8]| -> f32 {
        match (size, big) {
            (4, false) => f32::from_le_bytes(b.try_into().unwrap()),
            (4, true) => f32::from_be_bytes(b.try_into().unwrap()),
            (2, false) => half::f16::from_le_bytes(b.try_into().unwrap()).to_f32(),
            (2, true) => half::f16::from_be_bytes(b.try_into().unwrap()).to_f32(),
            (8, false) => narrow(f64::from_le_bytes(b.try_into().unwrap())),
            _ => narrow(f64::from_be_bytes(b.try_into().unwrap())),
        }
    };
    let truncated = |read: usize| {
        format_err(
            path,
            format!(
                "truncated: the header promises {n} × {dim} values, the file holds {read} rows"
            ),
        )
    };
    if fortran {
        // Column-major: read it whole, then gather rows.
        let mut bytes = vec![0u8; n * dim * size];
        r.read_exact(&mut bytes).map_err(|_| truncated(0))?;
        let vals: Vec<f32> = bytes.chunks_exact(size).map(decode).collect();
        let mut wide = Vec::new();
        for i in 0..n {
            if vals_beyond(&bytes, size, big, n, dim, i) {
                wide.push(e.total_rows);
            }
            e.push_row(Some((0..dim).map(|j| vals[j * n + i])));
        }
        note_beyond_f32(e, path, &wide);
        return Ok(());
    }
    e.data.reserve(n * dim);
    let mut row = vec![0u8; dim * size];
    let mut wide = Vec::new();
    for i in 0..n {
        r.read_exact(&mut row).map_err(|_| truncated(i))?;
        beyond.set(false);
        let values: Vec<f32> = row.chunks_exact(size).map(decode).collect();
        if beyond.get() {
            wide.push(e.total_rows);
        }
        e.push_row(Some(values.into_iter()));
    }
    note_beyond_f32(e, path, &wide);
    Ok(())
}

/// Whether row `i` of a column-major float64 matrix holds a value beyond float32's range.
fn vals_beyond(bytes: &[u8], size: usize, big: bool, n: usize, dim: usize, i: usize) -> bool {
    size == 8
        && (0..dim).any(|j| {
            let b: [u8; 8] = bytes[(j * n + i) * 8..][..8].try_into().unwrap();
            let v = if big {
                f64::from_be_bytes(b)
            } else {
                f64::from_le_bytes(b)
            };
            v.is_finite() && !(v as f32).is_finite()
        })
}

/// Say which rows were left out for float64 values beyond float32's range.
fn note_beyond_f32(e: &mut Embeddings, path: &Path, rows: &[u64]) {
    if let Some(first) = rows.first() {
        e.notices.push(format!(
            "{}: {} {} float64 values beyond float32's range (±3.4e38), in which the search computes: left out with the non-finite rows (first: row {first}); scale the vectors to keep them",
            path.display(),
            rows.len(),
            if rows.len() == 1 { "row holds" } else { "rows hold" },
        ));
    }
}

fn check_dim(e: &mut Embeddings, dim: usize, path: &Path, row: u64) -> Result<()> {
    if e.dim == 0 {
        e.dim = dim;
        return Ok(());
    }
    if e.dim != dim {
        return Err(Error::Format {
            path: path.to_path_buf(),
            format: "embedding",
            message: format!(
                "row {row} has a vector of dimension {dim}, earlier rows {}: every vector must have one dimension",
                e.dim
            ),
            source: None,
        });
    }
    Ok(())
}

/// Whether a column type holds vectors of floats, and of which element type.
fn float_list(t: &DataType) -> Option<&DataType> {
    let inner = match t {
        DataType::FixedSizeList(f, _) | DataType::List(f) | DataType::LargeList(f) => f.data_type(),
        _ => return None,
    };
    matches!(
        inner,
        DataType::Float16 | DataType::Float32 | DataType::Float64
    )
    .then_some(inner)
}

fn read_table(
    path: &Path,
    column: Option<&str>,
    read: &ReadOptions,
    e: &mut Embeddings,
) -> Result<()> {
    // Vectors in JSON: a list inferred from integers in the first rows must not truncate a
    // later float, so JSON types come from the whole file.
    let f = SourceFile::open(path, &read.whole_file_types())?;
    if f.format == Format::Csv {
        return Err(Error::Option(format!(
            "{}: CSV cannot hold vectors; use .npy, Parquet, Arrow IPC or JSON lines",
            path.display()
        )));
    }
    let idx = vector_column(&f.schema, column, &path.display().to_string())?;
    let fields = f.schema.fields();
    let name = fields[idx].name().clone();
    match &e.column {
        None => e.column = Some(name),
        Some(c) if *c != name => {
            return Err(Error::Option(format!(
                "{}: vector column {name:?} differs from the first file's {c:?}",
                path.display()
            )))
        }
        _ => {}
    }
    for b in f.batches(Some(&[idx]))? {
        push_column(e, b?.column(0), path)?;
    }
    Ok(())
}

/// The vector column of a schema: `column`, or the one list-of-float column there is; `source`
/// names the data in errors.
fn vector_column(schema: &Schema, column: Option<&str>, source: &str) -> Result<usize> {
    resolve(schema, column, &VECTORS, source)
}

/// What a vector column is, for the column resolver.
static VECTORS: ColumnRole = ColumnRole {
    kind: "vector",
    expected: "a list of floats",
    types: "fixed_size_list or list of float16/32/64",
    accepts: |t| float_list(t).is_some(),
};

impl Embeddings {
    /// The vectors of a column of record batches (`column`, or the one list-of-float column;
    /// rows in stream order), named `source` in errors and reports.
    pub fn from_batches(
        schema: &Schema,
        batches: impl IntoIterator<Item = Result<RecordBatch>>,
        column: Option<&str>,
        source: &str,
    ) -> Result<Embeddings> {
        let t = std::time::Instant::now();
        let idx = vector_column(schema, column, source)?;
        let mut e = Embeddings {
            source: source.into(),
            column: Some(schema.field(idx).name().clone()),
            ..Default::default()
        };
        for b in batches {
            let b = b?;
            push_column(&mut e, b.column(idx), Path::new(source))?;
        }
        if e.total_rows == 0 {
            return Err(Error::Empty {
                path: source.into(),
                message: "holds no vectors (0 rows)".into(),
            });
        }
        e.load_seconds = t.elapsed().as_secs_f64();
        Ok(e)
    }
}

/// Append the vectors of a list-of-float column.
fn push_column(e: &mut Embeddings, col: &ArrayRef, path: &Path) -> Result<()> {
    for i in 0..col.len() {
        if col.is_null(i) {
            e.push_row(None::<std::iter::Empty<f32>>);
            continue;
        }
        let v = match col.data_type() {
            DataType::FixedSizeList(..) => col.as_fixed_size_list().value(i),
            DataType::List(_) => col.as_list::<i32>().value(i),
            _ => col.as_list::<i64>().value(i),
        };
        check_dim(e, v.len(), path, e.total_rows)?;
        // Null elements inside a vector read as NaN: the row is then left out.
        match v.data_type() {
            DataType::Float32 => {
                let a = v.as_primitive::<Float32Type>();
                e.push_row(Some((0..a.len()).map(|j| {
                    if a.is_null(j) {
                        f32::NAN
                    } else {
                        a.value(j)
                    }
                })));
            }
            DataType::Float16 => {
                let a = v.as_primitive::<Float16Type>();
                e.push_row(Some((0..a.len()).map(|j| {
                    if a.is_null(j) {
                        f32::NAN
                    } else {
                        a.value(j).to_f32()
                    }
                })));
            }
            _ => {
                let a = v.as_primitive::<Float64Type>();
                e.push_row(Some((0..a.len()).map(|j| {
                    if a.is_null(j) {
                        f32::NAN
                    } else {
                        a.value(j) as f32
                    }
                })));
            }
        }
    }
    Ok(())
}
