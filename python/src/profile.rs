//! `Profile`, `Profiler`, `profile()` and `merge()`.

use crate::errors::{to_py, IntoPy};
use crate::input::{batches, input, Batches, Input};
use crate::options::{profile_options, threads, Kw};
use datassay::ProfileOptions;
use pyo3::exceptions::{PyKeyError, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use std::path::Path;
use std::sync::Mutex;

/// The profile of a dataset: every figure of every column, the dataset's duplicate rows and
/// correlations, and the mergeable states they are finished from.
///
/// Figures are attributes (`p.rows`, `p.columns["x"].mean`, `p.duplicate_rows["count"]`);
/// `to_dict()` gives the whole profile as the JSON document `datassay profile --json` writes.
/// Profiles pickle (in the compact binary form of `to_bytes()`), and profiles of disjoint parts
/// of a dataset merge into the profile of the whole (`merge`, `datassay.merge`).
#[pyclass(module = "datassay", name = "Profile", frozen, eq, skip_from_py_object)]
#[derive(Clone, PartialEq)]
pub struct Profile {
    pub inner: datassay::Profile,
    notices: Vec<String>,
}

impl Profile {
    pub fn new(inner: datassay::Profile, notices: Vec<String>) -> Profile {
        Profile { inner, notices }
    }
}

/// JSON text as Python objects.
pub fn json_to_py<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("json")?.call_method1("loads", (text,))
}

fn value_to_py<'py>(py: Python<'py>, v: &impl serde::Serialize) -> PyResult<Bound<'py, PyAny>> {
    let text = serde_json::to_string(v).map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
    json_to_py(py, &text)
}

fn column_class(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    py.import("datassay._column")?.getattr("Column")
}

#[pymethods]
impl Profile {
    /// Rows of the dataset.
    #[getter]
    fn rows(&self) -> u64 {
        self.inner.rows
    }

    /// Where the numeric kernels ran: `cpu` or `gpu (adapter, backend, f64|f32)`.
    #[getter]
    fn device(&self) -> &str {
        &self.inner.device
    }

    /// `datassay <version>` of the profile.
    #[getter]
    fn generator(&self) -> &str {
        &self.inner.generator
    }

    #[getter]
    fn format_version(&self) -> u32 {
        self.inner.format_version
    }

    /// Bins of each numeric histogram.
    #[getter]
    fn histogram_bins(&self) -> u32 {
        self.inner.histogram_bins
    }

    /// The identity of the data profiled: file fingerprints, or content ids of profiles made
    /// from data that came from no file; a merge holds the union of its inputs'.
    #[getter]
    fn parts(&self) -> Vec<String> {
        self.inner.parts.clone()
    }

    /// What happened on the way (fallbacks, warnings), as the command line prints them.
    #[getter]
    fn notices(&self) -> Vec<String> {
        self.notices.clone()
    }

