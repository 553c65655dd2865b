//! ESP32-C5 (RISC-V, dual-band Wi-Fi 6; 40 or 48 MHz crystal; bootloader at 0x2000).

use crate::efuse::{
    Block, EmbeddedMemory, Field, base_mac, features, mac_ext, part_name, part_registers_with_ext,
    with_revision,
};
use crate::family;
use crate::image::{AddrRange, ImageFacts, ImageFormat, MemoryRegion as M};
use crate::security_fields::{Role, SecurityField, SecurityFields};
use crate::{Chip, ChipKind, Description, Identity, Registers};

/// Base address of the eFuse controller.
const EFUSE_BASE: u32 = 0x600B_4800;

/// Read address of eFuse BLOCK0 word 0.
const BLOCK0: u32 = EFUSE_BASE + 0x2C;

/// The security eFuses (espefuse's table: esp32c5.yaml; its key purposes are five bits wide).
pub static SECURITY_FIELDS: SecurityFields = SecurityFields {
    shared: &[],
    own: &[
        SecurityField::new(&["DIS_USB_SERIAL_JTAG"], Role::DisUsb, BLOCK0, 1, 11, 1),
        SecurityField::new(&["SOFT_DIS_JTAG"], Role::SoftDisJtag, BLOCK0, 1, 16, 3),
        SecurityField::new(&["DIS_PAD_JTAG"], Role::HardDisJtag, BLOCK0, 1, 19, 1),
        SecurityField::new(
            &["DIS_DOWNLOAD_MANUAL_ENCRYPT"],
            Role::DisDownloadManualEncrypt,
            BLOCK0,
            1,
            20,
            1,
        ),
        SecurityField::new(
            &["SPI_BOOT_CRYPT_CNT"],
            Role::SpiBootCryptCnt,
            BLOCK0,
            2,
            16,
            3,
        ),
        SecurityField::new(
            &["FORCE_USE_KEY_MANAGER_KEY"],
            Role::ForceUseKeyManagerKey,
            BLOCK0,
            2,
            10,
            4,
        ),
        SecurityField::new(
            &["SECURE_BOOT_KEY_REVOKE0"],
            Role::KeyRevoke(0),
            BLOCK0,
            2,
            19,
            1,
        ),
        SecurityField::new(
            &["SECURE_BOOT_KEY_REVOKE1"],
            Role::KeyRevoke(1),
            BLOCK0,
            2,
            20,
            1,
        ),
        SecurityField::new(
            &["SECURE_BOOT_KEY_REVOKE2"],
            Role::KeyRevoke(2),
            BLOCK0,
            2,
            21,
            1,
        ),
        SecurityField::new(
            &["KEY_PURPOSE_0", "KEY0_PURPOSE"],
            Role::KeyPurpose(0),
            BLOCK0,
            2,
            22,
            5,
        ),
        SecurityField::new(
            &["KEY_PURPOSE_1", "KEY1_PURPOSE"],
            Role::KeyPurpose(1),
            BLOCK0,
            2,
            27,
            5,
        ),
        SecurityField::new(
            &["KEY_PURPOSE_2", "KEY2_PURPOSE"],
            Role::KeyPurpose(2),
            BLOCK0,
            3,
            0,
            5,
        ),
        SecurityField::new(
            &["KEY_PURPOSE_3", "KEY3_PURPOSE"],
            Role::KeyPurpose(3),
            BLOCK0,
            3,
            5,
            5,
        ),
        SecurityField::new(
            &["KEY_PURPOSE_4", "KEY4_PURPOSE"],
            Role::KeyPurpose(4),
            BLOCK0,
            3,
            10,
            5,
        ),
        SecurityField::new(
            &["KEY_PURPOSE_5", "KEY5_PURPOSE"],
            Role::KeyPurpose(5),
            BLOCK0,
            3,
            15,
            5,
        ),
        SecurityField::new(&["SECURE_BOOT_EN"], Role::SecureBootEn, BLOCK0, 3, 25, 1),
        SecurityField::new(
            &["SECURE_BOOT_AGGRESSIVE_REVOKE"],
            Role::AggressiveRevoke,
            BLOCK0,
            3,
            26,
            1,
        ),
        SecurityField::new(
            &["ENABLE_SECURITY_DOWNLOAD"],
            Role::SecureDownload,
            BLOCK0,
            4,
            5,
            1,
        ),
    ],
    key_purposes: &[
        (0, "USER/EMPTY"),
        (1, "ECDSA_KEY"),
        (4, "XTS_AES_128_KEY"),
        (5, "HMAC_DOWN_ALL"),
        (6, "HMAC_DOWN_JTAG"),
        (7, "HMAC_DOWN_DIGITAL_SIGNATURE"),
        (8, "HMAC_UP"),
        (9, "SECURE_BOOT_DIGEST0"),
        (10, "SECURE_BOOT_DIGEST1"),
        (11, "SECURE_BOOT_DIGEST2"),
        (12, "KM_INIT_KEY"),
        (15, "XTS_AES_128_PSRAM_KEY"),
        (16, "ECDSA_KEY_P192"),
        (17, "ECDSA_KEY_P384_L"),
        (18, "ECDSA_KEY_P384_H"),
    ],
};
/// eFuse BLOCK1 (system data: MAC, chip version, package).
const BLOCK1: u32 = EFUSE_BASE + 0x44;
const B1: Block = Block(BLOCK1);

