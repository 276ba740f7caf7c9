//! GPU glue of the sketches: `shaders/sketch.wgsl` updates HyperLogLog registers and DDSketch
//! buckets from an f64 column's bits or from a string column's offsets and bytes, as Arrow holds
//! them. Registers and buckets are bit-identical to the CPU twin's (`tests/sketches_gpu.rs`).

use super::ddsketch::{key, DdSketch, Store};
use super::hll::Hll;
use crate::error::{Error, Result};
use crate::gpu::GpuContext;

const SHADER: &str = include_str!("../../../shaders/sketch.wgsl");
const WG: u32 = 256;

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Params {
    n: u32,
    first: u32,
    slices: u32,
    precision: u32,
    pos_first: i32,
    pos_len: u32,
    neg_first: i32,
    neg_len: u32,
    has_validity: u32,
    _pad: [u32; 3],
}

/// The two kernels on one device.
pub struct SketchKernels<'a> {
    ctx: &'a GpuContext,
    numeric: wgpu::ComputePipeline,
    strings: wgpu::ComputePipeline,
}

/// Buffers of one f64 column resident on the device, ready to be sketched (again).
pub struct ResidentF64 {
    n: usize,
    params: Params,
    params_buf: wgpu::Buffer,
    bind: wgpu::BindGroup,
    hll: wgpu::Buffer,
    pos: wgpu::Buffer,
    neg: wgpu::Buffer,
    counters: wgpu::Buffer,
    slices: u32,
    precision: u8,
}

fn entry(binding: u32, b: &wgpu::Buffer) -> wgpu::BindGroupEntry<'_> {
    wgpu::BindGroupEntry {
        binding,
        resource: b.as_entire_binding(),
    }
}

/// Arrow's validity bits (64-bit words) as a storage buffer; one empty word when every value is
/// valid (the kernels then never read it).
fn validity_buffer(ctx: &GpuContext, validity: Option<&[u64]>) -> Result<wgpu::Buffer> {
    storage(
        ctx,
        "sketch validity",
        validity.map_or(&[][..], |v| bytemuck::cast_slice(v)),
        wgpu::BufferUsages::empty(),
    )
}

/// The kernels' parameters as a uniform buffer (rewritable, for repeated runs).
fn uniform(ctx: &GpuContext, params: &Params) -> Result<wgpu::Buffer> {
    ctx.buffer_init(
        "sketch params",
        bytemuck::bytes_of(params),
        wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
    )
}

fn storage(
    ctx: &GpuContext,
    label: &str,
    bytes: &[u8],
    extra: wgpu::BufferUsages,
) -> Result<wgpu::Buffer> {
    let mut data = bytes.to_vec();
    // At least one word, and one spare word for the kernels' unaligned reads.
    data.resize(bytes.len().next_multiple_of(4) + 8, 0);
    ctx.buffer_init(label, &data, wgpu::BufferUsages::STORAGE | extra)
}

