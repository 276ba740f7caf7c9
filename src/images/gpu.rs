//! GPU glue of the perceptual hashes: `shaders/imagehash.wgsl` resizes luminance images as PIL
//! does and computes pHash and dHash, one workgroup per image, with the same integer arithmetic
//! as the CPU twin in [`super::hash`], so the bits are identical (`tests/images_gpu.rs`).

use super::hash;
use crate::error::{Error, Result};
use crate::gpu::GpuContext;
use image::GrayImage;
use std::collections::HashMap;
use std::sync::Arc;

const SHADER: &str = include_str!("../../shaders/imagehash.wgsl");
const NONE: u32 = u32::MAX;

fn entry(binding: u32, b: &wgpu::Buffer) -> wgpu::BindGroupEntry<'_> {
    wgpu::BindGroupEntry {
        binding,
        resource: b.as_entire_binding(),
    }
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Img {
    px: u32,
    w: u32,
    h: u32,
    scratch: u32,
    h32: u32,
    v32: u32,
    h9: u32,
    v8: u32,
}

/// The hash kernel on one device.
pub struct HashKernel {
    ctx: Arc<GpuContext>,
    pipe: wgpu::ComputePipeline,
    /// Most bytes of luminance (or of scratch words) one dispatch takes.
    max_bytes: u64,
}

/// The weight tables of one dispatch, deduplicated by (input size, output size).
struct Tables {
    taps: Vec<u32>,
    /// The DCT table (256 entries), then the resize weights.
    coef: Vec<i32>,
    at: HashMap<(usize, usize), u32>,
}

impl Tables {
    fn new() -> Tables {
        Tables {
            taps: Vec::new(),
            coef: hash::dct_table().iter().flatten().copied().collect(),
            at: HashMap::new(),
        }
    }

    /// The table resizing `input` samples to `output` ([`NONE`] when equal: PIL skips the pass).
    fn get(&mut self, input: usize, output: usize) -> u32 {
        if input == output {
            return NONE;
        }
        if let Some(&t) = self.at.get(&(input, output)) {
            return t;
        }
        let t = self.taps.len() as u32;
        for (first, k) in hash::weights_for(input, output).taps.iter() {
            self.taps
                .extend([*first as u32, self.coef.len() as u32, k.len() as u32]);
            self.coef.extend_from_slice(k);
        }
        self.at.insert((input, output), t);
        t
    }
}

impl HashKernel {
    pub fn new(ctx: Arc<GpuContext>) -> HashKernel {
        let max_bytes = ctx
            .limits
            .max_storage_buffer_binding_size
            .min(ctx.limits.max_buffer_size)
            .min(1 << 30);
        HashKernel {
            pipe: ctx.pipeline("imagehash", "", SHADER),
            ctx,
            max_bytes,
        }
    }

    /// The device it runs on.
    pub fn context(&self) -> &GpuContext {
        &self.ctx
    }

    /// `(pHash, dHash)` of each luminance image, as [`hash::phash`] and [`hash::dhash`] give
    /// them. Images are sent in dispatches of at most `max_bytes`; an image larger than that on
    /// its own is hashed by the CPU twin.
    pub fn hash(&self, images: &[&GrayImage]) -> Result<Vec<(u64, u64)>> {
        let mut out = vec![(0u64, 0u64); images.len()];
        let mut start = 0;
        while start < images.len() {
            let (mut bytes, mut scratch, mut end) = (0u64, 0u64, start);
            while end < images.len() {
                let g = images[end];
                let b = (g.as_raw().len() as u64).next_multiple_of(4);
                let s = g.height() as u64 * 41 * 4;
                if end > start && (bytes + b > self.max_bytes || scratch + s > self.max_bytes) {
                    break;
                }
                bytes += b;
                scratch += s;
                end += 1;
            }
            if end == start + 1 && (bytes > self.max_bytes || scratch > self.max_bytes) {
                let g = images[start];
                out[start] = (hash::phash(g), hash::dhash(g));
            } else {
                let got = self.dispatch(&images[start..end])?;
                out[start..end].copy_from_slice(&got);
            }
            start = end;
        }
        Ok(out)
    }

