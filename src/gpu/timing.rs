//! Kernel time on the GPU's own clock: while timing is on, every compute pass begun with
//! [`GpuContext::compute_pass`] writes a timestamp at its start and end (TIMESTAMP_QUERY), and
//! [`GpuContext::kernel_time`] sums them. Setup, uploads and readbacks are outside the passes,
//! so `datassay bench` reports them apart. Timing is a measuring mode: one thread at a time.

use super::GpuContext;
use crate::error::{Error, Result};

/// Kernel time of the passes run while timing was on.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct KernelTime {
    /// Seconds between the start and the end timestamp of each pass, summed.
    pub seconds: f64,
    /// Passes timed.
    pub passes: u64,
}

#[derive(Default)]
pub(crate) struct Timer {
    on: bool,
    /// Query pairs of passes begun and not yet resolved.
    open: Vec<wgpu::QuerySet>,
    /// Readbacks of resolved pairs (every 256 bytes one pair), with their count.
    pending: Vec<(wgpu::Buffer, usize)>,
}

/// Resolved queries land at offsets aligned to this.
const STRIDE: u64 = wgpu::QUERY_RESOLVE_BUFFER_ALIGNMENT;

impl Timer {
    /// The query pair of a new pass while timing is on.
    pub(super) fn pass_queries(&mut self, ctx: &GpuContext) -> Option<wgpu::QuerySet> {
        if !self.on || !ctx.timestamps {
            return None;
        }
        let set = ctx.device.create_query_set(&wgpu::QuerySetDescriptor {
            label: Some("pass time"),
            ty: wgpu::QueryType::Timestamp,
            count: 2,
        });
        self.open.push(set.clone());
        Some(set)
    }

    /// Resolve the open pairs into a readback, in the encoder about to be submitted.
    pub(super) fn resolve(
        &mut self,
        ctx: &GpuContext,
        enc: &mut wgpu::CommandEncoder,
    ) -> Option<(wgpu::Buffer, usize)> {
        if self.open.is_empty() {
            return None;
        }
        let k = self.open.len();
        let size = STRIDE * k as u64;
        let buf = |label, usage| {
            ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size,
                usage,
                mapped_at_creation: false,
            })
        };
        use wgpu::BufferUsages as U;
        let resolved = buf("pass time resolve", U::QUERY_RESOLVE | U::COPY_SRC);
        let readback = buf("pass time readback", U::MAP_READ | U::COPY_DST);
        for (j, set) in self.open.drain(..).enumerate() {
            enc.resolve_query_set(&set, 0..2, &resolved, STRIDE * j as u64);
        }
        enc.copy_buffer_to_buffer(&resolved, 0, &readback, 0, size);
        Some((readback, k))
    }

    pub(super) fn submitted(&mut self, read: Option<(wgpu::Buffer, usize)>) {
        if let Some((b, k)) = read {
            b.map_async(wgpu::MapMode::Read, .., |_| {});
            self.pending.push((b, k));
        }
    }
}

impl GpuContext {
    /// Turn kernel timing on (clearing what was timed) or off. Without TIMESTAMP_QUERY nothing
    /// is timed and [`GpuContext::kernel_time`] stays zero.
    pub fn time_kernels(&self, on: bool) {
        let mut t = self.timer_mut();
        t.on = on;
        t.open.clear();
        t.pending.clear();
    }

    /// Wait for the timed passes and sum their kernel time since timing was turned on (or
    /// since the last call).
    pub fn kernel_time(&self) -> Result<KernelTime> {
        self.wait()?;
        let pending = std::mem::take(&mut self.timer_mut().pending);
        let period = self.queue.get_timestamp_period() as f64;
        let mut out = KernelTime::default();
        for (b, k) in pending {
            {
                let view = b
                    .get_mapped_range(..)
                    .map_err(|e| Error::Gpu(format!("timestamp readback failed: {e}")))?;
                for j in 0..k {
                    let o = STRIDE as usize * j;
                    let w: &[u64] = bytemuck::cast_slice(&view[o..o + 16]);
                    out.seconds += w[1].saturating_sub(w[0]) as f64 * period * 1e-9;
                    out.passes += 1;
                }
            }
            b.unmap();
        }
        Ok(out)
    }
}
