//! UF2 output (github.com/microsoft/uf2): 512-byte blocks, each carrying up to 476 bytes
//! of one input file, the chip family and, by default, an MD5 of its payload.

use md5::{Digest, Md5};

use crate::ImageError;

/// Length of a UF2 block: 32-byte header, 476 bytes of payload room, 4-byte final magic.
pub const BLOCK_SIZE: usize = 512;
/// Payload room in a block; the MD5 extension takes 24 bytes of it.
pub const DATA_SIZE: usize = 476;
/// Length of the MD5 extension at the end of the payload room: address and length
/// (4 bytes each) and the MD5 of the block's payload (16 bytes).
pub const MD5_PART_SIZE: usize = 24;
/// First word of every block (`"UF2\n"` little-endian).
pub const FIRST_MAGIC: u32 = 0x0A32_4655;
/// Second word of every block.
pub const SECOND_MAGIC: u32 = 0x9E5D_5157;
/// Last word of every block.
pub const FINAL_MAGIC: u32 = 0x0AB1_6F30;
/// Flag: the header's last word is a family ID (esptool always sets it).
pub const FLAG_FAMILY_ID_PRESENT: u32 = 0x0000_2000;
/// Flag: the block carries the MD5 extension.
pub const FLAG_MD5_PRESENT: u32 = 0x0000_4000;

/// How to cut files into blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Uf2Options {
    /// The chip's UF2 family ID (e.g. 0x1C5F21B0 for the ESP32), in every block header.
    pub family_id: u32,
    /// Payload bytes per block; default the largest that fits (452 with MD5, 476 without).
    pub chunk_size: Option<usize>,
    /// Whether each block carries the MD5 extension (merge-bin's default; off with
    /// `--md5-disable`).
    pub md5: bool,
}

impl Uf2Options {
    /// Payload bytes per block: `chunk_size`, or the largest that fits.
    pub fn chunk_size(&self) -> usize {
        self.chunk_size.unwrap_or(if self.md5 {
            DATA_SIZE - MD5_PART_SIZE
        } else {
            DATA_SIZE
        })
    }
}

/// Errors: a chunk size that does not fit a block.
pub fn check_chunk_size(options: &Uf2Options) -> Result<(), ImageError> {
    let room = if options.md5 {
        DATA_SIZE - MD5_PART_SIZE
    } else {
        DATA_SIZE
    };
    let chunk = options.chunk_size();
    if chunk == 0 || chunk > room {
        return Err(ImageError::Uf2ChunkSize { chunk, room });
    }
    Ok(())
}

/// Appends the blocks of one file placed at `addr`. Block numbers count within the file.
pub fn add_file(out: &mut Vec<u8>, addr: u32, image: &[u8], options: &Uf2Options) {
    let chunk_size = options.chunk_size();
    let blocks = image.len().div_ceil(chunk_size) as u32;
    let flags = FLAG_FAMILY_ID_PRESENT | if options.md5 { FLAG_MD5_PRESENT } else { 0 };
    let md5_size = if options.md5 { MD5_PART_SIZE } else { 0 };
    for (n, chunk) in image.chunks(chunk_size).enumerate() {
        let block_addr = addr.wrapping_add((n * chunk_size) as u32);
        let start = out.len();
        for word in [
            FIRST_MAGIC,
            SECOND_MAGIC,
            flags,
            block_addr,
            chunk.len() as u32,
            n as u32,
            blocks,
            options.family_id,
        ] {
            out.extend(word.to_le_bytes());
        }
        out.extend(chunk);
        if options.md5 {
            out.extend(block_addr.to_le_bytes());
            out.extend((chunk.len() as u32).to_le_bytes());
            out.extend(Md5::digest(chunk));
        }
        out.resize(
            out.len() + (DATA_SIZE - md5_size).saturating_sub(chunk.len()),
            0,
        );
        out.extend(FINAL_MAGIC.to_le_bytes());
        debug_assert_eq!(out.len() - start, BLOCK_SIZE);
    }
}
