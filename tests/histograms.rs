//! The one-pass histogram against exact equal-width counts, within its stated bound, on
//! heavy-tailed, constant, one-value, huge-magnitude and subnormal columns; exact counts where
//! the range is known first (Parquet footers, --exact-histograms); bins that line up.

mod common;
use arrow::array::{ArrayRef, Float64Array, RecordBatch};
use datassay::{profile_batches, profile_paths, Device, ProfileOptions};
use std::sync::Arc;

fn cpu() -> ProfileOptions {
    ProfileOptions {
        device: Device::Cpu,
        ..Default::default()
    }
}

/// Exact equal-width counts over `[min, max]` in f64 without overflow (numpy's convention: the
/// last bin closed; a constant column over `[v - 0.5, v + 0.5]`).
fn exact_counts(v: &[f64], bins: usize) -> (Vec<f64>, Vec<u64>) {
    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if lo == hi {
        let pad = 0.5f64.max(lo.abs().next_up() - lo.abs());
        (lo - pad, hi + pad)
    } else {
        (lo, hi)
    };
    let mut counts = vec![0u64; bins];
    let half = hi / 2.0 - lo / 2.0;
    for &x in v {
        let t = (x / 2.0 - lo / 2.0) / half * bins as f64;
        counts[(t.floor().max(0.0) as usize).min(bins - 1)] += 1;
    }
    let edges = (0..=bins)
        .map(|i| {
            let t = i as f64 / bins as f64;
            lo * (1.0 - t) + hi * t
        })
        .collect();
    (edges, counts)
}

fn profile(v: &[f64], bins: u32) -> datassay::profile::ColumnProfile {
    let a: ArrayRef = Arc::new(Float64Array::from(v.to_vec()));
    let b = RecordBatch::try_from_iter([("x", a)]).unwrap();
    let p = profile_batches(&[b], &ProfileOptions { bins, ..cpu() }).unwrap();
    p.columns[0].clone()
}

/// The rendered histogram is within the bound of `docs/profile-format.md`: a bin's count differs
/// from the exact one by at most the values within one cell width of its two edges.
fn check(name: &str, v: &[f64], bins: u32) {
    let c = profile(v, bins);
    let h = c.numeric.as_ref().unwrap().histogram.clone().unwrap();
    let (edges, exact) = exact_counts(v, bins as usize);
    assert_eq!(
        h.counts.iter().sum::<u64>(),
        v.len() as u64,
        "{name}: total"
    );
    assert_eq!(h.counts.len(), bins as usize, "{name}");
    let span = edges[0].abs().max(edges[bins as usize].abs());
    for (a, b) in h.edges.iter().zip(&edges) {
        // Subnormal edges carry few bits (and either computation rounds them).
        let tol = if span < f64::MIN_POSITIVE {
            1e-3 * span
        } else {
            1e-12 * span
        };
        assert!((a - b).abs() <= tol, "{name}: edges {a:e} vs {b:e}");
    }
    let w = h.cell_width.unwrap_or(0.0);
    assert!(!h.exact, "{name}: rendered from the grid");
    let near = |e: f64| v.iter().filter(|&&x| (x - e).abs() <= w).count() as u64;
    for i in 0..bins as usize {
        let bound = near(edges[i]) + near(edges[i + 1]);
        let diff = h.counts[i].abs_diff(exact[i]);
        assert!(
            diff <= bound,
            "{name}: bin {i} has {} where exactly {} (bound {bound}, cell {w})",
            h.counts[i],
            exact[i]
        );
    }
}

#[test]
fn rendered_histograms_stay_within_their_bound() {
    let mut r = datassay::bench::Rng::new(11);
    let n = 40_000;
    let normal: Vec<f64> = (0..n).map(|_| r.normal()).collect();
    let lognormal: Vec<f64> = (0..n).map(|_| (3.0 * r.normal()).exp()).collect();
    let cauchy: Vec<f64> = (0..n)
        .map(|_| (std::f64::consts::PI * (r.uniform() - 0.5)).tan())
        .collect();
    let huge: Vec<f64> = (0..n).map(|_| r.normal() * 1e300).collect();
    let extremes = vec![-f64::MAX, 1.0, 2.0, f64::MAX];
    let subnormal: Vec<f64> = (0..n)
        .map(|i| {
            f64::from_bits(1 + (i as u64 * 7919) % 1_000_000) * if i % 2 == 0 { 1.0 } else { -1.0 }
        })
        .collect();
    let offset: Vec<f64> = (0..n).map(|_| 1e9 + r.normal()).collect();
    let ints: Vec<f64> = (0..n).map(|i| (i % 1000) as f64).collect();
    for (name, v) in [
        ("normal", &normal),
        ("lognormal sigma 3", &lognormal),
        ("cauchy", &cauchy),
        ("huge", &huge),
        ("extremes", &extremes),
        ("subnormal", &subnormal),
        ("1e9 + N(0,1)", &offset),
        ("integers", &ints),
    ] {
        for bins in [1, 7, 32, 200] {
            check(name, v, bins);
        }
    }
    // Constant and one-value columns: exactly numpy's bins.
    for v in [vec![7.25; 1000], vec![-3.0], vec![0.0; 5], vec![1e300; 3]] {
        let c = profile(&v, 10);
        let h = c.numeric.unwrap().histogram.unwrap();
        let (edges, exact) = exact_counts(&v, 10);
        assert_eq!(h.counts, exact, "{}", v[0]);
        for (a, b) in h.edges.iter().zip(&edges) {
            assert!(
                (a - b).abs() <= 1e-12 * a.abs().max(1.0),
                "{}: {a} vs {b}",
                v[0]
            );
        }
    }
    // Small integers sit on cell edges: their counts are exact.
    let c = profile(&ints, 32);
    assert_eq!(
        c.numeric.unwrap().histogram.unwrap().counts,
        exact_counts(&ints, 32).1
    );
}

