//! GPU glue of the kNN family: drives `shaders/knn.wgsl` (a 128×128-tiled SGEMM that writes a
//! chunk of distances) and `shaders/knn_select.wgsl` (merges that chunk into each query's running
//! top candidates) over every pair of query and reference chunks.
//!
//! Memory stays bounded: the distance matrix exists one `C × C` chunk at a time (C chosen from
//! the adapter's binding limit, at most 16,384). When the whole matrix fits one storage binding
//! it is uploaded once and both sides index it; otherwise (or with `stream: true`) the query and
//! reference chunks are uploaded as they are needed, so matrices larger than a binding, or than
//! GPU memory, run the same way. The candidates the GPU returns are refined in f64 on the host
//! ([`super::refine`]), so the neighbours equal the CPU twin's whenever both selections contain
//! the true k nearest (see the module doc of [`super`]).
//!
//! The selection pass bounds every thread by the running list's worst entry, so after the first
//! reference chunk almost nothing is inserted; without that bound it cost 3× the distance pass.
//!
//! **Bounds.** Both kernels are built without naga's runtime bounds checks (measured on an H200:
//! 3.5 → 5.8 TFLOP/s for the whole search at 100,000 × 384). That is sound because every index
//! is bounded by construction: a chunk holds `1 ≤ nq, nr ≤ C` rows with `C` a multiple of the
//! 128-row tile; vector reads clamp their row to `nq − 1`/`nr − 1` and stay below
//! `(base + n) · dvec ≤ ` the matrix buffer; distance writes have `row < nq`, `column < C`
//! (the grid covers `⌈nr/128⌉·128 ≤ C` columns) in a `C × C` buffer; the selection reads
//! `row < nq`, `column < nr` and lists of `q < nq`, `j < KC` in `C × KC` buffers; workgroup
//! arrays are indexed by constants below their sizes. The host asserts the buffer sizes these
//! rely on before the first dispatch.

use super::{Metric, Tick, TopK};
use crate::error::{Error, Result};
use crate::gpu::GpuContext;
use rayon::prelude::*;

const DIST_SHADER: &str = include_str!("../../../shaders/knn.wgsl");
const SELECT_SHADER: &str = include_str!("../../../shaders/knn_select.wgsl");
/// Rows and columns of a workgroup's tile (must match the shader).
const TILE: usize = 128;
/// Dimensions per stage of the distance kernel (see [`GpuKnnOptions::stage_dims`]).
const BK: usize = 8;
/// Largest chunk (rows of queries and of references per step).
const MAX_CHUNK: usize = 16_384;

/// Tuning and test knobs of the GPU search.
#[derive(Clone, Copy, Debug, Default)]
pub struct GpuKnnOptions {
    /// Rows per chunk (rounded to the 128-row tile); default: the largest the limits allow.
    pub chunk: Option<usize>,
    /// Upload query and reference chunks per step even when the matrix would fit one binding.
    pub stream: bool,
    /// Dimensions per stage of the distance kernel: 8 (default) or 16. On an H200 both ran
    /// within 5% of each other; 8 pads dimensions less.
    pub stage_dims: Option<usize>,
    /// Store the vectors on the GPU as f16 (half the memory and upload; distances still
    /// accumulate in f32). The selection then sees f16-rounded vectors, so more candidates are
    /// kept for the f64 refinement ([`super::MARGIN_F16`]).
    pub f16: bool,
}