    fn dispatch(&self, images: &[&GrayImage]) -> Result<Vec<(u64, u64)>> {
        use wgpu::BufferUsages as U;
        let mut tables = Tables::new();
        let mut descs = Vec::with_capacity(images.len());
        let mut px: Vec<u8> = Vec::new();
        let mut scratch = 0u32;
        for g in images {
            let (w, h) = (g.width() as usize, g.height() as usize);
            descs.push(Img {
                px: px.len() as u32,
                w: w as u32,
                h: h as u32,
                scratch,
                h32: tables.get(w, 32),
                v32: tables.get(h, 32),
                h9: tables.get(w, 9),
                v8: tables.get(h, 8),
            });
            px.extend_from_slice(g.as_raw());
            px.resize(px.len().next_multiple_of(4), 0);
            scratch += h as u32 * 41;
        }
        // Bindings may not be empty.
        px.resize(px.len().max(4), 0);
        tables.taps.push(0);
        let dev = &self.ctx.device;
        let init =
            |label: &str, contents: &[u8], usage: U| self.ctx.buffer_init(label, contents, usage);
        let imgs = init("imagehash images", bytemuck::cast_slice(&descs), U::STORAGE)?;
        let pixels = init("imagehash pixels", &px, U::STORAGE)?;
        let taps = init(
            "imagehash taps",
            bytemuck::cast_slice(&tables.taps),
            U::STORAGE,
        )?;
        let coef = init(
            "imagehash weights",
            bytemuck::cast_slice(&tables.coef),
            U::STORAGE,
        )?;
        let scratch = dev.create_buffer(&wgpu::BufferDescriptor {
            label: Some("imagehash scratch"),
            size: (scratch as u64).max(1) * 4,
            usage: U::STORAGE,
            mapped_at_creation: false,
        });
        let words = (images.len() * 4) as u64 * 4;
        let hashes = dev.create_buffer(&wgpu::BufferDescriptor {
            label: Some("imagehash hashes"),
            size: words,
            usage: U::STORAGE | U::COPY_SRC,
            mapped_at_creation: false,
        });
        let readback = dev.create_buffer(&wgpu::BufferDescriptor {
            label: Some("imagehash readback"),
            size: words,
            usage: U::MAP_READ | U::COPY_DST,
            mapped_at_creation: false,
        });
        let bind = dev.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("imagehash"),
            layout: &self.pipe.get_bind_group_layout(0),
            entries: &[
                entry(0, &imgs),
                entry(1, &pixels),
                entry(2, &taps),
                entry(3, &coef),
                entry(4, &scratch),
                entry(5, &hashes),
            ],
        });
        let n = images.len() as u32;
        let mut enc = dev.create_command_encoder(&Default::default());
        {
            let mut pass = self.ctx.compute_pass(&mut enc, "imagehash");
            pass.set_pipeline(&self.pipe);
            pass.set_bind_group(0, &bind, &[]);
            pass.dispatch_workgroups(n.min(65535), n.div_ceil(65535), 1);
        }
        enc.copy_buffer_to_buffer(&hashes, 0, &readback, 0, words);
        self.ctx.submit(enc);
        readback.map_async(wgpu::MapMode::Read, .., |_| {});
        self.ctx.wait()?;
        let out = {
            let view = readback
                .get_mapped_range(..)
                .map_err(|e| Error::Gpu(format!("readback map failed: {e}")))?;
            bytemuck::cast_slice::<u8, u32>(&view)
                .chunks_exact(4)
                .map(|w| {
                    (
                        (w[0] as u64) << 32 | w[1] as u64,
                        (w[2] as u64) << 32 | w[3] as u64,
                    )
                })
                .collect()
        };
        readback.unmap();
        Ok(out)
    }
}
