//! The address space behind READ_REG, WRITE_REG and MEM_DATA: fixed words (ROM, eFuses)
//! and everything else as plain read/write words that read 0 until written.
//!
//! RAM keeps its content across resets (as SRAM does while powered); the uploaded
//! segments of one loader session are tracked separately by the loader.

use std::collections::HashMap;

#[derive(Debug, Default)]
pub struct Memory {
    words: HashMap<u32, u32>,
    fixed: HashMap<u32, u32>,
}

impl Memory {
    pub fn new() -> Memory {
        Memory::default()
    }

    /// A word that reads `value` and ignores writes (mask ROM, eFuse read registers).
    pub fn fix(&mut self, addr: u32, value: u32) {
        self.fixed.insert(addr & !3, value);
    }

    pub fn read(&self, addr: u32) -> u32 {
        let addr = addr & !3;
        self.fixed
            .get(&addr)
            .or_else(|| self.words.get(&addr))
            .copied()
            .unwrap_or(0)
    }

    /// `word = (word & !mask) | (value & mask)`; fixed words stay as they are.
    pub fn write(&mut self, addr: u32, value: u32, mask: u32) {
        let addr = addr & !3;
        if self.fixed.contains_key(&addr) {
            return;
        }
        let old = self.read(addr);
        self.words.insert(addr, (old & !mask) | (value & mask));
    }

    /// Stores bytes at any alignment (MEM_DATA).
    pub fn write_bytes(&mut self, addr: u32, bytes: &[u8]) {
        for (i, &b) in bytes.iter().enumerate() {
            let at = addr.wrapping_add(i as u32);
            let shift = (at & 3) * 8;
            self.write(at, u32::from(b) << shift, 0xFF << shift);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_read_zero_until_written_and_respect_the_mask() {
        let mut m = Memory::new();
        assert_eq!(m.read(0x3FFE_8000), 0);
        m.write(0x3FFE_8000, 0xDEAD_BEEF, 0xFFFF_FFFF);
        m.write(0x3FFE_8000, 0x0000_1234, 0x0000_FFFF);
        assert_eq!(m.read(0x3FFE_8000), 0xDEAD_1234);
        assert_eq!(m.read(0x3FFE_8002), 0xDEAD_1234, "unaligned reads the word");
    }

    #[test]
    fn fixed_words_ignore_writes() {
        let mut m = Memory::new();
        m.fix(0x4000_1000, 0xFFF0_C101);
        m.write(0x4000_1000, 0, 0xFFFF_FFFF);
        assert_eq!(m.read(0x4000_1000), 0xFFF0_C101);
    }

    #[test]
    fn bytes_land_at_any_alignment() {
        let mut m = Memory::new();
        m.write_bytes(0x1001, &[0x11, 0x22, 0x33, 0x44]);
        assert_eq!(m.read(0x1000), 0x3322_1100);
        assert_eq!(m.read(0x1004), 0x0000_0044);
    }
}
