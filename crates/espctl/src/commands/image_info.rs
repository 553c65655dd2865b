//! `image-info FILE`: the report esptool 5.6.0 prints, for binary and Intel HEX files.

use std::path::PathBuf;

use espctl_image::ihex::regions_if_hex;
use espctl_image::info::{image_info, merged_image_info};

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
    let result = match regions_if_hex(&data) {
        Some(regions) if regions.len() > 1 => merged_image_info(&regions, chip, &mut print),
        Some(mut regions) if regions.len() == 1 => {
            let (_, bytes) = regions.remove(0);
            image_info(&bytes, chip, &mut print)
        }
        _ => image_info(&data, chip, &mut print),
    };
    result.map_err(|e| Fatal(e.to_string()))
}
