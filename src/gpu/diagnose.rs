//! Why no adapter is usable, and what `datassay devices` lists.

use super::context::instance;
use serde::Serialize;

/// Why no adapter is usable, with what to try. Looks at what the machine has.
pub fn diagnose() -> String {
    let mut hints = Vec::new();
    let has = |p: &str| std::path::Path::new(p).exists();
    let in_path = std::env::var_os("LD_LIBRARY_PATH")
        .is_some_and(|v| std::env::split_paths(&v).any(|d| d.join("libvulkan.so.1").exists()));
    let loader = in_path
        || [
            "/usr/lib/x86_64-linux-gnu/libvulkan.so.1",
            "/usr/lib/aarch64-linux-gnu/libvulkan.so.1",
            "/usr/lib64/libvulkan.so.1",
            "/usr/lib/libvulkan.so.1",
        ]
        .iter()
        .any(|p| has(p));
    if cfg!(target_os = "linux") {
        if !loader {
            hints.push(
                "no Vulkan loader (libvulkan.so.1): install it (Debian/Ubuntu: apt-get install libvulkan1)"
                    .to_string(),
            );
        }
        if has("/dev/nvidiactl") && !has("/dev/nvidia-modeset") {
            hints.push(
                "the NVIDIA driver is present but /dev/nvidia-modeset is missing, which its Vulkan ICD needs: create it as root with `mknod -m 666 /dev/nvidia-modeset c 195 254`"
                    .to_string(),
            );
        }
        let icd = ["/usr/share/vulkan/icd.d", "/etc/vulkan/icd.d"]
            .iter()
            .any(|d| {
                std::fs::read_dir(d)
                    .map(|mut r| r.next().is_some())
                    .unwrap_or(false)
            });
        if loader && !icd {
            hints.push(
                "no Vulkan driver (ICD) is installed: install your GPU's Vulkan driver, or Mesa's software one to run the GPU path on the CPU (apt-get install mesa-vulkan-drivers)"
                    .to_string(),
            );
        }
    }
    if let Some(h) = manifest_hint() {
        hints.push(h);
    }
    for var in ["VK_ICD_FILENAMES", "VK_DRIVER_FILES"] {
        if let Some(v) = std::env::var_os(var) {
            hints.push(format!(
                "{var} is set ({}): the Vulkan loader only looks there",
                v.to_string_lossy()
            ));
        }
    }
    if hints.is_empty() {
        hints.push(
            "no adapter with compute support was found by Vulkan, Metal or DX12 (on Linux, `vulkaninfo --summary` shows what the Vulkan loader sees)"
                .into(),
        );
    }
    hints.join("; ")
}

/// The Vulkan manifests the loader reads when no override is set.
const ICD_DIRS: &[&str] = &["/usr/share/vulkan/icd.d", "/etc/vulkan/icd.d"];

/// A Vulkan manifest of the NVIDIA driver that names its GLX flavour (`libGLX_nvidia`), on a
/// machine without an X server: the driver then fails to create an instance ("Could not get
/// 'vkCreateInstance'") and the GPU is invisible, although the EGL flavour of the same driver
/// works headless. Returns the fix, or `None` when the loader is pointed elsewhere
/// (`VK_DRIVER_FILES`, `VK_ICD_FILENAMES`) or a display is there.
pub fn manifest_hint() -> Option<String> {
    let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty());
    if set("VK_DRIVER_FILES") || set("VK_ICD_FILENAMES") || set("DISPLAY") {
        return None;
    }
    let dirs: Vec<&std::path::Path> = ICD_DIRS.iter().map(std::path::Path::new).collect();
    glx_manifest(&dirs)
}

/// [`manifest_hint`] over the manifests in `dirs`.
fn glx_manifest(dirs: &[&std::path::Path]) -> Option<String> {
    for d in dirs {
        let Ok(entries) = std::fs::read_dir(d) else {
            continue;
        };
        let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for p in paths {
            let name = p.file_name()?.to_string_lossy().to_string();
            if !name.starts_with("nvidia") || !name.ends_with(".json") {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&p) else {
                continue;
            };
            if text.contains("libGLX_nvidia") {
                return Some(format!(
                    "the NVIDIA Vulkan manifest {} names the GLX flavour of the driver (libGLX_nvidia), which fails without an X server; use the EGL flavour: write {{\"file_format_version\":\"1.0.0\",\"ICD\":{{\"library_path\":\"libEGL_nvidia.so.0\",\"api_version\":\"1.3.0\"}}}} to a file and set VK_DRIVER_FILES to its path",
                    p.display()
                ));
            }
        }
    }
    None
}

