//! Image sets: every planted defect is found (recall) and few clean images are flagged
//! (precision), on a generated set whose ground truth the generator writes; pHash and dHash
//! against hand-computed references.

use datassay::images::synthetic::{generate, Kind};
use datassay::images::{analyze, image_files, ImageOptions};
use std::collections::HashMap;

#[test]
fn planted_defects_and_duplicates_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let truth = generate(dir.path(), 240, 7).unwrap();
    let files = image_files(&[dir.path().to_path_buf()]);
    assert_eq!(
        files.len(),
        truth.len(),
        "every generated file is picked up (truth.csv is not)"
    );
    let (report, infos) = analyze(&files, &ImageOptions::default(), &|_| {}).unwrap();
    let by_name: HashMap<String, &datassay::images::ImageInfo> = infos
        .iter()
        .map(|i| {
            let name = std::path::Path::new(&i.path)
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .to_string();
            (name, i)
        })
        .collect();
    let flagged = |f: &str, flag: &str| by_name[f].flags.iter().any(|g| g == flag);
    let same_cluster =
        |a: &str, b: &str| by_name[a].cluster.is_some() && by_name[a].cluster == by_name[b].cluster;
    let mut tally: HashMap<&str, (usize, usize)> = HashMap::new();
    let mut clean_flagged = 0;
    let mut originals = 0;
    for (f, kind) in &truth {
        let hit = match kind {
            Kind::Original => {
                originals += 1;
                clean_flagged += !by_name[f].flags.is_empty() as usize;
                continue;
            }
            Kind::ExactCopy(src) | Kind::NearCopy(src) => same_cluster(f, src),
            Kind::Blurred => flagged(f, "blurry"),
            Kind::Dark => flagged(f, "dark"),
            Kind::Blank => flagged(f, "low_information"),
            Kind::OddAspect => flagged(f, "odd_aspect"),
            Kind::OddSize => flagged(f, "odd_size"),
            Kind::Truncated | Kind::Empty | Kind::NotImage | Kind::Bomb => flagged(f, "unreadable"),
        };
        let t = tally.entry(kind.name()).or_default();
        t.0 += hit as usize;
        t.1 += 1;
    }
    let mut kinds: Vec<_> = tally.iter().collect();
    kinds.sort();
    for (k, (hit, all)) in &kinds {
        println!("{k}: {hit}/{all} found");
    }
    println!(
        "clean originals flagged: {clean_flagged}/{originals}; {} clusters",
        report.clusters
    );
    for (k, &(hit, all)) in &tally {
        let need = if *k == "near_copy" { 0.9 } else { 1.0 };
        assert!(hit as f64 >= need * all as f64, "{k}: {hit}/{all}");
    }
    assert!(
        clean_flagged * 20 <= originals,
        "{clean_flagged} of {originals} clean images flagged"
    );
    // Clusters hold planted copies only: no two originals are linked.
    let mut linked_originals: HashMap<u32, usize> = HashMap::new();
    for (f, kind) in &truth {
        if *kind == Kind::Original {
            if let Some(c) = by_name[f].cluster {
                *linked_originals.entry(c).or_default() += 1;
            }
        }
    }
    assert!(
        linked_originals.values().all(|&n| n == 1),
        "{linked_originals:?}"
    );
    // The bomb is refused from its header, with the limit in the reason.
    let bomb = truth.iter().find(|(_, k)| *k == Kind::Bomb).unwrap();
    assert!(
        by_name[&bomb.0]
            .error
            .as_deref()
            .unwrap()
            .contains("exceeds"),
        "{:?}",
        by_name[&bomb.0].error
    );
}

/// pHash and dHash on images whose hashes are known by construction.
#[test]
fn hashes_follow_their_definitions() {
    use datassay::images::hash::{dhash, phash};
    // dHash of a left-to-right ramp: every right neighbour brighter, all 64 bits set; of its
    // mirror image, none.
    let ramp = image::GrayImage::from_fn(90, 80, |x, _| image::Luma([(x * 2) as u8]));
    assert_eq!(dhash(&ramp), u64::MAX);
    let mirror = image::GrayImage::from_fn(90, 80, |x, _| image::Luma([(180 - x * 2) as u8]));
    assert_eq!(dhash(&mirror), 0);
    // pHash of a horizontal cosine at the lowest frequency: the DC term and the first horizontal
    // frequency (the two most significant bits) stand far above the median.
    let wave = image::GrayImage::from_fn(64, 64, |x, _| {
        let v = 100.0 + 80.0 * (std::f64::consts::PI * (x as f64 + 0.5) / 64.0).cos();
        image::Luma([v.round() as u8])
    });
    let h = phash(&wave);
    assert_eq!(h >> 62, 0b11, "{h:016x}");
    // A textured image and a brighter copy hash alike; an unrelated one does not.
    let mut r = datassay::bench::Rng::new(9);
    let noise: Vec<u8> = (0..96 * 96)
        .map(|_| 40 + (r.next_u64() % 160) as u8)
        .collect();
    let img = |add: u8| {
        image::GrayImage::from_fn(96, 96, |x, y| {
            image::Luma([noise[(y * 96 + x) as usize] + add])
        })
    };
    let other = image::GrayImage::from_fn(96, 96, |_, _| {
        image::Luma([40 + (r.next_u64() % 160) as u8])
    });
    let d_bright = (phash(&img(0)) ^ phash(&img(30))).count_ones();
    let d_other = (phash(&img(0)) ^ phash(&other)).count_ones();
    println!("pHash distance: brightened {d_bright}, unrelated {d_other}");
    assert!(d_bright <= 4, "{d_bright}");
    assert!(d_other >= 16, "{d_other}");
}
