//! `datassay devices`: the GPU adapters datassay can use, or why there is none; the break-even
//! input size of `--device auto`; the cache folder.

use super::{say, Failure, EXIT_INPUT, EXIT_OTHER};

/// The cache folder and what `--device auto` reads from it, as lines.
fn cache_lines() -> String {
    use datassay::gpu::cache;
    let mut out = String::new();
    match cache::dir() {
        None => out.push_str("cache: off (DATASSAY_CACHE_DIR is empty, or no home folder)\n"),
        Some(d) => {
            let size = dir_size(&d);
            out.push_str(&format!(
                "cache: {} ({:.1} MB; compiled pipelines and the break-even; `--clear-cache` deletes it)\n",
                d.display(),
                size as f64 / 1e6
            ));
        }
    }
    out.push_str(&match datassay::gpu::break_even() {
        Some(b) => match b.bytes {
            Some(x) => format!(
                "break-even: --device auto takes the GPU from {:.2} GB of input (measured by `datassay bench` on {}: cpu {:.2} GB/s on {} threads, gpu {:.2} GB/s, setup {:.2} s)\n",
                x as f64 / 1e9, b.gpu, b.cpu_bytes_per_s / 1e9, b.cpu_threads, b.gpu_bytes_per_s / 1e9, b.gpu_setup_s
            ),
            None => format!(
                "break-even: never; --device auto profiles tables on the CPU (measured by `datassay bench` on {}: cpu {:.2} GB/s on {} threads, gpu {:.2} GB/s)\n",
                b.gpu, b.cpu_bytes_per_s / 1e9, b.cpu_threads, b.gpu_bytes_per_s / 1e9
            ),
        },
        None => "break-even: not measured; --device auto profiles tables on the CPU until `datassay bench` measures that the GPU's whole profile wins on this machine (images, dedup and outliers take a hardware GPU unless `datassay bench` measured it slower for them)\n".to_string(),
    });
    for (name, r) in datassay::gpu::pipeline_rates() {
        out.push_str(&format!(
            "{name}: --device auto uses the {} (measured by `datassay bench` on {}: cpu {:.0} {} a second on {} threads, gpu {:.0})\n",
            if r.gpu_per_s > r.cpu_per_s { "GPU" } else { "CPU" },
            r.gpu, r.cpu_per_s, r.unit, r.cpu_threads, r.gpu_per_s
        ));
    }
    out
}

fn dir_size(d: &std::path::Path) -> u64 {
    let Ok(rd) = std::fs::read_dir(d) else {
        return 0;
    };
    rd.flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_size(&e.path()),
            Ok(t) if t.is_file() => e.metadata().map_or(0, |m| m.len()),
            _ => 0,
        })
        .sum()
}

/// Delete what datassay keeps in the cache folder (`pipelines/`, `break-even.json`), and the
/// folder when nothing else is in it: `DATASSAY_CACHE_DIR` may name a folder shared with other
/// programs, whose files are never touched.
fn clear() -> Result<i32, Failure> {
    let Some(d) = datassay::gpu::cache::dir() else {
        say("cache: off; nothing to delete\n")?;
        return Ok(0);
    };
    if !d.exists() {
        say(&format!("cache: {} does not exist\n", d.display()))?;
        return Ok(0);
    }
    if !d.is_dir() {
        return Err(Failure(
            EXIT_INPUT,
            format!(
                "{}: not a folder (the cache folder, from DATASSAY_CACHE_DIR); nothing deleted",
                d.display()
            ),
        ));
    }
    let fail = |p: &std::path::Path, e: std::io::Error| {
        Failure(EXIT_OTHER, format!("{}: cannot delete: {e}", p.display()))
    };
    let pipelines = d.join("pipelines");
    if pipelines.is_dir() {
        for e in std::fs::read_dir(&pipelines)
            .map_err(|e| fail(&pipelines, e))?
            .flatten()
        {
            let p = e.path();
            if p.is_file() && p.extension().is_some_and(|x| x == "bin") {
                std::fs::remove_file(&p).map_err(|e| fail(&p, e))?;
            }
        }
        let _ = std::fs::remove_dir(&pipelines);
    }
    for name in ["break-even.json", "pipelines.json"] {
        let f = d.join(name);
        if f.is_file() {
            std::fs::remove_file(&f).map_err(|e| fail(&f, e))?;
        }
    }
    // Only an empty folder goes.
    let gone = std::fs::remove_dir(&d).is_ok();
    say(&format!(
        "cache: cleared {}{}\n",
        d.display(),
        if gone {
            " (and removed it)"
        } else {
            " (other files in it were left)"
        }
    ))?;
    Ok(0)
}

