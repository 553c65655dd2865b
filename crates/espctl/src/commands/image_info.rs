//! `image-info FILE`: the report esptool 5.6.0 prints, for binary and Intel HEX files.

use super::chip::print_json;
use crate::console::say;
use crate::fatal::Fatal;
use crate::files::read_input;
use crate::render::flash_map::ota_lines;
use crate::render::json::image::ImageInfoJson;
use crate::render::print_message;
use espctl_chips::{Chip, FlashSize};
use espctl_image::esp8266_flash_map::arduino_layout;
use espctl_image::info::file_info;
use espctl_image::summary::file_summary;
use std::path::Path;

/// `--ota-check`: the ESP8266 Arduino layout to check an image against.
#[derive(Debug, Clone, Copy)]
pub struct OtaCheck {
    /// The flash size.
    pub flash: FlashSize,
    /// The file system size (0: none).
    pub fs: u32,
}

/// `image-info`: `chip` `None` recognises it from the image.
pub fn image_info(
    chip: Option<&'static Chip>,
    file: &Path,
    ota: Option<OtaCheck>,
) -> Result<(), Fatal> {
    let data = read_input(file)?;
    file_info(&data, chip, &mut print_message)?;
    let summary = if crate::console::json() {
        let regions = file_summary(&data, chip)?;
        Some(ImageInfoJson::new(
            file.display().to_string(),
            data.len(),
            regions,
        ))
    } else {
        None
    };
    if let Some(check) = ota {
        let layout = arduino_layout(check.flash.bytes(), check.fs)?;
        let (lines, possible) = ota_lines(&layout, data.len() as u32);
        say!();
        for line in lines {
            say!("{line}");
        }
        if !possible {
            return Err(Fatal(format!(
                "'{}' cannot be updated over the air on this layout.",
                file.display()
            )));
        }
    }
    print_json("image-info", summary)
}
