// Sketch updates: HyperLogLog registers and DDSketch bucket counts, the GPU twin of
// src/metrics/sketch (hash_u64, hash_bytes, ddsketch::key, hll::slot). WGSL has no 64-bit
// integers, so 64-bit values are vec2<u32> (x: low word, y: high word) and the 64-bit
// arithmetic below reproduces Rust's wrapping u64 operations bit for bit.
//
// `numeric`: one thread per f64 value (its bits, two words, straight from the Arrow buffer),
//   valid where its validity bit is set. Every valid value goes to the HyperLogLog (floats
//   keyed as the CPU keys them: -0 as 0, every NaN as one NaN); finite non-zero values to the
//   DDSketch bucket of |x| in the positive or negative store (keys relative to each store's
//   first key, which the host derives from the column's range), zeros to a counter.
// `strings`: one thread per string of an Arrow utf8/binary array (i32 offsets, bytes as
//   little-endian words), hashed from its bytes, into the HyperLogLog.

struct Params {
    n: u32,            // values (or strings) in this dispatch
    first: u32,        // index of the first one
    slices: u32,       // DDSketch slices per octave (c)
    hll_p: u32,        // HyperLogLog precision p
    pos_first: i32,    // key of pos[0]
    pos_len: u32,
    neg_first: i32,    // key of neg[0]
    neg_len: u32,
    has_validity: u32, // 0: every value is valid
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> words: array<u32>;      // f64 bits, or string bytes
@group(0) @binding(2) var<storage, read> validity: array<u32>;   // bit i: value i is valid
@group(0) @binding(3) var<storage, read> offsets: array<i32>;    // strings: n + 1 offsets
@group(0) @binding(4) var<storage, read_write> hll: array<atomic<u32>>;
@group(0) @binding(5) var<storage, read_write> pos: array<atomic<u32>>;
@group(0) @binding(6) var<storage, read_write> neg: array<atomic<u32>>;
@group(0) @binding(7) var<storage, read_write> counters: array<atomic<u32>>; // [zeros, out of range]

const SEED: vec2<u32> = vec2<u32>(0x7f4a7c15u, 0x9e3779b9u);
const K1: vec2<u32> = vec2<u32>(0x114253d5u, 0x87c37b91u);
const K2: vec2<u32> = vec2<u32>(0x2745937fu, 0x4cf5ad43u);
const M1: vec2<u32> = vec2<u32>(0xed558ccdu, 0xff51afd7u);
const M2: vec2<u32> = vec2<u32>(0x1a85ec53u, 0xc4ceb9feu);

// Full 64-bit product of two u32: (low, high).
fn mul32(a: u32, b: u32) -> vec2<u32> {
    let a0 = a & 0xffffu;
    let a1 = a >> 16u;
    let b0 = b & 0xffffu;
    let b1 = b >> 16u;
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    let mid = (p00 >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
    let hi = p11 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u);
    return vec2<u32>(a * b, hi);
}

// Low 64 bits of a 64 × 64 product.
fn mul64(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
    let lo = mul32(a.x, b.x);
    return vec2<u32>(lo.x, lo.y + a.x * b.y + a.y * b.x);
}

fn add64(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
    let lo = a.x + b.x;
    return vec2<u32>(lo, a.y + b.y + select(0u, 1u, lo < a.x));
}

fn shr33(a: vec2<u32>) -> vec2<u32> {
    return vec2<u32>(a.y >> 1u, 0u);
}

fn fmix64(k0: vec2<u32>) -> vec2<u32> {
    var k = k0 ^ shr33(k0);
    k = mul64(k, M1);
    k = k ^ shr33(k);
    k = mul64(k, M2);
    return k ^ shr33(k);
}

fn rotl27(a: vec2<u32>) -> vec2<u32> {
    return vec2<u32>((a.x << 27u) | (a.y >> 5u), (a.y << 27u) | (a.x >> 5u));
}

// One word of hash_bytes' state update.
fn absorb(h: vec2<u32>, w: vec2<u32>) -> vec2<u32> {
    let m = rotl27(h ^ fmix64(w ^ K1));
    return add64(mul64(m, vec2<u32>(5u, 0u)), K2);
}

fn hll_add(h: vec2<u32>) {
    let pr = p.hll_p;
    let idx = h.y >> (32u - pr);
    // w = h << p, its leading zeros + 1 (at most 65 - p).
    let wy = (h.y << pr) | (h.x >> (32u - pr));
    let wx = h.x << pr;
    var rank: u32;
    if (wy != 0u) {
        rank = countLeadingZeros(wy) + 1u;
    } else if (wx != 0u) {
        rank = 32u + countLeadingZeros(wx) + 1u;
    } else {
        rank = 65u - pr;
    }
    if (rank > atomicLoad(&hll[idx])) {
        atomicMax(&hll[idx], rank);
    }
}

// ddsketch::key of a positive finite f64 (bits without the sign).
fn dd_key(b: vec2<u32>) -> i32 {
    let c = p.slices;
    let exp = (b.y >> 20u) & 0x7ffu;
    var mh = b.y & 0xfffffu; // mantissa bits 32..51
    var ml = b.x;            // mantissa bits 0..31
    var e: i32;
    if (exp == 0u) {
        // Subnormal: normalise so the highest set bit becomes the implicit one.
        var top: u32; // index of the highest set bit of the 52-bit mantissa
        if (mh != 0u) {
            top = 51u - (countLeadingZeros(mh) - 12u);
        } else {
            top = 31u - countLeadingZeros(ml);
        }
        let s = 52u - top; // shift left by s (1..52), then drop the implicit bit
        if (s >= 32u) {
            mh = ml << (s - 32u);
            ml = 0u;
        } else {
            mh = (mh << s) | (ml >> (32u - s));
            ml = ml << s;
        }
        mh = mh & 0xfffffu;
        e = i32(top) - 1074;
    } else {
        e = i32(exp) - 1023;
    }
    // floor(m * c / 2^52) with m = mh * 2^32 + ml: floor((mh * c + mulhi(ml, c)) / 2^20).
    let t = mul32(ml, c).y;
    let j = (mh * c + t) >> 20u;
    return e * i32(c) + i32(j);
}

fn valid(i: u32) -> bool {
    return p.has_validity == 0u || ((validity[i >> 5u] >> (i & 31u)) & 1u) == 1u;
}

@compute @workgroup_size(256, 1, 1)
fn numeric(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
    let i = gid.x + gid.y * nw.x * 256u;
    if (i >= p.n) { return; }
    let g = p.first + i;
    if (!valid(g)) { return; }
    let b = vec2<u32>(words[2u * g], words[2u * g + 1u]);
    let mag = b.y & 0x7fffffffu;
    let is_zero = mag == 0u && b.x == 0u;
    let non_finite = mag >= 0x7ff00000u;
    let is_nan = non_finite && (mag > 0x7ff00000u || b.x != 0u);
    var key = b;
    if (is_zero) { key = vec2<u32>(0u, 0u); }
    if (is_nan) { key = vec2<u32>(0u, 0x7ff80000u); }
    hll_add(fmix64(key ^ SEED));
    if (non_finite) { return; }
    if (is_zero) {
        atomicAdd(&counters[0], 1u);
        return;
    }
    let k = dd_key(vec2<u32>(b.x, mag));
    if ((b.y >> 31u) == 0u) {
        let r = k - p.pos_first;
        if (r >= 0 && u32(r) < p.pos_len) { atomicAdd(&pos[r], 1u); } else { atomicAdd(&counters[1], 1u); }
    } else {
        let r = k - p.neg_first;
        if (r >= 0 && u32(r) < p.neg_len) { atomicAdd(&neg[r], 1u); } else { atomicAdd(&counters[1], 1u); }
    }
}

// Byte o of the string data.
fn byte_at(o: u32) -> u32 {
    return (words[o >> 2u] >> ((o & 3u) * 8u)) & 0xffu;
}

// The 32-bit little-endian word at byte o (any alignment).
fn word_at(o: u32) -> u32 {
    let s = (o & 3u) * 8u;
    let w0 = words[o >> 2u];
    if (s == 0u) { return w0; }
    return (w0 >> s) | (words[(o >> 2u) + 1u] << (32u - s));
}

@compute @workgroup_size(256, 1, 1)
fn strings(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
    let i = gid.x + gid.y * nw.x * 256u;
    if (i >= p.n) { return; }
    let g = p.first + i;
    if (!valid(g)) { return; }
    let start = u32(offsets[g]);
    let len = u32(offsets[g + 1u]) - start;
    var h = SEED;
    let full = len / 8u;
    for (var k = 0u; k < full; k++) {
        let o = start + 8u * k;
        h = absorb(h, vec2<u32>(word_at(o), word_at(o + 4u)));
    }
    let rest = len - 8u * full;
    if (rest > 0u) {
        var w = vec2<u32>(0u, 0u);
        let o = start + 8u * full;
        for (var k = 0u; k < rest; k++) {
            let v = byte_at(o + k);
            if (k < 4u) { w.x |= v << (8u * k); } else { w.y |= v << (8u * (k - 4u)); }
        }
        h = absorb(h, w);
    }
    hll_add(fmix64(h ^ vec2<u32>(len, 0u)));
}
