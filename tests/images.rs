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

/// Tar shards (WebDataset layout) and a Parquet column of Hugging Face image structs are read as
/// image sources; an image in both is an exact duplicate across them; a corrupt member and a
/// null image are findings.
#[test]
fn tar_shards_and_image_columns() {
    use arrow::array::{ArrayRef, BinaryArray, RecordBatch, StringArray, StructArray};
    use datassay::images::{analyze_sources, sources, Source};
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let imgs = dir.path().join("imgs");
    generate(&imgs, 40, 3).unwrap();
    let pngs: Vec<std::path::PathBuf> = image_files(std::slice::from_ref(&imgs))
        .into_iter()
        .filter(|p| p.file_name().unwrap().to_str().unwrap().starts_with("img"))
        .take(6)
        .collect();
    // A shard: samples 000000.png, 000000.json, … and one member cut short at the end.
    let shard = dir.path().join("shard-0.tar");
    {
        let mut b = tar::Builder::new(std::fs::File::create(&shard).unwrap());
        for (k, p) in pngs.iter().take(4).enumerate() {
            b.append_path_with_name(p, format!("{k:06}.png")).unwrap();
            let meta = b"{\"label\": 1}";
            let mut h = tar::Header::new_gnu();
            h.set_size(meta.len() as u64);
            h.set_cksum();
            b.append_data(&mut h, format!("{k:06}.json"), &meta[..])
                .unwrap();
        }
        b.finish().unwrap();
    }
    // The Parquet file: images 3..6 (image 3 is also in the shard) and a null image.
    let rows: Vec<Option<Vec<u8>>> = pngs[3..6]
        .iter()
        .map(|p| Some(std::fs::read(p).unwrap()))
        .chain([None])
        .collect();
    let bytes: ArrayRef = Arc::new(BinaryArray::from_iter(rows.iter().map(|r| r.as_deref())));
    let names: ArrayRef = Arc::new(StringArray::from(vec![
        Some("a.png"),
        Some("b.png"),
        Some("c.png"),
        None,
    ]));
    let image = StructArray::from(vec![
        (
            Arc::new(arrow::datatypes::Field::new(
                "bytes",
                arrow::datatypes::DataType::Binary,
                true,
            )),
            bytes,
        ),
        (
            Arc::new(arrow::datatypes::Field::new(
                "path",
                arrow::datatypes::DataType::Utf8,
                true,
            )),
            names,
        ),
    ]);
    let batch = RecordBatch::try_from_iter([("image", Arc::new(image) as ArrayRef)]).unwrap();
    let pq = dir.path().join("images.parquet");
    datassay::bench::write_parquet(&pq, &[batch]).unwrap();
    let src = sources(&[shard.clone(), pq.clone()], None);
    assert_eq!(
        src,
        vec![
            Source::Tar(shard.clone()),
            Source::Table {
                path: pq.clone(),
                column: None
            }
        ]
    );
    let (report, infos) = analyze_sources(&src, &ImageOptions::default(), &|_| {}).unwrap();
    assert_eq!(report.images, 8, "{infos:#?}");
    assert_eq!(report.unreadable, 1, "the null image");
    assert_eq!(report.exact_duplicates, 1, "image 3 is in both sources");
    assert!(infos
        .iter()
        .any(|i| i.path.ends_with("shard-0.tar:000003.png")));
    // A truncated shard: the members before the cut are read, the cut is a finding.
    let bytes = std::fs::read(&shard).unwrap();
    let cut = dir.path().join("cut.tar");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let (_, infos) =
        analyze_sources(&[Source::Tar(cut)], &ImageOptions::default(), &|_| {}).unwrap();
    assert!(
        infos
            .iter()
            .any(|i| i.error.as_deref().is_some_and(|e| e.contains("tar"))),
        "{infos:#?}"
    );
    assert!(infos.iter().any(|i| i.error.is_none()));
}

