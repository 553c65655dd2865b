//! Payloads that are not requests: the data of GET_SECURITY_INFO's reply, and the
//! acknowledgement frames a host sends during READ_FLASH.

/// GET_SECURITY_INFO's reply data (esptool `get_security_info`): 12 bytes on the
/// ESP32-S2 ROM, 20 (with chip ID and API version) everywhere else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SecurityInfo {
    /// Secure boot, flash encryption, JTAG and download-mode flags (bit field).
    pub flags: u32,
    /// The eFuse flash encryption counter (odd bit count: encryption on).
    pub flash_crypt_cnt: u8,
    /// The purpose of each eFuse key block.
    pub key_purposes: [u8; 7],
    /// The chip ID of the image header (`Chip::image_chip_id`); `None` in the 12-byte form.
    pub chip_id: Option<u32>,
    /// The ROM's API version; `None` in the 12-byte form.
    pub api_version: Option<u32>,
}

impl SecurityInfo {
    /// The reply data: 20 bytes, or 12 when there is no chip ID.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(20);
        out.extend_from_slice(&self.flags.to_le_bytes());
        out.push(self.flash_crypt_cnt);
        out.extend_from_slice(&self.key_purposes);
        if let Some(chip_id) = self.chip_id {
            out.extend_from_slice(&chip_id.to_le_bytes());
            out.extend_from_slice(&self.api_version.unwrap_or(0).to_le_bytes());
        }
        out
    }

    /// Reads the 12- or 20-byte form; `None` for any other length.
    pub fn decode(data: &[u8]) -> Option<SecurityInfo> {
        let word = |at: usize| u32::from_le_bytes(data[at..at + 4].try_into().unwrap());
        let long = match data.len() {
            12 => false,
            20 => true,
            _ => return None,
        };
        Some(SecurityInfo {
            flags: word(0),
            flash_crypt_cnt: data[4],
            key_purposes: data[5..12].try_into().unwrap(),
            chip_id: long.then(|| word(12)),
            api_version: long.then(|| word(16)),
        })
    }
}

/// The frame a host sends for each READ_FLASH data packet: the total bytes received
/// so far, a bare little-endian word (no request header).
pub fn read_flash_ack(received: u32) -> [u8; 4] {
    received.to_le_bytes()
}

/// The total a READ_FLASH acknowledgement frame reports; `None` when the frame is not
/// one (not exactly 4 bytes).
pub fn read_flash_acked(frame: &[u8]) -> Option<u32> {
    <[u8; 4]>::try_from(frame).ok().map(u32::from_le_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn security_info_round_trips_in_both_forms() {
        let long = SecurityInfo {
            flags: 0x10,
            flash_crypt_cnt: 1,
            key_purposes: [1, 2, 3, 4, 5, 6, 7],
            chip_id: Some(9),
            api_version: Some(3),
        };
        let bytes = long.encode();
        assert_eq!(bytes.len(), 20);
        assert_eq!(&bytes[12..16], &[9, 0, 0, 0]);
        assert_eq!(SecurityInfo::decode(&bytes), Some(long));
        let short = SecurityInfo {
            chip_id: None,
            api_version: None,
            ..long
        };
        assert_eq!(SecurityInfo::decode(&short.encode()), Some(short));
        assert_eq!(SecurityInfo::decode(&[0; 16]), None);
    }

    #[test]
    fn read_flash_acks_are_bare_words() {
        assert_eq!(read_flash_ack(0x1234), [0x34, 0x12, 0, 0]);
        assert_eq!(read_flash_acked(&read_flash_ack(4096)), Some(4096));
        assert_eq!(read_flash_acked(&[0; 5]), None);
    }
}
