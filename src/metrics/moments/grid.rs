//! The one-pass histogram: counts on a fixed grid of power-of-two cells that merges exactly, in
//! any order, and from which the equal-width histogram of the report is rendered at the end.
//!
//! **Grid.** Cell `i` at exponent `e` holds the finite values `x` with `floor(x / 2^e) == i`:
//! cells of width `2^e`, aligned at multiples of `2^e`, so the cells at `e + 1` are exactly pairs
//! of cells at `e` (`i >> 1`). A state keeps the cells between those of its smallest and largest
//! value, and its exponent is a function of those two values alone: the smallest `e` at which
//! they lie at most [`Grid::cells`] cells apart, but never finer than `2^-1000` nor finer than
//! `2^-52` of the largest magnitude (below that, cells would split the values' own last bit).
//! A wider range never needs a finer grid, so two states merge by coarsening both to the
//! exponent of their union and adding counts: the result is the grid of the union of the values,
//! whatever the order or grouping of merges and batches. Exact, integer, order-free.
//!
//! **Rendering.** The reported histogram has `bins` equal-width bins over `[min, max]` (the
//! binning of [`HistSpec::new`]). Every cell's count goes whole to the bin that holds the cell's
//! lower edge (clamped to `[min, max]`). A value therefore moves down by less than one cell, and
//! a bin's count differs from the exact equal-width count by at most the counts of the cells
//! that hold its two edges. With the default 4096 cells and 32 bins a bin spans at least 64
//! cells, so on smooth data the error is at most about 2/64 of a bin's neighbourhood; values
//! that sit on cell edges (integers, whenever cells are at most 1 wide: a range of up to 2048)
//! are counted exactly. `cell_width` in the rendered histogram says how far a value may have
//! moved.

use super::{HistSpec, Histogram};
use serde::{Deserialize, Serialize};

/// Cells a grid keeps by default (and at least, whatever the bin count).
pub const DEFAULT_CELLS: u32 = 4096;
/// The most cells a grid may keep.
pub const MAX_CELLS: u32 = 1 << 20;
/// The finest cell: `2^MIN_EXP`.
const MIN_EXP: i32 = -1000;

/// The cells a grid keeps for histograms of `bins` bins: at least 64 cells a bin.
pub fn cells_for(bins: u32) -> u32 {
    (bins.max(1) as u64 * 64)
        .next_power_of_two()
        .clamp(DEFAULT_CELLS as u64, MAX_CELLS as u64) as u32
}

/// `2^e` as an f64 (`e` within the normal range).
fn pow2(e: i32) -> f64 {
    debug_assert!((-1022..=1023).contains(&e));
    f64::from_bits(((e + 1023) as u64) << 52)
}

/// The cell of a finite `x` at exponent `e`: `floor(x / 2^e)`, exactly (multiplying by a power of
/// two is exact; a negative value that underflows to zero lies in cell -1).
#[inline(always)]
fn cell(x: f64, inv: f64) -> f64 {
    let y = x * inv;
    // Round to nearest by the 1.5·2^52 trick, then step down where that rounded up: exact for
    // |y| < 2^51, and larger y are integers already.
    const MAGIC: f64 = 6755399441055744.0;
    let r = if y.abs() < 2251799813685248.0 {
        (y + MAGIC) - MAGIC
    } else {
        y
    };
    let f = if r > y { r - 1.0 } else { r };
    if f == 0.0 && x < 0.0 {
        -1.0
    } else {
        f
    }
}

/// The exponent of the largest magnitude's binary order: `floor(log2(|x|))` for normal `x`.
fn exponent(x: f64) -> i32 {
    let b = (x.abs().to_bits() >> 52) as i32;
    if b == 0 {
        -1023
    } else {
        b - 1023
    }
}

