//! Facts shared by the ESP32-family chips after the ESP32: flash encodings, the SPI
//! register layout, ROM capabilities, and the MAC layout in eFuse.

use crate::{FlashFreq, FlashSize, Registers, RomFacts, SpiRegisters};

/// Flash size encodings (high nibble of header byte 3), the same on every ESP32-family chip.
pub const FLASH_SIZES: &[(FlashSize, u8)] = &[
    (FlashSize::Mb1, 0x00),
    (FlashSize::Mb2, 0x10),
    (FlashSize::Mb4, 0x20),
    (FlashSize::Mb8, 0x30),
    (FlashSize::Mb16, 0x40),
    (FlashSize::Mb32, 0x50),
    (FlashSize::Mb64, 0x60),
    (FlashSize::Mb128, 0x70),
];

/// Flash frequency encodings of the ESP32, S2, S3, C3, P4 and E22.
pub const FLASH_FREQS_80_40_26_20: &[(FlashFreq, u8)] = &[
    (FlashFreq::F80m, 0xF),
    (FlashFreq::F40m, 0x0),
    (FlashFreq::F26m, 0x1),
    (FlashFreq::F20m, 0x2),
];

/// Flash frequency encodings of the C5, C61 and S31.
pub const FLASH_FREQS_80_40_20: &[(FlashFreq, u8)] = &[
    (FlashFreq::F80m, 0xF),
    (FlashFreq::F40m, 0x0),
    (FlashFreq::F20m, 0x2),
];

/// ROM capabilities of every ESP32-family ROM after the ESP32.
pub const ROM: RomFacts = RomFacts {
    status_len: 4,
    // Every ROM after the ESP32 takes the fifth "encrypted" word in FLASH_BEGIN.
    flash_begin_encrypted_word: true,
    erase_size_bug: false,
    spi_attach: true,
    spi_set_params: true,
    compressed_flash: true,
    flash_md5: true,
    change_baudrate: true,
    read_flash_slow: true,
    security_info: true,
    flash_write_size: 0x400,
    ram_block_size: 0x1800,
    default_flash_size: 2 << 20,
};

/// SPI controller layout of every chip after the ESP32 (only the base differs).
pub const fn spi(base: u32) -> SpiRegisters {
    SpiRegisters {
        base,
        usr_offset: 0x18,
        usr1_offset: 0x1C,
        usr2_offset: 0x20,
        mosi_dlen_offset: Some(0x24),
        miso_dlen_offset: Some(0x28),
        w0_offset: 0x58,
        addr_msb_aligned: false,
    }
}

/// The base MAC as stored by every chip after the ESP32: the word at `reg` holds the
/// last four bytes (big-endian), the low half of the next word the first two.
pub fn mac_at(r: &Registers, reg: u32) -> [u8; 6] {
    let lo = r.get(reg).to_be_bytes();
    let hi = r.get(reg + 4).to_be_bytes();
    [hi[2], hi[3], lo[0], lo[1], lo[2], lo[3]]
}

/// The two register values that store `m` at `reg` (inverse of [`mac_at`]).
pub fn mac_registers(reg: u32, m: [u8; 6]) -> [(u32, u32); 2] {
    [
        (reg, u32::from_be_bytes([m[2], m[3], m[4], m[5]])),
        (reg + 4, u32::from_be_bytes([0, 0, m[0], m[1]])),
    ]
}

/// `bits` bits of `r[reg]` starting at `shift`.
pub fn field(r: &Registers, reg: u32, shift: u32, bits: u32) -> u32 {
    (r.get(reg) >> shift) & ((1 << bits) - 1)
}

/// Embedded flash/PSRAM vendor suffix as esptool prints it: ` (XMC)`, ` ()` when unknown.
pub fn vendor(name: Option<&str>) -> String {
    format!(" ({})", name.unwrap_or(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_round_trips() {
        let m = [0x60, 0x55, 0xF9, 0x01, 0x02, 0x03];
        let r: Registers = mac_registers(0x6000_8844, m).into_iter().collect();
        assert_eq!(mac_at(&r, 0x6000_8844), m);
    }
}
