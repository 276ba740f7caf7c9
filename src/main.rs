//! The `datassay` binary: parse arguments, run, print the error, exit with its code.

mod cli;

use clap::Parser;
use cli::{Cli, Command};

fn main() {
    // Mesa's Vulkan drivers complain on stderr when this is unset, though compute needs no display.
    if std::env::var_os("XDG_RUNTIME_DIR").is_none() {
        std::env::set_var("XDG_RUNTIME_DIR", std::env::temp_dir());
    }
    let cli = Cli::parse();
    // Panics are bugs: the library turns those inside readers into per-file errors, and any other
    // becomes one error line here instead of a backtrace.
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(|| match cli.command {
        Command::Profile(a) => cli::profile(a),
        Command::Merge(a) => cli::merge(a),
        Command::Devices { json } => cli::devices(json),
        Command::Bench(a) => cli::bench(a),
        Command::Generate(a) => cli::generate(a),
        Command::Outliers(a) => cli::outliers(a),
        Command::Dedup(a) => cli::dedup(a),
        Command::Images(a) => cli::images(a),
    })
    .unwrap_or_else(|p| {
        let msg = p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(cli::Failure(
            cli::EXIT_OTHER,
            format!("internal error: {msg}"),
        ))
    });
    match result {
        Ok(code) => std::process::exit(code),
        Err(cli::Failure(code, msg)) => {
            eprintln!("datassay: error: {msg}");
            std::process::exit(code);
        }
    }
}
