//! Any firmware image a chip can boot, and how to tell which one a file holds.

use espctl_chips::{CHIPS, Chip, ImageFormat};

use crate::segment::{IMAGE_MAGIC, IMAGE_V2_MAGIC, Segment};
use crate::{Esp32Image, Esp8266Image, Esp8266V2Image, ImageError, Parsed};

/// A parsed image of any kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FirmwareImage {
    /// An ESP8266 v1 image (magic 0xE9), loaded by the ROM.
    Esp8266(Esp8266Image),
    /// An ESP8266 v2 image (magic 0xEA), started by the SDK's software bootloader.
    Esp8266V2(Esp8266V2Image),
    /// An ESP32-family image (any chip other than the ESP8266).
    Esp32(Esp32Image),
}

impl FirmwareImage {
    /// Parses `data` as an image of `chip`: ESP8266 v1 or v2 by magic, else ESP32 family.
    pub fn parse(chip: &Chip, data: &[u8]) -> Result<Parsed<FirmwareImage>, ImageError> {
        Self::parse_with_warnings(chip, data, &mut |_| {})
    }

    /// Like [`FirmwareImage::parse`], passing esptool's warnings to `warn` as they come
    /// (so that those before a failure are not lost).
    pub fn parse_with_warnings(
        chip: &Chip,
        data: &[u8],
        warn: &mut dyn FnMut(String),
    ) -> Result<Parsed<FirmwareImage>, ImageError> {
        Ok(match chip.image.format {
            ImageFormat::Esp8266 => match data.first() {
                None => return Err(ImageError::Empty),
                Some(&IMAGE_MAGIC) => {
                    Esp8266Image::parse_with_warnings(data, warn)?.map(FirmwareImage::Esp8266)
                }
                Some(&IMAGE_V2_MAGIC) => {
                    Esp8266V2Image::parse_with_warnings(data, warn)?.map(FirmwareImage::Esp8266V2)
                }
                Some(&other) => return Err(ImageError::BadEsp8266Magic(other)),
            },
            ImageFormat::Esp32 => Esp32Image::parse(data)?.map(FirmwareImage::Esp32),
        })
    }

    /// Image format version as image-info prints it.
    pub fn version(&self) -> u8 {
        match self {
            FirmwareImage::Esp8266V2(_) => 2,
            _ => 1,
        }
    }

    /// The header that counts (a v2 image's second one).
    pub fn header(&self) -> crate::CommonHeader {
        match self {
            FirmwareImage::Esp8266(i) => i.header,
            FirmwareImage::Esp8266V2(i) => i.image.header,
            FirmwareImage::Esp32(i) => i.header,
        }
    }

    /// Every segment in file order (a v2 image's irom segment first).
    pub fn segments(&self) -> Vec<&Segment> {
        match self {
            FirmwareImage::Esp8266(i) => i.segments.iter().collect(),
            FirmwareImage::Esp8266V2(i) => {
                std::iter::once(&i.irom).chain(&i.image.segments).collect()
            }
            FirmwareImage::Esp32(i) => i.segments.iter().collect(),
        }
    }

    /// The checksum byte as stored in the file (a v2 image's is its v1 part's).
    pub fn stored_checksum(&self) -> u8 {
        match self {
            FirmwareImage::Esp8266(i) => i.checksum,
            FirmwareImage::Esp8266V2(i) => i.image.checksum,
            FirmwareImage::Esp32(i) => i.checksum,
        }
    }

    /// The checksum the segments call for (a v2 image's irom segment is not included).
    pub fn calculate_checksum(&self) -> u8 {
        match self {
            FirmwareImage::Esp8266(i) => i.calculate_checksum(),
            FirmwareImage::Esp8266V2(i) => i.image.calculate_checksum(),
            FirmwareImage::Esp32(i) => i.calculate_checksum(),
        }
    }
}

/// Which chip an image is for, as image-info decides with `--chip auto`: byte 0 must be
/// an image magic; then the extended header's chip id names the chip when its
/// "hash appended" byte is 0 or 1, and anything else is taken for an ESP8266 image.
pub fn detect_chip(data: &[u8]) -> Result<&'static Chip, ImageError> {
    let magic = *data.first().ok_or(ImageError::Empty)?;
    if magic != IMAGE_MAGIC && magic != IMAGE_V2_MAGIC {
        return Err(ImageError::NotAnImage(magic));
    }
    let esp8266 = &espctl_chips::esp8266::ESP8266;
    let extended = data.get(8..24.min(data.len())).unwrap_or(&[]);
    match extended.last() {
        Some(0 | 1) => {}
        _ => return Ok(esp8266),
    }
    // Only the low byte of the chip id is compared (as esptool does).
    let id = extended.get(4).copied().unwrap_or(0) as u16;
    Ok(CHIPS
        .iter()
        .copied()
        .find(|c| c.image_chip_id == Some(id))
        .unwrap_or(esp8266))
}

/// Checks only the magic byte (image-info with an explicit `--chip`).
pub fn check_magic(data: &[u8]) -> Result<(), ImageError> {
    match data.first() {
        None => Err(ImageError::Empty),
        Some(&IMAGE_MAGIC | &IMAGE_V2_MAGIC) => Ok(()),
        Some(&other) => Err(ImageError::NotAnImage(other)),
    }
}
