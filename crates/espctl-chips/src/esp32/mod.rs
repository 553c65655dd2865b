//! ESP32 (the original dual-core part).

use crate::efuse::Bits;
use crate::family;
use crate::flash_voltage::VoltageBits;
use crate::image::{AddrRange, ImageFacts, ImageFormat, MemoryRegion as M};
use crate::security::{BitWrite, RevisionFuses, SecurityEfuses};
use crate::{
    Chip, ChipKind, Description, FlashVoltage, Identity, IdentityError, RegisterValue, Registers,
    RomFacts, SpiRegisters, StubUartClock,
};

/// Base of the eFuse read words.
const EFUSE_RD_BASE: u32 = 0x3FF5_A000;
/// APB_CTL_DATE: bit 31 is the third bit of the major revision.
const APB_CTL_DATE: u32 = 0x3FF6_607C;
/// RTC calibration value the ROM measured; with eFuse word 4 it gives the crystal.
const RTC_CALI_CFG1: u32 = 0x3FF5_F06C;
/// GPIO_STRAP: the strapping pins latched at reset (bit 5: MTDI, the flash voltage).
pub const GPIO_STRAP: u32 = 0x3FF4_4038;
/// RTC_CNTL_SDIO_CONF: the software override of the flash voltage regulator.
pub const RTC_CNTL_SDIO_CONF: u32 = 0x3FF4_8074;

/// Address of eFuse read word `n`.
const fn efuse(n: u32) -> u32 {
    EFUSE_RD_BASE + 4 * n
}

/// The ESP32 as espctl knows it: ROM abilities, registers, eFuse identity, image format.
pub static ESP32: Chip = Chip {
    kind: ChipKind::Esp32,
    name: "ESP32",
    arg_name: "esp32",
    magic_values: &[0x00F0_1D83],
    image_chip_id: Some(0),
    rom: RomFacts {
        // ESP32 ROM answers with 4 status bytes: status, error, 0, 0.
        status_len: 4,
        flash_begin_encrypted_word: false,
        erase_size_bug: false,
        spi_attach: true,
        spi_set_params: true,
        compressed_flash: true,
        flash_md5: true,
        change_baudrate: true,
        read_flash_slow: true,
        security_info: false,
        security_info_chip_id: false,
        baud_crystal_mhz: None,
        flash_write_size: 0x400,
        ram_block_size: 0x1800,
        // Until SPI_SET_PARAMS the ESP32 ROM assumes a 2MB flash.
        default_flash_size: 2 << 20,
    },
    spi: SpiRegisters {
        base: 0x3FF4_2000,
        usr_offset: 0x1C,
        usr1_offset: 0x20,
        usr2_offset: 0x24,
        mosi_dlen_offset: Some(0x28),
        miso_dlen_offset: Some(0x2C),
        w0_offset: 0x80,
        addr_msb_aligned: true,
    },
    uart_clkdiv_reg: 0x3FF4_0014,
    xtal_clk_divider: 1,
    uart_date_reg: 0x6000_0078,
    uart_date_value: Some(0x1512_2500),
    bootloader_offset: 0x1000,
    flash_sizes: family::FLASH_SIZES,
    flash_freqs: family::FLASH_FREQS_80_40_26_20,
    identity: Identity {
        registers: &[
            efuse(0),
            efuse(1),
            efuse(2),
            efuse(3),
            efuse(4),
            efuse(5),
            efuse(6),
            APB_CTL_DATE,
        ],
        describe,
        mac,
        mac_ext: None,
        chip_id: None,
        registers_for_mac,
    },
    stub_file: "esp32.json",
    stub_flash_write_size: 0x4000,
    stub_uart: Some(StubUartClock::Pll {
        clock_hz: 80_000_000,
    }),
    stub_soft_reset: false,
    stub_flash_32bit_addr: false,
    fixed_crystal_mhz: None,
    rom_crystal_hz: Some(RegisterValue {
        registers: &[RTC_CALI_CFG1, efuse(4)],
        decode: rom_calculated_crystal_hz,
    }),
    efuse_spi_pads: Some(RegisterValue {
        registers: &[efuse(3), efuse(5)],
        decode: spi_pads,
    }),
    flash_voltage: Some(RegisterValue {
        registers: &[RTC_CNTL_SDIO_CONF, efuse(4), GPIO_STRAP],
        decode: flash_voltage,
    }),
    security_fields: None,
    image: ImageFacts {
        format: ImageFormat::Esp32,
        memory_map: &[
            M::new(0x0000_0000, 0x0001_0000, "PADDING"),
            M::new(0x3F40_0000, 0x3F80_0000, "DROM"),
            M::new(0x3F80_0000, 0x3FC0_0000, "EXTRAM_DATA"),
            M::new(0x3FF8_0000, 0x3FF8_2000, "RTC_DRAM"),
            M::new(0x3FF9_0000, 0x4000_0000, "BYTE_ACCESSIBLE"),
            M::new(0x3FFA_E000, 0x4000_0000, "DRAM"),
            M::new(0x3FFE_0000, 0x3FFF_FFFC, "DIRAM_DRAM"),
            M::new(0x4000_0000, 0x4007_0000, "IROM"),
            M::new(0x4007_0000, 0x4007_8000, "CACHE_PRO"),
            M::new(0x4007_8000, 0x4008_0000, "CACHE_APP"),
            M::new(0x4008_0000, 0x400A_0000, "IRAM"),
            M::new(0x400A_0000, 0x400B_FFFC, "DIRAM_IRAM"),
            M::new(0x400C_0000, 0x400C_2000, "RTC_IRAM"),
            M::new(0x400D_0000, 0x4040_0000, "IROM"),
            M::new(0x5000_0000, 0x5000_2000, "RTC_DATA"),
        ],
        irom: AddrRange::new(0x400D_0000, 0x4040_0000),
        drom: Some(AddrRange::new(0x3F40_0000, 0x3F80_0000)),
        mmu_page_size: 0x1_0000,
        mmu_page_sizes: &[],
        uf2_family_id: 0x1C5F_21B0,
        secure_boot_v1: true,
        pad_flash_segment_tail: true,
    },
};

