//! `datassay check`: hold a profile to a checks file (and to a baseline, for drift), for a CI
//! step or a pipeline gate.

use super::drift::{load_sides, DataArgs};
use super::{check_outputs, say, Failure, EXIT_CHECK, EXIT_INPUT};
use clap::Args;
use datassay::analysis::checks::{self, Checks, Outcome};
use datassay::analysis::drift::{self, DriftOptions};
use std::path::PathBuf;

#[derive(Args)]
pub struct CheckArgs {
    /// The profile to check (`datassay profile --json`), or data, profiled now.
    pub profile: PathBuf,
    /// The checks file (YAML; see docs/checks.md; `datassay suggest PROFILE` writes a starter).
    #[arg(long, short)]
    pub checks: PathBuf,
    /// The baseline for drift checks: a profile, or data. Without a `drift` section in the
    /// checks file, every column on both sides is checked at level fail.
    #[arg(long, value_name = "PROFILE")]
    pub baseline: Option<PathBuf>,
    /// Warnings fail too (exit 3).
    #[arg(long)]
    pub strict: bool,
    /// Write a JUnit XML report (one test case per check) to this path.
    #[arg(long, value_name = "PATH")]
    pub junit: Option<PathBuf>,
    /// Print GitHub Actions workflow annotations (`::error`/`::warning`, worst first, at most 10
    /// of each) instead of the table.
    #[arg(long)]
    pub github: bool,
    /// Write a Markdown summary (for `$GITHUB_STEP_SUMMARY` or a pull request) to this path
    /// (`-`: stdout, and no table).
    #[arg(long, value_name = "PATH")]
    pub markdown: Option<PathBuf>,
    /// Write the results as JSON to this path (`-`: stdout, and no table).
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    #[command(flatten)]
    pub data: DataArgs,
    /// Write the outputs even over one of the inputs.
    #[arg(long)]
    pub force: bool,
}

/// Now as `YYYY-MM-DDTHH:MM:SS` (UTC), as JUnit wants it.
fn timestamp() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let t = secs % 86_400;
    format!(
        "{}T{:02}:{:02}:{:02}",
        datassay::report::date(secs as f64),
        t / 3600,
        t / 60 % 60,
        t % 60
    )
}

/// Long because it is the subcommand's steps in order (read checks and profile, drift, evaluate,
/// write each format, exit code), each a few lines.
pub fn run(a: CheckArgs) -> Result<i32, Failure> {
    let mut inputs = vec![a.profile.clone(), a.checks.clone()];
    inputs.extend(a.baseline.iter().cloned());
    for p in &inputs {
        if !p.exists() {
            return Err(datassay::Error::NotFound { path: p.clone() }.into());
        }
    }
    let (all, _) = datassay::source::expand(&inputs);
    // Every output at once: none may be an input, and no two the same file.
    check_outputs(
        &[a.json.as_ref(), a.junit.as_ref(), a.markdown.as_ref()],
        &[],
        &all,
        a.force,
    )?;
    let to_stdout = [a.junit.as_ref(), a.markdown.as_ref(), a.json.as_ref()]
        .into_iter()
        .flatten()
        .filter(|p| p.as_os_str() == "-")
        .count()
        + a.github as usize;
    if to_stdout > 1 {
        return Err(Failure(
            EXIT_INPUT,
            "invalid option: only one of --github, --json -, --markdown - and --junit - can write to standard output".into(),
        ));
    }
    // Read once: parsed here, and looked up again for each result's line.
    let text = std::fs::read_to_string(&a.checks).map_err(|e| datassay::Error::Io {
        path: a.checks.clone(),
        source: e,
    })?;
    let mut spec = Checks::from_yaml(&text, &a.checks)?;
    if a.baseline.is_some() && spec.drift.is_none() {
        spec.drift = Some(Default::default());
    }
    if spec.drift.is_some() && a.baseline.is_none() {
        return Err(Failure(
            EXIT_INPUT,
            format!(
                "{}: the checks file has drift checks; pass --baseline PROFILE to compare with",
                a.checks.display()
            ),
        ));
    }
    let mut paths = vec![a.profile.clone()];
    paths.extend(a.baseline.iter().cloned());
    let mut sides = load_sides(&paths, &a.data, true)?.into_iter();
    let profile = sides.next().expect("one side at least");
    let report = match (sides.next(), &spec.drift) {
        (Some(base), Some(dc)) => {
            let d = DriftOptions::default();
            let opts = DriftOptions {
                ks_threshold: dc.ks_threshold.unwrap_or(d.ks_threshold),
                js_threshold: dc.js_threshold.unwrap_or(d.js_threshold),
                null_threshold: dc.null_threshold.unwrap_or(d.null_threshold),
                ..d
            };
            let label = |p: &PathBuf| p.display().to_string();
            Some(drift::compare_labelled(
                &base,
                &label(a.baseline.as_ref().unwrap()),
                &profile,
                &label(&a.profile),
                &opts,
            )?)
        }
        _ => None,
    };
    let mut result = checks::evaluate(&spec, &a.checks, &profile, report.as_ref())?;
    result.locate(&text);
    let (pname, cname) = (
        a.profile.display().to_string(),
        a.checks.display().to_string(),
    );
    use super::reader_left;
    if let Some(j) = &a.junit {
        reader_left(super::write_text(
            j,
            &datassay::report::junit(&result, a.strict, &pname, &cname, &timestamp()),
        ))?;
    }
    if let Some(m) = &a.markdown {
        reader_left(super::write_text(
            m,
            &datassay::report::checks_markdown(&result, a.strict),
        ))?;
    }
    if let Some(j) = &a.json {
        reader_left(super::write_json(j, &result))?;
    }
    if a.github {
        reader_left(say(&datassay::report::github(&result, a.strict, &cname)))?;
    } else if to_stdout == 0 {
        reader_left(say(&datassay::report::checks_table(&result, a.strict)))?;
    }
    let failed = result
        .results
        .iter()
        .any(|r| r.outcome == Outcome::Fail || (a.strict && r.outcome == Outcome::Warn));
    Ok(if failed { EXIT_CHECK } else { 0 })
}
