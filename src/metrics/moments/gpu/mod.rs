//! GPU glue of the moments family: feeds column chunks through `shaders/moments.wgsl` with a ring
//! of staging buffers, and folds the workgroup partials into [`NumericState`]s.
//!
//! Uploads follow DESIGN.md §3: a ring of [`RING`] `MAP_WRITE | COPY_SRC` staging buffers. A
//! chunk is written straight into a mapped staging buffer (f64 and f32 columns byte for byte,
//! other types widened on the way, by all cores), unmapped, copied to a device buffer and reduced
//! by one dispatch; the staging buffer is re-armed with `map_async` right after submission, so
//! the host fills the next slot while the GPU copies and reduces the previous ones. Partials and
//! histogram come back through one mapped readback per chunk, harvested when the slot comes round
//! again. Pipelines, buffers and bind groups are made once.
//!
//! On the f32 path the host maps each value to `(x - centre) / half_range` before narrowing it,
//! so every value lies in [-1, 1] and fourth powers cannot overflow.
//!
//! Precision: with SHADER_F64 the kernel computes in f64 and agrees with the CPU twin exactly on
//! counts, extremes and histogram counts, and to ~1e-12 relative on the moments (only the
//! blocking of the sums differs). Without it (or with `force_f32`), values are shifted on the host
//! by the centre of the histogram range, then reduced in f32 per workgroup and merged on the host
//! in f64: moments carry f32 rounding (tests bound mean and std to 1e-5 relative of the spread,
//! skewness and kurtosis to 1e-3 absolute) and a value within an f32 rounding of a bin edge may
//! land in the neighbouring bin. There, a value within f32 rounding of zero (relative to the
//! half range) counts as a zero.

use super::cpu::{NumericInput, NumericState, Values};
use super::HistSpec;
use crate::error::{Error, Result};
use crate::gpu::GpuContext;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Staging slots in flight.
pub const RING: usize = 3;
/// Threads per workgroup and values per thread per tile (must match the shader).
const WG: usize = 128;
const K: usize = 16;
const TILE: usize = WG * K;
/// Most workgroups per dispatch (bounds the partials read back).
const MAX_WG: usize = 2048;

mod pack;
mod timing;

use pack::{fill, parse_partial};

const SHADER: &str = include_str!("../../../../shaders/moments.wgsl");

#[derive(Clone, Copy)]
struct Pending {
    col: usize,
    n: usize,
    num_wg: usize,
    bins: usize,
    shift: f64,
    norm: f64,
}

struct Slot {
    staging: wgpu::Buffer,
    data: wgpu::Buffer,
    validity: wgpu::Buffer,
    partials: wgpu::Buffer,
    hist: wgpu::Buffer,
    readback: wgpu::Buffer,
    params: wgpu::Buffer,
    bind_f64: Option<wgpu::BindGroup>,
    bind_f32: wgpu::BindGroup,
    staging_ready: Arc<AtomicBool>,
    readback_ready: Arc<AtomicBool>,
    pending: Option<Pending>,
}

/// The moments kernel with its buffers, and the states of the columns it has been fed.
pub struct GpuMoments {
    ctx: Arc<GpuContext>,
    compute_f64: bool,
    /// Pipeline reading f64 elements (f64 compute only).
    pipe_e64: Option<wgpu::ComputePipeline>,
    /// Pipeline reading f32 elements.
    pipe_e32: wgpu::ComputePipeline,
    slots: Vec<Slot>,
    next: usize,
    /// Elements per slot.
    cap: usize,
    psize: usize,
    states: Vec<NumericState>,
    /// Measurement mode of [`GpuMoments::time_upload`]: copy to the device, run nothing.
    upload_only: bool,
}

fn wait_flag(ctx: &GpuContext, flag: &AtomicBool) -> Result<()> {
    while !flag.load(Ordering::Acquire) {
        ctx.wait()?;
    }
    Ok(())
}

