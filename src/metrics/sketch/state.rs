//! The serialised state of a column's sketches, and the figures they finish into.

use super::ddsketch::{self, DdSketch};
use super::hll::Hll;
use super::quantile_key;
use super::topk::{self, TopK};
use super::{ColSketch, Distinct, DistinctCount, SketchReport, TopValue};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The JSON state of a column's sketches.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SketchState {
    /// Quantile sketch of the finite values; absent for columns that are not numeric.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ddsketch: Option<DdSketch>,
    /// Exact phase: every distinct value as `{key, count, value}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exact_values: Option<Vec<topk::Counted>>,
    /// Exact phase: distinct values counted exactly before switching to the sketches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exact_limit: Option<usize>,
    /// Sketch phase: the HyperLogLog of the value hashes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hll: Option<Hll>,
    /// Sketch phase: the Misra–Gries summary of the top values, when the column keeps them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top: Option<TopK>,
    /// Whether top values survive the switch to sketches (not for float and decimal columns).
    pub keep_top: bool,
    /// HyperLogLog precision used on leaving the exact phase.
    pub precision: u8,
    /// Misra–Gries counters kept on leaving the exact phase (0: no top values then).
    pub counters: usize,
    /// Top values reported, and the quantiles, kept so a merged profile reports the same.
    #[serde(default = "default_top_n")]
    pub top_n: usize,
    /// The quantiles reported, each in `[0, 1]`.
    #[serde(default)]
    pub quantile_list: Vec<f64>,
    /// Non-null values folded in.
    #[serde(default)]
    pub non_null: u64,
    /// Whether the column is a date, time or timestamp.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub temporal: bool,
}

fn default_top_n() -> usize {
    10
}

impl From<ColSketch> for SketchState {
    fn from(c: ColSketch) -> SketchState {
        let (exact_values, exact_limit, hll, top) = match &c.distinct {
            // By key: a fixed order of the set, with nothing formatted.
            Distinct::Exact { limit, values } => {
                let mut v: Vec<topk::Counted> = values
                    .iter()
                    .map(|(&key, (count, value))| topk::Counted {
                        key,
                        count: *count,
                        value: value.clone(),
                    })
                    .collect();
                v.sort_unstable_by_key(|c| c.key);
                (Some(v), Some(*limit), None, None)
            }
            // As it is (at most 2k counters): a state read back is the state written, and a
            // reduction now would depend on where a batch ended.
            Distinct::Sketch { hll, top } => (None, None, Some(hll.clone()), top.clone()),
        };
        SketchState {
            ddsketch: c.quantiles.clone(),
            exact_values,
            exact_limit,
            hll,
            top,
            keep_top: c.keep_top,
            precision: c.precision,
            counters: c.counters,
            top_n: c.report.top,
            quantile_list: c.report.quantiles.clone(),
            non_null: c.non_null,
            temporal: c.report.temporal,
        }
    }
}

impl SketchState {
    /// The sketches back, or why the state is inconsistent.
    pub fn to_sketch(&self) -> Result<ColSketch, String> {
        let distinct = match (&self.exact_values, &self.hll) {
            (Some(v), None) => Distinct::Exact {
                limit: self.exact_limit.unwrap_or(4096),
                values: v
                    .iter()
                    .map(|c| (c.key, (c.count, c.value.clone())))
                    .collect(),
            },
            (None, Some(h)) => {
                h.check()?;
                Distinct::Sketch {
                    hll: h.clone(),
                    top: self.top.clone(),
                }
            }
            _ => return Err("sketch needs exactly one of exact_values and hll".into()),
        };
        if let Some(d) = &self.ddsketch {
            if d.slices == 0 || d.slices > ddsketch::MAX_SLICES {
                return Err(format!("ddsketch slices {} out of range", d.slices));
            }
            // Keys of finite values run from 2^-1074 to just below 2^1024.
            let c = d.slices as i64;
            let (lo, hi) = (-1074 * c, 1024 * c - 1);
            for (name, st) in [("pos", &d.pos), ("neg", &d.neg)] {
                if st.counts.is_empty() {
                    continue;
                }
                let first = st.offset as i64;
                let last = first + st.counts.len() as i64 - 1;
                if first < lo || last > hi {
                    return Err(format!(
                        "ddsketch {name} store holds keys {first} to {last}, outside {lo} to {hi} for {} slices an octave",
                        d.slices
                    ));
                }
            }
            let n = d
                .zeros
                .checked_add(
                    d.pos
                        .counts
                        .iter()
                        .try_fold(0u64, |a, &b| a.checked_add(b))
                        .unwrap_or(u64::MAX),
                )
                .and_then(|x| {
                    x.checked_add(
                        d.neg
                            .counts
                            .iter()
                            .try_fold(0u64, |a, &b| a.checked_add(b))?,
                    )
                });
            match n {
                Some(n) if n <= self.non_null => {
                    if n > 0 && (d.min.is_nan() || d.max.is_nan() || d.min > d.max) {
                        return Err(format!("ddsketch min {} is above max {}", d.min, d.max));
                    }
                }
                _ => {
                    return Err(format!(
                        "ddsketch counts more values than the {} non-null ones",
                        self.non_null
                    ))
                }
            }
        }
        if let Some(q) = self
            .quantile_list
            .iter()
            .find(|q| !(0.0..=1.0).contains(*q))
        {
            return Err(format!("quantile {q} is not in [0, 1]"));
        }
        Ok(ColSketch {
            quantiles: self.ddsketch.clone(),
            distinct,
            keep_top: self.keep_top,
            precision: self.precision,
            counters: self.counters,
            non_null: self.non_null,
            report: SketchReport {
                quantiles: self.quantile_list.clone(),
                top: self.top_n,
                temporal: self.temporal,
            },
        })
    }
}