/// Counts of finite values on power-of-two cells (module docs). In JSON, `counts` lists every
/// cell from `offset` on; a grid with mostly empty cells lists `sparse` instead: the index past
/// `offset` and the count of each non-empty cell, flattened (`[i, n, i, n, …]`), with `len`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(into = "GridJson", try_from = "GridJson")]
pub struct Grid {
    /// The most cells between the smallest and the largest value.
    pub cells: u32,
    /// Cells are `2^exp` wide.
    pub exp: i32,
    /// Index of the cell `counts[0]` counts.
    pub offset: i64,
    pub counts: Vec<u64>,
    /// Smallest and largest value counted (`null` in JSON while empty).
    pub min: f64,
    pub max: f64,
}

/// The JSON form of [`Grid`].
#[derive(Serialize, Deserialize)]
struct GridJson {
    cells: u32,
    exp: i32,
    offset: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    counts: Option<Vec<u64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    len: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sparse: Option<Vec<u64>>,
    #[serde(with = "crate::metrics::sketch::ddsketch::pos_inf")]
    min: f64,
    #[serde(with = "crate::metrics::sketch::ddsketch::neg_inf")]
    max: f64,
}

impl From<Grid> for GridJson {
    fn from(g: Grid) -> GridJson {
        let nonzero = g.counts.iter().filter(|&&c| c > 0).count();
        let sparse = nonzero * 4 < g.counts.len();
        GridJson {
            cells: g.cells,
            exp: g.exp,
            offset: g.offset,
            len: sparse.then_some(g.counts.len()),
            sparse: sparse.then(|| {
                g.counts
                    .iter()
                    .enumerate()
                    .filter(|(_, &c)| c > 0)
                    .flat_map(|(i, &c)| [i as u64, c])
                    .collect()
            }),
            counts: (!sparse).then_some(g.counts),
            min: g.min,
            max: g.max,
        }
    }
}

impl TryFrom<GridJson> for Grid {
    type Error = String;
    fn try_from(j: GridJson) -> Result<Grid, String> {
        if !j.cells.is_power_of_two() || j.cells > MAX_CELLS {
            return Err(format!("grid of {} cells", j.cells));
        }
        let counts = match (j.counts, j.sparse, j.len) {
            (Some(c), None, _) => c,
            (None, Some(s), Some(len)) => {
                if len > j.cells as usize || s.len() % 2 != 0 {
                    return Err("sparse grid counts need index and count pairs within len".into());
                }
                let mut c = vec![0u64; len];
                for p in s.chunks(2) {
                    *c.get_mut(p[0] as usize)
                        .ok_or("a sparse grid index is past len")? += p[1];
                }
                c
            }
            _ => return Err("a grid needs counts, or sparse with len".into()),
        };
        if counts.len() > j.cells as usize {
            return Err(format!("grid of {} cells holds {}", j.cells, counts.len()));
        }
        Ok(Grid {
            cells: j.cells,
            exp: j.exp,
            offset: j.offset,
            counts,
            min: j.min,
            max: j.max,
        })
    }
}

