//! Which GPIOs connect an ESP32 to its SPI flash, and SPI_ATTACH's argument that names
//! them (esptool-protocol §2, SPI_ATTACH): 0 selects the SPI pins, 1 the HSPI pins, any
//! other value five pin numbers packed six bits apart (CLK, Q, D, HD, CS), the way the
//! ROM takes them.

use crate::{Chip, ChipKind};

/// The five flash signals' GPIOs, in SPI_ATTACH's order: CLK, Q, D, HD, CS.
pub type FlashPins = [u8; 5];

/// The ESP32's dedicated flash pins (SPICLK, SPIQ, SPID, SPIHD, SPICS0).
pub const ESP32_SPI_PINS: FlashPins = [6, 7, 8, 9, 11];
/// The ESP32's HSPI pins (HSPICLK, HSPIQ, HSPID, HSPIHD, HSPICS0).
pub const ESP32_HSPI_PINS: FlashPins = [14, 12, 13, 4, 15];

/// SPI_ATTACH's value for "the SPI pins".
pub const ATTACH_SPI: u32 = 0;
/// SPI_ATTACH's value for "the HSPI pins".
pub const ATTACH_HSPI: u32 = 1;

/// SPI_ATTACH's value for custom pins.
pub fn pack(pins: FlashPins) -> u32 {
    let [clk, q, d, hd, cs] = pins.map(u32::from);
    hd << 24 | cs << 18 | d << 12 | q << 6 | clk
}

/// The pins an SPI_ATTACH value selects on `chip` (`None` where the chip's flash pins
/// are fixed and the value chooses nothing: the ESP8266).
pub fn selected(chip: &Chip, value: u32) -> Option<FlashPins> {
    if chip.kind != ChipKind::Esp32 {
        return None;
    }
    Some(match value {
        ATTACH_SPI => ESP32_SPI_PINS,
        ATTACH_HSPI => ESP32_HSPI_PINS,
        v => [v, v >> 6, v >> 12, v >> 24, v >> 18].map(|p| (p & 0x3F) as u8),
    })
}

/// Whether a chip takes custom pins (`-sc CLK,Q,D,HD,CS`): the ESP32 only, among the
/// chips espctl drives.
pub fn custom_pins_supported(chip: &Chip) -> bool {
    chip.kind == ChipKind::Esp32
}

/// Pin numbers the ESP32 can route to the flash (esptool: 0-29, 32, 33).
pub fn valid_esp32_pin(pin: u8) -> bool {
    pin < 30 || pin == 32 || pin == 33
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{esp32::ESP32, esp8266::ESP8266};

    #[test]
    fn values_name_pins_as_the_rom_reads_them() {
        assert_eq!(selected(&ESP32, 0), Some(ESP32_SPI_PINS));
        assert_eq!(selected(&ESP32, 1), Some(ESP32_HSPI_PINS));
        let custom = [6, 17, 8, 9, 16];
        assert_eq!(selected(&ESP32, pack(custom)), Some(custom));
        assert_eq!(pack(ESP32_SPI_PINS), 0x092C_81C6);
        assert_eq!(selected(&ESP8266, 1), None);
        assert!(valid_esp32_pin(33) && !valid_esp32_pin(30) && !valid_esp32_pin(34));
    }
}
