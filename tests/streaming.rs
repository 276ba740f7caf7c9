//! The streaming Profiler and order-free merges: batch sizes never change a profile; merges of
//! many shards in any order and tree shape give the same JSON (floating-point moments within
//! 1e-12); every accumulator keeps identity and associativity; bad batches are clear errors.

mod common;
use arrow::array::{
    Array, ArrayRef, Float64Array, Int64Array, ListArray, RecordBatch, StringArray, StructArray,
};
use arrow::datatypes::{DataType, Field, Int64Type};
use common::same_json;
use datassay::metrics::accumulator::Accumulator;
use datassay::metrics::correlation::{CorrelationPart, Correlations};
use datassay::metrics::moments::cpu::{NumericInput, Prepared};
use datassay::metrics::moments::{NumericAcc, NumericPart};
use datassay::metrics::rows::RowAcc;
use datassay::metrics::strings::LengthState;
use datassay::{profile_batches, Device, Profile, ProfileOptions, Profiler};
use proptest::prelude::*;
use serde_json::Value;
use std::sync::Arc;

fn cpu() -> ProfileOptions {
    ProfileOptions {
        device: Device::Cpu,
        ..Default::default()
    }
}

/// A table of `n` rows: floats with nulls, NaN and a far offset; a correlated float; small
/// integers; a categorical string; a high-cardinality float; a list of integers; a struct.
fn table(n: usize, seed: u64) -> RecordBatch {
    let mut r = datassay::bench::Rng::new(seed);
    let x: Vec<Option<f64>> = (0..n)
        .map(|i| match i % 53 {
            7 => None,
            11 => Some(f64::NAN),
            _ => Some(1e6 + r.normal() * 3.0),
        })
        .collect();
    let y: Vec<Option<f64>> = x.iter().map(|v| v.map(|v| 2.0 * v + r.normal())).collect();
    let k: Vec<i64> = (0..n).map(|_| (r.next_u64() % 40) as i64).collect();
    let s: Vec<Option<String>> = (0..n)
        .map(|i| (i % 31 != 0).then(|| format!("cat{}", r.next_u64() % 12)))
        .collect();
    let u: Vec<f64> = (0..n).map(|_| r.normal() * 1e-3).collect();
    let lists: Vec<Option<Vec<Option<i64>>>> = (0..n)
        .map(|i| {
            (i % 17 != 0).then(|| {
                (0..(r.next_u64() % 4))
                    .map(|_| Some((r.next_u64() % 1000) as i64))
                    .collect()
            })
        })
        .collect();
    let list = ListArray::from_iter_primitive::<Int64Type, _, _>(lists);
    let inner: ArrayRef = Arc::new(Int64Array::from(
        (0..n).map(|i| (i % 5) as i64).collect::<Vec<_>>(),
    ));
    let st = StructArray::from(vec![(
        Arc::new(Field::new("level", DataType::Int64, false)),
        inner,
    )]);
    RecordBatch::try_from_iter([
        ("x", Arc::new(Float64Array::from(x)) as ArrayRef),
        ("y", Arc::new(Float64Array::from(y)) as ArrayRef),
        ("k", Arc::new(Int64Array::from(k)) as ArrayRef),
        ("s", Arc::new(StringArray::from(s)) as ArrayRef),
        ("u", Arc::new(Float64Array::from(u)) as ArrayRef),
        ("ids", Arc::new(list) as ArrayRef),
        ("meta", Arc::new(st) as ArrayRef),
    ])
    .unwrap()
}

fn json(p: &Profile) -> Value {
    serde_json::to_value(p).unwrap()
}

