//! Quantiles, distinct counts, top values and duplicate rows against independent references:
//! exact quantiles by sorting (numpy's `inverted_cdf`), exact counts by hashing the values
//! themselves, planted duplicate rows.

use arrow::array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use datassay::bench::Rng;
use datassay::profile::ColumnProfile;
use datassay::{profile_batches, Device, ProfileOptions};
use std::collections::HashMap;
use std::sync::Arc;

const QS: [f64; 9] = [0.0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1.0];

fn opts() -> ProfileOptions {
    ProfileOptions {
        device: Device::Cpu,
        quantiles: QS.to_vec(),
        ..Default::default()
    }
}

/// Batches of one column `x`, `per` rows each.
fn batches(col: Vec<Option<f64>>, per: usize) -> Vec<RecordBatch> {
    col.chunks(per)
        .map(|c| {
            let a: ArrayRef = Arc::new(Float64Array::from(c.to_vec()));
            RecordBatch::try_from_iter([("x", a)]).unwrap()
        })
        .collect()
}

/// numpy.quantile(finite, q, method="inverted_cdf").
fn inverted_cdf(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len() as f64;
    let v = n * q - 1.0;
    let prev = v.floor();
    let idx = if v - prev > 0.0 { prev + 1.0 } else { prev };
    sorted[idx.clamp(0.0, n - 1.0) as usize]
}

