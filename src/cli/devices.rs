//! `datassay devices`: the GPU adapters datassay can use, or why there is none.

#[cfg(feature = "gpu")]
use super::say;
use super::{Failure, EXIT_OTHER};

#[cfg(not(feature = "gpu"))]
pub fn run(_json: bool) -> Result<i32, Failure> {
    Err(Failure(
        EXIT_OTHER,
        "datassay was built without the gpu feature".into(),
    ))
}

#[cfg(feature = "gpu")]
pub fn run(json: bool) -> Result<i32, Failure> {
    use std::fmt::Write;
    let list = datassay::gpu::list_adapters();
    let mut out = String::new();
    if json {
        let v = serde_json::json!({ "adapters": list, "diagnosis": if list.is_empty() { Some(datassay::gpu::diagnose()) } else { None } });
        say(&format!("{}\n", serde_json::to_string_pretty(&v).unwrap()))?;
    } else if list.is_empty() {
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
                "    f64 {}  f16 {}  int64 {}  subgroups {}  timestamps {}",
                yes(a.shader_f64),
                yes(a.shader_f16),
                yes(a.shader_int64),
                yes(a.subgroup),
                yes(a.timestamp_query)
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
    }
    say(&out)?;
    Ok(if list.is_empty() { EXIT_OTHER } else { 0 })
}
