//! A run over many images: decoded and measured in parallel chunks, hashed on the CPU or the
//! GPU, flagged, clustered into exact and near duplicates, and summarised as an
//! [`ImageReport`].

use super::findings::table;
#[cfg(feature = "gpu")]
use super::gpu;
use super::hash;
use super::measure::{inspect, inspect_inner, inspect_path};
use super::sources::{is_gzip, is_image_name, table_images, Source, MAX_IMAGE_BYTES};
use super::{ImageInfo, ImageOptions};
use crate::error::{Error, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// A duplicate cluster: its images (indices into the run's images) and how they were linked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImageCluster {
    /// Images in the cluster.
    pub size: u64,
    /// Exact copies (same decoded pixels) only, or near duplicates among them.
    pub exact: bool,
    /// Up to 10 of its images, by path (or the name they were read under).
    pub images: Vec<String>,
}

/// A flag's count and up to 5 examples.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlagCount {
    /// The flag's name (`unreadable`, `blurry`, `dark`, …).
    pub flag: String,
    /// Images with the flag.
    pub count: u64,
    /// Up to 5 of those images, by path (or the name they were read under).
    pub examples: Vec<String>,
}

/// What `datassay images` found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImageReport {
    /// Images examined, readable or not.
    pub images: u64,
    /// Images that were decoded.
    pub readable: u64,
    /// Images that could not be read or decoded.
    pub unreadable: u64,
    /// Images per recognised format (lowercase, e.g. `jpeg`, `png`).
    pub formats: std::collections::BTreeMap<String, u64>,
    /// Every flag with its count and examples, in a fixed order (zero counts included).
    pub flags: Vec<FlagCount>,
    /// Images that are exact copies of an earlier one.
    pub exact_duplicates: u64,
    /// Further images within the pHash radius of another (not exact copies).
    pub near_duplicates: u64,
    /// Clusters of two or more images linked as exact or near duplicates.
    pub clusters: u64,
    /// The largest clusters (up to 10), largest first.
    pub largest_clusters: Vec<ImageCluster>,
    /// The flag thresholds and near-duplicate radius the run used.
    pub options: ImageOptions,
    /// The per-image metrics profiled by the tabular engine (sizes, brightness, …).
    pub metrics: crate::profile::Profile,
    /// Where pHash and dHash were computed: `cpu` or `gpu (adapter)`; with `--device auto`,
    /// why the CPU was taken (`cpu (reason)`), or when the GPU failed during the run.
    #[serde(default)]
    pub hash_device: String,
    /// Wall-clock seconds of the whole run.
    pub seconds: f64,
}