impl TryFrom<SketchState> for ColSketch {
    type Error = String;
    fn try_from(s: SketchState) -> Result<ColSketch, String> {
        s.to_sketch()
    }
}

/// Quantiles, distinct count and top values of a column, from its sketches.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SketchProfile {
    /// Numeric columns with finite values: each requested quantile (numpy's `inverted_cdf`
    /// definition over the finite non-null values), keyed by the quantile as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantiles: Option<BTreeMap<String, f64>>,
    /// For each quantile, an interval `[lo, hi]` that holds the exact value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantile_bounds: Option<BTreeMap<String, [f64; 2]>>,
    /// Guaranteed relative error of every quantile (0 when exact).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantile_relative_error: Option<f64>,
    /// `ddsketch` or `exact` (`--exact-quantiles`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantile_method: Option<String>,
    /// Distinct non-null values (NaN one value, -0 equal to 0).
    pub distinct: DistinctCount,
    /// The most frequent non-null values, with count bounds; absent for floats of many values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_values: Option<Vec<TopValue>>,
    /// Share of the non-null values the listed top values cover (from their lower counts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_values_share: Option<f64>,
    /// The most any listed count is short of the truth, and the most often any value that is
    /// not listed can occur (0 when counts are exact).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_values_error: Option<u64>,
}

impl ColSketch {
    /// The figures: the quantiles and top values of [`ColSketch::report`]. Quantiles are exact
    /// while the column's distinct values are counted exactly (from their counts); otherwise they
    /// are DDSketch estimates, which are left out for temporal columns (a relative error of the
    /// time since 1970 spans days to months: use `--exact-quantiles` there).
    pub fn figures(&self) -> SketchProfile {
        let quantiles = &self.report.quantiles;
        let mut qs = BTreeMap::new();
        let mut bounds = BTreeMap::new();
        let exact = self.exact_quantiles(quantiles);
        let method = match (&exact, &self.quantiles) {
            (Some(ex), _) => {
                for &(q, v) in ex {
                    qs.insert(quantile_key(q), v);
                    bounds.insert(quantile_key(q), [v, v]);
                }
                "exact"
            }
            (None, Some(d)) if !self.report.temporal => {
                for &q in quantiles {
                    if let Some(e) = d.quantile(q) {
                        qs.insert(quantile_key(q), e.value);
                        bounds.insert(quantile_key(q), [e.lo, e.hi]);
                    }
                }
                "ddsketch"
            }
            _ => "",
        };
        let non_null = self.non_null;
        let top_values = self.top_values(self.report.top);
        let top_values_share = top_values
            .as_ref()
            .filter(|_| non_null > 0)
            .map(|t| t.iter().map(|v| v.count).sum::<u64>() as f64 / non_null as f64);
        SketchProfile {
            quantile_relative_error: self.quantiles.as_ref().filter(|_| !qs.is_empty()).map(|d| {
                if method == "exact" {
                    0.0
                } else {
                    d.relative_error()
                }
            }),
            quantile_method: (!qs.is_empty()).then(|| method.to_string()),
            quantiles: (!qs.is_empty()).then_some(qs),
            quantile_bounds: (!bounds.is_empty()).then_some(bounds),
            distinct: self.distinct(non_null),
            top_values_error: top_values.as_ref().map(|_| self.top_error()),
            top_values,
            top_values_share,
        }
    }
}

impl SketchProfile {
    /// Replace the estimates by exact quantiles.
    pub fn set_exact_quantiles(&mut self, exact: &[(f64, f64)]) {
        let mut qs = BTreeMap::new();
        let mut bounds = BTreeMap::new();
        for &(q, v) in exact {
            qs.insert(quantile_key(q), v);
            bounds.insert(quantile_key(q), [v, v]);
        }
        if !qs.is_empty() {
            self.quantiles = Some(qs);
            self.quantile_bounds = Some(bounds);
            self.quantile_relative_error = Some(0.0);
            self.quantile_method = Some("exact".into());
        }
    }
}
