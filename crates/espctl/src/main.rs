//! The `espctl` command line: parses arguments, calls the libraries, renders output.

mod cli;
mod commands;
mod console;
mod fatal;
mod files;
mod interrupt;
mod render;

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut cli = match cli::usage::parse_command_line(std::env::args_os()) {
        Ok(cli) => cli,
        Err(code) => return code,
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
    console::set_json(invocation.json);
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
