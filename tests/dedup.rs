//! Near-duplicate documents: a planted-duplicate corpus scored against its ground truth
//! (exact Jaccard of each planted pair), signature estimates against exact Jaccard.

mod common;

use datassay::dedup::synthetic::{corpus, exact_jaccard, Planted};
use datassay::dedup::{dedup, Corpus, DedupOptions, Verify};
use datassay::metrics::minhash::{self, Normalize, Shingle};

/// A corpus in memory, hashed and signed as `read_corpus` would.
fn hashed(docs: &[String], opts: &DedupOptions) -> Corpus {
    Corpus::from_texts(docs, "mem", opts).unwrap()
}

#[test]
fn planted_duplicates_are_found_at_the_threshold() {
    let (docs, kind) = corpus(
        4000,
        120,
        0.04,
        0.12,
        &[0.0, 0.005, 0.01, 0.02, 0.05, 0.3],
        17,
    );
    for verify in [Verify::Signature, Verify::Exact] {
        let opts = DedupOptions {
            column: "text".into(),
            verify,
            device: datassay::Device::Cpu,
            ..Default::default()
        };
        let c = hashed(&docs, &opts);
        let d = dedup(&c, &opts, 0.0).unwrap();
        let same = |a: usize, b: usize| d.cluster[a].is_some() && d.cluster[a] == d.cluster[b];
        // Recall over planted pairs, by their exact Jaccard.
        let (mut exact_found, mut exact_all, mut hi_found, mut hi_all, mut lo_found, mut lo_all) =
            (0, 0, 0, 0, 0, 0);
        for (i, k) in kind.iter().enumerate() {
            match *k {
                Planted::Copy(s) => {
                    exact_all += 1;
                    exact_found += same(i, s) as usize;
                }
                Planted::Edit(s) => {
                    let j =
                        exact_jaccard(&docs[i], &docs[s], Normalize::default(), Shingle::Words(5));
                    if j >= 0.9 {
                        hi_all += 1;
                        hi_found += same(i, s) as usize;
                    } else if j < 0.6 {
                        lo_all += 1;
                        lo_found += same(i, s) as usize;
                    }
                }
                Planted::Original => {}
            }
        }
        // Precision over reported near pairs: exact Jaccard at or above the threshold.
        let near: Vec<_> = d.pairs.iter().filter(|p| !p.exact_copy).collect();
        let mut good = 0;
        let mut within = [0usize; 3];
        for p in &near {
            let j = exact_jaccard(
                &docs[p.a],
                &docs[p.b],
                Normalize::default(),
                Shingle::Words(5),
            );
            good += (j >= opts.threshold) as usize;
            let se = (j * (1.0 - j) / opts.perms as f64).sqrt();
            for (m, w) in within.iter_mut().enumerate() {
                *w += ((p.estimate - j).abs() <= (m + 1) as f64 * se + 1e-9) as usize;
            }
            assert!(
                (p.estimate - j).abs() <= 4.0 * se + 1e-9,
                "estimate {} vs exact {j}",
                p.estimate
            );
            if let Some(x) = p.jaccard {
                assert!((x - j).abs() < 1e-12);
            }
        }
        println!(
            "{verify:?}: exact copies {exact_found}/{exact_all}; edited pairs with J >= 0.9 found {hi_found}/{hi_all}; with J < 0.6 linked {lo_found}/{lo_all}; reported near pairs {}, with J >= 0.8 {good}; estimate within 1/2/3 SE of J: {:?}",
            near.len(),
            within
        );
        assert_eq!(exact_found, exact_all);
        assert!(
            hi_found as f64 >= 0.95 * hi_all as f64,
            "{hi_found}/{hi_all}"
        );
        assert!(
            lo_found as f64 <= 0.01 * lo_all as f64 + 1.0,
            "{lo_found}/{lo_all}"
        );
        match verify {
            Verify::Exact => assert_eq!(good, near.len()),
            Verify::Signature => assert!(
                good as f64 >= 0.9 * near.len() as f64,
                "{good}/{}",
                near.len()
            ),
        }
        // Exact duplicates: every document whose normalised text appeared before (planted
        // copies, and edits that happened to change nothing).
        let mut seen = std::collections::HashSet::new();
        let repeats = docs
            .iter()
            .filter(|t| !seen.insert(minhash::normalize(t, Normalize::default())))
            .count();
        assert_eq!(d.report.exact_duplicates as usize, repeats);
        let kept = d.keep.iter().filter(|&&k| k).count() as u64;
        assert_eq!(
            kept + d.report.exact_duplicates + d.report.near_duplicates,
            4000
        );
    }
}

