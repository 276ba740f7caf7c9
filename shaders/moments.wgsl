// Fused moments + histogram of one numeric column chunk: the GPU twin of
// src/metrics/moments/cpu.rs.
//
// The host prepends two aliases: `E`, the stored element type (f64 or f32), and `F`, the type the
// arithmetic runs in (f64 where the adapter has SHADER_F64; f32 otherwise, on values the host has
// shifted by the centre of the column's range), and `classify(i)`, which reads element i's bits
// through `data_bits` (0 finite, 1 NaN, 2 +inf, 3 -inf). NaN and infinities are told apart by
// their bits, not by float comparisons: WGSL, and Metal's default fast math, let a compiler assume
// floats are finite.
//
// Moments are taken of `x - shift`, with the shift the centre of the column's range: the means
// merged then stay small, so their rounding cannot leak into the spread even where a compiler
// reassociates the double-double arithmetic of the mean (Mesa's NIR may). Extremes and bins use
// the values as they are, so they match the CPU exactly.
//
// Each workgroup of WG threads walks tiles of WG * K values; a thread takes K values of a tile
// (stride WG, so loads coalesce), computes their exact two-pass moments in registers (count, sum,
// extremes; then power sums of the deviations from the rounded mean) and folds them into its
// running state with Pébay's pairwise merge. The workgroup then merges its threads' states in a
// fixed tree order and writes one partial; the host merges partials in order. Counts of nulls,
// NaN, infinities and zeros use workgroup atomics; the histogram is privatised in workgroup memory
// (in up to 8 copies when bins are few) when it has at most MAX_WG_BINS bins and added to the
// global one at the end.

const WG: u32 = 128u;
const K: u32 = 16u;
const MAX_WG_BINS: u32 = 1024u;

struct Params {
    lo: F,          // histogram origin, halved: lo / 2
    scale: F,       // bins / (hi/2 - lo/2), or 0
    shift: F,       // centre of the range / scale: subtracted from values (scaled) before moments
    inv: F,         // 1 / scale, a power of two: 1 unless values are huge (Rust: pow2_scale)
    zero: F,        // how 0 is stored: 0, or -shift where the host shifted the values
    n: u32,         // values in this chunk
    has_validity: u32,
    bins: u32,      // 0: no histogram
    num_wg: u32,    // workgroups dispatched
}

struct Partial {
    mean_hi: F,
    mean_lo: F,
    m2: F,
    m3: F,
    m4: F,
    min: F,
    max: F,
    n: u32,
    nulls: u32,
    nan: u32,
    pos_inf: u32,
    neg_inf: u32,
    zeros: u32,
}

@group(0) @binding(0) var<storage, read> data: array<E>;
@group(0) @binding(1) var<storage, read> validity: array<u32>;
@group(0) @binding(2) var<storage, read_write> partials: array<Partial>;
@group(0) @binding(3) var<storage, read_write> hist: array<atomic<u32>>;
@group(0) @binding(4) var<uniform> params: Params;
// The same buffer as `data`, as raw words.
@group(0) @binding(5) var<storage, read> data_bits: array<u32>;

var<workgroup> s_mean_hi: array<F, WG>;
var<workgroup> s_mean_lo: array<F, WG>;
var<workgroup> s_m2: array<F, WG>;
var<workgroup> s_m3: array<F, WG>;
var<workgroup> s_m4: array<F, WG>;
var<workgroup> s_min: array<F, WG>;
var<workgroup> s_max: array<F, WG>;
var<workgroup> s_n: array<u32, WG>;
var<workgroup> w_nulls: atomic<u32>;
var<workgroup> w_nan: atomic<u32>;
var<workgroup> w_pinf: atomic<u32>;
var<workgroup> w_ninf: atomic<u32>;
var<workgroup> w_zeros: atomic<u32>;
var<workgroup> w_hist: array<atomic<u32>, MAX_WG_BINS>;

struct St {
    n: u32,
    hi: F,
    lo: F,
    m2: F,
    m3: F,
    m4: F,
    mn: F,
    mx: F,
}

