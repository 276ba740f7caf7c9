//! An opened GPU: adapter choice, device creation, pipelines compiled once (and kept in the
//! on-disk pipeline cache), one sink for the device's errors, and its loss.

use super::timing::Timer;
use crate::error::{Error, Result};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// An opened GPU: device, queue and what it can do. Shared by every pipeline of the process
/// through [`super::engine`]; [`GpuContext::new`] opens a fresh one.
pub struct GpuContext {
    /// The logical device the kernels run on.
    pub device: wgpu::Device,
    /// The queue their work is submitted to.
    pub queue: wgpu::Queue,
    /// The adapter's name, backend, type and driver.
    pub info: wgpu::AdapterInfo,
    /// The limits the device was opened with: every limit the adapter offers.
    pub limits: wgpu::Limits,
    /// The adapter has SHADER_F64 (and the device was opened with it).
    pub f64: bool,
    /// The device was opened with TIMESTAMP_QUERY: kernels can be timed on the GPU's clock.
    pub timestamps: bool,
    /// The last error the device reported and nobody has taken yet.
    error: Arc<Mutex<Option<String>>>,
    /// Why the device was lost, once it is.
    lost: Arc<Mutex<Option<String>>>,
    /// Pipelines compiled so far, by a hash of their label and code.
    pipelines: Mutex<HashMap<u64, wgpu::ComputePipeline>>,
    /// The driver's pipeline cache and the file it is kept in, where the backend has one.
    cache: Option<(wgpu::PipelineCache, PathBuf)>,
    pub(super) timer: Mutex<Timer>,
    /// The process that opened it (a forked child must open its own).
    pub(super) pid: u32,
    /// Seconds the adapter and device took to open.
    pub open_seconds: f64,
}

pub(super) fn instance() -> wgpu::Instance {
    wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env())
}

impl GpuContext {
    /// Open the preferred adapter (high performance, hardware before software) on a device of
    /// its own. With `allow_software` false, a software rasteriser (Mesa's llvmpipe, WARP) is
    /// refused: the CPU twins are several times faster than it. Pipelines use
    /// [`super::engine`], which opens one of these per process.
    pub fn new(allow_software: bool) -> Result<GpuContext> {
        Self::open(allow_software).map_err(|(e, _)| e)
    }

    /// As [`GpuContext::new`]; the error says whether it refused a software adapter.
    pub(super) fn open(allow_software: bool) -> std::result::Result<GpuContext, (Error, bool)> {
        let t0 = std::time::Instant::now();
        let inst = instance();
        let adapter = pollster::block_on(inst.request_adapter(&wgpu::RequestAdapterOptions {
            power_preference: wgpu::PowerPreference::HighPerformance,
            ..Default::default()
        }))
        .map_err(|_| {
            (
                Error::Gpu(format!("no GPU adapter found: {}", super::diagnose())),
                false,
            )
        })?;
        let info = adapter.get_info();
        if !allow_software && info.device_type == wgpu::DeviceType::Cpu {
            return Err((Error::Gpu(software_refused(&info)), true));
        }
        let want = wgpu::Features::SHADER_F64
            | wgpu::Features::TIMESTAMP_QUERY
            | wgpu::Features::PIPELINE_CACHE;
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
        .map_err(|e| (Error::Gpu(format!("cannot open {}: {e}", info.name)), false))?;
        let mut ctx = GpuContext::from_device(device, queue, info);
        ctx.open_seconds = t0.elapsed().as_secs_f64();
        Ok(ctx)
    }

