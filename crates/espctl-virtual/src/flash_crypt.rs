//! The ESP32's flash encryption engine on the write path: what the stub's encrypted
//! writes put into flash (the ROM's `SPI_Encrypt_Write`, which esp-stub-lib calls).
//!
//! The engine reads its key from eFuse BLOCK1 and its tweak setting from
//! FLASH_CRYPT_CONFIG as they are burnt, whether or not software may read them; on a
//! chip with blank eFuses that is an all-zero key that no address changes. Each 16-byte
//! block is byte-reversed, run through AES-256 in its *decrypt* direction with the key
//! of its 32-byte row ([`espctl_chips::flash_encryption::block_key`]) and reversed
//! again; reading through the cache does the opposite. The direction and byte order are
//! what `espsecure encrypt-flash-data` documents for the ESP32 (its ciphertext is the
//! tests' referee).

use crate::soc::Soc;
use aes::Aes256;
use aes::cipher::{Array, BlockCipherDecrypt, KeyInit};
use espctl_chips::flash_encryption::{FlashEncryptionFacts, Key, block_key, flash_encryption};
use espctl_chips::security::security_efuses;

/// Why the engine cannot take a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncryptFault {
    /// The chip has no flash encryption (ESP8266): esp-stub-lib answers "not supported".
    Unsupported,
    /// esp-stub-lib wants 16-byte alignment of address and length; the ROM routine
    /// encrypts whole 32-byte rows and refuses anything else (inferred from the ESP32
    /// ROM's row-at-a-time interface).
    Unaligned,
}

/// The engine of one chip as its eFuses set it up.
#[derive(Debug, Clone)]
pub struct Engine {
    facts: &'static FlashEncryptionFacts,
    key: Key,
    config: u32,
}

impl Engine {
    /// The engine of the chip in `soc`, with the key and tweak setting burnt into its
    /// eFuses; `None` for a chip without one.
    pub fn of(soc: &Soc) -> Option<Engine> {
        let facts = flash_encryption(soc.chip.kind)?;
        let mut key = [0u8; 32];
        let mut raw = espctl_chips::Registers::new();
        for &reg in &facts.key_words {
            raw.set(reg, soc.memory.read(reg));
        }
        key.copy_from_slice(&facts.key_from_registers(&raw));
        let config = security_efuses(soc.chip.kind).map_or(0, |s| {
            let f = s.flash_crypt_config;
            (soc.memory.read(f.reg) >> f.shift) & ((1 << f.width) - 1)
        });
        Some(Engine { facts, key, config })
    }

    /// What `data` written at `addr` through the engine leaves in flash.
    pub fn encrypt(&self, addr: u32, data: &[u8]) -> Result<Vec<u8>, EncryptFault> {
        // esp-stub-lib's 16-byte check, then the ROM routine's whole rows.
        let row = self.facts.write_align;
        let len = data.len() as u32;
        if !addr.is_multiple_of(16) || !len.is_multiple_of(16) {
            return Err(EncryptFault::Unaligned);
        }
        if !addr.is_multiple_of(row) || !len.is_multiple_of(row) {
            return Err(EncryptFault::Unaligned);
        }
        Ok(encrypt_blocks(&self.key, self.config, addr, data))
    }
}

/// The cipher over whole 16-byte blocks from `addr` (a multiple of 16).
pub fn encrypt_blocks(key: &Key, config: u32, addr: u32, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut cipher: Option<(u32, Aes256)> = None;
    for (i, chunk) in data.chunks(16).enumerate() {
        let at = addr + 16 * i as u32;
        let row = at & !31;
        let aes = match &cipher {
            Some((r, aes)) if *r == row => aes,
            _ => {
                let k = block_key(key, config, at);
                &cipher.insert((row, Aes256::new(&Array::from(k)))).1
            }
        };
        let mut block = [0u8; 16];
        block.copy_from_slice(chunk);
        block.reverse();
        let mut b = Array::from(block);
        aes.decrypt_block(&mut b);
        let mut block: [u8; 16] = b.into();
        block.reverse();
        out.extend_from_slice(&block);
    }
    out
}

/// Whether `addr` is a word of the key block and RD_DIS hides that block from reads.
pub fn key_hidden(soc: &Soc, addr: u32) -> bool {
    let Some(facts) = flash_encryption(soc.chip.kind) else {
        return false;
    };
    let rd_dis = facts.key_read_disable;
    facts.key_words.contains(&(addr & !3)) && (soc.memory.read(rd_dis.reg) >> rd_dis.shift) & 1 != 0
}

/// The engine of the chip in `soc`, or why an encrypted write cannot happen there.
pub fn engine(soc: &Soc) -> Result<Engine, EncryptFault> {
    Engine::of(soc).ok_or(EncryptFault::Unsupported)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AES-256 decryption of the FIPS-197 C.3 example, through the engine's byte
    /// reversals: with a blank tweak the engine is the plain cipher on reversed bytes.
    #[test]
    fn the_engine_is_reversed_aes_decryption() {
        let key: Key = std::array::from_fn(|i| i as u8);
        let plain: [u8; 16] = std::array::from_fn(|i| (i as u8) << 4 | i as u8);
        let cipher = [
            0x8e, 0xa2, 0xb7, 0xca, 0x51, 0x67, 0x45, 0xbf, 0xea, 0xfc, 0x49, 0x90, 0x4b, 0x49,
            0x60, 0x89,
        ];
        // Decrypting the FIPS ciphertext gives its plaintext back.
        let mut reversed_cipher = cipher;
        reversed_cipher.reverse();
        let out = encrypt_blocks(&key, 0, 0x1000, &reversed_cipher);
        let mut expect = plain;
        expect.reverse();
        assert_eq!(out, expect);
    }

    #[test]
    fn each_row_gets_its_own_key_only_when_tweaked() {
        let key = [7u8; 32];
        let data = [0x5Au8; 64];
        let blank = encrypt_blocks(&key, 0, 0x2000, &data);
        assert_eq!(
            blank[..16],
            blank[32..48],
            "no tweak: same block, same cipher"
        );
        let tweaked = encrypt_blocks(&key, 0xF, 0x2000, &data);
        assert_eq!(tweaked[..16], tweaked[16..32], "one row, one key");
        assert_ne!(tweaked[..16], tweaked[32..48], "the next row's key differs");
    }
}
