//! ESP32-H2 (RISC-V, BLE and IEEE 802.15.4, no Wi-Fi; 32 MHz crystal).

use crate::family::{self, field, mac_at, mac_registers, vendor};
use crate::image::{AddrRange, ImageFacts, ImageFormat, MemoryRegion as M};
use crate::{Chip, ChipKind, Description, FlashFreq, Identity, IdentityError, Registers};

pub const EFUSE_BASE: u32 = 0x600B_0800;
pub const BLOCK1: u32 = EFUSE_BASE + 0x44;
const fn b1(word: u32) -> u32 {
    BLOCK1 + 4 * word
}

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
        registers: &[b1(0), b1(1), b1(3), b1(4)],
        describe,
        mac,
        chip_id: None,
        registers_for_mac,
    },
    stub_file: "esp32h2.json",
    stub_flash_write_size: 0x4000,
    rom_crystal_hz: None,
    efuse_spi_pads: None,
    flash_voltage: None,
    image: ImageFacts {
        format: ImageFormat::Esp32,
        memory_map: &[
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
        ],
        irom: AddrRange::new(0x4200_0000, 0x4280_0000),
        drom: Some(AddrRange::new(0x4280_0000, 0x4300_0000)),
        mmu_page_size: 0x1_0000,
        mmu_page_sizes: &[0x2000, 0x4000, 0x8000, 0x1_0000],
        uf2_family_id: 0x3327_26F6,
        secure_boot_v1: false,
        pad_flash_segment_tail: false,
    },
};

fn describe(r: &Registers) -> Description {
    let minor = field(r, b1(3), 18, 3);
    let major = field(r, b1(3), 21, 2);
    let flash_cap = field(r, b1(3), 24, 3);
    let mut name = String::from("ESP32-H2");
    if flash_cap != 0 {
        name += "F";
        name += match field(r, b1(3), 27, 2) {
            1 => "H",
            2 => "N",
            _ => "?",
        };
        name += match flash_cap {
            1 => "4",
            2 => "2",
            3 => "1",
            _ => "?",
        };
    }
    if field(r, b1(4), 0, 3) != 0 {
        name += "?";
    }
    if name.contains('?') {
        name = format!("Unknown {name}");
    }
    // Parts with embedded flash from revision v1.2 carry an S suffix.
    if flash_cap != 0 && (major, minor) >= (1, 2) {
        name += "S";
    }
    let mut features: Vec<String> = ["BT 5 (LE)", "IEEE802.15.4", "Single Core", "96MHz"]
        .map(String::from)
        .into();
    let flash_vendor = match field(r, b1(3), 29, 3) {
        1 => Some("XMC"),
        2 => Some("GD"),
        3 => Some("FM"),
        4 => Some("TT"),
        _ => None,
    };
    features.push(match flash_cap {
        0 => "No Embedded Flash".into(),
        1 => format!("Embedded Flash 4MB{}", vendor(flash_vendor)),
        2 => format!("Embedded Flash 2MB{}", vendor(flash_vendor)),
        3 => format!("Embedded Flash 1MB{}", vendor(flash_vendor)),
        _ => "Unknown Embedded Flash".into(),
    });
    Description {
        name: format!("{name} (revision v{major}.{minor})"),
        features,
    }
}

fn mac(r: &Registers) -> Result<[u8; 6], IdentityError> {
    Ok(mac_at(r, BLOCK1))
}

/// Register values of an ESP32-H2 revision v0.1 without embedded flash.
fn registers_for_mac(m: [u8; 6]) -> Vec<(u32, u32)> {
    let mut regs = mac_registers(BLOCK1, m).to_vec();
    regs.extend([(b1(3), 1 << 18), (b1(4), 0)]);
    regs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typical_part_round_trips() {
        let m = [0x74, 0x4D, 0xBD, 0x01, 0x02, 0x03];
        let r: Registers = registers_for_mac(m).into_iter().collect();
        assert_eq!(mac(&r).unwrap(), m);
        assert_eq!(describe(&r).name, "ESP32-H2 (revision v0.1)");
    }

    #[test]
    fn embedded_flash_names() {
        let r: Registers = [(b1(3), 1 << 21 | 2 << 18 | 1 << 24 | 1 << 27)]
            .into_iter()
            .collect();
        assert_eq!(describe(&r).name, "ESP32-H2FH4S (revision v1.2)");
    }
}
