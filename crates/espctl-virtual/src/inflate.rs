//! The chips' inflate: miniz's `tinfl` decompressing into a 32 KB wrapping dictionary,
//! fed one FLASH_DEFL_DATA block at a time.
//!
//! The ROM and the flasher stub both carry miniz's tinfl; `miniz_oxide` is a faithful
//! port of it, so the flags the firmware passes behave here as on the chip: the zlib
//! header is parsed (and the Adler-32 computed and checked) only in calls that pass
//! `TINFL_FLAG_PARSE_ZLIB_HEADER`, and a call without `TINFL_FLAG_HAS_MORE_INPUT` that
//! runs out of input fails.

use miniz_oxide::inflate::TINFLStatus;
use miniz_oxide::inflate::core::{DecompressorOxide, decompress, inflate_flags};

pub use inflate_flags::{
    TINFL_FLAG_HAS_MORE_INPUT as HAS_MORE_INPUT, TINFL_FLAG_PARSE_ZLIB_HEADER as PARSE_ZLIB_HEADER,
};

/// tinfl's dictionary: the output buffer the firmware decompresses into, wrapping.
pub const DICT_SIZE: usize = 32 * 1024;

/// A decompressor with its dictionary.
pub struct Tinfl {
    decompressor: Box<DecompressorOxide>,
    dict: Box<[u8]>,
    /// Where the next output byte goes (the stub's `decompressed_data_ptr`).
    pos: usize,
    /// Output before this has been handed out by [`Tinfl::take_new`].
    taken: usize,
}

impl std::fmt::Debug for Tinfl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tinfl").field("pos", &self.pos).finish()
    }
}

impl Default for Tinfl {
    fn default() -> Self {
        Tinfl {
            decompressor: Box::default(),
            dict: vec![0; DICT_SIZE].into_boxed_slice(),
            pos: 0,
            taken: 0,
        }
    }
}

/// What one call of the decompressor did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub status: TINFLStatus,
    pub consumed: usize,
    pub produced: usize,
}

impl Step {
    /// tinfl's "more to do" statuses (needs input, has output) are positive.
    pub fn going_on(&self) -> bool {
        (self.status as i32) > (TINFLStatus::Done as i32)
    }

    pub fn failed(&self) -> bool {
        (self.status as i32) < (TINFLStatus::Done as i32)
    }
}

impl Tinfl {
    /// `tinfl_init`: a new stream starts; the dictionary stays as it is.
    pub fn init(&mut self) {
        self.decompressor.init();
    }

    /// The decompressor's whole state cleared (the stub's `memset` at FLASH_END).
    pub fn clear_state(&mut self) {
        *self.decompressor = DecompressorOxide::default();
    }

    /// Output goes to the start of the dictionary again.
    pub fn rewind(&mut self) {
        self.pos = 0;
        self.taken = 0;
    }

    /// One call of `tinfl_decompress` on `input`, writing from the current position up
    /// to the end of the dictionary.
    pub fn step(&mut self, input: &[u8], flags: u32) -> Step {
        let (status, consumed, produced) = decompress(
            &mut self.decompressor,
            input,
            &mut self.dict,
            self.pos,
            flags,
        );
        self.pos += produced;
        Step {
            status,
            consumed,
            produced,
        }
    }

    /// Whether the dictionary is full up to its end.
    pub fn full(&self) -> bool {
        self.pos >= DICT_SIZE
    }

    /// The output since the last flush; the next output goes to the start again.
    pub fn flush(&mut self) -> Vec<u8> {
        let out = self.dict[..self.pos].to_vec();
        self.rewind();
        out
    }

    /// The output not handed out yet; the dictionary wraps to its start only when full
    /// (back-references reach into what was written before).
    pub fn take_new(&mut self) -> Vec<u8> {
        let out = self.dict[self.taken..self.pos].to_vec();
        if self.full() {
            self.rewind();
        } else {
            self.taken = self.pos;
        }
        out
    }
}

/// Why the ROM's inflate failed: the ROM tells a bad Adler-32 from other failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RomInflateError {
    Adler32,
    Corrupt,
}

/// The ROM's FLASH_DEFL_DATA decompression: one zlib stream across the blocks, its
/// Adler-32 checked at the end.
#[derive(Debug, Default)]
pub struct RomInflater {
    tinfl: Tinfl,
    finished: bool,
}

impl RomInflater {
    pub fn new() -> RomInflater {
        RomInflater::default()
    }

