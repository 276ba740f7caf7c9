//! `datassay card`: a Hugging Face dataset card from profiles or data, one input per split.

use super::drift::{DataArgs, Extras};
use super::report::{check_report_output, load, stem, Loaded};
use super::{Failure, EXIT_INPUT};
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct CardArgs {
    /// One input per split, as `NAME=PATH` (`train=train.parquet test=test.json`) or a plain
    /// path (one input: the split `train`; several: each named by its file name). Each is a
    /// profile, the JSON of `datassay images` or `outliers`, an image folder, or data
    /// (profiled now, with the PII scan).
    #[arg(required = true, value_name = "[SPLIT=]PATH")]
    pub inputs: Vec<String>,
    /// Where to write the card (`-`: standard output). Default: README.md in the current
    /// folder, which is not replaced when it exists (name it with -o, or --force).
    #[arg(long, short, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// The dataset's name in the card (default: the first input's file name).
    #[arg(long)]
    pub name: Option<String>,
    /// No PII scan of data inputs (it is on by default for cards).
    #[arg(long)]
    pub no_pii: bool,
    #[command(flatten)]
    pub data: DataArgs,
    /// Write the card even over one of the inputs.
    #[arg(long)]
    pub force: bool,
}

/// `[SPLIT=]PATH` into a split name and a path. A path that exists as written is a path even
/// when it holds `=`.
fn split_arg(s: &str, many: bool) -> Result<(String, PathBuf), Failure> {
    if !std::path::Path::new(s).exists() {
        if let Some((name, path)) = s.split_once('=') {
            let ok = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
            if !ok {
                return Err(Failure(
                    EXIT_INPUT,
                    format!("{s:?}: a split name is letters, digits, '_', '-' or '.' (e.g. train=data/train.parquet)"),
                ));
            }
            if path.is_empty() {
                return Err(Failure(
                    EXIT_INPUT,
                    format!("{s:?}: split '{name}' has no path (e.g. {name}=data/{name}.parquet)"),
                ));
            }
            return Ok((name.to_string(), PathBuf::from(path)));
        }
    }
    let p = PathBuf::from(s);
    let name = if many {
        stem(&p).split('.').next().unwrap_or("split").to_string()
    } else {
        "train".to_string()
    };
    Ok((name, p))
}

pub fn run(a: CardArgs) -> Result<i32, Failure> {
    let output = match &a.output {
        Some(o) => o.clone(),
        None => {
            let readme = PathBuf::from("README.md");
            if readme.exists() && !a.force {
                return Err(Failure(
                    EXIT_INPUT,
                    "README.md exists here and is not replaced by default; name the card with -o PATH (or pass --force to replace it)".into(),
                ));
            }
            readme
        }
    };
    check_report_output(&output)?;
    let many = a.inputs.len() > 1;
    let splits: Vec<(String, PathBuf)> = a
        .inputs
        .iter()
        .map(|s| split_arg(s, many))
        .collect::<Result<_, _>>()?;
    for (i, (n, _)) in splits.iter().enumerate() {
        if splits[..i].iter().any(|(m, _)| m == n) {
            return Err(Failure(
                EXIT_INPUT,
                format!("split '{n}' named twice; name each input as NAME=PATH"),
            ));
        }
    }
    let paths: Vec<PathBuf> = splits.iter().map(|(_, p)| p.clone()).collect();
    let (all, _) = datassay::source::expand(&paths);
    datassay::util::output::check(&[output.as_path()], &all, a.force)?;
    let loaded: Vec<Loaded> = splits
        .iter()
        .map(|(_, p)| {
            let how = Extras {
                full: true,
                pii: !a.no_pii,
                keep_errors: true,
            };
            load(p, &a.data, None, how)
        })
        .collect::<Result<_, _>>()?;
    let name = a.name.clone().unwrap_or_else(|| {
        stem(&splits[0].1)
            .split('.')
            .next()
            .unwrap_or("dataset")
            .to_string()
    });
    let card = datassay::report::card(&datassay::report::CardInput {
        pretty_name: &name,
        splits: splits
            .iter()
            .zip(&loaded)
            .map(|((n, _), l)| {
                (
                    n.as_str(),
                    datassay::report::ReportInput {
                        images: l.images.as_ref(),
                        embedding: l.embedding.as_ref(),
                        seconds: l.seconds,
                        ..datassay::report::ReportInput::new(n, &l.profile)
                    },
                )
            })
            .collect(),
    });
    super::reader_left(super::write_text(&output, &card))?;
    if output.as_os_str() != "-" && !a.data.quiet {
        super::note(&format!("wrote {}", output.display()));
    }
    // Files of data profiled now that could not be read are bad input, as for `profile`.
    let failed = loaded
        .iter()
        .any(|l| l.seconds.is_some() && !l.profile.errors.is_empty());
    Ok(if failed { EXIT_INPUT } else { 0 })
}
