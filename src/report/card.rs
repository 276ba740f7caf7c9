//! A Hugging Face dataset card (`README.md` with YAML metadata) with the structure and
//! composition filled from profiles, one per split, and the parts only a person can write
//! marked `[More Information Needed]`, as Hugging Face's own template marks them.

use super::document::{alerts, is_constant, Level, ReportInput};
use super::markdown_cell as cell;
use crate::profile::{ColumnKind, ColumnProfile, Profile};
use serde::Serialize;
use std::fmt::Write;

/// What a card is made from: each split's report input, by split name.
pub struct CardInput<'a> {
    /// The dataset's name: the card's title and its `pretty_name` metadata.
    pub pretty_name: &'a str,
    /// `(split name, report input)` per split, at least one; the first gives the features.
    pub splits: Vec<(&'a str, ReportInput<'a>)>,
}

const MORE: &str = "[More Information Needed]";

/// Hugging Face's size category of a dataset of `n` rows.
pub fn size_category(n: u64) -> &'static str {
    match n {
        0..1_000 => "n<1K",
        1_000..10_000 => "1K<n<10K",
        10_000..100_000 => "10K<n<100K",
        100_000..1_000_000 => "100K<n<1M",
        1_000_000..10_000_000 => "1M<n<10M",
        10_000_000..100_000_000 => "10M<n<100M",
        100_000_000..1_000_000_000 => "100M<n<1B",
        1_000_000_000..10_000_000_000 => "1B<n<10B",
        10_000_000_000..100_000_000_000 => "10B<n<100B",
        100_000_000_000..1_000_000_000_000 => "100B<n<1T",
        _ => "n>1T",
    }
}

/// The `datasets` feature type of an Arrow type as the profile spells it.
fn dtype(arrow: &str) -> String {
    let t = arrow;
    let simple = [
        ("Boolean", "bool"),
        ("Int8", "int8"),
        ("Int16", "int16"),
        ("Int32", "int32"),
        ("Int64", "int64"),
        ("UInt8", "uint8"),
        ("UInt16", "uint16"),
        ("UInt32", "uint32"),
        ("UInt64", "uint64"),
        ("Float16", "float16"),
        ("Float32", "float32"),
        ("Float64", "float64"),
        ("Utf8", "string"),
        ("LargeUtf8", "large_string"),
        ("Utf8View", "string"),
        ("Binary", "binary"),
        ("LargeBinary", "large_binary"),
        ("BinaryView", "binary"),
        ("Date32", "date32"),
        ("Date64", "date64"),
        ("Null", "null"),
    ];
    if let Some((_, d)) = simple.iter().find(|(a, _)| *a == t) {
        return d.to_string();
    }
    let unit = |u: &str| match u.trim() {
        "Second" | "s" => "s",
        "Millisecond" | "ms" => "ms",
        "Microsecond" | "µs" | "us" => "us",
        _ => "ns",
    };
    if let Some(rest) = t.strip_prefix("Timestamp(") {
        let rest = rest.strip_suffix(')').unwrap_or(rest);
        let (u, tz) = rest.split_once(',').unwrap_or((rest, ""));
        let tz = tz.trim().trim_matches('"');
        return match tz {
            "" => format!("timestamp[{}]", unit(u)),
            tz => format!("timestamp[{}, tz={tz}]", unit(u)),
        };
    }
    for (arrow, hf) in [
        ("Duration(", "duration"),
        ("Time32(", "time32"),
        ("Time64(", "time64"),
    ] {
        if let Some(rest) = t.strip_prefix(arrow) {
            return format!("{hf}[{}]", unit(rest.trim_end_matches(')')));
        }
    }
    // `Decimal128(10, 2)` is pyarrow's `decimal128(10, 2)`.
    if let Some(rest) = t.strip_prefix("Decimal") {
        return format!("decimal{rest}");
    }
    if let Some(n) = t
        .strip_prefix("FixedSizeBinary(")
        .and_then(|r| r.strip_suffix(')'))
    {
        return format!("fixed_size_binary[{n}]");
    }
    if t.starts_with("Dictionary(") && t.contains("Utf8") {
        return "string".into();
    }
    "unknown".into()
}