/// Cut `n` rows at the given points (sorted, deduplicated, within 0..n).
fn cuts(n: usize, mut at: Vec<usize>) -> Vec<(usize, usize)> {
    at.retain(|&c| c > 0 && c < n);
    at.sort();
    at.dedup();
    let mut out = Vec::new();
    let mut s = 0;
    for c in at.into_iter().chain([n]) {
        out.push((s, c - s));
        s = c;
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// The same rows in batches of any sizes give the same profile, byte for byte.
    #[test]
    fn batch_sizes_do_not_change_the_profile(
        n in 1usize..70_000,
        at in prop::collection::vec(0usize..70_000, 0..12),
        seed in 0u64..1000,
    ) {
        let t = table(n, seed);
        let whole = profile_batches(std::slice::from_ref(&t), &cpu()).unwrap();
        let mut p = Profiler::new(t.schema(), &cpu()).unwrap();
        for (s, len) in cuts(n, at) {
            p.update(&t.slice(s, len)).unwrap();
        }
        let streamed = p.finish().unwrap().profile;
        prop_assert_eq!(whole.to_json_compact(), streamed.to_json_compact());
    }
}

/// Merge `profiles` in the order of `order`, as a left fold, a right fold, or balanced pairs.
fn merge_shaped(profiles: &[Profile], order: &[usize], shape: u8) -> Profile {
    let ps: Vec<&Profile> = order.iter().map(|&i| &profiles[i]).collect();
    match shape % 3 {
        0 => Profile::merge_all(ps.iter().copied()).unwrap(),
        1 => {
            let mut acc = ps[ps.len() - 1].clone();
            for p in ps[..ps.len() - 1].iter().rev() {
                acc = p.merge(&acc).unwrap();
            }
            acc
        }
        _ => {
            let mut level: Vec<Profile> = ps.into_iter().cloned().collect();
            while level.len() > 1 {
                level = level
                    .chunks(2)
                    .map(|c| match c {
                        [a, b] => a.merge(b).unwrap(),
                        [a] => a.clone(),
                        _ => unreachable!(),
                    })
                    .collect();
            }
            level.pop().unwrap()
        }
    }
}

/// 64 shards merged in random orders and tree shapes give the same JSON; and through their JSON
/// files too.
#[test]
fn merges_of_64_shards_are_the_same_in_any_order_and_shape() {
    let n = 64 * 900;
    let t = table(n, 42);
    let mut r = datassay::bench::Rng::new(9);
    let mut at: Vec<usize> = (0..63)
        .map(|_| (r.next_u64() % n as u64) as usize)
        .collect();
    at.push(1);
    let shards: Vec<Profile> = cuts(n, at)
        .into_iter()
        .map(|(s, len)| profile_batches(&[t.slice(s, len)], &cpu()).unwrap())
        .collect();
    let order: Vec<usize> = (0..shards.len()).collect();
    let first = merge_shaped(&shards, &order, 0);
    let want = json(&first);
    for round in 0..6u8 {
        let mut o = order.clone();
        for i in (1..o.len()).rev() {
            o.swap(i, (r.next_u64() % (i as u64 + 1)) as usize);
        }
        let got = merge_shaped(&shards, &o, round);
        same_json(&json(&got), &want, "profile", 1e-12);
    }
    // Through JSON and the binary form, as processes would ship them.
    let read: Vec<Profile> = shards
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if i % 2 == 0 {
                Profile::from_json(&p.to_json(), std::path::Path::new("s.json")).unwrap()
            } else {
                Profile::from_bytes(&p.to_bytes(), std::path::Path::new("s.bin")).unwrap()
            }
        })
        .collect();
    same_json(
        &json(&merge_shaped(&read, &order, 2)),
        &want,
        "profile",
        1e-12,
    );
    // The merge against the profile of the whole: exact counts, and the rest within rounding.
    let whole = json(&profile_batches(&[t], &cpu()).unwrap());
    for (i, c) in want["columns"].as_array().unwrap().iter().enumerate() {
        let w = &whole["columns"][i];
        for k in [
            "rows",
            "nulls",
            "count",
            "min",
            "max",
            "nan",
            "zeros",
            "histogram",
            "distinct",
        ] {
            assert_eq!(c.get(k), w.get(k), "{}: {k}", c["name"]);
        }
    }
    let (mc, wc) = (
        &want["correlations"]["pearson"],
        &whole["correlations"]["pearson"],
    );
    same_json(mc, wc, "c.pearson", 1e-9);
    let d = &want["duplicate_rows"];
    assert_eq!(d["exact"], false);
    let e = &d["estimate"];
    let truth = whole["duplicate_rows"]["count"].as_u64().unwrap();
    assert!(
        e["lower"].as_u64().unwrap() <= truth && truth <= e["upper"].as_u64().unwrap(),
        "{d} vs {truth}"
    );
}

/// Identity and associativity of `merge` for one family, with `eq` for equality.
fn laws<A: Accumulator + std::fmt::Debug>(
    empty: &A,
    a: &A,
    b: &A,
    c: &A,
    eq: impl Fn(&A, &A) -> bool,
) {
    let mut left = empty.clone();
    left.merge(a).unwrap();
    assert!(eq(&left, a), "identity on the left: {left:?} vs {a:?}");
    let mut right = a.clone();
    right.merge(empty).unwrap();
    assert!(eq(&right, a), "identity on the right");
    let mut ab_c = a.clone();
    ab_c.merge(b).unwrap();
    ab_c.merge(c).unwrap();
    let mut bc = b.clone();
    bc.merge(c).unwrap();
    let mut a_bc = a.clone();
    a_bc.merge(&bc).unwrap();
    assert!(eq(&ab_c, &a_bc), "associativity: {ab_c:?} vs {a_bc:?}");
    let mut ba = b.clone();
    ba.merge(a).unwrap();
    let mut ab = a.clone();
    ab.merge(b).unwrap();
    assert!(eq(&ab, &ba), "commutativity");
}

