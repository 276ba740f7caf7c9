//! What the HTML report, its Markdown flavour and the dataset card are drawn from: the profile
//! (or an image folder's or an embedding matrix's report), the drift against a baseline when
//! there is one, and the alerts read off them. The alerts are listed once here so that every
//! output says the same thing.

use crate::analysis::drift::{DriftReport, Status};
use crate::embed::EmbeddingReport;
use crate::images::ImageReport;
use crate::profile::{ColumnKind, ColumnProfile, Profile};
use std::collections::BTreeMap;

/// Everything a report shows.
#[derive(Clone, Copy)]
pub struct ReportInput<'a> {
    /// The title (the input's name).
    pub title: &'a str,
    /// A table's profile; for an image folder, the profile of its per-image metrics.
    pub profile: &'a Profile,
    /// An image folder's report, when the input is one.
    pub images: Option<&'a ImageReport>,
    /// An embedding matrix's report given alone (`datassay outliers --json`); a profile's own
    /// embedding section is read from the profile.
    pub embedding: Option<&'a EmbeddingReport>,
    /// The drift against a baseline, when there is one.
    pub drift: Option<&'a DriftReport>,
    /// Small images by path (`data:` URIs), for flagged and duplicate images.
    pub thumbnails: &'a BTreeMap<String, String>,
    /// Seconds the profile took, when it was made for this report.
    pub seconds: Option<f64>,
}

/// No thumbnails.
static NO_THUMBNAILS: BTreeMap<String, String> = BTreeMap::new();

impl<'a> ReportInput<'a> {
    /// The report of `profile` alone: no images, embedding report, drift, thumbnails or
    /// duration (set the fields that apply).
    pub fn new(title: &'a str, profile: &'a Profile) -> Self {
        ReportInput {
            title,
            profile,
            images: None,
            embedding: None,
            drift: None,
            thumbnails: &NO_THUMBNAILS,
            seconds: None,
        }
    }

    /// The embedding section: a profile's, or a report given alone.
    pub fn embedding(&self) -> Option<&'a EmbeddingReport> {
        self.profile.embedding.as_deref().or(self.embedding)
    }
}

/// How much an alert matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// A problem: unreadable files or images, columns of nulls only, unusable vectors, PII,
    /// drift.
    Error,
    /// Worth a look: many nulls, a constant column, duplicates, infinite or NaN values.
    Warning,
    /// For information: a likely identifier, outliers.
    Info,
}

impl Level {
    /// The level's name in lowercase (`error`, `warning`, `info`).
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Info => "info",
        }
    }
}

/// One thing worth a look, with the column it is about.
#[derive(Clone, Debug, PartialEq)]
pub struct Alert {
    /// How much it matters.
    pub level: Level,
    /// What kind of finding (`nulls`, `constant`, `drift`, `pii`, …).
    pub kind: &'static str,
    /// The column's index in the profile, when it is about one.
    pub column: Option<usize>,
    /// The alert's message, with what the PII scan flags masked.
    pub text: String,
}

/// Characters of a name an alert shows.
const NAME: usize = 60;

/// Share of null values above which a column gets a warning.
pub const NULL_WARNING: f64 = 0.05;
/// Share of duplicate rows (or documents) above which the dataset gets a warning.
pub const DUPLICATE_WARNING: f64 = 0.01;

fn pct(x: f64) -> String {
    if x > 0.0 && x < 0.001 {
        "<0.1%".into()
    } else {
        format!("{:.1}%", 100.0 * x)
    }
}

/// Whether a column holds a single distinct value (known exactly).
pub fn is_constant(c: &ColumnProfile) -> bool {
    c.count > 0
        && c.sketches
            .as_ref()
            .is_some_and(|s| s.distinct.exact && s.distinct.estimate == 1)
}

