//! The ESP32's flash encryption as the hardware does it: where the key sits in eFuse,
//! how a write must be aligned, and the per-address key "tweak". The cipher itself
//! (AES-256, used in its decrypt direction on byte-reversed 16-byte blocks) is applied by
//! whoever encrypts; this module only says which key each 32-byte block gets.
//!
//! Key byte order: the key is held as the 32 bytes of a key file (what `espsecure
//! encrypt-flash-data --keyfile` and `espefuse burn-key flash_encryption` read). espefuse
//! burns it byte-reversed, so BLOCK1's read words hold the file's bytes from the last one
//! on, each word little-endian.
//!
//! The tweak (ESP32 Technical Reference Manual, "Flash Encryption"): bit `i` of the key,
//! counted from the first byte's most significant bit, is flipped when bit `k(i)` of the
//! flash address is set. `k` runs 23 down to 5 three times and then a shorter run, in
//! four groups; FLASH_CRYPT_CONFIG bit `g` switches group `g` on. A blank
//! FLASH_CRYPT_CONFIG (0) tweaks nothing: every block gets the key as it is.

use crate::efuse::Bits;
use crate::{ChipKind, Registers};

/// A flash encryption key in key-file byte order.
pub type Key = [u8; 32];

/// Where a chip keeps what its encrypted writes depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlashEncryptionFacts {
    /// An encrypted write must start at a multiple of this (esptool's
    /// `FLASH_ENCRYPTED_WRITE_ALIGN`), and its length is padded to one.
    pub write_align: u32,
    /// The eFuse read words of the key block (BLOCK1), word 0 first.
    pub key_words: [u32; 8],
    /// The RD_DIS bit that hides the key block from software (its words then read 0).
    pub key_read_disable: Bits,
}

/// eFuse read word `n` of the ESP32.
const fn esp32_efuse(n: u32) -> u32 {
    0x3FF5_A000 + 4 * n
}

/// The ESP32: BLOCK1 in read words 14 to 21, hidden by RD_DIS bit 0 (word 0 bit 16);
/// writes go through the encryption engine 32 bytes at a time.
pub static ESP32: FlashEncryptionFacts = FlashEncryptionFacts {
    write_align: 32,
    key_words: [
        esp32_efuse(14),
        esp32_efuse(15),
        esp32_efuse(16),
        esp32_efuse(17),
        esp32_efuse(18),
        esp32_efuse(19),
        esp32_efuse(20),
        esp32_efuse(21),
    ],
    key_read_disable: Bits {
        reg: esp32_efuse(0),
        shift: 16,
        width: 1,
    },
};

/// The flash encryption facts of `kind`: the ESP32 only. The ESP8266 has no flash
/// encryption; the later chips (AES-XTS, key purposes) are not described yet.
pub fn flash_encryption(kind: ChipKind) -> Option<&'static FlashEncryptionFacts> {
    match kind {
        ChipKind::Esp32 => Some(&ESP32),
        _ => None,
    }
}

impl FlashEncryptionFacts {
    /// The key block's register values for `key` (as espefuse burns a key file).
    pub fn key_registers(&self, key: &Key) -> [(u32, u32); 8] {
        let mut raw = *key;
        raw.reverse();
        std::array::from_fn(|j| {
            let word = [raw[4 * j], raw[4 * j + 1], raw[4 * j + 2], raw[4 * j + 3]];
            (self.key_words[j], u32::from_le_bytes(word))
        })
    }

    /// The key in key-file order from the key block's words in `r`.
    pub fn key_from_registers(&self, r: &Registers) -> Key {
        let mut key = [0u8; 32];
        for (j, &reg) in self.key_words.iter().enumerate() {
            key[4 * j..4 * j + 4].copy_from_slice(&r.get(reg).to_le_bytes());
        }
        key.reverse();
        key
    }

