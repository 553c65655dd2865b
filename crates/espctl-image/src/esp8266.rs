//! ESP8266 images: v1 (the ROM loads every segment) and v2 (an "irom" image started by
//! a software bootloader, with a CRC-32 at the end).

use crate::checksum::{self, CHECKSUM_SEED};
use crate::segment::{
    CommonHeader, IMAGE_MAGIC, IMAGE_V2_MAGIC, MAX_SEGMENTS, Reader, Segment, append_checksum,
    never_unusual,
};
use crate::{ImageError, Parsed};

/// The segment count byte of a v2 image's first header (always 4 in practice).
pub const V2_SEGMENT_COUNT: u8 = 4;

/// An ESP8266 v1 image (also the first part of a v2 image after its irom segment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Esp8266Image {
    /// The 8-byte header (magic 0xE9); its segment count byte is `segments.len()`.
    pub header: CommonHeader,
    /// The segments the ROM loads, in file order.
    pub segments: Vec<Segment>,
    /// The checksum byte as stored (see [`Esp8266Image::calculate_checksum`]).
    pub checksum: u8,
}

/// An ESP8266 v2 image: a first header, the irom segment (load address 0 in the file),
/// then a complete v1 image of the RAM segments, then the CRC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Esp8266V2Image {
    /// The first header (magic 0xEA). esptool warns when its mode, size/frequency or
    /// entry disagree with the second header's, and uses the second's.
    pub first_header: CommonHeader,
    /// The first header's "segment count" byte, kept as stored: esptool writes
    /// [`V2_SEGMENT_COUNT`] and warns about anything else.
    pub first_count: u8,
    /// The irom segment: the code the SDK bootloader maps from flash. elf2image writes
    /// it with load address 0; image-info shows it at 0 whatever the file says.
    pub irom: Segment,
    /// The v1 image of the RAM segments that follows the irom segment.
    pub image: Esp8266Image,
    /// The trailing CRC as stored, if the file has one.
    pub crc: Option<u32>,
}

/// esptool warns about segments outside the ESP8266's RAM (and longer than 64 KB),
/// judging by the segment header alone.
fn suspicious(addr: u32, length: u32) -> Option<String> {
    (!(0x3FFE_0000..=0x4020_0000).contains(&addr) || length > 65536)
        .then(|| format!("Suspicious segment {addr:#x}, length {length}"))
}

impl Esp8266Image {
    /// XOR checksum of every segment's data.
    pub fn calculate_checksum(&self) -> u8 {
        self.segments
            .iter()
            .fold(CHECKSUM_SEED, |c, s| checksum::xor(&s.data, c))
    }

    /// Parses a v1 image at the start of `data` (bytes after its checksum are not part of
    /// it). Errors: bad magic, a truncated header, segment or checksum, more than 16
    /// segments.
    pub fn parse(data: &[u8]) -> Result<Parsed<Esp8266Image>, ImageError> {
        Self::parse_with_warnings(data, &mut |_| {})
    }

    /// Like [`Esp8266Image::parse`], passing esptool's warnings to `warn` as they come.
    pub fn parse_with_warnings(
        data: &[u8],
        warn: &mut dyn FnMut(String),
    ) -> Result<Parsed<Esp8266Image>, ImageError> {
        let mut r = Reader::new(data, warn);
        let image = Self::read(&mut r)?;
        Ok(r.finish(image))
    }

    fn read(r: &mut Reader) -> Result<Esp8266Image, ImageError> {
        let (header, count) = r.common_header(IMAGE_MAGIC)?;
        let mut segments = Vec::new();
        for _ in 0..count {
            segments.push(r.segment(suspicious)?);
        }
        let checksum = r.checksum()?;
        if segments.len() > MAX_SEGMENTS {
            return Err(ImageError::TooManySegments(segments.len()));
        }
        Ok(Esp8266Image {
            header,
            segments,
            checksum,
        })
    }

    /// The image bytes: header, segments, zero padding, checksum.
    pub fn write(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_into(&mut out);
        out
    }