#[cfg(not(feature = "gpu"))]
pub fn run(json: bool, clear_cache: bool) -> Result<i32, Failure> {
    if clear_cache {
        return clear();
    }
    if json {
        say("{\"adapters\": [], \"diagnosis\": \"this build has no GPU support (feature `gpu`)\"}\n")?;
    } else {
        say(&cache_lines())?;
    }
    Err(Failure(EXIT_OTHER, datassay::gpu::NO_GPU_BUILD.into()))
}

#[cfg(feature = "gpu")]
pub fn run(json: bool, clear_cache: bool) -> Result<i32, Failure> {
    use std::fmt::Write;
    if clear_cache {
        return clear();
    }
    let list = datassay::gpu::list_adapters();
    let manifest = datassay::gpu::manifest_hint();
    let mut out = String::new();
    if json {
        let v = serde_json::json!({
            "adapters": list,
            "diagnosis": if list.is_empty() { Some(datassay::gpu::diagnose()) } else { None },
            "manifest": manifest,
            "cache_dir": datassay::gpu::cache::dir(),
            "break_even": datassay::gpu::break_even(),
            "pipelines": datassay::gpu::pipeline_rates(),
        });
        say(&format!("{}\n", serde_json::to_string_pretty(&v).unwrap()))?;
        return Ok(if list.is_empty() { EXIT_OTHER } else { 0 });
    }
    if list.is_empty() {
        writeln!(
            out,
            "no GPU adapter is usable: {}",
            datassay::gpu::diagnose()
        )
        .unwrap();
        writeln!(
            out,
            "datassay still runs: `--device auto` (the default) profiles on the CPU."
        )
        .unwrap();
    } else {
        for a in &list {
            writeln!(
                out,
                "{}{} [{} {}] driver: {} {}",
                if a.preferred { "* " } else { "  " },
                a.name,
                a.backend,
                a.device_type,
                a.driver,
                a.driver_info
            )
            .unwrap();
            let yes = |b: bool| if b { "yes" } else { "no" };
            writeln!(
                out,
                "    f64 {}  f16 {}  int64 {}  subgroups {}  timestamps {}  pipeline cache {}",
                yes(a.shader_f64),
                yes(a.shader_f16),
                yes(a.shader_int64),
                yes(a.subgroup),
                yes(a.timestamp_query),
                yes(a.pipeline_cache)
            )
            .unwrap();
            writeln!(out,
                "    max storage binding {} MiB, max buffer {} MiB, workgroup storage {} KiB, invocations {}",
                a.max_storage_buffer_binding_size >> 20,
                a.max_buffer_size >> 20,
                a.max_compute_workgroup_storage_size >> 10,
                a.max_compute_invocations_per_workgroup
            ).unwrap();
        }
        writeln!(
            out,
            "(* = the adapter datassay uses; without SHADER_F64 the kernels take the f32 path)"
        )
        .unwrap();
        if let Some(m) = &manifest {
            writeln!(out, "warning: {m}").unwrap();
        }
    }
    out.push_str(&cache_lines());
    say(&out)?;
    Ok(if list.is_empty() { EXIT_OTHER } else { 0 })
}
