//! `datassay bench --minhash-docs`: MinHash signatures of a synthetic corpus on the CPU and the
//! GPU, and whether the two agree.

use super::{best, timed};
use crate::error::{Error, Result};
use crate::schedule::Device;
use rayon::prelude::*;
use serde::Serialize;

/// One measured MinHash figure, in documents and bytes of text per second.
#[derive(Clone, Debug, Serialize)]
pub struct TextMeasure {
    pub name: String,
    pub docs_per_s: f64,
    /// Megabytes (1e6) of UTF-8 text per second.
    pub mb_per_s: f64,
    pub seconds: f64,
    pub note: String,
}

/// What `datassay bench --minhash-docs N` measured.
#[derive(Clone, Debug, Serialize)]
pub struct MinhashReport {
    pub docs: usize,
    pub text_bytes: usize,
    pub shingles: usize,
    pub perms: usize,
    pub threads: usize,
    pub device: String,
    pub measures: Vec<TextMeasure>,
}

/// How a GPU result compares with the CPU twin's, for a measurement's note.
#[cfg(feature = "gpu")]
pub(super) fn agreement(same: bool) -> &'static str {
    if same {
        "bit-identical to the cpu"
    } else {
        "DIFFERS from the cpu"
    }
}

/// MinHash throughput on `docs` documents of the planted corpus (150 words on average, 5-word
/// shingles, 128 permutations): normalising and shingle hashing on all cores; signatures from
/// the shingle hashes on one core, on all cores and on the GPU (upload, kernel and readback:
/// the kernel's share of a dedup run; the device is opened beforehand, and the best of `reps`
/// runs leaves out the first run's shader compilation); and a whole dedup run from memory.
///
/// Long because it is the benchmark's script for text: each step times one stage and adds its row,
/// in the order the report lists them.
pub fn minhash(
    docs: usize,
    reps: usize,
    device: Device,
    progress: &dyn Fn(&str),
) -> Result<MinhashReport> {
    use crate::dedup::{self, Corpus, DedupOptions};
    use crate::metrics::minhash::{self as mh, Normalize, Shingle};
    progress(&format!("minhash: generating {docs} documents"));
    let (texts, _) = dedup::synthetic::corpus(docs, 150, 0.04, 0.12, &[0.01, 0.05, 0.3], 42);
    let bytes: usize = texts.iter().map(String::len).sum();
    let seeds = mh::seeds(mh::DEFAULT_PERMS);
    let mut measures = Vec::new();
    let add = |m: &mut Vec<TextMeasure>, name: String, secs: f64, note: String| {
        m.push(TextMeasure {
            name,
            docs_per_s: docs as f64 / secs,
            mb_per_s: bytes as f64 / secs / 1e6,
            seconds: secs,
            note,
        })
    };
    let threads = crate::util::pool::threads();
    progress("minhash: normalise + shingle hashes (cpu)");
    let mut lists: Vec<Vec<u32>> = Vec::new();
    let t = best(reps, || {
        crate::util::pool::install(|| {
            lists = texts
                .par_iter()
                .map(|t| {
                    let n = mh::normalize(t, Normalize::default());
                    let mut h = mh::shingle_hashes(&n, Shingle::Words(5)).0;
                    h.sort_unstable();
                    h.dedup();
                    h
                })
                .collect()
        });
        Ok(())
    })?;
    let shingles: usize = lists.iter().map(Vec::len).sum();
    add(
        &mut measures,
        format!("normalise + shingle hash, {threads} threads"),
        t,
        "lowercase, collapse whitespace, MurmurHash3 of 5-word shingles".into(),
    );
    progress("minhash: signatures (cpu, 1 and all threads)");
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .map_err(|e| Error::Option(format!("a one-thread pool: {e}")))?;
    let mut sink = 0u64;
    let (mut t1, mut ta) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..reps.max(1) {
        t1 = t1.min(timed(|| {
            sink += one.install(|| mh::signatures(&lists, &seeds))[0] as u64;
            Ok(())
        })?);
        ta = ta.min(timed(|| {
            sink += mh::signatures(&lists, &seeds)[0] as u64;
            Ok(())
        })?);
    }
    let note = format!("{} shingles, {} permutations", shingles, seeds.len());
    add(
        &mut measures,
        "signatures cpu, 1 thread".into(),
        t1,
        note.clone(),
    );
    add(
        &mut measures,
        format!("signatures cpu, {threads} threads"),
        ta,
        note.clone(),
    );
    #[cfg_attr(not(feature = "gpu"), allow(unused_mut))]
    let mut dname = "cpu".to_string();
    #[cfg(feature = "gpu")]
    if device != Device::Cpu {
        match crate::gpu::engine(device == Device::Gpu) {
            Ok(ctx) => {
                dname = ctx.describe();
                progress(&format!("minhash: signatures on {dname}"));
                let refs: Vec<&[u32]> = lists.iter().map(Vec::as_slice).collect();
                let mut same = true;
                let cpu = mh::signatures(&lists, &seeds);
                let t = best(reps.max(2), || {
                    let g = mh::gpu::signatures(&ctx, &refs, &seeds)?;
                    same &= g == cpu;
                    Ok(())
                })?;
                add(
                    &mut measures,
                    "signatures gpu (upload + kernel + readback)".into(),
                    t,
                    format!("{}; {}", note, agreement(same)),
                );
                let rate = crate::gpu::cache::PipelineRate {
                    cpu_per_s: docs as f64 / ta,
                    gpu_per_s: docs as f64 / t,
                    unit: "documents".into(),
                    gpu: dname.clone(),
                    cpu_threads: threads,
                };
                super::keep_pipeline_rate("minhash", ctx.is_software(), rate, progress);
                if let Some((k, passes)) = super::gpu::kernel_time(&ctx, 2, || {
                    mh::gpu::signatures(&ctx, &refs, &seeds).map(|_| ())
                })? {
                    add(
                        &mut measures,
                        "signatures gpu, kernel (timestamps)".into(),
                        k,
                        format!("{note}; {passes} passes"),
                    );
                }
            }
            Err(e) if device == Device::Gpu => return Err(e),
            Err(e) => progress(&format!("no gpu ({e}); gpu figure skipped")),
        }
    }
    std::hint::black_box(sink);
    progress("minhash: dedup end to end from memory");
    let opts = DedupOptions {
        column: "text".into(),
        device: if dname == "cpu" { Device::Cpu } else { device },
        ..Default::default()
    };
    let mut found = 0;
    let t = best(reps, || {
        let c = Corpus::from_texts(&texts, "bench", &opts)?;
        found = dedup::dedup(&c, &opts, 0.0)?.report.pairs;
        Ok(())
    })?;
    add(
        &mut measures,
        format!(
            "dedup end to end ({})",
            if dname == "cpu" { "cpu" } else { "gpu" }
        ),
        t,
        format!("{found} duplicate pairs; includes opening the device"),
    );
    Ok(MinhashReport {
        docs,
        text_bytes: bytes,
        shingles,
        perms: seeds.len(),
        threads,
        device: dname,
        measures,
    })
}

/// The MinHash figures as a table.
pub fn minhash_table(r: &MinhashReport) -> String {
    let mut s = format!(
        "{} documents ({:.1} MB of text, {} shingles), {} permutations, {} threads, {}\n{:<44} {:>11} {:>9} {:>10}  {}\n",
        r.docs,
        r.text_bytes as f64 / 1e6,
        r.shingles,
        r.perms,
        r.threads,
        r.device,
        "measurement",
        "docs/s",
        "MB/s",
        "seconds",
        "note"
    );
    for m in &r.measures {
        s.push_str(&format!(
            "{:<44} {:>11.0} {:>9.1} {:>10.4}  {}\n",
            m.name, m.docs_per_s, m.mb_per_s, m.seconds, m.note
        ));
    }
    s
}
