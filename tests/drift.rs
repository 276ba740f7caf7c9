//! Drift between profiles against the same statistics computed exactly from the raw values
//! (naive f64 references in this file): every exact value inside its reported interval, planted
//! drifts found, no false alarm on random halves of one dataset.

use arrow::array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use datassay::analysis::drift::{self, Bin, DriftOptions, DriftReport, Status};
use datassay::analysis::stats::Bounded;
use datassay::metrics::sketch::SketchOptions;
use datassay::{profile_batches, Device, Profile, ProfileOptions};
use std::collections::BTreeMap;
use std::sync::Arc;

use datassay::util::rng::Rng;

/// Student t with 2 degrees of freedom (infinite variance).
fn t2(r: &mut Rng) -> f64 {
    let z = r.normal();
    let c = r.normal().powi(2) + r.normal().powi(2);
    z / (c / 2.0).sqrt()
}

/// One column of generated values.
enum Col {
    F(Vec<Option<f64>>),
    I(Vec<i64>),
    S(Vec<Option<String>>),
}

fn batch(cols: &[(&str, &Col)]) -> RecordBatch {
    RecordBatch::try_from_iter(cols.iter().map(|(n, c)| {
        let a: ArrayRef = match c {
            Col::F(v) => Arc::new(Float64Array::from(v.clone())),
            Col::I(v) => Arc::new(Int64Array::from(v.clone())),
            Col::S(v) => Arc::new(StringArray::from(v.clone())),
        };
        (*n, a)
    }))
    .unwrap()
}

