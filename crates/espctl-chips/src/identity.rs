//! How a chip tells who it is: the registers a client reads and the functions that turn
//! them into esptool's name, features and MAC (each chip file fills these in).

use crate::Registers;

/// Values read from the chip that describe it, decoded from [`Registers`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description {
    /// `ESP8266EX`, `ESP32-D0WD-V3 (revision v3.0)`.
    pub name: String,
    /// esptool's feature list: `WiFi`, `BT`, `Dual Core + LP Core`, `Embedded Flash 4MB`.
    pub features: Vec<String>,
}

/// Why a MAC cannot be read from the registers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    /// ESP8266: the OTP words select none of the OUIs esptool knows.
    #[error("Unknown OUI")]
    UnknownOui,
    /// The ROM runs Secure Download Mode: the eFuses cannot be read.
    #[error("The eFuses cannot be read in Secure Download Mode")]
    SecureDownloadMode,
}

/// How a chip's identity (name, features, MAC) is stored in its registers.
#[derive(Debug, Clone, Copy)]
pub struct Identity {
    /// Registers a client reads to decode the identity.
    pub registers: &'static [u32],
    /// Name and features from the registers read.
    pub describe: fn(&Registers) -> Description,
    /// The base MAC from the registers read.
    pub mac: fn(&Registers) -> Result<[u8; 6], IdentityError>,
    /// Only the ESP8266 has a chip ID distinct from its MAC.
    pub chip_id: Option<fn(&Registers) -> u32>,
    /// Register values of a typical part with this MAC (used by the virtual device).
    pub registers_for_mac: fn([u8; 6]) -> Vec<(u32, u32)>,
}

/// A value decoded from a few registers (eFuses, calibration results).
#[derive(Debug, Clone, Copy)]
pub struct RegisterValue<T: 'static> {
    /// Registers a client reads to decode the value.
    pub registers: &'static [u32],
    /// The value from the registers read.
    pub decode: fn(&Registers) -> T,
}

/// Where the flash supply voltage comes from and what it is, as esptool reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlashVoltage {
    /// `RTC_CNTL`, `eFuse` or `a strapping pin`.
    pub source: &'static str,
    /// `3.3V`, `1.8V`, `1.9V` or `OFF`.
    pub voltage: &'static str,
}

/// Formats a MAC the way esptool prints it: `18:fe:34:12:34:56`.
pub fn format_mac(mac: &[u8]) -> String {
    mac.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_formats_in_lower_case() {
        assert_eq!(
            format_mac(&[0x18, 0xFE, 0x34, 0xAB, 0x00, 0x01]),
            "18:fe:34:ab:00:01"
        );
    }
}
