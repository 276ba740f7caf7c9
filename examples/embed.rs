//! Embedding datassay in a training pipeline: profile shards as they are written, merge the
//! profiles, and gate on what they say.
//!
//!     cargo run --example embed -- examples/data/rides-shards/part-0.parquet examples/data/rides-shards/part-1.parquet

use datassay::{profile_paths, ColumnKind, Device, Profile, ProfileOptions, Progress};
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let shards: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    if shards.is_empty() {
        return Err("usage: embed SHARD.parquet...".into());
    }
    let opts = ProfileOptions {
        device: Device::Auto,
        bins: 16,
        ..Default::default()
    };
    // The library never prints: progress comes through a callback.
    let progress = |p: &Progress| {
        if p.total_bytes > 0 && p.bytes == p.total_bytes {
            eprintln!("{}: {} rows", p.phase, p.rows);
        }
    };
    // One profile per shard (as separate workers would make them), merged into the whole.
    let mut whole: Option<Profile> = None;
    for shard in &shards {
        let outcome = profile_paths(std::slice::from_ref(shard), &opts, Some(&progress))?;
        for n in &outcome.notices {
            eprintln!("note: {n}");
        }
        whole = Some(match whole {
            None => outcome.profile,
            Some(w) => w.merge(&outcome.profile)?,
        });
    }
    let whole = whole.expect("at least one shard");
    println!("{} rows in {} shards", whole.rows, whole.sources.len());
    // A data-quality gate: no column may be more than 5% null or hold infinities.
    let mut failed = false;
    for c in &whole.columns {
        let null_share = c.nulls as f64 / c.rows.max(1) as f64;
        let infinities = c.numeric.as_ref().map_or(0, |n| n.pos_inf + n.neg_inf);
        if c.kind != ColumnKind::Skipped && (null_share > 0.05 || infinities > 0) {
            println!(
                "FAIL {}: {:.1}% null, {} infinite",
                c.name,
                100.0 * null_share,
                infinities
            );
            failed = true;
        }
    }
    if let Some(x) = whole
        .column("trip_distance_km")
        .and_then(|c| c.numeric.as_ref())
    {
        println!(
            "trip_distance_km: mean {:.3}, std {:.3}, skewness {:.2}",
            x.mean.unwrap_or(f64::NAN),
            x.std.unwrap_or(f64::NAN),
            x.skewness.unwrap_or(f64::NAN)
        );
    }
    std::fs::write("whole-profile.json", whole.to_json())?;
    println!(
        "wrote whole-profile.json{}",
        if failed { " (gate failed)" } else { "" }
    );
    Ok(())
}
