//! `datassay merge`: profiles of disjoint parts into the profile of the whole.

use super::{check_outputs, write_json, Failure, EXIT_INPUT};
use clap::Args;
use datassay::Profile;
use std::path::PathBuf;

#[derive(Args)]
pub struct MergeArgs {
    /// Profile JSON files (two or more), each of a different part of the dataset.
    #[arg(required = true, num_args = 2..)]
    pub inputs: Vec<PathBuf>,
    /// Output path (`-`: stdout).
    #[arg(short, long, default_value = "-")]
    pub output: PathBuf,
    /// Write the output even when it is one of the inputs (it replaces that file at the end).
    #[arg(long)]
    pub force: bool,
}

pub fn run(a: MergeArgs) -> Result<i32, Failure> {
    check_outputs(&[Some(&a.output)], &[], &a.inputs, a.force)?;
    let mut acc: Option<Profile> = None;
    for p in &a.inputs {
        let prof = Profile::read(p)?;
        acc = Some(match acc {
            None => prof,
            Some(x) => x
                .merge(&prof)
                .map_err(|e| Failure(EXIT_INPUT, format!("{}: {e}", p.display())))?,
        });
    }
    let merged = acc.expect("clap requires two inputs");
    write_json(&a.output, &merged)?;
    Ok(0)
}
