//! ESP32-C5 (RISC-V, dual-band Wi-Fi 6; 40 or 48 MHz crystal; bootloader at 0x2000).

use crate::family::{self, field, mac_at, mac_registers, vendor};
use crate::image::{AddrRange, ImageFacts, ImageFormat, MemoryRegion as M};
use crate::{Chip, ChipKind, Description, Identity, IdentityError, Registers};

pub const EFUSE_BASE: u32 = 0x600B_4800;
pub const BLOCK1: u32 = EFUSE_BASE + 0x44;
const fn b1(word: u32) -> u32 {
    BLOCK1 + 4 * word
}

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
    bootloader_offset: 0x2000,
    flash_sizes: family::FLASH_SIZES,
    flash_freqs: family::FLASH_FREQS_80_40_20,
    identity: Identity {
        registers: &[b1(0), b1(1), b1(2)],
        describe,
        mac,
        chip_id: None,
        registers_for_mac,
    },
    stub_file: "esp32c5.json",
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

fn describe(r: &Registers) -> Description {
    let w2 = b1(2);
    let minor = field(r, w2, 0, 4);
    let major = field(r, w2, 4, 2);
    let flash_cap = field(r, w2, 13, 3);
    let psram_cap = field(r, w2, 19, 3);
    let mut name = String::from("ESP32-C5");
    name += match field(r, w2, 24, 2) {
        0 => "N",
        1 => "H",
        _ => "?",
    };
    name += match flash_cap {
        0 => "",
        1 => "F4",
        _ => "F?",
    };
    name += match psram_cap {
        0 => "",
        1 => "R4",
        2 => "R8",
        _ => "R?",
    };
    if name.contains('?') {
        name = format!("Unknown {name}");
    }
    let mut features: Vec<String> = [
        "Wi-Fi 6 (dual-band)",
        "BT 5 (LE)",
        "IEEE802.15.4",
        "Single Core + LP Core",
        "240MHz",
    ]
    .map(String::from)
    .into();
    features.push(match flash_cap {
        0 => "No Embedded Flash".into(),
        1 => {
            let v = (field(r, w2, 16, 3) == 1).then_some("XMC");
            format!("Embedded Flash 4MB{}", vendor(v))
        }
        _ => "Unknown Embedded Flash".into(),
    });
    let psram_vendor = (field(r, w2, 22, 2) == 1).then_some("AP_3v3");
    features.push(match psram_cap {
        0 => "No Embedded PSRAM".into(),
        1 => format!("Embedded PSRAM 4MB{}", vendor(psram_vendor)),
        2 => format!("Embedded PSRAM 8MB{}", vendor(psram_vendor)),
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

/// Register values of an ESP32-C5N revision v1.0 without embedded memory.
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
        let m = [0x3C, 0xDC, 0x75, 0x01, 0x02, 0x03];
        let r: Registers = registers_for_mac(m).into_iter().collect();
        assert_eq!(mac(&r).unwrap(), m);
        assert_eq!(describe(&r).name, "ESP32-C5N (revision v1.0)");
        assert_eq!(describe(&r).features[5], "No Embedded Flash");
    }
}
