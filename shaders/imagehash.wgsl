// pHash and dHash of 8-bit luminance images, one workgroup per image; the CPU twin is
// src/images/hash.rs, and the bits are identical (tests/images_gpu.rs).
//
// 1. PIL's LANCZOS resize, horizontal pass: every row to 32 columns (pHash) and to 9 (dHash),
//    with the host's 22-bit fixed-point weights, rounded and clipped to 8 bits, into `scratch`.
// 2. Vertical pass: 32×32 and 9×8 images, in workgroup memory.
// 3. The low 8×8 block of the 32×32 DCT-II in exact integers (12-bit cosine table, the first 256
//    entries of `coef`: 8 frequencies × 32 samples): along columns into i32, then along rows as a pair (hi, lo) with
//    value = hi·4096 + lo, 0 ≤ lo < 4096, since the exact sums need more than 32 bits.
// 4. pHash bit: at least 32 of the 64 values are smaller (the numpy-median rule); dHash bit:
//    the right neighbour is brighter. Bit 0 is the most significant of the 64.
//

struct Img {
    px: u32,       // first byte of the image in `px` (row-major, w·h bytes)
    w: u32,
    h: u32,
    scratch: u32,  // first word of its h×41 horizontal-pass results in `scratch`
    h32: u32,      // weight tables (see `taps`), NONE where input and output sizes are equal
    v32: u32,
    h9: u32,
    v8: u32,
}

const NONE: u32 = 0xffffffffu;
const PRECISION_BITS: u32 = 22u;
const WG: u32 = 256u;

@group(0) @binding(0) var<storage, read> imgs: array<Img>;
@group(0) @binding(1) var<storage, read> px: array<u32>;
// A table for one (input size, output size): per output, (first input, first weight, count).
@group(0) @binding(2) var<storage, read> taps: array<u32>;
// The DCT table (256 entries), then the weights of the tables.
@group(0) @binding(3) var<storage, read> coef: array<i32>;
@group(0) @binding(4) var<storage, read_write> scratch: array<u32>;
// Per image: pHash high and low word, dHash high and low word.
@group(0) @binding(5) var<storage, read_write> hashes: array<u32>;

var<workgroup> small32: array<i32, 1024>;
var<workgroup> small9: array<i32, 72>;
var<workgroup> cols: array<i32, 256>;
var<workgroup> fhi: array<i32, 64>;
var<workgroup> flo: array<i32, 64>;
var<workgroup> words: array<atomic<u32>, 4>;

fn byte_at(i: u32) -> i32 {
    return i32((px[i >> 2u] >> (8u * (i & 3u))) & 255u);
}

fn clip8(ss: i32) -> i32 {
    return clamp(ss >> PRECISION_BITS, 0, 255);
}

// One output of a pass: `table`'s output `o` over the samples `at(first + t)`.
fn horizontal(img: Img, table: u32, o: u32, y: u32) -> i32 {
    let row = img.px + y * img.w;
    if table == NONE {
        return byte_at(row + o);
    }
    let first = taps[table + 3u * o];
    let k = taps[table + 3u * o + 1u];
    let n = taps[table + 3u * o + 2u];
    var ss = 1 << (PRECISION_BITS - 1u);
    for (var t = 0u; t < n; t++) {
        ss += byte_at(row + first + t) * coef[k + t];
    }
    return clip8(ss);
}

// Vertical pass over the horizontal results of column `c` (0..41) of the scratch rows.
fn vertical(img: Img, table: u32, o: u32, c: u32) -> i32 {
    if table == NONE {
        return i32(scratch[img.scratch + o * 41u + c]);
    }
    let first = taps[table + 3u * o];
    let k = taps[table + 3u * o + 1u];
    let n = taps[table + 3u * o + 2u];
    var ss = 1 << (PRECISION_BITS - 1u);
    for (var t = 0u; t < n; t++) {
        ss += i32(scratch[img.scratch + (first + t) * 41u + c]) * coef[k + t];
    }
    return clip8(ss);
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let id = wid.x + wid.y * 65535u;
    if id >= arrayLength(&imgs) {
        return;
    }
    let img = imgs[id];
    if lid < 4u {
        atomicStore(&words[lid], 0u);
    }
    // 1. Horizontal pass of every row, both widths.
    let total = img.h * 41u;
    for (var i = lid; i < total; i += WG) {
        let y = i / 41u;
        let c = i % 41u;
        var v: i32;
        if c < 32u {
            v = horizontal(img, img.h32, c, y);
        } else {
            v = horizontal(img, img.h9, c - 32u, y);
        }
        scratch[img.scratch + i] = u32(v);
    }
    storageBarrier();
    workgroupBarrier();
    // 2. Vertical pass: 32×32, then 9 wide × 8 high.
    for (var i = lid; i < 1096u; i += WG) {
        if i < 1024u {
            small32[i] = vertical(img, img.v32, i / 32u, i % 32u);
        } else {
            let j = i - 1024u;
            small9[j] = vertical(img, img.v8, j / 9u, 32u + j % 9u);
        }
    }
    workgroupBarrier();
    // 3a. Along columns: cols[u·32 + x] = Σ_y cos[u][y]·p[y][x] (at most 32·255·4096 < 2^25).
    {
        let u = lid / 32u;
        let x = lid % 32u;
        var s = 0;
        for (var y = 0u; y < 32u; y++) {
            s += coef[u * 32u + y] * small32[y * 32u + x];
        }
        cols[lid] = s;
    }
    workgroupBarrier();
    // 3b. Along rows, the exact sum Σ_x cols·DCT split as cols = a·4096 + b (0 ≤ b < 4096):
    //     both partial sums stay below 2^31.
    if lid < 64u {
        let u = lid / 8u;
        let v = lid % 8u;
        var a = 0;
        var b = 0;
        for (var x = 0u; x < 32u; x++) {
            let r = cols[u * 32u + x];
            let c = coef[v * 32u + x];
            a += (r >> 12u) * c;
            b += (r & 4095) * c;
        }
        fhi[lid] = a + (b >> 12u);
        flo[lid] = b & 4095;
    }
    workgroupBarrier();
    // 4. Bits.
    if lid < 64u {
        let hi = fhi[lid];
        let lo = flo[lid];
        var smaller = 0u;
        for (var j = 0u; j < 64u; j++) {
            if fhi[j] < hi || (fhi[j] == hi && flo[j] < lo) {
                smaller += 1u;
            }
        }
        if smaller >= 32u {
            atomicOr(&words[lid / 32u], 1u << (31u - lid % 32u));
        }
    } else if lid < 128u {
        let k = lid - 64u;
        let y = k / 8u;
        let x = k % 8u;
        if small9[y * 9u + x + 1u] > small9[y * 9u + x] {
            atomicOr(&words[2u + k / 32u], 1u << (31u - k % 32u));
        }
    }
    workgroupBarrier();
    if lid < 4u {
        hashes[id * 4u + lid] = atomicLoad(&words[lid]);
    }
}
