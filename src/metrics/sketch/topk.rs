//! Top values with guaranteed count bounds: the Misra–Gries summary, batched and mergeable
//! (Agarwal et al., "Mergeable summaries", 2012).
//!
//! Up to `2k` counters are kept; when they overflow, the `(k+1)`-th largest count is subtracted
//! from every counter and the counters that reach zero are dropped. `dropped` sums what was
//! subtracted, so a kept value's true count lies in `[count, count + dropped]`, a value not kept
//! occurred at most `dropped` times, and `dropped ≤ n / (k + 1)` for `n` values summarised.
//! Merging adds the counters and the two `dropped`, then reduces the same way.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Identity hasher for keys that are already 64-bit hashes.
#[derive(Default, Clone, Copy)]
pub struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, _: &[u8]) {
        unreachable!("KeyHasher hashes u64 keys only")
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// A map keyed by 64-bit hashes, which it uses as they are.
pub type KeyMap<V> = HashMap<u64, V, std::hash::BuildHasherDefault<KeyHasher>>;

/// A counted value: its count and how it is shown.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Counted {
    /// The value's 64-bit hash.
    pub key: u64,
    /// Its count: short of the true count by at most the summary's `dropped`.
    pub count: u64,
    /// The value as shown in profiles and reports.
    pub value: serde_json::Value,
}

/// A Misra–Gries summary of the most frequent values, keyed by hash.
#[derive(Clone, Debug, PartialEq)]
pub struct TopK {
    /// Counters kept after a reduction.
    pub k: usize,
    /// The kept values by hash: their count (a lower bound) and shown form.
    pub counters: KeyMap<(u64, serde_json::Value)>,
    /// Total subtracted from every counter so far: the most any count is short of the truth.
    pub dropped: u64,
    /// Keys added during the current batch whose shown form is still to be filled in, with
    /// their row in the batch.
    pub pending: Vec<(u64, u32)>,
}

/// The JSON form: counters as a list.
#[derive(Serialize, Deserialize)]
struct TopKJson {
    k: usize,
    dropped: u64,
    counters: Vec<Counted>,
}

impl Serialize for TopK {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        TopKJson {
            k: self.k,
            dropped: self.dropped,
            counters: self.sorted(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for TopK {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let j = TopKJson::deserialize(d)?;
        let mut t = TopK::new(j.k);
        t.dropped = j.dropped;
        for c in j.counters {
            t.counters.insert(c.key, (c.count, c.value));
        }
        Ok(t)
    }
}

impl TopK {
    /// An empty summary keeping `k` counters after a reduction (at least 1).
    pub fn new(k: usize) -> TopK {
        TopK {
            k: k.max(1),
            counters: KeyMap::default(),
            dropped: 0,
            pending: Vec::new(),
        }
    }

    /// Count `n` occurrences of `key`; `value` makes its shown form when it is new. Returns
    /// whether it was new.
    #[inline]
    pub fn add(&mut self, key: u64, n: u64, value: impl FnOnce() -> serde_json::Value) -> bool {
        match self.counters.get_mut(&key) {
            Some(c) => {
                c.0 += n;
                false
            }
            None => {
                self.counters.insert(key, (n, value()));
                if self.counters.len() > 2 * self.k {
                    self.reduce();
                }
                true
            }
        }
    }

    /// Subtract the `(k+1)`-th largest count from every counter; drop those left at zero.
    pub fn reduce(&mut self) {
        if self.counters.len() <= self.k {
            return;
        }
        let mut counts: Vec<u64> = self.counters.values().map(|c| c.0).collect();
        let (_, &mut cut, _) = counts.select_nth_unstable_by(self.k, |a, b| b.cmp(a));
        self.dropped += cut;
        self.counters.retain(|_, c| {
            c.0 -= cut.min(c.0);
            c.0 > 0
        });
    }

    /// Add the counts of `o`, a summary over other values, as if one summary had seen all;
    /// keeps the larger `k`.
    pub fn merge(&mut self, o: &TopK) {
        self.k = self.k.max(o.k);
        self.dropped += o.dropped;
        for (&key, (n, v)) in &o.counters {
            self.counters
                .entry(key)
                .and_modify(|c| c.0 += n)
                .or_insert_with(|| (*n, v.clone()));
        }
        // As `add` does: down to k counters once past 2k, so merging an empty summary changes
        // nothing (the identity) and a merge costs no more than its counters.
        if self.counters.len() > 2 * self.k {
            self.reduce();
        }
    }

    /// Counters by count (descending), ties by shown value.
    pub fn sorted(&self) -> Vec<Counted> {
        let mut v: Vec<Counted> = self
            .counters
            .iter()
            .map(|(&key, (count, value))| Counted {
                key,
                count: *count,
                value: value.clone(),
            })
            .collect();
        v.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| shown_order(&a.value, &b.value))
                .then(a.key.cmp(&b.key))
        });
        v
    }
}

/// The order of shown values among equal counts: numbers by value, strings as strings, and
/// anything else (or a mix) by its JSON text. No value is formatted for the common cases.
pub(crate) fn shown_order(a: &serde_json::Value, b: &serde_json::Value) -> std::cmp::Ordering {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(p), Some(q)) => p.total_cmp(&q),
            _ => x.to_string().cmp(&y.to_string()),
        },
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ => a.to_string().cmp(&b.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts stay within [count, count + dropped] and dropped within n / (k + 1), through
    /// inserts and merges.
    #[test]
    fn bounds_hold_through_merges() {
        let mut rng = crate::util::rng::Rng::new(3);
        let mut truth: HashMap<u64, u64> = HashMap::new();
        let mut parts = Vec::new();
        let mut n = 0u64;
        for _ in 0..4 {
            let mut t = TopK::new(16);
            for _ in 0..5000 {
                // Zipf-ish keys: a few heavy hitters and a long tail.
                let u = rng.uniform();
                let key = (1000f64.powf(u) as u64).min(999);
                *truth.entry(key).or_default() += 1;
                t.add(key, 1, || serde_json::json!(key));
                n += 1;
            }
            parts.push(t);
        }
        let mut all = parts[0].clone();
        for p in &parts[1..] {
            all.merge(p);
        }
        assert!(all.dropped <= n / 17, "dropped {} of {n}", all.dropped);
        for (k, &c) in &truth {
            match all.counters.get(k) {
                Some(&(est, _)) => assert!(est <= c && c <= est + all.dropped, "{k}: {est} vs {c}"),
                None => assert!(
                    c <= all.dropped,
                    "{k} ({c}) missing, dropped {}",
                    all.dropped
                ),
            }
        }
        let top = all.sorted();
        assert_eq!(top[0].value, serde_json::json!(1));
    }
}
