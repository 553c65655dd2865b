//! One zlib stream fed block by block (FLASH_DEFL_DATA): the host compresses the whole
//! file once and cuts the stream into blocks, so the decoder state carries across them.

use flate2::{Decompress, FlushDecompress, Status};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InflateError {
    #[error("compressed data is corrupt: {0}")]
    Corrupt(String),
}

pub struct Inflater {
    stream: Decompress,
    finished: bool,
}

impl std::fmt::Debug for Inflater {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inflater")
            .field("total_in", &self.stream.total_in())
            .field("total_out", &self.stream.total_out())
            .field("finished", &self.finished)
            .finish()
    }
}

impl Default for Inflater {
    fn default() -> Self {
        Inflater::new()
    }
}

impl Inflater {
    pub fn new() -> Inflater {
        Inflater {
            stream: Decompress::new(true),
            finished: false,
        }
    }

    /// Whether the end of the zlib stream (with a good Adler-32) has been seen.
    #[cfg(test)]
    pub fn finished(&self) -> bool {
        self.finished
    }

    /// Decompresses the next piece of the stream; returns what it produced. Bytes after
    /// the end of the stream are ignored (as tinfl does).
    pub fn feed(&mut self, mut input: &[u8]) -> Result<Vec<u8>, InflateError> {
        let mut out = Vec::with_capacity(input.len() * 4);
        while !self.finished {
            if out.capacity() - out.len() < 32 * 1024 {
                out.reserve(64 * 1024);
            }
            let (in_before, out_before) = (self.stream.total_in(), self.stream.total_out());
            let status = self
                .stream
                .decompress_vec(input, &mut out, FlushDecompress::None)
                .map_err(|e| InflateError::Corrupt(e.to_string()))?;
            let used = (self.stream.total_in() - in_before) as usize;
            let produced = self.stream.total_out() - out_before;
            input = &input[used..];
            match status {
                Status::StreamEnd => self.finished = true,
                Status::Ok | Status::BufError => {
                    // Stopped with room left to write: it needs more input. (With all
                    // input taken but the output full, more output may be pending.)
                    let room = out.len() < out.capacity();
                    if room && (input.is_empty() || (used == 0 && produced == 0)) {
                        break;
                    }
                }
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

    fn compress(data: &[u8]) -> Vec<u8> {
        let mut e = ZlibEncoder::new(Vec::new(), Compression::best());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn one_stream_across_many_blocks() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i * 7 / 13) as u8).collect();
        let z = compress(&data);
        for block in [1, 7, 0x400, 0x4000] {
            let mut inflater = Inflater::new();
            let mut out = Vec::new();
            for (i, chunk) in z.chunks(block).enumerate() {
                out.extend(
                    inflater
                        .feed(chunk)
                        .unwrap_or_else(|e| panic!("block size {block}, block {i}: {e}")),
                );
            }
            assert!(inflater.finished());
            assert_eq!(out, data, "block size {block}");
        }
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
            let mut inflater = Inflater::new();
            let out: Vec<u8> = z
                .chunks(block)
                .flat_map(|c| inflater.feed(c).unwrap())
                .collect();
            assert!(inflater.finished(), "{block:#x} blocks");
            assert_eq!(out.len(), data.len(), "{block:#x} blocks");
            assert!(out == data);
        }
        // The same for zlib's streams, with long runs of one value.
        for len in [150_000u32, 300_000, 1 << 20] {
            let data: Vec<u8> = (0..len).map(|i| (i / 4096) as u8).collect();
            let z = compress(&data);
            let mut inflater = Inflater::new();
            let out: Vec<u8> = z
                .chunks(0x400)
                .flat_map(|c| inflater.feed(c).unwrap())
                .collect();
            assert!(out == data, "{len} bytes");
        }
    }

    #[test]
    fn corrupt_data_is_an_error() {
        let mut z = compress(&[0x55; 5000]);
        let n = z.len();
        z[n - 1] ^= 0xFF; // Adler-32
        let mut inflater = Inflater::new();
        assert!(inflater.feed(&z).is_err());
        assert!(
            Inflater::new()
                .feed(&[0x78, 0xDA, 0xFF, 0xFF, 0xFF])
                .is_err()
        );
    }

    #[test]
    fn bytes_after_the_end_are_ignored() {
        let mut z = compress(b"hello");
        z.extend_from_slice(&[0xFF; 10]);
        let mut inflater = Inflater::new();
        assert_eq!(inflater.feed(&z).unwrap(), b"hello");
        assert!(inflater.finished());
    }
}
