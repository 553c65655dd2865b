//! Chip facts as data: one [`Chip`] definition per chip.
//!
//! Both the client and the virtual device read these definitions, so a register address
//! or an encoding is written down exactly once. Behaviour that differs per chip (how the
//! eFuse words spell the MAC or the chip name) is a plain function stored in the
//! definition, next to its inverse used by the virtual device.

#![warn(missing_docs)]

pub mod efuse;
pub mod esp32;
pub mod esp32c2;
pub mod esp32c3;
pub mod esp32c5;
pub mod esp32c6;
pub mod esp32c61;
pub mod esp32e22;
pub mod esp32h2;
pub mod esp32h21;
pub mod esp32h4;
pub mod esp32p4;
pub mod esp32s2;
pub mod esp32s3;
pub mod esp32s31;
pub mod esp8266;
pub mod esp8266_rom_erase;
pub mod family;
pub mod flash;
pub mod flash_encryption;
pub mod flash_pins;
pub mod flash_protection;
pub mod flash_supply;
pub mod flash_voltage;
pub mod identity;
pub mod image;
pub mod registers;
pub mod security;
pub mod security_fields;
pub mod size_syntax;
pub mod spi_flash;
pub mod uart_rate;
pub mod usb;

/// Typical parts as the virtual device models them (crystal, boot log).
pub mod part;
mod part_esp_rom;

pub use flash::{FlashFreq, FlashMode, FlashSize};
pub use identity::{
    Description, FlashVoltage, Identity, IdentityError, RegisterValue, eui64, format_mac,
};
pub use image::{AddrRange, ImageFacts, ImageFormat, MemoryRegion};
pub use registers::Registers;
pub use spi_flash::SpiRegisters;

pub use part::{BootLog, BootMode, ResetCause, StrapRegister, StubUartClock, TypicalPart};

/// Address of the register whose value identifies the older chips.
pub const CHIP_DETECT_MAGIC_REG: u32 = 0x4000_1000;

/// Flash sector size: the unit of erase on every supported flash chip.
pub const FLASH_SECTOR_SIZE: u32 = 0x1000;

/// Which chip family a definition describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChipKind {
    /// ESP8266 (and ESP8285).
    Esp8266,
    /// ESP32.
    Esp32,
    /// ESP32-S2.
    Esp32s2,
    /// ESP32-S3.
    Esp32s3,
    /// ESP32-C3.
    Esp32c3,
    /// ESP32-C2.
    Esp32c2,
    /// ESP32-C6.
    Esp32c6,
    /// ESP32-C61.
    Esp32c61,
    /// ESP32-C5.
    Esp32c5,
    /// ESP32-E22.
    Esp32e22,
    /// ESP32-H2.
    Esp32h2,
    /// ESP32-H21.
    Esp32h21,
    /// ESP32-P4.
    Esp32p4,
    /// ESP32-H4.
    Esp32h4,
    /// ESP32-S31.
    Esp32s31,
}

/// What the chip's ROM bootloader can do, as esptool relies on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RomFacts {
    /// Status bytes at the end of every ROM reply.
    pub status_len: u8,
    /// FLASH_BEGIN takes a fifth "encrypted" word (ROMs newer than the ESP32).
    pub flash_begin_encrypted_word: bool,
    /// ESP8266: the ROM erases more than asked in FLASH_BEGIN, esptool shrinks the size.
    /// The erase is modelled in [`esp8266_rom_erase`].
    pub erase_size_bug: bool,
    /// The ROM has SPI_ATTACH (the ESP8266's attaches the flash with FLASH_BEGIN).
    pub spi_attach: bool,
    /// The ROM has SPI_SET_PARAMS.
    pub spi_set_params: bool,
    /// The ROM has FLASH_DEFL_BEGIN/DATA/END.
    pub compressed_flash: bool,
    /// The ROM has SPI_FLASH_MD5.
    pub flash_md5: bool,
    /// The ROM has CHANGE_BAUDRATE.
    pub change_baudrate: bool,
    /// The ROM has READ_FLASH_SLOW.
    pub read_flash_slow: bool,
    /// The ROM has GET_SECURITY_INFO.
    pub security_info: bool,
    /// GET_SECURITY_INFO's answer ends with the chip ID and API version (20 bytes); the
    /// ESP32-S2 ROM answers without them (12 bytes).
    pub security_info_chip_id: bool,
    /// The crystal the ROM computes CHANGE_BAUDRATE dividers for when it neither
    /// measures nor reads it (ESP32-C2: 40 MHz on a 26 MHz part too, esptool
    /// `ESP32C2ROM.change_baud`); `None`: the real crystal.
    pub baud_crystal_mhz: Option<u32>,
    /// Data block size for FLASH_DATA through the ROM.
    pub flash_write_size: u32,
    /// Largest MEM_DATA block.
    pub ram_block_size: u32,
    /// The flash size the ROM assumes until SPI_SET_PARAMS says otherwise.
    pub default_flash_size: u32,
}

