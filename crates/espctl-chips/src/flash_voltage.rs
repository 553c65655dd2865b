//! Where a chip's flash supply voltage is set and what it is, in the order esptool's
//! ESP32 class reads it (its S2 and S3 classes inherit the method, without the RTC_CNTL
//! step): an RTC_CNTL software override, then the eFuse setting, then the strapping pin.

use crate::Registers;
use crate::identity::FlashVoltage;

/// The registers and bits the flash voltage is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoltageBits {
    /// RTC_CNTL_SDIO_CONF (the ESP32 only): bit 22 forces the regulator, bits 29-30
    /// raise it to 1.9 V, bit 31 powers it.
    pub rtc_sdio_conf: Option<u32>,
    /// The eFuse word with the VDD_SPI fields.
    pub efuse_word: u32,
    /// VDD_SPI_XPD: the regulator is powered.
    pub efuse_xpd: u32,
    /// VDD_SPI_TIEH: 3.3 V rather than 1.8 V.
    pub efuse_tieh: u32,
    /// VDD_SPI_FORCE: the eFuses decide rather than the strapping pin.
    pub efuse_force: u32,
    /// GPIO_STRAP.
    pub strap: u32,
    /// The strapping pin's bit in GPIO_STRAP: set means 1.8 V.
    pub strap_vddspi: u32,
}

impl VoltageBits {
    /// The S2 and S3 (esptool's ESP32 method without the RTC_CNTL step):
    /// VDD_SPI_FORCE/XPD/TIEH at bits 6/4/5 of eFuse word 0x34, else GPIO_STRAP bit 4.
    pub const fn vdd_spi_word_0x34(efuse_base: u32, strap: u32) -> VoltageBits {
        VoltageBits {
            rtc_sdio_conf: None,
            efuse_word: efuse_base + 0x34,
            efuse_xpd: 1 << 4,
            efuse_tieh: 1 << 5,
            efuse_force: 1 << 6,
            strap,
            strap_vddspi: 1 << 4,
        }
    }

    /// The voltage and its source from the registers read.
    pub fn decode(&self, r: &Registers) -> FlashVoltage {
        const RTC_FORCE: u32 = 1 << 22;
        const RTC_DREFH: u32 = 3 << 29;
        const RTC_XPD: u32 = 1 << 31;
        let rtc = self.rtc_sdio_conf.map_or(0, |reg| r.get(reg));
        if rtc & RTC_FORCE != 0 {
            let voltage = if rtc & RTC_DREFH != 0 {
                "1.9V"
            } else if rtc & RTC_XPD != 0 {
                "1.8V"
            } else {
                "OFF"
            };
            return FlashVoltage {
                source: "RTC_CNTL",
                voltage,
            };
        }
        let fuse = r.get(self.efuse_word);
        if fuse & self.efuse_force != 0 {
            let voltage = if fuse & self.efuse_xpd == 0 {
                "OFF"
            } else if fuse & self.efuse_tieh == 0 {
                "1.8V"
            } else {
                "3.3V"
            };
            return FlashVoltage {
                source: "eFuse",
                voltage,
            };
        }
        FlashVoltage {
            source: "a strapping pin",
            voltage: if r.get(self.strap) & self.strap_vddspi != 0 {
                "1.8V"
            } else {
                "3.3V"
            },
        }
    }
}