// Pébay's merge, term for term as Moments::merge in Rust.
fn merge(a: St, b: St) -> St {
    if (b.n == 0u) { return a; }
    if (a.n == 0u) { return b; }
    let na = F(a.n);
    let nb = F(b.n);
    let n = na + nb;
    let delta = (b.hi - a.hi) + (b.lo - a.lo);
    let d_n = delta / n;
    let d_n2 = d_n * d_n;
    let t1 = delta * d_n * na * nb;
    var r: St;
    r.n = a.n + b.n;
    r.m2 = max(a.m2 + b.m2 + t1, F(0.0));
    r.m3 = a.m3 + b.m3 + t1 * d_n * (na - nb) + F(3.0) * d_n * (na * b.m2 - nb * a.m2);
    r.m4 = max(a.m4 + b.m4 + t1 * d_n2 * (na * na - na * nb + nb * nb)
        + F(6.0) * d_n2 * (na * na * b.m2 + nb * nb * a.m2)
        + F(4.0) * d_n * (na * b.m3 - nb * a.m3), F(0.0));
    // two_sum(a.hi, d_n * nb), then fast_two_sum(s, e + a.lo)
    let t = d_n * nb;
    let s = a.hi + t;
    let bb = s - a.hi;
    let e = (a.hi - (s - bb)) + (t - bb);
    let l = e + a.lo;
    let h2 = s + l;
    r.hi = h2;
    r.lo = l - (h2 - s);
    r.mn = min(a.mn, b.mn);
    r.mx = max(a.mx, b.mx);
    return r;
}