/// The top-level columns: not struct fields or list elements.
fn top_level(p: &Profile) -> Vec<&ColumnProfile> {
    let parents: Vec<String> = p
        .columns
        .iter()
        .filter(|c| matches!(c.kind, ColumnKind::Struct | ColumnKind::List))
        .map(|c| c.name.clone())
        .collect();
    p.columns
        .iter()
        .filter(|c| {
            c.element_of.is_none()
                && !parents.iter().any(|x| {
                    c.name.starts_with(&format!("{x}.")) || c.name.starts_with(&format!("{x}[]"))
                })
        })
        .collect()
}

/// A feature of `datasets` (as `Features._to_yaml_list` writes it): `dtype` for a value,
/// `list` (`large_list`) for a list, with `length` when its size is fixed, of a value type, of a
/// struct's fields or of another list; `struct` for a struct's fields.
fn feature(p: &Profile, c: &ColumnProfile, leaf: &str) -> serde_yaml_ng::Mapping {
    let mut m = serde_yaml_ng::Mapping::new();
    m.insert("name".into(), leaf.into());
    let (key, value, length) = feature_type(p, c);
    m.insert(key.into(), value);
    if let Some(n) = length {
        m.insert("length".into(), n.into());
    }
    m
}

/// The size of a fixed-size list type as Arrow spells it (`FixedSizeList(3 x Float32)`).
fn fixed_size(data_type: &str) -> Option<u64> {
    data_type
        .strip_prefix("FixedSizeList(")?
        .split(' ')
        .next()?
        .parse()
        .ok()
}

/// The key (`dtype`, `list`, `large_list`, `struct`), value and fixed length of a column's
/// type.
fn feature_type(
    p: &Profile,
    c: &ColumnProfile,
) -> (&'static str, serde_yaml_ng::Value, Option<u64>) {
    use serde_yaml_ng::Value;
    match c.kind {
        ColumnKind::List => {
            let elem = format!("{}[]", c.name);
            let inner = match p.column(&elem) {
                // `list: int32`; a list of structs lists the fields (`list: [{name, dtype}, …]`);
                // a list of lists nests (`list: {list: int32}`).
                Some(e) => match feature_type(p, e) {
                    ("dtype" | "struct", v, _) => v,
                    (key, v, length) => {
                        let mut m = serde_yaml_ng::Mapping::new();
                        m.insert(key.into(), v);
                        if let Some(n) = length {
                            m.insert("length".into(), n.into());
                        }
                        Value::Mapping(m)
                    }
                },
                // A map (or a list of structs whose parent column is not listed): its entries'
                // fields, as the list of structs it is stored as.
                None => Value::Sequence(
                    children(p, &elem)
                        .into_iter()
                        .map(|(leaf, f)| Value::Mapping(feature(p, f, leaf)))
                        .collect(),
                ),
            };
            let key = if c.data_type.starts_with("LargeList") {
                "large_list"
            } else {
                "list"
            };
            (key, inner, fixed_size(&c.data_type))
        }
        ColumnKind::Struct => (
            "struct",
            Value::Sequence(
                children(p, &c.name)
                    .into_iter()
                    .map(|(leaf, f)| Value::Mapping(feature(p, f, leaf)))
                    .collect(),
            ),
            None,
        ),
        _ => ("dtype", dtype(&c.data_type).into(), None),
    }
}

/// The direct fields of the struct (or list element) `parent`: columns `parent.field` that are
/// not inside another struct or list field of `parent` (`parent.a.b` is a field of `parent.a`).
fn children<'p>(p: &'p Profile, parent: &str) -> Vec<(&'p str, &'p ColumnProfile)> {
    let prefix = format!("{parent}.");
    let nested: Vec<&str> = p
        .columns
        .iter()
        .filter(|o| matches!(o.kind, ColumnKind::Struct | ColumnKind::List))
        .filter(|o| o.name.starts_with(&prefix))
        .map(|o| o.name.as_str())
        .collect();
    p.columns
        .iter()
        .filter_map(|c| {
            let leaf = c.name.strip_prefix(&prefix)?;
            let inside = nested.iter().any(|n| {
                c.name.len() > n.len()
                    && c.name.starts_with(n)
                    && c.name[n.len()..].starts_with(['.', '['])
            });
            (!inside).then_some((leaf, c))
        })
        .collect()
}

