//! MinHash signatures of documents (Broder, "On the resemblance and containment of documents",
//! 1997) and the LSH banding that finds candidate near-duplicates from them.
//!
//! A document is normalised (see [`Normalize`]), cut into shingles (word n-grams, default 5
//! words, or character n-grams), and each shingle hashed to 32 bits with MurmurHash3
//! ([`murmur3_32`]: of the shingle's characters, or of the MurmurHash3 values of its words, so
//! each word is hashed once). Permutation `i` maps a shingle hash `h` to `fmix32(h ^ seed_i)` (MurmurHash3's
//! finaliser, a bijection of u32, so each seed gives a random-looking permutation), and the
//! signature holds, per permutation, the minimum over the document's shingles. Two documents agree
//! at a position with probability equal to the Jaccard similarity of their shingle sets, so the
//! fraction of equal positions estimates it with standard error `sqrt(J(1 − J) / num_perm)`.
//!
//! Only u32 arithmetic is used, so the WGSL kernel computes the same bits as the CPU twin on any
//! adapter (no 64-bit integers needed).

#[doc(hidden)]
#[cfg(feature = "gpu")]
pub mod gpu;

use rayon::prelude::*;

/// Default number of permutations (signature length).
pub const DEFAULT_PERMS: usize = 128;
/// Most shingles kept per document: longer documents are hashed over their first this many
/// shingles (and counted as truncated), which bounds time and memory per document.
pub const MAX_SHINGLES: usize = 1 << 20;

/// How text is normalised before shingling and exact-duplicate hashing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Normalize {
    /// Lowercase (Unicode).
    pub lowercase: bool,
    /// Drop punctuation characters (Unicode `is_ascii_punctuation` and general punctuation).
    pub strip_punctuation: bool,
    /// Treat any run of whitespace as one space, and trim the ends.
    pub collapse_whitespace: bool,
}

impl Default for Normalize {
    fn default() -> Self {
        Normalize {
            lowercase: true,
            strip_punctuation: false,
            collapse_whitespace: true,
        }
    }
}

/// What a shingle is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shingle {
    /// `n` consecutive words (split on whitespace).
    Words(usize),
    /// `n` consecutive characters.
    Chars(usize),
}

impl std::str::FromStr for Shingle {
    type Err = String;

    /// `words:N` or `chars:N`, N from 1 to 64.
    fn from_str(s: &str) -> std::result::Result<Shingle, String> {
        let bad = || format!("shingle {s:?}: expected words:N or chars:N with N from 1 to 64");
        let (kind, n) = s.split_once(':').ok_or_else(bad)?;
        let n: usize = n.parse().map_err(|_| bad())?;
        if !(1..=64).contains(&n) {
            return Err(bad());
        }
        match kind {
            "words" => Ok(Shingle::Words(n)),
            "chars" => Ok(Shingle::Chars(n)),
            _ => Err(bad()),
        }
    }
}

impl Default for Shingle {
    fn default() -> Self {
        Shingle::Words(5)
    }
}