/// The alerts of a report, most serious first (in column order within a level).
///
/// Long because each alert is a short rule and they are listed in the order the page shows them (by
/// severity); spread over functions, that order would be harder to read.
pub fn alerts(r: &ReportInput) -> Vec<Alert> {
    let p = r.profile;
    let mut out = Vec::new();
    // Names and messages can quote the data (a headerless CSV's first row becomes its column
    // names): what the PII scan flags is masked in every alert.
    let mut push = |level, kind, column, text: String| {
        out.push(Alert {
            level,
            kind,
            column,
            text: crate::metrics::pii::redact(&text),
        })
    };
    for e in &p.errors {
        // The reader's message names its file already.
        let text = if e.error.contains(&e.path) {
            e.error.clone()
        } else {
            format!("{}: {}", e.path, e.error)
        };
        push(Level::Error, "error", None, text);
    }
    if p.rows == 0 && !p.columns.is_empty() {
        push(Level::Warning, "empty", None, "no rows".into());
    }
    for (i, c) in p.columns.iter().enumerate() {
        if c.kind == ColumnKind::Skipped && c.data_type == "Null" && c.rows > 0 {
            push(
                Level::Error,
                "nulls",
                Some(i),
                format!("{}: every value is null", super::cut(&c.name, NAME)),
            );
        }
        if c.kind == ColumnKind::Skipped || c.rows == 0 {
            continue;
        }
        let name = super::cut(&c.name, NAME);
        let share = c.nulls as f64 / c.rows as f64;
        // An image folder's metrics are null exactly for its unreadable images, which have an
        // alert of their own.
        let unreadable = r.images.is_some_and(|im| im.unreadable == c.nulls);
        if unreadable {
            // Said once, below.
        } else if c.nulls == c.rows {
            push(
                Level::Error,
                "nulls",
                Some(i),
                format!("{}: every value is null", name),
            );
        } else if share > NULL_WARNING {
            push(
                Level::Warning,
                "nulls",
                Some(i),
                format!("{}: {} null ({} of {})", name, pct(share), c.nulls, c.rows),
            );
        }
        if is_constant(c) {
            push(
                Level::Warning,
                "constant",
                Some(i),
                format!("{}: one value only", name),
            );
        }
        if let Some(n) = &c.numeric {
            let inf = n.pos_inf + n.neg_inf;
            if inf > 0 {
                push(
                    Level::Warning,
                    "infinite",
                    Some(i),
                    format!("{}: {inf} infinite values", name),
                );
            }
            if n.nan > 0 {
                push(
                    Level::Warning,
                    "nan",
                    Some(i),
                    format!("{}: {} NaN values", name, n.nan),
                );
            }
        }
        if let Some(pii) = c.pii.as_ref().filter(|x| x.values_with_pii > 0) {
            let kinds: Vec<String> = pii
                .kinds
                .iter()
                .map(|k| format!("{} {}", k.values, k.kind.replace('_', " ")))
                .collect();
            push(
                Level::Error,
                "pii",
                Some(i),
                format!(
                    "{}: PII or secrets in {} of values ({})",
                    name,
                    pct(pii.share),
                    kinds.join(", ")
                ),
            );
        }
        if c.count > 1
            && c.sketches
                .as_ref()
                .is_some_and(|s| s.distinct.exact && s.distinct.estimate == c.count)
            // Identifiers are strings and integers; distinct floats are the rule, not a finding.
            && (c.kind == ColumnKind::String
                || c.kind == ColumnKind::Numeric && c.data_type.contains("Int"))
        {
            push(
                Level::Info,
                "unique",
                Some(i),
                format!("{}: every value distinct (an identifier?)", name),
            );
        }
    }
    if let Some(d) = &p.duplicate_rows {
        if p.rows > 0 && d.count as f64 / p.rows as f64 > DUPLICATE_WARNING {
            push(
                Level::Warning,
                "duplicates",
                None,
                format!(
                    "{} duplicate rows ({} of {})",
                    d.count,
                    pct(d.count as f64 / p.rows as f64),
                    p.rows
                ),
            );
        }
    }
    if let Some(n) = &p.near_duplicates {
        if n.duplicate_fraction > DUPLICATE_WARNING {
            push(
                Level::Warning,
                "near-duplicates",
                None,
                format!(
                    "{}: {} exact and {} near-duplicate documents ({} of the documents)",
                    super::cut(&n.column, NAME),
                    n.exact_duplicates,
                    n.near_duplicates,
                    pct(n.duplicate_fraction)
                ),
            );
        }
    }
    if let Some(im) = r.images {
        if im.unreadable > 0 {
            push(
                Level::Error,
                "images",
                None,
                format!("{} of {} images unreadable", im.unreadable, im.images),
            );
        }
        for f in im
            .flags
            .iter()
            .filter(|f| f.flag != "unreadable" && f.count > 0)
        {
            push(
                Level::Warning,
                "images",
                None,
                format!(
                    "{} image{} flagged {}",
                    f.count,
                    if f.count == 1 { "" } else { "s" },
                    f.flag
                ),
            );
        }
        if im.exact_duplicates + im.near_duplicates > 0 {
            push(
                Level::Warning,
                "images",
                None,
                format!(
                    "{} exact and {} near-duplicate images",
                    im.exact_duplicates, im.near_duplicates
                ),
            );
        }
    }
    if let Some(e) = r.embedding() {
        let bad = e.excluded.null + e.excluded.non_finite;
        if bad > 0 {
            push(
                Level::Error,
                "embedding",
                None,
                format!(
                    "embedding: {} null and {} non-finite vectors left out",
                    e.excluded.null, e.excluded.non_finite
                ),
            );
        }
        if e.norms.zero_vectors > 0 {
            push(
                Level::Warning,
                "embedding",
                None,
                format!("embedding: {} zero vectors", e.norms.zero_vectors),
            );
        }
        if e.near_duplicates.redundant_rows > 0 {
            push(
                Level::Warning,
                "embedding",
                None,
                format!(
                    "embedding: {} redundant near-duplicate vectors in {} clusters",
                    e.near_duplicates.redundant_rows, e.near_duplicates.clusters
                ),
            );
        }
        if !e.top_outliers.is_empty() {
            push(
                Level::Info,
                "outliers",
                None,
                format!(
                    "embedding: {} top outliers listed (largest kNN distance {:.4})",
                    e.top_outliers.len(),
                    e.top_outliers
                        .iter()
                        .map(|o| o.knn_distance)
                        .fold(f64::NEG_INFINITY, f64::max)
                ),
            );
        }
    }
    if let Some(d) = r.drift {
        for c in d.columns.iter().filter(|c| c.status == Status::Drift) {
            push(
                Level::Error,
                "drift",
                p.columns.iter().position(|x| x.name == c.name),
                format!(
                    "{}: drifted from the baseline ({})",
                    super::cut(&c.name, NAME),
                    c.reasons.join("; ")
                ),
            );
        }
        for name in &d.schema.removed {
            push(
                Level::Error,
                "drift",
                None,
                format!(
                    "{}: in the baseline, not here",
                    super::cut(&name.name, NAME)
                ),
            );
        }
    }
    out.sort_by_key(|a| a.level);
    out
}