fn value() -> impl Strategy<Value = Option<f64>> {
    prop_oneof![
        8 => (-1e6f64..1e6).prop_map(Some),
        1 => Just(None),
        1 => prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(0.0)].prop_map(Some),
        1 => (1e9f64..1e9 + 10.0).prop_map(Some),
    ]
}

fn numeric(v: &[Option<f64>]) -> NumericAcc {
    let arr: ArrayRef = Arc::new(Float64Array::from(v.to_vec()));
    let p = Prepared::new(&arr);
    let input = p.input().unwrap();
    let mut acc = NumericAcc::default();
    acc.update(NumericPart {
        input: &input,
        start: 0,
        end: v.len(),
    });
    acc
}

fn numeric_eq(a: &NumericAcc, b: &NumericAcc) -> bool {
    let close = |x: f64, y: f64| x == y || (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1e-3);
    a.counts == b.counts
        && a.grid == b.grid
        && a.moments.n == b.moments.n
        && (a.moments.n == 0
            || (a.moments.min == b.moments.min
                && a.moments.max == b.moments.max
                && close(a.moments.mean().unwrap(), b.moments.mean().unwrap())
                && close(a.moments.m2, b.moments.m2)))
}

fn corr(x: &[Option<f64>], y: &[Option<f64>]) -> Correlations {
    let n = x.len().min(y.len());
    let ax: ArrayRef = Arc::new(Float64Array::from(x[..n].to_vec()));
    let ay: ArrayRef = Arc::new(Float64Array::from(y[..n].to_vec()));
    let (px, py) = (Prepared::new(&ax), Prepared::new(&ay));
    let (ix, iy) = (px.input().unwrap(), py.input().unwrap());
    let cols: Vec<&NumericInput> = vec![&ix, &iy];
    let mut c = Correlations::new(vec!["x".into(), "y".into()]);
    c.update(CorrelationPart {
        columns: &cols,
        start: 0,
        end: n,
    });
    c
}

