//! Merge laws of every state (proptest): identity, associativity, split invariance, JSON round
//! trip, and the merged profile of two halves against the profile of the whole.

mod common;
use arrow::array::{Float64Array, Int32Array, RecordBatch, StringArray};
use common::close;
use datassay::metrics::moments::cpu::{self, NumericState, Prepared};
use datassay::metrics::moments::HistSpec;
use datassay::metrics::strings::LengthState;
use datassay::{profile_batches, Device, Profile, ProfileOptions};
use proptest::prelude::*;
use std::sync::Arc;

fn value() -> impl Strategy<Value = Option<f64>> {
    prop_oneof![
        8 => (-1e6f64..1e6).prop_map(Some),
        1 => Just(None),
        1 => prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(f64::NEG_INFINITY), Just(0.0)].prop_map(Some),
        1 => (1e9f64..1e9 + 10.0).prop_map(Some),
    ]
}

fn state(v: &[Option<f64>], spec: &HistSpec) -> NumericState {
    let arr: arrow::array::ArrayRef = Arc::new(Float64Array::from(v.to_vec()));
    let p = Prepared::new(&arr);
    let mut st = NumericState::new(Some(spec));
    cpu::update(&mut st, &p.input().unwrap(), 0, v.len(), Some(spec));
    st
}

fn same(a: &NumericState, b: &NumericState) {
    assert_eq!(a.counts, b.counts);
    assert_eq!(a.hist, b.hist);
    assert_eq!(a.moments.n, b.moments.n);
    if a.moments.n > 0 {
        assert_eq!(
            (a.moments.min, a.moments.max),
            (b.moments.min, b.moments.max)
        );
    }
    let (x, y) = (
        datassay::profile::finish(&a.moments),
        datassay::profile::finish(&b.moments),
    );
    close("mean", x.mean, y.mean, 1e-9);
    close("variance", x.variance, y.variance, 1e-7);
    close("skewness", x.skewness, y.skewness, 1e-6);
    close("kurtosis", x.kurtosis, y.kurtosis, 1e-6);
}

fn spec() -> HistSpec {
    HistSpec::new(-1e6, 1e9 + 10.0, 16)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn numeric_identity_associativity_split(a in prop::collection::vec(value(), 0..300),
                                            b in prop::collection::vec(value(), 0..300),
                                            c in prop::collection::vec(value(), 0..300)) {
        let (sa, sb, sc) = (state(&a, &spec()), state(&b, &spec()), state(&c, &spec()));
        // identity
        let mut e = NumericState::new(Some(&spec()));
        e.merge(&sa);
        same(&e, &sa);
        // associativity
        let mut l = sa.clone(); l.merge(&sb); l.merge(&sc);
        let mut r = sb.clone(); r.merge(&sc);
        let mut r2 = sa.clone(); r2.merge(&r);
        same(&l, &r2);
        // split invariance: update(a ++ b) = merge(update(a), update(b))
        let ab: Vec<_> = a.iter().chain(&b).copied().collect();
        let mut m = sa.clone(); m.merge(&sb);
        same(&state(&ab, &spec()), &m);
    }

    #[test]
    fn lengths_merge_laws(a in prop::collection::vec(prop::option::of("[a-zé]{0,8}"), 0..50),
                          b in prop::collection::vec(prop::option::of("[a-zé]{0,8}"), 0..50)) {
        let st = |v: &[Option<String>]| {
            let arr: arrow::array::ArrayRef = Arc::new(StringArray::from(v.to_vec()));
            let mut s = LengthState::default();
            s.update(&arr);
            s
        };
        let ab: Vec<_> = a.iter().chain(&b).cloned().collect();
        let mut m = st(&a); m.merge(&st(&b));
        prop_assert_eq!(m, st(&ab));
        let mut e = LengthState::default(); e.merge(&st(&a));
        prop_assert_eq!(e, st(&a));
    }

    #[test]
    fn profile_json_round_trip_and_halves(v in prop::collection::vec(value(), 1..400),
                                          k in prop::collection::vec(prop::option::of(-50i32..50), 1..400),
                                          cut in 0usize..400) {
        let n = v.len().min(k.len());
        let cut = cut.min(n);
        let batch = |a: usize, b: usize| RecordBatch::try_from_iter([
            ("x", Arc::new(Float64Array::from(v[a..b].to_vec())) as arrow::array::ArrayRef),
            ("k", Arc::new(Int32Array::from(k[a..b].to_vec())) as _),
            ("s", Arc::new(StringArray::from((a..b).map(|i| (i % 3 != 0).then(|| "ab".repeat(i % 4))).collect::<Vec<_>>())) as _),
        ]).unwrap();
        let opts = ProfileOptions { device: Device::Cpu, ..Default::default() };
        let whole = profile_batches(&[batch(0, n)], &opts).unwrap();
        // JSON round trip is exact.
        let back = Profile::from_json(&whole.to_json(), std::path::Path::new("mem")).unwrap();
        prop_assert_eq!(&back, &whole);
        if cut == 0 || cut == n { return Ok(()); }
        let merged = profile_batches(&[batch(0, cut)], &opts).unwrap()
            .merge(&profile_batches(&[batch(cut, n)], &opts).unwrap()).unwrap();
        prop_assert_eq!(merged.rows, whole.rows);
        for (m, w) in merged.columns.iter().zip(&whole.columns) {
            prop_assert_eq!((m.rows, m.count, m.nulls), (w.rows, w.count, w.nulls));
            prop_assert_eq!(&m.lengths, &w.lengths);
            if let (Some(a), Some(b)) = (&m.numeric, &w.numeric) {
                prop_assert_eq!((a.nan, a.pos_inf, a.neg_inf, a.zeros), (b.nan, b.pos_inf, b.neg_inf, b.zeros));
                prop_assert_eq!((a.min, a.max), (b.min, b.max));
                close("mean", a.mean, b.mean, 1e-9);
                close("variance", a.variance, b.variance, 1e-7);
                close("skewness", a.skewness, b.skewness, 1e-6);
                close("kurtosis", a.kurtosis, b.kurtosis, 1e-6);
                // Histograms of the halves have other ranges: re-binned, same total, same span.
                match (&a.histogram, &b.histogram) {
                    (Some(x), Some(y)) => {
                        prop_assert_eq!(x.counts.iter().sum::<u64>(), y.counts.iter().sum::<u64>());
                        prop_assert_eq!((x.edges[0], *x.edges.last().unwrap()), (y.edges[0], *y.edges.last().unwrap()));
                    }
                    (None, None) => {}
                    other => prop_assert!(false, "histograms {:?}", other),
                }
            }
        }
    }
}

