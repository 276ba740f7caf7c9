//! datassay's errors as Python exceptions, with the messages the command line prints.
//!
//! `DatassayError` is the base of them all; an invalid option is also a `ValueError`, a missing
//! file also a `FileNotFoundError`, other reading failures also an `OSError`.

use datassay::Error;
use pyo3::exceptions::{PyException, PyFileNotFoundError, PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

pyo3::create_exception!(
    datassay,
    DatassayError,
    PyException,
    "An error of datassay (the message is the one the command line prints)."
);

/// Make the exception classes (subclasses of `DatassayError` and a builtin) and add them.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let base = py.get_type::<DatassayError>();
    m.add("DatassayError", &base)?;
    let builtins = py.import("builtins")?;
    let type_ = builtins.getattr("type")?;
    for (name, other, doc) in [
        (
            "InvalidOptionError",
            py.get_type::<PyValueError>(),
            "An option out of its range, or one that does not apply.",
        ),
        (
            "InputNotFoundError",
            py.get_type::<PyFileNotFoundError>(),
            "A path that does not exist.",
        ),
        (
            "BadInputError",
            py.get_type::<PyOSError>(),
            "Input that cannot be read: a damaged file, an unreadable profile, a schema that differs.",
        ),
        (
            "MergeError",
            py.get_type::<PyValueError>(),
            "Profiles that cannot be merged (different columns, or a part counted twice).",
        ),
        (
            "GpuUnavailableError",
            py.get_type::<PyException>(),
            "`device=\"gpu\"` asked for, and no usable GPU.",
        ),
    ] {
        let bases = PyTuple::new(py, [base.as_any(), other.as_any()])?;
        let dict = pyo3::types::PyDict::new(py);
        dict.set_item("__doc__", doc)?;
        dict.set_item("__module__", "datassay")?;
        let cls = type_.call1((name, bases, dict))?;
        m.add(name, cls)?;
    }
    Ok(())
}

/// The Python exception of a datassay error.
pub fn to_py(e: Error) -> PyErr {
    // Option names arrive in backticks (the library's convention); a keyword argument is
    // written as it is typed in Python.
    let msg = datassay::error::render_options(&e.to_string(), |name| {
        name.bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'_')
            .then(|| name.to_string())
    });
    let name = match &e {
        Error::Option(_)
        | Error::InvalidOption { .. }
        | Error::MissingColumn { .. }
        | Error::AmbiguousColumn { .. }
        | Error::UnsupportedType { .. } => "InvalidOptionError",
        Error::NotFound { .. } => "InputNotFoundError",
        Error::Merge(_) | Error::Incompatible(_) => "MergeError",
        Error::Gpu(_) => "GpuUnavailableError",
        Error::Io { .. }
        | Error::Format { .. }
        | Error::UnknownFormat { .. }
        | Error::Empty { .. }
        | Error::TypeConflict { .. }
        | Error::SchemaMismatch { .. }
        | Error::BatchSchema(_)
        | Error::BadProfile { .. }
        | Error::BadChecks { .. }
        | Error::NoInput(_) => "BadInputError",
        _ => "DatassayError",
    };
    Python::attach(|py| {
        let cls = py
            .import("datassay._native")
            .and_then(|m| m.getattr(name))
            .unwrap_or_else(|_| py.get_type::<DatassayError>().into_any());
        match cls.call1((msg.clone(),)) {
            Ok(inst) => PyErr::from_value(inst),
            Err(_) => DatassayError::new_err(msg),
        }
    })
}

/// `Result` into `PyResult`.
pub trait IntoPy<T> {
    fn py_err(self) -> PyResult<T>;
}

impl<T> IntoPy<T> for datassay::Result<T> {
    fn py_err(self) -> PyResult<T> {
        self.map_err(to_py)
    }
}
