//! The PII and secrets scan of string columns: e-mail addresses, phone numbers, payment card
//! numbers (Luhn-checked), IBANs (mod-97-checked), IP addresses (v4 and v6) and secrets (cloud
//! and API key formats, private key headers, high-entropy tokens). See [`detect`] for the
//! detectors and their rules.
//!
//! The state counts, per kind, the findings and the values with at least one, and keeps a few
//! masked examples: the [`EXAMPLES`] smallest by a hash of the masked text, so that which ones
//! are kept does not depend on the order of the rows or of merges. A profile never holds an
//! unmasked value.

pub mod detect;
mod mask;
mod numbers;
mod rules;
#[doc(hidden)]
pub mod synthetic;

pub use detect::{scan, Finding, PiiKind};

use crate::error::Result;
use crate::metrics::accumulator::Accumulator;
use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::DataType;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Masked examples kept per kind.
pub const EXAMPLES: usize = 3;

/// One kind's counts in a column.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindState {
    /// Findings (a value may hold several).
    pub matches: u64,
    /// Values with at least one finding of this kind.
    pub values: u64,
    /// Masked examples, sorted by their hash (the smallest [`EXAMPLES`] kept).
    pub examples: Vec<String>,
}

/// The mergeable state of a column's scan.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PiiState {
    /// Non-null values scanned.
    pub scanned: u64,
    /// Values with at least one finding of any kind.
    pub values_with_any: u64,
    /// Kinds found, by name.
    pub kinds: BTreeMap<String, KindState>,
}

fn example_key(s: &str) -> u64 {
    crate::metrics::sketch::hash_bytes(s.as_bytes())
}

fn keep_examples(v: &mut Vec<String>) {
    v.sort_by_cached_key(|s| (example_key(s), s.clone()));
    v.dedup();
    v.truncate(EXAMPLES);
}

impl PiiState {
    /// Fold one value in.
    pub fn add(&mut self, s: &str, buf: &mut Vec<Finding>) {
        self.scanned += 1;
        scan(s, buf);
        if buf.is_empty() {
            return;
        }
        self.values_with_any += 1;
        let mut seen = [false; PiiKind::ALL.len()];
        for f in buf.iter() {
            let k = self.kinds.entry(f.kind.name().to_string()).or_default();
            k.matches += 1;
            let i = f.kind as usize;
            if !seen[i] {
                seen[i] = true;
                k.values += 1;
            }
            if !k.examples.contains(&f.masked) {
                k.examples.push(f.masked.clone());
                if k.examples.len() > 4 * EXAMPLES {
                    keep_examples(&mut k.examples);
                }
            }
        }
    }

    /// Sort and trim the examples kept (after a batch of [`PiiState::add`]).
    fn settle(&mut self) {
        for k in self.kinds.values_mut() {
            keep_examples(&mut k.examples);
        }
    }

    /// Whether the state is consistent (a profile read from a file).
    pub fn check(&self) -> std::result::Result<(), String> {
        if self.values_with_any > self.scanned {
            return Err(format!(
                "{} values with PII of {} scanned",
                self.values_with_any, self.scanned
            ));
        }
        for (name, k) in &self.kinds {
            if PiiKind::from_name(name).is_none() {
                return Err(format!("unknown PII kind '{name}'"));
            }
            if k.values > self.values_with_any || k.values > k.matches {
                return Err(format!(
                    "PII kind '{name}': {} values of {} with any and {} matches",
                    k.values, self.values_with_any, k.matches
                ));
            }
            if k.examples.len() > EXAMPLES {
                return Err(format!("PII kind '{name}': more than {EXAMPLES} examples"));
            }
        }
        Ok(())
    }
}

/// `s` with every finding replaced by its mask: for text from the data that a report shows
/// (top values, drift reasons), so a shared page never holds what the scan would flag.
pub fn redact(s: &str) -> String {
    let mut found = Vec::new();
    scan(s, &mut found);
    if found.is_empty() {
        return s.to_string();
    }
    found.sort_by_key(|f| f.start);
    let mut out = String::with_capacity(s.len());
    let mut at = 0;
    for f in &found {
        if f.start < at {
            continue;
        }
        out.push_str(&s[at..f.start]);
        out.push_str(&f.masked);
        at = f.end;
    }
    out.push_str(&s[at..]);
    out
}

/// Whether the scan applies to a column of this type: strings, and binary columns (Parquet
/// files from older writers keep strings as unannotated byte arrays; values that are valid
/// UTF-8 are scanned as text). Dictionaries are unpacked before.
pub fn applies(dt: &DataType) -> bool {
    crate::source::dataset::is_text_or_bytes(dt)
}

impl PiiState {
    /// Fold one binary value: as text when it is valid UTF-8, else only counted.
    fn add_bytes(&mut self, b: &[u8], buf: &mut Vec<Finding>) {
        match std::str::from_utf8(b) {
            Ok(s) => self.add(s, buf),
            Err(_) => self.scanned += 1,
        }
    }
}

impl Accumulator for PiiState {
    type Input<'a> = &'a ArrayRef;
    type Figures = PiiProfile;