/// The WGSL of the distance kernel for `bk` dimensions per stage (8 or 16), with its staging,
/// unrolled inner loop and stores generated.
pub fn distance_shader(bk: usize, f16: bool) -> String {
    assert!(bk == 8 || bk == 16, "stages of 8 or 16 dimensions");
    assert!(
        !f16 || bk == 8,
        "f16 storage stages 8 dimensions (one vec4<u32>)"
    );
    let st = if f16 { staging_f16() } else { staging_f32(bk) };
    let mut fma = String::new();
    let mut store = String::new();
    for r in 0..8 {
        let a = if r < 4 {
            format!("a0[{r}]")
        } else {
            format!("a1[{}]", r - 4)
        };
        for h in 0..2 {
            fma.push_str(&format!(
                "            c{r}{h} = fma(vec4<f32>({a}), b{h}, c{r}{h});\n"
            ));
        }
        let row = if r < 4 {
            format!("row0 + ty * 4u + {r}u")
        } else {
            format!("row0 + 64u + ty * 4u + {}u", r - 4)
        };
        for h in 0..2 {
            store.push_str(&format!("    finish(c{r}{h}, {row}, cb[{h}], rq[{h}]);\n"));
        }
    }
    let elem = if f16 { "vec4<u32>" } else { "vec4<f32>" };
    format!("const BK: u32 = {bk}u;\nalias ELEM = {elem};\n{DIST_SHADER}")
        .replace("//STAGING\n", &st)
        .replace("//FMA_BODY\n", &fma)
        .replace("//STORE_BODY\n", &store)
}

/// Staging of f32 vectors: `bk / 8` vec4 per thread per matrix per stage.
fn staging_f32(bk: usize) -> String {
    let q = bk / 4; // vec4 per row per stage
    let loads = bk / 8; // vec4 per thread per matrix per stage
    let rows_per_pass = 256 / q;
    let mut st = String::new();
    st.push_str(&format!(
        "    // Each thread stages {loads} vec4 of each matrix per stage (dims part*4..+4 of a row),\n    // stored transposed: vec4 row/4, component row%4 of dimension part*4 + j.\n    let part = t % {q}u;\n"
    ));
    for i in 0..loads {
        st.push_str(&format!(
            "    let lrow{i} = t / {q}u + {off}u;\n    let qok{i} = row0 + lrow{i} < p.nq;\n    let rok{i} = col0 + lrow{i} < p.nr;\n    let qoff{i} = (p.q_base + min(row0 + lrow{i}, p.nq - 1u)) * p.dvec + part;\n    let roff{i} = (p.r_base + min(col0 + lrow{i}, p.nr - 1u)) * p.dvec + part;\n    let sv{i} = part * 128u + lrow{i} / 4u;\n    let sc{i} = lrow{i} % 4u;\n    var qa{i} = vec4<f32>(0.0);\n    var rb{i} = vec4<f32>(0.0);\n    if (qok{i}) {{ qa{i} = qmat[qoff{i}]; }}\n    if (rok{i}) {{ rb{i} = rmat[roff{i}]; }}\n",
            off = i * rows_per_pass
        ));
    }
    st.push_str(&format!(
        "    // Software pipelining: the next stage's global loads are issued before this stage's\n    // FMAs, so their latency hides behind the arithmetic.\n    let stages = p.dvec / {q}u;\n    for (var s = 0u; s < stages; s++) {{\n        workgroupBarrier();\n"
    ));
    for i in 0..loads {
        for (j, c) in ["x", "y", "z", "w"].iter().enumerate() {
            st.push_str(&format!(
                "        sa[sv{i} + {o}u][sc{i}] = qa{i}.{c}; sb[sv{i} + {o}u][sc{i}] = rb{i}.{c};\n",
                o = j * 32
            ));
        }
    }
    st.push_str("        workgroupBarrier();\n        if (s + 1u < stages) {\n");
    for i in 0..loads {
        st.push_str(&format!(
            "            if (qok{i}) {{ qa{i} = qmat[qoff{i} + (s + 1u) * {q}u]; }}\n            if (rok{i}) {{ rb{i} = rmat[roff{i} + (s + 1u) * {q}u]; }}\n"
        ));
    }
    st.push_str("        }\n");
    st
}

