//! Kernel and upload timings for `datassay bench`: the staging ring's upload rate alone and the
//! kernel alone on a resident chunk.

use super::{GpuMoments, MAX_WG, TILE};
use crate::error::{Error, Result};
use crate::metrics::moments::cpu::NumericInput;

impl GpuMoments {
    /// Seconds to move `input` from host memory into device buffers through the staging ring
    /// (filling, copying, re-arming), with no kernel run: the upload rate alone.
    pub fn time_upload(&mut self, input: &NumericInput) -> Result<f64> {
        self.take(0)?;
        self.upload_only = true;
        let t0 = std::time::Instant::now();
        let r = self.update(0, input, None).and_then(|_| {
            self.ctx
                .device
                .poll(wgpu::PollType::wait_indefinitely())
                .map(|_| ())
                .map_err(|e| Error::Gpu(e.to_string()))
        });
        let t = t0.elapsed().as_secs_f64();
        self.upload_only = false;
        self.states.clear();
        r.map(|_| t)
    }

    /// Run the kernel `reps` times on the chunk resident in slot 0 (after an [`Self::update`] of it),
    /// for kernel-only timing. Returns seconds per run.
    pub fn time_resident(&mut self, n: usize, bins: usize, reps: usize) -> Result<f64> {
        let slot = &self.slots[0];
        let num_wg = n.div_ceil(TILE).clamp(1, MAX_WG);
        let t0 = std::time::Instant::now();
        for _ in 0..reps {
            let mut enc = self.ctx.device.create_command_encoder(&Default::default());
            if bins > 0 {
                enc.clear_buffer(&slot.hist, 0, Some((bins * 4) as u64));
            }
            {
                let mut pass = self.ctx.compute_pass(&mut enc, "moments");
                match (&self.pipe_e64, &slot.bind_f64) {
                    (Some(p), Some(b)) => {
                        pass.set_pipeline(p);
                        pass.set_bind_group(0, b, &[]);
                    }
                    _ => {
                        pass.set_pipeline(&self.pipe_e32);
                        pass.set_bind_group(0, &slot.bind_f32, &[]);
                    }
                }
                pass.dispatch_workgroups(num_wg as u32, 1, 1);
            }
            self.ctx.submit(enc);
        }
        self.ctx
            .device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| Error::Gpu(e.to_string()))?;
        Ok(t0.elapsed().as_secs_f64() / reps as f64)
    }
}
