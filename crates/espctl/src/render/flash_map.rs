//! ESP8266 flash maps as lines: a region per row with its addresses, size and sectors,
//! and the verdict of an OTA check.

use crate::console::say;
use espctl_chips::FLASH_SECTOR_SIZE;
use espctl_image::esp8266_flash_map::{ArduinoLayout, OtaVerdict};
use std::ops::Range;

/// The OTA verdict lines of `image-info --ota-check` for an image of `image` bytes.
pub fn ota_lines(l: &ArduinoLayout, image: u32) -> (Vec<String>, bool) {
    let max = l.max_ota_image();
    let fs = match &l.file_system {
        Some(f) => format!("{} file system", size_text(f.end - f.start)),
        None => "no file system".to_string(),
    };
    let head = format!(
        "OTA check (ESP8266 Arduino layout, {} flash, {fs}): image of {image} bytes ({} sectors).",
        size_text(l.flash),
        image.div_ceil(FLASH_SECTOR_SIZE)
    );
    match l.ota_verdict(image) {
        OtaVerdict::Fits => (
            vec![
                head,
                format!("Fits: it can be updated over the air in one step (largest: {max} bytes)."),
            ],
            true,
        ),
        OtaVerdict::TwoStep { max_running } => (
            vec![
                head,
                format!(
                    "Too large to replace itself over the air (largest: {max} bytes): a two-step update works, first an image of at most {max_running} bytes, then this one."
                ),
            ],
            true,
        ),
        OtaVerdict::TooLarge => (
            vec![
                head,
                format!(
                    "It cannot be updated over the air on this layout (an upload may hold {} bytes, the OTA space {} bytes).",
                    l.max_upload(),
                    l.ota_limit
                ),
            ],
            false,
        ),
    }
}

/// One region: first and last address, size, sectors, what it holds.
pub fn row(r: &Range<u32>, what: &str) {
    let len = r.end - r.start;
    let sectors = len.div_ceil(FLASH_SECTOR_SIZE);
    let word = if sectors == 1 { "sector" } else { "sectors" };
    say!(
        "  {:#08x}-{:#08x} {:>8} {sectors:>4} {word:<7}  {what}",
        r.start,
        r.end - 1,
        size_text(len)
    );
}

/// `4MB`, `64KB`, `4112B`.
pub fn size_text(bytes: u32) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{}MB", bytes >> 20)
    } else if bytes.is_multiple_of(1024) {
        format!("{}KB", bytes >> 10)
    } else {
        format!("{bytes}B")
    }
}