/// Staging of f16 vectors: a stage is 8 dimensions, one `vec4<u32>` of packed halves per row;
/// threads 0..127 load the 128 query rows, 128..255 the reference rows.
fn staging_f16() -> String {
    let mut st = String::from(
        "    let mine_q = t < 128u;\n    let lrow = t % 128u;\n    let ok = (mine_q && row0 + lrow < p.nq) || (!mine_q && col0 + lrow < p.nr);\n    var off = (p.r_base + min(col0 + lrow, p.nr - 1u)) * p.dvec;\n    if (mine_q) { off = (p.q_base + min(row0 + lrow, p.nq - 1u)) * p.dvec; }\n    let sv = lrow / 4u;\n    let sc = lrow % 4u;\n    var raw = vec4<u32>(0u);\n    if (ok) { if (mine_q) { raw = qmat[off]; } else { raw = rmat[off]; } }\n    let stages = p.dvec;\n    for (var s = 0u; s < stages; s++) {\n        workgroupBarrier();\n        let h0 = unpack2x16float(raw.x);\n        let h1 = unpack2x16float(raw.y);\n        let h2 = unpack2x16float(raw.z);\n        let h3 = unpack2x16float(raw.w);\n        if (mine_q) {\n",
    );
    let vals = [
        "h0.x", "h0.y", "h1.x", "h1.y", "h2.x", "h2.y", "h3.x", "h3.y",
    ];
    for m in ["sa", "sb"] {
        for (kk, v) in vals.iter().enumerate() {
            st.push_str(&format!("            {m}[sv + {}u][sc] = {v};\n", kk * 32));
        }
        if m == "sa" {
            st.push_str("        } else {\n");
        }
    }
    st.push_str("        }\n        workgroupBarrier();\n        if (ok && s + 1u < stages) {\n            if (mine_q) { raw = qmat[off + s + 1u]; } else { raw = rmat[off + s + 1u]; }\n        }\n");
    st
}

