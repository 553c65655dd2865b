//! `image-info FILE`: the report esptool 5.6.0 prints, for binary and Intel HEX files.

use std::path::PathBuf;

use espctl_image::info::file_info;

use super::output::{chip_arg, print, read_input};
use crate::fatal::Fatal;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Image file (binary, or Intel HEX: each region is reported)
    pub filename: PathBuf,
}

pub fn run(chip: &str, args: Args) -> Result<(), Fatal> {
    let chip = chip_arg(chip)?;
    let data = read_input(&args.filename)?;
    file_info(&data, chip, &mut print).map_err(|e| Fatal(e.to_string()))
}
