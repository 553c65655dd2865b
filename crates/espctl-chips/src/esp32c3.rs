//! ESP32-C3 (single-core RISC-V, USB-Serial/JTAG; also sold as ESP8685/ESP8686).

use crate::efuse::{
    Block, EmbeddedMemory, Field, Names, base_mac, features, part_registers, read_name,
    with_revision,
};
use crate::family;
use crate::image::{AddrRange, ImageFacts, ImageFormat, MemoryRegion as M};
use crate::security_fields::{Role, SecurityField, SecurityFields, shared_layout};
use crate::{Chip, ChipKind, Description, Identity, Registers};

/// Base address of the eFuse controller.
const EFUSE_BASE: u32 = 0x6000_8800;

/// Read address of eFuse BLOCK0 word 0.
const BLOCK0: u32 = EFUSE_BASE + 0x2C;
static SHARED_SECURITY: [SecurityField; 16] = shared_layout(BLOCK0);

/// The security eFuses (espefuse's table: esp32c3.yaml).
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
        SecurityField::new(
            &["DIS_USB_SERIAL_JTAG", "DIS_USB_DEVICE"],
            Role::DisUsb,
            BLOCK0,
            1,
            11,
            1,
        ),
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

/// The ESP32-C3 as espctl knows it: ROM abilities, registers, eFuse identity, image format.
pub static ESP32C3: Chip = Chip {
    kind: ChipKind::Esp32c3,
    name: "ESP32-C3",
    arg_name: "esp32c3",
    // esptool 5 identifies the C3 by its security-info chip id; these are v4's magics.
    magic_values: &[0x6921_506F, 0x1B31_506F, 0x4881_606F, 0x4361_606F],
    image_chip_id: Some(5),
    rom: family::ROM,
    spi: family::spi(0x6000_2000),
    uart_clkdiv_reg: 0x6000_0014,
    xtal_clk_divider: 1,
    uart_date_reg: 0x6000_007C,
    uart_date_value: None,
    bootloader_offset: 0,
    flash_sizes: family::FLASH_SIZES,
    flash_freqs: family::FLASH_FREQS_80_40_26_20,
    identity: Identity {
        registers: &[B1.word(0), B1.word(1), B1.word(3), B1.word(4), B1.word(5)],
        describe,
        mac: base_mac::<BLOCK1>,
        mac_ext: None,
        chip_id: None,
        registers_for_mac,
    },
    stub_file: "esp32c3.json",
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
        memory_map: &[
            M::new(0x0000_0000, 0x0001_0000, "PADDING"),
            M::new(0x3C00_0000, 0x3C80_0000, "DROM"),
            M::new(0x3FC8_0000, 0x3FCE_0000, "DRAM"),
            M::new(0x3FC8_8000, 0x3FD0_0000, "BYTE_ACCESSIBLE"),
            M::new(0x3FF0_0000, 0x3FF2_0000, "DROM_MASK"),
            M::new(0x4000_0000, 0x4006_0000, "IROM_MASK"),
            M::new(0x4200_0000, 0x4280_0000, "IROM"),
            M::new(0x4037_C000, 0x403E_0000, "IRAM"),
            M::new(0x5000_0000, 0x5000_2000, "RTC_IRAM"),
            M::new(0x5000_0000, 0x5000_2000, "RTC_DRAM"),
            M::new(0x600F_E000, 0x6010_0000, "MEM_INTERNAL2"),
        ],
        irom: AddrRange::new(0x4200_0000, 0x4280_0000),
        drom: Some(AddrRange::new(0x3C00_0000, 0x3C80_0000)),
        mmu_page_size: 0x1_0000,
        mmu_page_sizes: &[],
        uf2_family_id: 0xD42B_A06C,
        secure_boot_v1: false,
        pad_flash_segment_tail: false,
    },
};

const MAJOR: Field = B1.bits(5, 24, 2);
const MINOR: Field = Field::joined(B1.bits(5, 23, 1), B1.bits(3, 18, 3));
const PACKAGE: Field = B1.bits(3, 21, 3);
const PACKAGES: Names = &[
    (0, "ESP32-C3 (QFN32)"),
    (1, "ESP8685 (QFN28)"),
    (2, "ESP32-C3 AZ (QFN32)"),
    (3, "ESP8686 (QFN24)"),
];
const FLASH: EmbeddedMemory = EmbeddedMemory {
    capacity: B1.bits(3, 27, 3),
    sizes: &[
        (1, "Embedded Flash 4MB"),
        (2, "Embedded Flash 2MB"),
        (3, "Embedded Flash 1MB"),
        (4, "Embedded Flash 8MB"),
    ],
    unknown: "Unknown Embedded Flash",
    absent: None,
    vendor: Some((
        B1.bits(4, 0, 3),
        &[(1, "XMC"), (2, "GD"), (3, "FM"), (4, "TT"), (5, "ZBIT")],
    )),
    vendor_on_unknown: true,
};

fn describe(r: &Registers) -> Description {
    let name = read_name(r, PACKAGE, PACKAGES, "Unknown ESP32-C3");
    let mut features = features(&["Wi-Fi", "BT 5 (LE)", "Single Core", "160MHz"]);
    features.extend(FLASH.feature(r));
    Description {
        name: with_revision(name, MAJOR.read(r), MINOR.read(r)),
        features,
    }
}

/// Register values of an ESP32-C3 (QFN32) revision v0.4 without embedded flash.
fn registers_for_mac(m: [u8; 6]) -> Vec<(u32, u32)> {
    part_registers(
        BLOCK1,
        m,
        &[(B1.word(3), 4 << 18), (B1.word(4), 0), (B1.word(5), 0)],
    )
}
