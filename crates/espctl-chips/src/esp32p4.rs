//! ESP32-P4 (dual-core RISC-V application processor, no radio; bootloader at 0x2000).

use crate::efuse::{Block, Field, base_mac, features, part_registers, read_name, with_revision};
use crate::family;
use crate::image::{AddrRange, ImageFacts, ImageFormat, MemoryRegion as M};
use crate::security_fields::{Role, SecurityField, SecurityFields, shared_layout};
use crate::{Chip, ChipKind, Description, Identity, Registers};

/// Base address of the eFuse controller.
const EFUSE_BASE: u32 = 0x5012_D000;

/// Read address of eFuse BLOCK0 word 0.
const BLOCK0: u32 = EFUSE_BASE + 0x2C;
static SHARED_SECURITY: [SecurityField; 16] = shared_layout(BLOCK0);

/// The security eFuses (espefuse's table: esp32p4.yaml).
pub static SECURITY_FIELDS: SecurityFields = SecurityFields {
    shared: &SHARED_SECURITY,
    own: &[
        // The USB-Serial/JTAG controller the ROM talks through (inferred as the
        // field behind the DIS_USB flag).
        SecurityField::new(&["DIS_USB_SERIAL_JTAG"], Role::DisUsb, BLOCK0, 1, 11, 1),
        SecurityField::new(
            &["FORCE_USE_KEY_MANAGER_KEY"],
            Role::ForceUseKeyManagerKey,
            BLOCK0,
            2,
            9,
            4,
        ),
    ],
    key_purposes: &[
        (0, "USER/EMPTY"),
        (1, "ECDSA_KEY"),
        (2, "XTS_AES_256_KEY_1"),
        (3, "XTS_AES_256_KEY_2"),
        (4, "XTS_AES_128_KEY"),
        (5, "HMAC_DOWN_ALL"),
        (6, "HMAC_DOWN_JTAG"),
        (7, "HMAC_DOWN_DIGITAL_SIGNATURE"),
        (8, "HMAC_UP"),
        (9, "SECURE_BOOT_DIGEST0"),
        (10, "SECURE_BOOT_DIGEST1"),
        (11, "SECURE_BOOT_DIGEST2"),
        (12, "KM_INIT_KEY"),
    ],
};
/// eFuse BLOCK1 (system data: MAC, chip version, package).
const BLOCK1: u32 = EFUSE_BASE + 0x44;
const B1: Block = Block(BLOCK1);

/// The ESP32-P4 as espctl knows it: ROM abilities, registers, eFuse identity, image format.
pub static ESP32P4: Chip = Chip {
    kind: ChipKind::Esp32p4,
    name: "ESP32-P4",
    arg_name: "esp32p4",
    // esptool 5 identifies the P4 by its security-info chip id; v4 also knew this magic
    // (and 0, left out here because an unanswered read looks the same).
    magic_values: &[0x0ADD_BAD0],
    image_chip_id: Some(18),
    rom: family::ROM,
    spi: family::spi(0x5008_D000),
    // Inherited from the ESP32 definition and unused: the P4 crystal is always 40 MHz.
    uart_clkdiv_reg: 0x3FF4_0014,
    xtal_clk_divider: 1,
    uart_date_reg: 0x500C_A08C,
    uart_date_value: None,
    bootloader_offset: 0x2000,
    flash_sizes: family::FLASH_SIZES,
    flash_freqs: family::FLASH_FREQS_80_40_26_20,
    identity: Identity {
        registers: &[B1.word(0), B1.word(1), B1.word(2)],
        describe,
        mac: base_mac::<BLOCK1>,
        mac_ext: None,
        chip_id: None,
        registers_for_mac,
    },
    // The typical part below is revision v1.0, which takes the "rev1" stub
    // (revision v3.0 and later take esp32p4.json).
    stub_file: "esp32p4-rev1.json",
    stub_flash_write_size: 0x4000,
    stub_uart: None,
    stub_soft_reset: false,
    stub_flash_32bit_addr: true,
    fixed_crystal_mhz: Some(40),
    rom_crystal_hz: None,
    efuse_spi_pads: None,
    flash_voltage: None,
    security_fields: Some(&SECURITY_FIELDS),
    image: ImageFacts {
        format: ImageFormat::Esp32,
        memory_map: &[
            M::new(0x0000_0000, 0x0001_0000, "PADDING"),
            M::new(0x4000_0000, 0x4C00_0000, "DROM"),
            M::new(0x4FF0_0000, 0x4FFA_0000, "DRAM"),
            M::new(0x4FF0_0000, 0x4FFA_0000, "BYTE_ACCESSIBLE"),
            M::new(0x4FC0_0000, 0x4FC2_0000, "DROM_MASK"),
            M::new(0x4FC0_0000, 0x4FC2_0000, "IROM_MASK"),
            M::new(0x4000_0000, 0x4C00_0000, "IROM"),
            M::new(0x4FF0_0000, 0x4FFA_0000, "IRAM"),
            M::new(0x5010_8000, 0x5011_0000, "RTC_IRAM"),
            M::new(0x5010_8000, 0x5011_0000, "RTC_DRAM"),
            M::new(0x600F_E000, 0x6010_0000, "MEM_INTERNAL2"),
        ],
        irom: AddrRange::new(0x4000_0000, 0x4C00_0000),
        drom: Some(AddrRange::new(0x4000_0000, 0x4C00_0000)),
        mmu_page_size: 0x1_0000,
        mmu_page_sizes: &[],
        uf2_family_id: 0x3D30_8E94,
        secure_boot_v1: false,
        pad_flash_segment_tail: false,
    },
};

/// Major revision: bit 23 of word 2 is its third bit.
const MINOR: Field = B1.bits(2, 0, 4);
/// The major revision's third bit sits apart from the other two.
const MAJOR: Field = Field::joined(B1.bits(2, 23, 1), B1.bits(2, 4, 2));
const PACKAGE: Field = B1.bits(2, 20, 3);

fn describe(r: &Registers) -> Description {
    let name = read_name(r, PACKAGE, &[(0, "ESP32-P4")], "Unknown ESP32-P4");
    Description {
        name: with_revision(name, MAJOR.read(r), MINOR.read(r)),
        features: features(&["Dual Core + LP Core", "400MHz"]),
    }
}

/// Register values of an ESP32-P4 revision v1.0.
fn registers_for_mac(m: [u8; 6]) -> Vec<(u32, u32)> {
    part_registers(BLOCK1, m, &[(B1.word(2), 1 << 4)])
}
