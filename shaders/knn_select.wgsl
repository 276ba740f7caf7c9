// Top-k selection of the exact kNN: merges one chunk of D (distances of the chunk's queries to
// the chunk's references) into each query's running list of KC candidates.
//
// A workgroup of 64 threads per query. Each thread keeps a private sorted list of KC entries:
// it takes its share of the running list (entries j ≡ thread mod 64), then scans columns thread,
// thread+64, … of the query's row of D; an entry replaces the list's worst only when nearer, which
// after the first chunk is rare. The 64 lists are then merged: KC rounds of a shared-memory
// argmin over the lists' heads, the winner advancing. Order is (distance, index), so ties go to
// the lower index whatever the thread count, like the CPU twin.

struct Params {
    q_base: u32, r_base: u32, nq: u32, nr: u32, dvec: u32, q_global: u32, r_global: u32,
    ldv: u32, metric: u32, ncols: u32, kc: u32, _pad: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dist: array<f32>;
@group(0) @binding(2) var<storage, read_write> best_d: array<f32>;
@group(0) @binding(3) var<storage, read_write> best_i: array<u32>;

const WG: u32 = 64u;
const NONE: u32 = 0xffffffffu;
var<workgroup> hd: array<f32, 64>;
var<workgroup> hi: array<u32, 64>;
var<workgroup> ht: array<u32, 64>;

fn less(d1: f32, i1: u32, d2: f32, i2: u32) -> bool {
    return d1 < d2 || (d1 == d2 && i1 < i2);
}

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    let t = lid.x;
    let q = wid.x + wid.y * 65535u;
    let live = q < p.nq; // uniform per workgroup
    var ld: array<f32, KC>;
    var li: array<u32, KC>;
    for (var j = 0u; j < KC; j++) { ld[j] = 3.4e38; li[j] = NONE; }

    if (live) {
        for (var j = t; j < KC; j += WG) {
            insert(&ld, &li, best_d[q * KC + j], best_i[q * KC + j]);
        }
        // The running list's worst entry bounds every thread: only a distance that beats it
        // can enter the merged list, so a thread's private list takes nothing else (without
        // this bound each thread would fill its own list, ~KC·ln(chunk/64/KC) insertions).
        let bound_d = best_d[q * KC + KC - 1u];
        let bound_i = best_i[q * KC + KC - 1u];
        let row = q * p.ldv * 4u;
        for (var c = t; c < p.ncols; c += WG) {
            let d = dist[row + c];
            let id = p.r_global + c;
            if (less(d, id, bound_d, bound_i) && less(d, id, ld[KC - 1u], li[KC - 1u])) {
                insert(&ld, &li, d, id);
            }
        }
    }

    var h = 0u;
    for (var r = 0u; r < KC; r++) {
        if (h < KC) { hd[t] = ld[h]; hi[t] = li[h]; } else { hd[t] = 3.4e38; hi[t] = NONE; }
        ht[t] = t;
        workgroupBarrier();
        for (var s = WG / 2u; s > 0u; s >>= 1u) {
            if (t < s && less(hd[t + s], hi[t + s], hd[t], hi[t])) {
                hd[t] = hd[t + s]; hi[t] = hi[t + s]; ht[t] = ht[t + s];
            }
            workgroupBarrier();
        }
        let win = ht[0];
        if (t == 0u && live) { best_d[q * KC + r] = hd[0]; best_i[q * KC + r] = hi[0]; }
        if (t == win) { h += 1u; }
        workgroupBarrier();
    }
}

fn insert(ld: ptr<function, array<f32, KC>>, li: ptr<function, array<u32, KC>>, d: f32, i: u32) {
    if (!less(d, i, (*ld)[KC - 1u], (*li)[KC - 1u])) { return; }
    var at = KC - 1u;
    while (at > 0u && less(d, i, (*ld)[at - 1u], (*li)[at - 1u])) {
        (*ld)[at] = (*ld)[at - 1u];
        (*li)[at] = (*li)[at - 1u];
        at -= 1u;
    }
    (*ld)[at] = d;
    (*li)[at] = i;
}
