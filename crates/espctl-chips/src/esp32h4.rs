//! ESP32-H4 (dual-core RISC-V, BLE and IEEE 802.15.4; bootloader at 0x2000).

use crate::family::{self, field, mac_at, mac_registers, vendor};
use crate::image::{AddrRange, ImageFacts, ImageFormat, MemoryRegion as M};
use crate::{Chip, ChipKind, Description, FlashFreq, Identity, IdentityError, Registers};

pub const EFUSE_BASE: u32 = 0x600B_1800;
pub const BLOCK1: u32 = EFUSE_BASE + 0x44;
const fn b1(word: u32) -> u32 {
    BLOCK1 + 4 * word
}

pub static ESP32H4: Chip = Chip {
    kind: ChipKind::Esp32h4,
    name: "ESP32-H4",
    arg_name: "esp32h4",
    // Identified by its security-info chip id only.
    magic_values: &[],
    image_chip_id: Some(28),
    rom: family::ROM,
    spi: family::spi(0x6009_9000),
    uart_clkdiv_reg: 0x6001_2014,
    xtal_clk_divider: 1,
    uart_date_reg: 0x6001_208C,
    bootloader_offset: 0x2000,
    flash_sizes: family::FLASH_SIZES,
    flash_freqs: &[(FlashFreq::F48m, 0xF), (FlashFreq::F24m, 0x0)],
    identity: Identity {
        registers: &[b1(0), b1(1), b1(3), b1(4)],
        describe,
        mac,
        chip_id: None,
        registers_for_mac,
    },
    stub_file: "esp32h4.json",
    stub_flash_write_size: 0x4000,
    rom_crystal_hz: None,
    efuse_spi_pads: None,
    flash_voltage: None,
    image: ImageFacts {
        format: ImageFormat::Esp32,
        memory_map: &[
            M::new(0x0000_0000, 0x0001_0000, "PADDING"),
            M::new(0x4200_0000, 0x4400_0000, "DROM"),
            M::new(0x4081_0000, 0x4086_0000, "DRAM"),
            M::new(0x4081_0000, 0x4086_0000, "BYTE_ACCESSIBLE"),
            M::new(0x4000_0000, 0x4002_0000, "DROM_MASK"),
            M::new(0x4000_0000, 0x4002_0000, "IROM_MASK"),
            M::new(0x4200_0000, 0x4400_0000, "IROM"),
            M::new(0x4081_0000, 0x4086_0000, "IRAM"),
            M::new(0x4081_0000, 0x4086_0000, "MEM_INTERNAL"),
        ],
        irom: AddrRange::new(0x4200_0000, 0x4400_0000),
        drom: Some(AddrRange::new(0x4200_0000, 0x4400_0000)),
        mmu_page_size: 0x1_0000,
        mmu_page_sizes: &[0x2000, 0x4000, 0x8000, 0x1_0000],
        uf2_family_id: 0x9E0B_AA8A,
        secure_boot_v1: false,
        pad_flash_segment_tail: false,
    },
};

fn describe(r: &Registers) -> Description {
    let minor = field(r, b1(3), 18, 4);
    let major = field(r, b1(3), 22, 2);
    let flash_cap = (field(r, b1(3), 31, 1) | field(r, b1(4), 0, 2) << 1) & 7;
    let flash_vendor = match field(r, b1(4), 2, 3) {
        1 => Some("FM"),
        2 => Some("XMC"),
        3 => Some("PY"),
        _ => None,
    };
    let psram_cap = field(r, b1(4), 5, 3);
    let psram_vendor = (field(r, b1(4), 8, 2) == 1).then_some("AP");
    let mut name = String::from("ESP32-H4");
    name += match field(r, b1(4), 10, 2) {
        1 => "H",
        _ => "?",
    };
    name += match (flash_cap, flash_vendor) {
        (0, _) => "",
        (1, Some("PY")) => "FL4",
        (1, _) => "F4",
        _ => "F?",
    };
    name += match psram_cap {
        0 => "",
        1 => "R8",
        2 => "R2",
        _ => "R?",
    };
    if name.contains('?') {
        name = format!("Unknown {name}");
    }
    let mut features: Vec<String> = ["BT 5 (LE)", "IEEE802.15.4", "Dual Core", "96MHz"]
        .map(String::from)
        .into();
    features.push(match flash_cap {
        0 => "No Embedded Flash".into(),
        1 => format!("Embedded Flash 4MB{}", vendor(flash_vendor)),
        _ => "Unknown Embedded Flash".into(),
    });
    features.push(match psram_cap {
        0 => "No Embedded PSRAM".into(),
        1 => format!("Embedded PSRAM 8MB{}", vendor(psram_vendor)),
        2 => format!("Embedded PSRAM 2MB{}", vendor(psram_vendor)),
        _ => "Unknown Embedded PSRAM".into(),
    });
    Description {
        name: format!("{name} (revision v{major}.{minor})"),
        features,
    }
}

fn mac(r: &Registers) -> Result<[u8; 6], IdentityError> {
    Ok(mac_at(r, BLOCK1))
}

/// Register values of an ESP32-H4H revision v0.1 without embedded memory.
fn registers_for_mac(m: [u8; 6]) -> Vec<(u32, u32)> {
    let mut regs = mac_registers(BLOCK1, m).to_vec();
    regs.extend([(b1(3), 1 << 18), (b1(4), 1 << 10)]);
    regs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typical_part_round_trips() {
        let m = [0x60, 0x55, 0xF9, 0x0A, 0x0B, 0x0C];
        let r: Registers = registers_for_mac(m).into_iter().collect();
        assert_eq!(mac(&r).unwrap(), m);
        assert_eq!(describe(&r).name, "ESP32-H4H (revision v0.1)");
    }
}