impl Grid {
    /// An empty grid of at most `cells` cells (rounded to a power of two in 2..=MAX_CELLS).
    pub fn new(cells: u32) -> Grid {
        Grid {
            cells: cells.clamp(2, MAX_CELLS).next_power_of_two(),
            exp: MIN_EXP,
            offset: 0,
            counts: Vec::new(),
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Width of a cell.
    pub fn cell_width(&self) -> f64 {
        if self.exp > 1023 {
            f64::INFINITY
        } else {
            pow2(self.exp)
        }
    }

    /// The exponent for values in `[lo, hi]` on a grid of `cells` cells (module docs).
    pub fn exponent_for(lo: f64, hi: f64, cells: u32) -> i32 {
        let maxabs = lo.abs().max(hi.abs());
        let mut e = (exponent(maxabs) - 52).max(MIN_EXP);
        // Start near the answer: the span halved (no overflow) over the cells.
        let half_span = hi * 0.5 - lo * 0.5;
        if half_span > 0.0 {
            e = e.max(exponent(half_span) + 1 - cells.trailing_zeros() as i32 - 1);
        }
        while e < 1023 {
            let inv = pow2(-e);
            if cell(hi, inv) - cell(lo, inv) < cells as f64 {
                return e;
            }
            e += 1;
        }
        e
    }

    /// Coarsen to exponent `e` (not below the current one).
    fn coarsen(&mut self, e: i32) {
        if e <= self.exp || self.counts.is_empty() {
            self.exp = self.exp.max(e);
            return;
        }
        let k = (e - self.exp).min(63) as u32;
        let first = self.offset >> k;
        let last = (self.offset + self.counts.len() as i64 - 1) >> k;
        let mut out = vec![0u64; (last - first + 1) as usize];
        for (i, &c) in self.counts.iter().enumerate() {
            out[(((self.offset + i as i64) >> k) - first) as usize] += c;
        }
        self.offset = first;
        self.counts = out;
        self.exp = e;
    }

    /// Make room for values in `[lo, hi]` (finite, `lo <= hi`): coarsen to the exponent of the
    /// union of ranges and extend the cells. Returns the multiplier `2^-exp` for [`Grid::add`].
    pub fn extend(&mut self, lo: f64, hi: f64) -> f64 {
        let (lo, hi) = if self.counts.is_empty() {
            (lo, hi)
        } else {
            (lo.min(self.min), hi.max(self.max))
        };
        let e = Self::exponent_for(lo, hi, self.cells);
        self.coarsen(e);
        self.exp = e;
        let inv = pow2(-e);
        let (a, b) = (cell(lo, inv) as i64, cell(hi, inv) as i64);
        if self.counts.is_empty() {
            self.offset = a;
            self.counts = vec![0; (b - a + 1) as usize];
        } else {
            if a < self.offset {
                let grow = (self.offset - a) as usize;
                self.counts.splice(0..0, std::iter::repeat_n(0, grow));
                self.offset = a;
            }
            let end = self.offset + self.counts.len() as i64;
            if b >= end {
                self.counts.resize((b - self.offset + 1) as usize, 0);
            }
        }
        self.min = lo;
        self.max = hi;
        inv
    }

    /// Count finite values that lie within the range last passed to [`Grid::extend`]
    /// (`inv` is what it returned).
    pub fn add(&mut self, x: &[f64], inv: f64) {
        let mut c = self.counter(inv);
        c.add(x);
        c.finish();
    }

    /// A counter of values within the range last passed to [`Grid::extend`] (`inv` is what it
    /// returned), for many calls of [`Counter::add`]; [`Counter::finish`] adds the counts.
    pub fn counter(&mut self, inv: f64) -> Counter<'_> {
        let cells = self.counts.len();
        Counter {
            off: self.offset as f64,
            top: (cells - 1) as f64,
            inv,
            sub: vec![[0u32; 4]; cells],
            added: 0,
            grid: self,
        }
    }

    /// Count one value's cell `n` times (a value inside the current range).
    pub fn add_one(&mut self, v: f64, n: u64) {
        let inv = self.extend(v, v);
        let i = (cell(v, inv) as i64 - self.offset) as usize;
        self.counts[i] += n;
    }

    /// Drop empty cells at the ends (a canonical form: states of the same values are equal).
    pub fn trim(&mut self) {
        let Some(a) = self.counts.iter().position(|&c| c > 0) else {
            self.counts.clear();
            self.offset = 0;
            return;
        };
        let b = self.counts.iter().rposition(|&c| c > 0).unwrap();
        self.counts.truncate(b + 1);
        self.counts.drain(..a);
        self.offset += a as i64;
    }

    /// Merge the grid of other values (any order, any grouping: module docs). Grids of different
    /// cell counts merge at the smaller.
    pub fn merge(&mut self, o: &Grid) {
        if o.counts.is_empty() {
            return;
        }
        if self.counts.is_empty() {
            let cells = self.cells.min(o.cells);
            *self = o.clone();
            self.cells = cells;
            if cells != o.cells {
                let e = Self::exponent_for(self.min, self.max, cells);
                self.coarsen(e);
            }
            return;
        }
        self.cells = self.cells.min(o.cells);
        let (lo, hi) = (self.min.min(o.min), self.max.max(o.max));
        let e = Self::exponent_for(lo, hi, self.cells);
        self.extend(lo, hi);
        // `o`'s cells at exponent `e`: its indices shifted right (aligned cells nest).
        let k = (e - o.exp).clamp(0, 63) as u32;
        if k == 0 {
            let at = (o.offset - self.offset) as usize;
            for (a, b) in self.counts[at..].iter_mut().zip(&o.counts) {
                *a += b;
            }
            return;
        }
        for (i, &c) in o.counts.iter().enumerate() {
            if c > 0 {
                let at = (((o.offset + i as i64) >> k) - self.offset) as usize;
                self.counts[at] += c;
            }
        }
    }

    /// The equal-width histogram of `bins` bins over `[min, max]` (module docs); `None` when
    /// empty.
    pub fn render(&self, bins: u32) -> Option<Histogram> {
        if self.counts.iter().all(|&c| c == 0) {
            return None;
        }
        let spec = HistSpec::new(self.min, self.max, bins.max(1));
        let mut counts = vec![0u64; spec.bins as usize];
        let w = self.cell_width();
        for (i, &c) in self.counts.iter().enumerate() {
            if c == 0 {
                continue;
            }
            let k = (self.offset + i as i64) as f64;
            // The cell's lower edge, k·2^e (two exact products where 2^e overflows).
            let at = if w.is_finite() {
                k * w
            } else {
                k * 2f64.powi(1023) * 2f64.powi(self.exp - 1023)
            };
            let mid = at.clamp(self.min, self.max);
            counts[spec.bin(mid)] += c;
        }
        let mut h = Histogram::from_counts(&spec, counts);
        h.exact = false;
        h.cell_width = Some(w);
        Some(h)
    }

    /// Size of the state in bytes.
    pub fn size_bytes(&self) -> usize {
        std::mem::size_of::<Self>() + self.counts.capacity() * 8
    }
}

/// Counts of one batch of values on a grid (see [`Grid::counter`]): cell indices are computed a
/// block at a time (the arithmetic vectorises), and counted in four copies so that runs of one
/// cell do not serialise on one counter.
pub struct Counter<'a> {
    grid: &'a mut Grid,
    off: f64,
    top: f64,
    inv: f64,
    sub: Vec<[u32; 4]>,
    added: u64,
}

