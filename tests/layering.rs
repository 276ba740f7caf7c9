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
    &["bench", "analysis", "fuzzing"],
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

/// Longest function (lines from its signature to its closing brace) without a reason.
const LONGEST: usize = 100;
/// Longest file (lines, tests included).
const LONGEST_FILE: usize = 800;

/// Functions of `text` longer than [`LONGEST`] whose comments above do not say why
/// ("Long because …"): `(first line, length, name)`. Test modules are left out.
fn long_functions(text: &str) -> Vec<(usize, usize, String)> {
    let code = text.split("#[cfg(test)]").next().unwrap_or("");
    let lines: Vec<&str> = code.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        let indent = line.len() - t.len();
        let rest = t
            .strip_prefix("pub(crate) ")
            .or_else(|| t.strip_prefix("pub(super) "))
            .or_else(|| t.strip_prefix("pub "))
            .unwrap_or(t);
        let rest = rest.strip_prefix("unsafe ").unwrap_or(rest);
        let Some(sig) = rest.strip_prefix("fn ") else {
            continue;
        };
        let name: String = sig
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        // A declaration without a body (in a trait) ends in `;` before any `{`.
        let Some(sig_end) = (i..lines.len()).find(|&j| {
            let l = lines[j].trim_end();
            l.ends_with('{') || l.ends_with(';')
        }) else {
            continue;
        };
        if lines[sig_end].trim_end().ends_with(';') {
            continue;
        }
        // The closing brace at the signature's indentation ends it (rustfmt's layout).
        let end = (sig_end + 1..lines.len()).find(|&j| {
            let l = lines[j];
            l.len() - l.trim_start().len() == indent && l.trim_start().starts_with('}')
        });
        let Some(end) = end else { continue };
        let len = end - i + 1;
        if len <= LONGEST {
            continue;
        }
        let mut k = i;
        let mut reason = false;
        while k > 0 {
            let above = lines[k - 1].trim_start();
            if !(above.starts_with("//") || above.starts_with("#[")) {
                break;
            }
            reason |= above.contains("Long because");
            k -= 1;
        }
        if !reason {
            out.push((i + 1, len, name));
        }
    }
    out
}

#[test]
fn no_function_is_long_without_a_reason_and_no_file_is_huge() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    all.sort();
    let mut found = Vec::new();
    for f in &all {
        let text = std::fs::read_to_string(f).unwrap();
        let rel = f.strip_prefix(&src).unwrap().display().to_string();
        for (line, len, name) in long_functions(&text) {
            found.push(format!(
                "{rel}:{line}: fn {name} is {len} lines, with no reason above it"
            ));
        }
        let n = text.lines().count();
        if n > LONGEST_FILE {
            found.push(format!("{rel} is {n} lines: split it by stage"));
        }
    }
    assert!(found.is_empty(), "\n{}", found.join("\n"));
}

#[test]
fn the_length_check_sees_a_long_function() {
    let body = "    x();\n".repeat(LONGEST);
    let long = format!("/// Does x.\npub fn f() {{\n{body}}}\n");
    assert_eq!(
        long_functions(&long),
        vec![(2, LONGEST + 2, "f".to_string())]
    );
    let why = format!("/// Does x.\n/// Long because it must.\npub fn f() {{\n{body}}}\n");
    assert!(long_functions(&why).is_empty());
    let short = "fn g() {\n    x();\n}\n";
    assert!(long_functions(short).is_empty());
}