/// The security eFuses esptool's safety checks read (espefuse's ESP32 field table).
pub static SECURITY_EFUSES: SecurityEfuses = SecurityEfuses {
    rd_dis: bits(0, 16, 4),
    flash_crypt_cnt: bits(0, 20, 7),
    flash_crypt_config: bits(5, 28, 4),
    abs_done_0: bits(6, 4, 1),
    abs_done_1: bits(6, 5, 1),
    disable_dl_encrypt: bits(6, 7, 1),
    disable_dl_decrypt: bits(6, 8, 1),
    disable_dl_cache: bits(6, 9, 1),
    revision: RevisionFuses {
        registers: &[efuse(3), efuse(5), APB_CTL_DATE],
        read: revision,
        encode: revision_bits,
    },
};

/// `width` bits of eFuse read word `word`, from bit `shift` up.
const fn bits(word: u32, shift: u32, width: u32) -> Bits {
    Bits {
        reg: efuse(word),
        shift,
        width,
    }
}

/// major * 100 + minor.
fn revision(r: &Registers) -> u32 {
    major_revision(r) * 100 + minor_revision(r)
}

/// The revision bits of a chip of `revision` (major 0-3, minor 0-3): CHIP_VER_REV1,
/// CHIP_VER_REV2 and APB_CTL_DATE bit 31 set one after the other for majors 1, 2, 3;
/// WAFER_VERSION_MINOR in word 5.
fn revision_bits(revision: u32) -> Option<Vec<BitWrite>> {
    let (major, minor) = (revision / 100, revision % 100);
    if major > 3 || minor > 3 {
        return None;
    }
    let set = |on: bool, bit: u32| if on { 1 << bit } else { 0 };
    Some(vec![
        (efuse(3), set(major >= 1, 15), 1 << 15),
        (
            efuse(5),
            set(major >= 2, 20) | minor << 24,
            1 << 20 | 3 << 24,
        ),
        (APB_CTL_DATE, set(major >= 3, 31), 1 << 31),
    ])
}

/// Flash pins from eFuse words 5 (CLK, Q, D, CS) and 3 (HD), 5 bits each.
fn spi_pads(r: &Registers) -> [u8; 5] {
    let w5 = r.get(efuse(5));
    let pin = |word: u32, shift: u32| ((word >> shift) & 0x1F) as u8;
    [
        pin(w5, 0),
        pin(w5, 5),
        pin(w5, 10),
        pin(r.get(efuse(3)), 4),
        pin(w5, 15),
    ]
}

/// The flash voltage: the RTC_CNTL override, the XPD_SDIO eFuses, the MTDI strapping pin.
const VOLTAGE: VoltageBits = VoltageBits {
    rtc_sdio_conf: Some(RTC_CNTL_SDIO_CONF),
    efuse_word: efuse(4),
    efuse_xpd: 1 << 14,
    efuse_tieh: 1 << 15,
    efuse_force: 1 << 16,
    strap: GPIO_STRAP,
    strap_vddspi: 1 << 5,
};

fn flash_voltage(r: &Registers) -> FlashVoltage {
    VOLTAGE.decode(r)
}

/// Package version from eFuse word 3.
fn package(r: &Registers) -> u32 {
    let w3 = r.get(efuse(3));
    ((w3 >> 9) & 7) | (((w3 >> 2) & 1) << 3)
}

