//! `datassay bench --images`: decoding, measuring and hashing a synthetic image folder, on the
//! CPU and the GPU.

use super::best;
#[cfg(feature = "gpu")]
use super::text::agreement;
use crate::error::{Error, Result};
use crate::schedule::Device;
use rayon::prelude::*;
use serde::Serialize;

/// One measured image figure.
#[derive(Clone, Debug, Serialize)]
pub struct ImageMeasure {
    pub name: String,
    pub images_per_s: f64,
    pub seconds: f64,
    pub note: String,
}

/// What `datassay bench --images N` measured.
#[derive(Clone, Debug, Serialize)]
pub struct ImagesReport {
    /// Files measured (`datassay generate --images N` writes about 0.9·N).
    pub files: usize,
    pub bytes: u64,
    pub readable: usize,
    pub threads: usize,
    /// Where the GPU figures ran, or `cpu` when none did.
    pub device: String,
    pub measures: Vec<ImageMeasure>,
}

/// Image sets: a folder (`from`, or `n` images generated into a temporary one) analysed end to
/// end on the CPU (and with the hashes on the GPU); reading and decoding alone, the floor under
/// the end-to-end time; and pHash + dHash alone from decoded luminance on the CPU and the GPU
/// (whose bits are checked against the CPU's).
///
/// Long because it is the benchmark's script for images: each step times one stage and adds its
/// row, in the order the report lists them.
pub fn images(
    n: usize,
    from: Option<&std::path::Path>,
    reps: usize,
    device: Device,
    progress: &dyn Fn(&str),
) -> Result<ImagesReport> {
    use crate::images::{self, hash, ImageOptions};
    // Holds the generated set, when there is one, until the measurements are done.
    let mut generated = None;
    let files = match from {
        Some(from) => {
            let files = images::image_files(&[from.to_path_buf()]);
            if files.is_empty() {
                return Err(Error::NoInput(format!(
                    "{}: no image files (the extensions `datassay images` reads)",
                    from.display()
                )));
            }
            progress(&format!(
                "images: {} files in {}",
                files.len(),
                from.display()
            ));
            files
        }
        None => {
            let dir = generated.insert(tempfile::tempdir().map_err(|e| Error::Io {
                path: std::env::temp_dir(),
                source: e,
            })?);
            progress(&format!("images: generating {n} images"));
            images::synthetic::generate(dir.path(), n, 42)?;
            images::image_files(&[dir.path().to_path_buf()])
        }
    };
    let bytes: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    let threads = crate::util::pool::threads();
    let mut measures = Vec::new();
    let add = |m: &mut Vec<ImageMeasure>, name: String, count: usize, secs: f64, note: String| {
        m.push(ImageMeasure {
            name,
            images_per_s: count as f64 / secs,
            seconds: secs,
            note,
        })
    };
    progress("images: end to end (hashes on the cpu)");
    let cpu_opts = ImageOptions {
        device: Device::Cpu,
        ..Default::default()
    };
    let mut cpu_infos = Vec::new();
    let t = best(reps, || {
        cpu_infos = images::analyze(&files, &cpu_opts, &|_| {})?.1;
        Ok(())
    })?;
    let readable = cpu_infos.iter().filter(|i| i.error.is_none()).count();
    add(
        &mut measures,
        format!("end to end, cpu, {threads} threads"),
        files.len(),
        t,
        "read, decode, metrics, flags, pixel hash, pHash, dHash, near duplicates".into(),
    );
    progress("images: reading and decoding alone");
    let mut decoded = 0;
    let t = best(reps, || {
        crate::util::pool::install(|| {
            decoded = files
                .par_iter()
                .filter(|f| images::read_and_decode(f, &cpu_opts))
                .count()
        });
        Ok(())
    })?;
    add(
        &mut measures,
        format!("read + decode only, cpu, {threads} threads"),
        files.len(),
        t,
        format!("{decoded} decoded; the floor under end to end"),
    );
    progress("images: decoding the luminance for the hash-only figures");
    let lumas: Vec<image::GrayImage> = crate::util::pool::install(|| {
        files
            .par_iter()
            .filter_map(|f| image::open(f).ok())
            .map(|img| hash::luma_pil(&img))
            .collect()
    });
    let mut cpu_hashes = Vec::new();
    let t = best(reps, || {
        crate::util::pool::install(|| {
            cpu_hashes = lumas
                .par_iter()
                .map(|g| (hash::phash(g), hash::dhash(g)))
                .collect()
        });
        Ok(())
    })?;
    let pixels: usize = lumas.iter().map(|g| g.as_raw().len()).sum();
    let note = format!("from decoded luminance, {:.1} Mpixels", pixels as f64 / 1e6);
    add(
        &mut measures,
        format!("pHash + dHash, cpu, {threads} threads"),
        lumas.len(),
        t,
        note.clone(),
    );
    #[cfg_attr(not(feature = "gpu"), allow(unused_variables))]
    let t_cpu = t;
    #[cfg_attr(not(feature = "gpu"), allow(unused_mut))]
    let mut dname = "cpu".to_string();
    #[cfg(not(feature = "gpu"))]
    let _ = device;
    #[cfg(feature = "gpu")]
    if device != Device::Cpu {
        match crate::gpu::engine(device == Device::Gpu) {
            Ok(ctx) => {
                dname = ctx.describe();
                progress(&format!("images: pHash + dHash on {dname}"));
                let kernel = images::gpu::HashKernel::new(ctx);
                let mut same = true;
                let t = best(reps.max(2), || {
                    let mut got = Vec::with_capacity(lumas.len());
                    for part in lumas.chunks(256) {
                        let refs: Vec<&image::GrayImage> = part.iter().collect();
                        got.extend(kernel.hash(&refs)?);
                    }
                    same &= got == cpu_hashes;
                    Ok(())
                })?;
                add(
                    &mut measures,
                    "pHash + dHash, gpu (upload + kernel + readback)".into(),
                    lumas.len(),
                    t,
                    format!("{note}; 256 images a dispatch; {}", agreement(same)),
                );
                if !lumas.is_empty() {
                    let rate = crate::gpu::cache::PipelineRate {
                        cpu_per_s: lumas.len() as f64 / t_cpu,
                        gpu_per_s: lumas.len() as f64 / t,
                        unit: "images".into(),
                        gpu: dname.clone(),
                        cpu_threads: threads,
                    };
                    let software = kernel.context().is_software();
                    super::keep_pipeline_rate("image hashes", software, rate, progress);
                }
                if let Some((k, passes)) = super::gpu::kernel_time(kernel.context(), 2, || {
                    for part in lumas.chunks(256) {
                        let refs: Vec<&image::GrayImage> = part.iter().collect();
                        kernel.hash(&refs)?;
                    }
                    Ok(())
                })? {
                    add(
                        &mut measures,
                        "pHash + dHash, gpu kernel (timestamps)".into(),
                        lumas.len(),
                        k,
                        format!("{note}; {passes} dispatches"),
                    );
                }
                drop(kernel);
                progress("images: end to end (hashes on the gpu)");
                let gpu_opts = ImageOptions {
                    device: Device::Gpu,
                    ..Default::default()
                };
                let mut same = true;
                let t = best(reps, || {
                    same &= images::analyze(&files, &gpu_opts, &|_| {})?.1 == cpu_infos;
                    Ok(())
                })?;
                add(
                    &mut measures,
                    "end to end, hashes on the gpu".into(),
                    files.len(),
                    t,
                    format!(
                        "decode and metrics on {threads} cpu threads; includes opening the device; {}",
                        if same {
                            "every finding equal to the cpu run"
                        } else {
                            "findings DIFFER from the cpu run"
                        }
                    ),
                );
            }
            Err(e) if device == Device::Gpu => return Err(e),
            Err(e) => progress(&format!("no gpu ({e}); gpu figures skipped")),
        }
    }
    Ok(ImagesReport {
        files: files.len(),
        bytes,
        readable,
        threads,
        device: dname,
        measures,
    })
}

/// The image figures as a table.
pub fn images_table(r: &ImagesReport) -> String {
    let mut s = format!(
        "{} image files ({:.1} MB, {} readable), {} threads, {}\n{:<50} {:>10} {:>10}  {}\n",
        r.files,
        r.bytes as f64 / 1e6,
        r.readable,
        r.threads,
        r.device,
        "measurement",
        "images/s",
        "seconds",
        "note"
    );
    for m in &r.measures {
        s.push_str(&format!(
            "{:<50} {:>10.0} {:>10.4}  {}\n",
            m.name, m.images_per_s, m.seconds, m.note
        ));
    }
    s
}
