//! Profiles of format version 1 (checked in, written by datassay before the streaming Profiler)
//! load as version 2 with the same figures, and merge with each other.

mod common;
use datassay::{profile_paths, Device, Profile, ProfileOptions};
use serde_json::Value;
use std::path::{Path, PathBuf};

const PARTS: [&str; 2] = ["tests/data/v1-part-a", "tests/data/v1-part-b"];

fn v1(part: &str) -> (Value, Profile) {
    let path = PathBuf::from(format!("{part}.json"));
    let raw: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(raw["format_version"], 1);
    (raw, Profile::read(&path).unwrap())
}

#[test]
fn version_1_profiles_keep_their_figures() {
    for part in PARTS {
        let (raw, p) = v1(part);
        assert_eq!(p.format_version, 2);
        let now = serde_json::to_value(&p).unwrap();
        assert_eq!(now["rows"], raw["rows"]);
        assert_eq!(now["sources"], raw["sources"]);
        for (c, r) in now["columns"]
            .as_array()
            .unwrap()
            .iter()
            .zip(raw["columns"].as_array().unwrap())
        {
            for k in [
                "name",
                "data_type",
                "kind",
                "rows",
                "count",
                "nulls",
                "nan",
                "zeros",
                "min",
                "max",
                "sum",
                "mean",
                "variance",
                "skewness",
                "kurtosis",
                "empty",
                "min_length",
                "max_length",
                "mean_length",
                "total_length",
                "quantiles",
                "quantile_bounds",
                "distinct",
                "top_values",
                "top_values_error",
            ] {
                assert_eq!(c.get(k), r.get(k), "{part} {}: {k}", r["name"]);
            }
            if let Some(h) = r.get("histogram").filter(|h| !h.is_null()) {
                assert_eq!(c["histogram"]["edges"], h["edges"], "{}", r["name"]);
                assert_eq!(c["histogram"]["counts"], h["counts"], "{}", r["name"]);
                assert_eq!(c["histogram"]["exact"], true);
            }
        }
        assert_eq!(
            now["duplicate_rows"]["count"],
            raw["duplicate_rows"]["count"]
        );
        // Written back, it is a version 2 profile that reads the same.
        let again = Profile::from_json(&p.to_json(), Path::new("again.json")).unwrap();
        assert_eq!(again, p);
    }
}

#[test]
fn version_1_profiles_merge_like_the_data() {
    let (_, a) = v1(PARTS[0]);
    let (_, b) = v1(PARTS[1]);
    let m = a.merge(&b).unwrap();
    let ba = b.merge(&a).unwrap();
    common::same_json(
        &serde_json::to_value(&m).unwrap(),
        &serde_json::to_value(&ba).unwrap(),
        "merged",
        1e-12,
    );
    let csvs: Vec<PathBuf> = PARTS
        .iter()
        .map(|p| PathBuf::from(format!("{p}.csv")))
        .collect();
    let opts = ProfileOptions {
        device: Device::Cpu,
        ..Default::default()
    };
    let whole = profile_paths(&csvs, &opts, None).unwrap().profile;
    assert_eq!(m.rows, whole.rows);
    for (x, w) in m.columns.iter().zip(&whole.columns) {
        assert_eq!(
            (&x.name, x.count, x.nulls),
            (&w.name, w.count, w.nulls),
            "{}",
            x.name
        );
        if let (Some(p), Some(q)) = (&x.numeric, &w.numeric) {
            assert_eq!((p.min, p.max, p.nan), (q.min, q.max, q.nan), "{}", x.name);
            let (u, v) = (p.mean.unwrap(), q.mean.unwrap());
            assert!((u - v).abs() <= 1e-12 * v.abs(), "{}: {u} vs {v}", x.name);
            let h = p.histogram.as_ref().unwrap();
            assert_eq!(
                h.counts.iter().sum::<u64>(),
                x.state.numeric.as_ref().unwrap().moments.n
            );
        }
        if let (Some(s), Some(t)) = (&x.sketches, &w.sketches) {
            assert_eq!(s.distinct, t.distinct, "{}", x.name);
            assert_eq!(s.top_values, t.top_values, "{}", x.name);
        }
        if let (Some(l), Some(k)) = (&x.lengths, &w.lengths) {
            assert_eq!(l, k, "{}", x.name);
        }
    }
    let d = m.duplicate_rows.as_ref().unwrap();
    assert_eq!((d.count, d.exact), (2, false));
    assert_eq!(d.count, whole.duplicate_rows.as_ref().unwrap().count);
    assert!(d.estimate.is_none(), "version 1 keeps no row-hash sketch");
}

#[test]
fn damaged_version_1_profiles_are_refused_with_the_reason() {
    let (raw, _) = v1(PARTS[0]);
    for (edit, want) in [
        (
            Box::new(|v: &mut Value| {
                v["columns"][0].as_object_mut().unwrap().remove("moments");
            }) as Box<dyn Fn(&mut Value)>,
            "numeric column without moments",
        ),
        (
            Box::new(|v: &mut Value| v["columns"][1]["histogram"]["edges"] = Value::Null),
            "histogram edges",
        ),
        (
            // More nulls than rows: the counts, or the sketch that then counts more values than
            // the column has, say so.
            Box::new(|v: &mut Value| v["columns"][0]["nulls"] = 999.into()),
            "do not add up|counts more values",
        ),
        (
            Box::new(|v: &mut Value| v["columns"] = Value::Null),
            "no columns",
        ),
    ] {
        let mut v = raw.clone();
        edit(&mut v);
        let e = Profile::from_json(&v.to_string(), Path::new("old.json"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("old.json: not a datassay profile")
                && want.split('|').any(|w| e.contains(w)),
            "{e}"
        );
    }
}