    fn write_into(&self, out: &mut Vec<u8>) {
        self.header
            .write(IMAGE_MAGIC, self.segments.len() as u8, out);
        for s in &self.segments {
            out.extend((s.addr).to_le_bytes());
            out.extend((s.data.len() as u32).to_le_bytes());
            out.extend(&s.data);
        }
        append_checksum(out, self.checksum);
    }
}

impl Esp8266V2Image {
    /// Parses a v2 image at the start of `data`. The CRC is optional: a file that ends
    /// right after the checksum parses with `crc: None`. Errors as
    /// [`Esp8266Image::parse`], and more than 16 segments counting the irom one.
    pub fn parse(data: &[u8]) -> Result<Parsed<Esp8266V2Image>, ImageError> {
        Self::parse_with_warnings(data, &mut |_| {})
    }

    /// Like [`Esp8266V2Image::parse`], passing esptool's warnings to `warn` as they come.
    pub fn parse_with_warnings(
        data: &[u8],
        warn: &mut dyn FnMut(String),
    ) -> Result<Parsed<Esp8266V2Image>, ImageError> {
        let mut r = Reader::new(data, warn);
        let (first_header, first_count) = r.common_header(IMAGE_V2_MAGIC)?;
        if first_count != V2_SEGMENT_COUNT {
            r.warn(format!(
                "V2 header has unexpected \"segment\" count {first_count} (usually 4)"
            ));
        }
        let irom = r.segment(never_unusual)?;
        let image = Esp8266Image::read(&mut r)?;
        let (a, b) = (first_header, image.header);
        if a.flash_mode != b.flash_mode {
            r.warn(format!(
                "Flash mode value in first header ({:#04x}) disagrees with second ({:#04x}). Using second value.",
                a.flash_mode, b.flash_mode
            ));
        }
        if a.flash_size_freq != b.flash_size_freq {
            r.warn(format!(
                "Flash size/freq value in first header ({:#04x}) disagrees with second ({:#04x}). Using second value.",
                a.flash_size_freq, b.flash_size_freq
            ));
        }
        if a.entry != b.entry {
            r.warn(format!(
                "Entrypoint address in first header ({:#010x}) disagrees with second header ({:#010x}). Using second value.",
                a.entry, b.entry
            ));
        }
        if image.segments.len() + 1 > MAX_SEGMENTS {
            return Err(ImageError::TooManySegments(image.segments.len() + 1));
        }
        let crc = r.u32("the CRC").ok();
        Ok(r.finish(Esp8266V2Image {
            first_header,
            first_count,
            irom,
            image,
            crc,
        }))
    }

    fn write_body(&self, out: &mut Vec<u8>) {
        self.first_header
            .write(IMAGE_V2_MAGIC, self.first_count, out);
        out.extend(self.irom.addr.to_le_bytes());
        out.extend((self.irom.data.len() as u32).to_le_bytes());
        out.extend(&self.irom.data);
        self.image.write_into(out);
    }

    /// The image bytes: first header, irom segment, the v1 image, and the CRC as stored
    /// (none when `crc` is `None`). Nothing is recomputed.
    pub fn write(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_body(&mut out);
        if let Some(crc) = self.crc {
            out.extend(crc.to_le_bytes());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_layout_puts_the_checksum_at_15_mod_16() {
        let image = Esp8266Image {
            header: CommonHeader {
                flash_mode: 0,
                flash_size_freq: 0x40,
                entry: 0x4010_0004,
            },
            segments: vec![Segment::new(0x4010_0000, vec![1, 2, 3, 4])],
            checksum: 0,
        };
        let bytes = image.write();
        assert_eq!(bytes.len(), 32);
        assert_eq!(&bytes[..4], &[0xE9, 1, 0, 0x40]);
        let parsed = Esp8266Image::parse(&bytes).unwrap();
        assert_eq!(parsed.image, image);
        assert_eq!(parsed.offsets, [8]);
        assert_eq!(image.calculate_checksum(), 0xEF ^ 1 ^ 2 ^ 3 ^ 4);
    }
}
