//! ESP32-C61 (RISC-V, Wi-Fi 6, optional PSRAM).

use crate::efuse::{
    Block, EmbeddedMemory, Field, base_mac, features, part_name, part_registers, with_revision,
};
use crate::family;
use crate::image::{AddrRange, ImageFacts, ImageFormat, MemoryRegion as M};
use crate::{Chip, ChipKind, Description, Identity, Registers};

/// Base address of the eFuse controller.
const EFUSE_BASE: u32 = 0x600B_4800;
/// eFuse BLOCK1 (system data: MAC, chip version, package).
const BLOCK1: u32 = EFUSE_BASE + 0x44;
const B1: Block = Block(BLOCK1);

/// The ESP32-C61 as espctl knows it: ROM abilities, registers, eFuse identity, image format.
pub static ESP32C61: Chip = Chip {
    kind: ChipKind::Esp32c61,
    name: "ESP32-C61",
    arg_name: "esp32c61",
    // esptool 5 identifies the C61 by its security-info chip id; these are v4's magics.
    magic_values: &[0x33F0_206F, 0x2421_606F],
    image_chip_id: Some(20),
    rom: family::ROM,
    spi: family::spi(0x6000_3000),
    uart_clkdiv_reg: 0x6000_0014,
    xtal_clk_divider: 1,
    uart_date_reg: 0x6000_007C,
    uart_date_value: None,
    bootloader_offset: 0,
    flash_sizes: family::FLASH_SIZES,
    flash_freqs: family::FLASH_FREQS_80_40_20,
    identity: Identity {
        registers: &[B1.word(0), B1.word(1), B1.word(2)],
        describe,
        mac: base_mac::<BLOCK1>,
        mac_ext: None,
        chip_id: None,
        registers_for_mac,
    },
    stub_file: "esp32c61.json",
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
            M::new(0x4200_0000, 0x4400_0000, "DROM"),
            M::new(0x4080_0000, 0x4086_0000, "DRAM"),
            M::new(0x4080_0000, 0x4086_0000, "BYTE_ACCESSIBLE"),
            M::new(0x4004_AC00, 0x4005_0000, "DROM_MASK"),
            M::new(0x4000_0000, 0x4004_AC00, "IROM_MASK"),
            M::new(0x4200_0000, 0x4400_0000, "IROM"),
            M::new(0x4080_0000, 0x4086_0000, "IRAM"),
            M::new(0x5000_0000, 0x5000_4000, "RTC_IRAM"),
            M::new(0x5000_0000, 0x5000_4000, "RTC_DRAM"),
            M::new(0x600F_E000, 0x6010_0000, "MEM_INTERNAL2"),
        ],
        irom: AddrRange::new(0x4200_0000, 0x4280_0000),
        drom: Some(AddrRange::new(0x4280_0000, 0x4300_0000)),
        mmu_page_size: 0x1_0000,
        mmu_page_sizes: &[0x2000, 0x4000, 0x8000, 0x1_0000],
        uf2_family_id: 0x77D8_50C4,
        secure_boot_v1: false,
        pad_flash_segment_tail: false,
    },
};

const MINOR: Field = B1.bits(2, 0, 4);
const MAJOR: Field = B1.bits(2, 4, 2);
const PACKAGE: Field = B1.bits(2, 24, 2);
const FLASH: EmbeddedMemory = EmbeddedMemory {
    capacity: B1.bits(2, 13, 3),
    sizes: &[(1, "Embedded Flash 4MB"), (2, "Embedded Flash 8MB")],
    unknown: "Unknown Embedded Flash",
    absent: Some("No Embedded Flash"),
    vendor: None,
    vendor_on_unknown: false,
};
const PSRAM: EmbeddedMemory = EmbeddedMemory {
    capacity: B1.bits(2, 19, 3),
    sizes: &[(1, "Embedded PSRAM 2MB"), (2, "Embedded PSRAM 8MB")],
    unknown: "Unknown Embedded PSRAM",
    absent: Some("No Embedded PSRAM"),
    vendor: None,
    vendor_on_unknown: false,
};

fn describe(r: &Registers) -> Description {
    let name = part_name(
        r,
        "ESP32-C61",
        &[
            (PACKAGE, &[(0, "N"), (1, "H")], "?"),
            (FLASH.capacity, &[(0, ""), (1, "F4"), (2, "F8")], "F?"),
            (PSRAM.capacity, &[(0, ""), (1, "R2"), (2, "R8")], "R?"),
            (
                B1.bits(2, 26, 3),
                &[(0, ""), (1, ""), (2, ""), (3, "LA")],
                "?",
            ),
        ],
    );
    let mut features = features(&["Wi-Fi 6", "BT 5 (LE)", "Single Core", "160MHz"]);
    features.extend(FLASH.feature(r));
    features.extend(PSRAM.feature(r));
    Description {
        name: with_revision(&name, MAJOR.read(r), MINOR.read(r)),
        features,
    }
}

/// Register values of an ESP32-C61N revision v1.0 without embedded memory.
fn registers_for_mac(m: [u8; 6]) -> Vec<(u32, u32)> {
    part_registers(BLOCK1, m, &[(B1.word(2), 1 << 4)])
}
