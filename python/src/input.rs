//! What the functions accept as data: objects with the Arrow PyCapsule interface, read without
//! copies, or paths read in Rust.

use arrow::array::{RecordBatch, RecordBatchReader};
use arrow::datatypes::SchemaRef;
use arrow::ffi_stream::RecordBatchStreamReader;
use arrow_pyarrow::FromPyArrow;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString, PyTuple};
use std::path::PathBuf;

/// What `data` names.
pub enum Input {
    Paths(Vec<PathBuf>),
    Batches(Batches),
}

/// Record batches from Python: a stream read as it goes, or batches in hand.
pub enum Batches {
    Stream(RecordBatchStreamReader),
    Held(SchemaRef, Vec<RecordBatch>),
}

impl Batches {
    pub fn schema(&self) -> SchemaRef {
        match self {
            Batches::Stream(r) => r.schema(),
            Batches::Held(s, _) => s.clone(),
        }
    }

    /// Every batch, in order.
    pub fn into_iter(self) -> Box<dyn Iterator<Item = datassay::Result<RecordBatch>> + Send> {
        match self {
            Batches::Stream(r) => Box::new(r.map(|b| {
                b.map_err(|e| datassay::Error::BatchSchema(format!("the Arrow stream failed: {e}")))
            })),
            Batches::Held(_, v) => Box::new(v.into_iter().map(Ok)),
        }
    }
}

/// What is accepted, for the `TypeError` of anything else.
pub const ACCEPTED: &str = "an object with the Arrow PyCapsule interface (__arrow_c_stream__ or __arrow_c_array__: a pyarrow Table, RecordBatch or RecordBatchReader, a polars or pandas DataFrame, a DuckDB result), or a path or list of paths";

fn path_of(obj: &Bound<'_, PyAny>) -> PyResult<Option<PathBuf>> {
    if obj.is_instance_of::<PyString>() {
        return Ok(Some(PathBuf::from(obj.extract::<String>()?)));
    }
    if obj.hasattr("__fspath__")? {
        let p = obj.call_method0("__fspath__")?;
        return Ok(Some(PathBuf::from(p.extract::<String>()?)));
    }
    Ok(None)
}

/// Read `data` (see [`ACCEPTED`]); `what` names the function in the `TypeError`.
pub fn input(data: &Bound<'_, PyAny>, what: &str) -> PyResult<Input> {
    if let Some(p) = path_of(data)? {
        return Ok(Input::Paths(vec![p]));
    }
    if data.is_instance_of::<PyList>() || data.is_instance_of::<PyTuple>() {
        let mut paths = Vec::new();
        for x in data.try_iter()? {
            let x = x?;
            match path_of(&x)? {
                Some(p) => paths.push(p),
                None => {
                    return Err(PyTypeError::new_err(format!(
                        "{what}: a list holds paths only, not {}; expected {ACCEPTED}",
                        type_name(&x)
                    )))
                }
            }
        }
        return Ok(Input::Paths(paths));
    }
    batches(data, what).map(Input::Batches)
}

/// The record batches of an Arrow object (see [`ACCEPTED`]; paths are refused).
pub fn batches(data: &Bound<'_, PyAny>, what: &str) -> PyResult<Batches> {
    if data.hasattr("__arrow_c_stream__")? {
        let r = RecordBatchStreamReader::from_pyarrow_bound(data)?;
        return Ok(Batches::Stream(r));
    }
    if data.hasattr("__arrow_c_array__")? {
        let b = RecordBatch::from_pyarrow_bound(data)?;
        return Ok(Batches::Held(b.schema(), vec![b]));
    }
    Err(PyTypeError::new_err(format!(
        "{what}: cannot read an object of type {}; expected {ACCEPTED}",
        type_name(data)
    )))
}

pub fn type_name(x: &Bound<'_, PyAny>) -> String {
    x.get_type()
        .fully_qualified_name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".into())
}
