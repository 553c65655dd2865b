//! ESP32-C3 (single-core RISC-V, USB-Serial/JTAG; also sold as ESP8685/ESP8686).

use crate::family::{self, field, mac_at, mac_registers, vendor};
use crate::image::{AddrRange, ImageFacts, ImageFormat, MemoryRegion as M};
use crate::{Chip, ChipKind, Description, Identity, IdentityError, Registers};

pub const EFUSE_BASE: u32 = 0x6000_8800;
pub const BLOCK1: u32 = EFUSE_BASE + 0x44;
const fn b1(word: u32) -> u32 {
    BLOCK1 + 4 * word
}

pub static ESP32C3: Chip = Chip {
    kind: ChipKind::Esp32c3,
    name: "ESP32-C3",
    arg_name: "esp32c3",
    // esptool 5 identifies the C3 by its security-info chip id; these are v4's magics.
    magic_values: &[0x6921_506F, 0x1B31_506F, 0x4881_606F, 0x4361_606F],
    image_chip_id: Some(5),
    rom: family::ROM,
    spi: family::spi(0x6000_2000),
    uart_clkdiv_reg: 0x6000_0014,
    xtal_clk_divider: 1,
    uart_date_reg: 0x6000_007C,
    bootloader_offset: 0,
    flash_sizes: family::FLASH_SIZES,
    flash_freqs: family::FLASH_FREQS_80_40_26_20,
    identity: Identity {
        registers: &[b1(0), b1(1), b1(3), b1(4), b1(5)],
        describe,
        mac,
        chip_id: None,
        registers_for_mac,
    },
    stub_file: "esp32c3.json",
    stub_flash_write_size: 0x4000,
    rom_crystal_hz: None,
    efuse_spi_pads: None,
    flash_voltage: None,
    image: ImageFacts {
        format: ImageFormat::Esp32,
        memory_map: &[
            M::new(0x0000_0000, 0x0001_0000, "PADDING"),
            M::new(0x3C00_0000, 0x3C80_0000, "DROM"),
            M::new(0x3FC8_0000, 0x3FCE_0000, "DRAM"),
            M::new(0x3FC8_8000, 0x3FD0_0000, "BYTE_ACCESSIBLE"),
            M::new(0x3FF0_0000, 0x3FF2_0000, "DROM_MASK"),
            M::new(0x4000_0000, 0x4006_0000, "IROM_MASK"),
            M::new(0x4200_0000, 0x4280_0000, "IROM"),
            M::new(0x4037_C000, 0x403E_0000, "IRAM"),
            M::new(0x5000_0000, 0x5000_2000, "RTC_IRAM"),
            M::new(0x5000_0000, 0x5000_2000, "RTC_DRAM"),
            M::new(0x600F_E000, 0x6010_0000, "MEM_INTERNAL2"),
        ],
        irom: AddrRange::new(0x4200_0000, 0x4280_0000),
        drom: Some(AddrRange::new(0x3C00_0000, 0x3C80_0000)),
        mmu_page_size: 0x1_0000,
        mmu_page_sizes: &[],
        uf2_family_id: 0xD42B_A06C,
        secure_boot_v1: false,
        pad_flash_segment_tail: false,
    },
};

fn describe(r: &Registers) -> Description {
    let major = field(r, b1(5), 24, 2);
    let minor = field(r, b1(5), 23, 1) << 3 | field(r, b1(3), 18, 3);
    let name = match field(r, b1(3), 21, 3) {
        0 => "ESP32-C3 (QFN32)",
        1 => "ESP8685 (QFN28)",
        2 => "ESP32-C3 AZ (QFN32)",
        3 => "ESP8686 (QFN24)",
        _ => "Unknown ESP32-C3",
    };
    let mut features: Vec<String> = ["Wi-Fi", "BT 5 (LE)", "Single Core", "160MHz"]
        .map(String::from)
        .into();
    let flash_vendor = match field(r, b1(4), 0, 3) {
        1 => Some("XMC"),
        2 => Some("GD"),
        3 => Some("FM"),
        4 => Some("TT"),
        5 => Some("ZBIT"),
        _ => None,
    };
    let flash = match field(r, b1(3), 27, 3) {
        0 => None,
        1 => Some("Embedded Flash 4MB"),
        2 => Some("Embedded Flash 2MB"),
        3 => Some("Embedded Flash 1MB"),
        4 => Some("Embedded Flash 8MB"),
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

/// Register values of an ESP32-C3 (QFN32) revision v0.4 without embedded flash.
fn registers_for_mac(m: [u8; 6]) -> Vec<(u32, u32)> {
    let mut regs = mac_registers(BLOCK1, m).to_vec();
    regs.extend([(b1(3), 4 << 18), (b1(4), 0), (b1(5), 0)]);
    regs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typical_part_round_trips() {
        let m = [0x58, 0xCF, 0x79, 0x01, 0x02, 0x03];
        let r: Registers = registers_for_mac(m).into_iter().collect();
        assert_eq!(mac(&r).unwrap(), m);
        let d = describe(&r);
        assert_eq!(d.name, "ESP32-C3 (QFN32) (revision v0.4)");
        assert_eq!(d.features, ["Wi-Fi", "BT 5 (LE)", "Single Core", "160MHz"]);
    }
}
