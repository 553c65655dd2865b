//! The checksums images carry.

/// Seed of the image checksum (and of the ROM's data checksum).
pub const CHECKSUM_SEED: u8 = 0xEF;

/// XOR of every byte, folded into `state`: the checksum after an image's segments.
pub fn xor(data: &[u8], state: u8) -> u8 {
    data.iter().fold(state, |acc, b| acc ^ b)
}

/// CRC-32 (IEEE, the zlib one).
pub fn crc32(data: &[u8]) -> u32 {
    const fn table() -> [u32; 256] {
        let mut t = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut c = i as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
                k += 1;
            }
            t[i] = c;
            i += 1;
        }
        t
    }
    static TABLE: [u32; 256] = table();
    !data.iter().fold(!0u32, |crc, &b| {
        TABLE[((crc ^ b as u32) & 0xFF) as usize] ^ (crc >> 8)
    })
}

/// The CRC the ESP8266 SDK bootloader checks at the end of a v2 image: the zlib CRC-32,
/// inverted when its top bit is set and incremented otherwise.
pub fn esp8266_crc32(data: &[u8]) -> u32 {
    let crc = crc32(data);
    if crc & 0x8000_0000 != 0 {
        crc ^ 0xFFFF_FFFF
    } else {
        crc.wrapping_add(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_zlib() {
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(esp8266_crc32(b"123456789"), 0xCBF4_3926 ^ 0xFFFF_FFFF);
    }

    #[test]
    fn xor_checksum() {
        assert_eq!(xor(&[], CHECKSUM_SEED), 0xEF);
        assert_eq!(xor(&[0xEF, 1, 2], CHECKSUM_SEED), 3);
    }
}
