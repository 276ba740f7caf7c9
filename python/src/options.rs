//! Keyword options into the crate's option structs, checked with the command line's messages.
//! Every default is the crate's own (`None` here means "the crate's default").

use crate::errors::to_py;
use datassay::metrics::sketch::{self, SketchOptions};
use datassay::{Correlate, Device, Error, ProfileOptions, Result};
use pyo3::conversion::FromPyObjectOwned;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

pub fn device(s: &str) -> Result<Device> {
    match s {
        "auto" => Ok(Device::Auto),
        "gpu" => Ok(Device::Gpu),
        "cpu" => Ok(Device::Cpu),
        _ => Err(Error::InvalidOption {
            option: "device",
            message: format!("{s:?}: expected \"auto\", \"gpu\" or \"cpu\""),
        }),
    }
}

/// Keyword options (`**kwargs`), taken one by one; [`Kw::done`] refuses any left over.
pub struct Kw<'py> {
    dict: Option<Bound<'py, PyDict>>,
    taken: Vec<&'static str>,
    what: &'static str,
}

impl<'py> Kw<'py> {
    pub fn new(dict: Option<&Bound<'py, PyDict>>, what: &'static str) -> Kw<'py> {
        Kw {
            dict: dict.cloned(),
            taken: Vec::new(),
            what,
        }
    }

    /// The option `key` (`None` when absent or `None`).
    pub fn get<T: FromPyObjectOwned<'py>>(&mut self, key: &'static str) -> PyResult<Option<T>> {
        self.taken.push(key);
        let Some(d) = &self.dict else {
            return Ok(None);
        };
        match d.get_item(key)? {
            None => Ok(None),
            Some(v) if v.is_none() => Ok(None),
            Some(v) => v.extract::<T>().map(Some).map_err(|e| {
                let e: PyErr = e.into();
                PyTypeError::new_err(format!("{}: option {key}: {e}", self.what))
            }),
        }
    }

    pub fn or<T: FromPyObjectOwned<'py>>(&mut self, key: &'static str, d: T) -> PyResult<T> {
        Ok(self.get(key)?.unwrap_or(d))
    }

    /// Refuse options nobody took.
    pub fn done(self) -> PyResult<()> {
        if let Some(d) = &self.dict {
            for k in d.keys() {
                let k: String = k.extract()?;
                if !self.taken.contains(&k.as_str()) {
                    let mut known = self.taken.clone();
                    known.sort_unstable();
                    return Err(PyTypeError::new_err(format!(
                        "{}: unknown option {k:?}; options: {}",
                        self.what,
                        known.join(", ")
                    )));
                }
            }
        }
        Ok(())
    }
}

/// The options of a profile (`datassay.profile`, `Profiler`, the Spark and Ray profiles).
pub fn profile_options(kw: &mut Kw<'_>) -> PyResult<ProfileOptions> {
    let d = ProfileOptions::default();
    let device = device(&kw.or("device", "auto".to_string())?).map_err(to_py)?;
    let accuracy = kw.or("quantile_accuracy", sketch::DEFAULT_QUANTILE_ACCURACY)?;
    if !(0.0002..=0.5).contains(&accuracy) {
        return Err(to_py(Error::InvalidOption {
            option: "quantile_accuracy",
            message: format!("{accuracy} must be in [0.0002, 0.5]"),
        }));
    }
    let precision: u8 = kw.or("hll_precision", sketch::hll::DEFAULT_PRECISION)?;
    if !(4..=18).contains(&precision) {
        return Err(to_py(Error::InvalidOption {
            option: "hll_precision",
            message: format!("{precision} must be 4 to 18"),
        }));
    }
    let top = kw.or("top", d.top)?;
    let exact_limit = kw.or("exact_distinct", sketch::DEFAULT_EXACT_LIMIT)?;
    let mut read = d.read.clone();
    read.batch_rows = kw.or("batch_rows", read.batch_rows)?;
    let sketches = kw.or("sketches", true)?;
    Ok(ProfileOptions {
        bins: kw.or("bins", d.bins)?,
        device,
        read,
        sketch: sketches.then(|| SketchOptions {
            slices: sketch::ddsketch::slices_for(accuracy),
            precision,
            counters: SketchOptions::counters_for(top),
            exact_limit,
        }),
        quantiles: kw.or("quantiles", d.quantiles.clone())?,
        top,
        exact_quantiles: kw.or("exact_quantiles", false)?,
        exact_histograms: kw.or("exact_histograms", false)?,
        duplicate_rows: kw.or("duplicate_rows", true)?,
        correlations: match kw.get::<bool>("correlations")? {
            None => Correlate::Auto,
            Some(true) => Correlate::On,
            Some(false) => Correlate::Off,
        },
        pii: kw.or("pii", false)?,
        gpu_force_f32: kw.or("gpu_f32", false)?,
    })
}

/// The `threads` option: sizes this process's worker pool when given.
pub fn threads(kw: &mut Kw<'_>) -> PyResult<()> {
    if let Some(n) = kw.get::<usize>("threads")? {
        datassay::util::pool::set_threads(n);
    }
    Ok(())
}
