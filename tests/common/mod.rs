//! Shared test helpers: an independent f64 reference and the GPU gate.
#![allow(dead_code)]

use arrow::array::{ArrayRef, Float64Array};
use datassay::bench::Rng;
use std::sync::Arc;

/// Exactly rounded sum (Shewchuk's algorithm, as Python's `math.fsum`); NaN when it overflows.
pub fn fsum(xs: impl IntoIterator<Item = f64>) -> f64 {
    let mut partials: Vec<f64> = Vec::new();
    for mut x in xs {
        let mut i = 0;
        for j in 0..partials.len() {
            let mut y = partials[j];
            if x.abs() < y.abs() {
                std::mem::swap(&mut x, &mut y);
            }
            let hi = x + y;
            if !hi.is_finite() {
                return f64::NAN; // overflow, as Python's fsum raises OverflowError
            }
            let lo = y - (hi - x);
            if lo != 0.0 {
                partials[i] = lo;
                i += 1;
            }
            x = hi;
        }
        partials.truncate(i);
        partials.push(x);
    }
    partials.iter().sum()
}

/// Figures of the naive two-pass f64 reference (pandas definitions), over finite non-null values.
#[derive(Debug)]
pub struct Reference {
    pub rows: u64,
    pub nulls: u64,
    pub nan: u64,
    pub pos_inf: u64,
    pub neg_inf: u64,
    pub zeros: u64,
    pub n: u64,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub sum: Option<f64>,
    pub mean: Option<f64>,
    pub variance: Option<f64>,
    pub skewness: Option<f64>,
    pub kurtosis: Option<f64>,
}

/// Two passes: the mean (exactly rounded sum, then its residual), then sums of powers of the
/// deviations, each exactly rounded.
pub fn reference(values: &[Option<f64>]) -> Reference {
    let x: Vec<f64> = values
        .iter()
        .flatten()
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    let n = x.len() as f64;
    let nan = values.iter().flatten().filter(|v| v.is_nan()).count() as u64;
    let pos_inf = values
        .iter()
        .flatten()
        .filter(|v| **v == f64::INFINITY)
        .count() as u64;
    let neg_inf = values
        .iter()
        .flatten()
        .filter(|v| **v == f64::NEG_INFINITY)
        .count() as u64;
    let zeros = x.iter().filter(|v| **v == 0.0).count() as u64;
    let nulls = values.iter().filter(|v| v.is_none()).count() as u64;
    let min = x.iter().copied().reduce(f64::min);
    let max = x.iter().copied().reduce(f64::max);
    let sum = fsum(x.iter().copied());
    let (mut mean, mut var, mut skew, mut kurt) = (None, None, None, None);
    if !x.is_empty() {
        // A sum beyond f64 (huge values): the mean from the sum of x / n instead.
        let m = if sum.is_finite() {
            sum / n
        } else {
            fsum(x.iter().map(|v| v / n))
        };
        let c = fsum(x.iter().map(|v| v - m)) / n;
        let d: Vec<f64> = x.iter().map(|v| (v - m) - c).collect();
        let constant = min == max;
        let m2 = if constant {
            0.0
        } else {
            fsum(d.iter().map(|v| v * v))
        };
        let m3 = if constant {
            0.0
        } else {
            fsum(d.iter().map(|v| v * v * v))
        };
        let m4 = if constant {
            0.0
        } else {
            fsum(d.iter().map(|v| v * v * v * v))
        };
        mean = Some(if constant { min.unwrap() } else { m + c });
        if x.len() >= 2 {
            var = Some(m2 / (n - 1.0));
        }
        if x.len() >= 3 {
            skew = Some(if m2 == 0.0 {
                0.0
            } else {
                n * (n - 1.0).sqrt() / (n - 2.0) * m3 / m2.powf(1.5)
            });
        }
        if x.len() >= 4 {
            kurt = Some(if m2 == 0.0 {
                0.0
            } else {
                n * (n + 1.0) * (n - 1.0) * m4 / ((n - 2.0) * (n - 3.0) * m2 * m2)
                    - 3.0 * (n - 1.0) * (n - 1.0) / ((n - 2.0) * (n - 3.0))
            });
        }
    }
    let fin = |v: Option<f64>| v.filter(|x| x.is_finite());
    let (mean, var, skew, kurt) = (fin(mean), fin(var), fin(skew), fin(kurt));
    Reference {
        rows: values.len() as u64,
        nulls,
        nan,
        pos_inf,
        neg_inf,
        zeros,
        n: x.len() as u64,
        min,
        max,
        sum: fin(Some(sum)),
        mean,
        variance: var,
        skewness: skew,
        kurtosis: kurt,
    }
}

/// `|a - b| <= tol * max(|a|, |b|)`, with both `None` equal. Figures whose true value is 0
/// (the skewness of symmetric data) have no relative error: below 1e-12 in magnitude both are
/// taken as zero.
pub fn close(what: &str, a: Option<f64>, b: Option<f64>, tol: f64) {
    match (a, b) {
        (None, None) => {}
        (Some(a), Some(b)) => {
            let scale = a.abs().max(b.abs());
            assert!(
                (a - b).abs() <= tol * scale || a == b || scale < 1e-12,
                "{what}: {a} vs {b} (relative error {:e}, tolerance {tol:e})",
                (a - b).abs() / scale
            );
        }
        _ => panic!("{what}: {a:?} vs {b:?}"),
    }
}