#[test]
fn merge_refuses_different_columns() {
    let a = profile_batches(
        &[
            RecordBatch::try_from_iter([("x", Arc::new(Float64Array::from(vec![1.0])) as _)])
                .unwrap(),
        ],
        &ProfileOptions {
            device: Device::Cpu,
            ..Default::default()
        },
    )
    .unwrap();
    let b = profile_batches(
        &[
            RecordBatch::try_from_iter([("y", Arc::new(Float64Array::from(vec![1.0])) as _)])
                .unwrap(),
        ],
        &ProfileOptions {
            device: Device::Cpu,
            ..Default::default()
        },
    )
    .unwrap();
    let e = a.merge(&b).unwrap_err().to_string();
    assert!(e.contains("different columns"), "{e}");
}

#[test]
fn same_input_gives_byte_identical_json() {
    let path = std::path::PathBuf::from("examples/data/rides.parquet");
    let opts = ProfileOptions {
        device: Device::Cpu,
        ..Default::default()
    };
    let a = datassay::profile_paths(std::slice::from_ref(&path), &opts, None)
        .unwrap()
        .profile
        .to_json();
    let b = datassay::profile_paths(&[path], &opts, None)
        .unwrap()
        .profile
        .to_json();
    assert_eq!(a, b);
}

#[test]
fn damaged_profiles_are_refused_with_the_reason() {
    let b = RecordBatch::try_from_iter([
        (
            "x",
            Arc::new(Float64Array::from(vec![1.0, 2.0, 4.0])) as arrow::array::ArrayRef,
        ),
        (
            "s",
            Arc::new(StringArray::from(vec!["a", "bb", "ccc"])) as _,
        ),
    ])
    .unwrap();
    let p = profile_batches(
        &[b],
        &ProfileOptions {
            device: Device::Cpu,
            ..Default::default()
        },
    )
    .unwrap();
    let good: serde_json::Value = serde_json::from_str(&p.to_json()).unwrap();
    let check = |edit: &dyn Fn(&mut serde_json::Value), want: &str| {
        let mut v = good.clone();
        edit(&mut v);
        let e = Profile::from_json(&v.to_string(), std::path::Path::new("p.json"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("p.json: not a datassay profile") && e.contains(want),
            "{e}"
        );
    };
    check(
        &|v| v["columns"][0]["histogram"]["edges"][1] = serde_json::Value::Null,
        "numeric figures do not parse",
    );
    check(
        &|v| {
            v["columns"][0]["histogram"]["edges"]
                .as_array_mut()
                .unwrap()
                .pop();
        },
        "one more than its 32 counts",
    );
    check(&|v| v["columns"][1]["nulls"] = 7.into(), "do not add up");
    check(
        &|v| {
            v["columns"][1].as_object_mut().unwrap().remove("empty");
        },
        "length figures do not parse",
    );
    check(
        &|v| v["format_version"] = 99.into(),
        "format_version 99 is not supported",
    );
    assert_eq!(
        Profile::from_json(&good.to_string(), std::path::Path::new("p.json")).unwrap(),
        p
    );
}
