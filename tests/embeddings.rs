//! Embedding analysis: planted outliers rank at the top, planted near-duplicates are clustered,
//! LOF equals a naive computation, readers agree with each other, bad input gives clear errors.

mod common;
use arrow::array::{ArrayRef, Float32Array, Float32Builder, ListBuilder, RecordBatch};
use datassay::embed::synthetic::{synthetic, table, write_npy, Planted};
use datassay::embed::{analyze, lof, read_embeddings, AnalyzeOptions, Embeddings};
use datassay::metrics::knn::{knn_reference, KnnOptions, Metric};
use datassay::{Device, ReadOptions};
use std::sync::Arc;

// Without the `gpu` feature KnnOptions has no GPU fields left for the update to fill.
#[cfg_attr(not(feature = "gpu"), allow(clippy::needless_update))]
fn opts(metric: Metric, k: usize, device: Device) -> AnalyzeOptions {
    AnalyzeOptions {
        knn: KnnOptions {
            k,
            metric,
            device,
            ..Default::default()
        },
        ..Default::default()
    }
}

#[test]
fn planted_outliers_rank_first_and_planted_duplicates_cluster() {
    let (n, dim, planted_out, planted_dup) = (4000, 96, 40, 60);
    let (x, kind) = synthetic(n, dim, planted_out, planted_dup, 11);
    let e = Embeddings::from_matrix(&x, dim, "synthetic").unwrap();
    for metric in [Metric::Cosine, Metric::L2] {
        let (report, s) = analyze(&e, &opts(metric, 10, Device::Cpu), &|_, _| {}).unwrap();
        let mut recalls = vec![];
        for (name, score) in [("lof", &s.lof), ("knn_distance", &s.knn_distance)] {
            let mut rank: Vec<usize> = (0..n).collect();
            rank.sort_by(|&a, &b| score[b].total_cmp(&score[a]));
            let hits = rank[..planted_out]
                .iter()
                .filter(|&&i| kind[i] == Planted::Outlier)
                .count();
            println!("{metric:?} {name}: recall@{planted_out} = {hits}/{planted_out}");
            recalls.push(hits);
        }
        assert_eq!(
            recalls,
            [planted_out, planted_out],
            "{metric:?}: lof, knn_distance"
        );
        // Every planted duplicate shares a cluster with its source row.
        let mut found = 0;
        let mut dups = 0;
        for (i, k) in kind.iter().enumerate() {
            if let Planted::Duplicate(src) = k {
                dups += 1;
                if s.cluster[i].is_some() && s.cluster[i] == s.cluster[*src as usize] {
                    found += 1;
                }
            }
        }
        // Rows in clusters that are neither a planted duplicate nor its source: false alarms.
        let sources: std::collections::HashSet<u64> = kind
            .iter()
            .filter_map(|k| match k {
                Planted::Duplicate(s) => Some(*s),
                _ => None,
            })
            .collect();
        let false_rows = (0..n)
            .filter(|&i| {
                s.cluster[i].is_some()
                    && !matches!(kind[i], Planted::Duplicate(_))
                    && !sources.contains(&(i as u64))
            })
            .count();
        println!(
            "{metric:?} near-duplicates: recall {found}/{dups}, rows flagged wrongly {false_rows}, clusters {}",
            report.near_duplicates.clusters
        );
        assert_eq!(found, dups);
        assert_eq!(false_rows, 0);
        assert_eq!(report.vectors, n as u64);
        assert_eq!(report.top_outliers.len(), 20);
        assert!(report
            .top_outliers
            .iter()
            .all(|o| kind[o.row as usize] == Planted::Outlier));
        let names: Vec<&str> = report
            .distributions
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(names, ["norm", "knn_distance", "lof"]);
        let lof_hist = report.distributions[2].numeric.as_ref().unwrap();
        assert_eq!(
            lof_hist
                .histogram
                .as_ref()
                .unwrap()
                .counts
                .iter()
                .sum::<u64>(),
            n as u64
        );
    }
}