/// The adversarial columns of the engine's correctness contract.
#[allow(clippy::vec_init_then_push)]
pub fn adversarial(n: usize) -> Vec<(&'static str, Vec<Option<f64>>)> {
    let mut r = Rng::new(2024);
    let mut cols = vec![];
    cols.push((
        "offset 1e9 + N(0,1)",
        (0..n).map(|_| Some(1e9 + r.normal())).collect(),
    ));
    cols.push(("constant", vec![Some(0.1); n]));
    cols.push((
        "lognormal sigma 3",
        (0..n).map(|_| Some((3.0 * r.normal()).exp())).collect(),
    ));
    cols.push((
        "NaN/inf/nulls mixed",
        (0..n)
            .map(|i| match i % 11 {
                0 => None,
                3 => Some(f64::NAN),
                5 => Some(f64::INFINITY),
                7 => Some(f64::NEG_INFINITY),
                9 => Some(0.0),
                _ => Some(r.normal() * 1e3 - 5.0),
            })
            .collect(),
    ));
    cols.push(("0 rows", vec![]));
    cols.push(("1 row", vec![Some(42.5)]));
    cols.push(("all null", vec![None; n.min(1000)]));
    // Fourth powers overflow f64 (the kernels scale them); with a -f64::MAX sentinel the variance
    // itself is beyond f64 and undefined, but the mean is not.
    cols.push((
        "1e100 * (10 + N(0,1))",
        (0..n).map(|_| Some(1e100 * (10.0 + r.normal()))).collect(),
    ));
    cols.push((
        "-f64::MAX sentinel",
        (0..n)
            .map(|i| Some(if i % 1000 == 0 { -f64::MAX } else { r.normal() }))
            .collect(),
    ));
    cols.push((
        "negative heavy tail",
        (0..n)
            .map(|_| Some(-(r.normal().abs() * 2.0).exp()))
            .collect(),
    ));
    cols
}

pub fn array(v: &[Option<f64>]) -> ArrayRef {
    Arc::new(Float64Array::from(v.to_vec()))
}

/// Whether GPU tests must run: in CI (`CI` set) a missing adapter is a failure, not a skip.
pub fn gpu_required() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// The process's GPU engine for a GPU test: `None` (the test is skipped, with a line on stderr)
/// when there is none, unless [`gpu_required`], which makes that a failure.
#[cfg(feature = "gpu")]
pub fn gpu_context() -> Option<std::sync::Arc<datassay::gpu::GpuContext>> {
    match datassay::gpu::engine(true) {
        Ok(c) => Some(c),
        Err(e) if !gpu_required() => {
            eprintln!("no GPU, skipped: {e}");
            None
        }
        Err(e) => panic!("CI requires a GPU adapter (lavapipe): {e}"),
    }
}

/// Keys whose values are floating-point results of moments (compared within 1e-12).
pub const FLOATING: &[&str] = &[
    "mean_hi", "m2", "m3", "m4", "mean", "variance", "std", "skewness", "kurtosis", "sum",
    "mean_x", "mean_y", "lo_x", "lo_y", "m2x", "m2y", "cxy", "pearson",
];

/// Compare two JSON values: equal, except floating-point moments within `tol` relative.
pub fn same_json(a: &serde_json::Value, b: &serde_json::Value, path: &str, tol: f64) {
    let key = path.rsplit('.').next().unwrap_or("");
    let floating = FLOATING
        .iter()
        .any(|k| key == *k || path.contains(&format!(".{k}[")));
    match (a, b) {
        (serde_json::Value::Object(x), serde_json::Value::Object(y)) => {
            let kx: Vec<&String> = x.keys().collect();
            let ky: Vec<&String> = y.keys().collect();
            assert_eq!(kx, ky, "{path}: keys");
            for (k, v) in x {
                same_json(v, &y[k], &format!("{path}.{k}"), tol);
            }
        }
        (serde_json::Value::Array(x), serde_json::Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{path}: length");
            for (i, (u, v)) in x.iter().zip(y).enumerate() {
                same_json(u, v, &format!("{path}[{i}]"), tol);
            }
        }
        // The low half of a double-double mean is rounding-level detail of `mean_hi`, and the
        // third central moment of symmetric data is rounding noise around 0: they are compared
        // through the mean and the skewness.
        (serde_json::Value::Number(_), serde_json::Value::Number(_))
            if ["mean_lo", "m3", "lo_x", "lo_y"].contains(&key) => {}
        // Dimensionless figures near 0 (skewness of symmetric data, a weak correlation).
        (serde_json::Value::Number(u), serde_json::Value::Number(v))
            if floating
                && ["skewness", "kurtosis", "pearson"]
                    .iter()
                    .any(|k| path.contains(k)) =>
        {
            let (u, v) = (u.as_f64().unwrap(), v.as_f64().unwrap());
            assert!(
                (u - v).abs() <= tol * u.abs().max(1.0),
                "{path}: {u} vs {v}"
            );
        }
        (serde_json::Value::Number(u), serde_json::Value::Number(v)) if floating => {
            let (u, v) = (u.as_f64().unwrap(), v.as_f64().unwrap());
            let scale = u.abs().max(v.abs());
            assert!(
                (u - v).abs() <= tol * scale || scale < 1e-300,
                "{path}: {u} vs {v}"
            );
        }
        _ => assert_eq!(a, b, "{path}"),
    }
}
