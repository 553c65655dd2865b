//! The `espctl` command line: parses arguments, calls the libraries, renders output.

mod cli;
mod commands;
mod fatal;
mod render;
mod virtual_port;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::normalise_args(std::env::args_os());
    let cli = cli::Cli::parse_from(args);
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => fatal::report(&err),
    }
}