fn opts(exact_limit: usize) -> ProfileOptions {
    ProfileOptions {
        device: Device::Cpu,
        sketch: Some(SketchOptions {
            exact_limit,
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The columns of one side: `planted` moves the drifting columns.
fn side(rng: &mut Rng, n: usize, planted: bool) -> Vec<(&'static str, Col)> {
    let p = planted;
    let mut f =
        |g: &mut dyn FnMut(&mut Rng) -> Option<f64>| Col::F((0..n).map(|_| g(rng)).collect());
    let same = f(&mut |r| Some(r.normal()));
    let shift = f(&mut |r| Some(r.normal() + if p { 0.3 } else { 0.0 }));
    let small = f(&mut |r| Some(r.normal() + if p { 0.02 } else { 0.0 }));
    let heavy_same = f(&mut |r| Some(t2(r)));
    let heavy_scale = f(&mut |r| Some(t2(r) * if p { 1.5 } else { 1.0 }));
    let lognormal = f(&mut |r| Some((r.normal()).exp()));
    let mixture = f(&mut |r| {
        let w = if p { 0.35 } else { 0.5 };
        Some(if r.uniform() < w {
            r.normal() - 2.0
        } else {
            r.normal() + 2.0
        })
    });
    let nulls = f(&mut |r| {
        let share = if p { 0.10 } else { 0.01 };
        (r.uniform() >= share).then(|| r.normal())
    });
    let ints = Col::I((0..n).map(|_| (rng.uniform() * 100.0) as i64).collect());
    let cat = |rng: &mut Rng, shares: &[f64], names: &[&str]| -> Col {
        Col::S(
            (0..n)
                .map(|_| {
                    let u = rng.uniform();
                    let mut acc = 0.0;
                    for (s, name) in shares.iter().zip(names) {
                        acc += s;
                        if u < acc {
                            return Some(name.to_string());
                        }
                    }
                    Some(names[names.len() - 1].to_string())
                })
                .collect(),
        )
    };
    let five = ["alpha", "beta", "gamma", "delta", "epsilon"];
    let cat_same = cat(rng, &[0.4, 0.3, 0.15, 0.1, 0.05], &five);
    let cat_shift = if p {
        cat(rng, &[0.25, 0.3, 0.2, 0.15, 0.1], &five)
    } else {
        cat(rng, &[0.4, 0.3, 0.15, 0.1, 0.05], &five)
    };
    let six = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"];
    let cat_new = if p {
        cat(rng, &[0.19, 0.19, 0.19, 0.19, 0.19, 0.05], &six)
    } else {
        cat(rng, &[0.2, 0.2, 0.2, 0.2, 0.2], &five)
    };
    vec![
        ("num_same", same),
        ("num_shift", shift),
        ("num_small_shift", small),
        ("heavy_same", heavy_same),
        ("heavy_scale", heavy_scale),
        ("lognormal_same", lognormal),
        ("mixture", mixture),
        ("nulls_rise", nulls),
        ("int_same", ints),
        ("cat_same", cat_same),
        ("cat_shift", cat_shift),
        ("cat_new", cat_new),
    ]
}

fn profile(cols: &[(&'static str, Col)], o: &ProfileOptions) -> Profile {
    let refs: Vec<(&str, &Col)> = cols.iter().map(|(n, c)| (*n, c)).collect();
    profile_batches(&[batch(&refs)], o).unwrap()
}

fn finite(c: &Col) -> Vec<f64> {
    match c {
        Col::F(v) => v
            .iter()
            .flatten()
            .copied()
            .filter(|x| x.is_finite())
            .collect(),
        Col::I(v) => v.iter().map(|&x| x as f64).collect(),
        Col::S(_) => Vec::new(),
    }
}

/// Exact KS and Wasserstein-1 of two samples.
fn exact_ks_w1(a: &[f64], b: &[f64]) -> (f64, f64) {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j) = (0, 0);
    let (mut d, mut w) = (0.0f64, 0.0);
    let mut last = f64::NAN;
    while i < a.len() || j < b.len() {
        let x = match (a.get(i), b.get(j)) {
            (Some(&p), Some(&q)) => p.min(q),
            (Some(&p), None) => p,
            (None, Some(&q)) => q,
            _ => unreachable!(),
        };
        // Area since the last point, with the CDFs as they were.
        if last.is_finite() {
            w += (i as f64 / na - j as f64 / nb).abs() * (x - last);
        }
        while i < a.len() && a[i] == x {
            i += 1;
        }
        while j < b.len() && b[j] == x {
            j += 1;
        }
        d = d.max((i as f64 / na - j as f64 / nb).abs());
        last = x;
    }
    (d, w)
}

/// Counts of values in each reported bin.
fn bin_counts(v: &[f64], bins: &[Bin]) -> Vec<u64> {
    let mut out = vec![0u64; bins.len()];
    for &x in v {
        let i = bins
            .iter()
            .position(|b| match b.upper {
                None => true,
                Some((e, le)) => {
                    if le {
                        x <= e
                    } else {
                        x < e
                    }
                }
            })
            .unwrap();
        out[i] += 1;
    }
    out
}

fn divergences(p: &[f64], q: &[f64]) -> (f64, f64, f64) {
    let (mut psi, mut js, mut h) = (0.0, 0.0, 0.0);
    for (&a, &b) in p.iter().zip(q) {
        let (fa, fb) = (a.max(drift::PSI_FLOOR), b.max(drift::PSI_FLOOR));
        psi += (fb - fa) * (fb / fa).ln();
        let m = (a + b) / 2.0;
        if a > 0.0 {
            js += 0.5 * a * (a / m).log2();
        }
        if b > 0.0 {
            js += 0.5 * b * (b / m).log2();
        }
        h += 0.5 * (a.sqrt() - b.sqrt()).powi(2);
    }
    (psi, js.max(0.0).sqrt(), h.sqrt())
}

fn inside(what: &str, exact: f64, b: &Bounded) {
    let tol = 1e-9 * exact.abs().max(1e-9);
    assert!(
        b.lower - tol <= exact && exact <= b.upper + tol,
        "{what}: exact {exact} outside [{}, {}] (value {})",
        b.lower,
        b.upper,
        b.value
    );
}

fn shares(c: &Col) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    if let Col::S(v) = c {
        for s in v.iter().flatten() {
            *m.entry(s.clone()).or_insert(0) += 1;
        }
    }
    m
}

/// Every statistic's exact value (from the raw values) inside its interval.
fn check_bounds(r: &[(&'static str, Col)], c: &[(&'static str, Col)], rep: &DriftReport) {
    for ((name, a), (_, b)) in r.iter().zip(c) {
        let col = rep.column(name).unwrap();
        if let Some(n) = &col.numeric {
            let (fa, fb) = (finite(a), finite(b));
            let (d, w) = exact_ks_w1(&fa, &fb);
            inside(&format!("{name} ks"), d, &n.ks);
            inside(&format!("{name} wasserstein"), w, &n.wasserstein);
            // Over the reference's sample standard deviation (as Evidently normalises).
            let mean = fa.iter().sum::<f64>() / fa.len() as f64;
            let sd =
                (fa.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (fa.len() - 1) as f64).sqrt();
            if let Some(ws) = &n.wasserstein_over_std {
                inside(&format!("{name} wasserstein / std"), w / sd, ws);
            }
            assert!(
                n.ks.upper - n.ks.lower < 0.02,
                "{name}: ks bounds too wide {:?}",
                n.ks
            );
            let (ca, cb) = (bin_counts(&fa, &n.bins), bin_counts(&fb, &n.bins));
            for (i, bin) in n.bins.iter().enumerate() {
                assert_eq!((bin.r, bin.c), (ca[i], cb[i]), "{name}: bin {i} counts");
            }
            let p: Vec<f64> = ca.iter().map(|&x| x as f64 / fa.len() as f64).collect();
            let q: Vec<f64> = cb.iter().map(|&x| x as f64 / fb.len() as f64).collect();
            let (psi, js, h) = divergences(&p, &q);
            inside(&format!("{name} psi"), psi, &n.psi);
            inside(&format!("{name} js"), js, &n.jensen_shannon);
            inside(&format!("{name} hellinger"), h, &n.hellinger);
            // Over the reference's exact deciles too, by any rank convention and with either
            // side of an edge closed (as numpy's quantile methods and histograms would cut).
            let mut sorted = fa.clone();
            sorted.sort_by(f64::total_cmp);
            let m = sorted.len();
            for conv in 0..4 {
                let edges: Vec<f64> = (1..10)
                    .map(|i| {
                        let q = i as f64 / 10.0;
                        let h = q * (m - 1) as f64;
                        match conv {
                            0 => sorted[h.floor() as usize],
                            1 => sorted[h.ceil() as usize],
                            2 => {
                                sorted[h.floor() as usize]
                                    + (h - h.floor())
                                        * (sorted[h.ceil() as usize] - sorted[h.floor() as usize])
                            }
                            _ => sorted[((q * m as f64).ceil() as usize).max(1) - 1],
                        }
                    })
                    .collect();
                for closed_right in [true, false] {
                    let count = |v: &[f64]| {
                        let mut c = vec![0u64; edges.len() + 1];
                        for &x in v {
                            let i =
                                edges.partition_point(
                                    |&e| if closed_right { e < x } else { e <= x },
                                );
                            c[i] += 1;
                        }
                        c
                    };
                    let (ca, cb) = (count(&fa), count(&fb));
                    let p: Vec<f64> = ca.iter().map(|&x| x as f64 / fa.len() as f64).collect();
                    let q: Vec<f64> = cb.iter().map(|&x| x as f64 / fb.len() as f64).collect();
                    let (psi, js, h) = divergences(&p, &q);
                    let what =
                        format!("{name} exact deciles (convention {conv}, right {closed_right})");
                    inside(&format!("{what} psi"), psi, &n.psi);
                    inside(&format!("{what} js"), js, &n.jensen_shannon);
                    inside(&format!("{what} hellinger"), h, &n.hellinger);
                }
            }
        }
        if let Some(cat) = &col.categories {
            let (sa, sb) = (shares(a), shares(b));
            let keys: std::collections::BTreeSet<&String> = sa.keys().chain(sb.keys()).collect();
            let (na, nb) = (
                sa.values().sum::<u64>() as f64,
                sb.values().sum::<u64>() as f64,
            );
            let p: Vec<f64> = keys
                .iter()
                .map(|k| *sa.get(*k).unwrap_or(&0) as f64 / na)
                .collect();
            let q: Vec<f64> = keys
                .iter()
                .map(|k| *sb.get(*k).unwrap_or(&0) as f64 / nb)
                .collect();
            let (psi, js, h) = divergences(&p, &q);
            inside(&format!("{name} js"), js, &cat.jensen_shannon);
            inside(&format!("{name} psi"), psi, &cat.psi);
            inside(&format!("{name} hellinger"), h, &cat.hellinger);
            assert!(
                cat.jensen_shannon.is_exact(),
                "{name}: exact counts give an exact distance"
            );
        }
    }
}

const DRIFTED: [&str; 6] = [
    "num_shift",
    "heavy_scale",
    "mixture",
    "nulls_rise",
    "cat_shift",
    "cat_new",
];

#[test]
fn planted_drifts_are_found_and_every_bound_holds() {
    let mut rng = Rng::new(42);
    let n = 200_000;
    let (r, c) = (side(&mut rng, n, false), side(&mut rng, n, true));
    let o = opts(4096);
    let rep = drift::compare(&profile(&r, &o), &profile(&c, &o), &DriftOptions::default()).unwrap();
    check_bounds(&r, &c, &rep);
    for col in &rep.columns {
        let want = if DRIFTED.contains(&col.name.as_str()) {
            Status::Drift
        } else {
            Status::Ok
        };
        assert_eq!(col.status, want, "{}: {:?}", col.name, col.reasons);
    }
    assert_eq!(rep.drifted, 6);
    assert_eq!(
        rep.verdict,
        Status::Drift,
        "6 of 12 columns is the default share of one half"
    );
    // Worst first: every drifted column before every other.
    let first_ok = rep
        .columns
        .iter()
        .position(|c| c.status == Status::Ok)
        .unwrap();
    assert_eq!(first_ok, 6);
    // The new category is found, and nothing vanished.
    let new = rep.column("cat_new").unwrap().new_values.as_ref().unwrap();
    assert_eq!(new.count.value, 1.0);
    assert_eq!(new.examples, vec![serde_json::json!("zeta")]);
    let gone = rep
        .column("cat_new")
        .unwrap()
        .vanished_values
        .as_ref()
        .unwrap();
    assert_eq!(gone.count.value, 0.0);
    // Large samples report no p-value.
    assert!(rep.columns.iter().all(|c| c.p_value.is_none()));
}

#[test]
fn random_halves_of_one_dataset_raise_no_alarm() {
    // Both sides are draws of the same distributions: 1M rows in all, split in two halves.
    let mut rng = Rng::new(7);
    let n = 500_000;
    let (a, b) = (side(&mut rng, n, false), side(&mut rng, n, false));
    let o = opts(4096);
    let rep = drift::compare(&profile(&a, &o), &profile(&b, &o), &DriftOptions::default()).unwrap();
    check_bounds(&a, &b, &rep);
    let alarms: Vec<&str> = rep
        .columns
        .iter()
        .filter(|c| c.status != Status::Ok)
        .map(|c| c.name.as_str())
        .collect();
    assert!(alarms.is_empty(), "false alarms: {alarms:?}");
    assert_eq!(rep.verdict, Status::Ok);
}

#[test]
fn sketched_columns_keep_their_bounds() {
    // Few values counted exactly: strings and integers go through HyperLogLog and Misra–Gries.
    let mut rng = Rng::new(3);
    let n = 60_000;
    let words = |rng: &mut Rng, n: usize, shift: u64| -> Col {
        Col::S(
            (0..n)
                .map(|_| {
                    // Zipf-like: a few frequent words and a long tail.
                    let u = rng.uniform();
                    let k = (1.0 / (u * 0.999 + 0.001)) as u64 + shift;
                    Some(format!("w{k}"))
                })
                .collect(),
        )
    };
    let a = vec![
        ("words", words(&mut rng, n, 0)),
        (
            "ints",
            Col::I((0..n).map(|_| (rng.normal() * 1000.0) as i64).collect()),
        ),
    ];
    let b = vec![
        ("words", words(&mut rng, n, 3)),
        (
            "ints",
            Col::I(
                (0..n)
                    .map(|_| (rng.normal() * 1000.0 + 300.0) as i64)
                    .collect(),
            ),
        ),
    ];
    let o = ProfileOptions {
        device: Device::Cpu,
        sketch: Some(SketchOptions {
            exact_limit: 64,
            counters: 256,
            ..Default::default()
        }),
        ..Default::default()
    };
    let (pa, pb) = (profile(&a, &o), profile(&b, &o));
    let rep = drift::compare(&pa, &pb, &DriftOptions::default()).unwrap();
    // Numbers: KS and W1 from the sketch and grid.
    let ints = rep.column("ints").unwrap().numeric.as_ref().unwrap();
    let (d, w) = exact_ks_w1(&finite(&a[1].1), &finite(&b[1].1));
    inside("ints ks", d, &ints.ks);
    inside("ints w1", w, &ints.wasserstein);
    // Strings: the exact divergences over the cells the profiles list (their counters' values,
    // the rest as "other") inside the bounds.
    let cat = rep.column("words").unwrap().categories.as_ref().unwrap();
    let listed = |p: &Profile| -> Vec<String> {
        let sk = p.column("words").unwrap().state.sketch.as_ref().unwrap();
        let (top, _) = sk.top_counted(drift::CELLS).unwrap();
        top.iter()
            .map(|c| c.value.as_str().unwrap().to_string())
            .collect()
    };
    let mut keys: Vec<String> = listed(&pa);
    keys.extend(listed(&pb));
    keys.sort();
    keys.dedup();
    let (sa, sb) = (shares(&a[0].1), shares(&b[0].1));
    let cells = |s: &BTreeMap<String, u64>| -> Vec<f64> {
        let n = n as f64;
        let mut v: Vec<f64> = keys
            .iter()
            .map(|k| *s.get(k).unwrap_or(&0) as f64 / n)
            .collect();
        v.push(1.0 - v.iter().sum::<f64>());
        v
    };
    let (psi, js, h) = divergences(&cells(&sa), &cells(&sb));
    inside("words js", js, &cat.jensen_shannon);
    inside("words psi", psi, &cat.psi);
    inside("words hellinger", h, &cat.hellinger);
    // New and vanished values from HyperLogLog unions: the exact counts inside the bounds.
    let col = rep.column("words").unwrap();
    let new_exact = sb.keys().filter(|k| !sa.contains_key(*k)).count() as f64;
    let gone_exact = sa.keys().filter(|k| !sb.contains_key(*k)).count() as f64;
    inside(
        "new words",
        new_exact,
        &col.new_values.as_ref().unwrap().count,
    );
    inside(
        "vanished words",
        gone_exact,
        &col.vanished_values.as_ref().unwrap().count,
    );
    assert_eq!(col.status, Status::Drift, "{:?}", col.reasons);
}

#[test]
fn small_samples_get_p_values_and_are_not_called_drift_on_noise() {
    let mut rng = Rng::new(11);
    let mk = |rng: &mut Rng, n: usize, shift: f64| {
        vec![(
            "x",
            Col::F((0..n).map(|_| Some(rng.normal() + shift)).collect()),
        )]
    };
    let o = opts(4096);
    // 60 rows a side, a shift of 0.3 sd: a KS distance likely above 0.05, but far from
    // significant.
    let (a, b) = (mk(&mut rng, 60, 0.0), mk(&mut rng, 60, 0.3));
    let rep = drift::compare(&profile(&a, &o), &profile(&b, &o), &DriftOptions::default()).unwrap();
    let x = rep.column("x").unwrap();
    let p = x.p_value.expect("a p-value for a small sample");
    assert!(p > 0.01, "p = {p}");
    assert_ne!(x.status, Status::Drift);
    check_bounds(&a, &b, &rep);
    // 5,000 rows a side and a shift of one standard deviation: drift, with a tiny p-value.
    let (a, b) = (mk(&mut rng, 5000, 0.0), mk(&mut rng, 5000, 1.0));
    let rep = drift::compare(&profile(&a, &o), &profile(&b, &o), &DriftOptions::default()).unwrap();
    let x = rep.column("x").unwrap();
    assert_eq!(x.status, Status::Drift);
    assert!(x.p_value.unwrap() < 1e-10);
    check_bounds(&a, &b, &rep);
}

#[test]
fn the_same_inputs_give_byte_identical_reports() {
    let mut rng = Rng::new(5);
    let (a, b) = (side(&mut rng, 20_000, false), side(&mut rng, 20_000, true));
    let o = opts(4096);
    let (pa, pb) = (profile(&a, &o), profile(&b, &o));
    let one = serde_json::to_string(&drift::compare(&pa, &pb, &DriftOptions::default()).unwrap())
        .unwrap();
    // Through the profile JSON and back, and with the rows in another batching.
    let path = std::path::Path::new("x.json");
    let ra = Profile::from_json(&pa.to_json(), path).unwrap();
    let rb = Profile::from_json(&pb.to_json(), path).unwrap();
    let two = serde_json::to_string(&drift::compare(&ra, &rb, &DriftOptions::default()).unwrap())
        .unwrap();
    assert_eq!(one, two);
}

#[test]
fn schema_changes_and_bad_inputs_are_reported() {
    let mut rng = Rng::new(9);
    let n = 1000;
    let a = vec![
        ("kept", Col::F((0..n).map(|_| Some(rng.normal())).collect())),
        ("gone", Col::I((0..n).map(|i| i as i64).collect())),
        ("retyped", Col::I((0..n).map(|i| i as i64 % 7).collect())),
    ];
    let b = vec![
        ("kept", Col::F((0..n).map(|_| Some(rng.normal())).collect())),
        (
            "added",
            Col::S((0..n).map(|i| Some(format!("s{i}"))).collect()),
        ),
        (
            "retyped",
            Col::F((0..n).map(|i| Some((i % 7) as f64)).collect()),
        ),
    ];
    let o = opts(4096);
    let (pa, pb) = (profile(&a, &o), profile(&b, &o));
    let rep = drift::compare(&pa, &pb, &DriftOptions::default()).unwrap();
    assert_eq!(rep.schema.added.len(), 1);
    assert_eq!(rep.schema.added[0].name, "added");
    assert_eq!(rep.schema.removed[0].name, "gone");
    assert_eq!(rep.schema.retyped[0].name, "retyped");
    assert_eq!(rep.schema.retyped[0].current, "Float64");
    // Int64 and Float64 of the same values: compared, and no drift.
    assert_eq!(rep.column("retyped").unwrap().status, Status::Ok);
    assert_eq!(rep.column("retyped").unwrap().score.unwrap().upper, 0.0);
    // Sketches of different accuracy do not compare.
    let coarse = ProfileOptions {
        device: Device::Cpu,
        sketch: Some(SketchOptions {
            slices: datassay::metrics::sketch::ddsketch::slices_for(0.05),
            ..Default::default()
        }),
        ..Default::default()
    };
    let pc = profile(&b, &coarse);
    let e = drift::compare(&pa, &pc, &DriftOptions::default()).unwrap_err();
    assert!(matches!(e, datassay::Error::Incompatible(_)), "{e}");
    assert!(e.to_string().contains("relative accurac"), "{e}");
    // A reference without rows.
    let empty = profile(&[("kept", Col::F(Vec::new()))], &o);
    let e = drift::compare(&empty, &pb, &DriftOptions::default()).unwrap_err();
    assert!(e.to_string().contains("no rows"), "{e}");
    // Options that mean nothing.
    let bad = DriftOptions {
        ks_threshold: 1.5,
        ..Default::default()
    };
    assert!(drift::compare(&pa, &pb, &bad).is_err());
}

#[test]
fn embedding_drift_counts_the_dimensions_that_moved() {
    use datassay::embed::state::EmbeddingState;
    let mut rng = Rng::new(21);
    let (n, dim) = (3000, 32);
    let a: Vec<f32> = (0..n * dim).map(|_| rng.normal() as f32).collect();
    let mut b: Vec<f32> = (0..n * dim).map(|_| rng.normal() as f32).collect();
    for i in 0..n {
        for j in 0..8 {
            b[i * dim + j] += 0.5;
        }
    }
    let (sa, sb) = (EmbeddingState::of(&a, dim), EmbeddingState::of(&b, dim));
    let mut pa = profile(&[("x", Col::F(vec![Some(1.0); 10]))], &opts(4096));
    let mut pb = pa.clone();
    let report = |s: EmbeddingState| {
        let mut r: datassay::embed::EmbeddingReport = serde_json::from_value(serde_json::json!({
            "source": "m", "rows": n, "vectors": n, "dim": dim, "metric": "cosine", "k": 10,
            "device": "cpu", "excluded": {"null": 0, "non_finite": 0, "sample_rows": []},
            "norms": {"min": 0.0, "mean": 0.0, "max": 0.0, "zero_vectors": 0},
            "near_duplicates": {"threshold": 0.98, "pairs": 0, "clusters": 0, "rows": 0, "redundant_rows": 0, "largest": []},
            "top_outliers": [], "distributions": [],
            "seconds": {"load": 0.0, "knn": 0.0, "select": 0.0, "scores": 0.0, "total": 0.0}
        }))
        .unwrap();
        r.state = Some(s);
        Box::new(r)
    };
    pa.embedding = Some(report(sa));
    pb.embedding = Some(report(sb));
    let rep = drift::compare(&pa, &pb, &DriftOptions::default()).unwrap();
    let e = rep.embedding.unwrap();
    assert_eq!(e.dimensions_drifted, 8, "{e:?}");
    assert_eq!(e.status, Status::Drift);
    // The mean moved by 0.5 in 8 dimensions: sqrt(8 · 0.25) ≈ 1.41, within sampling noise.
    assert!(
        (e.mean_distance - 2f64.sqrt()).abs() < 0.1,
        "{}",
        e.mean_distance
    );
    assert!(e.largest.iter().all(|&(j, _)| j < 8));
}

/// Regressions found by trying to break drift.
mod regressions {
    use super::*;
    use arrow::array::{
        Float64Array, Int64Array, StringArray, StructArray, TimestampMicrosecondArray,
        TimestampMillisecondArray,
    };
    use arrow::datatypes::{DataType, Field};

    fn prof(cols: Vec<(&str, ArrayRef)>) -> Profile {
        profile_batches(&[RecordBatch::try_from_iter(cols).unwrap()], &opts(4096)).unwrap()
    }

    #[test]
    fn every_exactly_counted_value_is_a_cell() {
        // 256 shared frequent values, then 1744 values only in the reference and 1744 others
        // only in the current side: about half the rows are new values.
        let side = |tail: &str| -> ArrayRef {
            let mut v: Vec<String> = Vec::new();
            for i in 0..256 {
                v.extend(std::iter::repeat_n(format!("h{i}"), 80));
            }
            for i in 0..1744 {
                v.extend(std::iter::repeat_n(format!("{tail}{i}"), 11));
            }
            Arc::new(StringArray::from(v))
        };
        let (r, c) = (prof(vec![("s", side("v"))]), prof(vec![("s", side("w"))]));
        let rep = drift::compare(&r, &c, &DriftOptions::default()).unwrap();
        let col = rep.column("s").unwrap();
        // Exact over all values: a shared value adds 0; a value of one side only (share s
        // there, 0 on the other) adds ½·s·log2(s / (s/2)) = s/2, and there are 2 × 1744 of them.
        let n = (256 * 80 + 1744 * 11) as f64;
        let js = (2.0 * 1744.0 * (11.0 / n) / 2.0).sqrt();
        let got = col.categories.as_ref().unwrap().jensen_shannon;
        assert!((got.value - js).abs() < 1e-9, "{got:?} against {js}");
        assert_eq!(col.status, Status::Drift);
    }

    #[test]
    fn times_in_other_units_are_not_compared_as_numbers() {
        let ms: Vec<i64> = (0..1000).map(|i| 1_700_000_000_000 + i * 1000).collect();
        let us: Vec<i64> = ms.iter().map(|x| x * 1000).collect();
        let r = prof(vec![(
            "t",
            Arc::new(TimestampMillisecondArray::from(ms)) as ArrayRef,
        )]);
        let c = prof(vec![(
            "t",
            Arc::new(TimestampMicrosecondArray::from(us)) as ArrayRef,
        )]);
        let rep = drift::compare(&r, &c, &DriftOptions::default()).unwrap();
        let t = rep.column("t").unwrap();
        assert_eq!(t.status, Status::Inconclusive, "{:?}", t.reasons);
        assert!(t.numeric.is_none() && t.new_values.is_none());
        assert!(t.reasons[0].contains("units"), "{:?}", t.reasons);
        assert_eq!(rep.schema.retyped.len(), 1);
    }

    #[test]
    fn nan_and_infinity_shares_drift() {
        let normal: Vec<f64> = (0..1000).map(|i| (i as f64 * 0.37).sin()).collect();
        let r = prof(vec![(
            "a",
            Arc::new(Float64Array::from(normal.clone())) as ArrayRef,
        )]);
        for bad in [f64::NAN, f64::INFINITY] {
            let c = prof(vec![(
                "a",
                Arc::new(Float64Array::from(vec![bad; 1000])) as ArrayRef,
            )]);
            for (x, y) in [(&r, &c), (&c, &r)] {
                let rep = drift::compare(x, y, &DriftOptions::default()).unwrap();
                let a = rep.column("a").unwrap();
                assert_eq!(a.status, Status::Drift, "{bad}: {:?}", a.reasons);
            }
        }
    }

    #[test]
    fn integers_and_floats_of_the_same_values_have_no_new_values() {
        let r = prof(vec![(
            "x",
            Arc::new(Int64Array::from((0..10).collect::<Vec<i64>>())) as ArrayRef,
        )]);
        let c = prof(vec![(
            "x",
            Arc::new(Float64Array::from(
                (0..10).map(|i| i as f64).collect::<Vec<_>>(),
            )) as ArrayRef,
        )]);
        let rep = drift::compare(&r, &c, &DriftOptions::default()).unwrap();
        let x = rep.column("x").unwrap();
        assert_eq!(x.new_values.as_ref().unwrap().count.value, 0.0);
        assert_eq!(x.vanished_values.as_ref().unwrap().count.value, 0.0);
        assert_eq!(x.status, Status::Ok);
    }

    #[test]
    fn struct_parents_do_not_dilute_the_share_and_retypes_are_not_ok() {
        let field = |shift: f64| -> ArrayRef {
            let p: ArrayRef = Arc::new(Float64Array::from(
                (0..1000).map(|i| i as f64 + shift).collect::<Vec<_>>(),
            ));
            Arc::new(StructArray::from(vec![(
                Arc::new(Field::new("p", DataType::Float64, false)),
                p,
            )]))
        };
        let num: ArrayRef = Arc::new(Float64Array::from(
            (0..1000).map(|i| i as f64).collect::<Vec<_>>(),
        ));
        let txt: ArrayRef = Arc::new(StringArray::from(
            (0..1000).map(|i| format!("{i}")).collect::<Vec<_>>(),
        ));
        let r = prof(vec![("st", field(0.0)), ("b", num)]);
        let c = prof(vec![("st", field(500.0)), ("b", txt)]);
        let rep = drift::compare(&r, &c, &DriftOptions::default()).unwrap();
        assert!(
            rep.column("st").is_none(),
            "a struct parent is compared through its fields"
        );
        assert_eq!(rep.column("st.p").unwrap().status, Status::Drift);
        assert_eq!(rep.column("b").unwrap().status, Status::Inconclusive);
        assert_eq!(rep.compared, 2);
    }

    #[test]
    fn repeated_names_pair_by_occurrence() {
        let a: ArrayRef = Arc::new(Float64Array::from(vec![1.0, 2.0, 3.0]));
        let b: ArrayRef = Arc::new(Float64Array::from(vec![100.0, 200.0, 300.0]));
        let schema = Arc::new(arrow::datatypes::Schema::new(vec![
            Field::new("x", DataType::Float64, false),
            Field::new("x", DataType::Float64, false),
        ]));
        let batch = RecordBatch::try_new(schema, vec![a, b]).unwrap();
        let p = profile_batches(&[batch], &opts(4096)).unwrap();
        let rep = drift::compare(&p, &p, &DriftOptions::default()).unwrap();
        assert_eq!(rep.compared, 2);
        for c in &rep.columns {
            assert_eq!(c.status, Status::Ok);
            assert_eq!(c.score.unwrap().upper, 0.0);
        }
    }

    /// Deciles on point masses: a two-valued reference whose maximum holds the upper deciles,
    /// against a current side beyond both ends; and a constant reference. The exact-decile
    /// statistics (numpy's conventions) lie inside the bounds.
    #[test]
    fn deciles_on_point_masses_keep_their_bounds() {
        let tile = |v: &[f64], n: usize| -> Vec<Option<f64>> {
            v.iter().cycle().take(n).map(|&x| Some(x)).collect()
        };
        let mut rng = Rng::new(4);
        let cases: Vec<(Col, Col)> = vec![
            (
                Col::F(tile(&[1.0, 1.0, -2.0], 3000)),
                Col::F(tile(&[2.0, -5.0, 7.0, 7.0], 4000)),
            ),
            (
                Col::F(tile(&[0.0, 1.0], 1000)),
                Col::F(tile(&[1.0, 1.0, 1.0, 0.0, 2.0], 1000)),
            ),
            (
                Col::F(vec![Some(3.7); 1000]),
                Col::F((0..1000).map(|_| Some(3.7 + 0.1 * rng.normal())).collect()),
            ),
        ];
        for (a, b) in cases {
            let r = vec![("x", a)];
            let c = vec![("x", b)];
            let rep = drift::compare(
                &super::profile(&r, &opts(4096)),
                &super::profile(&c, &opts(4096)),
                &DriftOptions::default(),
            )
            .unwrap();
            super::check_bounds(&r, &c, &rep);
        }
    }

    #[test]
    fn an_exact_wasserstein_distance_is_inside_its_bounds() {
        let r = vec![("x", Col::F(vec![Some(0.0), Some(1.0)]))];
        let c = vec![("x", Col::F(vec![Some(1.5), Some(2.5)]))];
        let rep = drift::compare(
            &super::profile(&r, &opts(4096)),
            &super::profile(&c, &opts(4096)),
            &DriftOptions::default(),
        )
        .unwrap();
        let w = rep
            .column("x")
            .unwrap()
            .numeric
            .as_ref()
            .unwrap()
            .wasserstein;
        assert!(w.lower <= 1.5 && 1.5 <= w.upper, "{w:?}");
    }

    #[test]
    fn huge_values_leave_a_readable_profile() {
        let h: ArrayRef = Arc::new(Float64Array::from(
            (0..100)
                .map(|i| (i as f64 + 1.0) * 1e160)
                .collect::<Vec<_>>(),
        ));
        let y: ArrayRef = Arc::new(Float64Array::from(
            (0..100).map(|i| i as f64).collect::<Vec<_>>(),
        ));
        let p = prof(vec![("h", h), ("y", y)]);
        let back = Profile::from_json(&p.to_json(), std::path::Path::new("huge.json")).unwrap();
        let rep = drift::compare(&back, &p, &DriftOptions::default()).unwrap();
        assert!(rep.columns.iter().all(|c| c.status == Status::Ok));
    }
}

#[test]
fn a_renamed_list_field_is_not_a_retyped_column_and_no_common_column_is_drift() {
    use arrow::array::{Int32Array, ListArray};
    use arrow::datatypes::{DataType, Field};
    let list = |field: &str| -> ArrayRef {
        Arc::new(ListArray::new(
            Arc::new(Field::new(field, DataType::Int32, true)),
            arrow::buffer::OffsetBuffer::from_lengths([2, 1, 0, 3]),
            Arc::new(Int32Array::from(vec![1, 2, 3, 4, 5, 6])),
            None,
        ))
    };
    let o = ProfileOptions {
        device: Device::Cpu,
        ..Default::default()
    };
    let a = profile_batches(
        &[RecordBatch::try_from_iter([("stops", list("item"))]).unwrap()],
        &o,
    )
    .unwrap();
    let b = profile_batches(
        &[RecordBatch::try_from_iter([("stops", list("element"))]).unwrap()],
        &o,
    )
    .unwrap();
    assert_ne!(a.columns[0].data_type, b.columns[0].data_type);
    let r = drift::compare(&a, &b, &DriftOptions::default()).unwrap();
    assert!(r.schema.retyped.is_empty(), "{:?}", r.schema.retyped);
    // Two sides with no column in common: every reference column is gone.
    let other = profile_batches(
        &[RecordBatch::try_from_iter([(
            "other",
            Arc::new(Float64Array::from(vec![1.0, 2.0])) as ArrayRef,
        )])
        .unwrap()],
        &o,
    )
    .unwrap();
    let r = drift::compare(&a, &other, &DriftOptions::default()).unwrap();
    assert_eq!(r.compared, 0);
    assert_eq!(r.verdict, Status::Drift);
}
