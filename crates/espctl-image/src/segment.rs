//! Segments and the 8-byte common header every image starts with.

use crate::{ImageError, Parsed};

/// First byte of every ESP8266 v1 and ESP32-family image.
pub const IMAGE_MAGIC: u8 = 0xE9;
/// First byte of an ESP8266 v2 ("irom") image.
pub const IMAGE_V2_MAGIC: u8 = 0xEA;
/// Length of a segment header (load address, length).
pub const SEGMENT_HEADER_LEN: usize = 8;
/// The ROM loads at most 16 segments.
pub const MAX_SEGMENTS: usize = 16;

/// One segment of an image: data the loader copies to `addr`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Load address from the segment header (bytes 0..4, little-endian): where the
    /// loader copies the data (for a flash-mapped segment, the address it is mapped at).
    pub addr: u32,
    /// The segment's bytes; their length is the header's second word.
    pub data: Vec<u8>,
}

impl Segment {
    /// A segment that loads `data` at `addr`.
    pub fn new(addr: u32, data: Vec<u8>) -> Segment {
        Segment { addr, data }
    }

    /// Bytes this segment takes in the file, header included.
    pub fn file_len(&self) -> usize {
        SEGMENT_HEADER_LEN + self.data.len()
    }
}

/// The 8 bytes every image starts with. The segment count is not kept: it follows from
/// the segments when the image is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommonHeader {
    /// Byte 2: 0 QIO, 1 QOUT, 2 DIO, 3 DOUT.
    pub flash_mode: u8,
    /// Byte 3: flash size code in the high nibble, frequency code in the low nibble.
    pub flash_size_freq: u8,
    /// Bytes 4..8, little-endian: the address the loader jumps to once the segments are
    /// loaded (0 when not set; image-info then says `Entry point not set`).
    pub entry: u32,
}

impl CommonHeader {
    /// Appends the 8 header bytes to `out`: `magic` (0xE9, or 0xEA for an ESP8266 v2
    /// image's first header), `segment_count`, then the fields of `self`.
    pub fn write(&self, magic: u8, segment_count: u8, out: &mut Vec<u8>) {
        out.extend([magic, segment_count, self.flash_mode, self.flash_size_freq]);
        out.extend(self.entry.to_le_bytes());
    }
}

/// A cursor over the bytes of an image being parsed. It notes where each segment starts
/// and passes on warnings as they come.
pub(crate) struct Reader<'a, 'w> {
    pub data: &'a [u8],
    pub pos: usize,
    offsets: Vec<usize>,
    warn: &'w mut dyn FnMut(String),
}

impl<'a, 'w> Reader<'a, 'w> {
    pub fn new(data: &'a [u8], warn: &'w mut dyn FnMut(String)) -> Reader<'a, 'w> {
        Reader {
            data,
            pos: 0,
            offsets: Vec::new(),
            warn,
        }
    }

    pub fn warn(&mut self, warning: String) {
        (self.warn)(warning);
    }

    /// The parse result: `image` with the segment offsets and the length read.
    pub fn finish<T>(self, image: T) -> Parsed<T> {
        Parsed {
            image,
            offsets: self.offsets,
            len: self.pos,
        }
    }

    pub fn take(&mut self, what: &'static str, n: usize) -> Result<&'a [u8], ImageError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.data.len());
        let Some(end) = end else {
            return Err(ImageError::Truncated {
                what,
                offset: self.pos,
                needed: n,
                len: self.data.len(),
            });
        };
        let bytes = &self.data[self.pos..end];
        self.pos = end;
        Ok(bytes)
    }

    pub fn u32(&mut self, what: &'static str) -> Result<u32, ImageError> {
        let b = self.take(what, 4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Reads the common header, checking its magic. Returns the header and segment count.
    pub fn common_header(&mut self, magic: u8) -> Result<(CommonHeader, u8), ImageError> {
        let b = self.take("the image header", 8)?;
        if b[0] != magic {
            return Err(ImageError::BadMagic(b[0]));
        }
        let header = CommonHeader {
            flash_mode: b[2],
            flash_size_freq: b[3],
            entry: u32::from_le_bytes([b[4], b[5], b[6], b[7]]),
        };
        Ok((header, b[1]))
    }

    /// Reads one segment, noting the file offset of its header. `unusual` names a
    /// segment esptool warns about from its header alone (before reading its data).
    pub fn segment(
        &mut self,
        unusual: fn(addr: u32, length: u32) -> Option<String>,
    ) -> Result<Segment, ImageError> {
        let offset = self.pos;
        let addr = self.u32("a segment header")?;
        let length = self.u32("a segment header")?;
        if let Some(warning) = unusual(addr, length) {
            self.warn(warning);
        }
        let available = self.data.len() - self.pos;
        if (length as usize) > available {
            return Err(ImageError::SegmentTruncated {
                addr,
                length,
                actual: available,
            });
        }
        let data = self.take("segment data", length as usize)?.to_vec();
        self.offsets.push(offset);
        Ok(Segment { addr, data })
    }

    /// Skips the zero padding before the checksum (it sits at offset 15 mod 16) and
    /// reads the checksum byte.
    pub fn checksum(&mut self) -> Result<u8, ImageError> {
        self.pos = checksum_position(self.pos);
        Ok(self.take("the checksum", 1)?[0])
    }
}

/// For segments esptool never warns about.
pub(crate) fn never_unusual(_addr: u32, _length: u32) -> Option<String> {
    None
}

/// Where the checksum byte goes when the segments end at `pos`: the next offset that is
/// 15 mod 16, so that the image ends on a 16-byte boundary.
pub fn checksum_position(pos: usize) -> usize {
    pos + (15 - pos % 16)
}

/// Pads `out` with zeros up to the checksum position and appends `checksum`.
pub(crate) fn append_checksum(out: &mut Vec<u8>, checksum: u8) {
    out.resize(checksum_position(out.len()), 0);
    out.push(checksum);
}
