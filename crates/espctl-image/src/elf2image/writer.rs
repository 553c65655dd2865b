//! Writing segments into an image being built, with the ELF's SHA-256 patched into the
//! segment that covers its offset.

use crate::ImageError;
use crate::checksum;
use crate::segment::SEGMENT_HEADER_LEN;

/// Segments longer than this cannot be described by the loaders.
const MAX_SEGMENT_LEN: usize = 0x100_0000;
const SHA256_LEN: usize = 32;

/// The image bytes written so far.
pub(super) struct Writer {
    pub out: Vec<u8>,
    /// Image offset and value of the ELF file's SHA-256, if it goes into the image.
    pub elf_sha: Option<(u32, [u8; SHA256_LEN])>,
}

impl Writer {
    pub fn new(elf_sha: Option<(u32, [u8; SHA256_LEN])>) -> Writer {
        Writer {
            out: Vec::new(),
            elf_sha,
        }
    }

    pub fn pos(&self) -> usize {
        self.out.len()
    }

    /// Writes one segment; returns the XOR of its (patched) data, to fold into a checksum.
    /// `name` names the segment in errors.
    pub fn segment(&mut self, addr: u32, data: &[u8], name: &str) -> Result<u8, ImageError> {
        let data = self.patch_elf_sha(data)?;
        if data.len() & 3 != 0 {
            return Err(ImageError::SegmentNotAligned {
                name: name.into(),
                length: data.len(),
            });
        }
        if data.len() >= MAX_SEGMENT_LEN {
            return Err(ImageError::SegmentTooLong {
                name: name.into(),
                length: data.len(),
            });
        }
        self.out.extend(addr.to_le_bytes());
        self.out.extend((data.len() as u32).to_le_bytes());
        self.out.extend(&data);
        Ok(checksum::xor(&data, 0))
    }

    /// Like [`Writer::segment`], folding the data into the checksum `sum`.
    pub fn segment_sum(
        &mut self,
        addr: u32,
        data: &[u8],
        name: &str,
        sum: u8,
    ) -> Result<u8, ImageError> {
        Ok(sum ^ self.segment(addr, data, name)?)
    }

    /// `data` with the ELF SHA-256 in place when its image offset falls in this segment.
    fn patch_elf_sha(&self, data: &[u8]) -> Result<Vec<u8>, ImageError> {
        let mut data = data.to_vec();
        let Some((offset, sha)) = self.elf_sha else {
            return Ok(data);
        };
        let pos = self.pos();
        let target = offset as usize;
        if target >= pos && target < pos + data.len() {
            // esptool compares the offset within the segment (its header included) with
            // the data length; kept so that the same ELFs are refused.
            let at = target - pos;
            if at < SEGMENT_HEADER_LEN || at + SHA256_LEN > data.len() {
                return Err(ImageError::DigestOnBoundary {
                    offset,
                    file_pos: pos,
                    segment_size: data.len(),
                });
            }
            let at = at - SEGMENT_HEADER_LEN;
            if data[at..at + SHA256_LEN].iter().any(|&b| b != 0) {
                return Err(ImageError::DigestTargetNotZero(offset));
            }
            data[at..at + SHA256_LEN].copy_from_slice(&sha);
        }
        Ok(data)
    }
}
