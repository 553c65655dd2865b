//! ESP32-E22 (tri-band Wi-Fi 6E connectivity chip). esptool 5.6.0 reads no revision or
//! package from it: every part is "ESP32-E22 (revision v0.0)".

use crate::efuse::{Block, base_mac, features, part_registers, with_revision};
use crate::family;
use crate::image::{AddrRange, ImageFacts, ImageFormat, MemoryRegion as M};
use crate::{Chip, ChipKind, Description, Identity, Registers};

/// Base address of the eFuse controller.
const EFUSE_BASE: u32 = 0xC400_8000;
/// eFuse BLOCK1 (system data: MAC, chip version, package).
const BLOCK1: u32 = EFUSE_BASE + 0x44;
const B1: Block = Block(BLOCK1);

/// The ESP32-E22 as espctl knows it: ROM abilities, registers, eFuse identity, image format.
pub static ESP32E22: Chip = Chip {
    kind: ChipKind::Esp32e22,
    name: "ESP32-E22",
    arg_name: "esp32e22",
    // Identified by its security-info chip id only.
    magic_values: &[],
    image_chip_id: Some(31),
    rom: family::ROM,
    spi: family::spi(0xC300_3000),
    uart_clkdiv_reg: 0xC310_2014,
    xtal_clk_divider: 1,
    uart_date_reg: 0xC310_208C,
    uart_date_value: None,
    bootloader_offset: 0,
    flash_sizes: family::FLASH_SIZES,
    flash_freqs: family::FLASH_FREQS_80_40_26_20,
    identity: Identity {
        registers: &[B1.word(0), B1.word(1)],
        describe,
        mac: base_mac::<BLOCK1>,
        mac_ext: None,
        chip_id: None,
        registers_for_mac,
    },
    stub_file: "esp32e22.json",
    stub_flash_write_size: 0x4000,
    stub_uart: None,
    stub_soft_reset: false,
    stub_flash_32bit_addr: false,
    fixed_crystal_mhz: None,
    rom_crystal_hz: None,
    efuse_spi_pads: None,
    flash_voltage: None,
    security_fields: None,
    image: ImageFacts {
        format: ImageFormat::Esp32,
        memory_map: &[
            M::new(0x0000_0000, 0x0001_0000, "PADDING"),
            M::new(0x3C00_0000, 0x4000_0000, "DROM"),
            M::new(0x3100_0000, 0x3120_0000, "DRAM"),
            M::new(0x3100_0000, 0x3120_0000, "BYTE_ACCESSIBLE"),
            M::new(0x3000_0000, 0x3012_0000, "DROM_MASK"),
            M::new(0x3000_0000, 0x3012_0000, "IROM_MASK"),
            M::new(0x3C00_0000, 0x4000_0000, "IROM"),
            M::new(0x30FE_0000, 0x3120_0000, "IRAM"),
            M::new(0xC000_0000, 0xC000_8000, "RTC_IRAM"),
            M::new(0xC000_0000, 0xC000_8000, "RTC_DRAM"),
        ],
        irom: AddrRange::new(0x3C00_0000, 0x4000_0000),
        drom: Some(AddrRange::new(0x3C00_0000, 0x4000_0000)),
        mmu_page_size: 0x1_0000,
        mmu_page_sizes: &[],
        // esptool 5.6.0 has no E22 family and inherits the ESP32's id.
        uf2_family_id: 0x1C5F_21B0,
        secure_boot_v1: false,
        pad_flash_segment_tail: false,
    },
};

fn describe(_: &Registers) -> Description {
    Description {
        name: with_revision("ESP32-E22", 0, 0),
        features: features(&[
            "Wi-Fi 6E (tri-band, 2x2 MU-MIMO)",
            "BT 5.4 (LE) + Classic",
            "Dual Core",
            "500MHz",
        ]),
    }
}

fn registers_for_mac(m: [u8; 6]) -> Vec<(u32, u32)> {
    part_registers(BLOCK1, m, &[])
}