#[derive(Serialize)]
struct Split {
    name: String,
    num_examples: u64,
}

#[derive(Serialize)]
struct DatasetInfo {
    features: Vec<serde_yaml_ng::Mapping>,
    splits: Vec<Split>,
}

#[derive(Serialize)]
struct Meta {
    pretty_name: String,
    size_categories: Vec<&'static str>,
    license: String,
    language: Vec<String>,
    task_categories: Vec<String>,
    tags: Vec<String>,
    dataset_info: DatasetInfo,
}

fn pct(n: u64, of: u64) -> String {
    if of == 0 {
        "0%".into()
    } else {
        format!("{:.2}%", 100.0 * n as f64 / of as f64)
    }
}

/// The card as Markdown with YAML metadata.
///
/// Long because it writes the card's sections in their order on the page, each a few lines into one
/// string; the order is the structure.
pub fn card(c: &CardInput) -> String {
    let first = &c.splits[0].1;
    let total: u64 = c.splits.iter().map(|(_, r)| r.profile.rows).sum();
    let meta = Meta {
        pretty_name: c.pretty_name.to_string(),
        size_categories: vec![size_category(total)],
        license: "unknown".into(),
        language: Vec::new(),
        task_categories: Vec::new(),
        tags: vec!["datassay".into()],
        dataset_info: DatasetInfo {
            features: top_level(first.profile)
                .into_iter()
                .map(|col| feature(first.profile, col, &col.name))
                .collect(),
            splits: c
                .splits
                .iter()
                .map(|(name, r)| Split {
                    name: name.to_string(),
                    num_examples: r.profile.rows,
                })
                .collect(),
        },
    };
    let yaml = yaml(
        &serde_yaml_ng::to_value(&meta).expect("card metadata serialises"),
        0,
    );
    let mut s = format!("---\n{yaml}---\n\n");
    let name = cell(c.pretty_name);
    let _ = write!(
        s,
        "# Dataset Card for {name}\n\n<!-- Structure and Composition were filled from the data by datassay ({}); every part marked {MORE} needs a person. `license: unknown` and the empty `language` and `task_categories` above need one too. -->\n\n",
        cell(&first.profile.generator)
    );
    let _ = write!(
        s,
        "## Dataset Details\n\n### Dataset Description\n\n{MORE}\n\n- **Curated by:** {MORE}\n- **Funded by:** {MORE}\n- **Shared by:** {MORE}\n- **Language(s):** {MORE}\n- **License:** {MORE}\n\n### Dataset Sources\n\n- **Repository:** {MORE}\n- **Paper:** {MORE}\n\n## Uses\n\n### Direct Use\n\n{MORE}\n\n### Out-of-Scope Use\n\n{MORE}\n\n"
    );
    s.push_str("## Dataset Structure\n\n");
    s.push_str("| split | rows | columns | sources |\n|---|---:|---:|---:|\n");
    for (name, r) in &c.splits {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} |",
            cell(name),
            r.profile.rows,
            top_level(r.profile).len(),
            r.profile.sources.len()
        );
    }
    // Fields are described from the first split; say where the others differ.
    let names = |p: &Profile| -> Vec<(String, String)> {
        top_level(p)
            .iter()
            .map(|c| (c.name.clone(), c.data_type.clone()))
            .collect()
    };
    let first_names = names(first.profile);
    let differ: Vec<&str> = c
        .splits
        .iter()
        .skip(1)
        .filter(|(_, r)| names(r.profile) != first_names)
        .map(|(n, _)| *n)
        .collect();
    if !differ.is_empty() {
        let _ = writeln!(
            s,
            "\n**The splits' columns differ**: {} {} other columns or types than {} (whose fields are listed below and in the metadata).",
            differ.iter().map(|d| cell(d)).collect::<Vec<_>>().join(", "),
            if differ.len() == 1 { "has" } else { "have" },
            cell(c.splits[0].0)
        );
    }
    s.push_str("\n### Fields\n\n| field | type | non-null | missing | distinct | notes |\n|---|---|---:|---:|---:|---|\n");
    for col in top_level(first.profile) {
        let distinct = super::distinct_text(col);
        let mut notes = Vec::new();
        if is_constant(col) {
            notes.push("constant".to_string());
        }
        if let Some(n) = &col.numeric {
            if let (Some(lo), Some(hi)) = (n.min, n.max) {
                notes.push(format!(
                    "range {} to {}",
                    super::column_value(col, lo),
                    super::column_value(col, hi)
                ));
            }
            if n.nan + n.pos_inf + n.neg_inf > 0 {
                notes.push(format!("{} NaN/inf", n.nan + n.pos_inf + n.neg_inf));
            }
        }
        if let Some(l) = &col.lengths {
            if let (Some(a), Some(b)) = (l.min_length, l.max_length) {
                notes.push(format!("length {a} to {b}"));
            }
        }
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} ({}) | {} | {} |",
            cell(&col.name),
            cell(&col.data_type),
            col.count,
            col.nulls,
            pct(col.nulls, col.rows),
            distinct,
            cell(&notes.join("; "))
        );
    }
    s.push_str("\n### Composition\n\n");
    for (name, r) in &c.splits {
        let p = r.profile;
        let _ = writeln!(s, "**{}** ({} rows):\n", cell(name), p.rows);
        let missing: u64 = top_level(p).iter().map(|c| c.nulls).sum();
        let cells: u64 = top_level(p).iter().map(|c| c.rows).sum();
        let _ = writeln!(
            s,
            "- Missing values: {missing} of {cells} cells ({}).",
            pct(missing, cells)
        );
        match &p.duplicate_rows {
            Some(d) => {
                let _ = writeln!(
                    s,
                    "- Duplicate rows: {} ({}){}.",
                    d.count,
                    pct(d.count, p.rows),
                    if d.exact {
                        ""
                    } else {
                        ", within each merged part"
                    }
                );
            }
            None => s.push_str("- Duplicate rows: not measured.\n"),
        }
        if let Some(n) = &p.near_duplicates {
            let _ = writeln!(
                s,
                "- Near-duplicate documents (`{}`, Jaccard ≥ {}): {} exact and {} near copies ({:.2}% of documents).",
                cell(&n.column),
                n.method.threshold,
                n.exact_duplicates,
                n.near_duplicates,
                100.0 * n.duplicate_fraction
            );
        }
        if let Some(im) = r.images {
            let flags: Vec<String> = im
                .flags
                .iter()
                .map(|f| format!("{} {}", f.count, f.flag))
                .collect();
            let _ = writeln!(
                s,
                "- Images: {} ({} unreadable); {} exact and {} near-duplicates; flagged: {}.",
                im.images,
                im.unreadable,
                im.exact_duplicates,
                im.near_duplicates,
                if flags.is_empty() {
                    "none".into()
                } else {
                    flags.join(", ")
                }
            );
        }
        if let Some(e) = r.embedding() {
            let _ = writeln!(
                s,
                "- Embeddings: {} vectors of dimension {}; {} null and {} non-finite; {} near-duplicate clusters.",
                e.vectors, e.dim, e.excluded.null, e.excluded.non_finite, e.near_duplicates.clusters
            );
        }
        if !p.errors.is_empty() {
            let _ = writeln!(
                s,
                "- Files that could not be read: {} (not in these figures).",
                p.errors.len()
            );
        }
        // The report's alerts (PII has its own section below).
        let all: Vec<_> = alerts(r).into_iter().filter(|a| a.kind != "pii").collect();
        let n = |l: Level| all.iter().filter(|a| a.level == l).count();
        let _ = writeln!(
            s,
            "- Data-quality alerts: {} errors, {} warnings, {} notes (as `datassay report` lists them).",
            n(Level::Error),
            n(Level::Warning),
            n(Level::Info)
        );
        for a in all.iter().take(20) {
            let _ = writeln!(s, "  - {}: {}", a.level.as_str(), cell(&a.text));
        }
        if all.len() > 20 {
            let _ = writeln!(s, "  - … and {} more", all.len() - 20);
        }
        s.push('\n');
    }
    if c.splits.len() > 1 {
        s.push_str("Contamination between splits: ");
        s.push_str("check it with `datassay dedup TRAIN --column TEXT --against TEST` (text) and `datassay images TRAIN --against TEST` (images); ");
        s.push_str(MORE);
        s.push_str("\n\n");
    }
    let _ = write!(
        s,
        "## Dataset Creation\n\n### Curation Rationale\n\n{MORE}\n\n### Source Data\n\n#### Data Collection and Processing\n\n{MORE}\n\n#### Who are the source data producers?\n\n{MORE}\n\n### Annotations\n\n{MORE}\n\n"
    );
    s.push_str("### Personal and Sensitive Information\n\n");
    let mut any_scan = false;
    let mut rows = String::new();
    for (name, r) in &c.splits {
        for col in &r.profile.columns {
            let Some(x) = &col.pii else { continue };
            any_scan = true;
            for k in &x.kinds {
                let _ = writeln!(
                    rows,
                    "| {} | {} | {} | {} | {} ({:.2}%) |",
                    cell(name),
                    cell(&col.name),
                    k.kind,
                    k.matches,
                    k.values,
                    100.0 * k.share
                );
            }
        }
    }
    if !any_scan {
        s.push_str("No PII scan in these profiles (`datassay profile --pii`). ");
    } else if rows.is_empty() {
        s.push_str("An automatic scan of every string column (e-mail addresses, phone numbers, payment card numbers, IBANs, IP addresses, keys and tokens) found none. ");
    } else {
        s.push_str("An automatic scan of every string column found:\n\n| split | column | kind | matches | values |\n|---|---|---|---:|---:|\n");
        s.push_str(&rows);
        s.push('\n');
    }
    let _ = write!(
        s,
        "An automatic scan finds formats, not meaning: names, addresses and other personal data in free text need a person. {MORE}\n\n## Bias, Risks, and Limitations\n\n{MORE}\n\n### Recommendations\n\n{MORE}\n\n## Citation\n\n{MORE}\n\n## More Information\n\n{MORE}\n\n## Dataset Card Authors\n\n{MORE}\n\n## Dataset Card Contact\n\n{MORE}\n"
    );
    s
}