/// LOF straight from its definition (Breunig et al. 2000, with scikit-learn's 1e-10).
fn naive_lof(x: &[f32], dim: usize, k: usize, metric: Metric) -> Vec<f64> {
    let n = x.len() / dim;
    let nb = knn_reference(x, dim, k, metric);
    let kd = |o: usize| nb.dist_of(o)[k - 1];
    let lrd = |p: usize| {
        let s: f64 = (0..k)
            .map(|j| nb.dist_of(p)[j].max(kd(nb.ids_of(p)[j] as usize)))
            .sum();
        1.0 / (s / k as f64 + 1e-10)
    };
    (0..n)
        .map(|p| nb.ids_of(p).iter().map(|&o| lrd(o as usize)).sum::<f64>() / k as f64 / lrd(p))
        .collect()
}

#[test]
fn lof_equals_the_definition() {
    let (x, _) = synthetic(300, 8, 5, 5, 3);
    for metric in [Metric::L2, Metric::Cosine] {
        let nb = knn_reference(&x, 8, 6, metric);
        let want = naive_lof(&x, 8, 6, metric);
        let got = lof(&nb);
        for (g, w) in got.iter().zip(&want) {
            assert!((g - w).abs() <= 1e-12 * w.abs(), "{g} vs {w}");
        }
    }
}

#[cfg(feature = "gpu")]
#[test]
fn gpu_analysis_equals_the_cpu_one() {
    let (x, _) = synthetic(900, 24, 9, 12, 5);
    let e = Embeddings::from_matrix(&x, 24, "s").unwrap();
    for metric in [Metric::Cosine, Metric::L2] {
        let cpu = analyze(&e, &opts(metric, 5, Device::Cpu), &|_, _| {}).unwrap();
        let gpu = match analyze(&e, &opts(metric, 5, Device::Gpu), &|_, _| {}) {
            Ok(g) => g,
            Err(err) if !common::gpu_required() => {
                eprintln!("no GPU, skipped: {err}");
                return;
            }
            Err(err) => panic!("CI requires a GPU adapter (lavapipe): {err}"),
        };
        assert!(gpu.0.device.starts_with("gpu"), "{}", gpu.0.device);
        assert_eq!(gpu.1.neighbors, cpu.1.neighbors);
        assert_eq!(gpu.1.lof, cpu.1.lof);
        assert_eq!(gpu.1.cluster, cpu.1.cluster);
        assert_eq!(gpu.0.top_outliers, cpu.0.top_outliers);
    }
}

#[test]
fn parquet_npy_and_list_columns_read_the_same_vectors() {
    let dir = tempfile::tempdir().unwrap();
    let (x, kind) = synthetic(50, 6, 2, 2, 1);
    let npy = dir.path().join("x.npy");
    write_npy(&npy, &x, 6).unwrap();
    let pq = dir.path().join("x.parquet");
    datassay::bench::write_parquet(&pq, &[table(&x, 6, &kind)]).unwrap();
    let a = read_embeddings(&[npy], None, &ReadOptions::default()).unwrap();
    let b = read_embeddings(
        std::slice::from_ref(&pq),
        Some("embedding"),
        &ReadOptions::default(),
    )
    .unwrap();
    let c = read_embeddings(&[pq], None, &ReadOptions::default()).unwrap();
    assert_eq!(a.data, x);
    assert_eq!(b.data, x);
    assert_eq!(c.column.as_deref(), Some("embedding"));

    // list<float32> with a null row, a NaN row and a row of another dimension.
    let mut lb = ListBuilder::new(Float32Builder::new());
    for row in [
        Some(vec![1.0, 2.0]),
        None,
        Some(vec![f32::NAN, 1.0]),
        Some(vec![3.0, 4.0]),
    ] {
        match row {
            Some(v) => {
                lb.values().append_slice(&v);
                lb.append(true);
            }
            None => lb.append(false),
        }
    }
    let other = Float32Array::from(vec![0.0f32; 4]);
    let batch = RecordBatch::try_from_iter([
        ("v", Arc::new(lb.finish()) as ArrayRef),
        ("other", Arc::new(other) as ArrayRef),
    ])
    .unwrap();
    let p = dir.path().join("l.parquet");
    datassay::bench::write_parquet(&p, &[batch]).unwrap();
    let e = read_embeddings(std::slice::from_ref(&p), None, &ReadOptions::default()).unwrap();
    assert_eq!(e.rows, vec![0, 3]);
    assert_eq!((e.null_rows, e.non_finite_rows, e.total_rows), (1, 1, 4));
    let err = read_embeddings(
        std::slice::from_ref(&p),
        Some("other"),
        &ReadOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("not a list of floats") && err.contains("[v]"),
        "{err}"
    );
    let err = read_embeddings(&[p], Some("nope"), &ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("no column \"nope\""), "{err}");

    let mut lb = ListBuilder::new(Float32Builder::new());
    for v in [vec![1.0, 2.0], vec![1.0, 2.0, 3.0]] {
        lb.values().append_slice(&v);
        lb.append(true);
    }
    let batch = RecordBatch::try_from_iter([("v", Arc::new(lb.finish()) as ArrayRef)]).unwrap();
    let p = dir.path().join("mixed.parquet");
    datassay::bench::write_parquet(&p, &[batch]).unwrap();
    let err = read_embeddings(&[p], None, &ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("row 1 has a vector of dimension 3, earlier rows 2"),
        "{err}"
    );
}