/// GPU signatures equal the CPU's bit for bit: empty documents, documents longer than the
/// kernel's 128-hash stage, and signature lengths that are not a multiple of 128.
#[cfg(feature = "gpu")]
#[test]
fn gpu_signatures_equal_cpu_signatures() {
    let Some(ctx) = common::gpu_context() else {
        return;
    };
    let (docs, _) = corpus(300, 80, 0.05, 0.1, &[0.05], 5);
    let mut lists: Vec<Vec<u32>> = docs
        .iter()
        .map(|d| {
            minhash::shingle_hashes(
                &minhash::normalize(d, Normalize::default()),
                Shingle::Words(5),
            )
            .0
        })
        .collect();
    lists[7].clear();
    lists[8] = (0..1000u32)
        .map(|i| minhash::murmur3_32(&i.to_le_bytes(), 3))
        .collect();
    let refs: Vec<&[u32]> = lists.iter().map(|v| v.as_slice()).collect();
    for perms in [128, 200, 64] {
        let seeds = minhash::seeds(perms);
        let gpu = minhash::gpu::signatures(&ctx, &refs, &seeds).unwrap();
        let cpu = minhash::signatures(&lists, &seeds);
        assert_eq!(gpu, cpu, "{perms} permutations");
        assert!(gpu[7 * perms..8 * perms].iter().all(|&v| v == u32::MAX));
    }
}

/// Contamination: test documents copied or lightly edited from the training set are reported,
/// fresh ones are not.
#[test]
fn contamination_finds_the_planted_leaks() {
    use datassay::dedup::contamination;
    // 200 to 600 words a document: one edited word leaves Jaccard ≥ 0.95, where LSH's
    // 9 × 13 bands find a pair with probability ≥ 0.998.
    let (train_docs, _) = corpus(2000, 400, 0.0, 0.0, &[0.0], 21);
    let (fresh, _) = corpus(300, 400, 0.0, 0.0, &[0.0], 22);
    let mut test_docs = fresh.clone();
    // 40 exact copies (case changed) and 40 edits of the middle word.
    let mut leaks = Vec::new();
    let mut r = datassay::bench::Rng::new(5);
    for k in 0..80 {
        let src = (r.next_u64() % 2000) as usize;
        let doc = if k < 40 {
            train_docs[src].to_uppercase()
        } else {
            let words: Vec<&str> = train_docs[src].split(' ').collect();
            let mid = words.len() / 2;
            words
                .iter()
                .enumerate()
                .map(|(i, &w)| if i == mid { "zzzedited" } else { w })
                .collect::<Vec<_>>()
                .join(" ")
        };
        leaks.push((test_docs.len(), src));
        test_docs.push(doc);
    }
    let opts = DedupOptions {
        column: "text".into(),
        device: datassay::Device::Cpu,
        ..Default::default()
    };
    let train = hashed(&train_docs, &opts);
    let test = hashed(&test_docs, &opts);
    let (rep, pairs, keep) = contamination(&train, &test, &opts, 0.0).unwrap();
    println!(
        "contaminated {} (exact {}, near {}) of {}",
        rep.contaminated,
        rep.exact,
        rep.near,
        test_docs.len()
    );
    assert_eq!(rep.exact, 40);
    for &(j, src) in &leaks {
        let p = pairs
            .iter()
            .find(|p| p.b == j)
            .unwrap_or_else(|| panic!("leak {j} missed"));
        assert_eq!(train_docs[p.a], train_docs[src]);
        assert!(!keep[j]);
    }
    assert_eq!(rep.contaminated, 80, "fresh documents reported");
    assert!(keep[..300].iter().all(|&k| k));
}

