//! ESP32-H21 (RISC-V, BLE and IEEE 802.15.4; 32 MHz crystal).

use crate::efuse::{
    Block, EmbeddedMemory, Field, base_mac, features, mac_ext, part_name, part_registers_with_ext,
    with_revision,
};
use crate::family;
use crate::image::{AddrRange, ImageFacts, ImageFormat, MemoryRegion as M};
use crate::{Chip, ChipKind, Description, FlashFreq, Identity, Registers};

/// Base address of the eFuse controller.
const EFUSE_BASE: u32 = 0x600B_4000;
/// eFuse BLOCK1 (system data: MAC, chip version, package).
const BLOCK1: u32 = EFUSE_BASE + 0x44;
const B1: Block = Block(BLOCK1);

/// The ESP32-H21 as espctl knows it: ROM abilities, registers, eFuse identity, image format.
pub static ESP32H21: Chip = Chip {
    kind: ChipKind::Esp32h21,
    name: "ESP32-H21",
    arg_name: "esp32h21",
    // Identified by its security-info chip id only.
    magic_values: &[],
    image_chip_id: Some(25),
    rom: family::ROM,
    spi: family::spi(0x6000_3000),
    uart_clkdiv_reg: 0x6000_0014,
    xtal_clk_divider: 1,
    uart_date_reg: 0x6000_008C,
    uart_date_value: None,
    bootloader_offset: 0,
    flash_sizes: family::FLASH_SIZES,
    flash_freqs: &[(FlashFreq::F48m, 0xF), (FlashFreq::F24m, 0x0)],
    identity: Identity {
        registers: &[B1.word(0), B1.word(1), B1.word(3), B1.word(5)],
        describe,
        mac: base_mac::<BLOCK1>,
        mac_ext: Some(mac_ext::<BLOCK1>),
        chip_id: None,
        registers_for_mac,
    },
    stub_file: "esp32h21.json",
    stub_flash_write_size: 0x4000,
    stub_uart: None,
    stub_soft_reset: false,
    stub_flash_32bit_addr: false,
    fixed_crystal_mhz: Some(32),
    rom_crystal_hz: None,
    efuse_spi_pads: None,
    flash_voltage: None,
    security_fields: None,
    image: ImageFacts {
        format: ImageFormat::Esp32,
        memory_map: &[
            M::new(0x0000_0000, 0x0001_0000, "PADDING"),
            M::new(0x4200_0000, 0x4300_0000, "DROM"),
            M::new(0x4080_0000, 0x4085_0000, "DRAM"),
            M::new(0x4080_0000, 0x4085_0000, "BYTE_ACCESSIBLE"),
            M::new(0x4000_0000, 0x4002_0000, "DROM_MASK"),
            M::new(0x4000_0000, 0x4002_0000, "IROM_MASK"),
            M::new(0x4200_0000, 0x4300_0000, "IROM"),
            M::new(0x4080_0000, 0x4085_0000, "IRAM"),
            M::new(0x5000_0000, 0x5000_1000, "RTC_IRAM"),
            M::new(0x5000_0000, 0x5000_1000, "RTC_DRAM"),
            M::new(0x4080_0000, 0x4085_0000, "MEM_INTERNAL"),
        ],
        irom: AddrRange::new(0x4200_0000, 0x4300_0000),
        drom: Some(AddrRange::new(0x4200_0000, 0x4300_0000)),
        mmu_page_size: 0x1_0000,
        mmu_page_sizes: &[0x2000, 0x4000, 0x8000, 0x1_0000],
        uf2_family_id: 0xB6DD_00AF,
        secure_boot_v1: false,
        pad_flash_segment_tail: false,
    },
};

const MINOR: Field = B1.bits(5, 4, 4);
const MAJOR: Field = B1.bits(5, 8, 2);
const PACKAGE: Field = B1.bits(3, 30, 2);
const FLASH: EmbeddedMemory = EmbeddedMemory {
    capacity: B1.bits(3, 24, 3),
    sizes: &[(1, "Embedded Flash 4MB"), (2, "Embedded Flash 2MB")],
    unknown: "Unknown Embedded Flash",
    absent: None,
    vendor: Some((B1.bits(3, 27, 3), &[(1, "FM"), (2, "XMC")])),
    vendor_on_unknown: true,
};

fn describe(r: &Registers) -> Description {
    let name = part_name(
        r,
        "ESP32-H21",
        &[
            (PACKAGE, &[(0, "N"), (1, "H")], "?"),
            (FLASH.capacity, &[(0, ""), (1, "F4"), (2, "F2")], "F?"),
        ],
    );
    let mut features = features(&["BT 5 (LE)", "IEEE802.15.4", "Single Core", "96MHz"]);
    features.extend(FLASH.feature(r));
    Description {
        name: with_revision(&name, MAJOR.read(r), MINOR.read(r)),
        features,
    }
}

/// Register values of an ESP32-H21N revision v0.1 without embedded flash.
fn registers_for_mac(m: [u8; 6]) -> Vec<(u32, u32)> {
    part_registers_with_ext(BLOCK1, m, &[(B1.word(3), 0), (B1.word(5), 1 << 4)])
}
