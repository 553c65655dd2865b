//! ESP32-C61 (RISC-V, Wi-Fi 6, optional PSRAM).

use crate::family::{self, field, mac_at, mac_registers};
use crate::image::{AddrRange, ImageFacts, ImageFormat, MemoryRegion as M};
use crate::{Chip, ChipKind, Description, Identity, IdentityError, Registers};

pub const EFUSE_BASE: u32 = 0x600B_4800;
pub const BLOCK1: u32 = EFUSE_BASE + 0x44;
const fn b1(word: u32) -> u32 {
    BLOCK1 + 4 * word
}

pub static ESP32C61: Chip = Chip {
    kind: ChipKind::Esp32c61,
    name: "ESP32-C61",
    arg_name: "esp32c61",
    // esptool 5 identifies the C61 by its security-info chip id; these are v4's magics.
    magic_values: &[0x33F0_206F, 0x2421_606F],
    image_chip_id: Some(20),
    rom: family::ROM,
    spi: family::spi(0x6000_3000),
    uart_clkdiv_reg: 0x6000_0014,
    xtal_clk_divider: 1,
    uart_date_reg: 0x6000_007C,
    bootloader_offset: 0,
    flash_sizes: family::FLASH_SIZES,
    flash_freqs: family::FLASH_FREQS_80_40_20,
    identity: Identity {
        registers: &[b1(0), b1(1), b1(2)],
        describe,
        mac,
        chip_id: None,
        registers_for_mac,
    },
    stub_file: "esp32c61.json",
    stub_flash_write_size: 0x4000,
    rom_crystal_hz: None,
    efuse_spi_pads: None,
    flash_voltage: None,
    image: ImageFacts {
        format: ImageFormat::Esp32,
        memory_map: &[
            M::new(0x0000_0000, 0x0001_0000, "PADDING"),
            M::new(0x4200_0000, 0x4400_0000, "DROM"),
            M::new(0x4080_0000, 0x4086_0000, "DRAM"),
            M::new(0x4080_0000, 0x4086_0000, "BYTE_ACCESSIBLE"),
            M::new(0x4004_AC00, 0x4005_0000, "DROM_MASK"),
            M::new(0x4000_0000, 0x4004_AC00, "IROM_MASK"),
            M::new(0x4200_0000, 0x4400_0000, "IROM"),
            M::new(0x4080_0000, 0x4086_0000, "IRAM"),
            M::new(0x5000_0000, 0x5000_4000, "RTC_IRAM"),
            M::new(0x5000_0000, 0x5000_4000, "RTC_DRAM"),
            M::new(0x600F_E000, 0x6010_0000, "MEM_INTERNAL2"),
        ],
        irom: AddrRange::new(0x4200_0000, 0x4280_0000),
        drom: Some(AddrRange::new(0x4280_0000, 0x4300_0000)),
        mmu_page_size: 0x1_0000,
        mmu_page_sizes: &[0x2000, 0x4000, 0x8000, 0x1_0000],
        uf2_family_id: 0x77D8_50C4,
        secure_boot_v1: false,
        pad_flash_segment_tail: false,
    },
};

fn describe(r: &Registers) -> Description {
    let w2 = b1(2);
    let minor = field(r, w2, 0, 4);
    let major = field(r, w2, 4, 2);
    let flash_cap = field(r, w2, 13, 3);
    let psram_cap = field(r, w2, 19, 3);
    let mut name = String::from("ESP32-C61");
    name += match field(r, w2, 24, 2) {
        0 => "N",
        1 => "H",
        _ => "?",
    };
    name += match flash_cap {
        0 => "",
        1 => "F4",
        2 => "F8",
        _ => "F?",
    };
    name += match psram_cap {
        0 => "",
        1 => "R2",
        2 => "R8",
        _ => "R?",
    };
    name += match field(r, w2, 26, 3) {
        0..=2 => "",
        3 => "LA",
        _ => "?",
    };
    if name.contains('?') {
        name = format!("Unknown {name}");
    }
    let mut features: Vec<String> = ["Wi-Fi 6", "BT 5 (LE)", "Single Core", "160MHz"]
        .map(String::from)
        .into();
    features.push(
        match flash_cap {
            0 => "No Embedded Flash",
            1 => "Embedded Flash 4MB",
            2 => "Embedded Flash 8MB",
            _ => "Unknown Embedded Flash",
        }
        .into(),
    );
    features.push(
        match psram_cap {
            0 => "No Embedded PSRAM",
            1 => "Embedded PSRAM 2MB",
            2 => "Embedded PSRAM 8MB",
            _ => "Unknown Embedded PSRAM",
        }
        .into(),
    );
    Description {
        name: format!("{name} (revision v{major}.{minor})"),
        features,
    }
}

fn mac(r: &Registers) -> Result<[u8; 6], IdentityError> {
    Ok(mac_at(r, BLOCK1))
}

/// Register values of an ESP32-C61N revision v1.0 without embedded memory.
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
        let m = [0x7C, 0x2C, 0x67, 0x01, 0x02, 0x03];
        let r: Registers = registers_for_mac(m).into_iter().collect();
        assert_eq!(mac(&r).unwrap(), m);
        assert_eq!(describe(&r).name, "ESP32-C61N (revision v1.0)");
    }
}