/// Major revision: three bits spread over eFuse words 3 and 5 and APB_CTL_DATE.
fn major_revision(r: &Registers) -> u32 {
    let bit0 = (r.get(efuse(3)) >> 15) & 1;
    let bit1 = (r.get(efuse(5)) >> 20) & 1;
    let bit2 = (r.get(APB_CTL_DATE) >> 31) & 1;
    match bit2 << 2 | bit1 << 1 | bit0 {
        1 => 1,
        3 => 2,
        7 => 3,
        _ => 0,
    }
}

fn minor_revision(r: &Registers) -> u32 {
    (r.get(efuse(5)) >> 24) & 3
}

fn describe(r: &Registers) -> Description {
    let w3 = r.get(efuse(3));
    let single_core = w3 & 1 != 0;
    let major = major_revision(r);
    let rev3 = major == 3;
    let pkg = package(r);
    let name = match pkg {
        0 if single_core => "ESP32-S0WDQ6",
        0 if rev3 => "ESP32-D0WDQ6-V3",
        0 => "ESP32-D0WDQ6",
        1 if single_core => "ESP32-S0WD",
        1 if rev3 => "ESP32-D0WD-V3",
        1 => "ESP32-D0WD",
        2 => "ESP32-D2WD",
        4 => "ESP32-U4WDH",
        5 if rev3 => "ESP32-PICO-V3",
        5 => "ESP32-PICO-D4",
        6 => "ESP32-PICO-V3-02",
        7 => "ESP32-D0WDR2-V3",
        _ => "Unknown ESP32",
    };

    let mut features = vec!["Wi-Fi".to_string()];
    if w3 & (1 << 1) == 0 {
        features.push("BT".into());
    }
    features.push(if single_core {
        "Single Core + LP Core".into()
    } else {
        "Dual Core + LP Core".into()
    });
    if w3 & (1 << 13) != 0 {
        features.push(
            if w3 & (1 << 12) != 0 {
                "160MHz"
            } else {
                "240MHz"
            }
            .into(),
        );
    }
    if [2, 4, 5, 6].contains(&pkg) {
        features.push("Embedded Flash".into());
    }
    if pkg == 6 {
        features.push("Embedded PSRAM".into());
    }
    if (r.get(efuse(4)) >> 8) & 0x1F != 0 {
        features.push("Vref calibration in eFuse".into());
    }
    if (w3 >> 14) & 1 != 0 {
        features.push("BLK3 partially reserved".into());
    }
    let coding = match r.get(efuse(6)) & 3 {
        0 => "None",
        1 => "3/4",
        2 => "Repeat (UNSUPPORTED)",
        _ => "None (may contain encoding data)",
    };
    features.push(format!("Coding Scheme {coding}"));

    Description {
        name: format!("{name} (revision v{major}.{})", minor_revision(r)),
        features,
    }
}

fn mac(r: &Registers) -> Result<[u8; 6], IdentityError> {
    // Big-endian words 2 then 1; the top two bytes of word 2 are a CRC.
    let hi = r.get(efuse(2)).to_be_bytes();
    let lo = r.get(efuse(1)).to_be_bytes();
    Ok([hi[2], hi[3], lo[0], lo[1], lo[2], lo[3]])
}

/// The ROM-calculated crystal frequency in Hz (what esptool uses once the stub runs).
pub fn rom_calculated_crystal_hz(r: &Registers) -> f64 {
    let cali = (r.get(RTC_CALI_CFG1) >> 7) & 0x01FF_FFFF;
    let ck8m = r.get(efuse(4)) & 0xFF;
    cali as f64 * 15625.0 * ck8m as f64 / 40.0
}

/// Register values of an ESP32-D0WD-V3 revision 3.0 with a 40 MHz crystal.
fn registers_for_mac(m: [u8; 6]) -> Vec<(u32, u32)> {
    vec![
        (efuse(0), 0),
        (efuse(1), u32::from_be_bytes([m[2], m[3], m[4], m[5]])),
        (efuse(2), u32::from_be_bytes([0, 0, m[0], m[1]])),
        // Package 1 (D0WD), revision bit 0.
        (efuse(3), 1 << 15 | 1 << 9),
        // ADC Vref trim, and CK8M frequency 100 for the ROM crystal calculation.
        (efuse(4), 0x11 << 8 | 100),
        // Revision bit 1.
        (efuse(5), 1 << 20),
        (efuse(6), 0),
        // Revision bit 2.
        (APB_CTL_DATE, 1 << 31),
        // The ROM measures the crystal against its drifting 8 MHz RC clock: 1055 * 15625
        // * 100 / 40 = 41.2 MHz for a 40 MHz crystal, 3% off. The ROM derives the rate of
        // CHANGE_BAUDRATE from this estimate, which is why esptool scales the value it
        // sends (targets/esp32.py `change_baud`); a client that does not misses the rate.
        (RTC_CALI_CFG1, 1055 << 7),
    ]
}

#[cfg(test)]
mod tests;
