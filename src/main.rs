//! The `datassay` binary: parse arguments, run, print the error, exit with its code.

mod cli;

use clap::Parser;
use cli::Cli;

fn main() {
    // Mesa's Vulkan drivers complain on stderr when this is unset, though compute needs no display.
    if std::env::var_os("XDG_RUNTIME_DIR").is_none() {
        std::env::set_var("XDG_RUNTIME_DIR", std::env::temp_dir());
    }
    let cli = Cli::parse();
    // Panics are bugs: the library turns those inside readers into per-file errors, and any other
    // becomes one error line here instead of a backtrace.
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(|| cli::run(cli.command)).unwrap_or_else(|p| {
        let msg = p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        if msg.contains("Broken pipe") {
            // A print the code forgot to route through `cli::say`: the reader left; so do we.
            return Err(cli::Failure(0, String::new()));
        }
        Err(cli::Failure(
            cli::EXIT_OTHER,
            format!("internal error: {msg}"),
        ))
    });
    match result {
        Ok(code) => std::process::exit(code),
        Err(cli::Failure(code, msg)) => {
            if !msg.is_empty() {
                eprintln!(
                    "datassay: error: {}",
                    datassay::report::printable(&datassay::metrics::pii::redact(&msg))
                );
            }
            std::process::exit(code);
        }
    }
}
