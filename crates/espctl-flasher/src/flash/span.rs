//! What flash holds after a file is written: a write erases whole 4KB sectors, so the
//! sectors the file touches end up as 0xFF before the file, the file's bytes, and 0xFF
//! after it. Both loaders leave exactly this (the ROM pads its 1KB blocks with 0xFF and
//! the stub erases the sector-aligned range of FLASH_BEGIN's size), except the ESP8266
//! ROM, whose erase bug may clear one more sector (it never takes the skip path).
//!
//! A [`Span`] borrows the file and produces any part of that content, its MD5, or
//! whether it is blank, without copying the whole image.

use espctl_chips::FLASH_SECTOR_SIZE;
use md5::{Digest, Md5};
use std::ops::Range;

/// The sector-aligned flash range a file at `addr` covers, and its content after a write.
#[derive(Debug, Clone, Copy)]
pub struct Span<'a> {
    /// The file's first byte.
    addr: u32,
    data: &'a [u8],
}

const ERASED: u8 = 0xFF;

impl<'a> Span<'a> {
    /// The content a write of `data` at `addr` leaves.
    pub fn new(addr: u32, data: &'a [u8]) -> Span<'a> {
        Span { addr, data }
    }

    /// The file's own range.
    pub fn data_range(&self) -> Range<u32> {
        self.addr..self.addr + self.data.len() as u32
    }

    /// The whole sectors the file touches.
    pub fn range(&self) -> Range<u32> {
        let start = self.addr - self.addr % FLASH_SECTOR_SIZE;
        let end = (self.addr as u64 + self.data.len() as u64).div_ceil(FLASH_SECTOR_SIZE as u64)
            * FLASH_SECTOR_SIZE as u64;
        start..end as u32
    }

    /// The three parts of `r` (absolute flash addresses inside [`Span::range`]): erased
    /// bytes before the file, file bytes, erased bytes after.
    fn parts(&self, r: &Range<u32>) -> (usize, &'a [u8], usize) {
        let data = self.data_range();
        let before = data.start.clamp(r.start, r.end) - r.start;
        let from = r.start.clamp(data.start, data.end);
        let to = r.end.clamp(data.start, data.end);
        let bytes = &self.data[(from - data.start) as usize..(to - data.start) as usize];
        let after = r.end - data.end.clamp(r.start, r.end);
        (before as usize, bytes, after as usize)
    }

    /// Appends the content of `r` to `out`.
    pub fn copy_into(&self, r: Range<u32>, out: &mut Vec<u8>) {
        let (before, bytes, after) = self.parts(&r);
        out.reserve_exact(before + bytes.len() + after);
        out.resize(out.len() + before, ERASED);
        out.extend_from_slice(bytes);
        out.resize(out.len() + after, ERASED);
    }

    /// The content of `r`.
    pub fn bytes(&self, r: Range<u32>) -> Vec<u8> {
        let mut out = Vec::new();
        self.copy_into(r, &mut out);
        out
    }

    /// MD5 of the content of `r`.
    pub fn md5(&self, r: Range<u32>) -> [u8; 16] {
        let (before, bytes, after) = self.parts(&r);
        let mut h = Md5::new();
        feed_erased(&mut h, before);
        h.update(bytes);
        feed_erased(&mut h, after);
        h.finalize().into()
    }

    /// Whether `r` holds only erased bytes.
    pub fn is_blank(&self, r: Range<u32>) -> bool {
        let (_, bytes, _) = self.parts(&r);
        bytes.iter().all(|&b| b == ERASED)
    }
}

/// MD5 of `len` erased (0xFF) bytes.
pub fn erased_md5(len: usize) -> [u8; 16] {
    let mut h = Md5::new();
    feed_erased(&mut h, len);
    h.finalize().into()
}

fn feed_erased(h: &mut Md5, mut len: usize) {
    const FF: [u8; 4096] = [ERASED; 4096];
    while len > 0 {
        let n = len.min(FF.len());
        h.update(&FF[..n]);
        len -= n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(addr: u32, data: &[u8]) -> (u32, Vec<u8>) {
        let start = addr - addr % 4096;
        let mut v = vec![0xFF; (addr - start) as usize];
        v.extend_from_slice(data);
        v.resize(v.len().div_ceil(4096) * 4096, 0xFF);
        (start, v)
    }

    #[test]
    fn content_is_the_file_in_erased_sectors() {
        let data: Vec<u8> = (0..9000u32).map(|i| i as u8).collect();
        for addr in [0x1000, 0x1100, 0x1ffc, 0x10000] {
            let span = Span::new(addr, &data);
            let (start, want) = naive(addr, &data);
            assert_eq!(span.range(), start..start + want.len() as u32);
            assert_eq!(span.bytes(span.range()), want);
            // Any piece, including ones that fall inside the erased head or tail.
            for (a, b) in [
                (0, 4096),
                (100, 200),
                (4000, 9000),
                (want.len() - 10, want.len()),
            ] {
                let r = start + a as u32..start + b as u32;
                assert_eq!(span.bytes(r.clone()), &want[a..b], "{addr:#x} {a}..{b}");
                assert_eq!(
                    span.md5(r.clone()),
                    <[u8; 16]>::from(Md5::digest(&want[a..b]))
                );
                assert_eq!(span.is_blank(r), want[a..b].iter().all(|&x| x == 0xFF));
            }
        }
    }

    #[test]
    fn erased_md5_matches_a_buffer_of_ff() {
        for len in [0, 1, 4096, 10_000] {
            assert_eq!(
                erased_md5(len),
                <[u8; 16]>::from(Md5::digest(vec![0xFF; len]))
            );
        }
    }
}
