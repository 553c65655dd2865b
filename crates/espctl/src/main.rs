//! The `espctl` command line: parses arguments, calls the libraries, renders output.

mod cli;
mod commands;
mod console;
mod fatal;
mod files;
mod interrupt;
mod render;

use clap::Parser;
use clap::error::ErrorKind;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::normalise_args(std::env::args_os());
    let mut cli = match cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e)
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) =>
        {
            e.exit()
        }
        Err(e) => {
            eprintln!("ERROR: {} Run 'espctl --help' for usage.", one_line(&e));
            return ExitCode::from(2);
        }
    };
    let config = match cli::config_file::load(&cli.command) {
        Ok(config) => config,
        Err(err) => return fatal::report(&err),
    };
    cli.config = config.config;
    let mut invocation = match cli::lower(cli) {
        Ok(invocation) => invocation,
        Err(err) => return fatal::report(&err),
    };
    console::set_silent(invocation.silent);
    // Device commands say it after their banner, as esptool does; the others at once.
    match &mut invocation.work {
        commands::Work::Device(target, _) => target.config_notes = config.notes,
        _ => render::config_file::notes(&config.notes),
    }
    let result = commands::run(invocation.work);
    if interrupt::requested() {
        return interrupt::report(result.as_ref().err());
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => fatal::report(&err),
    }
}

/// A usage error in one line: clap's message without the usage block that follows it.
fn one_line(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let message: Vec<&str> = text
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    let joined = message.join(" ");
    let joined = joined.strip_prefix("error: ").unwrap_or(&joined);
    let mut s = joined.to_string();
    if !s.ends_with('.') {
        s.push('.');
    }
    s
}
