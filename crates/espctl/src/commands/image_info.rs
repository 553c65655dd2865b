//! `image-info FILE`: the report esptool 5.6.0 prints, for binary and Intel HEX files.

use crate::fatal::Fatal;
use crate::files::read_input;
use crate::render::print_message;
use espctl_chips::Chip;
use espctl_image::info::file_info;
use std::path::Path;

/// `image-info`: `chip` `None` recognises it from the image.
pub fn image_info(chip: Option<&'static Chip>, file: &Path) -> Result<(), Fatal> {
    let data = read_input(file)?;
    Ok(file_info(&data, chip, &mut print_message)?)
}
