//! Profiles of format version 1, migrated to version 2 when read.
//!
//! Version 1 kept each column's states beside its figures (`moments`, `sketch`) and an
//! equal-width histogram without a grid. Migration builds the version 2 `state` from them:
//! counts and moments as they were, lengths from their figures, the sketch state as it was, and
//! the histogram as exact counts over its bins (`fixed`) plus a grid on which each bin's count
//! sits at the bin's middle. The migrated profile reports the same figures; merged with other
//! profiles, its histogram values count as if at their bins' middles (within half a bin of
//! version 1, which is at most what version 1's re-binning moved them). Duplicate rows keep
//! their counts but no row-hash sketch, so merges with them give no estimate across parts.

use crate::metrics::moments::grid::{self, Grid};
use serde_json::{json, Map, Value};

fn num(v: &Value, key: &str) -> u64 {
    v.get(key).and_then(Value::as_u64).unwrap_or(0)
}

/// The version 2 state of a version 1 column.
fn column_state(c: &Value, bins_default: u32) -> Result<Value, String> {
    let name = c.get("name").and_then(Value::as_str).unwrap_or("?");
    let at = |m: &str| format!("column '{name}': {m}");
    let (rows, nulls) = (num(c, "rows"), num(c, "nulls"));
    let mut state = Map::new();
    state.insert("rows".into(), json!(rows));
    state.insert("nulls".into(), json!(nulls));
    let kind = c.get("kind").and_then(Value::as_str).unwrap_or("");
    if kind == "numeric" {
        let m = c
            .get("moments")
            .ok_or_else(|| at("numeric column without moments"))?;
        let mut moments = m.clone();
        moments["min"] = c.get("min").cloned().unwrap_or(Value::Null);
        moments["max"] = c.get("max").cloned().unwrap_or(Value::Null);
        let hist = c.get("histogram").filter(|h| !h.is_null());
        let bins = hist
            .and_then(|h| h["counts"].as_array())
            .map_or(bins_default, |a| a.len() as u32)
            .max(1);
        let mut g = Grid::new(grid::cells_for(bins));
        let mut fixed = Value::Null;
        if let Some(h) = hist {
            let edges: Vec<f64> = serde_json::from_value(h["edges"].clone())
                .map_err(|e| at(&format!("histogram edges: {e}")))?;
            let counts: Vec<u64> = serde_json::from_value(h["counts"].clone())
                .map_err(|e| at(&format!("histogram counts: {e}")))?;
            if edges.len() != counts.len() + 1 || edges.iter().any(|e| !e.is_finite()) {
                return Err(at("histogram needs finite edges, one more than its counts"));
            }
            let (lo, hi) = (
                c["min"].as_f64().unwrap_or(edges[0]),
                c["max"].as_f64().unwrap_or(edges[edges.len() - 1]),
            );
            for (i, &n) in counts.iter().enumerate() {
                if n > 0 {
                    let mid = (edges[i] * 0.5 + edges[i + 1] * 0.5).clamp(lo, hi);
                    g.add_one(mid, n);
                }
            }
            // The grid's range is the data's, as a version 2 profile keeps it.
            if lo <= hi && !g.is_empty() {
                g.add_one(lo, 0);
                g.add_one(hi, 0);
            }
            g.trim();
            if !h["rebinned"].as_bool().unwrap_or(false) && edges[0] < edges[edges.len() - 1] {
                fixed = json!({"lo": edges[0], "hi": edges[edges.len() - 1], "counts": counts});
            }
        }
        let mut numeric = json!({
            "counts": {
                "rows": rows, "nulls": nulls, "nan": num(c, "nan"), "pos_inf": num(c, "pos_inf"),
                "neg_inf": num(c, "neg_inf"), "zeros": num(c, "zeros"),
            },
            "moments": moments,
            "bins": bins,
            "grid": g,
        });
        if !fixed.is_null() {
            numeric["fixed"] = fixed;
        }
        state.insert("numeric".into(), numeric);
    }
    if matches!(kind, "string" | "binary") {
        let count = rows.saturating_sub(nulls);
        state.insert(
            "lengths".into(),
            json!({
                "rows": rows, "nulls": nulls, "empty": num(c, "empty"),
                "min_len": c.get("min_length").and_then(Value::as_u64).unwrap_or(u64::MAX),
                "max_len": c.get("max_length").and_then(Value::as_u64).unwrap_or(0),
                "total_len": num(c, "total_length"),
            }),
        );
        let _ = count;
    }
    if let Some(sk) = c.get("sketch").filter(|s| !s.is_null()) {
        let mut sk = sk.clone();
        sk["non_null"] = json!(rows.saturating_sub(nulls));
        let dt = c.get("data_type").and_then(Value::as_str).unwrap_or("");
        if super::is_temporal(dt) {
            sk["temporal"] = json!(true);
        }
        state.insert("sketch".into(), sk);
    }
    Ok(Value::Object(state))
}

/// Rewrite a version 1 profile as version 2, in place.
pub(super) fn v1_to_v2(v: &mut Value) -> Result<(), String> {
    let bins = v["histogram_bins"].as_u64().unwrap_or(32) as u32;
    let rows = num(v, "rows");
    let Some(cols) = v.get_mut("columns").and_then(Value::as_array_mut) else {
        return Err("no columns list".into());
    };
    for c in cols.iter_mut() {
        let state = column_state(c, bins)?;
        let obj = c
            .as_object_mut()
            .ok_or_else(|| "a column is not an object".to_string())?;
        obj.remove("moments");
        obj.remove("sketch");
        obj.insert("state".into(), state);
    }
    let mut dataset = Map::new();
    if let Some(d) = v.get("duplicate_rows").filter(|d| !d.is_null()) {
        let exact = d["exact"].as_bool().unwrap_or(false);
        dataset.insert(
            "duplicate_rows".into(),
            json!({
                "rows": rows, "count": num(d, "count"), "groups": num(d, "groups"),
                "parts": if exact { 1 } else { 2 },
                "sample": if exact { d["sample"].clone() } else { json!([]) },
                "hll": null,
            }),
        );
    }
    v["state"] = Value::Object(dataset);
    v["format_version"] = json!(super::FORMAT_VERSION);
    Ok(())
}
