//! One file per command; `run` dispatches.

mod virtual_device;

use crate::cli::{Cli, Command};
use crate::fatal::Fatal;

pub fn run(cli: Cli) -> Result<(), Fatal> {
    match cli.command {
        Command::Version => {
            println!("{}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        Command::Virtual(args) => virtual_device::run(args),
    }
}
