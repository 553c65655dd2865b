//! ESP32-S3 (dual-core Xtensa LX7, USB-OTG and USB-Serial/JTAG).

use crate::family::{self, field, mac_at, mac_registers, vendor};
use crate::image::{AddrRange, ImageFacts, ImageFormat, MemoryRegion as M};
use crate::{Chip, ChipKind, Description, Identity, IdentityError, Registers};

pub const EFUSE_BASE: u32 = 0x6000_7000;
pub const BLOCK1: u32 = EFUSE_BASE + 0x44;
pub const BLOCK2: u32 = EFUSE_BASE + 0x5C;
const fn b1(word: u32) -> u32 {
    BLOCK1 + 4 * word
}
const fn b2(word: u32) -> u32 {
    BLOCK2 + 4 * word
}

pub static ESP32S3: Chip = Chip {
    kind: ChipKind::Esp32s3,
    name: "ESP32-S3",
    arg_name: "esp32s3",
    // esptool 5 identifies the S3 by its security-info chip id; v4 also knew this magic.
    magic_values: &[0x9],
    image_chip_id: Some(9),
    rom: family::ROM,
    spi: family::spi(0x6000_2000),
    uart_clkdiv_reg: 0x6000_0014,
    xtal_clk_divider: 1,
    uart_date_reg: 0x6000_0080,
    bootloader_offset: 0,
    flash_sizes: family::FLASH_SIZES,
    flash_freqs: family::FLASH_FREQS_80_40_26_20,
    identity: Identity {
        registers: &[b1(0), b1(1), b1(3), b1(4), b1(5), b2(4)],
        describe,
        mac,
        chip_id: None,
        registers_for_mac,
    },
    stub_file: "esp32s3.json",
    stub_flash_write_size: 0x4000,
    rom_crystal_hz: None,
    efuse_spi_pads: None,
    flash_voltage: None,
    image: ImageFacts {
        format: ImageFormat::Esp32,
        memory_map: &[
            M::new(0x0000_0000, 0x0001_0000, "PADDING"),
            M::new(0x3C00_0000, 0x3D00_0000, "DROM"),
            M::new(0x3D00_0000, 0x3E00_0000, "EXTRAM_DATA"),
            M::new(0x600F_E000, 0x6010_0000, "RTC_DRAM"),
            M::new(0x3FC8_8000, 0x3FD0_0000, "BYTE_ACCESSIBLE"),
            M::new(0x3FC8_8000, 0x403E_2000, "MEM_INTERNAL"),
            M::new(0x3FC8_8000, 0x3FD0_0000, "DRAM"),
            M::new(0x4000_0000, 0x4001_A100, "IROM_MASK"),
            M::new(0x4037_0000, 0x403E_0000, "IRAM"),
            M::new(0x600F_E000, 0x6010_0000, "RTC_IRAM"),
            M::new(0x4200_0000, 0x4280_0000, "IROM"),
            M::new(0x5000_0000, 0x5000_2000, "RTC_DATA"),
        ],
        irom: AddrRange::new(0x4200_0000, 0x4400_0000),
        drom: Some(AddrRange::new(0x3C00_0000, 0x3E00_0000)),
        mmu_page_size: 0x1_0000,
        mmu_page_sizes: &[],
        uf2_family_id: 0xC47E_5767,
        secure_boot_v1: false,
        pad_flash_segment_tail: false,
    },
};

/// Major and minor revision, with the ECO0 quirk: early parts whose eFuse block version
/// is 1.1 and raw minor is 0 report v0.0.
fn revision(r: &Registers) -> (u32, u32) {
    let minor_raw = field(r, b1(5), 23, 1) << 3 | field(r, b1(3), 18, 3);
    let eco0 = minor_raw & 7 == 0 && field(r, b2(4), 0, 2) == 1 && field(r, b1(3), 24, 3) == 1;
    if eco0 {
        (0, 0)
    } else {
        (field(r, b1(5), 24, 2), minor_raw)
    }
}

fn describe(r: &Registers) -> Description {
    let (major, minor) = revision(r);
    let name = match field(r, b1(3), 21, 3) {
        0 => "ESP32-S3 (QFN56)",
        1 => "ESP32-S3-PICO-1 (LGA56)",
        _ => "Unknown ESP32-S3",
    };
    let mut features: Vec<String> = ["Wi-Fi", "BT 5 (LE)", "Dual Core + LP Core", "240MHz"]
        .map(String::from)
        .into();
    let flash_vendor = match field(r, b1(4), 0, 3) {
        1 => Some("XMC"),
        2 => Some("GD"),
        3 => Some("FM"),
        4 => Some("TT"),
        5 => Some("BY"),
        _ => None,
    };
    let flash = match field(r, b1(3), 27, 3) {
        0 => None,
        1 => Some("Embedded Flash 8MB"),
        2 => Some("Embedded Flash 4MB"),
        _ => Some("Unknown Embedded Flash"),
    };
    if let Some(flash) = flash {
        features.push(format!("{flash}{}", vendor(flash_vendor)));
    }
    let psram_vendor = match field(r, b1(4), 7, 2) {
        1 => Some("AP_3v3"),
        2 => Some("AP_1v8"),
        _ => None,
    };
    let psram = match field(r, b1(5), 19, 1) << 2 | field(r, b1(4), 3, 2) {
        0 => None,
        1 => Some("Embedded PSRAM 8MB"),
        2 => Some("Embedded PSRAM 2MB"),
        3 => Some("Embedded PSRAM 16MB"),
        4 => Some("Embedded PSRAM 4MB"),
        _ => Some("Unknown Embedded PSRAM"),
    };
    if let Some(psram) = psram {
        features.push(format!("{psram}{}", vendor(psram_vendor)));
    }
    Description {
        name: format!("{name} (revision v{major}.{minor})"),
        features,
    }
}

fn mac(r: &Registers) -> Result<[u8; 6], IdentityError> {
    Ok(mac_at(r, BLOCK1))
}

/// Register values of an ESP32-S3 (QFN56) revision v0.2 without embedded memory.
fn registers_for_mac(m: [u8; 6]) -> Vec<(u32, u32)> {
    let mut regs = mac_registers(BLOCK1, m).to_vec();
    regs.extend([(b1(3), 2 << 18), (b1(4), 0), (b1(5), 0), (b2(4), 1)]);
    regs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typical_part_round_trips() {
        let m = [0xF4, 0x12, 0xFA, 0x01, 0x02, 0x03];
        let r: Registers = registers_for_mac(m).into_iter().collect();
        assert_eq!(mac(&r).unwrap(), m);
        assert_eq!(describe(&r).name, "ESP32-S3 (QFN56) (revision v0.2)");
        assert_eq!(describe(&r).features.len(), 4);
    }

    #[test]
    fn eco0_parts_report_v0_0() {
        let r: Registers = [(b1(3), 1 << 24), (b1(5), 1 << 24), (b2(4), 1)]
            .into_iter()
            .collect();
        assert_eq!(revision(&r), (0, 0));
    }
}