    /// The columns by name, in schema order: each a `datassay.Column` whose figures are
    /// attributes (`count`, `nulls`, `mean`, `quantiles`, `distinct`, `top_values`, ...).
    #[getter]
    fn columns<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let cls = column_class(py)?;
        let out = PyDict::new(py);
        for c in &self.inner.columns {
            out.set_item(&c.name, cls.call1((value_to_py(py, c)?,))?)?;
        }
        Ok(out)
    }

    /// The column `name` (a `KeyError` naming the columns there are when absent).
    fn column<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        let c = self.inner.column(name).ok_or_else(|| {
            let names: Vec<&str> = self.inner.columns.iter().map(|c| c.name.as_str()).collect();
            PyKeyError::new_err(format!(
                "no column {name:?}; columns: [{}]",
                names.join(", ")
            ))
        })?;
        column_class(py)?.call1((value_to_py(py, c)?,))
    }

    /// Rows equal to an earlier row (`count`, `groups`, `exact`, `sample`, `estimate`), or None.
    #[getter]
    fn duplicate_rows<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner
            .duplicate_rows
            .as_ref()
            .map(|d| value_to_py(py, d))
            .transpose()
    }

    /// Pairwise Pearson correlations of the numeric columns, or None.
    #[getter]
    fn correlations<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner
            .correlations
            .as_ref()
            .map(|d| value_to_py(py, d))
            .transpose()
    }

    /// The files profiled (path, format, rows).
    #[getter]
    fn sources<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        value_to_py(py, &self.inner.sources)
    }

    /// The files that could not be profiled, and why.
    #[getter]
    fn errors<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        value_to_py(py, &self.inner.errors)
    }

    /// The whole profile as Python objects: the JSON document of `to_json()`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &self.inner.to_json_compact())
    }

    /// The profile as JSON (the format of `datassay profile --json`): indented unless
    /// `compact`, or when the compact form exceeds 1 MiB.
    #[pyo3(signature = (*, compact = false))]
    fn to_json(&self, compact: bool) -> String {
        if compact {
            self.inner.to_json_compact()
        } else {
            self.inner.to_json()
        }
    }

    /// Read a profile from its JSON (checked, as `datassay merge` checks files).
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Profile> {
        let p = py
            .detach(|| datassay::Profile::from_json(text, Path::new("<json>")))
            .py_err()?;
        Ok(Profile::new(p, Vec::new()))
    }

    /// The compact binary form (zstd-compressed JSON behind 8 magic bytes), for shipping
    /// profiles between processes.
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let b = py.detach(|| self.inner.to_bytes());
        PyBytes::new(py, &b)
    }

    /// Read the binary form of `to_bytes()`.
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Profile> {
        let p = py
            .detach(|| datassay::Profile::from_bytes(data, Path::new("<bytes>")))
            .py_err()?;
        Ok(Profile::new(p, Vec::new()))
    }

    /// Read a profile file (JSON, or the binary form).
    #[staticmethod]
    fn read(py: Python<'_>, path: std::path::PathBuf) -> PyResult<Profile> {
        let p = py.detach(|| datassay::Profile::read(&path)).py_err()?;
        Ok(Profile::new(p, Vec::new()))
    }

    /// The profile of this part and `other` (a disjoint part of the same dataset) together.
    fn merge(&self, py: Python<'_>, other: &Profile) -> PyResult<Profile> {
        let p = py.detach(|| self.inner.merge(&other.inner)).py_err()?;
        Ok(Profile::new(p, Vec::new()))
    }

    /// Set exact duplicate-row figures found by grouping every part's row hashes (the Spark
    /// and Ray integrations do): a new profile.
    #[pyo3(signature = (count, groups, sample = Vec::new()))]
    fn with_exact_duplicate_rows(
        &self,
        count: u64,
        groups: u64,
        sample: Vec<[u64; 2]>,
    ) -> PyResult<Profile> {
        let mut p = self.inner.clone();
        p.set_exact_duplicate_rows(count, groups, sample).py_err()?;
        Ok(Profile::new(p, self.notices.clone()))
    }

    /// The HTML report of `datassay report` (one self-contained page).
    #[pyo3(signature = (title = "profile"))]
    fn to_html(&self, title: &str) -> String {
        let thumbnails = std::collections::BTreeMap::new();
        datassay::report::html(&datassay::report::ReportInput {
            title,
            profile: &self.inner,
            images: None,
            embedding: None,
            drift: None,
            thumbnails: &thumbnails,
            seconds: None,
        })
    }

    /// The report, shown by Jupyter for a profile at the end of a cell.
    fn _repr_html_(&self) -> String {
        self.to_html("profile")
    }

    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let from = py.get_type::<Profile>().getattr("from_bytes")?;
        Ok((from, (self.to_bytes(py),)))
    }

    fn __repr__(&self) -> String {
        format!(
            "<datassay.Profile: {} rows × {} columns, {}>",
            self.inner.rows,
            self.inner.columns.len(),
            self.inner.device
        )
    }

    /// The summary `datassay profile` prints.
    fn __str__(&self) -> String {
        datassay::report::table(&self.inner)
    }
}

/// Profile every batch of `b` on a streaming profiler.
pub fn profile_stream(b: Batches, opts: &ProfileOptions) -> datassay::Result<datassay::Outcome> {
    if opts.exact_quantiles {
        // The exact pass reads the values twice: hold the batches (they are already in memory
        // for tables and frames; a stream is read into memory).
        let batches = b.into_iter().collect::<datassay::Result<Vec<_>>>()?;
        if batches.is_empty() {
            return Err(datassay::Error::NoInput(
                "the data has no record batches".into(),
            ));
        }
        let profile = datassay::profile_batches(&batches, opts)?;
        return Ok(datassay::Outcome {
            profile,
            notices: Vec::new(),
        });
    }
    fold(b, opts)?.finish()
}

