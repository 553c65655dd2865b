//! ESP8266 (and ESP8285, its embedded-flash variant).

use crate::image::{AddrRange, ImageFacts, ImageFormat, MemoryRegion as M};
use crate::{
    Chip, ChipKind, Description, FlashFreq, FlashSize, Identity, IdentityError, Registers,
    RomFacts, SpiRegisters, StubUartClock,
};

/// OTP words that hold the MAC and the ESP8285 marks.
const OTP_MAC0: u32 = 0x3FF0_0050;
const OTP_MAC1: u32 = 0x3FF0_0054;
const OTP_MAC2: u32 = 0x3FF0_0058;
const OTP_MAC3: u32 = 0x3FF0_005C;

/// OUIs selected by bits 16..24 of MAC1 when MAC3 is zero.
const OUI_0: [u8; 3] = [0x18, 0xFE, 0x34];
const OUI_1: [u8; 3] = [0xAC, 0xD0, 0x74];

/// The ESP8266 as espctl knows it: ROM abilities, registers, eFuse identity, image format.
pub static ESP8266: Chip = Chip {
    kind: ChipKind::Esp8266,
    name: "ESP8266",
    arg_name: "esp8266",
    magic_values: &[0xFFF0_C101],
    image_chip_id: None,
    rom: RomFacts {
        // ESP8266 ROM answers with 2 status bytes (every later ROM uses 4).
        status_len: 2,
        flash_begin_encrypted_word: false,
        erase_size_bug: true,
        // No SPI_ATTACH: esptool sends FLASH_BEGIN(0, 0) instead, which attaches the flash.
        spi_attach: false,
        spi_set_params: false,
        compressed_flash: false,
        flash_md5: false,
        change_baudrate: false,
        read_flash_slow: false,
        security_info: false,
        security_info_chip_id: false,
        baud_crystal_mhz: None,
        flash_write_size: 0x400,
        ram_block_size: 0x1800,
        default_flash_size: 4 << 20,
    },
    spi: SpiRegisters {
        base: 0x6000_0200,
        usr_offset: 0x1C,
        usr1_offset: 0x20,
        usr2_offset: 0x24,
        mosi_dlen_offset: None,
        miso_dlen_offset: None,
        w0_offset: 0x40,
        addr_msb_aligned: true,
    },
    uart_clkdiv_reg: 0x6000_0014,
    // The ESP8266 UART runs from a bus clock of twice the crystal.
    xtal_clk_divider: 2,
    uart_date_reg: 0x6000_0078,
    uart_date_value: Some(0x0006_2000),
    bootloader_offset: 0,
    flash_sizes: &[
        (FlashSize::Kb512, 0x00),
        (FlashSize::Kb256, 0x10),
        (FlashSize::Mb1, 0x20),
        (FlashSize::Mb2, 0x30),
        (FlashSize::Mb4, 0x40),
        (FlashSize::Mb2C1, 0x50),
        (FlashSize::Mb4C1, 0x60),
        (FlashSize::Mb8, 0x80),
        (FlashSize::Mb16, 0x90),
    ],
    flash_freqs: &[
        (FlashFreq::F80m, 0xF),
        (FlashFreq::F40m, 0x0),
        (FlashFreq::F26m, 0x1),
        (FlashFreq::F20m, 0x2),
    ],
    identity: Identity {
        registers: &[OTP_MAC3, OTP_MAC2, OTP_MAC1, OTP_MAC0],
        describe,
        mac,
        mac_ext: None,
        chip_id: Some(chip_id),
        registers_for_mac,
    },
    stub_file: "esp8266.json",
    stub_flash_write_size: 0x4000,
    stub_uart: Some(StubUartClock::ScaleCurrentDivider),
    stub_soft_reset: true,
    stub_flash_32bit_addr: false,
    fixed_crystal_mhz: None,
    rom_crystal_hz: None,
    efuse_spi_pads: None,
    flash_voltage: None,
    security_fields: None,
    image: ImageFacts {
        format: ImageFormat::Esp8266,
        memory_map: &[
            M::new(0x3FF0_0000, 0x3FF0_0010, "DPORT"),
            M::new(0x3FFE_8000, 0x4000_0000, "DRAM"),
            M::new(0x4010_0000, 0x4010_8000, "IRAM"),
            M::new(0x4020_1010, 0x402E_1010, "IROM"),
        ],
        // The 1 MB window the cache maps flash into; v1 images keep it in its own file.
        irom: AddrRange::new(0x4020_0000, 0x4030_0000),
        drom: None,
        mmu_page_size: 0,
        mmu_page_sizes: &[],
        uf2_family_id: 0x7EAB_61ED,
        secure_boot_v1: false,
        pad_flash_segment_tail: false,
    },
};

