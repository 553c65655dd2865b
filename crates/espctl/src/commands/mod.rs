//! One file per command; `run` dispatches.

pub mod elf2image;
pub mod image_info;
pub mod merge_bin;
mod output;

use crate::cli::{Cli, Command};
use crate::fatal::Fatal;

pub fn run(cli: Cli) -> Result<(), Fatal> {
    match cli.command {
        Command::Version => {
            println!("{}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        Command::ImageInfo(args) => image_info::run(&cli.chip, args),
        Command::Elf2image(args) => elf2image::run(&cli.chip, args),
        Command::MergeBin(args) => merge_bin::run(&cli.chip, args),
    }
}