/// `--against`: test images copied or resized from training images are reported with their
/// source, fresh ones are not.
#[test]
fn contamination_finds_copied_and_resized_images() {
    use datassay::images::contamination;
    let dir = tempfile::tempdir().unwrap();
    let train_dir = dir.path().join("train");
    let fresh_dir = dir.path().join("fresh");
    generate(&train_dir, 40, 11).unwrap();
    generate(&fresh_dir, 40, 12).unwrap();
    let originals = |d: &std::path::Path| -> Vec<std::path::PathBuf> {
        image_files(&[d.to_path_buf()])
            .into_iter()
            .filter(|p| p.file_name().unwrap().to_str().unwrap().starts_with("img"))
            .collect()
    };
    let train_imgs = originals(&train_dir);
    let test_dir = dir.path().join("test");
    std::fs::create_dir(&test_dir).unwrap();
    for p in originals(&fresh_dir).iter().take(8) {
        std::fs::copy(
            p,
            test_dir.join(format!(
                "fresh-{}",
                p.file_name().unwrap().to_str().unwrap()
            )),
        )
        .unwrap();
    }
    let mut planted = HashMap::new();
    for (k, p) in train_imgs.iter().take(6).enumerate() {
        let name = format!("leak{k}.png");
        if k % 2 == 0 {
            image::open(p).unwrap().save(test_dir.join(&name)).unwrap();
        } else {
            let img = image::open(p).unwrap();
            img.resize(
                img.width() / 2,
                img.height() / 2,
                image::imageops::FilterType::Triangle,
            )
            .save(test_dir.join(&name))
            .unwrap();
        }
        planted.insert(
            name,
            (
                p.display().to_string(),
                if k % 2 == 0 { "exact" } else { "near" },
            ),
        );
    }
    let (_, train) = analyze(
        &image_files(&[train_dir]),
        &ImageOptions::default(),
        &|_| {},
    )
    .unwrap();
    let (_, test) = analyze(&image_files(&[test_dir]), &ImageOptions::default(), &|_| {}).unwrap();
    let r = contamination(&train, &test, 8);
    println!(
        "contaminated {} (exact {}, near {}) of {}",
        r.contaminated, r.exact, r.near, r.against_images
    );
    assert_eq!(r.contaminated, 6, "{:#?}", r.leaks);
    for l in &r.leaks {
        let name = std::path::Path::new(&l.image)
            .file_name()
            .unwrap()
            .to_str()
            .unwrap();
        let (src, kind) = &planted[name];
        // The source, or a training copy of it (the training set has its own duplicates).
        let cluster = |p: &str| train.iter().find(|i| i.path == p).unwrap().cluster;
        assert!(
            l.duplicate_of == *src
                || (cluster(src).is_some() && cluster(src) == cluster(&l.duplicate_of)),
            "{l:?}"
        );
        assert!(
            l.kind == *kind || (*kind == "near" && l.kind == "exact"),
            "{l:?}"
        );
    }
}

/// JPEG files cut at 90% or 99% of their bytes were reported readable and clustered with the
/// original: the decoder paints the missing part grey without an error.
#[test]
fn truncated_jpegs_are_unreadable_findings() {
    use datassay::images::analyze;
    let dir = tempfile::tempdir().unwrap();
    let img = image::RgbImage::from_fn(300, 200, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x * y) % 251) as u8])
    });
    let orig = dir.path().join("orig.jpg");
    img.save(&orig).unwrap();
    let bytes = std::fs::read(&orig).unwrap();
    let mut files = vec![orig.clone()];
    for keep in [90, 99] {
        let p = dir.path().join(format!("cut{keep}.jpg"));
        std::fs::write(&p, &bytes[..bytes.len() * keep / 100]).unwrap();
        files.push(p);
    }
    let (report, infos) = analyze(&files, &ImageOptions::default(), &|_| {}).unwrap();
    assert_eq!((report.images, report.unreadable), (3, 2), "{infos:#?}");
    for i in &infos[1..] {
        let e = i.error.as_deref().unwrap_or_default();
        assert!(e.contains("truncated jpeg"), "{}: {e}", i.path);
        assert_eq!(i.cluster, None);
    }
    assert!(infos[0].error.is_none());
    assert_eq!(report.exact_duplicates + report.near_duplicates, 0);
}

