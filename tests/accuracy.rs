//! CPU and GPU paths against the two-pass f64 reference on adversarial columns (1e-9 relative).

mod common;
use arrow::array::RecordBatch;
use common::*;
use datassay::{profile_batches, Device, ProfileOptions};

fn check(device: Device, force_f32: bool) -> bool {
    for (name, v) in adversarial(50_000) {
        let batch = RecordBatch::try_from_iter([("x", array(&v))]).unwrap();
        let opts = ProfileOptions {
            device,
            gpu_force_f32: force_f32,
            ..Default::default()
        };
        let p = match profile_batches(&[batch], &opts) {
            Ok(p) => p,
            Err(e) if device == Device::Gpu && !gpu_required() => {
                eprintln!("no GPU, skipped: {e}");
                return false;
            }
            Err(e) => panic!("{name}: {e}"),
        };
        let c = &p.columns[0];
        let num = c.numeric.as_ref().unwrap();
        let r = reference(&v);
        let what = |f: &str| format!("{name} ({device:?}): {f}");
        assert_eq!(c.rows, r.rows, "{}", what("rows"));
        assert_eq!(c.nulls, r.nulls, "{}", what("nulls"));
        assert_eq!(
            (num.nan, num.pos_inf, num.neg_inf, num.zeros),
            (r.nan, r.pos_inf, r.neg_inf, r.zeros),
            "{}",
            what("counts")
        );
        assert_eq!(
            c.state.numeric.as_ref().unwrap().moments.n,
            r.n,
            "{}",
            what("n")
        );
        assert_eq!(num.min, r.min, "{}", what("min"));
        assert_eq!(num.max, r.max, "{}", what("max"));
        let tol = 1e-9;
        close(&what("sum"), num.sum, r.sum, tol);
        close(&what("mean"), num.mean, r.mean, tol);
        close(&what("variance"), num.variance, r.variance, tol);
        close(&what("std"), num.std, r.variance.map(f64::sqrt), tol);
        close(&what("skewness"), num.skewness, r.skewness, tol);
        close(&what("kurtosis"), num.kurtosis, r.kurtosis, tol);
        if let Some(h) = &num.histogram {
            assert_eq!(
                h.counts.iter().sum::<u64>(),
                r.n,
                "{}",
                what("histogram total")
            );
            assert_eq!(
                h.edges.first().copied(),
                if r.min == r.max {
                    r.min.map(|m| m - 0.5)
                } else {
                    r.min
                }
            );
        } else {
            assert_eq!(r.n, 0, "{}", what("histogram missing"));
        }
    }
    true
}

#[test]
fn cpu_matches_reference_on_adversarial_columns() {
    assert!(check(Device::Cpu, false));
}

#[cfg(feature = "gpu")]
#[test]
fn gpu_matches_reference_on_adversarial_columns() {
    check(Device::Gpu, false);
}

#[test]
fn many_blocks_and_parts_stay_exact() {
    // 1e9 offset over several CPU parts and blocks, nulls at irregular places.
    let mut r = datassay::bench::Rng::new(5);
    let v: Vec<Option<f64>> = (0..300_001)
        .map(|i| (i % 97 != 3).then(|| 1e9 + r.normal()))
        .collect();
    let batch = RecordBatch::try_from_iter([("x", array(&v))]).unwrap();
    let p = profile_batches(
        &[batch],
        &ProfileOptions {
            device: Device::Cpu,
            ..Default::default()
        },
    )
    .unwrap();
    let n = p.columns[0].numeric.as_ref().unwrap();
    let rf = reference(&v);
    close("mean", n.mean, rf.mean, 1e-15);
    close("variance", n.variance, rf.variance, 1e-9);
    close("skewness", n.skewness, rf.skewness, 1e-9);
    close("kurtosis", n.kurtosis, rf.kurtosis, 1e-9);
}
