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
    let result = match cli.command {
        Command::Profile(a) => cli::profile(a),
        Command::Merge(a) => cli::merge(a),
        Command::Devices { json } => cli::devices(json),
        Command::Bench(a) => cli::bench(a),
        Command::Generate { path, rows } => cli::generate(path, rows),
    };
    match result {
        Ok(code) => std::process::exit(code),
        Err(cli::Failure(code, msg)) => {
            eprintln!("datassay: error: {msg}");
            std::process::exit(code);
        }
    }
}