/// One chip: everything the client and the virtual device need to know about it.
#[derive(Debug, Clone, Copy)]
pub struct Chip {
    /// Which chip this is.
    pub kind: ChipKind,
    /// esptool's name: `ESP8266`, `ESP32`.
    pub name: &'static str,
    /// Value of `--chip`: `esp8266`, `esp32`.
    pub arg_name: &'static str,
    /// Values of [`CHIP_DETECT_MAGIC_REG`] that identify this chip.
    pub magic_values: &'static [u32],
    /// Chip ID in GET_SECURITY_INFO and in the extended image header (ESP32 family).
    pub image_chip_id: Option<u16>,
    /// What its ROM bootloader can do.
    pub rom: RomFacts,
    /// The SPI controller the flash is on.
    pub spi: SpiRegisters,
    /// UART0's clock divider register (the crystal is estimated from it).
    pub uart_clkdiv_reg: u32,
    /// The bus clock is this many times the crystal (ESP8266: 2).
    pub xtal_clk_divider: u32,
    /// A harmless register esptool writes to when it needs a delay after WRITE_REG.
    pub uart_date_reg: u32,
    /// What that register reads, where known: the UART's version date, which esptool v2
    /// and v3 compared to tell the chips apart (their `DATE_REG_VALUE`).
    pub uart_date_value: Option<u32>,
    /// Where the second-stage bootloader (or the ESP8266 image) lives in flash.
    pub bootloader_offset: u32,
    /// Flash size names and their header encoding (high nibble of byte 3).
    pub flash_sizes: &'static [(FlashSize, u8)],
    /// Flash frequency names and their header encoding (low nibble of byte 3).
    pub flash_freqs: &'static [(FlashFreq, u8)],
    /// How name, features and MAC are read from its registers.
    pub identity: Identity,
    /// Name of the esp-flasher-stub JSON file for this chip.
    pub stub_file: &'static str,
    /// FLASH_DATA block size through the stub.
    pub stub_flash_write_size: u32,
    /// How the flasher stub sets its UART rate for CHANGE_BAUDRATE, where it matters to
    /// a host (`None`: it sets the rate it is asked for).
    pub stub_uart: Option<StubUartClock>,
    /// Whether esptool's `--after soft-reset` works through the stub (RUN_USER_CODE):
    /// only the ESP8266's.
    pub stub_soft_reset: bool,
    /// The flasher stub reaches flash past 16MB with 4-byte addresses (esptool
    /// `FLASH_32BIT_ADDR_SUPPORTED`); the ROMs and the other stubs stop at 16MB.
    pub stub_flash_32bit_addr: bool,
    /// The crystal frequency esptool reports without reading it: the chip is only made
    /// with this one (S2, S3, C3, C6, P4: 40 MHz; H2: 32 MHz). `None`: estimated from the
    /// UART divider or the ROM's measurement.
    pub fixed_crystal_mhz: Option<u32>,
    /// The crystal frequency in Hz as the ROM measured it (ESP32). The ROM derives its
    /// baud rates from this measurement, so CHANGE_BAUDRATE sent to it is scaled by it.
    pub rom_crystal_hz: Option<RegisterValue<f64>>,
    /// SPI flash pins chosen in eFuse as `[clk, q, d, hd, cs]` (all 0: default pins).
    /// The ROM's SPI_ATTACH takes them; only chips that can have in-package flash.
    pub efuse_spi_pads: Option<RegisterValue<[u8; 5]>>,
    /// The flash supply voltage and where it is set (printed by flash-id).
    pub flash_voltage: Option<RegisterValue<FlashVoltage>>,
    /// The security eFuses GET_SECURITY_INFO reports (chips after the ESP32; the
    /// ESP32's are [`security::security_efuses`]).
    pub security_fields: Option<&'static security_fields::SecurityFields>,
    /// What this chip's firmware images look like (elf2image, image-info, merge-bin).
    pub image: ImageFacts,
}