#[test]
fn exact_counts_where_the_range_is_known_first() {
    let d = tempfile::tempdir().unwrap();
    let mut r = datassay::bench::Rng::new(5);
    let v: Vec<f64> = (0..30_000).map(|_| (2.0 * r.normal()).exp()).collect();
    let a: ArrayRef = Arc::new(Float64Array::from(v.clone()));
    let b = RecordBatch::try_from_iter([("x", a)]).unwrap();
    // Parquet: footer statistics give the range.
    let pq = d.path().join("x.parquet");
    let mut w =
        parquet::arrow::ArrowWriter::try_new(std::fs::File::create(&pq).unwrap(), b.schema(), None)
            .unwrap();
    w.write(&b).unwrap();
    w.close().unwrap();
    let (_, exact) = exact_counts(&v, 32);
    let p = profile_paths(std::slice::from_ref(&pq), &cpu(), None)
        .unwrap()
        .profile;
    let h = p.columns[0]
        .numeric
        .as_ref()
        .unwrap()
        .histogram
        .clone()
        .unwrap();
    assert!(h.exact);
    assert_eq!(h.counts, exact);
    // CSV: rendered in one pass; exact with --exact-histograms (a range pass first).
    let csv = d.path().join("x.csv");
    let text: String = std::iter::once("x".to_string())
        .chain(v.iter().map(|x| format!("{x:?}")))
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&csv, text + "\n").unwrap();
    let one = profile_paths(std::slice::from_ref(&csv), &cpu(), None)
        .unwrap()
        .profile;
    let h1 = one.columns[0]
        .numeric
        .as_ref()
        .unwrap()
        .histogram
        .clone()
        .unwrap();
    assert!(!h1.exact && h1.cell_width.is_some());
    let two = profile_paths(
        std::slice::from_ref(&csv),
        &ProfileOptions {
            exact_histograms: true,
            ..cpu()
        },
        None,
    )
    .unwrap()
    .profile;
    let h2 = two.columns[0]
        .numeric
        .as_ref()
        .unwrap()
        .histogram
        .clone()
        .unwrap();
    assert!(h2.exact);
    assert_eq!(h2.counts, exact);
    // Merged with a profile of other bins, exact counts give way to the grid, the same in
    // either order.
    let ab = two.merge(&p).unwrap();
    let ba = p.merge(&two).unwrap();
    let h = ab.columns[0]
        .numeric
        .as_ref()
        .unwrap()
        .histogram
        .clone()
        .unwrap();
    assert_eq!(h.counts.iter().sum::<u64>(), 60_000);
    assert_eq!(ab.to_json(), ba.to_json());
    // The same bins on both sides stay exact.
    let pp = profile_paths(std::slice::from_ref(&pq), &cpu(), None)
        .unwrap()
        .profile;
    let mut twin = pp.clone();
    twin.parts = vec!["0123456789abcdef".into()];
    let m = pp.merge(&twin).unwrap();
    let hm = m.columns[0]
        .numeric
        .as_ref()
        .unwrap()
        .histogram
        .clone()
        .unwrap();
    assert!(hm.exact);
    assert_eq!(hm.counts, exact.iter().map(|c| 2 * c).collect::<Vec<_>>());
}

#[test]
fn grids_of_different_parts_line_up() {
    let mut r = datassay::bench::Rng::new(8);
    let a: Vec<f64> = (0..10_000).map(|_| r.normal()).collect();
    let b: Vec<f64> = (0..10_000).map(|_| 5.0 + 3.0 * r.normal()).collect();
    let (pa, pb) = (profile(&a, 32), profile(&b, 32));
    let ga = &pa.state.numeric.as_ref().unwrap().grid;
    let gb = &pb.state.numeric.as_ref().unwrap().grid;
    // Cells are aligned powers of two: both grids coarsened to the larger exponent share cell
    // boundaries, so their counts compare cell by cell.
    let e = ga.exp.max(gb.exp);
    let w = 2f64.powi(e);
    for g in [ga, gb] {
        let first = (g.offset as f64) * 2f64.powi(g.exp);
        assert_eq!((first / w).floor() * w, ((first / w).floor()) * w);
    }
    let mut all = a.clone();
    all.extend(&b);
    let whole = profile(&all, 32);
    let mut m = ga.clone();
    m.merge(gb);
    m.trim();
    assert_eq!(&m, &whole.state.numeric.as_ref().unwrap().grid);
}