fn empty() -> St {
    var r: St;
    r.n = 0u;
    r.hi = F(0.0);
    r.lo = F(0.0);
    r.m2 = F(0.0);
    r.m3 = F(0.0);
    r.m4 = F(0.0);
    r.mn = F(0.0);
    r.mx = F(0.0);
    return r;
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
    let use_wg_hist = params.bins > 0u && params.bins <= MAX_WG_BINS;
    // Few bins: up to 8 copies of the workgroup histogram, so threads of a workgroup that hit the
    // same bin spread their atomics over several counters.
    var copies = 1u;
    if (use_wg_hist) { copies = clamp(MAX_WG_BINS / params.bins, 1u, 8u); }
    let my_copy = (lid % copies) * params.bins;
    if (lid == 0u) {
        atomicStore(&w_nulls, 0u);
        atomicStore(&w_nan, 0u);
        atomicStore(&w_pinf, 0u);
        atomicStore(&w_ninf, 0u);
        atomicStore(&w_zeros, 0u);
    }
    if (use_wg_hist) {
        for (var b = lid; b < params.bins * copies; b += WG) {
            atomicStore(&w_hist[b], 0u);
        }
    }
    workgroupBarrier();

    let n = params.n;
    let tiles = (n + WG * K - 1u) / (WG * K);
    var st = empty();
    var nulls = 0u;
    var nan = 0u;
    var pinf = 0u;
    var ninf = 0u;
    var zeros = 0u;
    for (var t = wid.x; t < tiles; t += params.num_wg) {
        let base = t * WG * K + lid;
        var v: array<F, K>;
        var okm = 0u;
        var cnt = 0u;
        var sum = F(0.0);
        var mn = F(0.0);
        var mx = F(0.0);
        for (var j = 0u; j < K; j++) {
            let i = base + j * WG;
            var x = F(0.0);
            if (i < n) {
                var valid = true;
                if (params.has_validity != 0u) {
                    valid = ((validity[i >> 5u] >> (i & 31u)) & 1u) == 1u;
                }
                if (!valid) {
                    nulls += 1u;
                } else {
                    let cls = classify(i);
                    if (cls == 1u) {
                        nan += 1u;
                    } else if (cls == 2u) {
                        pinf += 1u;
                    } else if (cls == 3u) {
                        ninf += 1u;
                    } else {
                        x = F(data[i]);
                        okm |= 1u << j;
                        if (cnt == 0u) {
                            mn = x;
                            mx = x;
                        } else {
                            mn = min(mn, x);
                            mx = max(mx, x);
                        }
                        cnt += 1u;
                        sum += x * params.inv - params.shift;
                        if (x == params.zero) { zeros += 1u; }
                        if (params.bins > 0u) {
                            let b = u32(min(max((x * F(0.5) - params.lo) * params.scale, F(0.0)), F(params.bins - 1u)));
                            if (use_wg_hist) {
                                atomicAdd(&w_hist[my_copy + b], 1u);
                            } else {
                                atomicAdd(&hist[b], 1u);
                            }
                        }
                    }
                }
            }
            v[j] = x;
        }
        if (cnt > 0u) {
            let c = F(cnt);
            let shift = sum / c;
            var s1 = F(0.0);
            var s2 = F(0.0);
            var s3 = F(0.0);
            var s4 = F(0.0);
            for (var j = 0u; j < K; j++) {
                var d = F(0.0);
                if (((okm >> j) & 1u) == 1u) { d = (v[j] * params.inv - params.shift) - shift; }
                let d2 = d * d;
                s1 += d;
                s2 += d2;
                s3 += d2 * d;
                s4 += d2 * d2;
            }
            // Moments::from_block
            let cc = s1 / c;
            var blk: St;
            blk.n = cnt;
            blk.m2 = max(s2 - s1 * cc, F(0.0));
            blk.m3 = s3 - F(3.0) * cc * s2 + F(2.0) * cc * cc * s1;
            blk.m4 = max(s4 - F(4.0) * cc * s3 + F(6.0) * cc * cc * s2 - F(3.0) * cc * cc * cc * s1, F(0.0));
            let h = shift + cc;
            blk.hi = h;
            blk.lo = cc - (h - shift);
            blk.mn = mn;
            blk.mx = mx;
            st = merge(st, blk);
        }
    }
    atomicAdd(&w_nulls, nulls);
    atomicAdd(&w_nan, nan);
    atomicAdd(&w_pinf, pinf);
    atomicAdd(&w_ninf, ninf);
    atomicAdd(&w_zeros, zeros);
    s_n[lid] = st.n;
    s_mean_hi[lid] = st.hi;
    s_mean_lo[lid] = st.lo;
    s_m2[lid] = st.m2;
    s_m3[lid] = st.m3;
    s_m4[lid] = st.m4;
    s_min[lid] = st.mn;
    s_max[lid] = st.mx;
    workgroupBarrier();
    for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
        if (lid < stride) {
            var a: St;
            a.n = s_n[lid]; a.hi = s_mean_hi[lid]; a.lo = s_mean_lo[lid];
            a.m2 = s_m2[lid]; a.m3 = s_m3[lid]; a.m4 = s_m4[lid];
            a.mn = s_min[lid]; a.mx = s_max[lid];
            let o = lid + stride;
            var b: St;
            b.n = s_n[o]; b.hi = s_mean_hi[o]; b.lo = s_mean_lo[o];
            b.m2 = s_m2[o]; b.m3 = s_m3[o]; b.m4 = s_m4[o];
            b.mn = s_min[o]; b.mx = s_max[o];
            let r = merge(a, b);
            s_n[lid] = r.n; s_mean_hi[lid] = r.hi; s_mean_lo[lid] = r.lo;
            s_m2[lid] = r.m2; s_m3[lid] = r.m3; s_m4[lid] = r.m4;
            s_min[lid] = r.mn; s_max[lid] = r.mx;
        }
        workgroupBarrier();
    }
    if (use_wg_hist) {
        for (var b = lid; b < params.bins; b += WG) {
            var c = 0u;
            for (var k = 0u; k < copies; k++) {
                c += atomicLoad(&w_hist[k * params.bins + b]);
            }
            if (c > 0u) { atomicAdd(&hist[b], c); }
        }
    }
    if (lid == 0u) {
        var p: Partial;
        p.n = s_n[0];
        p.mean_hi = s_mean_hi[0];
        p.mean_lo = s_mean_lo[0];
        p.m2 = s_m2[0];
        p.m3 = s_m3[0];
        p.m4 = s_m4[0];
        p.min = s_min[0];
        p.max = s_max[0];
        p.nulls = atomicLoad(&w_nulls);
        p.nan = atomicLoad(&w_nan);
        p.pos_inf = atomicLoad(&w_pinf);
        p.neg_inf = atomicLoad(&w_ninf);
        p.zeros = atomicLoad(&w_zeros);
        partials[wid.x] = p;
    }
}