/// The WGSL of the selection kernel for `kc` candidates per query.
pub fn select_shader(kc: usize) -> String {
    format!("const KC: u32 = {kc}u;\n{SELECT_SHADER}")
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Params {
    q_base: u32,
    r_base: u32,
    nq: u32,
    nr: u32,
    dvec: u32,
    q_global: u32,
    r_global: u32,
    ldv: u32,
    metric: u32,
    ncols: u32,
    kc: u32,
    _pad: u32,
}

/// Rows `n × dim` → `n` rows of `words` u32 each, ready to upload: f32 bits, or with `f16` pairs
/// of halves; the dimension is zero-padded to a multiple of `bk`. Rows are normalised under
/// cosine and multiplied by `scale` under L2. Also the squared norms of the rows as the kernel
/// sees them (after any rounding to f16). Returns `(data, norms, words)`.
fn prepare(
    x: &[f32],
    dim: usize,
    metric: Metric,
    scale: f32,
    bk: usize,
    f16: bool,
) -> (Vec<u32>, Vec<f32>, usize) {
    let n = x.len() / dim;
    let dpad = dim.next_multiple_of(bk);
    let words = if f16 { dpad / 2 } else { dpad };
    let mut data = vec![0u32; n * words];
    let mut sq = vec![0f32; n];
    crate::util::pool::install(|| {
        data.par_chunks_mut(words)
            .zip(sq.par_iter_mut())
            .enumerate()
            .for_each(|(i, (out, s))| {
                let src = &x[i * dim..][..dim];
                let norm2: f64 = src.iter().map(|&v| v as f64 * v as f64).sum();
                let f = match metric {
                    Metric::Cosine if norm2 > 0.0 => 1.0 / norm2.sqrt(),
                    Metric::Cosine => 0.0,
                    Metric::L2 => scale as f64,
                };
                let mut row: Vec<f32> = src.iter().map(|&v| (v as f64 * f) as f32).collect();
                row.resize(dpad, 0.0);
                if f16 {
                    for (o, pair) in out.iter_mut().zip(row.chunks_exact_mut(2)) {
                        let (a, b) = (half::f16::from_f32(pair[0]), half::f16::from_f32(pair[1]));
                        pair[0] = a.to_f32();
                        pair[1] = b.to_f32();
                        *o = a.to_bits() as u32 | (b.to_bits() as u32) << 16;
                    }
                } else {
                    for (o, &v) in out.iter_mut().zip(&row) {
                        *o = v.to_bits();
                    }
                }
                if metric == Metric::L2 {
                    *s = row.iter().map(|&v| v as f64 * v as f64).sum::<f64>() as f32;
                }
            })
    });
    (data, sq, words)
}

/// Power-of-two factor that puts the largest magnitude of `x` near 2^14, inside f16's range
/// with room for sums (f16 tops out at 65,504 and goes subnormal below 6.1e-5).
fn f16_scale(x: &[f32]) -> f32 {
    let max = crate::util::pool::install(|| x.par_iter().map(|v| v.abs()).reduce(|| 0.0, f32::max));
    if max == 0.0 {
        return 1.0;
    }
    2f32.powi(14 - max.log2().ceil() as i32)
}

/// Each row's `kc` nearest candidates (itself excluded), by f32 distance on the GPU. `scale`
/// multiplies L2 inputs (see [`super::l2_scale`]).
#[allow(clippy::too_many_arguments)]
///
/// Long because the chunk loop and the two pipelines it dispatches share every buffer and the
/// bounds asserted before the unchecked kernels run; sizes, buffers and readback are functions of
/// their own.
pub fn candidates(
    ctx: &GpuContext,
    x: &[f32],
    dim: usize,
    metric: Metric,
    kc: usize,
    scale: f32,
    opts: GpuKnnOptions,
    progress: &Tick,
) -> Result<Vec<TopK>> {
    let n = x.len() / dim;
    let bk = if opts.f16 {
        8
    } else {
        opts.stage_dims.unwrap_or(BK)
    };
    let scale = match metric {
        Metric::L2 if opts.f16 => f16_scale(x),
        _ => scale,
    };
    let (data, sq, words) = prepare(x, dim, metric, scale, bk, opts.f16);
    let (chunk, max_bind) = chunk_rows(ctx, n, dim, words, &opts)?;
    let resident = !opts.stream && n * words * 4 <= max_bind;
    let dev = &ctx.device;
    let side_rows = if resident { n } else { chunk };
    let b = Buffers::new(ctx, side_rows, chunk, words, kc, resident);
    let Buffers {
        qmat,
        qsq,
        rmat,
        rsq,
        dist,
        best_d,
        best_i,
        params,
        ..
    } = &b;
    if resident {
        ctx.queue.write_buffer(qmat, 0, bytemuck::cast_slice(&data));
        ctx.queue.write_buffer(qsq, 0, bytemuck::cast_slice(&sq));
    }

    // SAFETY: every index of both kernels is bounded by construction, against the buffer sizes
    // made above (reviewed; see "Bounds" in the module doc), so the runtime bounds checks naga
    // would insert can go: on an H200 they cost 40% of the search's time.
    let pd = unsafe { ctx.pipeline_unchecked("knn distances", &distance_shader(bk, opts.f16)) };
    let ps = unsafe { ctx.pipeline_unchecked("knn select", &select_shader(kc)) };
    let bd = dev.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("knn distances"),
        layout: &pd.get_bind_group_layout(0),
        entries: &[
            entry(0, params),
            entry(1, qmat),
            entry(2, rmat),
            entry(3, qsq),
            entry(4, rsq),
            entry(5, dist),
        ],
    });
    let bs = dev.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("knn select"),
        layout: &ps.get_bind_group_layout(0),
        entries: &[
            entry(0, params),
            entry(1, dist),
            entry(2, best_d),
            entry(3, best_i),
        ],
    });

    // The sizes the unchecked kernels rely on (module doc, "Bounds").
    assert!(
        chunk.is_multiple_of(TILE)
            && chunk <= MAX_CHUNK
            && side_rows * words * 4 <= qmat.size() as usize
    );
    assert!(dist.size() as usize >= chunk * chunk * 4 && best_d.size() as usize >= chunk * kc * 4);
    assert!(words.is_multiple_of(4) && (bk == 8 || bk == 16));
    let init_d = vec![3.4e38f32; chunk * kc];
    let init_i = vec![u32::MAX; chunk * kc];
    let mut out = Vec::with_capacity(n);
    for q0 in (0..n).step_by(chunk) {
        let nq = chunk.min(n - q0);
        ctx.queue
            .write_buffer(best_d, 0, bytemuck::cast_slice(&init_d));
        ctx.queue
            .write_buffer(best_i, 0, bytemuck::cast_slice(&init_i));
        if !resident {
            ctx.queue.write_buffer(
                qmat,
                0,
                bytemuck::cast_slice(&data[q0 * words..(q0 + nq) * words]),
            );
            ctx.queue
                .write_buffer(qsq, 0, bytemuck::cast_slice(&sq[q0..q0 + nq]));
        }
        for r0 in (0..n).step_by(chunk) {
            let nr = chunk.min(n - r0);
            if !resident {
                ctx.queue.write_buffer(
                    rmat,
                    0,
                    bytemuck::cast_slice(&data[r0 * words..(r0 + nr) * words]),
                );
                ctx.queue
                    .write_buffer(rsq, 0, bytemuck::cast_slice(&sq[r0..r0 + nr]));
            }
            let p = Params {
                q_base: if resident { q0 as u32 } else { 0 },
                r_base: if resident { r0 as u32 } else { 0 },
                nq: nq as u32,
                nr: nr as u32,
                dvec: (words / 4) as u32,
                q_global: q0 as u32,
                r_global: r0 as u32,
                ldv: (chunk / 4) as u32,
                metric: match metric {
                    Metric::L2 => 0,
                    Metric::Cosine => 1,
                },
                ncols: nr as u32,
                kc: kc as u32,
                _pad: 0,
            };
            ctx.queue.write_buffer(params, 0, bytemuck::bytes_of(&p));
            let mut enc = dev.create_command_encoder(&Default::default());
            {
                let mut pass = ctx.compute_pass(&mut enc, "knn");
                pass.set_pipeline(&pd);
                pass.set_bind_group(0, &bd, &[]);
                pass.dispatch_workgroups(nr.div_ceil(TILE) as u32, nq.div_ceil(TILE) as u32, 1);
                pass.set_pipeline(&ps);
                pass.set_bind_group(0, &bs, &[]);
                pass.dispatch_workgroups(nq as u32, 1, 1);
            }
            ctx.submit(enc);
            if !resident {
                // The next step overwrites the reference chunk: let this one finish first.
                ctx.wait()?;
            }
        }
        read_best(ctx, &b, nq, kc, &mut out)?;
        progress((q0 + nq) as u64, n as u64);
    }
    Ok(out)
}