/// YAML with every string double-quoted (a JSON string is a YAML double-quoted scalar), so no
/// reader, YAML 1.1 ones included, takes a name such as `yes`, `on`, `2024-01-01`, `12:30` or
/// `=` for a boolean, a date, a number or a syntax error.
fn yaml(v: &serde_yaml_ng::Value, indent: usize) -> String {
    use serde_yaml_ng::Value;
    let pad = " ".repeat(indent);
    let scalar = |v: &Value| -> Option<String> {
        match v {
            Value::Null => Some("null".into()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Number(n) => Some(n.to_string()),
            Value::String(s) => Some(serde_json::to_string(s).expect("a string")),
            _ => None,
        }
    };
    let mut out = String::new();
    match v {
        Value::Mapping(m) => {
            for (k, val) in m {
                let key = k.as_str().expect("string keys");
                match (scalar(val), val) {
                    (Some(x), _) => out.push_str(&format!("{pad}{key}: {x}\n")),
                    (None, Value::Sequence(items)) if items.is_empty() => {
                        out.push_str(&format!("{pad}{key}: []\n"))
                    }
                    (None, _) => {
                        out.push_str(&format!("{pad}{key}:\n"));
                        out.push_str(&yaml(val, indent + 2));
                    }
                }
            }
        }
        Value::Sequence(items) => {
            for item in items {
                match scalar(item) {
                    Some(x) => out.push_str(&format!("{pad}- {x}\n")),
                    None => {
                        // The first line of the item after `- `, the rest indented under it.
                        let body = yaml(item, indent + 2);
                        out.push_str(&format!("{pad}- {}", &body[indent + 2..]));
                    }
                }
            }
        }
        other => out.push_str(&format!("{pad}{}\n", scalar(other).unwrap_or_default())),
    }
    out
}
