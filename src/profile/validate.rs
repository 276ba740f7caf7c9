//! The invariants a profile file must hold, checked when it is read.

use super::{ColumnKind, ColumnProfile, LengthProfile, NumericProfile, Profile};

/// Check a column's state against its counts.
fn check_state(c: &ColumnProfile) -> Result<(), String> {
    let s = &c.state;
    if (s.rows, s.nulls) != (c.rows, c.nulls) {
        return Err(format!(
            "state rows {} and nulls {} differ from the column's {} and {}",
            s.rows, s.nulls, c.rows, c.nulls
        ));
    }
    let needs = |what: &str, has: bool| {
        if has {
            Ok(())
        } else {
            Err(format!("kind {:?} but no {what} state", c.kind))
        }
    };
    match c.kind {
        ColumnKind::Numeric => needs("numeric", s.numeric.is_some())?,
        ColumnKind::String | ColumnKind::Binary | ColumnKind::List => {
            needs("lengths", s.lengths.is_some())?
        }
        _ => {}
    }
    if let Some(n) = &s.numeric {
        if (n.counts.rows, n.counts.nulls) != (s.rows, s.nulls) {
            return Err("numeric counts differ from the column's rows and nulls".into());
        }
        let g = &n.grid;
        if !g.cells.is_power_of_two()
            || g.counts.len() > g.cells as usize
            || !(-1100..=1100).contains(&g.exp)
        {
            return Err(format!(
                "histogram grid of {} cells at exponent {} holds {} cells",
                g.cells,
                g.exp,
                g.counts.len()
            ));
        }
        if g.total() != n.moments.n {
            return Err(format!(
                "histogram grid counts add up to {}, not to the {} finite values",
                g.total(),
                n.moments.n
            ));
        }
        if n.moments.n > 0 && (g.min != n.moments.min || g.max != n.moments.max) {
            return Err("histogram grid range differs from min and max".into());
        }
        if let Some(f) = &n.fixed {
            if f.counts.is_empty()
                || f.lo.partial_cmp(&f.hi) != Some(std::cmp::Ordering::Less)
                || f.counts.iter().sum::<u64>() > n.moments.n
            {
                return Err("fixed histogram needs lo < hi and at most the finite values".into());
            }
        }
    }
    if let Some(l) = &s.lengths {
        if (l.rows, l.nulls) != (s.rows, s.nulls) {
            return Err("length state differs from the column's rows and nulls".into());
        }
    }
    if let Some(p) = &s.pii {
        p.check().map_err(|e| format!("pii: {e}"))?;
        if p.scanned > s.rows - s.nulls.min(s.rows) {
            return Err(format!(
                "pii: {} values scanned of {} non-null",
                p.scanned,
                s.rows - s.nulls.min(s.rows)
            ));
        }
    }
    Ok(())
}