/// Normalise `text` (see [`Normalize`]).
pub fn normalize(text: &str, n: Normalize) -> String {
    if text.is_ascii() {
        return normalize_ascii(text.as_bytes(), n);
    }
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if n.strip_punctuation && is_punct(c) {
            continue;
        }
        if n.collapse_whitespace && c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        if n.lowercase {
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// [`normalize`] of ASCII text, byte by byte (the same result: ASCII's whitespace, punctuation
/// and case rules are the Unicode ones restricted to it).
fn normalize_ascii(text: &[u8], n: Normalize) -> String {
    // Written in place into a buffer of the input's length: the output is never longer (a
    // space is written only for a run of whitespace that was skipped).
    let mut out = vec![0u8; text.len()];
    let mut j = 0;
    let mut space = false;
    for &b in text {
        if n.strip_punctuation && b.is_ascii_punctuation() {
            continue;
        }
        // char::is_whitespace on ASCII: space and \t \n \x0b \x0c \r.
        if n.collapse_whitespace && (b == b' ' || (b'\t'..=b'\r').contains(&b)) {
            space = j != 0;
            continue;
        }
        if space {
            out[j] = b' ';
            j += 1;
            space = false;
        }
        out[j] = if n.lowercase {
            b.to_ascii_lowercase()
        } else {
            b
        };
        j += 1;
    }
    out.truncate(j);
    String::from_utf8(out).expect("ASCII in, ASCII out")
}

fn is_punct(c: char) -> bool {
    c.is_ascii_punctuation()
        || matches!(c as u32, 0x2000..=0x206F | 0x3000..=0x303F | 0x00A1..=0x00BF | 0xFF01..=0xFF0F)
}

/// MurmurHash3 x86_32 of `data` with `seed` (Appleby's reference algorithm).
pub fn murmur3_32(data: &[u8], seed: u32) -> u32 {
    const C1: u32 = 0xcc9e_2d51;
    const C2: u32 = 0x1b87_3593;
    let mut h = seed;
    let mut chunks = data.chunks_exact(4);
    for c in &mut chunks {
        let mut k = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        k = k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        h ^= k;
        h = h.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        let mut k = 0u32;
        for (i, &b) in tail.iter().enumerate() {
            k |= (b as u32) << (8 * i);
        }
        h ^= k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
    }
    fmix32(h ^ data.len() as u32)
}

/// MurmurHash3's mixing of one 4-byte block before it enters the state.
#[inline(always)]
fn murmur3_block(k: u32) -> u32 {
    k.wrapping_mul(0xcc9e_2d51)
        .rotate_left(15)
        .wrapping_mul(0x1b87_3593)
}

/// MurmurHash3's finaliser: a bijection of u32 with full avalanche.
#[inline(always)]
pub fn fmix32(mut h: u32) -> u32 {
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

/// The per-permutation seeds: a fixed sequence (splitmix32-style), so signatures are stable
/// across runs, machines and devices.
pub fn seeds(perms: usize) -> Vec<u32> {
    let mut s = 0x9e37_79b9u32;
    (0..perms)
        .map(|_| {
            s = s.wrapping_add(0x9e37_79b9);
            fmix32(s)
        })
        .collect()
}

/// The 32-bit hashes of a normalised document's shingles (at most [`MAX_SHINGLES`]), and whether
/// the document had more. A document shorter than one shingle is one shingle of itself; an empty
/// one has none.
pub fn shingle_hashes(text: &str, kind: Shingle) -> (Vec<u32>, bool) {
    let mut out = Vec::new();
    match kind {
        Shingle::Words(n) => {
            // ASCII text splits byte-wise (the same words as `split_whitespace`, faster).
            let words: Vec<&[u8]> = if text.is_ascii() {
                text.as_bytes()
                    .split(|&b| b == b' ' || (b'\t'..=b'\r').contains(&b))
                    .filter(|w| !w.is_empty())
                    .collect()
            } else {
                text.split_whitespace().map(str::as_bytes).collect()
            };
            if words.is_empty() {
                return (out, false);
            }
            let n = n.max(1);
            if words.len() <= n {
                let buf: Vec<u8> = words
                    .iter()
                    .flat_map(|w| murmur3_32(w, 0).to_le_bytes())
                    .collect();
                return (vec![murmur3_32(&buf, 0)], false);
            }
            // Each word is hashed once; a shingle's hash is MurmurHash3 of its words' hashes
            // (the 4n little-endian bytes). Murmur's per-block mixing depends on the block alone,
            // so each word's mixed block is computed once too and folded into n shingles.
            let blocks: Vec<u32> = words
                .iter()
                .map(|w| murmur3_block(murmur3_32(w, 0)))
                .collect();
            out.reserve(blocks.len() + 1 - n);
            for w in blocks.windows(n) {
                if out.len() == MAX_SHINGLES {
                    return (out, true);
                }
                let mut h = 0u32;
                for &k in w {
                    h ^= k;
                    h = h.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
                }
                out.push(fmix32(h ^ (4 * n) as u32));
            }
        }
        Shingle::Chars(n) => {
            let idx: Vec<usize> = text
                .char_indices()
                .map(|(i, _)| i)
                .chain([text.len()])
                .collect();
            let chars = idx.len() - 1;
            if chars == 0 {
                return (out, false);
            }
            let n = n.max(1);
            if chars <= n {
                return (vec![murmur3_32(text.as_bytes(), 0)], false);
            }
            for i in 0..=chars - n {
                if out.len() == MAX_SHINGLES {
                    return (out, true);
                }
                out.push(murmur3_32(&text.as_bytes()[idx[i]..idx[i + n]], 0));
            }
        }
    }
    (out, false)
}

/// The signature of one document's shingle hashes: per seed, `min fmix32(h ^ seed)`. A document
/// without shingles has every position `u32::MAX`. (Portable; [`signature_fast`] is the same
/// with vector instructions.)
#[inline(always)]
pub fn signature(hashes: &[u32], seeds: &[u32], out: &mut [u32]) {
    out.fill(u32::MAX);
    // Lanes over the permutations, so the inner loop vectorises (16 u32 per AVX-512 register).
    for &h in hashes {
        for (o, &s) in out.iter_mut().zip(seeds) {
            *o = (*o).min(fmix32(h ^ s));
        }
    }
}

/// Signatures of many documents (`docs` as shingle-hash lists), `perms` values each, on all cores.
pub fn signatures(docs: &[Vec<u32>], seeds: &[u32]) -> Vec<u32> {
    let p = seeds.len();
    let mut out = vec![0u32; docs.len() * p];
    crate::util::pool::install(|| {
        out.par_chunks_mut(p.max(1))
            .zip(docs.par_iter())
            .for_each(|(o, d)| signature_fast(d, seeds, o))
    });
    out
}

/// [`signature`] with the best vector instructions this CPU has: the baseline x86-64 target
/// (SSE2) has no 32-bit vector multiply, so without this the permutations run one at a time.
/// AVX-512 does 16 permutations per instruction, AVX2 8. Same bits on every path.
pub fn signature_fast(hashes: &[u32], seeds: &[u32], out: &mut [u32]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has AVX-512F (checked on the line above).
            return unsafe { signature_avx512(hashes, seeds, out) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2 (checked on the line above).
            return unsafe { signature_avx2(hashes, seeds, out) };
        }
    }
    signature(hashes, seeds, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2")]
fn signature_avx512(hashes: &[u32], seeds: &[u32], out: &mut [u32]) {
    signature(hashes, seeds, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn signature_avx2(hashes: &[u32], seeds: &[u32], out: &mut [u32]) {
    signature(hashes, seeds, out)
}

/// Fraction of equal positions: the MinHash estimate of Jaccard similarity.
pub fn estimate(a: &[u32], b: &[u32]) -> f64 {
    let eq = a.iter().zip(b).filter(|(x, y)| x == y).count();
    eq as f64 / a.len().max(1) as f64
}

/// Exact Jaccard similarity of two sorted, deduplicated hash sets (1 for two empty sets).
pub fn jaccard(a: &[u32], b: &[u32]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let (mut i, mut j, mut inter) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                inter += 1;
                i += 1;
                j += 1;
            }
        }
    }
    inter as f64 / (a.len() + b.len() - inter) as f64
}

/// LSH parameters `(bands, rows)` for a Jaccard `threshold` and `perms` permutations: the pair
/// with `bands · rows ≤ perms` that minimises the sum of the false-positive probability mass
/// `∫₀ᵗ 1 − (1 − sʳ)ᵇ ds` and the false-negative mass `∫ₜ¹ (1 − sʳ)ᵇ ds`, equally weighted: the
/// rule of datasketch's `MinHashLSH` (its `_optimal_param`), so both tools band alike.
pub fn lsh_params(threshold: f64, perms: usize) -> (usize, usize) {
    let integrate = |f: &dyn Fn(f64) -> f64, a: f64, b: f64| {
        // Midpoint rule, as fine as datasketch's (scipy quad would agree to ~1e-6).
        let n = 1000;
        let h = (b - a) / n as f64;
        (0..n).map(|i| f(a + (i as f64 + 0.5) * h)).sum::<f64>() * h
    };
    let mut best = (1, 1);
    let mut best_err = f64::INFINITY;
    for b in 1..=perms {
        for r in 1..=perms / b {
            let fp = integrate(
                &|s| 1.0 - (1.0 - s.powi(r as i32)).powi(b as i32),
                0.0,
                threshold,
            );
            let fneg = integrate(&|s| (1.0 - s.powi(r as i32)).powi(b as i32), threshold, 1.0);
            let err = 0.5 * fp + 0.5 * fneg;
            if err < best_err {
                best_err = err;
                best = (b, r);
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn murmur3_matches_the_reference_vectors() {
        // Published test vectors of MurmurHash3_x86_32.
        assert_eq!(murmur3_32(b"", 0), 0);
        assert_eq!(murmur3_32(b"", 1), 0x514e_28b7);
        assert_eq!(murmur3_32(b"", 0xffff_ffff), 0x81f1_6f39);
        assert_eq!(murmur3_32(b"\x00\x00\x00\x00", 0), 0x2362_f9de);
        assert_eq!(murmur3_32(b"Hello, world!", 1234), 0xfaf6_cdb3);
        assert_eq!(
            murmur3_32(b"The quick brown fox jumps over the lazy dog", 0x9747_b28c),
            0x2fa8_26cd
        );
    }

    #[test]
    fn normalisation_options() {
        let t = "  Hello,\tWORLD!\n\nBye  ";
        assert_eq!(normalize(t, Normalize::default()), "hello, world! bye");
        let all = Normalize {
            strip_punctuation: true,
            ..Default::default()
        };
        assert_eq!(normalize(t, all), "hello world bye");
        let none = Normalize {
            lowercase: false,
            strip_punctuation: false,
            collapse_whitespace: false,
        };
        assert_eq!(normalize(t, none), t);
    }

    #[test]
    fn the_ascii_path_normalises_like_the_unicode_one() {
        let texts = [
            "  Hello,\tWORLD!\x0b\x0c\r\nBye  ",
            "a.b,c;;D  e",
            "",
            "   ",
            "x",
        ];
        for lowercase in [false, true] {
            for strip_punctuation in [false, true] {
                for collapse_whitespace in [false, true] {
                    let n = Normalize {
                        lowercase,
                        strip_punctuation,
                        collapse_whitespace,
                    };
                    for t in texts {
                        // Force the general path with a non-ASCII suffix, then drop it.
                        let general = normalize(&format!("{t}é"), n);
                        let general = general
                            .strip_suffix('é')
                            .or(general.strip_suffix('É'))
                            .unwrap()
                            .to_string();
                        let general = if collapse_whitespace {
                            general.trim_end().to_string()
                        } else {
                            general
                        };
                        let ascii = normalize(t, n);
                        let ascii = if collapse_whitespace {
                            ascii.trim_end().to_string()
                        } else {
                            ascii
                        };
                        assert_eq!(ascii, general, "{t:?} {n:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn shingles_of_words_and_characters() {
        let (h, cut) = shingle_hashes("a b c d", Shingle::Words(2));
        assert_eq!(h.len(), 3);
        assert!(!cut);
        let w = |x: &[u8]| murmur3_32(x, 0).to_le_bytes();
        assert_eq!(h[0], murmur3_32(&[w(b"a"), w(b"b")].concat(), 0));
        assert_eq!(h[2], murmur3_32(&[w(b"c"), w(b"d")].concat(), 0));
        assert_eq!(shingle_hashes("a b", Shingle::Words(5)).0, vec![h[0]]);
        assert!(shingle_hashes("", Shingle::Words(5)).0.is_empty());
        let (c, _) = shingle_hashes("héllo", Shingle::Chars(3));
        assert_eq!(
            c,
            vec![
                murmur3_32("hél".as_bytes(), 0),
                murmur3_32("éll".as_bytes(), 0),
                murmur3_32(b"llo", 0)
            ]
        );
    }

    #[test]
    fn the_estimate_is_within_its_standard_error_of_the_exact_jaccard() {
        let s = seeds(DEFAULT_PERMS);
        let a: Vec<u32> = (0..1000u32)
            .map(|i| murmur3_32(&i.to_le_bytes(), 7))
            .collect();
        for overlap in [0usize, 200, 500, 800, 1000] {
            // b shares `overlap` elements with a.
            let mut b: Vec<u32> = a[..overlap].to_vec();
            b.extend((0..(1000 - overlap) as u32).map(|i| murmur3_32(&i.to_le_bytes(), 99)));
            let mut sa = vec![0; s.len()];
            let mut sb = vec![0; s.len()];
            signature(&a, &s, &mut sa);
            signature(&b, &s, &mut sb);
            let (mut x, mut y) = (a.clone(), b.clone());
            x.sort_unstable();
            y.sort_unstable();
            let j = jaccard(&x, &y);
            let se = (j * (1.0 - j) / DEFAULT_PERMS as f64).sqrt();
            let e = estimate(&sa, &sb);
            assert!(
                (e - j).abs() <= 4.0 * se + 1e-12,
                "J {j}: estimate {e}, se {se}"
            );
        }
    }

    #[test]
    fn lsh_parameters_match_datasketch() {
        // datasketch 1.6 MinHashLSH(threshold, num_perm).b, .r
        assert_eq!(lsh_params(0.8, 128), (9, 13));
        assert_eq!(lsh_params(0.5, 128), (25, 5));
        assert_eq!(lsh_params(0.9, 128), (5, 25));
    }

    /// Word shingles hash as MurmurHash3 of their words' hashes' little-endian bytes: the
    /// folded computation equals the reference one.
    #[test]
    fn word_shingles_equal_murmur_of_word_hashes() {
        let text = "the quick brown fox jumps over the lazy dog again and again";
        for n in [1usize, 2, 3, 5, 11, 12] {
            let words: Vec<&str> = text.split(' ').collect();
            let wh: Vec<u32> = words.iter().map(|w| murmur3_32(w.as_bytes(), 0)).collect();
            let want: Vec<u32> = if words.len() <= n {
                let b: Vec<u8> = wh.iter().flat_map(|h| h.to_le_bytes()).collect();
                vec![murmur3_32(&b, 0)]
            } else {
                wh.windows(n)
                    .map(|w| {
                        let b: Vec<u8> = w.iter().flat_map(|h| h.to_le_bytes()).collect();
                        murmur3_32(&b, 0)
                    })
                    .collect()
            };
            assert_eq!(shingle_hashes(text, Shingle::Words(n)).0, want, "n {n}");
        }
    }
}
