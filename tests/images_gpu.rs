//! The GPU pHash/dHash kernel against its CPU twin, bit for bit, on lavapipe in CI: images of
//! every shape the resize has cases for (down- and upscaling, sides equal to the hash sizes,
//! one-pixel sides, long strips), flat, noisy and smooth content; then a generated image set
//! analysed with `--device gpu` against `--device cpu`.

#![cfg(feature = "gpu")]

mod common;

use datassay::bench::Rng;
use datassay::images::gpu::HashKernel;
use datassay::images::hash::{dhash, phash};
use datassay::images::{analyze, image_files, ImageOptions};
use datassay::Device;
use image::GrayImage;

fn context() -> Option<std::sync::Arc<datassay::gpu::GpuContext>> {
    common::gpu_context()
}

fn image(w: u32, h: u32, kind: u32, r: &mut Rng) -> GrayImage {
    let level = (r.next_u64() % 256) as u8;
    let (fx, fy) = (1.0 + r.uniform() * 20.0, 1.0 + r.uniform() * 20.0);
    GrayImage::from_fn(w, h, |x, y| {
        image::Luma([match kind {
            0 => level,
            1 => (r.next_u64() % 256) as u8,
            2 => {
                let v = (x as f64 / w as f64 * fx).sin() * (y as f64 / h as f64 * fy).cos();
                (127.5 + 127.5 * v) as u8
            }
            // Saturated blocks: the clip to 0..255 of the resize is exercised.
            _ => {
                if (x / 3 + y / 5) % 2 == 0 {
                    255
                } else {
                    0
                }
            }
        }])
    })
}

#[test]
fn gpu_hashes_equal_cpu_hashes() {
    let Some(ctx) = context() else { return };
    let kernel = HashKernel::new(ctx);
    let mut r = Rng::new(11);
    let mut sides = vec![1u32, 2, 7, 8, 9, 10, 31, 32, 33, 64, 100, 257, 480];
    sides.extend((0..6).map(|_| 1 + (r.next_u64() % 700) as u32));
    let mut images = Vec::new();
    for (i, &w) in sides.iter().enumerate() {
        for (j, &h) in sides.iter().enumerate() {
            if (i * 7 + j * 3) % 4 == 0 || w == h {
                let kind = (r.next_u64() % 4) as u32;
                images.push(image(w, h, kind, &mut r));
            }
        }
    }
    images.push(image(2000, 3, 2, &mut r));
    images.push(image(5, 1500, 1, &mut r));
    let refs: Vec<&GrayImage> = images.iter().collect();
    let got = kernel.hash(&refs).unwrap();
    let mut distinct = std::collections::HashSet::new();
    for (g, (p, d)) in images.iter().zip(&got) {
        let (wp, wd) = (phash(g), dhash(g));
        assert_eq!(
            (format!("{p:016x}"), format!("{d:016x}")),
            (format!("{wp:016x}"), format!("{wd:016x}")),
            "{}×{} image",
            g.width(),
            g.height()
        );
        distinct.insert(*p);
    }
    println!(
        "{} images, {} distinct pHashes: GPU = CPU",
        images.len(),
        distinct.len()
    );
    // Flat and striped images share hashes; the noisy and smooth ones do not.
    assert!(images.len() > 60 && distinct.len() > images.len() / 3);
}

#[test]
fn an_image_set_hashed_on_the_gpu_equals_the_cpu_run() {
    if context().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    datassay::images::synthetic::generate(dir.path(), 120, 3).unwrap();
    let files = image_files(&[dir.path().to_path_buf()]);
    let run = |device| {
        let opts = ImageOptions {
            device,
            ..Default::default()
        };
        analyze(&files, &opts, &|_| {}).unwrap()
    };
    let (cpu_report, cpu) = run(Device::Cpu);
    let (gpu_report, gpu) = run(Device::Gpu);
    assert_eq!(cpu_report.hash_device, "cpu");
    assert!(gpu_report.hash_device.starts_with("gpu ("));
    assert_eq!(cpu, gpu, "every metric, hash, flag and cluster");
    assert_eq!(cpu_report.clusters, gpu_report.clusters);
    assert!(cpu_report.clusters > 5 && cpu_report.near_duplicates > 5);
    // `auto` takes a hardware GPU, or the CPU with the reason (lavapipe alone is refused).
    let (auto_report, auto) = run(Device::Auto);
    assert_eq!(auto, cpu);
    let d = &auto_report.hash_device;
    assert!(
        d.starts_with("gpu (") || (d.starts_with("cpu (") && d.contains("only a software adapter")),
        "{d}"
    );
}
