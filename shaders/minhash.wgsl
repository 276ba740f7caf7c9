// MinHash signatures: one workgroup per document, one thread per permutation (strided when there
// are more than 128). The document's shingle hashes are staged 128 at a time in workgroup
// memory; every thread then folds them into its running minimum of fmix32(h ^ seed), the same
// u32 arithmetic as the CPU twin (src/metrics/minhash), so signatures are bit-identical.

struct Params {
    docs: u32,   // documents in this dispatch
    perms: u32,  // signature length
    first: u32,  // index of the dispatch's first document in `offsets`
    _pad: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> hashes: array<u32>;   // shingle hashes, concatenated
@group(0) @binding(2) var<storage, read> offsets: array<u32>;  // document d: hashes[offsets[d]..offsets[d + 1]]
@group(0) @binding(3) var<storage, read> seeds: array<u32>;
@group(0) @binding(4) var<storage, read_write> sigs: array<u32>; // docs × perms

const WG: u32 = 128u;
const PERMS_PER_THREAD: u32 = 8u; // up to 1024 permutations
var<workgroup> stage: array<u32, 128>;
var<workgroup> range_lo: u32;
var<workgroup> range_hi: u32;

fn fmix32(x: u32) -> u32 {
    var h = x;
    h ^= h >> 16u;
    h *= 0x85ebca6bu;
    h ^= h >> 13u;
    h *= 0xc2b2ae35u;
    return h ^ (h >> 16u);
}

@compute @workgroup_size(128, 1, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    let t = lid.x;
    let d = wid.x + wid.y * 65535u; // document within the dispatch
    let live = d < p.docs;          // uniform per workgroup
    if (t == 0u) {
        range_lo = 0u;
        range_hi = 0u;
        if (live) {
            range_lo = offsets[p.first + d];
            range_hi = offsets[p.first + d + 1u];
        }
    }
    // The document's range, uniform across the workgroup (the loop below holds barriers).
    let lo = workgroupUniformLoad(&range_lo);
    let hi = workgroupUniformLoad(&range_hi);
    var seed: array<u32, PERMS_PER_THREAD>;
    var acc: array<u32, PERMS_PER_THREAD>;
    for (var j = 0u; j < PERMS_PER_THREAD; j++) {
        let k = t + j * WG;
        seed[j] = select(0u, seeds[min(k, p.perms - 1u)], k < p.perms);
        acc[j] = 0xffffffffu;
    }
    let nper = (p.perms + WG - 1u) / WG;
    for (var base = lo; base < hi; base += WG) {
        workgroupBarrier();
        let i = base + t;
        if (i < hi) { stage[t] = hashes[i]; }
        workgroupBarrier();
        let m = min(WG, hi - base);
        for (var s = 0u; s < m; s++) {
            let h = stage[s];
            for (var j = 0u; j < nper; j++) {
                acc[j] = min(acc[j], fmix32(h ^ seed[j]));
            }
        }
    }
    if (live) {
        for (var j = 0u; j < nper; j++) {
            let k = t + j * WG;
            if (k < p.perms) { sigs[d * p.perms + k] = acc[j]; }
        }
    }
}
