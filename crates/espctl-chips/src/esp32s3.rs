//! ESP32-S3 (dual-core Xtensa LX7, USB-OTG and USB-Serial/JTAG).

use crate::efuse::{
    Block, EmbeddedMemory, Field, Names, base_mac, features, part_registers, read_name,
    with_revision,
};
use crate::family;
use crate::flash_voltage::VoltageBits;
use crate::image::{AddrRange, ImageFacts, ImageFormat, MemoryRegion as M};
use crate::security_fields::{
    KEY_PURPOSES_S2_S3, Role, SecurityField, SecurityFields, shared_layout,
};
use crate::{Chip, ChipKind, Description, Identity, Registers};
use crate::{FlashVoltage, RegisterValue};

/// Base address of the eFuse controller.
const EFUSE_BASE: u32 = 0x6000_7000;

/// Read address of eFuse BLOCK0 word 0.
const BLOCK0: u32 = EFUSE_BASE + 0x2C;
static SHARED_SECURITY: [SecurityField; 16] = shared_layout(BLOCK0);

/// The security eFuses (espefuse's table: esp32s3.yaml).
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
        SecurityField::new(
            &["DIS_DOWNLOAD_DCACHE"],
            Role::DisDownloadDcache,
            BLOCK0,
            1,
            11,
            1,
        ),
        // USB-OTG, once called DIS_USB, as the S2's field behind the DIS_USB flag.
        SecurityField::new(&["DIS_USB_OTG", "DIS_USB"], Role::DisUsb, BLOCK0, 1, 13, 1),
    ],
    key_purposes: KEY_PURPOSES_S2_S3,
};
/// eFuse BLOCK1 (system data: MAC, chip version, package).
const BLOCK1: u32 = EFUSE_BASE + 0x44;
/// eFuse BLOCK2 (system data 2: the wafer and package details).
const BLOCK2: u32 = EFUSE_BASE + 0x5C;
const B1: Block = Block(BLOCK1);
const B2: Block = Block(BLOCK2);

/// The ESP32-S3 as espctl knows it: ROM abilities, registers, eFuse identity, image format.
pub static ESP32S3: Chip = Chip {
    kind: ChipKind::Esp32s3,
    name: "ESP32-S3",
    arg_name: "esp32s3",
    // esptool 5 identifies the S3 by its security-info chip id; v4 also knew this magic.
    magic_values: &[0x9],
    image_chip_id: Some(9),
    rom: family::ROM,
    spi: family::spi(0x6000_2000),
    uart_clkdiv_reg: 0x6000_0014,
    xtal_clk_divider: 1,
    uart_date_reg: 0x6000_0080,
    uart_date_value: None,
    bootloader_offset: 0,
    flash_sizes: family::FLASH_SIZES,
    flash_freqs: family::FLASH_FREQS_80_40_26_20,
    identity: Identity {
        registers: &[
            B1.word(0),
            B1.word(1),
            B1.word(3),
            B1.word(4),
            B1.word(5),
            B2.word(4),
        ],
        describe,
        mac: base_mac::<BLOCK1>,
        mac_ext: None,
        chip_id: None,
        registers_for_mac,
    },
    stub_file: "esp32s3.json",
    stub_flash_write_size: 0x4000,
    stub_uart: None,
    stub_soft_reset: false,
    stub_flash_32bit_addr: true,
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
            M::new(0x3C00_0000, 0x3D00_0000, "DROM"),
            M::new(0x3D00_0000, 0x3E00_0000, "EXTRAM_DATA"),
            M::new(0x600F_E000, 0x6010_0000, "RTC_DRAM"),
            M::new(0x3FC8_8000, 0x3FD0_0000, "BYTE_ACCESSIBLE"),
            M::new(0x3FC8_8000, 0x403E_2000, "MEM_INTERNAL"),
            M::new(0x3FC8_8000, 0x3FD0_0000, "DRAM"),
            M::new(0x4000_0000, 0x4001_A100, "IROM_MASK"),
            M::new(0x4037_0000, 0x403E_0000, "IRAM"),
            M::new(0x600F_E000, 0x6010_0000, "RTC_IRAM"),
            M::new(0x4200_0000, 0x4280_0000, "IROM"),
            M::new(0x5000_0000, 0x5000_2000, "RTC_DATA"),
        ],
        irom: AddrRange::new(0x4200_0000, 0x4400_0000),
        drom: Some(AddrRange::new(0x3C00_0000, 0x3E00_0000)),
        mmu_page_size: 0x1_0000,
        mmu_page_sizes: &[],
        uf2_family_id: 0xC47E_5767,
        secure_boot_v1: false,
        pad_flash_segment_tail: false,
    },
};