impl Counter<'_> {
    pub fn add(&mut self, x: &[f64]) {
        // u32 copies hold 2^32 values at least; fold them in before.
        if self.added + x.len() as u64 >= u32::MAX as u64 {
            self.fold();
        }
        self.added += x.len() as u64;
        let mut idx = [0u32; 256];
        for block in x.chunks(256) {
            for (o, &v) in idx.iter_mut().zip(block) {
                *o = (cell(v, self.inv) - self.off).max(0.0).min(self.top) as u32;
            }
            let idx = &idx[..block.len()];
            let ch = idx.chunks_exact(4);
            let rest = ch.remainder();
            for c in ch {
                self.sub[c[0] as usize][0] += 1;
                self.sub[c[1] as usize][1] += 1;
                self.sub[c[2] as usize][2] += 1;
                self.sub[c[3] as usize][3] += 1;
            }
            for &i in rest {
                self.sub[i as usize][0] += 1;
            }
        }
    }

    fn fold(&mut self) {
        for (c, s) in self.grid.counts.iter_mut().zip(&mut self.sub) {
            *c += (s[0] + s[1] + s[2] + s[3]) as u64;
            *s = [0; 4];
        }
        self.added = 0;
    }

    pub fn finish(mut self) {
        self.fold();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid_of(xs: &[f64], cells: u32) -> Grid {
        let mut g = Grid::new(cells);
        for &x in xs {
            let inv = g.extend(x, x);
            g.add(&[x], inv);
        }
        g.trim();
        g
    }

    #[test]
    fn cells_are_floors_of_scaled_values() {
        for (x, e, want) in [
            (0.0, 0, 0.0),
            (-0.0, 0, 0.0),
            (0.5, 0, 0.0),
            (-0.5, 0, -1.0),
            (-1.0, 0, -1.0),
            (3.0, 1, 1.0),
            (-3.0, 1, -2.0),
            (-1e-300, 900, -1.0),
            (1e300, 900, (1e300 / 2f64.powi(900)).floor()),
        ] {
            assert_eq!(cell(x, pow2(-e)), want, "x {x} e {e}");
        }
    }

    #[test]
    fn the_grid_is_the_same_in_any_order_and_grouping() {
        let xs: Vec<f64> = (0..5000)
            .map(|i| ((i * 7919) % 5000) as f64 * 0.37 - 600.0)
            .collect();
        let whole = grid_of(&xs, 256);
        let mut rev = xs.clone();
        rev.reverse();
        assert_eq!(grid_of(&rev, 256), whole);
        let (a, b) = xs.split_at(1234);
        let (b, c) = b.split_at(2000);
        let (ga, gb, gc) = (grid_of(a, 256), grid_of(b, 256), grid_of(c, 256));
        let mut left = ga.clone();
        left.merge(&gb);
        left.merge(&gc);
        let mut right = gb.clone();
        right.merge(&gc);
        let mut r = gc.clone();
        r.merge(&ga);
        r.merge(&gb);
        let mut right2 = ga.clone();
        right2.merge(&right);
        for mut g in [left, r, right2] {
            g.trim();
            assert_eq!(g, whole);
        }
        assert_eq!(whole.total(), 5000);
        assert!(whole.counts.len() <= 256);
    }

    #[test]
    fn extremes_render_without_overflow() {
        let g = grid_of(&[-f64::MAX, 1.0, 2.0, f64::MAX], 4096);
        let h = g.render(4).unwrap();
        assert_eq!(h.counts, vec![1, 0, 2, 1]);
        let sub = grid_of(&[5e-324, 1e-310, -1e-320], 4096);
        assert_eq!(sub.total(), 3);
        let one = grid_of(&[7.25; 10], 4096);
        let h = one.render(8).unwrap();
        let exact = Histogram::from_counts(&HistSpec::new(7.25, 7.25, 8), {
            let mut c = vec![0; 8];
            c[HistSpec::new(7.25, 7.25, 8).bin(7.25)] = 10;
            c
        });
        assert_eq!(h.counts, exact.counts);
        assert_eq!(h.edges, exact.edges);
    }

    #[test]
    fn grids_round_trip_through_json_dense_and_sparse() {
        for xs in [
            (0..3000).map(|i| i as f64 * 0.1).collect::<Vec<_>>(),
            vec![0.0, 1.0, 1.0, 1.0],
            vec![],
        ] {
            let g = grid_of(&xs, 4096);
            let text = serde_json::to_string(&g).unwrap();
            assert_eq!(serde_json::from_str::<Grid>(&text).unwrap(), g, "{text}");
        }
        let sparse = serde_json::to_string(&grid_of(&[0.0, 1.0], 4096)).unwrap();
        assert!(sparse.contains("\"sparse\":[0,1,"), "{sparse}");
        for bad in [
            r#"{"cells":3,"exp":0,"offset":0,"counts":[],"min":null,"max":null}"#,
            r#"{"cells":4,"exp":0,"offset":0,"sparse":[9,1],"len":2,"min":0,"max":1}"#,
            r#"{"cells":4,"exp":0,"offset":0,"min":0,"max":1}"#,
        ] {
            assert!(serde_json::from_str::<Grid>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn small_integers_render_exactly() {
        let xs: Vec<f64> = (0..1000).map(|i| (i % 97) as f64).collect();
        let g = grid_of(&xs, 4096);
        let spec = HistSpec::new(0.0, 96.0, 32);
        let mut exact = vec![0u64; 32];
        for &x in &xs {
            exact[spec.bin(x)] += 1;
        }
        assert_eq!(g.render(32).unwrap().counts, exact);
    }
}
