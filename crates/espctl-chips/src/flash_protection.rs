//! Block protection as a Winbond W25Q part decodes it from its status registers
//! (W25Q32JV datasheet, "Status Register Memory Protection"): BP2..BP0 (SR1 bits 4..2)
//! choose a power-of-two share of the array (BP0 alone: 1/64 of it, at least one 64 KB
//! block, so 64 KB on the 4 MB W25Q32 and the 2 MB W25Q16), TB (bit 5) takes it from the bottom instead
//! of the top, SEC (bit 6) counts 4 KB sectors instead of 1/64ths of the chip, and CMP
//! (SR2 bit 6) protects the complement instead. A program or erase that touches the
//! protected range is ignored by the chip without any error: the status shows no WIP,
//! and the data stays as it was. The virtual flash chip applies it; the client reads it
//! to explain a write that did not take.

use std::ops::Range;

const SR1_BP_SHIFT: u32 = 2;
const SR1_BP_MASK: u8 = 0x7;
const SR1_TB: u8 = 1 << 5;
const SR1_SEC: u8 = 1 << 6;
const SR2_CMP: u8 = 1 << 6;
const SECTOR: u32 = 0x1000;
const BLOCK: u32 = 0x1_0000;

/// The addresses status registers `sr1`, `sr2` protect on a chip of `size` bytes
/// (empty when none).
pub fn protected_range(sr1: u8, sr2: u8, size: u32) -> Range<u32> {
    let bp = (sr1 >> SR1_BP_SHIFT) & SR1_BP_MASK;
    let from_bottom = sr1 & SR1_TB != 0;
    let len = match bp {
        0 => 0,
        7 => size,
        n if sr1 & SR1_SEC != 0 => (SECTOR << (n.min(4) - 1)).min(size),
        n => ((size / 64).max(BLOCK) << (n - 1)).min(size),
    };
    let range = if from_bottom {
        0..len
    } else {
        size - len..size
    };
    if sr2 & SR2_CMP == 0 {
        range
    } else if range.is_empty() {
        0..size
    } else if range.start == 0 {
        range.end..size
    } else {
        0..range.start
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MB4: u32 = 4 << 20;

    #[test]
    fn decodes_the_w25q32_table() {
        assert_eq!(protected_range(0x00, 0, MB4), MB4..MB4, "none");
        assert!(protected_range(0x00, 0, MB4).is_empty());
        // BP0: upper 64 KB; BP2|BP0: upper 1 MB; BP2|BP1: upper half; all three: all.
        assert_eq!(protected_range(0x04, 0, MB4), 0x3F_0000..MB4);
        assert_eq!(protected_range(0x14, 0, MB4), 0x30_0000..MB4);
        assert_eq!(protected_range(0x18, 0, MB4), 0x20_0000..MB4);
        assert_eq!(protected_range(0x1C, 0, MB4), 0..MB4);
        // TB: from the bottom; SEC: in 4 KB sectors, at most 32 KB.
        assert_eq!(protected_range(0x24, 0, MB4), 0..0x1_0000);
        assert_eq!(protected_range(0x64, 0, MB4), 0..0x1000);
        assert_eq!(protected_range(0x4C, 0, MB4), 0x3F_C000..MB4);
        assert_eq!(protected_range(0x54, 0, MB4), 0x3F_8000..MB4);
        // CMP: the complement.
        assert_eq!(protected_range(0x24, 0x40, MB4), 0x1_0000..MB4);
        assert_eq!(protected_range(0x04, 0x40, MB4), 0..0x3F_0000);
        assert_eq!(protected_range(0x00, 0x40, MB4), 0..MB4);
        assert!(protected_range(0x1C, 0x40, MB4).is_empty());
        // Other bits (SRP0, QE) protect nothing.
        assert!(protected_range(0x80, 0x02, MB4).is_empty());
    }

    #[test]
    fn scales_with_the_chip_size() {
        assert_eq!(protected_range(0x04, 0, 16 << 20), 0xFC_0000..16 << 20);
        assert_eq!(protected_range(0x24, 0, 1 << 20), 0..0x1_0000);
        assert_eq!(protected_range(0x0C, 0, 2 << 20), 0x1C_0000..2 << 20);
        assert_eq!(protected_range(0x18, 0, 2 << 20), 0..2 << 20);
    }
}
