//! ESP32-S2 (single-core Xtensa LX7, USB-OTG).

use crate::efuse::{
    Block, EmbeddedMemory, Field, Names, base_mac, features, name_of, part_registers, read_name,
    with_revision,
};
use crate::family;
use crate::flash_voltage::VoltageBits;
use crate::image::{AddrRange, ImageFacts, ImageFormat, MemoryRegion as M};
use crate::security_fields::{KEY_PURPOSES_S2_S3, Role, SecurityField, SecurityFields};
use crate::{Chip, ChipKind, Description, Identity, Registers, RomFacts};
use crate::{FlashVoltage, RegisterValue};

/// Base address of the eFuse controller.
const EFUSE_BASE: u32 = 0x3F41_A000;

/// Read address of eFuse BLOCK0 word 0.
const BLOCK0: u32 = EFUSE_BASE + 0x2C;

/// The security eFuses (espefuse's table: esp32s2.yaml).
pub static SECURITY_FIELDS: SecurityFields = SecurityFields {
    shared: &[],
    own: &[
        SecurityField::new(
            &["DIS_DOWNLOAD_ICACHE"],
            Role::DisDownloadIcache,
            BLOCK0,
            1,
            10,
            1,
        ),
        SecurityField::new(
            &["DIS_DOWNLOAD_DCACHE"],
            Role::DisDownloadDcache,
            BLOCK0,
            1,
            11,
            1,
        ),
        SecurityField::new(&["DIS_USB"], Role::DisUsb, BLOCK0, 1, 13, 1),
        SecurityField::new(&["SOFT_DIS_JTAG"], Role::SoftDisJtag, BLOCK0, 1, 17, 1),
        SecurityField::new(&["HARD_DIS_JTAG"], Role::HardDisJtag, BLOCK0, 1, 18, 1),
        SecurityField::new(
            &["DIS_DOWNLOAD_MANUAL_ENCRYPT"],
            Role::DisDownloadManualEncrypt,
            BLOCK0,
            1,
            19,
            1,
        ),
        SecurityField::new(
            &["SPI_BOOT_CRYPT_CNT"],
            Role::SpiBootCryptCnt,
            BLOCK0,
            2,
            18,
            3,
        ),
        SecurityField::new(
            &["SECURE_BOOT_KEY_REVOKE0"],
            Role::KeyRevoke(0),
            BLOCK0,
            2,
            21,
            1,
        ),
        SecurityField::new(
            &["SECURE_BOOT_KEY_REVOKE1"],
            Role::KeyRevoke(1),
            BLOCK0,
            2,
            22,
            1,
        ),
        SecurityField::new(
            &["SECURE_BOOT_KEY_REVOKE2"],
            Role::KeyRevoke(2),
            BLOCK0,
            2,
            23,
            1,
        ),
        SecurityField::new(
            &["KEY_PURPOSE_0", "KEY0_PURPOSE"],
            Role::KeyPurpose(0),
            BLOCK0,
            2,
            24,
            4,
        ),
        SecurityField::new(
            &["KEY_PURPOSE_1", "KEY1_PURPOSE"],
            Role::KeyPurpose(1),
            BLOCK0,
            2,
            28,
            4,
        ),
        SecurityField::new(
            &["KEY_PURPOSE_2", "KEY2_PURPOSE"],
            Role::KeyPurpose(2),
            BLOCK0,
            3,
            0,
            4,
        ),
        SecurityField::new(
            &["KEY_PURPOSE_3", "KEY3_PURPOSE"],
            Role::KeyPurpose(3),
            BLOCK0,
            3,
            4,
            4,
        ),
        SecurityField::new(
            &["KEY_PURPOSE_4", "KEY4_PURPOSE"],
            Role::KeyPurpose(4),
            BLOCK0,
            3,
            8,
            4,
        ),
        SecurityField::new(
            &["KEY_PURPOSE_5", "KEY5_PURPOSE"],
            Role::KeyPurpose(5),
            BLOCK0,
            3,
            12,
            4,
        ),
        SecurityField::new(&["SECURE_BOOT_EN"], Role::SecureBootEn, BLOCK0, 3, 20, 1),
        SecurityField::new(
            &["SECURE_BOOT_AGGRESSIVE_REVOKE"],
            Role::AggressiveRevoke,
            BLOCK0,
            3,
            21,
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
    key_purposes: KEY_PURPOSES_S2_S3,
};
/// eFuse BLOCK1 (system data: MAC, chip version, package).
const BLOCK1: u32 = EFUSE_BASE + 0x44;
/// eFuse BLOCK2 (system data 2: the wafer and package details).
const BLOCK2: u32 = EFUSE_BASE + 0x5C;
const B1: Block = Block(BLOCK1);
const B2: Block = Block(BLOCK2);

/// The ESP32-S2 as espctl knows it: ROM abilities, registers, eFuse identity, image format.
pub static ESP32S2: Chip = Chip {
    kind: ChipKind::Esp32s2,
    name: "ESP32-S2",
    arg_name: "esp32s2",
    magic_values: &[0x0000_07C6],
    image_chip_id: Some(2),
    // The S2 ROM's GET_SECURITY_INFO has no chip ID (esptool falls back to 12 bytes).
    rom: RomFacts {
        security_info_chip_id: false,
        ..family::ROM
    },
    spi: family::spi(0x3F40_2000),
    uart_clkdiv_reg: 0x3F40_0014,
    xtal_clk_divider: 1,
    uart_date_reg: 0x6000_0078,
    uart_date_value: None,
    bootloader_offset: 0x1000,
    flash_sizes: family::FLASH_SIZES,
    flash_freqs: family::FLASH_FREQS_80_40_26_20,
    identity: Identity {
        registers: &[B1.word(0), B1.word(1), B1.word(3), B1.word(4), B2.word(4)],
        describe,
        mac: base_mac::<BLOCK1>,
        mac_ext: None,
        chip_id: None,
        registers_for_mac,
    },
    stub_file: "esp32s2.json",
    stub_flash_write_size: 0x4000,
    stub_uart: None,
    stub_soft_reset: false,
    stub_flash_32bit_addr: false,
    fixed_crystal_mhz: Some(40),
    rom_crystal_hz: None,
    efuse_spi_pads: None,
    flash_voltage: Some(RegisterValue {
        registers: &[EFUSE_BASE + 0x34, GPIO_STRAP],
        decode: flash_voltage,
    }),
    security_fields: Some(&SECURITY_FIELDS),
    image: ImageFacts {
        format: ImageFormat::Esp32,
        memory_map: &[
            M::new(0x0000_0000, 0x0001_0000, "PADDING"),
            M::new(0x3F00_0000, 0x3FF8_0000, "DROM"),
            M::new(0x3F50_0000, 0x3FF8_0000, "EXTRAM_DATA"),
            M::new(0x3FF9_E000, 0x3FFA_0000, "RTC_DRAM"),
            M::new(0x3FF9_E000, 0x4000_0000, "BYTE_ACCESSIBLE"),
            M::new(0x3FF9_E000, 0x4007_2000, "MEM_INTERNAL"),
            M::new(0x3FFB_0000, 0x4000_0000, "DRAM"),
            M::new(0x4000_0000, 0x4001_A100, "IROM_MASK"),
            M::new(0x4002_0000, 0x4007_0000, "IRAM"),
            M::new(0x4007_0000, 0x4007_2000, "RTC_IRAM"),
            M::new(0x4008_0000, 0x4080_0000, "IROM"),
            M::new(0x5000_0000, 0x5000_2000, "RTC_DATA"),
        ],
        irom: AddrRange::new(0x4008_0000, 0x40B8_0000),
        drom: Some(AddrRange::new(0x3F00_0000, 0x3F3F_0000)),
        mmu_page_size: 0x1_0000,
        mmu_page_sizes: &[],
        uf2_family_id: 0xBFDD_4EEE,
        secure_boot_v1: false,
        pad_flash_segment_tail: false,
    },
};

const MAJOR: Field = B1.bits(3, 18, 2);
const MINOR: Field = Field::joined(B1.bits(3, 20, 1), B1.bits(4, 4, 3));
const FLASH: EmbeddedMemory = EmbeddedMemory {
    capacity: B1.bits(3, 21, 4),
    sizes: &[(1, "Embedded Flash 2MB"), (2, "Embedded Flash 4MB")],
    unknown: "Unknown Embedded Flash",
    absent: Some("No Embedded Flash"),
    vendor: None,
    vendor_on_unknown: false,
};
const PSRAM: EmbeddedMemory = EmbeddedMemory {
    capacity: B1.bits(3, 28, 4),
    sizes: &[(1, "Embedded PSRAM 2MB"), (2, "Embedded PSRAM 4MB")],
    unknown: "Unknown Embedded PSRAM",
    absent: Some("No Embedded PSRAM"),
    vendor: None,
    vendor_on_unknown: false,
};
/// Part names by flash capacity + 100 * PSRAM capacity.
const PARTS: Names = &[
    (0, "ESP32-S2"),
    (1, "ESP32-S2FH2"),
    (2, "ESP32-S2FH4"),
    (100, "ESP32-S2R2"),
    (102, "ESP32-S2FNR2"),
];
const CALIBRATION: Field = B2.bits(4, 4, 3);
const CALIBRATIONS: Names = &[
    (0, "No calibration in BLK2 of efuse"),
    (
        1,
        "ADC and temperature sensor calibration in BLK2 of eFuse V1",
    ),
    (
        2,
        "ADC and temperature sensor calibration in BLK2 of eFuse V2",
    ),
];

fn describe(r: &Registers) -> Description {
    let part = FLASH.capacity.read(r) + 100 * PSRAM.capacity.read(r);
    let name = name_of(PARTS, part).unwrap_or("Unknown ESP32-S2");
    let mut features = features(&["Wi-Fi", "Single Core", "240MHz"]);
    features.extend(FLASH.feature(r));
    features.extend(PSRAM.feature(r));
    let calibration = read_name(r, CALIBRATION, CALIBRATIONS, "Unknown calibration in BLK2");
    features.push(calibration.into());
    Description {
        name: with_revision(name, MAJOR.read(r), MINOR.read(r)),
        features,
    }
}

/// Register values of an ESP32-S2 revision v0.0 without embedded flash or PSRAM.
fn registers_for_mac(m: [u8; 6]) -> Vec<(u32, u32)> {
    part_registers(
        BLOCK1,
        m,
        &[(B1.word(3), 0), (B1.word(4), 0), (B2.word(4), 1 << 4)],
    )
}

/// GPIO_STRAP: the strapping pins latched at reset (esptool `GPIO_STRAP_REG`).
pub const GPIO_STRAP: u32 = 0x3F40_4038;

/// The flash voltage as esptool reads it here.
const VOLTAGE: VoltageBits = VoltageBits::vdd_spi_word_0x34(EFUSE_BASE, GPIO_STRAP);

fn flash_voltage(r: &Registers) -> FlashVoltage {
    VOLTAGE.decode(r)
}