    fn update(&mut self, arr: &ArrayRef) {
        let mut buf = Vec::new();
        let nulls = arr.logical_nulls();
        let valid = |i: usize| nulls.as_ref().is_none_or(|n| n.is_valid(i));
        match arr.data_type() {
            DataType::Utf8 => {
                let a = arr.as_string::<i32>();
                for i in (0..a.len()).filter(|&i| valid(i)) {
                    self.add(a.value(i), &mut buf);
                }
            }
            DataType::LargeUtf8 => {
                let a = arr.as_string::<i64>();
                for i in (0..a.len()).filter(|&i| valid(i)) {
                    self.add(a.value(i), &mut buf);
                }
            }
            DataType::Utf8View => {
                let a = arr.as_string_view();
                for i in (0..a.len()).filter(|&i| valid(i)) {
                    self.add(a.value(i), &mut buf);
                }
            }
            DataType::Binary => {
                let a = arr.as_binary::<i32>();
                for i in (0..a.len()).filter(|&i| valid(i)) {
                    self.add_bytes(a.value(i), &mut buf);
                }
            }
            DataType::LargeBinary => {
                let a = arr.as_binary::<i64>();
                for i in (0..a.len()).filter(|&i| valid(i)) {
                    self.add_bytes(a.value(i), &mut buf);
                }
            }
            DataType::BinaryView => {
                let a = arr.as_binary_view();
                for i in (0..a.len()).filter(|&i| valid(i)) {
                    self.add_bytes(a.value(i), &mut buf);
                }
            }
            _ => {}
        }
        self.settle();
    }

    fn merge(&mut self, o: &PiiState) -> Result<()> {
        self.scanned += o.scanned;
        self.values_with_any += o.values_with_any;
        for (name, k) in &o.kinds {
            let mine = self.kinds.entry(name.clone()).or_default();
            mine.matches += k.matches;
            mine.values += k.values;
            mine.examples.extend(k.examples.iter().cloned());
            keep_examples(&mut mine.examples);
        }
        Ok(())
    }

    fn finish(&self) -> PiiProfile {
        let share = |n: u64| {
            if self.scanned == 0 {
                0.0
            } else {
                n as f64 / self.scanned as f64
            }
        };
        PiiProfile {
            scanned: self.scanned,
            values_with_pii: self.values_with_any,
            share: share(self.values_with_any),
            kinds: PiiKind::ALL
                .into_iter()
                .filter_map(|kind| {
                    let k = self.kinds.get(kind.name())?;
                    Some(PiiKindFigures {
                        kind: kind.name().to_string(),
                        matches: k.matches,
                        values: k.values,
                        share: share(k.values),
                        examples: k.examples.clone(),
                    })
                })
                .collect(),
        }
    }

    fn size_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + self
                .kinds
                .iter()
                .map(|(n, k)| {
                    n.len()
                        + std::mem::size_of::<KindState>()
                        + k.examples.iter().map(|e| e.len() + 24).sum::<usize>()
                })
                .sum::<usize>()
    }
}

/// The figures of a column's scan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PiiProfile {
    /// Non-null values scanned.
    pub scanned: u64,
    /// Values with at least one finding.
    pub values_with_pii: u64,
    /// `values_with_pii / scanned`.
    pub share: f64,
    /// The kinds found, in a fixed order.
    pub kinds: Vec<PiiKindFigures>,
}

/// One kind's figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PiiKindFigures {
    /// The kind's name: `email`, `phone`, `payment_card`, `iban`, `ip_address` or `secret`.
    pub kind: String,
    /// Findings.
    pub matches: u64,
    /// Values with at least one.
    pub values: u64,
    /// `values / scanned`.
    pub share: f64,
    /// Masked examples.
    pub examples: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::StringArray;
    use std::sync::Arc;

    fn state(v: &[Option<&str>]) -> PiiState {
        let a: ArrayRef = Arc::new(StringArray::from(v.to_vec()));
        let mut s = PiiState::default();
        s.update(&a);
        s
    }

    #[test]
    fn redact_masks_every_finding_and_keeps_the_rest() {
        assert_eq!(
            redact("mail jane@example.com or 4111 1111 1111 1111 now"),
            "mail j***@e***.com or **** **** **** 1111 now"
        );
        assert_eq!(redact("nothing to hide"), "nothing to hide");
    }

    #[test]
    fn merges_in_any_order_to_the_state_of_all_rows() {
        let rows: Vec<Option<String>> = (0..60)
            .map(|i| match i % 6 {
                0 => None,
                1 => Some(format!("user{i}@example.org")),
                2 => Some(format!("call +1 415-555-{:04}", 100 + i)),
                3 => Some("nothing here".to_string()),
                4 => Some(format!("user{i}@example.org from 10.0.0.{i}")),
                _ => Some("4111 1111 1111 1111".to_string()),
            })
            .collect();
        let v: Vec<Option<&str>> = rows.iter().map(|r| r.as_deref()).collect();
        let whole = state(&v);
        assert_eq!(whole.scanned, 50);
        assert_eq!(whole.values_with_any, 40);
        assert_eq!(whole.kinds["email"].values, 20);
        assert_eq!(whole.kinds["ip_address"].matches, 10);
        for cut in [1, 7, 31, 59] {
            let (a, b) = (state(&v[..cut]), state(&v[cut..]));
            let mut ab = a.clone();
            ab.merge(&b).unwrap();
            let mut ba = b.clone();
            ba.merge(&a).unwrap();
            assert_eq!(ab, whole, "cut {cut}");
            assert_eq!(ba, whole, "cut {cut}");
        }
        assert!(whole.check().is_ok());
        let f = whole.finish();
        assert_eq!(f.kinds[0].kind, "email");
        // Every address masks to the same text: one example, not three copies.
        assert_eq!(f.kinds[0].examples, ["u***@e***.org"]);
        assert_eq!(f.kinds[1].kind, "phone");
        assert_eq!(f.kinds[1].examples.len(), EXAMPLES);
    }
}
