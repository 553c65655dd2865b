//! The device's updater errors, as the ESP8266 core's `Updater::printError` writes them:
//! `ERROR[<code>]: <text>\n` on the TCP stream after a failed update, and after `ERR: ` in
//! the UDP answer when `Update.begin` refuses.

use std::fmt;

/// One updater error: the code of `Updater.h` and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdaterError {
    /// `UPDATE_ERROR_*` (0 when the device sent text without a code).
    pub code: u8,
    /// The text after the code.
    pub text: String,
}

impl UpdaterError {
    /// `UPDATE_ERROR_WRITE`.
    pub const WRITE: u8 = 1;
    /// `UPDATE_ERROR_ERASE`.
    pub const ERASE: u8 = 2;
    /// `UPDATE_ERROR_SPACE`: the image does not fit beside the running one.
    pub const SPACE: u8 = 4;
    /// `UPDATE_ERROR_SIZE`.
    pub const SIZE: u8 = 5;
    /// `UPDATE_ERROR_STREAM`: the device waited too long for data.
    pub const STREAM: u8 = 6;
    /// `UPDATE_ERROR_MD5`: what arrived does not match the invitation's MD5.
    pub const MD5: u8 = 7;
    /// `UPDATE_ERROR_FLASH_CONFIG`: the running image declares more flash than the chip has.
    pub const FLASH_CONFIG: u8 = 8;
    /// `UPDATE_ERROR_NEW_FLASH_CONFIG`: the new image declares more flash than the chip has.
    pub const NEW_FLASH_CONFIG: u8 = 9;
    /// `UPDATE_ERROR_MAGIC_BYTE`: the image starts with neither 0xE9 nor (core 2.7 on) gzip.
    pub const MAGIC_BYTE: u8 = 10;
    /// `UPDATE_ERROR_BOOTSTRAP`: the chip still runs from a serial download boot.
    pub const BOOTSTRAP: u8 = 11;

    /// The error with the ESP8266 core's text for `code`. `real` and `ide` are the chip's
    /// flash size and the size the running image declares (used by the flash-config texts).
    pub fn esp8266(code: u8, real: u32, ide: u32) -> Self {
        let text = match code {
            0 => "No Error".to_string(),
            Self::WRITE => "Flash Write Failed".into(),
            Self::ERASE => "Flash Erase Failed".into(),
            3 => "Flash Read Failed".into(),
            Self::SPACE => "Not Enough Space".into(),
            Self::SIZE => "Bad Size Given".into(),
            Self::STREAM => "Stream Read Timeout".into(),
            Self::MD5 => "MD5 Failed".into(),
            Self::FLASH_CONFIG => format!("Flash config wrong real: {real} IDE: {ide}"),
            Self::NEW_FLASH_CONFIG => format!("new Flash config wrong real: {real}"),
            Self::MAGIC_BYTE => "Magic byte is wrong, not 0xE9".into(),
            Self::BOOTSTRAP => "Invalid bootstrapping state, reset ESP8266 before updating".into(),
            12 => "Signature verification failed".into(),
            _ => "UNKNOWN".into(),
        };
        UpdaterError { code, text }
    }

    /// The line the device prints: `ERROR[code]: text\n`.
    pub fn encode(&self) -> String {
        format!("ERROR[{}]: {}\n", self.code, self.text)
    }

    /// Reads `ERROR[n]: text` (also after the UDP `ERR: ` prefix); text without a code
    /// is kept with code 0. `None` for an empty message.
    pub fn parse(message: &str) -> Option<Self> {
        let message = message.trim();
        let message = message
            .strip_prefix(super::BEGIN_ERROR_PREFIX.trim_end())
            .map_or(message, str::trim);
        if message.is_empty() {
            return None;
        }
        let coded = message.strip_prefix("ERROR[").and_then(|rest| {
            let (code, text) = rest.split_once("]:")?;
            Some(UpdaterError {
                code: code.parse().ok()?,
                text: text.trim().to_string(),
            })
        });
        Some(coded.unwrap_or_else(|| UpdaterError {
            code: 0,
            text: message.to_string(),
        }))
    }
}

impl fmt::Display for UpdaterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.code == 0 {
            f.write_str(&self.text)
        } else {
            write!(f, "{} (updater error {})", self.text, self.code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_reads_the_udp_form() {
        let e = UpdaterError::esp8266(UpdaterError::SPACE, 0, 0);
        assert_eq!(e.encode(), "ERROR[4]: Not Enough Space\n");
        assert_eq!(UpdaterError::parse(&e.encode()), Some(e.clone()));
        assert_eq!(
            UpdaterError::parse("ERR: ERROR[4]: Not Enough Space\n"),
            Some(e)
        );
        assert_eq!(
            UpdaterError::parse("ERR: something odd").unwrap(),
            UpdaterError {
                code: 0,
                text: "something odd".into()
            }
        );
        assert_eq!(UpdaterError::parse("  "), None);
    }
}
