//! What follows the ROM's boot log when the chip boots its flash. The device cannot run
//! the program, so it stands in for it honestly: when the flash holds an image where the
//! ROM looks for one (the image magic at the chip's bootloader offset), one line at the
//! rate applications usually print at; a blank flash stays silent after the boot log.

use espctl_chips::Chip;

/// The rate the stand-in line is sent at (ESP-IDF's and most Arduino sketches' console).
pub const APP_BAUD: u32 = 115_200;

/// The first byte of every application and bootloader image.
const IMAGE_MAGIC: u8 = 0xE9;

/// The text the program in `flash` prints once started, if the flash holds one.
pub fn output(chip: &Chip, flash: &[u8]) -> Option<String> {
    let offset = chip.bootloader_offset;
    let magic = flash.get(offset as usize).copied()?;
    (magic == IMAGE_MAGIC).then(|| {
        format!(
            "virtual {}: the image at 0x{offset:x} runs (its output is not modelled)\r\n",
            chip.name
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use espctl_chips::{esp32::ESP32, esp8266::ESP8266};

    #[test]
    fn only_an_image_where_the_rom_looks_prints() {
        let mut flash = vec![0xFF; 0x2000];
        assert_eq!(output(&ESP32, &flash), None);
        flash[0] = IMAGE_MAGIC;
        assert_eq!(output(&ESP32, &flash), None, "the ESP32 looks at 0x1000");
        assert!(output(&ESP8266, &flash).unwrap().contains("0x0 runs"));
        flash[0x1000] = IMAGE_MAGIC;
        assert!(output(&ESP32, &flash).unwrap().contains("0x1000 runs"));
    }
}