/// The distributions the bound must survive.
fn distributions() -> Vec<(&'static str, Vec<Option<f64>>)> {
    let mut r = Rng::new(99);
    let n = 30_000;
    let mut out: Vec<(&'static str, Vec<Option<f64>>)> = Vec::new();
    out.push(("all equal", vec![Some(3.25); n]));
    out.push((
        "two spikes",
        (0..n)
            .map(|i| Some(if i % 3 == 0 { -7.5 } else { 1e6 }))
            .collect(),
    ));
    out.push((
        "normal with nulls, NaN and inf",
        (0..n)
            .map(|i| match i % 97 {
                0 => None,
                1 => Some(f64::NAN),
                2 => Some(f64::INFINITY),
                _ => Some(r.normal()),
            })
            .collect(),
    ));
    out.push((
        "pareto tails, both signs",
        (0..n)
            .map(|_| {
                let x = (1.0 - r.uniform()).powf(-1.0 / 0.8);
                Some(if r.uniform() < 0.4 { -x } else { x })
            })
            .collect(),
    ));
    out.push((
        "lognormal, wide",
        (0..n).map(|_| Some((4.0 * r.normal()).exp())).collect(),
    ));
    out.push((
        "zeros and negatives",
        (0..n)
            .map(|i| {
                Some(if i % 4 == 0 {
                    0.0
                } else {
                    -r.uniform() * 100.0
                })
            })
            .collect(),
    ));
    out.push((
        "subnormals and extremes",
        (0..n)
            .map(|i| {
                Some(match i % 5 {
                    0 => f64::from_bits(1 + (r.next_u64() % 1_000_000)),
                    1 => -f64::from_bits(r.next_u64() % (1 << 52)),
                    2 => f64::MAX * r.uniform(),
                    3 => f64::MIN_POSITIVE * (1.0 + r.uniform()),
                    _ => -0.0,
                })
            })
            .collect(),
    ));
    out.push((
        "integers, many distinct",
        (0..n)
            .map(|_| Some((r.next_u64() % 1_000_000) as f64))
            .collect(),
    ));
    out
}

fn sketches(c: &ColumnProfile) -> &datassay::profile::SketchProfile {
    c.sketches.as_ref().expect("sketches on by default")
}

/// Every reported quantile lies within its stated relative error of the exact one, and the
/// exact one within the stated bounds; `--exact-quantiles` gives the exact ones.
#[test]
fn quantiles_hold_their_bounds_on_every_distribution() {
    for (name, col) in distributions() {
        let mut finite: Vec<f64> = col
            .iter()
            .flatten()
            .copied()
            .filter(|x| x.is_finite())
            .collect();
        finite.sort_by(f64::total_cmp);
        for exact in [false, true] {
            let o = ProfileOptions {
                exact_quantiles: exact,
                ..opts()
            };
            let p = profile_batches(&batches(col.clone(), 7_000), &o).unwrap();
            let s = sketches(&p.columns[0]);
            let qs = s.quantiles.as_ref().unwrap();
            let bounds = s.quantile_bounds.as_ref().unwrap();
            let rel = s.quantile_relative_error.unwrap();
            let method = s.quantile_method.as_deref().unwrap();
            assert!(rel <= 0.01, "{name}: {rel}");
            for q in QS {
                let key = datassay::profile::quantile_key(q);
                let want = inverted_cdf(&finite, q);
                let got = qs[&key];
                let [lo, hi] = bounds[&key];
                assert!(
                    lo <= want && want <= hi,
                    "{name} q{q} ({method}): exact {want} outside [{lo}, {hi}]"
                );
                if exact || method == "exact" {
                    assert_eq!(got, want, "{name} q{q}: exact quantile");
                } else {
                    let err = (got - want).abs();
                    assert!(
                        err <= rel * want.abs() * (1.0 + 1e-12)
                            || (want.abs() < 1e-300 && err < 1e-300),
                        "{name} q{q}: {got} vs exact {want} (relative error {})",
                        err / want.abs()
                    );
                }
            }
        }
    }
}

/// Distinct counts of 1e3 to 1e6 values (and a low-cardinality column counted exactly), each
/// within its bounds and the estimate within 3 standard errors.
#[test]
fn distinct_counts_within_their_bounds() {
    for &n in &[1_000usize, 5_000, 50_000, 300_000, 1_000_000] {
        // Each value twice, shuffled a little; strings and integers.
        let ints: Vec<i64> = (0..2 * n).map(|i| (i % n) as i64 * 7919 + 13).collect();
        let strs: Vec<String> = (0..2 * n)
            .map(|i| format!("v{}-{}", i % n, (i % n) % 11))
            .collect();
        let a: ArrayRef = Arc::new(Int64Array::from(ints));
        let b: ArrayRef = Arc::new(StringArray::from(strs));
        let batch = RecordBatch::try_from_iter([("i", a), ("s", b)]).unwrap();
        let per = 65_536;
        let bs: Vec<RecordBatch> = (0..batch.num_rows())
            .step_by(per)
            .map(|s| batch.slice(s, per.min(batch.num_rows() - s)))
            .collect();
        let p = profile_batches(&bs, &opts()).unwrap();
        for c in &p.columns {
            let d = sketches(c).distinct;
            let se = 1.04 / 128.0; // 1.04 / sqrt(2^14)
            println!(
                "{} n {n}: estimate {} [{}, {}] exact {} ({:+.3}%)",
                c.name,
                d.estimate,
                d.lower,
                d.upper,
                d.exact,
                100.0 * (d.estimate as f64 - n as f64) / n as f64
            );
            assert!(
                d.lower as usize <= n && n <= d.upper as usize,
                "{} n {n}: {d:?}",
                c.name
            );
            assert!(
                ((d.estimate as f64 - n as f64) / n as f64).abs() <= 3.0 * se,
                "{d:?}"
            );
            assert_eq!(d.exact, n <= 4096, "{} n {n}", c.name);
            if d.exact {
                assert_eq!(d.estimate as usize, n);
            }
        }
    }
}

/// Top values of a skewed column: every listed count within [count, count_upper] of the truth,
/// every value missing from the list no more frequent than the stated error, and the heaviest
/// values listed in order; exact while few values.
#[test]
fn top_values_within_their_bounds() {
    let mut r = Rng::new(8);
    for distinct in [40u64, 200_000] {
        let n = 400_000;
        let vals: Vec<i64> = (0..n)
            .map(|_| {
                // Zipf-like: a few values take most rows.
                let u = r.uniform();
                ((distinct as f64).powf(u) as u64).min(distinct - 1) as i64
            })
            .collect();
        let mut truth: HashMap<i64, u64> = HashMap::new();
        for &v in &vals {
            *truth.entry(v).or_default() += 1;
        }
        let a: ArrayRef = Arc::new(Int64Array::from(vals));
        let batch = RecordBatch::try_from_iter([("k", a)]).unwrap();
        let bs: Vec<RecordBatch> = (0..n)
            .step_by(50_000)
            .map(|s| batch.slice(s, 50_000))
            .collect();
        let p = profile_batches(&bs, &opts()).unwrap();
        let s = sketches(&p.columns[0]);
        let top = s.top_values.as_ref().unwrap();
        let err = s.top_values_error.unwrap();
        assert_eq!(top.len(), 10);
        for t in top {
            let v = t.value.as_i64().unwrap();
            let c = truth[&v];
            assert!(
                t.count <= c && c <= t.count_upper,
                "{v}: {} <= {c} <= {}",
                t.count,
                t.count_upper
            );
            assert_eq!(t.count_upper - t.count, err);
        }
        let listed: Vec<i64> = top.iter().map(|t| t.value.as_i64().unwrap()).collect();
        let mut by_count: Vec<(i64, u64)> = truth.iter().map(|(&k, &c)| (k, c)).collect();
        by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        for &(k, c) in &by_count {
            if !listed.contains(&k) {
                assert!(c <= top[9].count_upper, "{k} ({c}) left out");
            }
        }
        // The three heaviest values are far apart: listed first, in order.
        assert_eq!(&listed[..3], &[by_count[0].0, by_count[1].0, by_count[2].0]);
        println!("{distinct} distinct: error bound {err} of {n} rows");
        if distinct <= 4096 {
            assert_eq!(err, 0);
            assert_eq!(s.distinct.estimate, truth.len() as u64);
        }
    }
}

/// Planted duplicate rows are counted, rows differing in one column are not, nulls equal nulls.
#[test]
fn duplicate_rows_are_counted() {
    let n = 20_000usize;
    let mut r = Rng::new(3);
    let mut xs: Vec<Option<f64>> = (0..n).map(|i| (i % 50 != 0).then(|| r.normal())).collect();
    let mut ss: Vec<Option<String>> = (0..n)
        .map(|i| (i % 70 != 0).then(|| format!("s{}", i % 300)))
        .collect();
    // 150 exact copies of earlier rows; 100 near copies differing in the float.
    let mut planted = 0;
    for k in 0..250 {
        let src = (r.next_u64() % 10_000) as usize;
        let dst = 10_000 + (k * 37) % 10_000;
        xs[dst] = xs[src];
        ss[dst] = ss[src].clone();
        if k < 150 {
            planted += 1;
        } else {
            xs[dst] = Some(xs[src].unwrap_or(0.0) + 1.0);
        }
    }
    let a: ArrayRef = Arc::new(Float64Array::from(xs.clone()));
    let b: ArrayRef = Arc::new(StringArray::from(ss.clone()));
    let batch = RecordBatch::try_from_iter([("x", a), ("s", b)]).unwrap();
    let bs: Vec<RecordBatch> = (0..n)
        .step_by(3000)
        .map(|s| batch.slice(s, 3000.min(n - s)))
        .collect();
    let p = profile_batches(&bs, &opts()).unwrap();
    let d = p.duplicate_rows.as_ref().unwrap();
    // The reference: rows as (bits of x, s) in a hash map.
    let mut seen = std::collections::HashSet::new();
    let mut dups = 0;
    for i in 0..n {
        if !seen.insert((xs[i].map(f64::to_bits), ss[i].clone())) {
            dups += 1;
        }
    }
    assert!(dups >= planted, "{dups} < {planted}");
    assert_eq!(d.count, dups as u64);
    assert!(d.exact);
    for &[a, b] in &d.sample {
        let (a, b) = (a as usize, b as usize);
        assert!(a < b);
        assert_eq!(
            (xs[a].map(f64::to_bits), &ss[a]),
            (xs[b].map(f64::to_bits), &ss[b])
        );
    }
}

/// Profiles of two halves merge into the profile of the whole: equal sketch states, so equal
/// quantiles, distinct counts and top values (exact ones stay exact).
#[test]
fn merged_halves_equal_the_whole() {
    let mut r = Rng::new(12);
    let n = 60_000;
    let x: Vec<Option<f64>> = (0..n).map(|_| Some(r.normal() * 10.0)).collect();
    let k: Vec<i64> = (0..n).map(|_| (r.next_u64() % 900) as i64).collect();
    let s: Vec<String> = (0..n)
        .map(|i| format!("w{}", (i * 7919) % 20_000))
        .collect();
    let a: ArrayRef = Arc::new(Float64Array::from(x));
    let b: ArrayRef = Arc::new(Int64Array::from(k));
    let c: ArrayRef = Arc::new(StringArray::from(s));
    let batch = RecordBatch::try_from_iter([("x", a), ("k", b), ("s", c)]).unwrap();
    let whole = profile_batches(
        &[batch.slice(0, 30_000), batch.slice(30_000, 30_000)],
        &opts(),
    )
    .unwrap();
    let left = profile_batches(&[batch.slice(0, 30_000)], &opts()).unwrap();
    let right = profile_batches(&[batch.slice(30_000, 30_000)], &opts()).unwrap();
    let merged = left.merge(&right).unwrap();
    for (m, w) in merged.columns.iter().zip(&whole.columns) {
        let (ms, ws) = (sketches(m), sketches(w));
        assert_eq!(ms.distinct, ws.distinct, "{}", m.name);
        assert_eq!(ms.quantiles, ws.quantiles, "{}", m.name);
        let (mk, wk) = (
            m.state.sketch.as_ref().unwrap(),
            w.state.sketch.as_ref().unwrap(),
        );
        assert_eq!(mk.quantiles, wk.quantiles, "{}", m.name);
        let hll = |s: &datassay::metrics::sketch::ColSketch| match &s.distinct {
            datassay::metrics::sketch::Distinct::Sketch { hll, .. } => Some(hll.clone()),
            _ => None,
        };
        assert_eq!(hll(mk), hll(wk), "{}", m.name);
        if m.name == "k" {
            assert!(ms.distinct.exact);
            assert_eq!(ms.top_values, ws.top_values);
        }
    }
    // Merged through JSON as `datassay merge` does.
    let l = datassay::Profile::from_json(&left.to_json(), std::path::Path::new("l")).unwrap();
    let rj = datassay::Profile::from_json(&right.to_json(), std::path::Path::new("r")).unwrap();
    let via_json = l.merge(&rj).unwrap();
    assert_eq!(via_json.columns, merged.columns);
    assert_eq!(merged.duplicate_rows.as_ref().map(|d| d.exact), Some(false));
}

/// Sketches of different parameters refuse to merge, with the option to fix in the message.
#[test]
fn different_parameters_do_not_merge() {
    let col: Vec<Option<f64>> = (0..10_000).map(|i| Some(i as f64 * 1.5)).collect();
    let a = profile_batches(&batches(col.clone(), 10_000), &opts()).unwrap();
    let mut o = opts();
    o.sketch.as_mut().unwrap().slices = datassay::metrics::sketch::ddsketch::slices_for(0.05);
    let b = profile_batches(&batches(col.clone(), 10_000), &o).unwrap();
    let e = a.merge(&b).unwrap_err().to_string();
    assert!(e.contains("the same `quantile_accuracy`"), "{e}");
    let mut o = opts();
    o.sketch.as_mut().unwrap().precision = 12;
    let c = profile_batches(&batches(col.clone(), 10_000), &o).unwrap();
    let e = a.merge(&c).unwrap_err().to_string();
    assert!(e.contains("the same `hll_precision`"), "{e}");
    let o = ProfileOptions {
        sketch: None,
        ..opts()
    };
    let d = profile_batches(&batches(col, 10_000), &o).unwrap();
    let e = a.merge(&d).unwrap_err().to_string();
    assert!(e.contains("sketches"), "{e}");
}
