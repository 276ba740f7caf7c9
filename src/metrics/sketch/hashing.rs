//! The hashes every sketch and the duplicate-row count share: values to 64-bit hashes
//! (MurmurHash3's finaliser and a word-at-a-time fold for bytes), floats to keys, and column
//! hashes folded into row hashes. The GPU kernels compute the same bits.

/// The seed of every hash.
pub const SEED: u64 = 0x9e37_79b9_7f4a_7c15;
const K1: u64 = 0x87c3_7b91_1142_53d5;
const K2: u64 = 0x4cf5_ad43_2745_937f;

/// Hash of a null in row hashes (nulls are equal to each other in duplicate rows).
pub const NULL_HASH: u64 = 0x6c62_272e_07bb_0142;

/// MurmurHash3's 64-bit finaliser (a bijection).
#[inline]
pub fn fmix64(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^ (k >> 33)
}

/// Hash of a 64-bit key (a number's bits).
#[inline]
pub fn hash_u64(k: u64) -> u64 {
    fmix64(k ^ SEED)
}

/// Hash of a byte string: 8-byte little-endian words (the last zero-padded), each finalised
/// and folded into the state MurmurHash3-x64-style, then the length, then the finaliser.
#[inline]
pub fn hash_bytes(b: &[u8]) -> u64 {
    let mut h = SEED;
    let mut chunks = b.chunks_exact(8);
    for w in &mut chunks {
        let w = u64::from_le_bytes(w.try_into().unwrap());
        h = (h ^ fmix64(w ^ K1))
            .rotate_left(27)
            .wrapping_mul(5)
            .wrapping_add(K2);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut last = [0u8; 8];
        last[..rest.len()].copy_from_slice(rest);
        let w = u64::from_le_bytes(last);
        h = (h ^ fmix64(w ^ K1))
            .rotate_left(27)
            .wrapping_mul(5)
            .wrapping_add(K2);
    }
    fmix64(h ^ b.len() as u64)
}

/// Fold a column's value hash into a row hash (order matters: columns are folded in order).
#[inline]
pub fn fold_row(row: u64, value: u64) -> u64 {
    (row.rotate_left(23) ^ value).wrapping_mul(K1)
}

/// The key of a float: its f64 bits, with -0 as 0 and every NaN as one NaN.
#[inline]
pub fn float_key(x: f64) -> u64 {
    if x == 0.0 {
        0
    } else if x.is_nan() {
        f64::NAN.to_bits()
    } else {
        x.to_bits()
    }
}

/// Every row's hash over all `columns` (hashes of one batch, column by column).
pub fn row_hashes(columns: &[Vec<u64>], rows: usize) -> Vec<u64> {
    let mut out = vec![SEED; rows];
    for c in columns {
        for (r, &h) in out.iter_mut().zip(c) {
            *r = fold_row(*r, h);
        }
    }
    for r in &mut out {
        *r = fmix64(*r);
    }
    out
}
