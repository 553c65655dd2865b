//! ESP32-S31 (dual-core RISC-V, Wi-Fi 6; bootloader at 0x2000).

use crate::efuse::{Block, Field, base_mac, features, part_registers, read_name, with_revision};
use crate::family;
use crate::image::{AddrRange, ImageFacts, ImageFormat, MemoryRegion as M};
use crate::{Chip, ChipKind, Description, Identity, Registers, RomFacts};

/// Base address of the eFuse controller.
const EFUSE_BASE: u32 = 0x2071_5000;
/// eFuse BLOCK1 (system data: MAC, chip version, package).
const BLOCK1: u32 = EFUSE_BASE + 0x50;
const B1: Block = Block(BLOCK1);

/// The ESP32-S31 as espctl knows it: ROM abilities, registers, eFuse identity, image format.
pub static ESP32S31: Chip = Chip {
    kind: ChipKind::Esp32s31,
    name: "ESP32-S31",
    arg_name: "esp32s31",
    // Identified by its security-info chip id only.
    magic_values: &[],
    image_chip_id: Some(32),
    // The S31 ROM has no READ_FLASH_SLOW.
    rom: RomFacts {
        read_flash_slow: false,
        ..family::ROM
    },
    spi: family::spi(0x2050_1000),
    uart_clkdiv_reg: 0x6000_0014,
    xtal_clk_divider: 1,
    uart_date_reg: 0x2038_A08C,
    uart_date_value: None,
    bootloader_offset: 0x2000,
    flash_sizes: family::FLASH_SIZES,
    flash_freqs: family::FLASH_FREQS_80_40_20,
    identity: Identity {
        registers: &[B1.word(0), B1.word(1), B1.word(3), B1.word(4)],
        describe,
        mac: base_mac::<BLOCK1>,
        mac_ext: None,
        chip_id: None,
        registers_for_mac,
    },
    stub_file: "esp32s31.json",
    stub_flash_write_size: 0x4000,
    stub_uart: None,
    stub_soft_reset: false,
    stub_flash_32bit_addr: true,
    fixed_crystal_mhz: Some(40),
    rom_crystal_hz: None,
    efuse_spi_pads: None,
    flash_voltage: None,
    security_fields: None,
    image: ImageFacts {
        format: ImageFormat::Esp32,
        memory_map: &[
            M::new(0x0000_0000, 0x0001_0000, "PADDING"),
            M::new(0x4000_0000, 0x5400_0000, "DROM"),
            M::new(0x2F00_0000, 0x2F08_0000, "DRAM"),
            M::new(0x2F00_0000, 0x2F08_0000, "BYTE_ACCESSIBLE"),
            M::new(0x2F80_0000, 0x2F85_0000, "DROM_MASK"),
            M::new(0x2F80_0000, 0x2F85_0000, "IROM_MASK"),
            M::new(0x4000_0000, 0x5400_0000, "IROM"),
            M::new(0x2F00_0000, 0x2F08_0000, "IRAM"),
            M::new(0x2E00_0000, 0x2E00_8000, "RTC_IRAM"),
            M::new(0x2E00_0000, 0x2E00_8000, "RTC_DRAM"),
        ],
        irom: AddrRange::new(0x4000_0000, 0x5400_0000),
        drom: Some(AddrRange::new(0x4000_0000, 0x5400_0000)),
        mmu_page_size: 0x1_0000,
        mmu_page_sizes: &[0x8000, 0x1_0000, 0x2_0000, 0x4_0000],
        uf2_family_id: 0x3101_F7C1,
        secure_boot_v1: false,
        pad_flash_segment_tail: false,
    },
};

const MINOR: Field = B1.bits(3, 18, 4);
const MAJOR: Field = B1.bits(3, 22, 2);
const PACKAGE: Field = B1.bits(4, 6, 2);

fn describe(r: &Registers) -> Description {
    // Lower case "unknown", as esptool 5.6.0 spells it for this chip.
    let name = read_name(r, PACKAGE, &[(0, "ESP32-S31")], "unknown ESP32-S31");
    Description {
        name: with_revision(name, MAJOR.read(r), MINOR.read(r)),
        features: features(&[
            "Wi-Fi 6",
            "BT 5.4 (LE)",
            "IEEE802.15.4",
            "Dual Core + LP Core",
            "300MHz",
        ]),
    }
}

/// Register values of an ESP32-S31 revision v0.0.
fn registers_for_mac(m: [u8; 6]) -> Vec<(u32, u32)> {
    part_registers(BLOCK1, m, &[(B1.word(3), 0), (B1.word(4), 0)])
}