#[test]
fn degenerate_sets_give_clear_errors_or_defined_results() {
    let o = opts(Metric::Cosine, 10, Device::Cpu);
    let one = Embeddings::from_matrix(&[1.0, 2.0], 2, "one").unwrap();
    let err = analyze(&one, &o, &|_, _| {}).unwrap_err().to_string();
    assert!(err.contains("at least 2 vectors"), "{err}");
    let all_nan = Embeddings::from_matrix(&[f32::NAN, 0.0, f32::NAN, 1.0], 2, "nan").unwrap();
    assert!(analyze(&all_nan, &o, &|_, _| {}).is_err());
    // k ≥ N: k becomes N − 1, with a notice.
    let three = Embeddings::from_matrix(&[0.0, 1.0, 1.0, 0.0, 1.0, 1.0], 2, "three").unwrap();
    let (r, s) = analyze(&three, &o, &|_, _| {}).unwrap();
    assert_eq!(r.k, 2);
    assert!(
        r.notices.iter().any(|n| n.contains("using k = 2")),
        "{:?}",
        r.notices
    );
    assert!(s.lof.iter().all(|v| v.is_finite()));
    // Zero vectors under cosine: distance 1 to everything, counted in the norms.
    let z = Embeddings::from_matrix(&[0.0, 0.0, 1.0, 0.0, 0.0, 1.0], 2, "z").unwrap();
    let (r, s) = analyze(&z, &o, &|_, _| {}).unwrap();
    assert_eq!(r.norms.zero_vectors, 1);
    assert_eq!(s.neighbors.dist_of(0), &[1.0, 1.0]);
}

/// An empty .npy said "invalid option" without naming the file; float64 vectors beyond
/// float32's range silently became infinite and were left out without a word.
#[test]
fn empty_matrices_and_float64_beyond_float32() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.npy");
    write_npy(&empty, &[], 8).unwrap();
    let e = read_embeddings(std::slice::from_ref(&empty), None, &ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("empty.npy") && e.contains("no vectors"), "{e}");
    // A float64 matrix by hand: 4 rows of dimension 2, row 2 holds 1e300.
    let mut h = "{'descr': '<f8', 'fortran_order': False, 'shape': (4, 2), }".to_string();
    while !(10 + h.len() + 1).is_multiple_of(64) {
        h.push(' ');
    }
    h.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(h.len() as u16).to_le_bytes());
    bytes.extend_from_slice(h.as_bytes());
    for v in [1.0f64, 2.0, 3.0, 4.0, 1e300, 5.0, 6.0, 7.0] {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    let f = dir.path().join("wide.npy");
    std::fs::write(&f, &bytes).unwrap();
    let e = read_embeddings(std::slice::from_ref(&f), None, &ReadOptions::default()).unwrap();
    assert_eq!((e.len(), e.non_finite_rows), (3, 1));
    assert!(
        e.notices
            .iter()
            .any(|n| n.contains("float32") && n.contains("row 2")),
        "{:?}",
        e.notices
    );
    // A header that promises more rows than the file holds is an error, not an allocation.
    let mut lying = bytes.clone();
    let at = lying.windows(6).position(|w| w == b"(4, 2)").unwrap();
    lying[at..at + 6].copy_from_slice(b"(9, 9)");
    std::fs::write(&f, &lying).unwrap();
    let e = read_embeddings(&[f], None, &ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("truncated"), "{e}");
}
