//! The GPU sketch kernels against their CPU twins: HyperLogLog registers and DDSketch buckets
//! bit for bit, on lavapipe in CI.

#![cfg(feature = "gpu")]

mod common;

use datassay::bench::Rng;
use datassay::metrics::sketch::{
    ddsketch, gpu::SketchKernels, hash_bytes, ColSketch, Distinct, SketchOptions,
};

fn context() -> Option<std::sync::Arc<datassay::gpu::GpuContext>> {
    common::gpu_context()
}

/// Values that exercise every path of the key: both signs, zeros of both signs, subnormals,
/// extremes, NaN, infinities, and nulls.
fn awkward(n: usize, seed: u64) -> (Vec<f64>, Vec<u64>) {
    let mut r = Rng::new(seed);
    let vals: Vec<f64> = (0..n)
        .map(|i| match i % 13 {
            0 => 0.0,
            1 => -0.0,
            2 => f64::from_bits(1 + r.next_u64() % (1 << 52)),
            3 => -f64::from_bits(1 + r.next_u64() % 1000),
            4 => f64::NAN,
            5 => f64::INFINITY,
            6 => f64::MAX * r.uniform(),
            7 => -(r.normal() * 1e-200),
            8 => (r.next_u64() % 1000) as f64,
            _ => r.normal() * 10f64.powi((r.next_u64() % 40) as i32 - 20),
        })
        .collect();
    let mut validity = vec![u64::MAX; n.div_ceil(64)];
    for i in (0..n).step_by(17) {
        validity[i / 64] &= !(1u64 << (i % 64));
    }
    (vals, validity)
}

#[test]
fn numeric_registers_and_buckets_equal_the_cpu() {
    let Some(ctx) = context() else { return };
    let k = SketchKernels::new(&ctx);
    for (n, accuracy, precision) in [(50_000, 0.01, 14u8), (7_777, 0.002, 10), (1, 0.05, 4)] {
        let (vals, validity) = awkward(n, n as u64);
        let slices = ddsketch::slices_for(accuracy);
        let r = k
            .upload_f64(&vals, Some(&validity), slices, precision)
            .unwrap();
        k.run_f64(&r);
        let (hll, dd) = k.read_f64(&r, &vals, Some(&validity)).unwrap();
        // The CPU twin over the same values.
        let opts = SketchOptions {
            slices,
            precision,
            exact_limit: 0,
            ..Default::default()
        };
        let mut cpu = ColSketch::new(&arrow::datatypes::DataType::Float64, &opts);
        let nulls: Vec<bool> = (0..n)
            .map(|i| validity[i / 64] >> (i % 64) & 1 == 1)
            .collect();
        let arr = arrow::array::Float64Array::new(vals.clone().into(), Some(nulls.into()));
        cpu.update(&arr, &mut Vec::new());
        let chll = match &cpu.distinct {
            Distinct::Sketch { hll, .. } => hll.clone(),
            // Nothing counted (the one value of n = 1 is null): still exact, and empty.
            Distinct::Exact { values, .. } => {
                assert!(values.is_empty());
                datassay::metrics::sketch::hll::Hll::new(precision)
            }
        };
        assert_eq!(hll.registers, chll.registers, "n {n}: hll registers");
        let cdd = cpu.quantiles.as_ref().unwrap();
        assert_eq!(dd.zeros, cdd.zeros, "n {n}");
        assert_eq!(dd.pos, cdd.pos, "n {n}: positive buckets");
        assert_eq!(dd.neg, cdd.neg, "n {n}: negative buckets");
        assert_eq!(dd, *cdd, "n {n}");
        assert!(
            n < 100 || dd.pos.counts.len() > 100,
            "the test spans many buckets"
        );
    }
}

#[test]
fn string_registers_equal_the_cpu() {
    let Some(ctx) = context() else { return };
    let k = SketchKernels::new(&ctx);
    let mut r = Rng::new(4);
    // Lengths 0 to 40 bytes (every remainder of 8), multi-byte characters, and nulls.
    let strs: Vec<Option<String>> = (0..20_000)
        .map(|i| {
            (i % 23 != 0).then(|| {
                let len = (r.next_u64() % 41) as usize;
                (0..len)
                    .map(|j| {
                        if (i + j) % 9 == 0 {
                            'é'
                        } else {
                            (b'a' + (r.next_u64() % 26) as u8) as char
                        }
                    })
                    .collect()
            })
        })
        .collect();
    let arr = arrow::array::StringArray::from(strs.clone());
    let offsets: Vec<i32> = arr.value_offsets().to_vec();
    let bytes = arr.value_data();
    let validity: Vec<u64> = {
        let mut w = vec![0u64; strs.len().div_ceil(64)];
        for (i, s) in strs.iter().enumerate() {
            if s.is_some() {
                w[i / 64] |= 1 << (i % 64);
            }
        }
        w
    };
    for precision in [14u8, 6] {
        let g = k
            .strings(&offsets, bytes, Some(&validity), precision)
            .unwrap();
        let mut cpu = datassay::metrics::sketch::hll::Hll::new(precision);
        for s in strs.iter().flatten() {
            cpu.insert(hash_bytes(s.as_bytes()));
        }
        assert_eq!(g.registers, cpu.registers, "precision {precision}");
    }
}
