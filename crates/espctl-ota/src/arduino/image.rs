//! The image to upload, and the bytes that go on the wire (gzip-compressed or not).

use super::error::OtaError;
use super::options::Compress;
use crate::wire::UpdateTarget;
use espctl_chips::ChipKind;
use flate2::Compression;
use flate2::write::GzEncoder;
use md5::{Digest, Md5};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The gzip magic (RFC 1952).
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
/// The magic byte of an ESP application image.
const IMAGE_MAGIC: u8 = 0xe9;

/// An image as read from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// Its file name, for messages and the client nonce.
    pub name: String,
    /// Its bytes.
    pub data: Vec<u8>,
    /// It is the `.signed` file found beside the one named.
    pub signed: bool,
}

impl Image {
    /// Reads `path`, or `path.signed` when that exists (the ESP8266 espota.py does the
    /// same: a signed update replaces the plain image).
    pub fn read(path: &Path) -> Result<Image, OtaError> {
        let mut signed_path = path.as_os_str().to_owned();
        signed_path.push(".signed");
        let signed_path = PathBuf::from(signed_path);
        let (path, signed) = if signed_path.is_file() {
            (signed_path.as_path(), true)
        } else {
            (path, false)
        };
        let name = path.display().to_string();
        let data = std::fs::read(path).map_err(|source| OtaError::ReadImage {
            name: name.clone(),
            source,
        })?;
        Ok(Image { name, data, signed })
    }

    /// An image held in memory.
    pub fn from_bytes(name: impl Into<String>, data: Vec<u8>) -> Image {
        Image {
            name: name.into(),
            data,
            signed: false,
        }
    }

    /// The size the protocol announces, refusing what it cannot.
    pub(crate) fn size(&self) -> Result<u32, OtaError> {
        u32::try_from(self.data.len())
            .ok()
            .filter(|&n| n > 0)
            .ok_or(OtaError::BadImageSize {
                name: self.name.clone(),
                len: self.data.len() as u64,
            })
    }

    /// Whether `compress` asks for this image to go out compressed: an ESP8266
    /// application image (magic 0xE9, not an ESP32-family image: their updaters take no
    /// gzip), not signed (the signature covers the bytes as sent), not gzip already.
    pub(crate) fn should_compress(&self, compress: Compress, target: UpdateTarget) -> bool {
        compress == Compress::Auto
            && target == UpdateTarget::Firmware
            && !self.signed
            && self.data.first() == Some(&IMAGE_MAGIC)
            && espctl_image::firmware::detect_chip(&self.data)
                .is_ok_and(|c| c.kind == ChipKind::Esp8266)
    }

    /// Whether the file is gzip already (sent as it is).
    pub fn is_gzip(&self) -> bool {
        self.data.starts_with(&GZIP_MAGIC)
    }
}

/// The bytes that go on the wire for one image.
#[derive(Debug, Clone)]
pub(crate) struct Payload {
    /// What is sent.
    pub bytes: Vec<u8>,
    /// MD5 of `bytes`, lowercase hex (the invitation's).
    pub md5: String,
    /// `bytes` is a gzip of the image.
    pub compressed: bool,
}

impl Payload {
    /// The image as it is.
    pub fn raw(image: &Image) -> Payload {
        Payload::new(image.data.clone(), false)
    }

    /// The image gzip-compressed at the best level.
    pub fn gzip(image: &Image) -> Payload {
        let mut encoder = GzEncoder::new(Vec::with_capacity(image.data.len()), Compression::best());
        encoder
            .write_all(&image.data)
            .expect("writing to memory cannot fail");
        let bytes = encoder.finish().expect("writing to memory cannot fail");
        Payload::new(bytes, true)
    }

    fn new(bytes: Vec<u8>, compressed: bool) -> Payload {
        let md5 = Md5::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Payload {
            bytes,
            md5,
            compressed,
        }
    }

    /// Bytes sent.
    pub fn len(&self) -> u32 {
        self.bytes.len() as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn esp8266_image() -> Vec<u8> {
        // magic, 1 segment, DIO, 1MB/40MHz, entry; one segment of 16 bytes at 0x40100000.
        let mut d = vec![
            0xe9, 1, 2, 0x20, 0, 0, 0x10, 0x40, 0, 0, 0x10, 0x40, 16, 0, 0, 0,
        ];
        d.extend(std::iter::repeat_n(0x55, 4096));
        d
    }

    #[test]
    fn a_signed_file_beside_the_image_is_taken() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("fw.bin");
        std::fs::write(&plain, b"plain").unwrap();
        assert!(!Image::read(&plain).unwrap().signed);
        std::fs::write(dir.path().join("fw.bin.signed"), b"signed").unwrap();
        let image = Image::read(&plain).unwrap();
        assert!(image.signed && image.data == b"signed" && image.name.ends_with("fw.bin.signed"));
        assert!(matches!(
            Image::read(&dir.path().join("none.bin")),
            Err(OtaError::ReadImage { .. })
        ));
    }

    #[test]
    fn only_esp8266_applications_are_compressed() {
        let image = Image::from_bytes("fw.bin", esp8266_image());
        assert!(image.should_compress(Compress::Auto, UpdateTarget::Firmware));
        assert!(!image.should_compress(Compress::Never, UpdateTarget::Firmware));
        assert!(!image.should_compress(Compress::Auto, UpdateTarget::FileSystem));
        let gz = Payload::gzip(&image);
        assert!(
            gz.compressed && gz.bytes.starts_with(&GZIP_MAGIC) && gz.len() < image.size().unwrap()
        );
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&gz.bytes[..])
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, image.data);
        let already = Image::from_bytes("fw.bin.gz", gz.bytes.clone());
        assert!(
            already.is_gzip() && !already.should_compress(Compress::Auto, UpdateTarget::Firmware)
        );
        let mut esp32 = vec![0u8; 64];
        esp32[0] = 0xe9;
        esp32[8] = 0xee; // wp pin; chip id 0 at 12, hash appended at 23
        esp32[23] = 1;
        assert!(
            !Image::from_bytes("esp32.bin", esp32)
                .should_compress(Compress::Auto, UpdateTarget::Firmware)
        );
        let signed = Image {
            signed: true,
            ..image
        };
        assert!(!signed.should_compress(Compress::Auto, UpdateTarget::Firmware));
        assert!(Image::from_bytes("empty", vec![]).size().is_err());
    }
}