/// Rows per chunk: C² distances must fit one binding, C rows of vectors too. Returns the chunk
/// and the binding limit (what a resident matrix must fit).
fn chunk_rows(
    ctx: &GpuContext,
    n: usize,
    dim: usize,
    words: usize,
    opts: &GpuKnnOptions,
) -> Result<(usize, usize)> {
    let max_bind = ctx
        .limits
        .max_storage_buffer_binding_size
        .min(ctx.limits.max_buffer_size)
        .min(1 << 30) as usize;
    let by_dist = ((max_bind / 4) as f64).sqrt() as usize;
    let by_rows = max_bind / (4 * words);
    let mut chunk = opts
        .chunk
        .unwrap_or(MAX_CHUNK)
        .min(by_dist)
        .min(by_rows)
        .min(n.next_multiple_of(TILE));
    chunk = (chunk / TILE * TILE).max(TILE);
    if chunk * chunk * 4 > max_bind || chunk * words * 4 > max_bind {
        return Err(Error::Gpu(format!(
            "vectors of dimension {dim} do not fit the adapter's {} MiB binding limit; use `device` cpu",
            max_bind >> 20
        )));
    }
    Ok((chunk, max_bind))
}

/// The buffers of one search: the query and reference sides (one buffer when the matrix is
/// resident), a chunk's distances, the running best `kc` per query, their readback, the
/// parameters.
struct Buffers {
    qmat: wgpu::Buffer,
    qsq: wgpu::Buffer,
    rmat: wgpu::Buffer,
    rsq: wgpu::Buffer,
    dist: wgpu::Buffer,
    best_d: wgpu::Buffer,
    best_i: wgpu::Buffer,
    readback: wgpu::Buffer,
    params: wgpu::Buffer,
}

