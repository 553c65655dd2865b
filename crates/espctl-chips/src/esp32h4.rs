//! ESP32-H4 (dual-core RISC-V, BLE and IEEE 802.15.4; bootloader at 0x2000).

use crate::efuse::{
    Block, EmbeddedMemory, Field, base_mac, features, mac_ext, part_registers_with_ext, read_name,
    unknown_if_marked, with_revision,
};
use crate::family;
use crate::image::{AddrRange, ImageFacts, ImageFormat, MemoryRegion as M};
use crate::{Chip, ChipKind, Description, FlashFreq, Identity, Registers};

/// Base address of the eFuse controller.
const EFUSE_BASE: u32 = 0x600B_1800;
/// eFuse BLOCK1 (system data: MAC, chip version, package).
const BLOCK1: u32 = EFUSE_BASE + 0x44;
const B1: Block = Block(BLOCK1);

/// The ESP32-H4 as espctl knows it: ROM abilities, registers, eFuse identity, image format.
pub static ESP32H4: Chip = Chip {
    kind: ChipKind::Esp32h4,
    name: "ESP32-H4",
    arg_name: "esp32h4",
    // Identified by its security-info chip id only.
    magic_values: &[],
    image_chip_id: Some(28),
    rom: family::ROM,
    spi: family::spi(0x6009_9000),
    uart_clkdiv_reg: 0x6001_2014,
    xtal_clk_divider: 1,
    uart_date_reg: 0x6001_208C,
    uart_date_value: None,
    bootloader_offset: 0x2000,
    flash_sizes: family::FLASH_SIZES,
    flash_freqs: &[(FlashFreq::F48m, 0xF), (FlashFreq::F24m, 0x0)],
    identity: Identity {
        registers: &[B1.word(0), B1.word(1), B1.word(3), B1.word(4)],
        describe,
        mac: base_mac::<BLOCK1>,
        mac_ext: Some(mac_ext::<BLOCK1>),
        chip_id: None,
        registers_for_mac,
    },
    stub_file: "esp32h4.json",
    stub_flash_write_size: 0x4000,
    stub_uart: None,
    stub_soft_reset: false,
    stub_flash_32bit_addr: true,
    fixed_crystal_mhz: Some(32),
    rom_crystal_hz: None,
    efuse_spi_pads: None,
    flash_voltage: None,
    security_fields: None,
    image: ImageFacts {
        format: ImageFormat::Esp32,
        memory_map: &[
            M::new(0x0000_0000, 0x0001_0000, "PADDING"),
            M::new(0x4200_0000, 0x4400_0000, "DROM"),
            M::new(0x4081_0000, 0x4086_0000, "DRAM"),
            M::new(0x4081_0000, 0x4086_0000, "BYTE_ACCESSIBLE"),
            M::new(0x4000_0000, 0x4002_0000, "DROM_MASK"),
            M::new(0x4000_0000, 0x4002_0000, "IROM_MASK"),
            M::new(0x4200_0000, 0x4400_0000, "IROM"),
            M::new(0x4081_0000, 0x4086_0000, "IRAM"),
            M::new(0x4081_0000, 0x4086_0000, "MEM_INTERNAL"),
        ],
        irom: AddrRange::new(0x4200_0000, 0x4400_0000),
        drom: Some(AddrRange::new(0x4200_0000, 0x4400_0000)),
        mmu_page_size: 0x1_0000,
        mmu_page_sizes: &[0x2000, 0x4000, 0x8000, 0x1_0000],
        uf2_family_id: 0x9E0B_AA8A,
        secure_boot_v1: false,
        pad_flash_segment_tail: false,
    },
};

const MINOR: Field = B1.bits(3, 18, 4);
const MAJOR: Field = B1.bits(3, 22, 2);
const PACKAGE: Field = B1.bits(4, 10, 2);
/// Flash vendor value of Puya, whose parts are named `FL4` rather than `F4`.
const PUYA: u32 = 3;
const FLASH_VENDOR: Field = B1.bits(4, 2, 3);
const FLASH: EmbeddedMemory = EmbeddedMemory {
    capacity: Field::joined(B1.bits(4, 0, 2), B1.bits(3, 31, 1)),
    sizes: &[(1, "Embedded Flash 4MB")],
    unknown: "Unknown Embedded Flash",
    absent: Some("No Embedded Flash"),
    vendor: Some((FLASH_VENDOR, &[(1, "FM"), (2, "XMC"), (PUYA, "PY")])),
    vendor_on_unknown: false,
};
const PSRAM: EmbeddedMemory = EmbeddedMemory {
    capacity: B1.bits(4, 5, 3),
    sizes: &[(1, "Embedded PSRAM 8MB"), (2, "Embedded PSRAM 2MB")],
    unknown: "Unknown Embedded PSRAM",
    absent: Some("No Embedded PSRAM"),
    vendor: Some((B1.bits(4, 8, 2), &[(1, "AP")])),
    vendor_on_unknown: false,
};

fn describe(r: &Registers) -> Description {
    let flash = match (FLASH.capacity.read(r), FLASH_VENDOR.read(r)) {
        (0, _) => "",
        (1, PUYA) => "FL4",
        (1, _) => "F4",
        _ => "F?",
    };
    let name = unknown_if_marked(format!(
        "ESP32-H4{}{flash}{}",
        read_name(r, PACKAGE, &[(1, "H")], "?"),
        read_name(r, PSRAM.capacity, &[(0, ""), (1, "R8"), (2, "R2")], "R?"),
    ));
    let mut features = features(&["BT 5 (LE)", "IEEE802.15.4", "Dual Core", "96MHz"]);
    features.extend(FLASH.feature(r));
    features.extend(PSRAM.feature(r));
    Description {
        name: with_revision(&name, MAJOR.read(r), MINOR.read(r)),
        features,
    }
}

/// Register values of an ESP32-H4H revision v0.1 without embedded memory.
fn registers_for_mac(m: [u8; 6]) -> Vec<(u32, u32)> {
    part_registers_with_ext(BLOCK1, m, &[(B1.word(3), 1 << 18), (B1.word(4), 1 << 10)])
}