    /// Decompresses the next block; returns what it produced. Bytes after the end of
    /// the stream are ignored.
    pub fn feed(&mut self, mut input: &[u8]) -> Result<Vec<u8>, RomInflateError> {
        let mut out = Vec::new();
        while !self.finished {
            let step = self.tinfl.step(input, PARSE_ZLIB_HEADER | HAS_MORE_INPUT);
            input = &input[step.consumed..];
            if step.failed() {
                return Err(match step.status {
                    TINFLStatus::Adler32Mismatch => RomInflateError::Adler32,
                    _ => RomInflateError::Corrupt,
                });
            }
            if step.status == TINFLStatus::Done {
                self.finished = true;
            }
            out.extend(self.tinfl.take_new());
            if step.status == TINFLStatus::NeedsMoreInput {
                break;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compression, write::ZlibEncoder};
    use std::io::Write;

    pub fn compress(data: &[u8]) -> Vec<u8> {
        let mut e = ZlibEncoder::new(Vec::new(), Compression::best());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn one_stream_across_many_blocks() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i * 7 / 13) as u8).collect();
        let z = compress(&data);
        for block in [1, 7, 0x400, 0x4000] {
            let mut inflater = RomInflater::new();
            let mut out = Vec::new();
            for (i, chunk) in z.chunks(block).enumerate() {
                out.extend(
                    inflater
                        .feed(chunk)
                        .unwrap_or_else(|e| panic!("block size {block}, block {i}: {e:?}")),
                );
            }
            assert!(inflater.finished);
            assert_eq!(out, data, "block size {block}");
        }
    }

    #[test]
    fn a_bad_adler_is_told_from_corrupt_data() {
        let mut z = compress(&[0x55; 5000]);
        let n = z.len();
        z[n - 1] ^= 0xFF;
        assert_eq!(RomInflater::new().feed(&z), Err(RomInflateError::Adler32));
        assert_eq!(
            RomInflater::new().feed(&[0x78, 0xDA, 0xFF, 0xFF, 0xFF]),
            Err(RomInflateError::Corrupt)
        );
    }

    #[test]
    fn bytes_after_the_end_are_ignored() {
        let mut z = compress(b"hello");
        z.extend_from_slice(&[0xFF; 10]);
        let mut inflater = RomInflater::new();
        assert_eq!(inflater.feed(&z).unwrap(), b"hello");
        assert!(inflater.finished);
    }

    #[test]
    fn without_more_input_announced_a_cut_stream_fails() {
        let data: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
        let z = compress(&data);
        let mut t = Tinfl::default();
        let half = &z[..z.len() / 2];
        let step = t.step(half, PARSE_ZLIB_HEADER | HAS_MORE_INPUT);
        assert!(step.going_on());
        let mut t = Tinfl::default();
        let mut input = half;
        let step = loop {
            let step = t.step(input, PARSE_ZLIB_HEADER);
            input = &input[step.consumed..];
            if t.full() {
                t.flush();
            }
            if !step.going_on() {
                break step;
            }
        };
        assert_eq!(step.status, TINFLStatus::FailedCannotMakeProgress);
    }

    #[test]
    fn the_last_block_comes_out_whole_when_it_unpacks_to_a_lot() {
        // espctl's compressor (libdeflate level 10) on long runs: the last 470-byte block
        // unpacks to 66429 bytes, more than one decompress call writes, after all of its
        // input has been taken.
        let data: Vec<u8> = (0..150_000u32).map(|i| (i / 64) as u8).collect();
        let level = libdeflater::CompressionLvl::new(10).unwrap();
        let mut c = libdeflater::Compressor::new(level);
        let mut z = vec![0; c.zlib_compress_bound(data.len())];
        let n = c.zlib_compress(&data, &mut z).unwrap();
        z.truncate(n);
        for block in [0x400, 0x4000] {
            let mut inflater = RomInflater::new();
            let out: Vec<u8> = z
                .chunks(block)
                .flat_map(|c| inflater.feed(c).unwrap())
                .collect();
            assert_eq!(out.len(), data.len(), "{block:#x} blocks");
            assert!(out == data);
        }
        // The same for zlib's streams, with long runs of one value.
        for len in [150_000u32, 300_000, 1 << 20] {
            let data: Vec<u8> = (0..len).map(|i| (i / 4096) as u8).collect();
            let z = compress(&data);
            let mut inflater = RomInflater::new();
            let out: Vec<u8> = z
                .chunks(0x400)
                .flat_map(|c| inflater.feed(c).unwrap())
                .collect();
            assert!(out == data, "{len} bytes");
        }
    }
}
