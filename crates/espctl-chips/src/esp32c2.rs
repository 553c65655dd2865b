//! ESP32-C2 (single-core RISC-V, also sold as ESP8684; 26 or 40 MHz crystal).

use crate::efuse::{
    Block, EmbeddedMemory, Field, Names, base_mac, features, mac_registers, read_name,
    with_revision,
};
use crate::family;
use crate::image::{AddrRange, ImageFacts, ImageFormat, MemoryRegion as M};
use crate::security_fields::{Role, SecurityField, SecurityFields};
use crate::{Chip, ChipKind, Description, FlashFreq, Identity, Registers, RomFacts};

/// Base address of the eFuse controller.
const EFUSE_BASE: u32 = 0x6000_8800;

/// Read address of eFuse BLOCK0 word 0.
const BLOCK0: u32 = EFUSE_BASE + 0x2C;

/// The security eFuses (espefuse's table: esp32c2.yaml; no key purposes, no key revocation, no USB).
pub static SECURITY_FIELDS: SecurityFields = SecurityFields {
    shared: &[],
    own: &[
        SecurityField::new(&["DIS_PAD_JTAG"], Role::HardDisJtag, BLOCK0, 1, 4, 1),
        SecurityField::new(
            &["DIS_DOWNLOAD_ICACHE"],
            Role::DisDownloadIcache,
            BLOCK0,
            1,
            5,
            1,
        ),
        SecurityField::new(
            &["DIS_DOWNLOAD_MANUAL_ENCRYPT"],
            Role::DisDownloadManualEncrypt,
            BLOCK0,
            1,
            6,
            1,
        ),
        SecurityField::new(
            &["SPI_BOOT_CRYPT_CNT"],
            Role::SpiBootCryptCnt,
            BLOCK0,
            1,
            7,
            3,
        ),
        SecurityField::new(
            &["ENABLE_SECURITY_DOWNLOAD"],
            Role::SecureDownload,
            BLOCK0,
            1,
            16,
            1,
        ),
        SecurityField::new(&["SECURE_BOOT_EN"], Role::SecureBootEn, BLOCK0, 1, 21, 1),
    ],
    key_purposes: &[],
};
/// The C2 keeps the MAC and the chip version in BLOCK2.
const BLOCK2: u32 = EFUSE_BASE + 0x40;
const B2: Block = Block(BLOCK2);

/// The ESP32-C2 as espctl knows it: ROM abilities, registers, eFuse identity, image format.
pub static ESP32C2: Chip = Chip {
    kind: ChipKind::Esp32c2,
    name: "ESP32-C2",
    arg_name: "esp32c2",
    // esptool 5 identifies the C2 by its security-info chip id; these are v4's magics.
    magic_values: &[0x6F51_306F, 0x7C41_A06F, 0x0C21_E06F],
    image_chip_id: Some(12),
    // The C2 ROM sets baud rates as if its crystal were 40 MHz, also on 26 MHz parts.
    rom: RomFacts {
        baud_crystal_mhz: Some(40),
        ..family::ROM
    },
    spi: family::spi(0x6000_2000),
    uart_clkdiv_reg: 0x6000_0014,
    xtal_clk_divider: 1,
    uart_date_reg: 0x6000_007C,
    uart_date_value: None,
    bootloader_offset: 0,
    flash_sizes: family::FLASH_SIZES,
    // The C2 runs its flash from a 60 MHz clock: same codes, other names.
    flash_freqs: &[
        (FlashFreq::F60m, 0xF),
        (FlashFreq::F30m, 0x0),
        (FlashFreq::F20m, 0x1),
        (FlashFreq::F15m, 0x2),
    ],
    identity: Identity {
        registers: &[B2.word(0), B2.word(1), B2.word(7)],
        describe,
        mac: base_mac::<BLOCK2>,
        mac_ext: None,
        chip_id: None,
        registers_for_mac,
    },
    stub_file: "esp32c2.json",
    stub_flash_write_size: 0x4000,
    stub_uart: None,
    stub_soft_reset: false,
    stub_flash_32bit_addr: false,
    fixed_crystal_mhz: None,
    rom_crystal_hz: None,
    efuse_spi_pads: None,
    flash_voltage: None,
    security_fields: Some(&SECURITY_FIELDS),
    image: ImageFacts {
        format: ImageFormat::Esp32,
        memory_map: &[
            M::new(0x0000_0000, 0x0001_0000, "PADDING"),
            M::new(0x3C00_0000, 0x3C40_0000, "DROM"),
            M::new(0x3FCA_0000, 0x3FCE_0000, "DRAM"),
            M::new(0x3FC8_8000, 0x3FD0_0000, "BYTE_ACCESSIBLE"),
            M::new(0x3FF0_0000, 0x3FF5_0000, "DROM_MASK"),
            M::new(0x4000_0000, 0x4009_0000, "IROM_MASK"),
            M::new(0x4200_0000, 0x4240_0000, "IROM"),
            M::new(0x4037_C000, 0x403C_0000, "IRAM"),
        ],
        irom: AddrRange::new(0x4200_0000, 0x4240_0000),
        drom: Some(AddrRange::new(0x3C00_0000, 0x3C40_0000)),
        mmu_page_size: 0x1_0000,
        mmu_page_sizes: &[0x4000, 0x8000, 0x1_0000],
        uf2_family_id: 0x2B88_D29C,
        secure_boot_v1: false,
        pad_flash_segment_tail: false,
    },
};

const MINOR: Field = B2.bits(1, 16, 4);
const MAJOR: Field = B2.bits(1, 20, 2);
const PACKAGE: Field = B2.bits(1, 22, 3);
const PACKAGES: Names = &[(0, "ESP32-C2"), (1, "ESP8684H")];
const FLASH: EmbeddedMemory = EmbeddedMemory {
    capacity: B2.bits(7, 29, 3),
    sizes: &[
        (1, "Embedded Flash 4MB"),
        (2, "Embedded Flash 2MB"),
        (3, "Embedded Flash 1MB"),
    ],
    unknown: "Unknown Embedded Flash",
    absent: None,
    vendor: Some((
        B2.bits(7, 24, 3),
        &[(1, "XMC"), (2, "GD"), (3, "FM"), (4, "TT"), (5, "ZBIT")],
    )),
    vendor_on_unknown: true,
};

fn describe(r: &Registers) -> Description {
    let name = read_name(r, PACKAGE, PACKAGES, "Unknown ESP32-C2");
    let mut features = features(&["Wi-Fi", "BT 5 (LE)", "Single Core", "120MHz"]);
    features.extend(FLASH.feature(r));
    Description {
        name: with_revision(name, MAJOR.read(r), MINOR.read(r)),
        features,
    }
}

/// Register values of an ESP32-C2 revision v1.0 (revision 0 parts cannot run the stub).
/// The version shares the MAC's second word.
fn registers_for_mac(m: [u8; 6]) -> Vec<(u32, u32)> {
    let [w0, (w1_addr, w1)] = mac_registers(BLOCK2, m);
    vec![w0, (w1_addr, w1 | 1 << 20), (B2.word(7), 0)]
}
