//! ESP32-C6 (RISC-V with LP core, Wi-Fi 6, IEEE 802.15.4).

use crate::efuse::{
    Block, EmbeddedMemory, Field, base_mac, features, mac_ext, part_registers_with_ext,
    with_revision,
};
use crate::family;
use crate::image::{AddrRange, ImageFacts, ImageFormat, MemoryRegion as M};
use crate::security_fields::{Role, SecurityField, SecurityFields, shared_layout};
use crate::{Chip, ChipKind, Description, FlashFreq, Identity, Registers};

/// Base address of the eFuse controller.
const EFUSE_BASE: u32 = 0x600B_0800;

/// Read address of eFuse BLOCK0 word 0.
const BLOCK0: u32 = EFUSE_BASE + 0x2C;
static SHARED_SECURITY: [SecurityField; 16] = shared_layout(BLOCK0);

/// The security eFuses (espefuse's table: esp32c6.yaml).
pub static SECURITY_FIELDS: SecurityFields = SecurityFields {
    shared: &SHARED_SECURITY,
    own: &[
        SecurityField::new(
            &["DIS_DOWNLOAD_ICACHE"],
            Role::DisDownloadIcache,
            BLOCK0,
            1,
            10,
            1,
        ),
        // The USB-Serial/JTAG controller the ROM talks through (inferred as the
        // field behind the DIS_USB flag).
        SecurityField::new(&["DIS_USB_SERIAL_JTAG"], Role::DisUsb, BLOCK0, 1, 11, 1),
    ],
    key_purposes: &[
        (0, "USER/EMPTY"),
        (1, "RESERVED"),
        (4, "XTS_AES_128_KEY"),
        (5, "HMAC_DOWN_ALL"),
        (6, "HMAC_DOWN_JTAG"),
        (7, "HMAC_DOWN_DIGITAL_SIGNATURE"),
        (8, "HMAC_UP"),
        (9, "SECURE_BOOT_DIGEST0"),
        (10, "SECURE_BOOT_DIGEST1"),
        (11, "SECURE_BOOT_DIGEST2"),
    ],
};
/// eFuse BLOCK1 (system data: MAC, chip version, package).
const BLOCK1: u32 = EFUSE_BASE + 0x44;
const B1: Block = Block(BLOCK1);

/// The C6's memory map (esptool's ESP32-H2 definition has it too).
pub const MEMORY_MAP: &[M] = &[
    M::new(0x0000_0000, 0x0001_0000, "PADDING"),
    M::new(0x4200_0000, 0x4300_0000, "DROM"),
    M::new(0x4080_0000, 0x4088_0000, "DRAM"),
    M::new(0x4080_0000, 0x4088_0000, "BYTE_ACCESSIBLE"),
    M::new(0x4004_AC00, 0x4005_0000, "DROM_MASK"),
    M::new(0x4000_0000, 0x4004_AC00, "IROM_MASK"),
    M::new(0x4200_0000, 0x4300_0000, "IROM"),
    M::new(0x4080_0000, 0x4088_0000, "IRAM"),
    M::new(0x5000_0000, 0x5000_4000, "RTC_IRAM"),
    M::new(0x5000_0000, 0x5000_4000, "RTC_DRAM"),
    M::new(0x600F_E000, 0x6010_0000, "MEM_INTERNAL2"),
];
/// Flash-mapped instruction range.
pub const IROM: AddrRange = AddrRange::new(0x4200_0000, 0x4280_0000);
/// Flash-mapped data range.
pub const DROM: AddrRange = AddrRange::new(0x4280_0000, 0x4300_0000);

/// The ESP32-C6 as espctl knows it: ROM abilities, registers, eFuse identity, image format.
pub static ESP32C6: Chip = Chip {
    kind: ChipKind::Esp32c6,
    name: "ESP32-C6",
    arg_name: "esp32c6",
    // esptool 5 identifies the C6 by its security-info chip id; this is v4's magic.
    magic_values: &[0x2CE0_806F],
    image_chip_id: Some(13),
    rom: family::ROM,
    spi: family::spi(0x6000_3000),
    uart_clkdiv_reg: 0x6000_0014,
    xtal_clk_divider: 1,
    uart_date_reg: 0x6000_007C,
    uart_date_value: None,
    bootloader_offset: 0,
    flash_sizes: family::FLASH_SIZES,
    // esptool 5.6.0 encodes 80m as 0x0 on the C6 (sic); kept for identical images.
    flash_freqs: &[
        (FlashFreq::F80m, 0x0),
        (FlashFreq::F40m, 0x0),
        (FlashFreq::F20m, 0x2),
    ],
    identity: Identity {
        registers: &[B1.word(0), B1.word(1), B1.word(3), B1.word(4)],
        describe,
        mac: base_mac::<BLOCK1>,
        mac_ext: Some(mac_ext::<BLOCK1>),
        chip_id: None,
        registers_for_mac,
    },
    stub_file: "esp32c6.json",
    stub_flash_write_size: 0x4000,
    stub_uart: None,
    stub_soft_reset: false,
    stub_flash_32bit_addr: false,
    fixed_crystal_mhz: Some(40),
    rom_crystal_hz: None,
    efuse_spi_pads: None,
    flash_voltage: None,
    security_fields: Some(&SECURITY_FIELDS),
    image: ImageFacts {
        format: ImageFormat::Esp32,
        memory_map: MEMORY_MAP,
        irom: IROM,
        drom: Some(DROM),
        mmu_page_size: 0x1_0000,
        mmu_page_sizes: &[0x2000, 0x4000, 0x8000, 0x1_0000],
        uf2_family_id: 0x540D_DF62,
        secure_boot_v1: false,
        pad_flash_segment_tail: false,
    },
};

const MINOR: Field = B1.bits(3, 18, 4);
const MAJOR: Field = B1.bits(3, 22, 2);
const PACKAGE: Field = B1.bits(3, 24, 3);
const FLASH: EmbeddedMemory = EmbeddedMemory {
    capacity: B1.bits(4, 0, 3),
    sizes: &[(1, "Embedded Flash 4MB"), (2, "Embedded Flash 8MB")],
    unknown: "Unknown Embedded Flash",
    absent: Some("Unknown Embedded Flash"),
    vendor: None,
    vendor_on_unknown: false,
};

fn describe(r: &Registers) -> Description {
    // The package name depends on the embedded flash too.
    let name = match (PACKAGE.read(r), FLASH.capacity.read(r)) {
        (0, _) => "ESP32-C6 (QFN40)",
        (1, 1) => "ESP32-C6FH4 (QFN32)",
        (1, 2) => "ESP32-C6FH8 (QFN32)",
        _ => "Unknown ESP32-C6",
    };
    let mut features = features(&[
        "Wi-Fi 6",
        "BT 5 (LE)",
        "IEEE802.15.4",
        "Single Core + LP Core",
        "160MHz",
    ]);
    features.extend(FLASH.feature(r));
    Description {
        name: with_revision(name, MAJOR.read(r), MINOR.read(r)),
        features,
    }
}

/// Register values of an ESP32-C6 (QFN40) revision v0.1.
fn registers_for_mac(m: [u8; 6]) -> Vec<(u32, u32)> {
    part_registers_with_ext(BLOCK1, m, &[(B1.word(3), 1 << 18), (B1.word(4), 0)])
}
