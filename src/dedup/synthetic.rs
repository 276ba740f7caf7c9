//! A corpus with planted duplicates, for tests, benchmarks and `datassay generate --docs`:
//! documents of random words from a Zipf-like vocabulary, plus
//! - **exact copies** (after normalisation: case and spacing changed) of earlier documents;
//! - **near copies**: an earlier document with a controlled fraction of its words replaced,
//!   which moves the Jaccard similarity of their word 5-gram sets in a known way.
//!
//! Ground truth is the list of planted pairs with their exact Jaccard similarity (computed, not
//! assumed), so tests can score precision and recall against any threshold.

use crate::metrics::minhash::{self, Normalize, Shingle};
use crate::util::rng::Rng;

/// What a generated document is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Planted {
    Original,
    /// An exact copy (after normalisation) of the given document.
    Copy(usize),
    /// A copy of the given document with some words replaced.
    Edit(usize),
}

/// `n` documents of `words` words each (±50%); a share `copies` of them exact copies and a share
/// `edits` of them edited copies, each edit replacing a fraction of words drawn uniformly from
/// `edit_rates`.
pub fn corpus(
    n: usize,
    words: usize,
    copies: f64,
    edits: f64,
    edit_rates: &[f64],
    seed: u64,
) -> (Vec<String>, Vec<Planted>) {
    let mut r = Rng::new(seed);
    let vocab: Vec<String> = (0..20_000).map(|i| word(i, &mut r)).collect();
    let pick = |r: &mut Rng| {
        // Zipf-like: rank ~ 20000^u, so common words repeat as in real text.
        let u = r.uniform();
        let i = (20_000f64.powf(u) - 1.0) as usize;
        i.min(19_999)
    };
    let mut docs: Vec<String> = Vec::with_capacity(n);
    let mut kind = Vec::with_capacity(n);
    for i in 0..n {
        let u = r.uniform();
        if i > 0 && u < copies {
            let src = (r.next_u64() % i as u64) as usize;
            // Same words, different case and spacing: equal after normalisation.
            let d = docs[src].to_uppercase().replace(' ', "  ");
            docs.push(d);
            kind.push(Planted::Copy(src));
        } else if i > 0 && u < copies + edits {
            let src = (r.next_u64() % i as u64) as usize;
            let rate = edit_rates[(r.next_u64() % edit_rates.len() as u64) as usize];
            let mut w: Vec<String> = docs[src].split(' ').map(String::from).collect();
            for x in w.iter_mut() {
                if r.uniform() < rate {
                    *x = vocab[pick(&mut r)].clone();
                }
            }
            docs.push(w.join(" "));
            kind.push(Planted::Edit(src));
        } else {
            let len = (words as f64 * (0.5 + r.uniform())) as usize;
            let d: Vec<&str> = (0..len.max(1))
                .map(|_| vocab[pick(&mut r)].as_str())
                .collect();
            docs.push(d.join(" "));
            kind.push(Planted::Original);
        }
    }
    (docs, kind)
}

fn word(i: usize, r: &mut Rng) -> String {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
    let len = 2 + (i % 7) + (r.next_u64() % 3) as usize;
    (0..len)
        .map(|_| LETTERS[(r.next_u64() % 26) as usize] as char)
        .collect()
}

/// Exact Jaccard similarity of two documents' shingle sets, as datassay computes them.
pub fn exact_jaccard(a: &str, b: &str, norm: Normalize, shingle: Shingle) -> f64 {
    let set = |t: &str| {
        let (mut h, _) = minhash::shingle_hashes(&minhash::normalize(t, norm), shingle);
        h.sort_unstable();
        h.dedup();
        h
    };
    minhash::jaccard(&set(a), &set(b))
}
