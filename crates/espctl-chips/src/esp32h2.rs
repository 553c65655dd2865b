//! ESP32-H2 (RISC-V, BLE and IEEE 802.15.4, no Wi-Fi; 32 MHz crystal).

use crate::efuse::{
    Block, EmbeddedMemory, Field, base_mac, features, mac_ext, part_registers_with_ext, read_name,
    unknown_if_marked, with_revision,
};
use crate::esp32c6;
use crate::family;
use crate::image::{ImageFacts, ImageFormat};
use crate::security_fields::{Role, SecurityField, SecurityFields, shared_layout};
use crate::{Chip, ChipKind, Description, FlashFreq, Identity, Registers};

/// Base address of the eFuse controller.
const EFUSE_BASE: u32 = 0x600B_0800;

/// Read address of eFuse BLOCK0 word 0.
const BLOCK0: u32 = EFUSE_BASE + 0x2C;
static SHARED_SECURITY: [SecurityField; 16] = shared_layout(BLOCK0);

/// The security eFuses (espefuse's table: esp32h2.yaml).
pub static SECURITY_FIELDS: SecurityFields = SecurityFields {
    shared: &SHARED_SECURITY,
    own: &[
        // The USB-Serial/JTAG controller the ROM talks through (inferred as the
        // field behind the DIS_USB flag).
        SecurityField::new(&["DIS_USB_SERIAL_JTAG"], Role::DisUsb, BLOCK0, 1, 11, 1),
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
    ],
};
/// eFuse BLOCK1 (system data: MAC, chip version, package).
const BLOCK1: u32 = EFUSE_BASE + 0x44;
const B1: Block = Block(BLOCK1);

/// The ESP32-H2 as espctl knows it: ROM abilities, registers, eFuse identity, image format.
pub static ESP32H2: Chip = Chip {
    kind: ChipKind::Esp32h2,
    name: "ESP32-H2",
    arg_name: "esp32h2",
    // esptool 5 identifies the H2 by its security-info chip id; this is v4's magic.
    magic_values: &[0xD7B7_3E80],
    image_chip_id: Some(16),
    rom: family::ROM,
    spi: family::spi(0x6000_3000),
    uart_clkdiv_reg: 0x6000_0014,
    xtal_clk_divider: 1,
    uart_date_reg: 0x6000_007C,
    uart_date_value: None,
    bootloader_offset: 0,
    flash_sizes: family::FLASH_SIZES,
    // The H2 flash clock derives from 48 MHz.
    flash_freqs: &[
        (FlashFreq::F48m, 0xF),
        (FlashFreq::F24m, 0x0),
        (FlashFreq::F16m, 0x1),
        (FlashFreq::F12m, 0x2),
    ],
    identity: Identity {
        registers: &[B1.word(0), B1.word(1), B1.word(3), B1.word(4)],
        describe,
        mac: base_mac::<BLOCK1>,
        mac_ext: Some(mac_ext::<BLOCK1>),
        chip_id: None,
        registers_for_mac,
    },
    stub_file: "esp32h2.json",
    stub_flash_write_size: 0x4000,
    stub_uart: None,
    stub_soft_reset: false,
    stub_flash_32bit_addr: false,
    fixed_crystal_mhz: Some(32),
    rom_crystal_hz: None,
    efuse_spi_pads: None,
    flash_voltage: None,
    security_fields: Some(&SECURITY_FIELDS),
    image: ImageFacts {
        format: ImageFormat::Esp32,
        // esptool gives the H2 no memory map or flash ranges of its own: the C6's.
        memory_map: esp32c6::MEMORY_MAP,
        irom: esp32c6::IROM,
        drom: Some(esp32c6::DROM),
        mmu_page_size: 0x1_0000,
        mmu_page_sizes: &[0x2000, 0x4000, 0x8000, 0x1_0000],
        uf2_family_id: 0x3327_26F6,
        secure_boot_v1: false,
        pad_flash_segment_tail: false,
    },
};

const MINOR: Field = B1.bits(3, 18, 3);
const MAJOR: Field = B1.bits(3, 21, 2);
const FLASH: EmbeddedMemory = EmbeddedMemory {
    capacity: B1.bits(3, 24, 3),
    sizes: &[
        (1, "Embedded Flash 4MB"),
        (2, "Embedded Flash 2MB"),
        (3, "Embedded Flash 1MB"),
    ],
    unknown: "Unknown Embedded Flash",
    absent: Some("No Embedded Flash"),
    vendor: Some((
        B1.bits(3, 29, 3),
        &[(1, "XMC"), (2, "GD"), (3, "FM"), (4, "TT")],
    )),
    vendor_on_unknown: false,
};
/// Flash temperature grade of parts with embedded flash.
const FLASH_TEMPERATURE: Field = B1.bits(3, 27, 2);
/// Package version; esptool names none but 0.
const PACKAGE: Field = B1.bits(4, 0, 3);

fn describe(r: &Registers) -> Description {
    let (major, minor) = (MAJOR.read(r), MINOR.read(r));
    let flash = FLASH.capacity.read(r);
    let mut name = String::from("ESP32-H2");
    if flash != 0 {
        name += "F";
        name += read_name(r, FLASH_TEMPERATURE, &[(1, "H"), (2, "N")], "?");
        name += read_name(r, FLASH.capacity, &[(1, "4"), (2, "2"), (3, "1")], "?");
    }
    if PACKAGE.read(r) != 0 {
        name += "?";
    }
    let mut name = unknown_if_marked(name);
    // Parts with embedded flash from revision v1.2 carry an S suffix.
    if flash != 0 && (major, minor) >= (1, 2) {
        name += "S";
    }
    let mut features = features(&["BT 5 (LE)", "IEEE802.15.4", "Single Core", "96MHz"]);
    features.extend(FLASH.feature(r));
    Description {
        name: with_revision(&name, major, minor),
        features,
    }
}

/// Register values of an ESP32-H2 revision v0.1 without embedded flash.
fn registers_for_mac(m: [u8; 6]) -> Vec<(u32, u32)> {
    part_registers_with_ext(BLOCK1, m, &[(B1.word(3), 1 << 18), (B1.word(4), 0)])
}