/// A tar header claiming a 2^50-byte member aborted the run (an allocation of that size); a
/// gzip-compressed shard was not read.
#[test]
fn lying_tar_headers_and_gzip_shards() {
    use datassay::images::{analyze_sources, sources, Source};
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let imgs = dir.path().join("imgs");
    generate(&imgs, 20, 5).unwrap();
    let png = image_files(std::slice::from_ref(&imgs))
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "png"))
        .unwrap();
    let png_bytes = std::fs::read(&png).unwrap();
    // One good member, then a header that claims 2^50 bytes.
    let mut tar_bytes = Vec::new();
    {
        let mut b = tar::Builder::new(&mut tar_bytes);
        let mut h = tar::Header::new_gnu();
        h.set_size(png_bytes.len() as u64);
        h.set_cksum();
        b.append_data(&mut h, "000000.png", &png_bytes[..]).unwrap();
        b.finish().unwrap();
    }
    let end = tar_bytes.len() - 1024; // before the two zero blocks that end an archive
    let mut h = tar::Header::new_gnu();
    h.set_path("000001.png").unwrap();
    h.set_size(1 << 50);
    h.set_cksum();
    let mut lying = tar_bytes[..end].to_vec();
    lying.extend_from_slice(h.as_bytes());
    lying.extend_from_slice(&[0u8; 4096]);
    let shard = dir.path().join("lying.tar");
    std::fs::write(&shard, &lying).unwrap();
    let (report, infos) =
        analyze_sources(&[Source::Tar(shard)], &ImageOptions::default(), &|_| {}).unwrap();
    assert_eq!((report.images, report.unreadable), (2, 1), "{infos:#?}");
    let bad = infos.iter().find_map(|i| i.error.as_deref()).unwrap();
    assert!(bad.contains("truncated tar member"), "{bad}");
    // The same good member in a .tar.gz shard.
    let tgz = dir.path().join("shard.tar.gz");
    let mut e = flate2::write::GzEncoder::new(
        std::fs::File::create(&tgz).unwrap(),
        flate2::Compression::default(),
    );
    e.write_all(&tar_bytes).unwrap();
    e.finish().unwrap();
    let src = sources(std::slice::from_ref(&tgz), None);
    assert_eq!(src, vec![Source::Tar(tgz)]);
    let (report, _) = analyze_sources(&src, &ImageOptions::default(), &|_| {}).unwrap();
    assert_eq!((report.images, report.unreadable), (1, 0));
}

/// `images` on 27 files through a link to their parent reported 1,107 images and 720 false
/// exact duplicates.
#[cfg(unix)]
#[test]
fn image_folders_with_a_link_loop_are_walked_once() {
    let dir = tempfile::tempdir().unwrap();
    let imgs = dir.path().join("imgs");
    generate(&imgs, 20, 7).unwrap();
    let n = image_files(std::slice::from_ref(&imgs)).len();
    std::os::unix::fs::symlink(dir.path(), imgs.join("up")).unwrap();
    std::os::unix::fs::symlink(&imgs, imgs.join("self")).unwrap();
    assert_eq!(image_files(std::slice::from_ref(&imgs)).len(), n);
}

/// Icons and logos are RGBA with transparent surroundings whose colour is usually black. They
/// are measured composited over mid-grey, so a set of them is not flagged dark; an opaque dark
/// picture still is, and an opaque RGBA image measures as its RGB self.
#[test]
fn transparent_icons_are_not_dark() {
    use image::{Rgb, RgbImage, Rgba, RgbaImage};
    let dir = tempfile::tempdir().unwrap();
    let n = 24;
    for i in 0..n {
        let hue = [
            [220u8, 40, 40],
            [40, 160, 220],
            [60, 200, 90],
            [240, 200, 40],
        ][i % 4];
        // Transparent black all around; a filled disc and a ring of colour in the middle.
        let mut img = RgbaImage::from_pixel(64, 64, Rgba([0, 0, 0, 0]));
        let r = 10.0 + (i % 6) as f64 * 2.0;
        for (x, y, p) in img.enumerate_pixels_mut() {
            let d = ((x as f64 - 32.0).powi(2) + (y as f64 - 32.0).powi(2)).sqrt();
            if d < r {
                *p = Rgba([hue[0], hue[1], hue[2], 255]);
            } else if d < r + 4.0 {
                // An anti-aliased rim: partly transparent.
                let a = (255.0 * (1.0 - (d - r) / 4.0)) as u8;
                *p = Rgba([hue[0] / 2, hue[1] / 2, hue[2] / 2, a]);
            }
        }
        img.save(dir.path().join(format!("icon{i:02}.png")))
            .unwrap();
    }
    // An opaque dark picture (a dim disc on black) is dark whatever its channels.
    let mut dark = RgbaImage::from_pixel(64, 64, Rgba([5, 5, 5, 255]));
    for (x, y, p) in dark.enumerate_pixels_mut() {
        if (x as i32 - 32).pow(2) + (y as i32 - 32).pow(2) < 100 {
            *p = Rgba([30, 30, 30, 255]);
        }
    }
    dark.save(dir.path().join("dark.png")).unwrap();
    // The same opaque picture as RGBA and as RGB.
    let mut rgb = RgbImage::new(48, 48);
    for (x, y, p) in rgb.enumerate_pixels_mut() {
        *p = Rgb([(x * 5) as u8, (y * 5) as u8, ((x + y) * 2) as u8]);
    }
    rgb.save(dir.path().join("opaque_rgb.png")).unwrap();
    image::DynamicImage::ImageRgb8(rgb.clone())
        .to_rgba8()
        .save(dir.path().join("opaque_rgba.png"))
        .unwrap();
    let files = image_files(&[dir.path().to_path_buf()]);
    let (_, infos) = analyze(&files, &ImageOptions::default(), &|_| {}).unwrap();
    let get = |name: &str| infos.iter().find(|i| i.path.ends_with(name)).unwrap();
    for i in 0..n {
        let info = get(&format!("icon{i:02}.png"));
        assert!(
            !info.flags.iter().any(|f| f == "dark"),
            "{}: {:?} brightness {}",
            info.path,
            info.flags,
            info.brightness
        );
        assert_eq!(info.channels, 4);
    }
    assert!(get("dark.png").flags.iter().any(|f| f == "dark"));
    let (a, b) = (get("opaque_rgb.png"), get("opaque_rgba.png"));
    assert_eq!(
        (a.brightness, a.contrast, a.sharpness, a.entropy),
        (b.brightness, b.contrast, b.sharpness, b.entropy)
    );
    assert_eq!(
        (a.phash, a.dhash, a.pixel_hash),
        (b.phash, b.dhash, b.pixel_hash)
    );
    // The composite by hand: a pixel of luma L and alpha a shows (L·a + 128·(255 − a) + 127)/255.
    let mut one = RgbaImage::from_pixel(1, 1, Rgba([200, 100, 50, 77]));
    let l = (200 * 19595 + 100 * 38470 + 50 * 7471 + 0x8000) >> 16;
    let want = ((l * 77 + 128 * (255 - 77) + 127) / 255) as u8;
    let g = datassay::images::hash::luma_pil(&image::DynamicImage::ImageRgba8(one.clone()));
    assert_eq!(g.get_pixel(0, 0)[0], want);
    one.put_pixel(0, 0, Rgba([0, 0, 0, 0]));
    let g = datassay::images::hash::luma_pil(&image::DynamicImage::ImageRgba8(one));
    assert_eq!(g.get_pixel(0, 0)[0], 128);
}

