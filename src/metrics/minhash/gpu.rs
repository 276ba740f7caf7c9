//! GPU glue of the MinHash family: uploads shingle hashes and document offsets in batches that
//! fit one storage binding, runs `shaders/minhash.wgsl` (one workgroup per document) and reads
//! the signatures back. Signatures are bit-identical to the CPU twin's ([`super::signature`]).

use crate::error::{Error, Result};
use crate::gpu::GpuContext;

const SHADER: &str = include_str!("../../../shaders/minhash.wgsl");
/// Largest signature length the kernel holds (8 permutations per thread × 128 threads).
pub const MAX_PERMS: usize = 1024;

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Params {
    docs: u32,
    perms: u32,
    first: u32,
    _pad: u32,
}

/// Signatures of `docs` (shingle-hash lists) for `seeds`, `seeds.len()` values per document.
///
/// Long because the batch loop shares the pipeline, the seed buffer and the per-batch buffers it
/// sizes; a batch is a few uploads, one dispatch and a readback.
pub fn signatures(ctx: &GpuContext, docs: &[&[u32]], seeds: &[u32]) -> Result<Vec<u32>> {
    let perms = seeds.len();
    if perms == 0 || perms > MAX_PERMS {
        return Err(Error::Option(format!(
            "{perms} permutations: the GPU kernel takes 1 to {MAX_PERMS}"
        )));
    }
    let max_bind = ctx
        .limits
        .max_storage_buffer_binding_size
        .min(ctx.limits.max_buffer_size)
        .min(1 << 30) as usize;
    // Batches: at most this many hashes, and documents whose signatures fit a binding.
    let cap_hashes = (max_bind / 4).min(64 << 20);
    let cap_docs = (max_bind / 4 / perms).min(1 << 20);
    let dev = &ctx.device;
    use wgpu::BufferUsages as U;
    let buf = |label: &str, size: usize, usage: wgpu::BufferUsages| {
        dev.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: size.max(16).next_multiple_of(4) as u64,
            usage,
            mapped_at_creation: false,
        })
    };
    let pipe = ctx.pipeline("minhash", "", SHADER);
    let params = buf("minhash params", 16, U::UNIFORM | U::COPY_DST);
    let seed_buf = buf("minhash seeds", perms * 4, U::STORAGE | U::COPY_DST);
    ctx.queue
        .write_buffer(&seed_buf, 0, bytemuck::cast_slice(seeds));
    let mut out = Vec::with_capacity(docs.len() * perms);
    let mut start = 0;
    while start < docs.len() {
        // A document longer than the cap goes alone (its hashes were capped at MAX_SHINGLES).
        let mut end = start;
        let mut total = 0usize;
        while end < docs.len()
            && end - start < cap_docs
            && (end == start || total + docs[end].len() <= cap_hashes)
        {
            total += docs[end].len();
            end += 1;
        }
        let batch = &docs[start..end];
        let mut offsets = Vec::with_capacity(batch.len() + 1);
        let mut hashes = Vec::with_capacity(total);
        offsets.push(0u32);
        for d in batch {
            hashes.extend_from_slice(d);
            offsets.push(hashes.len() as u32);
        }
        let hb = buf("minhash hashes", hashes.len() * 4, U::STORAGE | U::COPY_DST);
        let ob = buf(
            "minhash offsets",
            offsets.len() * 4,
            U::STORAGE | U::COPY_DST,
        );
        let sb = buf(
            "minhash sigs",
            batch.len() * perms * 4,
            U::STORAGE | U::COPY_SRC,
        );
        let rb = buf(
            "minhash readback",
            batch.len() * perms * 4,
            U::MAP_READ | U::COPY_DST,
        );
        ctx.queue
            .write_buffer(&hb, 0, bytemuck::cast_slice(&hashes));
        ctx.queue
            .write_buffer(&ob, 0, bytemuck::cast_slice(&offsets));
        let bind = dev.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("minhash"),
            layout: &pipe.get_bind_group_layout(0),
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: params.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: hb.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: ob.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 3,
                    resource: seed_buf.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 4,
                    resource: sb.as_entire_binding(),
                },
            ],
        });
        let p = Params {
            docs: batch.len() as u32,
            perms: perms as u32,
            first: 0,
            _pad: 0,
        };
        ctx.queue.write_buffer(&params, 0, bytemuck::bytes_of(&p));
        let mut enc = dev.create_command_encoder(&Default::default());
        {
            let mut pass = ctx.compute_pass(&mut enc, "minhash");
            pass.set_pipeline(&pipe);
            pass.set_bind_group(0, &bind, &[]);
            let n = batch.len() as u32;
            pass.dispatch_workgroups(n.min(65535), n.div_ceil(65535), 1);
        }
        let bytes = (batch.len() * perms * 4) as u64;
        enc.copy_buffer_to_buffer(&sb, 0, &rb, 0, bytes);
        ctx.submit(enc);
        rb.map_async(wgpu::MapMode::Read, ..bytes, |_| {});
        ctx.wait()?;
        {
            let view = rb
                .get_mapped_range(..bytes)
                .map_err(|e| Error::Gpu(format!("readback map failed: {e}")))?;
            out.extend_from_slice(bytemuck::cast_slice::<u8, u32>(&view));
        }
        rb.unmap();
        start = end;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn shader_validates() {
        let src = super::SHADER;
        let module = naga::front::wgsl::parse_str(src)
            .unwrap_or_else(|e| panic!("{}", e.emit_to_string(src)));
        naga::valid::Validator::new(
            naga::valid::ValidationFlags::all(),
            naga::valid::Capabilities::all(),
        )
        .validate(&module)
        .unwrap();
    }
}
