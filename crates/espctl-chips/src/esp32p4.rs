//! ESP32-P4 (dual-core RISC-V application processor, no radio; bootloader at 0x2000).

use crate::family::{self, field, mac_at, mac_registers};
use crate::image::{AddrRange, ImageFacts, ImageFormat, MemoryRegion as M};
use crate::{Chip, ChipKind, Description, Identity, IdentityError, Registers};

pub const EFUSE_BASE: u32 = 0x5012_D000;
pub const BLOCK1: u32 = EFUSE_BASE + 0x44;
const fn b1(word: u32) -> u32 {
    BLOCK1 + 4 * word
}

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
    bootloader_offset: 0x2000,
    flash_sizes: family::FLASH_SIZES,
    flash_freqs: family::FLASH_FREQS_80_40_26_20,
    identity: Identity {
        registers: &[b1(0), b1(1), b1(2)],
        describe,
        mac,
        chip_id: None,
        registers_for_mac,
    },
    // The typical part below is revision v1.0, which takes the "rev1" stub
    // (revision v3.0 and later take esp32p4.json).
    stub_file: "esp32p4-rev1.json",
    stub_flash_write_size: 0x4000,
    rom_crystal_hz: None,
    efuse_spi_pads: None,
    flash_voltage: None,
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
pub fn revision(r: &Registers) -> (u32, u32) {
    let major = field(r, b1(2), 23, 1) << 2 | field(r, b1(2), 4, 2);
    (major, field(r, b1(2), 0, 4))
}

fn describe(r: &Registers) -> Description {
    let (major, minor) = revision(r);
    let name = match field(r, b1(2), 20, 3) {
        0 => "ESP32-P4",
        _ => "Unknown ESP32-P4",
    };
    Description {
        name: format!("{name} (revision v{major}.{minor})"),
        features: ["Dual Core + LP Core", "400MHz"].map(String::from).into(),
    }
}

fn mac(r: &Registers) -> Result<[u8; 6], IdentityError> {
    Ok(mac_at(r, BLOCK1))
}

/// Register values of an ESP32-P4 revision v1.0.
fn registers_for_mac(m: [u8; 6]) -> Vec<(u32, u32)> {
    let mut regs = mac_registers(BLOCK1, m).to_vec();
    regs.push((b1(2), 1 << 4));
    regs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typical_part_round_trips() {
        let m = [0x30, 0xED, 0xA0, 0x01, 0x02, 0x03];
        let r: Registers = registers_for_mac(m).into_iter().collect();
        assert_eq!(mac(&r).unwrap(), m);
        assert_eq!(describe(&r).name, "ESP32-P4 (revision v1.0)");
        let v3: Registers = [(b1(2), 1 << 23 | 1 << 4)].into_iter().collect();
        assert_eq!(revision(&v3), (5, 0));
    }
}
