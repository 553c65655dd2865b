//! ESP32-S2 (single-core Xtensa LX7, USB-OTG).

use crate::family::{self, field, mac_at, mac_registers};
use crate::image::{AddrRange, ImageFacts, ImageFormat, MemoryRegion as M};
use crate::{Chip, ChipKind, Description, Identity, IdentityError, Registers};

pub const EFUSE_BASE: u32 = 0x3F41_A000;
pub const BLOCK1: u32 = EFUSE_BASE + 0x44;
pub const BLOCK2: u32 = EFUSE_BASE + 0x5C;
const fn b1(word: u32) -> u32 {
    BLOCK1 + 4 * word
}
const fn b2(word: u32) -> u32 {
    BLOCK2 + 4 * word
}

pub static ESP32S2: Chip = Chip {
    kind: ChipKind::Esp32s2,
    name: "ESP32-S2",
    arg_name: "esp32s2",
    magic_values: &[0x0000_07C6],
    image_chip_id: Some(2),
    rom: family::ROM,
    spi: family::spi(0x3F40_2000),
    uart_clkdiv_reg: 0x3F40_0014,
    xtal_clk_divider: 1,
    uart_date_reg: 0x6000_0078,
    bootloader_offset: 0x1000,
    flash_sizes: family::FLASH_SIZES,
    flash_freqs: family::FLASH_FREQS_80_40_26_20,
    identity: Identity {
        registers: &[b1(0), b1(1), b1(3), b1(4), b2(4)],
        describe,
        mac,
        chip_id: None,
        registers_for_mac,
    },
    stub_file: "esp32s2.json",
    stub_flash_write_size: 0x4000,
    rom_crystal_hz: None,
    efuse_spi_pads: None,
    flash_voltage: None,
    image: ImageFacts {
        format: ImageFormat::Esp32,
        memory_map: &[
            M::new(0x0000_0000, 0x0001_0000, "PADDING"),
            M::new(0x3F00_0000, 0x3FF8_0000, "DROM"),
            M::new(0x3F50_0000, 0x3FF8_0000, "EXTRAM_DATA"),
            M::new(0x3FF9_E000, 0x3FFA_0000, "RTC_DRAM"),
            M::new(0x3FF9_E000, 0x4000_0000, "BYTE_ACCESSIBLE"),
            M::new(0x3FF9_E000, 0x4007_2000, "MEM_INTERNAL"),
            M::new(0x3FFB_0000, 0x4000_0000, "DRAM"),
            M::new(0x4000_0000, 0x4001_A100, "IROM_MASK"),
            M::new(0x4002_0000, 0x4007_0000, "IRAM"),
            M::new(0x4007_0000, 0x4007_2000, "RTC_IRAM"),
            M::new(0x4008_0000, 0x4080_0000, "IROM"),
            M::new(0x5000_0000, 0x5000_2000, "RTC_DATA"),
        ],
        irom: AddrRange::new(0x4008_0000, 0x40B8_0000),
        drom: Some(AddrRange::new(0x3F00_0000, 0x3F3F_0000)),
        mmu_page_size: 0x1_0000,
        mmu_page_sizes: &[],
        uf2_family_id: 0xBFDD_4EEE,
        secure_boot_v1: false,
        pad_flash_segment_tail: false,
    },
};

fn describe(r: &Registers) -> Description {
    let major = field(r, b1(3), 18, 2);
    let minor = field(r, b1(3), 20, 1) << 3 | field(r, b1(4), 4, 3);
    let flash = field(r, b1(3), 21, 4);
    let psram = field(r, b1(3), 28, 4);
    let name = match flash + 100 * psram {
        0 => "ESP32-S2",
        1 => "ESP32-S2FH2",
        2 => "ESP32-S2FH4",
        100 => "ESP32-S2R2",
        102 => "ESP32-S2FNR2",
        _ => "Unknown ESP32-S2",
    };
    let mut features: Vec<String> = ["Wi-Fi", "Single Core", "240MHz"].map(String::from).into();
    features.push(
        match flash {
            0 => "No Embedded Flash",
            1 => "Embedded Flash 2MB",
            2 => "Embedded Flash 4MB",
            _ => "Unknown Embedded Flash",
        }
        .into(),
    );
    features.push(
        match psram {
            0 => "No Embedded PSRAM",
            1 => "Embedded PSRAM 2MB",
            2 => "Embedded PSRAM 4MB",
            _ => "Unknown Embedded PSRAM",
        }
        .into(),
    );
    features.push(
        match field(r, b2(4), 4, 3) {
            0 => "No calibration in BLK2 of efuse",
            1 => "ADC and temperature sensor calibration in BLK2 of eFuse V1",
            2 => "ADC and temperature sensor calibration in BLK2 of eFuse V2",
            _ => "Unknown calibration in BLK2",
        }
        .into(),
    );
    Description {
        name: format!("{name} (revision v{major}.{minor})"),
        features,
    }
}

fn mac(r: &Registers) -> Result<[u8; 6], IdentityError> {
    Ok(mac_at(r, BLOCK1))
}

/// Register values of an ESP32-S2 revision v0.0 without embedded flash or PSRAM.
fn registers_for_mac(m: [u8; 6]) -> Vec<(u32, u32)> {
    let mut regs = mac_registers(BLOCK1, m).to_vec();
    regs.extend([(b1(3), 0), (b1(4), 0), (b2(4), 1 << 4)]);
    regs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typical_part_round_trips() {
        let m = [0x7C, 0xDF, 0xA1, 0x00, 0x11, 0x22];
        let r: Registers = registers_for_mac(m).into_iter().collect();
        assert_eq!(mac(&r).unwrap(), m);
        let d = describe(&r);
        assert_eq!(d.name, "ESP32-S2 (revision v0.0)");
        assert_eq!(d.features[3], "No Embedded Flash");
    }
}
