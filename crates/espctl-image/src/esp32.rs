//! ESP32-family images: the common header, a 16-byte extended header, segments, the
//! checksum and an optional SHA-256 digest of everything before it.

use sha2::{Digest, Sha256};

use crate::checksum::{self, CHECKSUM_SEED};
use crate::segment::{
    CommonHeader, IMAGE_MAGIC, MAX_SEGMENTS, Reader, Segment, append_checksum, never_unusual,
};
use crate::{ImageError, Parsed};

/// `wp_pin` value that tells the ROM to leave the WP pin alone.
pub const WP_PIN_DISABLED: u8 = 0xEE;
/// Length of the extended header that follows the common header.
pub const EXTENDED_HEADER_LEN: usize = 16;
/// Offset of the extended header's "hash appended" byte in the file.
pub const HASH_APPENDED_OFFSET: usize = 8 + 15;
/// Length of the SHA-256 digest appended after the checksum when the extended header's
/// "hash appended" byte is 1.
pub const DIGEST_LEN: usize = 32;

/// The extended header of ESP32-family images.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtendedHeader {
    /// Byte 0: the GPIO the ROM uses as flash WP when the SPI pins are remapped by
    /// eFuse; [`WP_PIN_DISABLED`] (what elf2image writes) makes the ROM skip it.
    pub wp_pin: u8,
    /// SPI pin drive strengths, two 4-bit values a byte: clk/q, d/cs, hd/wp (low nibble first).
    pub drive: [u8; 3],
    /// Bytes 4..6: the chip the image is for (`esp_chip_id_t`, e.g. 0 ESP32, 5 ESP32-C3);
    /// image-info `--chip auto` reads the chip from its low byte.
    pub chip_id: u16,
    /// Legacy minimum revision (major only).
    pub min_rev: u8,
    /// Minimum chip revision the image runs on, major * 100 + minor.
    pub min_rev_full: u16,
    /// Maximum chip revision the image runs on, major * 100 + minor (elf2image's default
    /// 0xFFFF: no limit).
    pub max_rev_full: u16,
    /// Bytes 11..15, kept as stored (elf2image writes zeros).
    pub reserved: [u8; 4],
    /// A SHA-256 digest follows the checksum.
    pub hash_appended: bool,
}

impl ExtendedHeader {
    /// What elf2image writes for a chip: WP pin disabled, no drive settings.
    pub fn new(chip_id: u16) -> ExtendedHeader {
        ExtendedHeader {
            wp_pin: WP_PIN_DISABLED,
            drive: [0; 3],
            chip_id,
            min_rev: 0,
            min_rev_full: 0,
            max_rev_full: 0xFFFF,
            reserved: [0; 4],
            hash_appended: true,
        }
    }

    /// The six drive strengths: clk, q, d, cs, hd, wp.
    pub fn drive_strengths(&self) -> [u8; 6] {
        let [a, b, c] = self.drive;
        [a & 0xF, a >> 4, b & 0xF, b >> 4, c & 0xF, c >> 4]
    }

    /// Reads the 16 bytes that follow the common header. Errors: a "hash appended" byte
    /// other than 0 or 1 (esptool refuses those images).
    pub fn parse(b: &[u8; EXTENDED_HEADER_LEN]) -> Result<ExtendedHeader, ImageError> {
        let hash_appended = match b[15] {
            0 => false,
            1 => true,
            other => return Err(ImageError::BadDigestFlag(other)),
        };
        Ok(ExtendedHeader {
            wp_pin: b[0],
            drive: [b[1], b[2], b[3]],
            chip_id: u16::from_le_bytes([b[4], b[5]]),
            min_rev: b[6],
            min_rev_full: u16::from_le_bytes([b[7], b[8]]),
            max_rev_full: u16::from_le_bytes([b[9], b[10]]),
            reserved: [b[11], b[12], b[13], b[14]],
            hash_appended,
        })
    }

    /// Appends the 16 bytes of the extended header to `out`.
    pub fn write(&self, out: &mut Vec<u8>) {
        out.push(self.wp_pin);
        out.extend(self.drive);
        out.extend(self.chip_id.to_le_bytes());
        out.push(self.min_rev);
        out.extend(self.min_rev_full.to_le_bytes());
        out.extend(self.max_rev_full.to_le_bytes());
        out.extend(self.reserved);
        out.push(self.hash_appended as u8);
    }
}

