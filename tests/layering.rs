//! The library's layers hold: no module imports from a layer above it (docs/architecture.md).
//! Every `crate::<module>` path in `src/` (comments aside) is checked against the layer order,
//! so a new upward import fails here instead of growing a cycle.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Layers, bottom first. The binary (`main.rs`, `cli/`) reaches the library through its public
/// API (`datassay::`), never `crate::`, and sits above all of them.
const LAYERS: &[&[&str]] = &[
    &["error", "util"],
    &["source", "gpu"],
    &["metrics"],
    &["profile"],
    &["schedule", "dedup", "images", "embed"],
    &["bench", "analysis"],
    &["report"],
];

/// Upward imports known today, each to be removed rather than copied (none is left).
const KNOWN: &[(&str, &str)] = &[];

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The modules a source text names through `crate::`, comments left out.
fn imports(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let code = match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        };
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

#[test]
fn no_module_imports_from_a_layer_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    all.sort();
    let mut upward = Vec::new();
    let mut seen_known = BTreeSet::new();
    for f in &all {
        let rel = f.strip_prefix(&src).unwrap();
        let top = rel
            .iter()
            .next()
            .unwrap()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        let Some(from) = layer(&top) else { continue };
        for m in imports(&std::fs::read_to_string(f).unwrap()) {
            let Some(to) = layer(&m) else { continue };
            if to > from {
                if KNOWN.contains(&(top.as_str(), m.as_str())) {
                    seen_known.insert((top.clone(), m.clone()));
                } else {
                    upward.push(format!(
                        "{} imports crate::{m} (layer {to} above {from})",
                        rel.display()
                    ));
                }
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports from a layer above:\n{}",
        upward.join("\n")
    );
    // A known exception that is gone must leave the list too, so the list stays true.
    for (a, b) in KNOWN {
        assert!(
            seen_known.contains(&(a.to_string(), b.to_string())),
            "{a} no longer imports {b}: remove it from KNOWN"
        );
    }
}

#[test]
fn the_checker_sees_an_upward_import() {
    let text = "use crate::metrics::sketch; // crate::report in a comment\nlet x = crate::report::num(None);";
    let m = imports(text);
    assert!(m.contains("metrics") && m.contains("report"));
    assert!(layer("report") > layer("metrics"));
    assert_eq!(imports("// use crate::cli;"), BTreeSet::new());
}