const MAJOR: Field = B1.bits(5, 24, 2);
const MINOR: Field = Field::joined(B1.bits(5, 23, 1), B1.bits(3, 18, 3));
/// eFuse block version, major and minor part (for the ECO0 quirk).
const BLOCK_VERSION_MAJOR: Field = B2.bits(4, 0, 2);
const BLOCK_VERSION_MINOR: Field = B1.bits(3, 24, 3);
const PACKAGE: Field = B1.bits(3, 21, 3);
const PACKAGES: Names = &[(0, "ESP32-S3 (QFN56)"), (1, "ESP32-S3-PICO-1 (LGA56)")];
const FLASH: EmbeddedMemory = EmbeddedMemory {
    capacity: B1.bits(3, 27, 3),
    sizes: &[(1, "Embedded Flash 8MB"), (2, "Embedded Flash 4MB")],
    unknown: "Unknown Embedded Flash",
    absent: None,
    vendor: Some((
        B1.bits(4, 0, 3),
        &[(1, "XMC"), (2, "GD"), (3, "FM"), (4, "TT"), (5, "BY")],
    )),
    vendor_on_unknown: true,
};
const PSRAM: EmbeddedMemory = EmbeddedMemory {
    capacity: Field::joined(B1.bits(5, 19, 1), B1.bits(4, 3, 2)),
    sizes: &[
        (1, "Embedded PSRAM 8MB"),
        (2, "Embedded PSRAM 2MB"),
        (3, "Embedded PSRAM 16MB"),
        (4, "Embedded PSRAM 4MB"),
    ],
    unknown: "Unknown Embedded PSRAM",
    absent: None,
    vendor: Some((B1.bits(4, 7, 2), &[(1, "AP_3v3"), (2, "AP_1v8")])),
    vendor_on_unknown: true,
};

/// Major and minor revision, with the ECO0 quirk: early parts whose eFuse block version
/// is 1.1 and raw minor is 0 report v0.0.
fn revision(r: &Registers) -> (u32, u32) {
    let minor = MINOR.read(r);
    let eco0 =
        minor & 7 == 0 && BLOCK_VERSION_MAJOR.read(r) == 1 && BLOCK_VERSION_MINOR.read(r) == 1;
    if eco0 { (0, 0) } else { (MAJOR.read(r), minor) }
}

fn describe(r: &Registers) -> Description {
    let (major, minor) = revision(r);
    let name = read_name(r, PACKAGE, PACKAGES, "Unknown ESP32-S3");
    let mut features = features(&["Wi-Fi", "BT 5 (LE)", "Dual Core + LP Core", "240MHz"]);
    features.extend(FLASH.feature(r));
    features.extend(PSRAM.feature(r));
    Description {
        name: with_revision(name, major, minor),
        features,
    }
}

/// Register values of an ESP32-S3 (QFN56) revision v0.2 without embedded memory.
fn registers_for_mac(m: [u8; 6]) -> Vec<(u32, u32)> {
    part_registers(
        BLOCK1,
        m,
        &[
            (B1.word(3), 2 << 18),
            (B1.word(4), 0),
            (B1.word(5), 0),
            (B2.word(4), 1),
        ],
    )
}

/// GPIO_STRAP: the strapping pins latched at reset (esptool `GPIO_STRAP_REG`).
pub const GPIO_STRAP: u32 = 0x6000_4038;

/// The flash voltage as esptool reads it here.
const VOLTAGE: VoltageBits = VoltageBits::vdd_spi_word_0x34(EFUSE_BASE, GPIO_STRAP);

fn flash_voltage(r: &Registers) -> FlashVoltage {
    VOLTAGE.decode(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eco0_parts_report_v0_0() {
        let r: Registers = [
            (B1.word(3), 1 << 24),
            (B1.word(5), 1 << 24),
            (B2.word(4), 1),
        ]
        .into_iter()
        .collect();
        assert_eq!(revision(&r), (0, 0));
    }
}
