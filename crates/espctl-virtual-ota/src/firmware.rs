//! The image the device runs when given none: laid out like an Arduino ESP8266 build,
//! eboot's image in the first sector and the sketch's image at 0x1000, both in the
//! ESP8266 v1 image format (0xE9 header, segments, checksum), 300 KB in all.

use crate::state::SECTOR;
use espctl_image::{CommonHeader, Esp8266Image, Segment};

/// Flash mode DIO (header byte 2), the Arduino core's default for most boards.
const DIO: u8 = 2;
const KB: u32 = 1024;

/// The built-in firmware for a chip of `flash_size` bytes: its headers declare the
/// smaller of 1MB and the chip, at 40 MHz in DIO mode.
pub fn builtin_firmware(flash_size: u32) -> Vec<u8> {
    let size_code: u8 = match flash_size.min(1024 * KB) / KB {
        256 => 0x1,
        512 => 0x0,
        _ => 0x2,
    };
    let byte3 = size_code << 4;
    let mut noise = Noise(0x2545_F491);
    let eboot_code = noise.bytes(2000);
    let mut image = esp8266_image(0x4010_F000, DIO, byte3, &[(0x4010_F000, &eboot_code)]);
    image.resize(SECTOR as usize, 0xFF);
    // The sketch: flash-mapped code first (as the core's elf2bin writes it), then IRAM
    // code, data and read-only data; sizes chosen to end the file at exactly 300 KB.
    let irom = noise.bytes(260_000);
    let iram = noise.bytes(32_000);
    let data = noise.bytes(2_048);
    let rodata = noise.bytes(9_000);
    let sketch = esp8266_image(
        0x4010_0000,
        DIO,
        byte3,
        &[
            (0x4020_1010, &irom),
            (0x4010_0000, &iram),
            (0x3FFE_8000, &data),
            (0x3FFE_8800, &rodata),
        ],
    );
    image.extend_from_slice(&sketch);
    image
}

/// An ESP8266 v1 image of `segments` (header, segments, padding, checksum).
fn esp8266_image(entry: u32, mode: u8, byte3: u8, segments: &[(u32, &[u8])]) -> Vec<u8> {
    let mut image = Esp8266Image {
        header: CommonHeader {
            flash_mode: mode,
            flash_size_freq: byte3,
            entry,
        },
        segments: segments
            .iter()
            .map(|(addr, data)| Segment::new(*addr, data.to_vec()))
            .collect(),
        checksum: 0,
    };
    image.checksum = image.calculate_checksum();
    image.write()
}

/// xorshift32: bytes that do not compress, the same every time.
struct Noise(u32);

impl Noise {
    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len)
            .map(|_| {
                self.0 ^= self.0 << 13;
                self.0 ^= self.0 >> 17;
                self.0 ^= self.0 << 5;
                (self.0 >> 24) as u8
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_like_an_arduino_build() {
        let image = builtin_firmware(1 << 20);
        assert_eq!(image.len(), 300 * 1024);
        assert_eq!(&image[..4], &[0xE9, 1, DIO, 0x20], "1MB, 40MHz, DIO");
        assert_eq!(&image[0x1000..0x1004], &[0xE9, 4, DIO, 0x20]);
        let eboot = Esp8266Image::parse(&image).unwrap();
        assert_eq!(eboot.image.calculate_checksum(), image[eboot.len - 1]);
        let sketch = Esp8266Image::parse(&image[0x1000..]).unwrap();
        assert_eq!(0x1000 + sketch.len, image.len(), "the sketch ends the file");
        assert_eq!(sketch.image.calculate_checksum(), image[image.len() - 1]);
        assert_eq!(builtin_firmware(512 * 1024)[3], 0x00, "512KB chip");
        assert_eq!(builtin_firmware(4 << 20)[3], 0x20, "1MB on a 4MB chip");
    }
}
