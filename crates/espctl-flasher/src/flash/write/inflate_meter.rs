//! How much each block of a compressed stream unpacks to: the time a loader may take for
//! a block depends on the flash it fills, not on the bytes on the wire.

use crate::error::{Error, Result};

/// Inflates a zlib stream block by block, counting what comes out.
pub(super) struct InflateMeter {
    z: flate2::Decompress,
    scratch: Vec<u8>,
}

impl InflateMeter {
    pub fn new() -> InflateMeter {
        InflateMeter {
            z: flate2::Decompress::new(true),
            scratch: vec![0; 64 * 1024],
        }
    }

    /// Feeds the next block; returns how many bytes it unpacked to.
    pub fn feed(&mut self, mut input: &[u8]) -> Result<usize> {
        let mut produced = 0;
        loop {
            let (in0, out0) = (self.z.total_in(), self.z.total_out());
            let status = self
                .z
                .decompress(input, &mut self.scratch, flate2::FlushDecompress::None)
                .map_err(|_| Error::Internal("espctl's own compressed stream does not inflate"))?;
            let used = (self.z.total_in() - in0) as usize;
            let made = (self.z.total_out() - out0) as usize;
            produced += made;
            input = &input[used..];
            if status == flate2::Status::StreamEnd
                || (input.is_empty() && made < self.scratch.len())
                || (used == 0 && made == 0)
            {
                return Ok(produced);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_what_each_block_unpacks_to() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let z = crate::flash::deflate::deflate(&data);
        let mut meter = InflateMeter::new();
        let total: usize = z.chunks(1024).map(|c| meter.feed(c).unwrap()).sum();
        assert_eq!(total, data.len());
    }
}