/// Decode, measure, flag and deduplicate `files` (image files); `progress(done)` after each
/// image.
pub fn analyze(
    files: &[PathBuf],
    opts: &ImageOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(ImageReport, Vec<ImageInfo>)> {
    let sources: Vec<Source> = files.iter().cloned().map(Source::File).collect();
    analyze_sources(&sources, opts, progress)
}

/// Where the perceptual hashes are computed: on the CPU inside [`inspect_inner`], or on the GPU
/// a chunk at a time ([`Hasher::finish`]).
pub(super) struct Hasher {
    #[cfg(feature = "gpu")]
    kernel: Option<gpu::HashKernel>,
    /// Why the GPU failed during the run: the rest is hashed on the CPU.
    #[cfg(feature = "gpu")]
    failed: std::sync::Mutex<Option<String>>,
    /// Why `--device auto` took the CPU.
    #[cfg(feature = "gpu")]
    no_gpu: Option<String>,
}

impl Hasher {
    /// The GPU for `Device::Gpu` (an error without one), a hardware GPU if there is one for
    /// `Device::Auto` (a software rasteriser is slower than the CPU twin), else the CPU.
    fn open(device: crate::Device) -> Result<Hasher> {
        let mut notices = Vec::new();
        #[cfg(feature = "gpu")]
        {
            let kernel = crate::gpu::open_pipeline(device, "image hashes", &mut notices)?
                .map(gpu::HashKernel::new);
            Ok(Hasher {
                kernel,
                failed: Default::default(),
                no_gpu: notices.pop(),
            })
        }
        #[cfg(not(feature = "gpu"))]
        crate::gpu::open(device, &mut notices).map(|_| Hasher {})
    }

    fn on_gpu(&self) -> bool {
        #[cfg(feature = "gpu")]
        return self.kernel.is_some() && self.failed.lock().unwrap().is_none();
        #[cfg(not(feature = "gpu"))]
        false
    }

    /// `gpu (name)` or `cpu`, with the reason where `--device auto` did not (or no longer)
    /// use the GPU.
    fn describe(&self) -> String {
        #[cfg(feature = "gpu")]
        {
            if let Some(k) = &self.kernel {
                let gpu = format!("gpu ({})", k.context().describe());
                return match &*self.failed.lock().unwrap() {
                    None => gpu,
                    Some(e) => format!("{gpu}, then cpu: {e}"),
                };
            }
            if let Some(why) = &self.no_gpu {
                return format!("cpu ({why})");
            }
        }
        "cpu".into()
    }

    /// Fill in the hashes of images decoded without them (those that come with a luminance).
    fn finish(
        &self,
        decoded: Vec<(ImageInfo, Option<image::GrayImage>)>,
    ) -> Result<Vec<ImageInfo>> {
        let (mut infos, grays): (Vec<ImageInfo>, Vec<Option<image::GrayImage>>) =
            decoded.into_iter().unzip();
        let todo: Vec<(usize, &image::GrayImage)> = grays
            .iter()
            .enumerate()
            .filter_map(|(i, g)| g.as_ref().map(|g| (i, g)))
            .collect();
        if todo.is_empty() {
            return Ok(infos);
        }
        #[cfg(feature = "gpu")]
        if let (Some(k), true) = (&self.kernel, self.on_gpu()) {
            let images: Vec<&image::GrayImage> = todo.iter().map(|&(_, g)| g).collect();
            match k.hash(&images) {
                Ok(h) => {
                    for (&(i, _), (p, d)) in todo.iter().zip(h) {
                        infos[i].phash = p;
                        infos[i].dhash = d;
                    }
                    return Ok(infos);
                }
                Err(e) => {
                    *self.failed.lock().unwrap() = Some(crate::gpu::fell_back("image hashing", &e))
                }
            }
        }
        let hashed: Vec<(u64, u64)> = crate::util::pool::install(|| {
            todo.par_iter()
                .map(|&(_, g)| (hash::phash(g), hash::dhash(g)))
                .collect()
        });
        for (&(i, _), (p, d)) in todo.iter().zip(hashed) {
            infos[i].phash = p;
            infos[i].dhash = d;
        }
        Ok(infos)
    }
}

/// Images decoded per step of a tar shard or table (their bytes are held meanwhile), and per
/// GPU hashing step (their luminance is held meanwhile).
pub(super) const CHUNK: usize = 256;

/// [`analyze`] over any [`Source`]s: every image is decoded and measured (files in parallel;
/// tar members and table rows in chunks of `CHUNK`), then flagged, clustered and summed up.
pub fn analyze_sources(
    sources: &[Source],
    opts: &ImageOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(ImageReport, Vec<ImageInfo>)> {
    if sources.is_empty() {
        return Err(Error::NoInput(
            "no image files (.jpg, .png, .webp, .gif, .bmp, .tiff), .tar shards or tables with an image column found".into(),
        ));
    }
    let t0 = std::time::Instant::now();
    let done = std::sync::atomic::AtomicU64::new(0);
    let tick = || progress(done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1);
    let hasher = Hasher::open(opts.device)?;
    let mut infos = inspect_files(sources, opts, &hasher, &tick)?;
    let mut chunk: Vec<(String, Vec<u8>)> = Vec::new();
    let flush = |chunk: &mut Vec<(String, Vec<u8>)>, infos: &mut Vec<ImageInfo>| -> Result<()> {
        let host = !hasher.on_gpu();
        let decoded = crate::util::pool::install(|| {
            chunk
                .par_iter()
                .map(|(n, b)| {
                    let i = inspect_inner(n, b, opts, host);
                    tick();
                    i
                })
                .collect()
        });
        infos.extend(hasher.finish(decoded)?);
        chunk.clear();
        Ok(())
    };
    for s in sources {
        match s {
            Source::File(_) => {}
            Source::Tar(path) => {
                tar_members(path, &mut infos, &mut |name, bytes, infos| {
                    chunk.push((name, bytes));
                    if chunk.len() >= CHUNK {
                        flush(&mut chunk, infos)?;
                    }
                    Ok(())
                })?;
                flush(&mut chunk, &mut infos)?;
            }
            Source::Table { path, column } => {
                let mut failed = None;
                table_images(path, column.as_deref(), &mut |name, bytes| {
                    match bytes {
                        Some(b) => chunk.push((name, b.to_vec())),
                        None => infos.push(ImageInfo {
                            path: name,
                            error: Some("null image".into()),
                            ..Default::default()
                        }),
                    }
                    if chunk.len() >= CHUNK && failed.is_none() {
                        failed = flush(&mut chunk, &mut infos).err();
                    }
                })?;
                if let Some(e) = failed {
                    return Err(e);
                }
                flush(&mut chunk, &mut infos)?;
            }
        }
    }
    if infos.is_empty() {
        return Err(Error::NoInput(
            "no images found in the given sources".into(),
        ));
    }
    let ok: Vec<usize> = (0..infos.len())
        .filter(|&i| infos[i].error.is_none())
        .collect();
    flag(&mut infos, &ok, opts);
    let (clusters, exact_copy) = cluster(&mut infos, &ok, opts);
    let mut report = summarize(&infos, &ok, &clusters, &exact_copy, opts)?;
    report.hash_device = hasher.describe();
    report.seconds = t0.elapsed().as_secs_f64();
    Ok((report, infos))
}

/// The image files among `sources`, decoded and measured in parallel.
fn inspect_files(
    sources: &[Source],
    opts: &ImageOptions,
    hasher: &Hasher,
    tick: &(dyn Fn() + Sync),
) -> Result<Vec<ImageInfo>> {
    let files: Vec<&PathBuf> = sources
        .iter()
        .filter_map(|s| match s {
            Source::File(p) => Some(p),
            _ => None,
        })
        .collect();
    if !hasher.on_gpu() {
        return Ok(crate::util::pool::install(|| {
            files
                .par_iter()
                .map(|f| {
                    let i = inspect(f, opts);
                    tick();
                    i
                })
                .collect()
        }));
    }
    let mut infos = Vec::with_capacity(files.len());
    for part in files.chunks(CHUNK) {
        let decoded = crate::util::pool::install(|| {
            part.par_iter()
                .map(|f| {
                    let i = inspect_path(f, opts, false);
                    tick();
                    i
                })
                .collect()
        });
        infos.extend(hasher.finish(decoded)?);
    }
    Ok(infos)
}

/// What [`tar_members`] hands a member to: its name, its bytes and the rows so far.
type Member<'a> = dyn FnMut(String, Vec<u8>, &mut Vec<ImageInfo>) -> Result<()> + 'a;

/// Hand every image member of the tar shard `path` to `each` (named `shard:member`); members
/// that cannot be read become error rows in `infos`, and a broken archive ends the walk there.
fn tar_members(path: &Path, infos: &mut Vec<ImageInfo>, each: &mut Member) -> Result<()> {
    let ioerr = |e: std::io::Error| Error::Io {
        path: path.to_path_buf(),
        source: e,
    };
    let f = std::fs::File::open(path).map_err(ioerr)?;
    let archive_len = f.metadata().map_err(ioerr)?.len();
    let gz = is_gzip(path);
    let reader: Box<dyn std::io::Read> = if gz {
        Box::new(flate2::read::MultiGzDecoder::new(std::io::BufReader::new(
            f,
        )))
    } else {
        Box::new(std::io::BufReader::new(f))
    };
    // What a member may claim: no more than an uncompressed archive holds, and no more than an
    // image file may be, whatever its header says.
    let most = if gz {
        MAX_IMAGE_BYTES
    } else {
        archive_len.min(MAX_IMAGE_BYTES)
    };
    let failed = |path: String, error: String| ImageInfo {
        path,
        error: Some(error),
        ..Default::default()
    };
    let mut ar = tar::Archive::new(reader);
    for (k, e) in ar.entries().map_err(ioerr)?.enumerate() {
        let mut e = match e {
            Ok(e) => e,
            Err(err) => {
                // A broken archive: nothing after this point can be found.
                let at = format!("{}:#{k}", path.display());
                infos.push(failed(at, format!("unreadable tar member: {err}")));
                break;
            }
        };
        let name = e.path().map(|p| p.to_path_buf()).unwrap_or_default();
        if !e.header().entry_type().is_file() || !is_image_name(&name) {
            continue;
        }
        let full = format!("{}:{}", path.display(), name.display());
        let size = e.size();
        if size > most {
            let truncated = size > archive_len && !gz;
            infos.push(failed(full, if truncated {
                format!("truncated tar member: its header claims {size} bytes, more than the archive's {archive_len}")
            } else {
                format!("tar member of {size} bytes: larger than the {MAX_IMAGE_BYTES} bytes an image may have")
            }));
            if truncated {
                break; // nothing after it can be found
            }
            continue;
        }
        let mut b = Vec::with_capacity(size as usize);
        match std::io::Read::read_to_end(&mut e, &mut b) {
            Ok(_) if (b.len() as u64) < size => {
                let m = format!("truncated tar member: {} of its {size} bytes", b.len());
                infos.push(failed(full, m));
                break;
            }
            Ok(_) => each(full, b, infos)?,
            Err(err) => {
                infos.push(failed(full, format!("unreadable tar member: {err}")));
                break;
            }
        }
    }
    Ok(())
}

/// Quality flags of every image. Blurry is relative to the set's own median sharpness.
fn flag(infos: &mut [ImageInfo], ok: &[usize], opts: &ImageOptions) {
    // Sharpness relative to contrast: darkening or fading an image scales both alike, blurring
    // lowers only the first.
    let rel = |i: &ImageInfo| i.sharpness / (i.contrast * i.contrast + 1.0);
    let mut sharp: Vec<f64> = ok.iter().map(|&i| rel(&infos[i])).collect();
    sharp.sort_by(f64::total_cmp);
    let median_sharp = if sharp.is_empty() {
        0.0
    } else {
        sharp[sharp.len() / 2]
    };
    for info in infos.iter_mut() {
        if info.error.is_some() {
            info.flags.push("unreadable".into());
            continue;
        }
        if info.brightness < opts.dark {
            info.flags.push("dark".into());
        }
        if info.brightness > opts.bright {
            info.flags.push("bright".into());
        }
        if info.entropy < opts.low_entropy {
            info.flags.push("low_information".into());
        } else if rel(info) < opts.blurry_share * median_sharp {
            // An image of almost no information is not also called blurry.
            info.flags.push("blurry".into());
        }
        if info.aspect > opts.max_aspect {
            info.flags.push("odd_aspect".into());
        }
        if info.width.min(info.height) < opts.min_side {
            info.flags.push("odd_size".into());
        }
    }
}

/// Duplicate clusters (largest first), numbered into `infos`, and which images are exact
/// copies of an earlier one: exact by pixel hash, near by pHash radius, joined by union-find.
fn cluster(
    infos: &mut [ImageInfo],
    ok: &[usize],
    opts: &ImageOptions,
) -> (Vec<Vec<usize>>, Vec<bool>) {
    let mut sets = crate::util::union_find::UnionFind::new(infos.len());
    let mut by_pixels: Vec<(u64, usize)> = ok.iter().map(|&i| (infos[i].pixel_hash, i)).collect();
    by_pixels.sort_unstable();
    let mut exact_copy = vec![false; infos.len()];
    for run in by_pixels.chunk_by(|a, b| a.0 == b.0) {
        for x in &run[1..] {
            sets.union(run[0].1, x.1);
            exact_copy[x.1] = true;
        }
    }
    // Near duplicates among images with content: every blank image has the same pHash, so
    // low-information images are linked only as exact copies.
    let content: Vec<usize> = ok
        .iter()
        .copied()
        .filter(|&i| !infos[i].flags.iter().any(|f| f == "low_information"))
        .collect();
    let hashes: Vec<u64> = content.iter().map(|&i| infos[i].phash).collect();
    for (a, b) in hash::near_pairs(&hashes, opts.radius) {
        sets.union(content[a], content[b]);
    }
    let roots = sets.roots();
    let mut members: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for (i, &r) in roots.iter().enumerate() {
        members.entry(r).or_default().push(i);
    }
    let mut clusters: Vec<Vec<usize>> = members.into_values().filter(|m| m.len() > 1).collect();
    clusters.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
    for (id, m) in clusters.iter().enumerate() {
        for &i in m {
            infos[i].cluster = Some(id as u32);
        }
    }
    (clusters, exact_copy)
}

/// The report of flagged and clustered images (its device and time are the caller's to set).
fn summarize(
    infos: &[ImageInfo],
    ok: &[usize],
    clusters: &[Vec<usize>],
    exact_copy: &[bool],
    opts: &ImageOptions,
) -> Result<ImageReport> {
    let exact_duplicates = exact_copy.iter().filter(|&&x| x).count() as u64;
    let in_clusters: u64 = clusters.iter().map(|m| m.len() as u64 - 1).sum();
    let mut formats = std::collections::BTreeMap::new();
    for i in infos {
        if let Some(f) = &i.format {
            *formats.entry(f.clone()).or_insert(0) += 1;
        }
    }
    let flag_names = [
        "unreadable",
        "blurry",
        "dark",
        "bright",
        "low_information",
        "odd_aspect",
        "odd_size",
    ];
    let flags = flag_names
        .iter()
        .map(|&f| {
            let with: Vec<&ImageInfo> = infos
                .iter()
                .filter(|i| i.flags.iter().any(|g| g == f))
                .collect();
            FlagCount {
                flag: f.into(),
                count: with.len() as u64,
                examples: with.iter().take(5).map(|i| i.path.clone()).collect(),
            }
        })
        .collect();
    // The numeric metrics' distributions; their quantiles from DDSketch alone (a small state:
    // no exact value lists, no top values, the smallest HyperLogLog).
    let t = table(infos);
    let numeric: Vec<usize> = (0..t.num_columns())
        .filter(|&c| crate::metrics::moments::cpu::is_numeric(t.schema().field(c).data_type()))
        .filter(|&c| !matches!(t.schema().field(c).name().as_str(), "readable" | "cluster"))
        .collect();
    let metrics = crate::schedule::profile_batches(
        &[t.project(&numeric).expect("columns exist")],
        &crate::ProfileOptions {
            device: crate::Device::Cpu,
            duplicate_rows: false,
            sketch: Some(crate::metrics::sketch::SketchOptions {
                precision: crate::metrics::sketch::hll::MIN_PRECISION,
                counters: 0,
                exact_limit: 0,
                ..Default::default()
            }),
            ..Default::default()
        },
    )?;
    Ok(ImageReport {
        images: infos.len() as u64,
        readable: ok.len() as u64,
        unreadable: (infos.len() - ok.len()) as u64,
        formats,
        flags,
        exact_duplicates,
        near_duplicates: in_clusters - exact_duplicates.min(in_clusters),
        clusters: clusters.len() as u64,
        largest_clusters: clusters
            .iter()
            .take(10)
            .map(|m| ImageCluster {
                size: m.len() as u64,
                exact: m[1..].iter().all(|&i| exact_copy[i]),
                images: m.iter().take(10).map(|&i| infos[i].path.clone()).collect(),
            })
            .collect(),
        options: opts.clone(),
        metrics,
        hash_device: String::new(),
        seconds: 0.0,
    })
}