/// The ESP32-C5 as espctl knows it: ROM abilities, registers, eFuse identity, image format.
pub static ESP32C5: Chip = Chip {
    kind: ChipKind::Esp32c5,
    name: "ESP32-C5",
    arg_name: "esp32c5",
    // esptool 5 identifies the C5 by its security-info chip id; this is v4's magic.
    magic_values: &[0x1101_406F],
    image_chip_id: Some(23),
    rom: family::ROM,
    spi: family::spi(0x6000_3000),
    uart_clkdiv_reg: 0x6000_0014,
    xtal_clk_divider: 1,
    uart_date_reg: 0x6000_007C,
    uart_date_value: None,
    bootloader_offset: 0x2000,
    flash_sizes: family::FLASH_SIZES,
    flash_freqs: family::FLASH_FREQS_80_40_20,
    identity: Identity {
        registers: &[B1.word(0), B1.word(1), B1.word(2)],
        describe,
        mac: base_mac::<BLOCK1>,
        mac_ext: Some(mac_ext::<BLOCK1>),
        chip_id: None,
        registers_for_mac,
    },
    stub_file: "esp32c5.json",
    stub_flash_write_size: 0x4000,
    stub_uart: None,
    stub_soft_reset: false,
    stub_flash_32bit_addr: true,
    fixed_crystal_mhz: None,
    rom_crystal_hz: None,
    efuse_spi_pads: None,
    flash_voltage: None,
    security_fields: Some(&SECURITY_FIELDS),
    image: ImageFacts {
        format: ImageFormat::Esp32,
        memory_map: &[
            M::new(0x0000_0000, 0x0001_0000, "PADDING"),
            M::new(0x4200_0000, 0x4400_0000, "DROM"),
            M::new(0x4080_0000, 0x4086_0000, "DRAM"),
            M::new(0x4080_0000, 0x4086_0000, "BYTE_ACCESSIBLE"),
            M::new(0x4003_A000, 0x4004_0000, "DROM_MASK"),
            M::new(0x4000_0000, 0x4003_A000, "IROM_MASK"),
            M::new(0x4200_0000, 0x4400_0000, "IROM"),
            M::new(0x4080_0000, 0x4086_0000, "IRAM"),
            M::new(0x5000_0000, 0x5000_4000, "RTC_IRAM"),
            M::new(0x5000_0000, 0x5000_4000, "RTC_DRAM"),
            M::new(0x600F_E000, 0x6010_0000, "MEM_INTERNAL2"),
        ],
        irom: AddrRange::new(0x4200_0000, 0x4400_0000),
        drom: Some(AddrRange::new(0x4200_0000, 0x4400_0000)),
        mmu_page_size: 0x1_0000,
        mmu_page_sizes: &[],
        uf2_family_id: 0xF71C_0343,
        secure_boot_v1: false,
        pad_flash_segment_tail: false,
    },
};

const MINOR: Field = B1.bits(2, 0, 4);
const MAJOR: Field = B1.bits(2, 4, 2);
const PACKAGE: Field = B1.bits(2, 24, 2);
const FLASH: EmbeddedMemory = EmbeddedMemory {
    capacity: B1.bits(2, 13, 3),
    sizes: &[(1, "Embedded Flash 4MB")],
    unknown: "Unknown Embedded Flash",
    absent: Some("No Embedded Flash"),
    vendor: Some((B1.bits(2, 16, 3), &[(1, "XMC")])),
    vendor_on_unknown: false,
};
const PSRAM: EmbeddedMemory = EmbeddedMemory {
    capacity: B1.bits(2, 19, 3),
    sizes: &[(1, "Embedded PSRAM 4MB"), (2, "Embedded PSRAM 8MB")],
    unknown: "Unknown Embedded PSRAM",
    absent: Some("No Embedded PSRAM"),
    vendor: Some((B1.bits(2, 22, 2), &[(1, "AP_3v3")])),
    vendor_on_unknown: false,
};

fn describe(r: &Registers) -> Description {
    let name = part_name(
        r,
        "ESP32-C5",
        &[
            (PACKAGE, &[(0, "N"), (1, "H")], "?"),
            (FLASH.capacity, &[(0, ""), (1, "F4")], "F?"),
            (PSRAM.capacity, &[(0, ""), (1, "R4"), (2, "R8")], "R?"),
        ],
    );
    let mut features = features(&[
        "Wi-Fi 6 (dual-band)",
        "BT 5 (LE)",
        "IEEE802.15.4",
        "Single Core + LP Core",
        "240MHz",
    ]);
    features.extend(FLASH.feature(r));
    features.extend(PSRAM.feature(r));
    Description {
        name: with_revision(&name, MAJOR.read(r), MINOR.read(r)),
        features,
    }
}

/// Register values of an ESP32-C5N revision v1.0 without embedded memory.
fn registers_for_mac(m: [u8; 6]) -> Vec<(u32, u32)> {
    part_registers_with_ext(BLOCK1, m, &[(B1.word(2), 1 << 4)])
}
