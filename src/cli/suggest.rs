//! `datassay suggest`: a starter checks file from a profile.

use super::drift::{load_sides, DataArgs};
use super::Failure;
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct SuggestArgs {
    /// The profile (`datassay profile --json`), or data, profiled now.
    pub profile: PathBuf,
    /// Write the checks here (`-`: stdout).
    #[arg(short, long, default_value = "-")]
    pub output: PathBuf,
    #[command(flatten)]
    pub data: DataArgs,
    /// Write the output even over one of the inputs.
    #[arg(long)]
    pub force: bool,
}

pub fn run(a: SuggestArgs) -> Result<i32, Failure> {
    if !a.profile.exists() {
        return Err(datassay::Error::NotFound { path: a.profile }.into());
    }
    let (inputs, _) = datassay::source::expand(std::slice::from_ref(&a.profile));
    datassay::util::output::check(&[a.output.as_path()], &inputs, a.force)?;
    let p = load_sides(std::slice::from_ref(&a.profile), &a.data, true)?.remove(0);
    let checks = datassay::analysis::checks::suggest(&p);
    let text = format!(
        "# Checks suggested by `datassay suggest` from {} ({} rows): what the data is today,\n# with room for sampling error. Edit freely; every key is described in docs/checks.md.\n# Run: datassay check PROFILE --checks THIS_FILE [--baseline REFERENCE]\n{}",
        a.profile.display(),
        p.rows,
        checks.to_yaml()
    );
    super::write_text(&a.output, &text)?;
    Ok(0)
}
