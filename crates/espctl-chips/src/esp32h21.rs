//! ESP32-H21 (RISC-V, BLE and IEEE 802.15.4; 32 MHz crystal).

use crate::family::{self, field, mac_at, mac_registers, vendor};
use crate::image::{AddrRange, ImageFacts, ImageFormat, MemoryRegion as M};
use crate::{Chip, ChipKind, Description, FlashFreq, Identity, IdentityError, Registers};

pub const EFUSE_BASE: u32 = 0x600B_4000;
pub const BLOCK1: u32 = EFUSE_BASE + 0x44;
const fn b1(word: u32) -> u32 {
    BLOCK1 + 4 * word
}

pub static ESP32H21: Chip = Chip {
    kind: ChipKind::Esp32h21,
    name: "ESP32-H21",
    arg_name: "esp32h21",
    // Identified by its security-info chip id only.
    magic_values: &[],
    image_chip_id: Some(25),
    rom: family::ROM,
    spi: family::spi(0x6000_3000),
    uart_clkdiv_reg: 0x6000_0014,
    xtal_clk_divider: 1,
    uart_date_reg: 0x6000_008C,
    bootloader_offset: 0,
    flash_sizes: family::FLASH_SIZES,
    flash_freqs: &[(FlashFreq::F48m, 0xF), (FlashFreq::F24m, 0x0)],
    identity: Identity {
        registers: &[b1(0), b1(1), b1(3), b1(5)],
        describe,
        mac,
        chip_id: None,
        registers_for_mac,
    },
    stub_file: "esp32h21.json",
    stub_flash_write_size: 0x4000,
    rom_crystal_hz: None,
    efuse_spi_pads: None,
    flash_voltage: None,
    image: ImageFacts {
        format: ImageFormat::Esp32,
        memory_map: &[
            M::new(0x0000_0000, 0x0001_0000, "PADDING"),
            M::new(0x4200_0000, 0x4300_0000, "DROM"),
            M::new(0x4080_0000, 0x4085_0000, "DRAM"),
            M::new(0x4080_0000, 0x4085_0000, "BYTE_ACCESSIBLE"),
            M::new(0x4000_0000, 0x4002_0000, "DROM_MASK"),
            M::new(0x4000_0000, 0x4002_0000, "IROM_MASK"),
            M::new(0x4200_0000, 0x4300_0000, "IROM"),
            M::new(0x4080_0000, 0x4085_0000, "IRAM"),
            M::new(0x5000_0000, 0x5000_1000, "RTC_IRAM"),
            M::new(0x5000_0000, 0x5000_1000, "RTC_DRAM"),
            M::new(0x4080_0000, 0x4085_0000, "MEM_INTERNAL"),
        ],
        irom: AddrRange::new(0x4200_0000, 0x4300_0000),
        drom: Some(AddrRange::new(0x4200_0000, 0x4300_0000)),
        mmu_page_size: 0x1_0000,
        mmu_page_sizes: &[0x2000, 0x4000, 0x8000, 0x1_0000],
        uf2_family_id: 0xB6DD_00AF,
        secure_boot_v1: false,
        pad_flash_segment_tail: false,
    },
};

fn describe(r: &Registers) -> Description {
    let minor = field(r, b1(5), 4, 4);
    let major = field(r, b1(5), 8, 2);
    let flash_cap = field(r, b1(3), 24, 3);
    let mut name = String::from("ESP32-H21");
    name += match field(r, b1(3), 30, 2) {
        0 => "N",
        1 => "H",
        _ => "?",
    };
    name += match flash_cap {
        0 => "",
        1 => "F4",
        2 => "F2",
        _ => "F?",
    };
    if name.contains('?') {
        name = format!("Unknown {name}");
    }
    let mut features: Vec<String> = ["BT 5 (LE)", "IEEE802.15.4", "Single Core", "96MHz"]
        .map(String::from)
        .into();
    let flash_vendor = match field(r, b1(3), 27, 3) {
        1 => Some("FM"),
        2 => Some("XMC"),
        _ => None,
    };
    let flash = match flash_cap {
        0 => None,
        1 => Some("Embedded Flash 4MB"),
        2 => Some("Embedded Flash 2MB"),
        _ => Some("Unknown Embedded Flash"),
    };
    if let Some(flash) = flash {
        features.push(format!("{flash}{}", vendor(flash_vendor)));
    }
    Description {
        name: format!("{name} (revision v{major}.{minor})"),
        features,
    }
}

fn mac(r: &Registers) -> Result<[u8; 6], IdentityError> {
    Ok(mac_at(r, BLOCK1))
}

/// Register values of an ESP32-H21N revision v0.1 without embedded flash.
fn registers_for_mac(m: [u8; 6]) -> Vec<(u32, u32)> {
    let mut regs = mac_registers(BLOCK1, m).to_vec();
    regs.extend([(b1(3), 0), (b1(5), 1 << 4)]);
    regs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typical_part_round_trips() {
        let m = [0x60, 0x55, 0xF9, 0x01, 0x02, 0x03];
        let r: Registers = registers_for_mac(m).into_iter().collect();
        assert_eq!(mac(&r).unwrap(), m);
        assert_eq!(describe(&r).name, "ESP32-H21N (revision v0.1)");
    }
}