/// An ESP32-family image as stored in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Esp32Image {
    /// The 8-byte header (magic 0xE9); its segment count byte is `segments.len()`.
    pub header: CommonHeader,
    /// The 16 bytes after it: chip, revisions, SPI pins, whether a digest follows.
    pub extended: ExtendedHeader,
    /// The segments in file order: flash-mapped ones (at file offsets congruent to their
    /// address modulo the MMU page) and the ones the bootloader loads into RAM.
    pub segments: Vec<Segment>,
    /// The checksum byte as stored (see [`Esp32Image::calculate_checksum`]).
    pub checksum: u8,
    /// The digest as stored. `None` when the extended header says there is none, or
    /// when the file ends before all 32 bytes of it.
    pub digest: Option<[u8; DIGEST_LEN]>,
}

impl Esp32Image {
    /// The checksum the segments call for: 0xEF XORed with every byte of segment data
    /// (headers and padding excluded), as the ROM checks it.
    pub fn calculate_checksum(&self) -> u8 {
        self.segments
            .iter()
            .fold(CHECKSUM_SEED, |c, s| checksum::xor(&s.data, c))
    }

    /// Length of the image up to and including the checksum (what the digest covers).
    pub fn data_length(&self) -> usize {
        let segments: usize = self.segments.iter().map(Segment::file_len).sum();
        crate::segment::checksum_position(8 + EXTENDED_HEADER_LEN + segments) + 1
    }

    /// SHA-256 of the image bytes before the digest.
    pub fn calculate_digest(&self) -> [u8; DIGEST_LEN] {
        Sha256::digest(self.write_without_digest()).into()
    }

    /// Sets the checksum and (when the header asks for one) the digest to the values the
    /// content calls for.
    pub fn seal(&mut self) {
        self.checksum = self.calculate_checksum();
        self.digest = self.extended.hash_appended.then(|| self.calculate_digest());
    }

    /// Parses an image at the start of `data`, with its digest when the extended header
    /// says one follows (bytes after the image are not part of it). The checksum and
    /// digest are read, not checked. Errors: bad magic, a bad "hash appended" byte, a
    /// truncated header, segment or checksum, more than 16 segments.
    pub fn parse(data: &[u8]) -> Result<Parsed<Esp32Image>, ImageError> {
        // esptool has no warnings for ESP32-family segments.
        let mut no_warnings = |_| {};
        let mut r = Reader::new(data, &mut no_warnings);
        let (header, count) = r.common_header(IMAGE_MAGIC)?;
        let ext: &[u8; EXTENDED_HEADER_LEN] = r
            .take("the extended header", EXTENDED_HEADER_LEN)?
            .try_into()
            .expect("took 16 bytes");
        let extended = ExtendedHeader::parse(ext)?;
        let mut segments = Vec::new();
        for _ in 0..count {
            segments.push(r.segment(never_unusual)?);
        }
        let checksum = r.checksum()?;
        let digest = if extended.hash_appended {
            let rest = &data[r.pos..];
            let digest = rest.get(..DIGEST_LEN).map(|d| d.try_into().expect("32"));
            r.pos += rest.len().min(DIGEST_LEN);
            digest
        } else {
            None
        };
        if segments.len() > MAX_SEGMENTS {
            return Err(ImageError::TooManySegments(segments.len()));
        }
        Ok(r.finish(Esp32Image {
            header,
            extended,
            segments,
            checksum,
            digest,
        }))
    }

    fn write_without_digest(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.header
            .write(IMAGE_MAGIC, self.segments.len() as u8, &mut out);
        self.extended.write(&mut out);
        for s in &self.segments {
            out.extend(s.addr.to_le_bytes());
            out.extend((s.data.len() as u32).to_le_bytes());
            out.extend(&s.data);
        }
        append_checksum(&mut out, self.checksum);
        out
    }

    /// The image bytes exactly as stored: the checksum and digest are written as they
    /// are (call [`Esp32Image::seal`] first to recompute them).
    pub fn write(&self) -> Vec<u8> {
        let mut out = self.write_without_digest();
        if let Some(digest) = self.digest {
            out.extend(digest);
        }
        out
    }
}
