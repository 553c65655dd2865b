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
    /// Chips with an IEEE 802.15.4 radio: the two bytes (esptool's `MAC_EXT`) that
    /// extend the base MAC into an EUI-64 (see [`eui64`]).
    pub mac_ext: Option<fn(&Registers) -> [u8; 2]>,
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

/// The EUI-64 of a chip with a MAC extension: the base MAC's OUI, the extension, then
/// the base MAC's last three bytes (`60:55:f9:ff:fe:f7:2c:a2`), as esptool prints it.
pub fn eui64(base: [u8; 6], ext: [u8; 2]) -> [u8; 8] {
    [
        base[0], base[1], base[2], ext[0], ext[1], base[3], base[4], base[5],
    ]
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
    fn eui64_puts_the_extension_after_the_oui() {
        let base = [0x24, 0x0A, 0xC4, 0x65, 0x43, 0x21];
        assert_eq!(
            format_mac(&eui64(base, [0xFF, 0xFE])),
            "24:0a:c4:ff:fe:65:43:21"
        );
    }

    #[test]
    fn mac_formats_in_lower_case() {
        assert_eq!(
            format_mac(&[0x18, 0xFE, 0x34, 0xAB, 0x00, 0x01]),
            "18:fe:34:ab:00:01"
        );
    }
}