impl<'a> SketchKernels<'a> {
    pub fn new(ctx: &'a GpuContext) -> SketchKernels<'a> {
        SketchKernels {
            ctx,
            numeric: ctx.pipeline(
                "sketch numeric",
                "",
                &SHADER.replace("fn numeric(", "fn main("),
            ),
            strings: ctx.pipeline(
                "sketch strings",
                "",
                &SHADER.replace("fn strings(", "fn main("),
            ),
        }
    }

    fn dispatch(&self, pipe: &wgpu::ComputePipeline, bind: &wgpu::BindGroup, n: usize) {
        let groups = (n as u32).div_ceil(WG).max(1);
        let mut enc = self.ctx.device.create_command_encoder(&Default::default());
        {
            let mut pass = self.ctx.compute_pass(&mut enc, "sketch");
            pass.set_pipeline(pipe);
            pass.set_bind_group(0, bind, &[]);
            pass.dispatch_workgroups(groups.min(65535), groups.div_ceil(65535), 1);
        }
        self.ctx.submit(enc);
    }

    fn read_u32(&self, buf: &wgpu::Buffer, words: usize) -> Result<Vec<u32>> {
        let bytes = (words.max(1) * 4) as u64;
        let rb = self.ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("sketch readback"),
            size: bytes,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let mut enc = self.ctx.device.create_command_encoder(&Default::default());
        enc.copy_buffer_to_buffer(buf, 0, &rb, 0, bytes);
        self.ctx.submit(enc);
        rb.map_async(wgpu::MapMode::Read, .., |_| {});
        self.ctx.wait()?;
        let out = {
            let view = rb
                .get_mapped_range(..)
                .map_err(|e| Error::Gpu(format!("readback map failed: {e}")))?;
            bytemuck::cast_slice::<u8, u32>(&view)[..words].to_vec()
        };
        rb.unmap();
        Ok(out)
    }

    /// Upload an f64 column (`validity`: Arrow's bits as 64-bit words) for sketching with
    /// `slices` DDSketch slices and HyperLogLog precision `precision`.
    ///
    /// Long because one upload's buffers and bind group are made together and refer to one another.
    pub fn upload_f64(
        &self,
        values: &[f64],
        validity: Option<&[u64]>,
        slices: u32,
        precision: u8,
    ) -> Result<ResidentF64> {
        if values.len() >= u32::MAX as usize / 2 {
            return Err(Error::Gpu(format!(
                "{} values: one sketch dispatch takes fewer than 2^31",
                values.len()
            )));
        }
        // Key ranges of each store, from the finite non-zero magnitudes of each sign.
        let (mut pmin, mut pmax, mut nmin, mut nmax) = (f64::MAX, 0.0f64, f64::MAX, 0.0f64);
        for &x in values {
            if x.is_finite() && x != 0.0 {
                if x > 0.0 {
                    pmin = pmin.min(x);
                    pmax = pmax.max(x);
                } else {
                    nmin = nmin.min(-x);
                    nmax = nmax.max(-x);
                }
            }
        }
        let range = |lo: f64, hi: f64| {
            if hi == 0.0 {
                (0, 0)
            } else {
                let a = key(slices, lo.to_bits());
                (a, (key(slices, hi.to_bits()) - a + 1) as u32)
            }
        };
        let (pos_first, pos_len) = range(pmin, pmax);
        let (neg_first, neg_len) = range(nmin, nmax);
        let params = Params {
            n: values.len() as u32,
            first: 0,
            slices,
            precision: precision as u32,
            pos_first,
            pos_len,
            neg_first,
            neg_len,
            has_validity: validity.is_some() as u32,
            _pad: [0; 3],
        };
        use wgpu::BufferUsages as U;
        let ctx = self.ctx;
        let words = storage(
            ctx,
            "sketch values",
            bytemuck::cast_slice(values),
            U::empty(),
        )?;
        let valid = validity_buffer(ctx, validity)?;
        let zeros = |n: usize| vec![0u8; n * 4];
        let hll = storage(
            ctx,
            "sketch hll",
            &zeros(1 << precision),
            U::COPY_SRC | U::COPY_DST,
        )?;
        let pos = storage(
            ctx,
            "sketch pos",
            &zeros(pos_len as usize),
            U::COPY_SRC | U::COPY_DST,
        )?;
        let neg = storage(
            ctx,
            "sketch neg",
            &zeros(neg_len as usize),
            U::COPY_SRC | U::COPY_DST,
        )?;
        let counters = storage(ctx, "sketch counters", &zeros(2), U::COPY_SRC | U::COPY_DST)?;
        let params_buf = uniform(ctx, &params)?;
        let bind = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("sketch numeric"),
            layout: &self.numeric.get_bind_group_layout(0),
            entries: &[
                entry(0, &params_buf),
                entry(1, &words),
                entry(2, &valid),
                entry(4, &hll),
                entry(5, &pos),
                entry(6, &neg),
                entry(7, &counters),
            ],
        });
        Ok(ResidentF64 {
            n: values.len(),
            params,
            params_buf,
            bind,
            hll,
            pos,
            neg,
            counters,
            slices,
            precision,
        })
    }

    /// Run the numeric kernel over the resident column (without waiting).
    pub fn run_f64(&self, r: &ResidentF64) {
        self.ctx
            .queue
            .write_buffer(&r.params_buf, 0, bytemuck::bytes_of(&r.params));
        self.dispatch(&self.numeric, &r.bind, r.n);
    }

    /// Clear the registers and counts of a resident column.
    pub fn clear_f64(&self, r: &ResidentF64) {
        let mut enc = self.ctx.device.create_command_encoder(&Default::default());
        for b in [&r.hll, &r.pos, &r.neg, &r.counters] {
            enc.clear_buffer(b, 0, None);
        }
        self.ctx.submit(enc);
    }

    /// Wait for the queued work.
    pub fn finish(&self) -> Result<()> {
        self.ctx.wait()
    }

    /// The HyperLogLog and DDSketch of the resident column's last run.
    pub fn read_f64(
        &self,
        r: &ResidentF64,
        values: &[f64],
        validity: Option<&[u64]>,
    ) -> Result<(Hll, DdSketch)> {
        let regs = self.read_u32(&r.hll, 1 << r.precision)?;
        let pos = self.read_u32(&r.pos, r.params.pos_len as usize)?;
        let neg = self.read_u32(&r.neg, r.params.neg_len as usize)?;
        let counters = self.read_u32(&r.counters, 2)?;
        if counters[1] != 0 {
            return Err(Error::Gpu(format!(
                "{} values fell outside the sketch's key range",
                counters[1]
            )));
        }
        let mut dd = DdSketch::new(r.slices);
        dd.zeros = counters[0] as u64;
        dd.pos = Store::from_dense(r.params.pos_first, &pos);
        dd.neg = Store::from_dense(r.params.neg_first, &neg);
        // Extremes are the host's (the kernel keeps none): the finite valid values'.
        for (i, &x) in values.iter().enumerate() {
            let ok = validity.is_none_or(|w| w[i / 64] >> (i % 64) & 1 == 1);
            if ok && x.is_finite() {
                dd.min = dd.min.min(x);
                dd.max = dd.max.max(x);
            }
        }
        Ok((
            Hll {
                precision: r.precision,
                registers: regs.iter().map(|&x| x as u8).collect(),
            },
            dd,
        ))
    }

    /// The HyperLogLog of a string (or binary) column given as Arrow's i32 offsets and bytes.
    pub fn strings(
        &self,
        offsets: &[i32],
        bytes: &[u8],
        validity: Option<&[u64]>,
        precision: u8,
    ) -> Result<Hll> {
        let n = offsets.len().saturating_sub(1);
        let params = Params {
            n: n as u32,
            first: 0,
            slices: 1,
            precision: precision as u32,
            pos_first: 0,
            pos_len: 0,
            neg_first: 0,
            neg_len: 0,
            has_validity: validity.is_some() as u32,
            _pad: [0; 3],
        };
        use wgpu::BufferUsages as U;
        let ctx = self.ctx;
        let words = storage(ctx, "sketch bytes", bytes, U::empty())?;
        let offs = storage(
            ctx,
            "sketch offsets",
            bytemuck::cast_slice(offsets),
            U::empty(),
        )?;
        let valid = validity_buffer(ctx, validity)?;
        let hll = storage(ctx, "sketch hll", &vec![0u8; 4 << precision], U::COPY_SRC)?;
        let params_buf = uniform(ctx, &params)?;
        let bind = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("sketch strings"),
            layout: &self.strings.get_bind_group_layout(0),
            entries: &[
                entry(0, &params_buf),
                entry(1, &words),
                entry(2, &valid),
                entry(3, &offs),
                entry(4, &hll),
            ],
        });
        self.dispatch(&self.strings, &bind, n);
        let regs = self.read_u32(&hll, 1 << precision)?;
        Ok(Hll {
            precision,
            registers: regs.iter().map(|&x| x as u8).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn shader_validates() {
        for entry in ["fn numeric(", "fn strings("] {
            let src = super::SHADER.replace(entry, "fn main(");
            let module = naga::front::wgsl::parse_str(&src)
                .unwrap_or_else(|e| panic!("{}", e.emit_to_string(&src)));
            naga::valid::Validator::new(
                naga::valid::ValidationFlags::all(),
                naga::valid::Capabilities::all(),
            )
            .validate(&module)
            .unwrap();
        }
    }
}