impl GpuMoments {
    /// The kernel on the process's GPU ([`crate::gpu::engine`]). `force_f32` takes the f32
    /// path even with SHADER_F64.
    pub fn new(force_f32: bool) -> Result<GpuMoments> {
        Self::open(force_f32, 8 << 20, true)
    }

    /// As [`GpuMoments::new`], with `cap` elements per staging slot (rounded to whole tiles and to
    /// what one binding may hold).
    pub fn with_capacity(force_f32: bool, cap: usize) -> Result<GpuMoments> {
        Self::open(force_f32, cap, true)
    }

    /// As [`GpuMoments::with_capacity`]; `allow_software: false` refuses software adapters.
    pub fn open(force_f32: bool, cap: usize, allow_software: bool) -> Result<GpuMoments> {
        Ok(Self::on(
            crate::gpu::engine(allow_software)?,
            force_f32,
            cap,
        ))
    }

    /// The kernel on `ctx`, with `cap` elements per staging slot. Pipelines come from the
    /// context (compiled once per process); the staging ring is this kernel's own.
    ///
    /// Long because it builds the kernel's staging ring and bind groups together; they refer to one
    /// another.
    pub fn on(ctx: Arc<GpuContext>, force_f32: bool, cap: usize) -> GpuMoments {
        let compute_f64 = ctx.f64 && !force_f32;
        let max_bind = ctx.limits.max_storage_buffer_binding_size as usize;
        let esize = if compute_f64 { 8 } else { 4 };
        let cap = cap.min(max_bind / esize).max(TILE) / TILE * TILE;
        let pipe_e64 = compute_f64
            .then(|| ctx.pipeline("moments e64", &super::shader_prelude(true, true), SHADER));
        let pipe_e32 = ctx.pipeline(
            "moments e32",
            &super::shader_prelude(false, compute_f64),
            SHADER,
        );
        let psize = if compute_f64 {
            7 * 8 + 6 * 4
        } else {
            7 * 4 + 6 * 4
        };
        let dev = &ctx.device;
        let buf = |label: &str, size: usize, usage: wgpu::BufferUsages, mapped: bool| {
            dev.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: size as u64,
                usage,
                mapped_at_creation: mapped,
            })
        };
        use wgpu::BufferUsages as U;
        let vbytes = cap / 8;
        let mut slots = Vec::new();
        for _ in 0..RING {
            let staging = buf(
                "staging",
                cap * 8 + vbytes,
                U::MAP_WRITE | U::COPY_SRC,
                true,
            );
            let data = buf("data", cap * esize, U::STORAGE | U::COPY_DST, false);
            let validity = buf("validity", vbytes, U::STORAGE | U::COPY_DST, false);
            let partials = buf("partials", MAX_WG * psize, U::STORAGE | U::COPY_SRC, false);
            let hist = buf(
                "hist",
                4 * crate::MAX_BINS as usize,
                U::STORAGE | U::COPY_DST | U::COPY_SRC,
                false,
            );
            let readback = buf(
                "readback",
                MAX_WG * psize + 4 * crate::MAX_BINS as usize,
                U::MAP_READ | U::COPY_DST,
                false,
            );
            let params = buf("params", 64, U::UNIFORM | U::COPY_DST, false);
            let bind = |p: &wgpu::ComputePipeline| {
                dev.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("moments"),
                    layout: &p.get_bind_group_layout(0),
                    entries: &[
                        wgpu::BindGroupEntry {
                            binding: 0,
                            resource: data.as_entire_binding(),
                        },
                        wgpu::BindGroupEntry {
                            binding: 1,
                            resource: validity.as_entire_binding(),
                        },
                        wgpu::BindGroupEntry {
                            binding: 2,
                            resource: partials.as_entire_binding(),
                        },
                        wgpu::BindGroupEntry {
                            binding: 3,
                            resource: hist.as_entire_binding(),
                        },
                        wgpu::BindGroupEntry {
                            binding: 4,
                            resource: params.as_entire_binding(),
                        },
                        wgpu::BindGroupEntry {
                            binding: 5,
                            resource: data.as_entire_binding(),
                        },
                    ],
                })
            };
            let bind_f64 = pipe_e64.as_ref().map(bind);
            let bind_f32 = bind(&pipe_e32);
            slots.push(Slot {
                staging,
                data,
                validity,
                partials,
                hist,
                readback,
                params,
                bind_f64,
                bind_f32,
                staging_ready: Arc::new(AtomicBool::new(true)),
                readback_ready: Arc::new(AtomicBool::new(false)),
                pending: None,
            });
        }
        GpuMoments {
            ctx,
            compute_f64,
            pipe_e64,
            pipe_e32,
            slots,
            next: 0,
            cap,
            psize,
            states: Vec::new(),
            upload_only: false,
        }
    }

    /// Adapter, backend and precision, for the profile's `device` field.
    pub fn describe(&self) -> String {
        format!(
            "gpu: {}, {}",
            self.ctx.describe(),
            if self.compute_f64 { "f64" } else { "f32" }
        )
    }

    /// Whether the kernels compute in f64.
    pub fn is_f64(&self) -> bool {
        self.compute_f64
    }

    /// The device it runs on.
    pub fn context(&self) -> &Arc<GpuContext> {
        &self.ctx
    }

    /// Elements per staging slot.
    pub fn capacity(&self) -> usize {
        self.cap
    }

    fn state(&mut self, col: usize) -> &mut NumericState {
        if self.states.len() <= col {
            self.states.resize_with(col + 1, NumericState::default);
        }
        &mut self.states[col]
    }

    /// Read back a slot's finished chunk and fold it into its column's state.
    fn harvest(&mut self, i: usize) -> Result<()> {
        let Some(p) = self.slots[i].pending.take() else {
            return Ok(());
        };
        wait_flag(&self.ctx, &self.slots[i].readback_ready)?;
        let psize = self.psize;
        let f64c = self.compute_f64;
        let (parts, hist) = {
            let view = self.slots[i]
                .readback
                .get_mapped_range(..)
                .map_err(|e| Error::Gpu(format!("readback map failed: {e}")))?;
            let bytes: &[u8] = &view;
            let mut parts = Vec::with_capacity(p.num_wg);
            for w in 0..p.num_wg {
                parts.push(parse_partial(
                    &bytes[w * psize..(w + 1) * psize],
                    f64c,
                    p.shift,
                    p.norm,
                ));
            }
            let off = MAX_WG * psize;
            let hist: Vec<u32> = bytes[off..off + 4 * p.bins]
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
                .collect();
            (parts, hist)
        };
        self.slots[i].readback.unmap();
        self.slots[i].readback_ready.store(false, Ordering::Release);
        let st = self.state(p.col);
        st.counts.rows += p.n as u64;
        for (c, m) in &parts {
            st.counts.nulls += c[0] as u64;
            st.counts.nan += c[1] as u64;
            st.counts.pos_inf += c[2] as u64;
            st.counts.neg_inf += c[3] as u64;
            st.counts.zeros += c[4] as u64;
            st.moments.merge(m);
        }
        if st.hist.len() < hist.len() {
            st.hist.resize(hist.len(), 0);
        }
        for (a, b) in st.hist.iter_mut().zip(&hist) {
            *a += *b as u64;
        }
        Ok(())
    }

    /// Queue one column chunk; results fold into `col`'s state when the slot is harvested.
    pub fn update(
        &mut self,
        col: usize,
        input: &NumericInput,
        spec: Option<&HistSpec>,
    ) -> Result<()> {
        self.update_in(col, input, spec.map(|s| (s.lo, s.hi)), spec)
    }

    /// As [`GpuMoments::update`], with the finite range `[lo, hi]` of the chunk (or of the
    /// column) known: moments are taken about its centre, so values far from zero keep their
    /// precision, with or without a histogram.
    pub fn update_in(
        &mut self,
        col: usize,
        input: &NumericInput,
        range: Option<(f64, f64)>,
        spec: Option<&HistSpec>,
    ) -> Result<()> {
        self.state(col);
        if let Some(s) = spec {
            if self.states[col].hist.len() < s.bins as usize {
                self.states[col].hist.resize(s.bins as usize, 0);
            }
        }
        let mut start = 0;
        while start < input.len {
            let end = (start + self.cap).min(input.len);
            self.submit(col, input, start, end, range, spec)?;
            start = end;
        }
        Ok(())
    }

    /// Long because one submission's steps share the staging slot it fills (centre, scale, upload,
    /// bind, dispatch, copy back); apart, each would take the slot and its offsets as arguments.
    fn submit(
        &mut self,
        col: usize,
        input: &NumericInput,
        start: usize,
        end: usize,
        range: Option<(f64, f64)>,
        spec: Option<&HistSpec>,
    ) -> Result<()> {
        let i = self.next;
        self.next = (self.next + 1) % RING;
        self.harvest(i)?;
        wait_flag(&self.ctx, &self.slots[i].staging_ready)?;
        let n = end - start;
        let cap = self.cap;
        // Moments are taken about the centre of the range (0 without one): on the f64 path inside
        // the kernel, on the f32 path by the host before it narrows the values.
        let range = range.filter(|(lo, hi)| lo <= hi && lo.is_finite() && hi.is_finite());
        let shift = range.map_or(0.0, |(lo, hi)| lo * 0.5 + hi * 0.5);
        // Huge values: moments of x / scale (a power of two), scaled back on the host.
        let scale = match range {
            Some((lo, hi)) if self.compute_f64 => super::pow2_scale(lo.abs().max(hi.abs())),
            _ => 1.0,
        };
        // The f32 path also scales the values into [-1, 1], so fourth powers cannot overflow f32.
        let norm = match range {
            Some((lo, hi)) if !self.compute_f64 && hi > lo => hi * 0.5 - lo * 0.5,
            _ => 1.0,
        };
        let elem64 = self.compute_f64 && !matches!(input.values, Values::F32(_));
        let esize = if elem64 { 8 } else { 4 };
        let has_validity = input.validity.is_some();
        {
            let slot = &self.slots[i];
            fill(
                &slot.staging,
                input,
                start,
                n,
                elem64,
                self.compute_f64,
                shift,
                norm,
            )?;
            if let Some(w) = &input.validity {
                let words = &w[start / 64..end.div_ceil(64)];
                let bytes: &[u8] = bytemuck::cast_slice(words);
                let off = (cap * 8) as u64;
                let mut view = slot
                    .staging
                    .get_mapped_range_mut(off..off + bytes.len() as u64)
                    .map_err(|e| Error::Gpu(format!("staging map failed: {e}")))?;
                view.copy_from_slice(bytes);
            }
        }
        let slot = &self.slots[i];
        slot.staging.unmap();
        slot.staging_ready.store(false, Ordering::Release);
        let tiles = n.div_ceil(TILE);
        let num_wg = tiles.clamp(1, MAX_WG);
        let bins = spec.map_or(0, |s| s.bins as usize);
        let mut params = Vec::with_capacity(64);
        if self.compute_f64 {
            let (lo, hscale) = spec.map_or((0.0, 0.0), |s| (s.half_lo, s.scale));
            for v in [lo, hscale, shift / scale, 1.0 / scale, 0.0] {
                params.extend_from_slice(&v.to_le_bytes());
            }
        } else {
            let (lo, hscale) = spec.map_or((0.0, 0.0), |s| {
                ((s.lo - shift) / norm * 0.5, s.scale * norm)
            });
            for v in [
                lo as f32,
                hscale as f32,
                0.0,
                1.0,
                ((0.0 - shift) / norm) as f32,
            ] {
                params.extend_from_slice(&v.to_le_bytes());
            }
        }
        for v in [n as u32, has_validity as u32, bins as u32, num_wg as u32] {
            params.extend_from_slice(&v.to_le_bytes());
        }
        params.resize(64, 0);
        self.ctx.queue.write_buffer(&slot.params, 0, &params);
        let mut enc = self
            .ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("moments"),
            });
        let data_bytes = ((n * esize) as u64).next_multiple_of(4).max(4);
        enc.copy_buffer_to_buffer(
            &slot.staging,
            0,
            &slot.data,
            0,
            data_bytes.min(slot.data.size()),
        );
        if has_validity {
            let words = end.div_ceil(64) - start / 64;
            enc.copy_buffer_to_buffer(
                &slot.staging,
                (cap * 8) as u64,
                &slot.validity,
                0,
                (words * 8) as u64,
            );
        }
        if self.upload_only {
            self.ctx.submit(enc);
            let (sr, e1) = (slot.staging_ready.clone(), self.ctx.error_sink());
            slot.staging.map_async(wgpu::MapMode::Write, .., move |r| {
                if let Err(e) = r {
                    *e1.lock().unwrap() = Some(format!("staging map failed: {e}"));
                }
                sr.store(true, Ordering::Release);
            });
            return Ok(());
        }
        if bins > 0 {
            enc.clear_buffer(&slot.hist, 0, Some((bins * 4) as u64));
        }
        {
            let mut pass = self.ctx.compute_pass(&mut enc, "moments");
            if elem64 {
                pass.set_pipeline(self.pipe_e64.as_ref().unwrap());
                pass.set_bind_group(0, slot.bind_f64.as_ref().unwrap(), &[]);
            } else {
                pass.set_pipeline(&self.pipe_e32);
                pass.set_bind_group(0, &slot.bind_f32, &[]);
            }
            pass.dispatch_workgroups(num_wg as u32, 1, 1);
        }
        enc.copy_buffer_to_buffer(
            &slot.partials,
            0,
            &slot.readback,
            0,
            (num_wg * self.psize) as u64,
        );
        if bins > 0 {
            enc.copy_buffer_to_buffer(
                &slot.hist,
                0,
                &slot.readback,
                (MAX_WG * self.psize) as u64,
                (bins * 4) as u64,
            );
        }
        self.ctx.submit(enc);
        let (sr, rr) = (slot.staging_ready.clone(), slot.readback_ready.clone());
        let (e1, e2) = (self.ctx.error_sink(), self.ctx.error_sink());
        slot.staging.map_async(wgpu::MapMode::Write, .., move |r| {
            if let Err(e) = r {
                *e1.lock().unwrap() = Some(format!("staging map failed: {e}"));
            }
            sr.store(true, Ordering::Release);
        });
        slot.readback.map_async(wgpu::MapMode::Read, .., move |r| {
            if let Err(e) = r {
                *e2.lock().unwrap() = Some(format!("readback map failed: {e}"));
            }
            rr.store(true, Ordering::Release);
        });
        self.slots[i].pending = Some(Pending {
            col,
            n,
            num_wg,
            bins,
            shift,
            // The factor partials are in: the f32 path's half range, the f64 path's scale.
            norm: if self.compute_f64 { scale } else { norm },
        });
        self.ctx.check()
    }

    /// Wait for every chunk in flight and hand out the states (indexed by column), resetting them.
    pub fn take(&mut self, ncols: usize) -> Result<Vec<NumericState>> {
        for k in 0..RING {
            let i = (self.next + k) % RING;
            self.harvest(i)?;
        }
        let mut out = std::mem::take(&mut self.states);
        out.resize_with(ncols, NumericState::default);
        Ok(out)
    }
}