impl Buffers {
    fn new(
        ctx: &GpuContext,
        side_rows: usize,
        chunk: usize,
        words: usize,
        kc: usize,
        resident: bool,
    ) -> Buffers {
        use wgpu::BufferUsages as U;
        let buf = |label: &str, size: usize, usage: wgpu::BufferUsages| {
            ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: size.max(16) as u64,
                usage,
                mapped_at_creation: false,
            })
        };
        let qmat = buf("knn q", side_rows * words * 4, U::STORAGE | U::COPY_DST);
        let qsq = buf("knn q norms", side_rows * 4, U::STORAGE | U::COPY_DST);
        let (rmat, rsq) = if resident {
            (qmat.clone(), qsq.clone())
        } else {
            (
                buf("knn r", chunk * words * 4, U::STORAGE | U::COPY_DST),
                buf("knn r norms", chunk * 4, U::STORAGE | U::COPY_DST),
            )
        };
        let best = U::STORAGE | U::COPY_DST | U::COPY_SRC;
        Buffers {
            qmat,
            qsq,
            rmat,
            rsq,
            dist: buf("knn distances", chunk * chunk * 4, U::STORAGE),
            best_d: buf("knn best d", chunk * kc * 4, best),
            best_i: buf("knn best i", chunk * kc * 4, best),
            readback: buf(
                "knn readback",
                2 * chunk * kc * 4,
                U::MAP_READ | U::COPY_DST,
            ),
            params: buf(
                "knn params",
                std::mem::size_of::<Params>(),
                U::UNIFORM | U::COPY_DST,
            ),
        }
    }
}

/// Read the best `kc` of each of `nq` queries back into `out`.
fn read_best(
    ctx: &GpuContext,
    b: &Buffers,
    nq: usize,
    kc: usize,
    out: &mut Vec<TopK>,
) -> Result<()> {
    let bytes = nq * kc * 4;
    let mut enc = ctx.device.create_command_encoder(&Default::default());
    enc.copy_buffer_to_buffer(&b.best_d, 0, &b.readback, 0, bytes as u64);
    enc.copy_buffer_to_buffer(&b.best_i, 0, &b.readback, bytes as u64, bytes as u64);
    ctx.submit(enc);
    b.readback
        .map_async(wgpu::MapMode::Read, ..2 * bytes as u64, |_| {});
    ctx.wait()?;
    {
        let view = b
            .readback
            .get_mapped_range(..2 * bytes as u64)
            .map_err(|e| Error::Gpu(format!("readback map failed: {e}")))?;
        let d: &[f32] = bytemuck::cast_slice(&view[..bytes]);
        let ids: &[u32] = bytemuck::cast_slice(&view[bytes..]);
        for q in 0..nq {
            let mut t = TopK::new(kc);
            for j in 0..kc {
                let id = ids[q * kc + j];
                if id != u32::MAX {
                    t.dist.push(d[q * kc + j]);
                    t.id.push(id);
                }
            }
            out.push(t);
        }
    }
    b.readback.unmap();
    Ok(())
}

fn entry(binding: u32, b: &wgpu::Buffer) -> wgpu::BindGroupEntry<'_> {
    wgpu::BindGroupEntry {
        binding,
        resource: b.as_entire_binding(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shaders parse and validate (no GPU needed).
    #[test]
    fn shaders_validate() {
        for (name, src) in [
            ("knn bk8", distance_shader(8, false)),
            ("knn bk16", distance_shader(16, false)),
            ("knn f16", distance_shader(8, true)),
            ("knn_select", select_shader(18)),
        ] {
            let module = naga::front::wgsl::parse_str(&src)
                .unwrap_or_else(|e| panic!("{name}: {}", e.emit_to_string(&src)));
            naga::valid::Validator::new(
                naga::valid::ValidationFlags::all(),
                naga::valid::Capabilities::all(),
            )
            .validate(&module)
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        }
    }
}
