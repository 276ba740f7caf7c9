//! Check results in the terminal, as JUnit XML (one test case per check), as GitHub Actions
//! workflow annotations and as Markdown.

use super::{markdown_cell, printable};
use crate::analysis::checks::{CheckReport, CheckResult, Outcome};

/// The outcome a result counts as: warnings fail under `strict`.
fn counted(r: &CheckResult, strict: bool) -> Outcome {
    if strict && r.outcome == Outcome::Warn {
        Outcome::Fail
    } else {
        r.outcome
    }
}

fn summary(r: &CheckReport, strict: bool) -> String {
    format!(
        "{} checks: {} passed, {} warnings, {} failed{}",
        r.results.len(),
        r.passed,
        r.warned,
        r.failed,
        if strict && r.warned > 0 {
            " (warnings fail under --strict)"
        } else {
            ""
        }
    )
}

/// One line per check, worst first, then the summary.
pub fn checks_table(r: &CheckReport, strict: bool) -> String {
    let mut out = String::new();
    for x in r.worst_first() {
        let tag = match counted(x, strict) {
            Outcome::Pass => "PASS",
            Outcome::Warn => "WARN",
            Outcome::Fail => "FAIL",
        };
        out.push_str(&format!("{tag}  {}\n", printable(&x.message)));
    }
    out.push_str(&summary(r, strict));
    out.push('\n');
    out
}

/// Escape text for XML attributes and content; characters XML 1.0 cannot hold are dropped.
fn xml(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            '\t' | '\n' | '\r' => o.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => o.push(c),
        }
    }
    o
}

/// The results as a JUnit XML report (the Apache Ant schema that CI systems read): one test
/// suite, one test case per check; failures as `<failure>`, warnings as passing cases listed
/// in the suite's `system-out` (as failures under `strict`).
pub fn junit(
    r: &CheckReport,
    strict: bool,
    profile: &str,
    checks: &str,
    timestamp: &str,
) -> String {
    let failures = r
        .results
        .iter()
        .filter(|x| counted(x, strict) == Outcome::Fail)
        .count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
    out.push_str(&format!(
        "  <testsuite package=\"datassay\" id=\"0\" name=\"datassay check\" timestamp=\"{}\" hostname=\"localhost\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"0\">\n",
        xml(timestamp),
        r.results.len()
    ));
    out.push_str("    <properties>\n");
    out.push_str(&format!(
        "      <property name=\"profile\" value=\"{}\"/>\n      <property name=\"checks\" value=\"{}\"/>\n",
        xml(profile),
        xml(checks)
    ));
    out.push_str("    </properties>\n");
    for x in &r.results {
        let class = match &x.column {
            Some(c) => {
                format!("datassay.{}", x.id.split('.').next().unwrap_or("columns")) + "." + c
            }
            None => format!("datassay.{}", x.id.split('.').next().unwrap_or("dataset")),
        };
        let open = format!(
            "    <testcase name=\"{}\" classname=\"{}\" time=\"0\"",
            xml(&x.id),
            xml(&class)
        );
        if counted(x, strict) == Outcome::Fail {
            out.push_str(&format!(
                "{open}>\n      <failure message=\"{}\" type=\"{}\">observed: {}\nexpected: {}</failure>\n    </testcase>\n",
                xml(&x.message),
                x.outcome.as_str(),
                xml(&x.observed),
                xml(&x.expected)
            ));
        } else {
            out.push_str(&open);
            out.push_str("/>\n");
        }
    }
    let warnings: Vec<String> = r
        .results
        .iter()
        .filter(|x| x.outcome == Outcome::Warn)
        .map(|x| format!("warning: {}: {}", x.id, x.message))
        .collect();
    out.push_str(&format!(
        "    <system-out>{}</system-out>\n    <system-err></system-err>\n  </testsuite>\n</testsuites>\n",
        xml(&format!("{}\n{}", summary(r, strict), warnings.join("\n")))
    ));
    out
}

/// GitHub Actions shows at most 10 error and 10 warning annotations per step.
pub const GITHUB_ANNOTATIONS: usize = 10;

/// Escape an annotation's message (`%`, CR, LF) or property (also `:` and `,`).
fn gh(s: &str, property: bool) -> String {
    let mut o = s
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    if property {
        o = o.replace(':', "%3A").replace(',', "%2C");
    }
    o
}

/// Workflow commands: `::error` for failures and `::warning` for warnings, worst first and at
/// most [`GITHUB_ANNOTATIONS`] of each (the rest counted in a notice), then the summary.
pub fn github(r: &CheckReport, strict: bool, file: &str) -> String {
    let mut out = String::new();
    let (mut errors, mut warnings) = (0usize, 0usize);
    let (mut errors_left, mut warnings_left) = (0usize, 0usize);
    for x in r.worst_first() {
        let (cmd, shown, left) = match counted(x, strict) {
            Outcome::Pass => continue,
            Outcome::Fail => ("error", &mut errors, &mut errors_left),
            Outcome::Warn => ("warning", &mut warnings, &mut warnings_left),
        };
        if *shown == GITHUB_ANNOTATIONS {
            *left += 1;
            continue;
        }
        *shown += 1;
        let line = x.line.map(|l| format!(",line={l}")).unwrap_or_default();
        out.push_str(&format!(
            "::{cmd} file={}{line},title={}::{}\n",
            gh(file, true),
            gh(&format!("datassay check {}", x.id), true),
            gh(&x.message, false)
        ));
    }
    if errors_left + warnings_left > 0 {
        out.push_str(&format!(
            "::notice title=datassay check::{} more failures and {} more warnings than GitHub shows; run datassay check without --github (or with --junit or --markdown) for all of them\n",
            errors_left, warnings_left
        ));
    }
    out.push_str(&format!(
        "::notice title=datassay check::{}\n",
        gh(&summary(r, strict), false)
    ));
    out
}

/// A Markdown summary and table of the checks, worst first.
pub fn checks_markdown(r: &CheckReport, strict: bool) -> String {
    let failed = r
        .results
        .iter()
        .any(|x| counted(x, strict) == Outcome::Fail);
    let mut out = format!(
        "## Data checks: {}\n\n{}.\n\n| outcome | check | observed | expected | detail |\n|---|---|---|---|---|\n",
        if failed { "❌ failed" } else if r.warned > 0 { "⚠️ passed with warnings" } else { "✅ passed" },
        summary(r, strict)
    );
    for x in r.worst_first() {
        let o = match counted(x, strict) {
            Outcome::Pass => "✅ pass",
            Outcome::Warn => "⚠️ warn",
            Outcome::Fail => "❌ fail",
        };
        out.push_str(&format!(
            "| {o} | `{}` | {} | {} | {} |\n",
            markdown_cell(&x.id.replace('`', "'")),
            markdown_cell(&x.observed),
            markdown_cell(&x.expected),
            markdown_cell(&x.message)
        ));
    }
    out
}