fn corr_eq(a: &Correlations, b: &Correlations) -> bool {
    let close = |x: f64, y: f64| x == y || (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0);
    a.columns == b.columns
        && a.pairs.iter().zip(&b.pairs).all(|(p, q)| {
            p.n == q.n
                && close(p.mean_x, q.mean_x)
                && close(p.mean_y, q.mean_y)
                && close(p.m2x, q.m2x)
                && close(p.m2y, q.m2y)
                && close(p.cxy, q.cxy)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn every_accumulator_keeps_identity_and_associativity(
        a in prop::collection::vec(value(), 0..200),
        b in prop::collection::vec(value(), 0..200),
        c in prop::collection::vec(value(), 0..200),
    ) {
        laws(&NumericAcc::default(), &numeric(&a), &numeric(&b), &numeric(&c), numeric_eq);
        laws(
            &Correlations::new(vec!["x".into(), "y".into()]),
            &corr(&a, &b),
            &corr(&b, &c),
            &corr(&c, &a),
            corr_eq,
        );
        let strings = |v: &[Option<f64>]| -> ArrayRef {
            Arc::new(StringArray::from(
                v.iter().map(|x| x.map(|x| format!("{}", (x.abs() as i64) % 50))).collect::<Vec<_>>(),
            ))
        };
        let lengths = |v: &[Option<f64>]| {
            let mut s = LengthState::default();
            s.update(&strings(v));
            s
        };
        laws(&LengthState::default(), &lengths(&a), &lengths(&b), &lengths(&c), |x, y| x == y);
        let sketch = |v: &[Option<f64>]| {
            let mut s = datassay::metrics::sketch::ColSketch::new(
                &DataType::Utf8,
                &datassay::metrics::sketch::SketchOptions { exact_limit: 30, ..Default::default() },
            );
            let mut h = Vec::new();
            s.update(strings(v).as_ref(), &mut h);
            s
        };
        let empty = datassay::metrics::sketch::ColSketch::new(
            &DataType::Utf8,
            &datassay::metrics::sketch::SketchOptions { exact_limit: 30, ..Default::default() },
        );
        // Distinct counts (exact, then HyperLogLog past 30 values) and the value counts are
        // the same in any order.
        laws(&empty, &sketch(&a), &sketch(&b), &sketch(&c), |x, y| {
            let (n, m) = (x.non_null.max(1), y.non_null.max(1));
            x.non_null == y.non_null && x.distinct(n) == y.distinct(m)
        });
        let rows = |v: &[Option<f64>]| {
            let h: Vec<u64> = v.iter().map(|x| x.map_or(7, |x| (x as i64 % 20) as u64)).collect();
            let mut r = RowAcc::default();
            r.update(&h);
            r.seal();
            r
        };
        laws(&RowAcc::default(), &rows(&a), &rows(&b), &rows(&c), |x, y| x.finish() == y.finish());
    }
}

#[test]
fn a_batch_of_another_schema_is_a_clear_error() {
    let t = table(100, 1);
    let mut p = Profiler::new(t.schema(), &cpu()).unwrap();
    p.update(&t).unwrap();
    let other =
        RecordBatch::try_from_iter([("x", Arc::new(Int64Array::from(vec![1, 2])) as ArrayRef)])
            .unwrap();
    let e = p.update(&other).unwrap_err().to_string();
    assert!(e.contains("does not match the profiler's schema"), "{e}");
    // What was folded before is kept.
    let d = t.project(&[0, 1, 2, 3, 4, 5, 6]).unwrap();
    p.update(&d).unwrap();
    assert_eq!(p.finish().unwrap().profile.rows, 200);
}

#[test]
fn nested_columns_against_naive_counts() {
    let t = table(5000, 3);
    let p = profile_batches(std::slice::from_ref(&t), &cpu()).unwrap();
    let ids = p.column("ids").unwrap();
    let lists = t.column(5).as_any().downcast_ref::<ListArray>().unwrap();
    let valid: Vec<usize> = (0..lists.len()).filter(|&i| !lists.is_null(i)).collect();
    let lens: Vec<u64> = valid
        .iter()
        .map(|&i| lists.value_length(i) as u64)
        .collect();
    let l = ids.lengths.as_ref().unwrap();
    assert_eq!(ids.nulls as usize, lists.len() - valid.len());
    assert_eq!(l.total_length, lens.iter().sum::<u64>());
    assert_eq!(l.max_length, lens.iter().max().copied());
    assert_eq!(l.empty, lens.iter().filter(|&&x| x == 0).count() as u64);
    let el = p.column("ids[]").unwrap();
    assert_eq!(el.element_of.as_deref(), Some("ids"));
    assert_eq!(el.rows, l.total_length);
    let values: Vec<f64> = valid
        .iter()
        .flat_map(|&i| {
            let v = lists.value(i);
            let v = v.as_any().downcast_ref::<Int64Array>().unwrap().clone();
            v.values().iter().map(|&x| x as f64).collect::<Vec<_>>()
        })
        .collect();
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let got = el.numeric.as_ref().unwrap().mean.unwrap();
    assert!((got - mean).abs() < 1e-9 * mean, "{got} vs {mean}");
    let lvl = p.column("meta.level").unwrap();
    assert_eq!(lvl.numeric.as_ref().unwrap().max, Some(4.0));
    // Loaded back, the element column is checked against its list.
    Profile::from_json(&p.to_json(), std::path::Path::new("p.json")).unwrap();
}

/// The diagonal is 1 for every column with spread, even when no pair shares two rows (as
/// pandas' `corr()`); a damaged row-hash sketch in a profile file is refused.
#[test]
fn correlation_diagonal_and_damaged_dataset_states() {
    let a: ArrayRef = Arc::new(Float64Array::from(vec![Some(1.0), None, Some(3.0)]));
    let b: ArrayRef = Arc::new(Float64Array::from(vec![None, Some(2.0), Some(5.0)]));
    let k: ArrayRef = Arc::new(Float64Array::from(vec![Some(4.0), Some(4.0), Some(4.0)]));
    let t = RecordBatch::try_from_iter([("a", a), ("b", b), ("k", k)]).unwrap();
    let p = profile_batches(&[t], &cpu()).unwrap();
    let c = p.correlations.as_ref().unwrap();
    assert_eq!(
        c.pearson,
        vec![
            vec![Some(1.0), None, None],
            vec![None, Some(1.0), None],
            vec![None, None, None],
        ]
    );
    let mut v: Value = serde_json::to_value(&p).unwrap();
    v["state"]["duplicate_rows"]["hll"]["registers"] = Value::String("AAAA".into());
    let e = Profile::from_json(&v.to_string(), std::path::Path::new("p.json"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("p.json: not a datassay profile") && e.contains("hll"),
        "{e}"
    );
    let mut v: Value = serde_json::to_value(&p).unwrap();
    v["state"]["correlations"]["pairs"] = Value::Array(vec![]);
    let e = Profile::from_json(&v.to_string(), std::path::Path::new("p.json"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("correlations"), "{e}");
}