/// A multi-page TIFF (a scan, a microscope stack) is read by its first page.
#[test]
fn multi_page_tiffs_are_read_by_their_first_page() {
    // Two uncompressed 8-bit grey pages, 4×2 then 3×1, written by hand: a little-endian header,
    // two IFDs of nine entries each, then the pixels.
    fn ifd(out: &mut Vec<u8>, w: u16, h: u16, data_at: u32, next: u32) {
        let entries: [(u16, u16, u32); 9] = [
            (256, 3, w as u32),            // ImageWidth
            (257, 3, h as u32),            // ImageLength
            (258, 3, 8),                   // BitsPerSample
            (259, 3, 1),                   // Compression: none
            (262, 3, 1),                   // PhotometricInterpretation: black is zero
            (273, 4, data_at),             // StripOffsets
            (277, 3, 1),                   // SamplesPerPixel
            (278, 3, h as u32),            // RowsPerStrip
            (279, 4, w as u32 * h as u32), // StripByteCounts
        ];
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        for (tag, kind, v) in entries {
            out.extend_from_slice(&tag.to_le_bytes());
            out.extend_from_slice(&kind.to_le_bytes());
            out.extend_from_slice(&1u32.to_le_bytes());
            if kind == 3 {
                out.extend_from_slice(&(v as u16).to_le_bytes());
                out.extend_from_slice(&[0, 0]);
            } else {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        out.extend_from_slice(&next.to_le_bytes());
    }
    let ifd_len = 2 + 9 * 12 + 4;
    let (first, second) = (8u32, 8 + ifd_len as u32);
    let (data0, data1) = (second + ifd_len as u32, second + ifd_len as u32 + 8);
    let mut b = b"II*\0".to_vec();
    b.extend_from_slice(&first.to_le_bytes());
    ifd(&mut b, 4, 2, data0, second);
    ifd(&mut b, 3, 1, data1, 0);
    b.extend_from_slice(&[10, 60, 110, 160, 200, 150, 100, 50]);
    b.extend_from_slice(&[1, 2, 3]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("stack.tif"), &b).unwrap();
    let files = image_files(&[dir.path().to_path_buf()]);
    let (report, infos) = analyze(&files, &ImageOptions::default(), &|_| {}).unwrap();
    assert_eq!(report.unreadable, 0, "{:?}", infos[0].error);
    assert_eq!((infos[0].width, infos[0].height), (4, 2));
    assert_eq!(infos[0].format.as_deref(), Some("tiff"));
}
