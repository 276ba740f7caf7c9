//! Exact quantiles, by one more pass over the numeric columns.

use super::plan::Kind;
use super::states::Compiled;
use super::ProfileOptions;
use crate::error::Result;
use crate::metrics::moments::cpu::Prepared;
use crate::profile::Profile;
use arrow::array::ArrayRef;

/// Replace every numeric column's quantile estimates by exact values: the sketch names the
/// bucket that holds each quantile's rank and how many values lie below it, a further pass
/// (`scan(column, each)` hands every chunk of the column to `each`) keeps the values of those
/// buckets, and a selection among them gives the value of that rank.
type Scan<'a> = dyn FnMut(usize, &mut dyn FnMut(&ArrayRef)) -> Result<()> + 'a;

pub(super) fn exact_quantiles(
    profile: &mut Profile,
    c: &Compiled,
    opts: &ProfileOptions,
    scan: &mut Scan,
) -> Result<()> {
    use crate::metrics::sketch::ddsketch::{key, Bucket};
    for leaf in 0..profile.columns.len() {
        let l = &c.leaves[leaf];
        if !l.is_top || l.kind != Kind::Numeric {
            continue;
        }
        let Some(dd) = profile.columns[leaf]
            .state
            .sketch
            .as_ref()
            .and_then(|s| s.quantiles.clone())
        else {
            continue;
        };
        let n = dd.count();
        if n == 0 {
            continue;
        }
        // Each quantile: its rank, bucket and the values below the bucket.
        let targets: Vec<(f64, u64, Bucket, u64)> = opts
            .quantiles
            .iter()
            .filter_map(|&q| {
                let rank = crate::metrics::sketch::ddsketch::inverted_cdf_rank(n, q);
                dd.bucket_of_rank(rank)
                    .map(|(b, below)| (q, rank, b, below))
            })
            .collect();
        let mut wanted: Vec<Bucket> = targets.iter().map(|t| t.2).collect();
        wanted.sort();
        wanted.dedup();
        let mut kept: Vec<Vec<f64>> = vec![Vec::new(); wanted.len()];
        let slices = dd.slices;
        let mut buf = Vec::new();
        scan(l.top, &mut |arr: &ArrayRef| {
            let p = Prepared::new(arr);
            let Some(input) = p.input() else { return };
            buf.resize(input.len, 0.0);
            input.values.fill(0, &mut buf);
            for (i, &x) in buf.iter().enumerate() {
                let valid = input
                    .validity
                    .as_ref()
                    .is_none_or(|w| w[i / 64] >> (i % 64) & 1 == 1);
                if !valid || !x.is_finite() || x == 0.0 {
                    continue;
                }
                let b = if x > 0.0 {
                    Bucket::Pos(key(slices, x.to_bits()))
                } else {
                    Bucket::Neg(std::cmp::Reverse(key(slices, (-x).to_bits())))
                };
                if let Ok(k) = wanted.binary_search(&b) {
                    kept[k].push(x);
                }
            }
        })?;
        for v in &mut kept {
            v.sort_by(f64::total_cmp);
        }
        // The second pass must see the values the first counted; a file that changed between
        // the passes (or a reader that disagrees with itself) is an error, never an index past
        // the values kept.
        let mut exact: Vec<(f64, f64)> = Vec::with_capacity(targets.len());
        for &(q, rank, b, below) in &targets {
            let v = match b {
                Bucket::Zero => Some(0.0),
                _ => wanted.binary_search(&b).ok().and_then(|k| {
                    let i = rank.checked_sub(below + 1)?;
                    kept[k].get(i as usize).copied()
                }),
            };
            let Some(v) = v else {
                let path = profile
                    .sources
                    .first()
                    .map_or_else(Default::default, |s| s.path.clone().into());
                return Err(crate::error::Error::Internal {
                    path,
                    message: format!(
                        "the exact-quantile pass over column '{}' found other values than the first pass; did a file change while it was read?",
                        profile.columns[leaf].name
                    ),
                });
            };
            exact.push((q, v));
        }
        if let Some(sp) = profile.columns[leaf].sketches.as_mut() {
            sp.set_exact_quantiles(&exact);
        }
    }
    Ok(())
}