fn efuse_bits(r: &Registers) -> u128 {
    (r.get(OTP_MAC3) as u128) << 96
        | (r.get(OTP_MAC2) as u128) << 64
        | (r.get(OTP_MAC1) as u128) << 32
        | r.get(OTP_MAC0) as u128
}

fn describe(r: &Registers) -> Description {
    let efuses = efuse_bits(r);
    let bit = |n: u32| efuses & (1u128 << n) != 0;
    let is_8285 = bit(4) || bit(80);
    let name = if is_8285 {
        // Embedded flash size from bits 4 and 121..123.
        let size = match (bit(4), bit(121), bit(122), bit(123)) {
            (true, false, false, false) => Some(1),
            (true, false, true, false) => Some(2),
            (false, true, false, false) => Some(2),
            (false, true, true, false) => Some(4),
            _ => None,
        };
        let hot = bit(5);
        match (size, hot) {
            (Some(1), false) => "ESP8285N08",
            (Some(1), true) => "ESP8285H08",
            (Some(2), false) => "ESP8285N16",
            (Some(2), true) => "ESP8285H16",
            _ => "ESP8285",
        }
    } else {
        "ESP8266EX"
    };
    let mut features = vec!["Wi-Fi".to_string(), "160MHz".to_string()];
    if is_8285 {
        features.push("Embedded Flash".to_string());
    }
    Description {
        name: name.to_string(),
        features,
    }
}

fn mac(r: &Registers) -> Result<[u8; 6], IdentityError> {
    let (mac0, mac1, mac3) = (r.get(OTP_MAC0), r.get(OTP_MAC1), r.get(OTP_MAC3));
    let oui = if mac3 != 0 {
        [(mac3 >> 16) as u8, (mac3 >> 8) as u8, mac3 as u8]
    } else {
        match (mac1 >> 16) & 0xFF {
            0 => OUI_0,
            1 => OUI_1,
            _ => return Err(IdentityError::UnknownOui),
        }
    };
    Ok([
        oui[0],
        oui[1],
        oui[2],
        (mac1 >> 8) as u8,
        mac1 as u8,
        (mac0 >> 24) as u8,
    ])
}

fn chip_id(r: &Registers) -> u32 {
    (r.get(OTP_MAC0) >> 24) | ((r.get(OTP_MAC1) & 0xFF_FFFF) << 8)
}

fn registers_for_mac(m: [u8; 6]) -> Vec<(u32, u32)> {
    let oui = [m[0], m[1], m[2]];
    let (selector, mac3) = if oui == OUI_0 {
        (0, 0)
    } else if oui == OUI_1 {
        (1, 0)
    } else {
        (0, (m[0] as u32) << 16 | (m[1] as u32) << 8 | m[2] as u32)
    };
    vec![
        (OTP_MAC0, (m[5] as u32) << 24),
        (OTP_MAC1, selector << 16 | (m[3] as u32) << 8 | m[4] as u32),
        (OTP_MAC2, 0),
        (OTP_MAC3, mac3),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regs(mac: [u8; 6]) -> Registers {
        (ESP8266.identity.registers_for_mac)(mac)
            .into_iter()
            .collect()
    }

    #[test]
    fn decodes_the_captured_example() {
        // Values from a captured esptool session: MAC 18:fe:34:34:56:12, ESP8266EX.
        let r: Registers = [(OTP_MAC0, 0x1200_0000), (OTP_MAC1, 0x0000_3456)]
            .into_iter()
            .collect();
        assert_eq!(mac(&r).unwrap(), [0x18, 0xFE, 0x34, 0x34, 0x56, 0x12]);
        assert_eq!(describe(&r).name, "ESP8266EX");
        assert_eq!(describe(&r).features, ["Wi-Fi", "160MHz"]);
        assert_eq!(chip_id(&r), 0x0034_5612);
    }

    #[test]
    fn mac_round_trips_through_registers() {
        for m in [
            [0x18, 0xFE, 0x34, 0xAB, 0xCD, 0xEF],
            [0xAC, 0xD0, 0x74, 0x01, 0x02, 0x03],
            [0x5C, 0xCF, 0x7F, 0x10, 0x20, 0x30],
        ] {
            assert_eq!(mac(&regs(m)).unwrap(), m);
            assert_eq!(describe(&regs(m)).name, "ESP8266EX");
        }
    }

    #[test]
    fn unknown_oui_selector_is_an_error() {
        let r: Registers = [(OTP_MAC1, 0x0002_0000)].into_iter().collect();
        assert_eq!(mac(&r), Err(IdentityError::UnknownOui));
    }

    #[test]
    fn recognises_esp8285() {
        let r: Registers = [(OTP_MAC0, 1 << 4)].into_iter().collect();
        assert_eq!(describe(&r).name, "ESP8285N08");
        assert!(
            describe(&r)
                .features
                .contains(&"Embedded Flash".to_string())
        );
    }
}
