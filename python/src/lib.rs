//! The `datassay._native` extension: the datassay crate for Python.
//!
//! Inputs arrive through the Arrow PyCapsule interface (`__arrow_c_stream__`,
//! `__arrow_c_array__`), so pyarrow, polars, pandas and DuckDB objects are read without copies;
//! paths are read in Rust. The GIL is released while the work runs. Nothing is created at
//! import: the GPU device and the worker threads are made on first use, and a forked worker
//! (Spark's Python daemon, Ray, multiprocessing) makes its own.
//!
//! The Python package (`datassay/__init__.py`) re-exports these functions and adds the Spark and
//! Ray integrations on top of them.

use pyo3::prelude::*;

mod distributed;
mod errors;
mod input;
mod options;
mod pipelines;
mod profile;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    errors::register(m)?;
    m.add_class::<profile::Profile>()?;
    m.add_class::<profile::Profiler>()?;
    m.add_function(wrap_pyfunction!(profile::profile, m)?)?;
    m.add_function(wrap_pyfunction!(profile::merge, m)?)?;
    m.add_function(wrap_pyfunction!(pipelines::dedup, m)?)?;
    m.add_function(wrap_pyfunction!(pipelines::outliers, m)?)?;
    m.add_function(wrap_pyfunction!(pipelines::images, m)?)?;
    m.add_function(wrap_pyfunction!(distributed::profile_part, m)?)?;
    m.add_function(wrap_pyfunction!(distributed::sign_documents, m)?)?;
    m.add_function(wrap_pyfunction!(distributed::estimate, m)?)?;
    m.add_function(wrap_pyfunction!(distributed::lsh_params, m)?)?;
    m.add_function(wrap_pyfunction!(distributed::cluster_pairs, m)?)?;
    m.add_function(wrap_pyfunction!(set_threads, m)?)?;
    m.add_function(wrap_pyfunction!(threads, m)?)?;
    Ok(())
}

/// Size the worker pool of this process to `n` threads (0: one a core, or
/// `RAYON_NUM_THREADS`). The Spark and Ray integrations call it with the cores the engine
/// grants a task; work already running keeps its pool.
#[pyfunction]
fn set_threads(n: usize) {
    datassay::util::pool::set_threads(n);
}

/// Threads the next parallel step of this process gets.
#[pyfunction]
fn threads() -> usize {
    datassay::util::pool::threads()
}
