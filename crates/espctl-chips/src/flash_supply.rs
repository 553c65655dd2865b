//! The ESP32's flash supply (VDD_SDIO): esptool's `--override-vddsdio` forces its
//! internal regulator through RTC_CNTL_SDIO_CONF, overriding the eFuses and the
//! strapping pin, until the next reset.

use crate::{Chip, ChipKind};

/// What `--override-vddsdio` can set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VddSdio {
    /// The regulator at 1.8 V.
    V1_8,
    /// The regulator boosted to 1.9 V.
    V1_9,
    /// The regulator off.
    Off,
}

impl VddSdio {
    /// The spellings esptool accepts, in its order.
    pub const CHOICES: [&'static str; 3] = ["1.8V", "1.9V", "OFF"];

    /// Reads one of [`VddSdio::CHOICES`] (case as esptool: exact).
    pub fn parse(s: &str) -> Option<VddSdio> {
        match s {
            "1.8V" => Some(VddSdio::V1_8),
            "1.9V" => Some(VddSdio::V1_9),
            "OFF" => Some(VddSdio::Off),
            _ => None,
        }
    }

    /// As esptool prints it.
    pub fn name(self) -> &'static str {
        match self {
            VddSdio::V1_8 => "1.8V",
            VddSdio::V1_9 => "1.9V",
            VddSdio::Off => "OFF",
        }
    }
}

/// RTC_CNTL_SDIO_CONF on the ESP32.
pub use crate::esp32::RTC_CNTL_SDIO_CONF as ESP32_RTC_CNTL_SDIO_CONF;
const XPD_SDIO_REG: u32 = 1 << 31;
const DREFH_SDIO: u32 = 3 << 29;
const DREFM_SDIO: u32 = 3 << 27;
const DREFL_SDIO: u32 = 3 << 25;
const SDIO_FORCE: u32 = 1 << 22;
const SDIO_PD_EN: u32 = 1 << 21;

/// The register write that sets `voltage` on `chip` (address, value), or `None` where
/// the chip has no such override (every chip but the ESP32). TIEH (3.3 V) is never set,
/// as in esptool: forcing 3.3 V onto a 1.8 V flash would damage it.
pub fn override_write(chip: &Chip, voltage: VddSdio) -> Option<(u32, u32)> {
    if chip.kind != ChipKind::Esp32 {
        return None;
    }
    let mut value = SDIO_FORCE | SDIO_PD_EN;
    if voltage != VddSdio::Off {
        value |= XPD_SDIO_REG;
    }
    if voltage == VddSdio::V1_9 {
        value |= DREFH_SDIO | DREFM_SDIO | DREFL_SDIO;
    }
    Some((ESP32_RTC_CNTL_SDIO_CONF, value))
}

/// Whether an RTC_CNTL_SDIO_CONF value forces the regulator off (the flash unpowered).
pub fn forced_off(value: u32) -> bool {
    value & SDIO_FORCE != 0 && value & XPD_SDIO_REG == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{esp32::ESP32, esp8266::ESP8266};

    #[test]
    fn the_override_is_one_register_write_on_the_esp32_only() {
        let (reg, v18) = override_write(&ESP32, VddSdio::V1_8).unwrap();
        assert_eq!(reg, ESP32_RTC_CNTL_SDIO_CONF);
        assert_eq!(v18, 0x8060_0000);
        let (_, v19) = override_write(&ESP32, VddSdio::V1_9).unwrap();
        assert_eq!(v19, 0xFE60_0000);
        let (_, off) = override_write(&ESP32, VddSdio::Off).unwrap();
        assert!(forced_off(off) && !forced_off(v18) && !forced_off(0));
        assert_eq!(override_write(&ESP8266, VddSdio::V1_8), None);
        assert_eq!(VddSdio::parse("1.9V").map(VddSdio::name), Some("1.9V"));
        assert_eq!(VddSdio::parse("1.9v"), None);
    }
}