/// Every chip espctl knows, in esptool's order (the order of its `--chip` choices).
pub static CHIPS: &[&Chip] = &[
    &esp8266::ESP8266,
    &esp32::ESP32,
    &esp32s2::ESP32S2,
    &esp32s3::ESP32S3,
    &esp32c3::ESP32C3,
    &esp32c2::ESP32C2,
    &esp32c6::ESP32C6,
    &esp32c61::ESP32C61,
    &esp32c5::ESP32C5,
    &esp32e22::ESP32E22,
    &esp32h2::ESP32H2,
    &esp32h21::ESP32H21,
    &esp32p4::ESP32P4,
    &esp32h4::ESP32H4,
    &esp32s31::ESP32S31,
];

impl Chip {
    /// Looks a chip up by `--chip` value, case and `-` insensitive (`ESP32`, `esp-32`).
    pub fn by_arg_name(name: &str) -> Option<&'static Chip> {
        let wanted: String = name
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .flat_map(char::to_lowercase)
            .collect();
        CHIPS.iter().copied().find(|c| c.arg_name == wanted)
    }

    /// The chip whose ROM reports `magic` at [`CHIP_DETECT_MAGIC_REG`].
    pub fn by_magic(magic: u32) -> Option<&'static Chip> {
        CHIPS
            .iter()
            .copied()
            .find(|c| c.magic_values.contains(&magic))
    }

    /// The chip with this image / security-info chip ID.
    pub fn by_image_chip_id(id: u16) -> Option<&'static Chip> {
        CHIPS.iter().copied().find(|c| c.image_chip_id == Some(id))
    }

    /// Header encoding of a flash size, if this chip supports it.
    pub fn flash_size_code(&self, size: FlashSize) -> Option<u8> {
        self.flash_sizes
            .iter()
            .find(|(s, _)| *s == size)
            .map(|(_, c)| *c)
    }

    /// Flash size of a header encoding.
    pub fn flash_size_from_code(&self, code: u8) -> Option<FlashSize> {
        self.flash_sizes
            .iter()
            .find(|(_, c)| *c == code)
            .map(|(s, _)| *s)
    }

    /// Header encoding of a flash frequency, if this chip supports it.
    pub fn flash_freq_code(&self, freq: FlashFreq) -> Option<u8> {
        self.flash_freqs
            .iter()
            .find(|(f, _)| *f == freq)
            .map(|(_, c)| *c)
    }

    /// Flash frequency of a header encoding.
    pub fn flash_freq_from_code(&self, code: u8) -> Option<FlashFreq> {
        self.flash_freqs
            .iter()
            .find(|(_, c)| *c == code)
            .map(|(f, _)| *f)
    }

    /// Crystal frequency in MHz estimated from the UART divider at `baud`, as esptool does:
    /// the estimate and the value normalised to 26, 40 or 48 MHz.
    pub fn crystal_mhz(&self, clkdiv_reg: u32, baud: u32) -> (f64, u32) {
        let div = clkdiv_reg & 0xF_FFFF;
        let estimate = baud as f64 * div as f64 / 1e6 / self.xtal_clk_divider as f64;
        let normalised = if estimate > 45.0 {
            48
        } else if estimate > 33.0 {
            40
        } else {
            26
        };
        (estimate, normalised)
    }

    /// The UART divider register value of a part with a `xtal_mhz` crystal at `baud`.
    pub fn clkdiv_for(&self, xtal_mhz: u32, baud: u32) -> u32 {
        let bus = xtal_mhz as u64 * 1_000_000 * self.xtal_clk_divider as u64;
        (bus / baud as u64) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_chips_by_any_name() {
        assert_eq!(
            Chip::by_arg_name("ESP8266").unwrap().kind,
            ChipKind::Esp8266
        );
        assert_eq!(Chip::by_arg_name("esp32").unwrap().kind, ChipKind::Esp32);
        assert_eq!(Chip::by_arg_name("ESP-32").unwrap().kind, ChipKind::Esp32);
        assert!(Chip::by_arg_name("esp31").is_none());
        assert_eq!(Chip::by_magic(0xFFF0_C101).unwrap().name, "ESP8266");
        assert_eq!(Chip::by_magic(0x00F0_1D83).unwrap().name, "ESP32");
        assert_eq!(Chip::by_image_chip_id(0).unwrap().name, "ESP32");
    }

    #[test]
    fn every_chip_is_found_by_its_names_and_ids() {
        for chip in CHIPS {
            assert_eq!(Chip::by_arg_name(chip.arg_name).unwrap().name, chip.name);
            assert_eq!(Chip::by_arg_name(chip.name).unwrap().name, chip.name);
            if let Some(id) = chip.image_chip_id {
                assert_eq!(Chip::by_image_chip_id(id).unwrap().name, chip.name);
            }
            for magic in chip.magic_values {
                assert_eq!(Chip::by_magic(*magic).unwrap().name, chip.name);
            }
            let i = &chip.image;
            assert!(
                i.memory_map.iter().all(|r| r.start < r.end),
                "{}",
                chip.name
            );
            assert!(
                i.mmu_page_sizes.is_empty() || i.mmu_page_sizes.contains(&i.mmu_page_size),
                "{}",
                chip.name
            );
        }
        assert_eq!(
            Chip::by_arg_name("ESP32-C61").unwrap().image_chip_id,
            Some(20)
        );
        assert_eq!(Chip::by_image_chip_id(9).unwrap().arg_name, "esp32s3");
    }

    #[test]
    fn typical_parts_are_what_their_registers_describe() {
        // The part each definition's `registers_for_mac` models (its doc comment says).
        let parts = [
            ("esp8266", "ESP8266EX"),
            ("esp32", "ESP32-D0WD-V3 (revision v3.0)"),
            ("esp32s2", "ESP32-S2 (revision v0.0)"),
            ("esp32s3", "ESP32-S3 (QFN56) (revision v0.2)"),
            ("esp32c3", "ESP32-C3 (QFN32) (revision v0.4)"),
            ("esp32c2", "ESP32-C2 (revision v1.0)"),
            ("esp32c6", "ESP32-C6 (QFN40) (revision v0.1)"),
            ("esp32c61", "ESP32-C61N (revision v1.0)"),
            ("esp32c5", "ESP32-C5N (revision v1.0)"),
            ("esp32e22", "ESP32-E22 (revision v0.0)"),
            ("esp32h2", "ESP32-H2 (revision v0.1)"),
            ("esp32h21", "ESP32-H21N (revision v0.1)"),
            ("esp32p4", "ESP32-P4 (revision v1.0)"),
            ("esp32h4", "ESP32-H4H (revision v0.1)"),
            ("esp32s31", "ESP32-S31 (revision v0.0)"),
        ];
        assert_eq!(parts.len(), CHIPS.len());
        for (chip, (arg_name, part)) in CHIPS.iter().zip(parts) {
            assert_eq!(chip.arg_name, arg_name);
            for m in [
                [0x24, 0x0A, 0xC4, 0x12, 0x34, 0x56],
                [0x18, 0xFE, 0x34, 0x00, 0x00, 0x01],
            ] {
                let regs: Registers = (chip.identity.registers_for_mac)(m).into_iter().collect();
                assert_eq!((chip.identity.mac)(&regs), Ok(m), "{}", chip.name);
                assert_eq!((chip.identity.describe)(&regs).name, part);
            }
        }
    }

    #[test]
    fn crystal_estimate_matches_esptool() {
        // ESP8266, CLKDIV 451 at 115200 baud: 26 MHz (esptool prints "26MHz").
        let (est, norm) = esp8266::ESP8266.crystal_mhz(451, 115_200);
        assert!((est - 25.9776).abs() < 0.001);
        assert_eq!(norm, 26);
        // ESP32, CLKDIV 347: 40 MHz.
        assert_eq!(esp32::ESP32.crystal_mhz(347, 115_200).1, 40);
        for chip in CHIPS {
            for xtal in [26, 40] {
                let div = chip.clkdiv_for(xtal, 115_200);
                assert_eq!(chip.crystal_mhz(div, 115_200).1, xtal, "{}", chip.name);
            }
        }
    }
}