    /// Wrap a device the caller opened (an embedder with a renderer or a training loop of its
    /// own), to hand to [`super::install`]. The kernels use SHADER_F64, TIMESTAMP_QUERY and
    /// PIPELINE_CACHE when the device was opened with them and do without otherwise.
    ///
    /// wgpu keeps one uncaptured-error handler and one device-lost callback per device: this
    /// installs datassay's, which record the error for the pipeline that waits next, instead of
    /// wgpu's default handler (which panics).
    pub fn from_device(
        device: wgpu::Device,
        queue: wgpu::Queue,
        info: wgpu::AdapterInfo,
    ) -> GpuContext {
        let features = device.features();
        let limits = device.limits();
        let error = Arc::new(Mutex::new(None::<String>));
        {
            let error = error.clone();
            device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
                let mut slot = error.lock().unwrap_or_else(|p| p.into_inner());
                slot.get_or_insert_with(|| e.to_string());
            }));
        }
        let lost = Arc::new(Mutex::new(None::<String>));
        {
            let lost = lost.clone();
            // Destroyed too: an embedder that destroys its device has lost it for datassay.
            device.set_device_lost_callback(move |reason, message| {
                *lost.lock().unwrap_or_else(|p| p.into_inner()) =
                    Some(format!("device lost ({reason:?}): {message}"));
            });
        }
        let cache = if features.contains(wgpu::Features::PIPELINE_CACHE) {
            super::cache::pipeline_file(&info).map(|file| {
                let data = super::cache::read_pipeline_file(&file);
                // SAFETY: `data` is what `PipelineCache::get_data` returned for an adapter of
                // the same `pipeline_cache_key` (the file is named after it), written whole by
                // `save_pipeline_cache`; wgpu checks its header, size and hash before the
                // driver sees it, and `fallback` starts an empty cache when it does not fit.
                let cache = unsafe {
                    device.create_pipeline_cache(&wgpu::PipelineCacheDescriptor {
                        label: Some("datassay"),
                        data: data.as_deref(),
                        fallback: true,
                    })
                };
                (cache, file)
            })
        } else {
            None
        };
        GpuContext {
            timestamps: features.contains(wgpu::Features::TIMESTAMP_QUERY),
            f64: features.contains(wgpu::Features::SHADER_F64),
            device,
            queue,
            info,
            limits,
            error,
            lost,
            pipelines: Mutex::new(HashMap::new()),
            cache,
            timer: Mutex::new(Timer::default()),
            pid: std::process::id(),
            open_seconds: 0.0,
        }
    }

    /// `name (backend, driver)`.
    pub fn describe(&self) -> String {
        format!(
            "{} ({:?}, {})",
            self.info.name, self.info.backend, self.info.driver
        )
    }

    /// Whether the adapter is a software rasteriser (Mesa's llvmpipe, WARP).
    pub fn is_software(&self) -> bool {
        self.info.device_type == wgpu::DeviceType::Cpu
    }

    /// Why the device was lost, once it has been.
    pub fn lost(&self) -> Option<String> {
        self.lost.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Give the device up now (an embedder reclaiming its memory, or a watchdog): work in
    /// flight on it fails, each pipeline redoes it on the CPU with a notice, and
    /// [`super::engine`] opens a fresh device on next use.
    pub fn destroy(&self) {
        self.lost
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_or_insert_with(|| "device lost: destroyed".into());
        self.device.destroy();
    }

    /// The sink map callbacks report their failures into; [`GpuContext::wait`] raises them.
    pub fn error_sink(&self) -> Arc<Mutex<Option<String>>> {
        self.error.clone()
    }

    /// Take the error the device reported since the last call, with its loss first.
    pub fn check(&self) -> Result<()> {
        if let Some(e) = self.lost() {
            return Err(Error::Gpu(e));
        }
        match self.error.lock().unwrap_or_else(|p| p.into_inner()).take() {
            Some(e) => Err(Error::Gpu(e)),
            None => Ok(()),
        }
    }

    /// A compute pipeline from a WGSL file of `shaders/` with a prelude of aliases prepended,
    /// compiled once per process (and kept in the pipeline cache on disk).
    pub fn pipeline(&self, label: &str, prelude: &str, source: &str) -> wgpu::ComputePipeline {
        let code = format!("{prelude}\n{source}");
        self.memo(label, &code, false, || {
            self.device
                .create_shader_module(wgpu::ShaderModuleDescriptor {
                    label: Some(label),
                    source: wgpu::ShaderSource::Wgsl(code.as_str().into()),
                })
        })
    }

    /// As [`GpuContext::pipeline`] (no prelude), without naga's runtime bounds checks.
    ///
    /// # Safety
    /// Every index the shader computes into a buffer, workgroup or private array must be in
    /// bounds for every dispatch the caller makes: an out-of-bounds access is then undefined
    /// behaviour on the GPU instead of a clamped one.
    pub unsafe fn pipeline_unchecked(&self, label: &str, code: &str) -> wgpu::ComputePipeline {
        self.memo(label, code, true, || {
            // SAFETY: passed on to the caller (see above).
            unsafe {
                self.device.create_shader_module_trusted(
                    wgpu::ShaderModuleDescriptor {
                        label: Some(label),
                        source: wgpu::ShaderSource::Wgsl(code.into()),
                    },
                    wgpu::ShaderRuntimeChecks::unchecked(),
                )
            }
        })
    }

    /// Pipelines compiled so far in this context.
    pub fn pipelines_compiled(&self) -> usize {
        self.pipelines
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .len()
    }

    fn memo(
        &self,
        label: &str,
        code: &str,
        unchecked: bool,
        module: impl FnOnce() -> wgpu::ShaderModule,
    ) -> wgpu::ComputePipeline {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (label, code, unchecked).hash(&mut h);
        let key = h.finish();
        let mut map = self.pipelines.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(p) = map.get(&key) {
            return p.clone();
        }
        let module = module();
        let p = self
            .device
            .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(label),
                layout: None,
                module: &module,
                entry_point: Some("main"),
                compilation_options: wgpu::PipelineCompilationOptions {
                    constants: &[],
                    // The kernels clear the workgroup memory they use.
                    zero_initialize_workgroup_memory: false,
                },
                cache: self.cache.as_ref().map(|(c, _)| c),
            });
        map.insert(key, p.clone());
        drop(map);
        if let Some((cache, file)) = &self.cache {
            super::cache::save_pipeline_cache(cache, file);
        }
        p
    }

    /// A buffer holding `contents` (padded to whole words). Unlike wgpu's `create_buffer_init`,
    /// which panics when the device is lost, a lost device is an [`Error::Gpu`] here.
    pub fn buffer_init(
        &self,
        label: &str,
        contents: &[u8],
        usage: wgpu::BufferUsages,
    ) -> Result<wgpu::Buffer> {
        let size = (contents.len() as u64)
            .next_multiple_of(wgpu::COPY_BUFFER_ALIGNMENT)
            .max(wgpu::COPY_BUFFER_ALIGNMENT);
        let buf = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size,
            usage,
            mapped_at_creation: true,
        });
        {
            let mut view = buf.get_mapped_range_mut(..).map_err(|e| {
                self.check()
                    .err()
                    .unwrap_or_else(|| Error::Gpu(format!("{label}: cannot map: {e}")))
            })?;
            view.slice(..contents.len()).copy_from_slice(contents);
        }
        buf.unmap();
        Ok(buf)
    }

    /// Wait for the queue to drain; an error the device reported meanwhile (a failed map, a
    /// validation error, out of memory, its loss) becomes [`Error::Gpu`].
    pub fn wait(&self) -> Result<()> {
        let polled = self.device.poll(wgpu::PollType::wait_indefinitely());
        self.check()?;
        polled.map_err(|e| Error::Gpu(format!("device poll failed: {e}")))?;
        Ok(())
    }

    /// Begin a compute pass, timed with timestamp queries while [`GpuContext::time_kernels`]
    /// is on. Submit its encoder with [`GpuContext::submit`].
    pub fn compute_pass<'e>(
        &self,
        enc: &'e mut wgpu::CommandEncoder,
        label: &str,
    ) -> wgpu::ComputePass<'e> {
        let set = self.timer_mut().pass_queries(self);
        let writes = set.as_ref().map(|s| wgpu::ComputePassTimestampWrites {
            query_set: s,
            beginning_of_pass_write_index: Some(0),
            end_of_pass_write_index: Some(1),
        });
        enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some(label),
            timestamp_writes: writes,
        })
    }

    /// Submit an encoder (resolving the timestamps of its timed passes).
    pub fn submit(&self, mut enc: wgpu::CommandEncoder) -> wgpu::SubmissionIndex {
        let read = self.timer_mut().resolve(self, &mut enc);
        let i = self.queue.submit([enc.finish()]);
        self.timer_mut().submitted(read);
        i
    }

    pub(super) fn timer_mut(&self) -> std::sync::MutexGuard<'_, Timer> {
        self.timer.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Why a software adapter is not taken under `--device auto`.
pub(super) fn software_refused(info: &wgpu::AdapterInfo) -> String {
    format!(
        "only a software adapter ({}), slower than the CPU path; `device` gpu uses it anyway",
        info.name
    )
}