impl Profile {
    /// `raw` gives the parsed JSON on demand, for serde's own message about a section that did
    /// not parse.
    ///
    /// Long because it checks every field of a loaded profile in the order of the format, one short
    /// check each, so that the first bad field is the one named.
    pub(super) fn validate(
        &self,
        raw: &dyn Fn() -> serde_json::Value,
    ) -> std::result::Result<(), String> {
        if !self.sources.is_empty() {
            let sum: u64 = self.sources.iter().map(|s| s.rows).sum();
            if sum != self.rows {
                return Err(format!(
                    "rows {} but its sources hold {sum} rows",
                    self.rows
                ));
            }
        }
        if let Some(h) = self
            .state
            .duplicate_rows
            .as_ref()
            .and_then(|r| r.hll.as_ref())
        {
            h.check().map_err(|e| format!("state.duplicate_rows.{e}"))?;
        }
        if let Some(c) = &self.state.correlations {
            let p = c.columns.len();
            if c.pairs.len() != p * p.saturating_sub(1) / 2
                || !(c.diagonal.is_empty() || c.diagonal.len() == p)
            {
                return Err(format!(
                    "state.correlations has {} pairs for {p} columns",
                    c.pairs.len()
                ));
            }
        }
        if let Some(id) = self
            .parts
            .iter()
            .find(|id| id.len() != 16 || !id.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            return Err(format!("parts: {id:?} is not a 16-digit hex id"));
        }
        for (i, c) in self.columns.iter().enumerate() {
            let at = |m: String| format!("column '{}': {m}", c.name);
            let section_error = |what: &str, r: std::result::Result<(), serde_json::Error>| {
                at(format!(
                    "kind {:?} but its {what} figures do not parse{}",
                    c.kind,
                    r.err().map(|e| format!(" ({e})")).unwrap_or_default()
                ))
            };
            let raw_col = || raw()["columns"][i].clone();
            match c.kind {
                ColumnKind::Numeric if c.numeric.is_none() => {
                    let r = serde_json::from_value::<NumericProfile>(raw_col()).map(|_| ());
                    return Err(section_error("numeric", r));
                }
                ColumnKind::String | ColumnKind::Binary | ColumnKind::List
                    if c.lengths.is_none() =>
                {
                    let r = serde_json::from_value::<LengthProfile>(raw_col()).map(|_| ());
                    return Err(section_error("length", r));
                }
                _ => {}
            }
            let want_rows = match &c.element_of {
                None => Some(self.rows),
                // The elements of a list are its lengths' total.
                Some(list) => self
                    .column(list)
                    .and_then(|l| l.lengths.as_ref())
                    .map(|l| l.total_length),
            };
            if want_rows != Some(c.rows) {
                return Err(at(format!(
                    "rows {} but {}",
                    c.rows,
                    match (&c.element_of, want_rows) {
                        (None, _) => format!("the profile has {} rows", self.rows),
                        (Some(l), Some(n)) => format!("its list '{l}' has {n} elements"),
                        (Some(l), None) => format!("it names '{l}', which is not a list column"),
                    }
                )));
            }
            if c.nulls > c.rows || c.count != c.rows - c.nulls {
                return Err(at(format!(
                    "rows {}, nulls {} and count {} do not add up",
                    c.rows, c.nulls, c.count
                )));
            }
            check_state(c).map_err(at)?;
            if let Some(sp) = &c.sketches {
                let keys = sp.quantiles.iter().flat_map(|m| m.keys());
                let bounds = sp.quantile_bounds.iter().flat_map(|m| m.keys());
                if let Some(k) = keys
                    .chain(bounds)
                    .find(|k| !k.parse::<f64>().is_ok_and(|q| (0.0..=1.0).contains(&q)))
                {
                    return Err(at(format!(
                        "quantile key {k:?} is not a quantile in [0, 1]"
                    )));
                }
            }
            if let (Some(n), Some(acc)) = (&c.numeric, &c.state.numeric) {
                let moments = &acc.moments;
                if moments.n > c.count {
                    return Err(at(format!(
                        "moments.n {} exceeds count {}",
                        moments.n, c.count
                    )));
                }
                let non_finite = n.nan + n.pos_inf + n.neg_inf;
                if moments.n + non_finite != c.count {
                    return Err(at(format!(
                        "{} finite values (moments.n) and {non_finite} NaN or infinite do not add up to count {}",
                        moments.n, c.count
                    )));
                }
                if let (Some(lo), Some(hi)) = (n.min, n.max) {
                    if lo > hi {
                        return Err(at(format!("min {lo} exceeds max {hi}")));
                    }
                }
                if n.zeros > moments.n {
                    return Err(at(format!(
                        "zeros {} exceeds the {} finite values",
                        n.zeros, moments.n
                    )));
                }
                if let Some(h) = &n.histogram {
                    let ordered = h.edges.windows(2).all(|w| w[0] <= w[1]);
                    if h.counts.is_empty() || h.edges.len() != h.counts.len() + 1 || !ordered {
                        return Err(at(format!(
                            "histogram needs ordered edges, one more than its {} counts (has {})",
                            h.counts.len(),
                            h.edges.len()
                        )));
                    }
                    let total: u64 = h.counts.iter().sum();
                    if total != moments.n {
                        return Err(at(format!(
                            "histogram counts add up to {total}, not to the {} finite values",
                            moments.n
                        )));
                    }
                }
            }
        }
        Ok(())
    }
}
