//! The host's side of the moments kernel: values packed into the staging buffer, and the
//! workgroups' partial results read back.

use super::super::cpu::{NumericInput, Values};
use super::super::{fast_two_sum, two_sum, Moments};
use crate::error::{Error, Result};
use rayon::prelude::*;

/// Write rows `start..start + n` into the mapped staging buffer: f64 (or f32) bytes as they are,
/// other types converted. Pieces of the buffer are mapped as separate views and filled by all
/// cores at once.
#[allow(clippy::too_many_arguments)]
pub(super) fn fill(
    staging: &wgpu::Buffer,
    input: &NumericInput,
    start: usize,
    n: usize,
    elem64: bool,
    compute_f64: bool,
    shift: f64,
    norm: f64,
) -> Result<()> {
    const PIECE: usize = 256 * 1024;
    let esize = if elem64 { 8 } else { 4 };
    let mut pieces = Vec::new();
    let mut s = 0;
    while s < n {
        let e = (s + PIECE).min(n);
        let (a, b) = ((s * esize) as u64, (e * esize) as u64);
        // Mapped views must span whole 4-byte words.
        let view = staging
            .get_mapped_range_mut(a..b.next_multiple_of(4))
            .map_err(|e| Error::Gpu(format!("staging map failed: {e}")))?;
        pieces.push((s, e, view));
        s = e;
    }
    crate::util::pool::install(|| {
        pieces.into_par_iter().for_each(|(s, e, mut view)| {
            let (a, b) = (start + s, start + e);
            let mut out = view.slice(..(e - s) * esize);
            match (&input.values, elem64, compute_f64) {
                (Values::F64(v), true, _) => out.copy_from_slice(bytemuck::cast_slice(&v[a..b])),
                (Values::F32(v), false, true) => {
                    out.copy_from_slice(bytemuck::cast_slice(&v[a..b]))
                }
                (vals, true, _) => {
                    let mut tmp = vec![0f64; b - a];
                    vals.fill(a, &mut tmp);
                    out.copy_from_slice(bytemuck::cast_slice(&tmp));
                }
                (vals, false, _) => {
                    let mut tmp = vec![0f64; b - a];
                    vals.fill(a, &mut tmp);
                    let t32: Vec<f32> = tmp.iter().map(|&x| ((x - shift) / norm) as f32).collect();
                    out.copy_from_slice(bytemuck::cast_slice(&t32));
                }
            }
        })
    });
    Ok(())
}

/// One workgroup partial: counters `[nulls, nan, pos_inf, neg_inf, zeros]` and moments.
pub(super) fn parse_partial(b: &[u8], f64c: bool, shift: f64, norm: f64) -> ([u32; 5], Moments) {
    let u = |o: usize| u32::from_le_bytes(b[o..o + 4].try_into().unwrap());
    let (f, fo): (Box<dyn Fn(usize) -> f64>, usize) = if f64c {
        (
            Box::new(|i| f64::from_le_bytes(b[i * 8..i * 8 + 8].try_into().unwrap())),
            56,
        )
    } else {
        (
            Box::new(|i| f32::from_le_bytes(b[i * 4..i * 4 + 4].try_into().unwrap()) as f64),
            28,
        )
    };
    let n = u(fo) as u64;
    let counts = [u(fo + 4), u(fo + 8), u(fo + 12), u(fo + 16), u(fo + 20)];
    let m = if n == 0 {
        Moments::default()
    } else {
        let (s, e) = two_sum(shift, f(0) * norm);
        let (hi, lo) = fast_two_sum(s, e + f(1) * norm);
        // The f64 kernel takes extremes of the values as they are; the f32 one of scaled values.
        // `+ 0.0`: report +0.0 for a zero extreme, as the CPU does.
        let back = |v: f64| {
            if f64c {
                v + 0.0
            } else {
                v * norm + shift + 0.0
            }
        };
        // Partial moments are of values divided by `norm` (1 for ordinary f64 data).
        Moments {
            n,
            mean_hi: hi,
            mean_lo: lo,
            m2: f(2) * norm * norm,
            m3: f(3) * norm * norm * norm,
            m4: f(4) * norm * norm * norm * norm,
            min: back(f(5)),
            max: back(f(6)),
        }
    };
    (counts, m)
}