    /// esptool's "is the key programmed": a read-protected key counts as programmed,
    /// a readable one when any of its words is not zero.
    pub fn key_programmed(&self, r: &Registers) -> bool {
        let hidden = (r.get(self.key_read_disable.reg) >> self.key_read_disable.shift) & 1 != 0;
        hidden || self.key_words.iter().any(|&reg| r.get(reg) != 0)
    }

    /// Every register [`Self::key_programmed`] reads.
    pub fn registers(&self) -> Vec<u32> {
        let mut regs = self.key_words.to_vec();
        regs.push(self.key_read_disable.reg);
        regs
    }
}

/// Bits of the key each FLASH_CRYPT_CONFIG bit's group covers: group `g` is three runs
/// of address bits 23..=5 and then 14 - 2g..=5.
fn tweak_groups() -> [Vec<u32>; 4] {
    std::array::from_fn(|g| {
        let last = 14 - 2 * g as u32;
        let full = (5..=23).rev();
        full.clone()
            .chain(full.clone())
            .chain(full)
            .chain((5..=last).rev())
            .collect()
    })
}

/// The key the hardware uses for the 32-byte block holding `addr`, given the eFuse key
/// and FLASH_CRYPT_CONFIG (`config`, 4 bits).
pub fn block_key(key: &Key, config: u32, addr: u32) -> Key {
    let mut out = *key;
    let mut bit = 0usize;
    for (g, group) in tweak_groups().iter().enumerate() {
        for &addr_bit in group {
            if config >> g & 1 != 0 && addr >> addr_bit & 1 != 0 {
                out[bit / 8] ^= 0x80 >> (bit % 8);
            }
            bit += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_groups_cover_the_256_key_bits() {
        let sizes: Vec<usize> = tweak_groups().iter().map(Vec::len).collect();
        assert_eq!(sizes, [67, 65, 63, 61]);
    }

    #[test]
    fn blank_config_or_address_zero_leaves_the_key() {
        let key: Key = std::array::from_fn(|i| i as u8);
        assert_eq!(block_key(&key, 0, 0x12_3460), key);
        assert_eq!(block_key(&key, 0xF, 0), key);
        // Address bits below 5 never tweak: the two halves of a 32-byte block share a key.
        assert_eq!(block_key(&key, 0xF, 0x1F), key);
    }

    #[test]
    fn address_bit_five_flips_the_last_bit_of_each_run() {
        // Bit 5 ends every run: key bits 18, 37, 56, 66 in group 0 (and so on).
        let t = block_key(&[0; 32], 0x1, 0x20);
        let set: Vec<usize> = (0..256)
            .filter(|&i| t[i / 8] & (0x80 >> (i % 8)) != 0)
            .collect();
        assert_eq!(set, [18, 37, 56, 66]);
        let t = block_key(&[0; 32], 0x8, 0x20);
        let set: Vec<usize> = (0..256)
            .filter(|&i| t[i / 8] & (0x80 >> (i % 8)) != 0)
            .collect();
        assert_eq!(set, [195 + 18, 195 + 37, 195 + 56, 255]);
    }

    #[test]
    fn key_words_hold_the_key_file_reversed() {
        let key: Key = std::array::from_fn(|i| i as u8);
        let regs = ESP32.key_registers(&key);
        // The last file byte (0x1F) is the low byte of word 14.
        assert_eq!(regs[0], (0x3FF5_A038, 0x1C1D_1E1F));
        assert_eq!(regs[7], (0x3FF5_A054, 0x0001_0203));
        let r: Registers = regs.into_iter().collect();
        assert_eq!(ESP32.key_from_registers(&r), key);
        assert!(ESP32.key_programmed(&r));
    }

    #[test]
    fn a_blank_key_is_not_programmed_unless_hidden() {
        let mut r = Registers::new();
        assert!(!ESP32.key_programmed(&r));
        r.set(0x3FF5_A000, 1 << 16);
        assert!(ESP32.key_programmed(&r));
    }
}
