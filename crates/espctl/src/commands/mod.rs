//! One file per command; `run` dispatches.

use crate::cli::{Cli, Command};
use crate::fatal::Fatal;

pub fn run(cli: Cli) -> Result<(), Fatal> {
    match cli.command {
        Command::Version => {
            println!("{}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
    }
}