/// Under a memory limit small enough that most signatures and every band key go to disk (many
/// sorted runs), dedup and contamination report exactly what they report in memory.
#[test]
fn spilling_under_a_memory_limit_changes_nothing() {
    use datassay::dedup::contamination;
    let (docs, _) = corpus(3000, 80, 0.05, 0.15, &[0.0, 0.01, 0.05, 0.2], 31);
    // A second set: fresh documents, copies and one-word edits of the first set's.
    let (mut test_docs, _) = corpus(300, 80, 0.0, 0.0, &[0.0], 32);
    test_docs.extend((0..50).map(|i| docs[i * 11].clone()));
    test_docs.extend((0..150).map(|i| {
        let mut w: Vec<&str> = docs[i * 7 + 1].split(' ').collect();
        let mid = w.len() / 2;
        w[mid] = "zzzedited";
        w.join(" ")
    }));
    let run = |limit: Option<u64>| {
        let opts = DedupOptions {
            column: "text".into(),
            device: datassay::Device::Cpu,
            memory_limit: limit,
            ..Default::default()
        };
        let c = hashed(&docs, &opts);
        let t = hashed(&test_docs, &opts);
        let d = dedup(&c, &opts, 0.0).unwrap();
        let (rep, pairs, keep) = contamination(&c, &t, &opts, 0.0).unwrap();
        (d, rep, pairs, keep)
    };
    let (mem, mem_rep, mem_pairs, mem_keep) = run(None);
    // 64 KB: 51 signatures in memory (40%), 819 LSH entries a run (20%; ~27,000 entries in all).
    let (disk, disk_rep, disk_pairs, disk_keep) = run(Some(64 << 10));
    assert_eq!(mem.report.spilled_bytes, 0);
    let sig_bytes = (3000 - 64) * 128 * 4;
    assert!(
        disk.report.spilled_bytes > sig_bytes as u64,
        "{} bytes spilled",
        disk.report.spilled_bytes
    );
    assert!(disk_rep.spilled_bytes > 0);
    assert!(mem.report.near_duplicates > 30, "{:?}", mem.report);
    assert_eq!(mem.pairs, disk.pairs);
    assert_eq!(mem.cluster, disk.cluster);
    assert_eq!(mem.keep, disk.keep);
    assert!(mem_rep.contaminated > 20, "{mem_rep:?}");
    assert_eq!(mem_pairs, disk_pairs);
    assert_eq!(mem_keep, disk_keep);
    assert_eq!(mem_rep.contaminated, disk_rep.contaminated);
}

/// `dedup` rejected dictionary-encoded text columns (pandas categoricals, Parquet dictionaries).
#[test]
fn dictionary_encoded_text_is_read() {
    use arrow::array::{ArrayRef, DictionaryArray, RecordBatch};
    use arrow::datatypes::Int32Type;
    use std::sync::Arc;
    let docs: Vec<&str> = vec![
        "the quick brown fox jumps over the lazy dog again and again",
        "a completely different sentence about other things entirely here",
        "the quick brown fox jumps over the lazy dog again and again",
    ];
    let dict: DictionaryArray<Int32Type> = docs.iter().copied().collect();
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("d.arrow");
    let batch = RecordBatch::try_from_iter([("text", Arc::new(dict) as ArrayRef)]).unwrap();
    let mut w = arrow::ipc::writer::FileWriter::try_new(
        std::fs::File::create(&f).unwrap(),
        &batch.schema(),
    )
    .unwrap();
    w.write(&batch).unwrap();
    w.finish().unwrap();
    let opts = DedupOptions {
        column: "text".into(),
        device: datassay::Device::Cpu,
        ..Default::default()
    };
    let c = datassay::dedup::read_corpus(&[f], &opts).unwrap();
    let plain = hashed(
        &docs.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        &opts,
    );
    let (a, b) = (
        dedup(&c, &opts, 0.0).unwrap(),
        dedup(&plain, &opts, 0.0).unwrap(),
    );
    assert_eq!(a.report.exact_duplicates, 1);
    assert_eq!(a.pairs.len(), b.pairs.len());
}