/// One adapter as `datassay devices` shows it.
#[derive(Debug, Serialize)]
pub struct AdapterReport {
    /// The adapter's name, as its driver reports it.
    pub name: String,
    /// The graphics API wgpu reaches it through (`Vulkan`, `Metal`, `Dx12`, `Gl`).
    pub backend: String,
    /// `DiscreteGpu`, `IntegratedGpu`, `VirtualGpu`, `Cpu` (a software driver) or `Other`.
    pub device_type: String,
    /// The driver's name; empty when unknown.
    pub driver: String,
    /// The driver's version and details; empty when unknown.
    pub driver_info: String,
    /// Shaders can use 64-bit floats (`SHADER_F64`).
    pub shader_f64: bool,
    /// Shaders can use 16-bit floats (`SHADER_F16`).
    pub shader_f16: bool,
    /// Shaders can use 64-bit integers (`SHADER_INT64`).
    pub shader_int64: bool,
    /// Shaders can use subgroup operations (`SUBGROUP`).
    pub subgroup: bool,
    /// The GPU can time its passes (`TIMESTAMP_QUERY`).
    pub timestamp_query: bool,
    /// The driver keeps compiled pipelines datassay can store between runs.
    pub pipeline_cache: bool,
    /// The largest storage buffer one binding can reach, in bytes.
    pub max_storage_buffer_binding_size: u64,
    /// The largest buffer the adapter can create, in bytes.
    pub max_buffer_size: u64,
    /// Workgroup memory available to one compute workgroup, in bytes.
    pub max_compute_workgroup_storage_size: u32,
    /// The most invocations (threads) one compute workgroup may have.
    pub max_compute_invocations_per_workgroup: u32,
    /// Whether datassay would pick it (first of the preferred kind).
    pub preferred: bool,
}

/// Every adapter wgpu finds.
pub fn list_adapters() -> Vec<AdapterReport> {
    let inst = instance();
    let adapters = pollster::block_on(inst.enumerate_adapters(wgpu::Backends::all()));
    let preferred = pollster::block_on(inst.request_adapter(&wgpu::RequestAdapterOptions {
        power_preference: wgpu::PowerPreference::HighPerformance,
        ..Default::default()
    }))
    .ok()
    .map(|a| a.get_info());
    adapters
        .iter()
        .map(|a| {
            let i = a.get_info();
            let f = a.features();
            let l = a.limits();
            AdapterReport {
                preferred: preferred
                    .as_ref()
                    .is_some_and(|p| p.name == i.name && p.backend == i.backend),
                name: i.name,
                backend: format!("{:?}", i.backend),
                device_type: format!("{:?}", i.device_type),
                driver: i.driver,
                driver_info: i.driver_info,
                shader_f64: f.contains(wgpu::Features::SHADER_F64),
                shader_f16: f.contains(wgpu::Features::SHADER_F16),
                shader_int64: f.contains(wgpu::Features::SHADER_INT64),
                subgroup: f.contains(wgpu::Features::SUBGROUP),
                timestamp_query: f.contains(wgpu::Features::TIMESTAMP_QUERY),
                pipeline_cache: f.contains(wgpu::Features::PIPELINE_CACHE),
                max_storage_buffer_binding_size: l.max_storage_buffer_binding_size,
                max_buffer_size: l.max_buffer_size,
                max_compute_workgroup_storage_size: l.max_compute_workgroup_storage_size,
                max_compute_invocations_per_workgroup: l.max_compute_invocations_per_workgroup,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_glx_manifest_is_diagnosed_and_an_egl_one_is_not() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("nvidia_icd.json");
        let m = |lib: &str| {
            format!(
                r#"{{"file_format_version":"1.0.0","ICD":{{"library_path":"{lib}","api_version":"1.3.277"}}}}"#
            )
        };
        std::fs::write(&f, m("libGLX_nvidia.so.0")).unwrap();
        let hint = super::glx_manifest(&[d.path()]).expect("the GLX manifest is named");
        assert!(hint.contains("nvidia_icd.json") && hint.contains("libEGL_nvidia.so.0"));
        std::fs::write(&f, m("libEGL_nvidia.so.0")).unwrap();
        assert_eq!(super::glx_manifest(&[d.path()]), None);
        std::fs::write(d.path().join("lvp_icd.json"), m("libvulkan_lvp.so")).unwrap();
        assert_eq!(super::glx_manifest(&[d.path()]), None);
    }
}
