//! Device plumbing: adapter choice, device creation, shader templating, and the reports of
//! `datassay devices`. It knows nothing about particular metrics.

use crate::error::{Error, Result};
use serde::Serialize;

/// An opened GPU: device, queue and what it can do.
pub struct GpuContext {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub info: wgpu::AdapterInfo,
    pub limits: wgpu::Limits,
    /// The adapter has SHADER_F64 (and the device was opened with it).
    pub f64: bool,
}

fn instance() -> wgpu::Instance {
    wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env())
}

/// Why no adapter is usable, with what to try. Looks at what the machine has.
pub fn diagnose() -> String {
    let mut hints = Vec::new();
    let has = |p: &str| std::path::Path::new(p).exists();
    let loader = [
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

impl GpuContext {
    /// Open the preferred adapter (high performance, hardware before software). With
    /// `allow_software` false, a software rasteriser (Mesa's llvmpipe, WARP) is refused: the CPU
    /// twins are several times faster than it.
    pub fn new(allow_software: bool) -> Result<GpuContext> {
        let inst = instance();
        let adapter = pollster::block_on(inst.request_adapter(&wgpu::RequestAdapterOptions {
            power_preference: wgpu::PowerPreference::HighPerformance,
            ..Default::default()
        }))
        .map_err(|_| Error::Gpu(format!("no GPU adapter found: {}", diagnose())))?;
        let info = adapter.get_info();
        if !allow_software && info.device_type == wgpu::DeviceType::Cpu {
            return Err(Error::Gpu(format!(
                "only a software adapter ({}), slower than the CPU path; `--device gpu` uses it anyway",
                info.name
            )));
        }
        let want = wgpu::Features::SHADER_F64 | wgpu::Features::TIMESTAMP_QUERY;
        let features = adapter.features() & want;
        let limits = adapter.limits();
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("datassay"),
            required_features: features,
            required_limits: limits.clone(),
            experimental_features: wgpu::ExperimentalFeatures::disabled(),
            memory_hints: wgpu::MemoryHints::Performance,
            trace: wgpu::Trace::Off,
        }))
        .map_err(|e| Error::Gpu(format!("cannot open {}: {e}", info.name)))?;
        Ok(GpuContext {
            device,
            queue,
            info,
            limits,
            f64: features.contains(wgpu::Features::SHADER_F64),
        })
    }

    /// `name (backend, driver)`.
    pub fn describe(&self) -> String {
        format!(
            "{} ({:?}, {})",
            self.info.name, self.info.backend, self.info.driver
        )
    }

    /// A compute pipeline from a WGSL file of `shaders/` with a prelude of aliases prepended.
    pub fn pipeline(&self, label: &str, prelude: &str, source: &str) -> wgpu::ComputePipeline {
        let code = format!("{prelude}\n{source}");
        let module = self
            .device
            .create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(label),
                source: wgpu::ShaderSource::Wgsl(code.into()),
            });
        self.compute_pipeline(label, &module)
    }

    /// As [`GpuContext::pipeline`] (no prelude), without naga's runtime bounds checks.
    ///
    /// # Safety
    /// Every index the shader computes into a buffer, workgroup or private array must be in
    /// bounds for every dispatch the caller makes: an out-of-bounds access is then undefined
    /// behaviour on the GPU instead of a clamped one.
    pub unsafe fn pipeline_unchecked(&self, label: &str, code: &str) -> wgpu::ComputePipeline {
        // SAFETY: passed on to the caller (see above).
        let module = unsafe {
            self.device.create_shader_module_trusted(
                wgpu::ShaderModuleDescriptor {
                    label: Some(label),
                    source: wgpu::ShaderSource::Wgsl(code.into()),
                },
                wgpu::ShaderRuntimeChecks::unchecked(),
            )
        };
        self.compute_pipeline(label, &module)
    }

    fn compute_pipeline(&self, label: &str, module: &wgpu::ShaderModule) -> wgpu::ComputePipeline {
        self.device
            .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(label),
                layout: None,
                module,
                entry_point: Some("main"),
                compilation_options: wgpu::PipelineCompilationOptions {
                    constants: &[],
                    // The kernels clear the workgroup memory they use.
                    zero_initialize_workgroup_memory: false,
                },
                cache: None,
            })
    }

    /// Wait for the queue to drain; an error the device reported meanwhile (captured into
    /// `error` by an `on_uncaptured_error` handler) becomes [`Error::Gpu`].
    pub fn wait(&self, error: &std::sync::Mutex<Option<String>>) -> Result<()> {
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| Error::Gpu(format!("device poll failed: {e}")))?;
        if let Some(e) = error.lock().unwrap().take() {
            return Err(Error::Gpu(e));
        }
        Ok(())
    }
}

/// One adapter as `datassay devices` shows it.
#[derive(Debug, Serialize)]
pub struct AdapterReport {
    pub name: String,
    pub backend: String,
    pub device_type: String,
    pub driver: String,
    pub driver_info: String,
    pub shader_f64: bool,
    pub shader_f16: bool,
    pub shader_int64: bool,
    pub subgroup: bool,
    pub timestamp_query: bool,
    pub max_storage_buffer_binding_size: u64,
    pub max_buffer_size: u64,
    pub max_compute_workgroup_storage_size: u32,
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
                max_storage_buffer_binding_size: l.max_storage_buffer_binding_size,
                max_buffer_size: l.max_buffer_size,
                max_compute_workgroup_storage_size: l.max_compute_workgroup_storage_size,
                max_compute_invocations_per_workgroup: l.max_compute_invocations_per_workgroup,
            }
        })
        .collect()
}