/// A JSON text column empty in the first rows was typed Null and every later document read as
/// null; `--keep` wrote the rows with a late float truncated and a late key dropped.
#[test]
fn late_text_and_late_keys_reach_dedup_and_its_kept_rows() {
    use arrow::array::AsArray;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("c.jsonl");
    let mut text = "{\"n\":1}\n".repeat(10_500);
    for _ in 0..2 {
        text.push_str("{\"n\":1.5,\"text\":\"the same words in the same order every time here\",\"late\":true}\n");
    }
    std::fs::write(&f, text).unwrap();
    let opts = DedupOptions {
        column: "text".into(),
        device: datassay::Device::Cpu,
        ..Default::default()
    };
    let c = datassay::dedup::read_corpus(std::slice::from_ref(&f), &opts).unwrap();
    assert_eq!(c.usable.iter().filter(|u| **u).count(), 2);
    let d = dedup(&c, &opts, 0.0).unwrap();
    assert_eq!(d.report.exact_duplicates, 1);
    let out = dir.path().join("kept.parquet");
    let n =
        datassay::dedup::write_kept(std::slice::from_ref(&f), &d.keep, &opts.read, &out).unwrap();
    assert_eq!(n, 10_501);
    let r = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        std::fs::File::open(&out).unwrap(),
    )
    .unwrap()
    .build()
    .unwrap();
    let batches: Vec<_> = r.map(|b| b.unwrap()).collect();
    let schema = batches[0].schema();
    let names: Vec<&str> = schema.fields().iter().map(|x| x.name().as_str()).collect();
    assert_eq!(names, ["n", "text", "late"]);
    let last = batches.last().unwrap();
    let nums = last
        .column(0)
        .as_primitive::<arrow::datatypes::Float64Type>();
    assert_eq!(nums.value(nums.len() - 1), 1.5);
}

/// `dedup --keep` over JSON files where one adds a key, or holds floats where another holds
/// integers, refused to run although `profile` joins the same files.
#[test]
fn kept_rows_of_json_files_join_their_columns() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.jsonl");
    let b = dir.path().join("b.jsonl");
    std::fs::write(
        &a,
        "{\"id\":1,\"text\":\"alpha beta gamma delta epsilon zeta\"}\n",
    )
    .unwrap();
    std::fs::write(
        &b,
        "{\"id\":2.5,\"text\":\"alpha beta gamma delta epsilon zeta\",\"extra\":\"x\"}\n{\"id\":3,\"text\":\"something else entirely here now\"}\n",
    )
    .unwrap();
    let opts = DedupOptions {
        column: "text".into(),
        device: datassay::Device::Cpu,
        ..Default::default()
    };
    let files = vec![a, b];
    let c = datassay::dedup::read_corpus(&files, &opts).unwrap();
    let d = dedup(&c, &opts, 0.0).unwrap();
    let out = dir.path().join("kept.parquet");
    let n = datassay::dedup::write_kept(&files, &d.keep, &opts.read, &out).unwrap();
    assert_eq!(n, 2);
    let r = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        std::fs::File::open(&out).unwrap(),
    )
    .unwrap();
    let names: Vec<String> = r
        .schema()
        .fields()
        .iter()
        .map(|f| format!("{}:{}", f.name(), f.data_type()))
        .collect();
    assert_eq!(names, ["id:Float64", "text:Utf8", "extra:Utf8"]);
}
