//! One entry point that feeds arbitrary bytes to every parser of this crate; used by the
//! cargo-fuzz target in `fuzz/` and by the bounded randomized test run on stable.
//! Whatever the input, nothing may panic.

use espctl_chips::{CHIPS, FlashFreq, FlashMode, FlashSize};

use crate::elf2image::{Elf2ImageOptions, elf2image};
use crate::firmware::{FirmwareImage, detect_chip};
use crate::ihex::HexData;
use crate::info::image_info;
use crate::partition::PartitionTable;
use crate::patch::{FlashParamsRequest, Setting, patch_flash_params};
use crate::{Esp32Image, Esp8266Image, Esp8266V2Image};

/// Runs `data` through the image, HEX, partition and ELF parsers and the commands
/// built on them. Checks that what parses also writes back to the same image.
pub fn exercise(data: &[u8]) {
    let mut sink = |_| {};
    let _ = detect_chip(data);
    let _ = image_info(data, None, &mut sink);
    let request = FlashParamsRequest {
        mode: Setting::Set(FlashMode::Dio),
        size: Setting::Set(FlashSize::Mb4),
        freq: Setting::Set(FlashFreq::F40m),
    };
    for chip in CHIPS.iter().copied().step_by(3) {
        let _ = FirmwareImage::parse(chip, data);
        let _ = image_info(data, Some(chip), &mut sink);
        let _ = patch_flash_params(chip, chip.bootloader_offset, data, &request);
    }
    if let Ok(p) = Esp32Image::parse(data)
        && p.image.digest.is_some() == p.image.extended.hash_appended
    {
        let again = Esp32Image::parse(&p.image.write()).expect("a written image parses");
        assert_eq!(again.image, p.image, "ESP32 image round trip");
    }
    if let Ok(p) = Esp8266Image::parse(data) {
        let again = Esp8266Image::parse(&p.image.write()).expect("a written image parses");
        assert_eq!(again.image, p.image, "ESP8266 image round trip");
    }
    if let Ok(p) = Esp8266V2Image::parse(data) {
        let again = Esp8266V2Image::parse(&p.image.write()).expect("a written image parses");
        assert_eq!(again.image, p.image, "ESP8266 v2 image round trip");
    }
    if let Ok(hex) = HexData::parse(data) {
        assert_eq!(HexData::parse(hex.to_hex().as_bytes()).as_ref(), Ok(&hex));
    }
    if let Ok(table) = PartitionTable::parse(data) {
        assert_eq!(PartitionTable::parse(&table.write()).as_ref(), Ok(&table));
    }
    for chip in [
        &espctl_chips::esp8266::ESP8266,
        &espctl_chips::esp32c6::ESP32C6,
    ] {
        let _ = elf2image(chip, data, &Elf2ImageOptions::default(), &mut sink);
    }
}