/// A streaming profiler that has folded every batch of `b` (not yet finished).
pub fn fold(b: Batches, opts: &ProfileOptions) -> datassay::Result<datassay::Profiler> {
    let mut p = datassay::Profiler::new(b.schema(), opts)?;
    feed(&mut p, b)?;
    Ok(p)
}

/// Fold every batch of `b` into `p`.
fn feed(p: &mut datassay::Profiler, b: Batches) -> datassay::Result<()> {
    for batch in b.into_iter() {
        p.update(&batch?)?;
    }
    Ok(())
}

/// Profile `data` (see `datassay.profile`).
#[pyfunction]
#[pyo3(signature = (data, **kwargs))]
pub fn profile(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<Profile> {
    let mut kw = Kw::new(kwargs, "datassay.profile");
    let opts = profile_options(&mut kw)?;
    threads(&mut kw)?;
    kw.done()?;
    let outcome = match input(data, "datassay.profile")? {
        Input::Paths(paths) => py.detach(|| datassay::profile_paths(&paths, &opts, None)),
        Input::Batches(b) => py.detach(|| profile_stream(b, &opts)),
    }
    .py_err()?;
    Ok(Profile::new(outcome.profile, outcome.notices))
}

/// Merge profiles of disjoint parts of one dataset (in any order: the result is the same).
#[pyfunction]
pub fn merge(py: Python<'_>, profiles: &Bound<'_, PyAny>) -> PyResult<Profile> {
    let mut all: Vec<datassay::Profile> = Vec::new();
    for p in profiles.try_iter()? {
        let p = p?;
        let p = p.cast::<Profile>().map_err(|_| {
            pyo3::exceptions::PyTypeError::new_err(format!(
                "datassay.merge: expected Profile objects, got {}",
                crate::input::type_name(&p)
            ))
        })?;
        all.push(p.get().inner.clone());
    }
    let p = py
        .detach(|| datassay::Profile::merge_all(all.iter()))
        .py_err()?;
    Ok(Profile::new(p, Vec::new()))
}

/// A streaming profiler: `update()` with record batches (or tables, frames, streams) of any
/// size, then `finish()`. The profile does not depend on how the stream was cut.
#[pyclass(module = "datassay", name = "Profiler")]
pub struct Profiler {
    opts: ProfileOptions,
    state: Mutex<Option<datassay::Profiler>>,
    finished: bool,
}

#[pymethods]
impl Profiler {
    #[new]
    #[pyo3(signature = (**kwargs))]
    fn py_new(kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Profiler> {
        let mut kw = Kw::new(kwargs, "datassay.Profiler");
        let opts = profile_options(&mut kw)?;
        threads(&mut kw)?;
        kw.done()?;
        Ok(Profiler {
            opts,
            state: Mutex::new(None),
            finished: false,
        })
    }

    /// Fold `data`: a record batch, a table, a data frame or a stream (every batch of it).
    fn update(&mut self, py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<()> {
        if self.finished {
            return Err(PyRuntimeError::new_err("the profiler has finished"));
        }
        let b = batches(data, "Profiler.update")?;
        let opts = &self.opts;
        let state = &self.state;
        py.detach(|| -> datassay::Result<()> {
            let mut slot = state.lock().unwrap_or_else(|p| p.into_inner());
            if slot.is_none() {
                *slot = Some(datassay::Profiler::new(b.schema(), opts)?);
            }
            feed(slot.as_mut().expect("made above"), b)
        })
        .py_err()
    }

    /// Rows given so far.
    #[getter]
    fn rows(&self) -> u64 {
        let slot = self.state.lock().unwrap_or_else(|p| p.into_inner());
        slot.as_ref().map_or(0, |p| p.rows())
    }

    /// The profile of every row given (the profiler cannot be used after).
    fn finish(&mut self, py: Python<'_>) -> PyResult<Profile> {
        if self.finished {
            return Err(PyRuntimeError::new_err("the profiler has finished"));
        }
        let p = self
            .state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .ok_or_else(|| {
                to_py(datassay::Error::NoInput(
                    "no record batches were given to the profiler".into(),
                ))
            })?;
        self.finished = true;
        let o = py.detach(|| p.finish()).py_err()?;
        Ok(Profile::new(o.profile, o.notices))
    }
}
