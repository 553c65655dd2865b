//! Facts shared by the ESP32 family: the ESP32's flash encodings, which every later chip
//! keeps unless its definition says otherwise, and the SPI register layout and ROM
//! capabilities of the chips after the ESP32. (Their eFuse helpers are in
//! [`crate::efuse`].)

use crate::{FlashFreq, FlashSize, RomFacts, SpiRegisters};

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
    security_info_chip_id: true,
    baud_crystal_mhz: None,
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

pub use crate::efuse::{mac_at, mac_registers};
