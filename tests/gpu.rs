//! The GPU kernel against its CPU twin (the oracle): counts, extremes and histogram counts exactly,
//! moments within 1e-9 relative on the f64 path; the f32 path within its stated tolerance.
//! In CI (`CI` set) a missing adapter fails these tests instead of skipping them.

#![cfg(feature = "gpu")]

mod common;
use arrow::array::{ArrayRef, BooleanArray, Float32Array, Int32Array, Int64Array, UInt8Array};
use common::*;
use datassay::bench::Rng;
use datassay::metrics::moments::cpu::{self, NumericState, Prepared};
use datassay::metrics::moments::gpu::GpuMoments;
use datassay::metrics::moments::HistSpec;
use std::sync::Arc;

fn gpu(force_f32: bool, cap: usize) -> Option<GpuMoments> {
    match GpuMoments::with_capacity(force_f32, cap) {
        Ok(g) => Some(g),
        Err(e) if !gpu_required() => {
            eprintln!("no GPU, skipped: {e}");
            None
        }
        Err(e) => panic!("CI requires a GPU adapter (lavapipe): {e}"),
    }
}

fn columns() -> Vec<(&'static str, ArrayRef)> {
    let mut r = Rng::new(9);
    let n = 70_001; // several slots of the small ring below, and a ragged tail
    let mut cols: Vec<(&'static str, ArrayRef)> = adversarial(n)
        .into_iter()
        .map(|(name, v)| (name, array(&v)))
        .collect();
    cols.push((
        "f32 with nulls",
        Arc::new(
            (0..n)
                .map(|i| (i % 13 != 0).then(|| r.normal() as f32 * 7.0))
                .collect::<Float32Array>(),
        ),
    ));
    cols.push((
        "i32",
        Arc::new(
            (0..n)
                .map(|_| Some((r.uniform() * 1e6) as i32 - 500_000))
                .collect::<Int32Array>(),
        ),
    ));
    cols.push((
        "i64 big",
        Arc::new(
            (0..n)
                .map(|i| (i % 5 != 1).then(|| (r.next_u64() >> 12) as i64))
                .collect::<Int64Array>(),
        ),
    ));
    cols.push((
        "u8",
        Arc::new(
            (0..n)
                .map(|_| Some((r.uniform() * 256.0) as u8))
                .collect::<UInt8Array>(),
        ),
    ));
    cols.push((
        "bool",
        Arc::new(
            (0..n)
                .map(|i| (i % 3 != 0).then(|| r.uniform() < 0.3))
                .collect::<BooleanArray>(),
        ),
    ));
    // A -f64::MAX sentinel beside ordinary values (a range wider than f64::MAX), and signed zeros.
    cols.push((
        "sentinel",
        array(
            &(0..n)
                .map(|i| {
                    Some(if i % 1000 == 0 {
                        -f64::MAX
                    } else if i % 3 == 0 {
                        -0.0
                    } else {
                        i as f64
                    })
                })
                .collect::<Vec<_>>(),
        ),
    ));
    // A sliced array: validity and values start mid-word.
    cols.push((
        "sliced",
        array(
            &(0..n + 77)
                .map(|i| (i % 7 != 0).then_some(i as f64 * 0.5))
                .collect::<Vec<_>>(),
        )
        .slice(77, n),
    ));
    cols
}

fn cpu_state(input: &cpu::NumericInput, spec: Option<&HistSpec>) -> NumericState {
    let mut st = NumericState::new(spec);
    cpu::update(&mut st, input, 0, input.len, spec);
    st
}

fn spec_of(input: &cpu::NumericInput, bins: u32) -> Option<HistSpec> {
    let (lo, hi) = cpu::range(input, 0, input.len);
    (lo <= hi).then(|| HistSpec::new(lo, hi, bins))
}

#[test]
fn f64_kernel_equals_cpu_twin() {
    let Some(mut g) = gpu(false, 16 * 1024) else {
        return;
    };
    if !g.is_f64() {
        assert!(
            !gpu_required() || !g.describe().contains("llvmpipe"),
            "lavapipe has SHADER_F64"
        );
        return;
    }
    // An upload-only measurement first: it must leave no trace in the states that follow.
    let first = columns().remove(0).1;
    let p = Prepared::new(&first);
    assert!(g.time_upload(&p.input().unwrap()).unwrap() > 0.0);
    for (name, arr) in columns() {
        for bins in [32u32, 3000] {
            let p = Prepared::new(&arr);
            let input = p.input().unwrap();
            let spec = spec_of(&input, bins);
            let want = cpu_state(&input, spec.as_ref());
            g.update(0, &input, spec.as_ref()).unwrap();
            let got = g.take(1).unwrap().remove(0);
            assert_eq!(got.counts, want.counts, "{name}: counts");
            assert_eq!(got.moments.n, want.moments.n, "{name}: n");
            if want.moments.n > 0 {
                assert_eq!(
                    (got.moments.min, got.moments.max),
                    (want.moments.min, want.moments.max),
                    "{name}: extremes"
                );
            }
            if spec.is_some() {
                assert_eq!(got.hist, want.hist, "{name} ({bins} bins): histogram");
            }
            let (a, b) = (
                datassay::profile::finish(&got.moments),
                datassay::profile::finish(&want.moments),
            );
            close(&format!("{name}: mean"), a.mean, b.mean, 1e-9);
            close(&format!("{name}: variance"), a.variance, b.variance, 1e-9);
            close(&format!("{name}: skewness"), a.skewness, b.skewness, 1e-9);
            close(&format!("{name}: kurtosis"), a.kurtosis, b.kurtosis, 1e-9);
        }
    }
}

/// The f32 path (adapters without SHADER_F64): counts exact; moments to f32 accuracy; each value
/// at most one bin away from the CPU's.
#[test]
fn f32_kernel_within_stated_tolerance() {
    let Some(mut g) = gpu(true, 16 * 1024) else {
        return;
    };
    assert!(!g.is_f64());
    for (name, arr) in columns() {
        let p = Prepared::new(&arr);
        let input = p.input().unwrap();
        let spec = spec_of(&input, 32);
        let want = cpu_state(&input, spec.as_ref());
        g.update(0, &input, spec.as_ref()).unwrap();
        let got = g.take(1).unwrap().remove(0);
        // Zeros are the one count the f32 path may overstate: values within f32 rounding of zero,
        // once shifted, count as zeros (module docs of metrics::moments::gpu).
        assert!(got.counts.zeros >= want.counts.zeros, "{name}: zeros");
        let mut c = got.counts;
        c.zeros = want.counts.zeros;
        assert_eq!(c, want.counts, "{name}: counts");
        assert_eq!(got.moments.n, want.moments.n, "{name}: n");
        if want.moments.n < 2 {
            continue;
        }
        let (a, b) = (
            datassay::profile::finish(&got.moments),
            datassay::profile::finish(&want.moments),
        );
        // Spreads beyond f64 (the -f64::MAX sentinel): no finite variance on either path.
        let spread = want.moments.max - want.moments.min;
        if b.variance.is_none() || !spread.is_finite() {
            assert_eq!(
                a.variance.is_none(),
                b.variance.is_none(),
                "{name}: variance defined on one path only"
            );
            continue;
        }
        let spread = spread.max(f64::MIN_POSITIVE);
        let (am, bm) = (
            a.mean
                .unwrap_or_else(|| panic!("{name}: no mean on the GPU: {:?}", got.moments)),
            b.mean
                .unwrap_or_else(|| panic!("{name}: no mean on the CPU: {:?}", want.moments)),
        );
        assert!(
            (am - bm).abs() <= 1e-5 * spread,
            "{name}: mean {am} vs {bm}"
        );
        let (asd, bsd) = (a.variance.unwrap().sqrt(), b.variance.unwrap().sqrt());
        assert!(
            (asd - bsd).abs() <= 1e-5 * spread,
            "{name}: std {asd} vs {bsd}"
        );
        if b.variance.unwrap() > 1e-6 * spread * spread {
            for (what, x, y) in [
                ("skewness", a.skewness, b.skewness),
                ("kurtosis", a.kurtosis, b.kurtosis),
            ] {
                match (x, y) {
                    (Some(x), Some(y)) => assert!(
                        (x - y).abs() <= 1e-3 * (1.0 + y.abs()),
                        "{name}: {what} {x} vs {y}"
                    ),
                    // Beyond f64 (fourth powers of 1e100) on both paths.
                    (None, None) => {}
                    other => panic!("{name}: {what} {other:?}"),
                }
            }
        }
        // Histogram: same total, cumulative counts differ by no more than values near edges.
        assert_eq!(
            got.hist.iter().sum::<u64>(),
            want.hist.iter().sum::<u64>(),
            "{name}: histogram total"
        );
        let (mut ca, mut cb, mut worst) = (0i64, 0i64, 0i64);
        for (x, y) in got.hist.iter().zip(&want.hist) {
            ca += *x as i64;
            cb += *y as i64;
            worst = worst.max((ca - cb).abs());
        }
        assert!(
            worst as f64 <= 1e-3 * want.moments.n as f64 + 2.0,
            "{name}: cumulative histogram off by {worst}"
        );
    }
}

#[test]
fn profile_on_gpu_equals_profile_on_cpu() {
    use datassay::{profile_paths, Device, ProfileOptions};
    let path = std::path::PathBuf::from("examples/data/rides.parquet");
    let cpu = profile_paths(
        std::slice::from_ref(&path),
        &ProfileOptions {
            device: Device::Cpu,
            ..Default::default()
        },
        None,
    )
    .unwrap();
    let gpu = match profile_paths(
        &[path],
        &ProfileOptions {
            device: Device::Gpu,
            ..Default::default()
        },
        None,
    ) {
        Ok(o) => o,
        Err(e) if !gpu_required() => return eprintln!("no GPU, skipped: {e}"),
        Err(e) => panic!("{e}"),
    };
    assert!(gpu.profile.device.starts_with("gpu"));
    for (a, b) in gpu.profile.columns.iter().zip(&cpu.profile.columns) {
        assert_eq!(
            (a.rows, a.nulls, a.count),
            (b.rows, b.nulls, b.count),
            "{}",
            a.name
        );
        if let (Some(x), Some(y)) = (&a.numeric, &b.numeric) {
            assert_eq!(
                (x.nan, x.pos_inf, x.neg_inf, x.zeros),
                (y.nan, y.pos_inf, y.neg_inf, y.zeros),
                "{}",
                a.name
            );
            assert_eq!((x.min, x.max), (y.min, y.max), "{}", a.name);
            assert_eq!(x.histogram, y.histogram, "{}", a.name);
            close(&a.name, x.mean, y.mean, 1e-9);
            close(&a.name, x.variance, y.variance, 1e-9);
            close(&a.name, x.skewness, y.skewness, 1e-9);
            close(&a.name, x.kurtosis, y.kurtosis, 1e-9);
        }
        assert_eq!(a.lengths, b.lengths, "{}", a.name);
    }
}

/// [-MAX, 1, 2, MAX]: the squared deviations overflow f64, so variance, skewness and kurtosis are
/// undefined. The GPU once reported a skewness of 0 here where the CPU reported none.
#[test]
fn overflowing_spread_is_undefined_on_both_paths() {
    use arrow::array::{Float64Array, RecordBatch};
    use datassay::{profile_batches, Device, ProfileOptions};
    let x = Float64Array::from(vec![-f64::MAX, 1.0, 2.0, f64::MAX]);
    let batch = RecordBatch::try_from_iter([("x", Arc::new(x) as ArrayRef)]).unwrap();
    let run = |device| {
        profile_batches(
            std::slice::from_ref(&batch),
            &ProfileOptions {
                device,
                ..Default::default()
            },
        )
    };
    let cpu = run(Device::Cpu).unwrap();
    let gpu = match run(Device::Gpu) {
        Ok(p) => p,
        Err(e) if !gpu_required() => return eprintln!("no GPU, skipped: {e}"),
        Err(e) => panic!("{e}"),
    };
    for p in [&cpu, &gpu] {
        let n = p.columns[0].numeric.as_ref().unwrap();
        assert_eq!((n.min, n.max), (Some(-f64::MAX), Some(f64::MAX)));
        assert_eq!(
            (n.variance, n.std, n.skewness, n.kurtosis),
            (None, None, None, None),
            "{}",
            p.device
        );
    }
    let (c, g) = (
        cpu.columns[0].numeric.as_ref().unwrap(),
        gpu.columns[0].numeric.as_ref().unwrap(),
    );
    assert_eq!((c.mean, c.sum), (g.mean, g.sum));
}
