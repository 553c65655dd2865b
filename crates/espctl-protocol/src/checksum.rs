//! The XOR checksum of the data commands.

/// Seed of the checksum; also the seed of the image checksum byte.
pub const CHECKSUM_SEED: u8 = 0xEF;

/// XOR of every byte of `data`, starting from [`CHECKSUM_SEED`].
///
/// Only MEM_DATA, FLASH_DATA and FLASH_DEFL_DATA carry it (over the payload after the
/// 16-byte sub-header), in the 32-bit checksum field of the request header.
pub fn checksum(data: &[u8]) -> u8 {
    data.iter().fold(CHECKSUM_SEED, |acc, b| acc ^ b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_data_gives_the_seed() {
        assert_eq!(checksum(&[]), 0xEF);
    }

    #[test]
    fn xors_every_byte() {
        assert_eq!(checksum(&[0xEF]), 0);
        assert_eq!(checksum(&[0x01, 0x02, 0x04]), 0xEF ^ 0x07);
        assert_eq!(checksum(&[0xAA; 2]), 0xEF);
    }
}
