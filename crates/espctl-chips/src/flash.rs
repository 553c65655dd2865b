//! Flash chip parameters: size, mode and frequency names, and the JEDEC size code.

use std::fmt;
use std::str::FromStr;

/// A flash size as written in image headers and on the command line.
///
/// The `-c1` variants are ESP8266 layouts of the same size with a different memory map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FlashSize {
    /// 256 KB (`2m`).
    Kb256,
    /// 512 KB (`4m`).
    Kb512,
    /// 1 MB (`8m`).
    Mb1,
    /// 2 MB (`16m`).
    Mb2,
    /// 2 MB, ESP8266 layout c1 (`16m-c1`).
    Mb2C1,
    /// 4 MB (`32m`).
    Mb4,
    /// 4 MB, ESP8266 layout c1 (`32m-c1`).
    Mb4C1,
    /// 8 MB (`64m`).
    Mb8,
    /// 16 MB (`128m`).
    Mb16,
    /// 32 MB.
    Mb32,
    /// 64 MB.
    Mb64,
    /// 128 MB.
    Mb128,
}

impl FlashSize {
    /// Every size, smallest first.
    pub const ALL: [FlashSize; 12] = [
        FlashSize::Kb256,
        FlashSize::Kb512,
        FlashSize::Mb1,
        FlashSize::Mb2,
        FlashSize::Mb2C1,
        FlashSize::Mb4,
        FlashSize::Mb4C1,
        FlashSize::Mb8,
        FlashSize::Mb16,
        FlashSize::Mb32,
        FlashSize::Mb64,
        FlashSize::Mb128,
    ];

    /// The size in bytes.
    pub fn bytes(self) -> u32 {
        const MB: u32 = 1 << 20;
        match self {
            FlashSize::Kb256 => 256 << 10,
            FlashSize::Kb512 => 512 << 10,
            FlashSize::Mb1 => MB,
            FlashSize::Mb2 | FlashSize::Mb2C1 => 2 * MB,
            FlashSize::Mb4 | FlashSize::Mb4C1 => 4 * MB,
            FlashSize::Mb8 => 8 * MB,
            FlashSize::Mb16 => 16 * MB,
            FlashSize::Mb32 => 32 * MB,
            FlashSize::Mb64 => 64 * MB,
            FlashSize::Mb128 => 128 * MB,
        }
    }

    /// esptool 5's name: `512KB`, `4MB`, `2MB-c1`.
    pub fn name(self) -> &'static str {
        match self {
            FlashSize::Kb256 => "256KB",
            FlashSize::Kb512 => "512KB",
            FlashSize::Mb1 => "1MB",
            FlashSize::Mb2 => "2MB",
            FlashSize::Mb2C1 => "2MB-c1",
            FlashSize::Mb4 => "4MB",
            FlashSize::Mb4C1 => "4MB-c1",
            FlashSize::Mb8 => "8MB",
            FlashSize::Mb16 => "16MB",
            FlashSize::Mb32 => "32MB",
            FlashSize::Mb64 => "64MB",
            FlashSize::Mb128 => "128MB",
        }
    }

    /// The old megabit name esptool.py 1.x and 2.x used (`4m` = 512KB, `32m` = 4MB).
    pub fn megabit_name(self) -> Option<&'static str> {
        Some(match self {
            FlashSize::Kb256 => "2m",
            FlashSize::Kb512 => "4m",
            FlashSize::Mb1 => "8m",
            FlashSize::Mb2 => "16m",
            FlashSize::Mb2C1 => "16m-c1",
            FlashSize::Mb4 => "32m",
            FlashSize::Mb4C1 => "32m-c1",
            FlashSize::Mb8 => "64m",
            FlashSize::Mb16 => "128m",
            _ => return None,
        })
    }

    /// The plain (non `-c1`) size of exactly `bytes` bytes.
    pub fn from_bytes(bytes: u32) -> Option<FlashSize> {
        FlashSize::ALL
            .into_iter()
            .filter(|s| !matches!(s, FlashSize::Mb2C1 | FlashSize::Mb4C1))
            .find(|s| s.bytes() == bytes)
    }

    /// Size from the capacity byte of a JEDEC ID (RDID), as esptool decodes it.
    ///
    /// `jedec` is the 24-bit value read with RDID: manufacturer in the low byte, memory
    /// type in the middle, capacity in the top byte. Returns the size in bytes.
    pub fn bytes_from_jedec(jedec: u32) -> Option<u32> {
        let manufacturer = jedec & 0xFF;
        if manufacturer == 0x1F {
            // Adesto encodes the size in the low 5 bits of the device byte: 4 = 512KB.
            let code = (jedec >> 8) & 0x1F;
            return (4..=9).contains(&code).then(|| 512u32 << 10 << (code - 4));
        }
        let capacity = (jedec >> 16) & 0xFF;
        let exponent = match capacity {
            0x12..=0x1C => capacity - 0x12 + 18,
            0x20..=0x22 => capacity - 0x20 + 26,
            0x32..=0x3A => capacity - 0x32 + 18,
            _ => return None,
        };
        1u32.checked_shl(exponent).filter(|_| exponent < 32)
    }
}

impl fmt::Display for FlashSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for FlashSize {
    type Err = crate::size_syntax::SizeError;

    /// A flash size name, as [`crate::size_syntax::flash_size_name`] reads it.
    fn from_str(s: &str) -> Result<FlashSize, Self::Err> {
        crate::size_syntax::flash_size_name(s)
    }
}

/// SPI flash access mode (header byte 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FlashMode {
    /// Quad I/O: address and data on four lines.
    Qio = 0,
    /// Quad output: data read on four lines.
    Qout = 1,
    /// Dual I/O: address and data on two lines.
    Dio = 2,
    /// Dual output: data read on two lines.
    Dout = 3,
}

impl FlashMode {
    /// Every mode, in header-code order.
    pub const ALL: [FlashMode; 4] = [
        FlashMode::Qio,
        FlashMode::Qout,
        FlashMode::Dio,
        FlashMode::Dout,
    ];

    /// The header byte for this mode.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The mode of a header byte.
    pub fn from_code(code: u8) -> Option<FlashMode> {
        FlashMode::ALL.into_iter().find(|m| m.code() == code)
    }

    /// The command-line name: `qio`, `dout`.
    pub fn name(self) -> &'static str {
        match self {
            FlashMode::Qio => "qio",
            FlashMode::Qout => "qout",
            FlashMode::Dio => "dio",
            FlashMode::Dout => "dout",
        }
    }
}

impl FromStr for FlashMode {
    type Err = String;
    fn from_str(s: &str) -> Result<FlashMode, String> {
        FlashMode::ALL
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown flash mode '{s}'"))
    }
}

impl fmt::Display for FlashMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// SPI flash clock as named on the command line (`40m`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FlashFreq {
    /// 80 MHz.
    F80m,
    /// 64 MHz.
    F64m,
    /// 60 MHz.
    F60m,
    /// 48 MHz.
    F48m,
    /// 40 MHz.
    F40m,
    /// 32 MHz.
    F32m,
    /// 30 MHz.
    F30m,
    /// 26 MHz.
    F26m,
    /// 24 MHz.
    F24m,
    /// 20 MHz.
    F20m,
    /// 16 MHz.
    F16m,
    /// 15 MHz.
    F15m,
    /// 12 MHz.
    F12m,
}

impl FlashFreq {
    /// Every frequency, fastest first.
    pub const ALL: [FlashFreq; 13] = [
        FlashFreq::F80m,
        FlashFreq::F64m,
        FlashFreq::F60m,
        FlashFreq::F48m,
        FlashFreq::F40m,
        FlashFreq::F32m,
        FlashFreq::F30m,
        FlashFreq::F26m,
        FlashFreq::F24m,
        FlashFreq::F20m,
        FlashFreq::F16m,
        FlashFreq::F15m,
        FlashFreq::F12m,
    ];

    /// The command-line name: `80m`, `40m`.
    pub fn name(self) -> &'static str {
        match self {
            FlashFreq::F80m => "80m",
            FlashFreq::F64m => "64m",
            FlashFreq::F60m => "60m",
            FlashFreq::F48m => "48m",
            FlashFreq::F40m => "40m",
            FlashFreq::F32m => "32m",
            FlashFreq::F30m => "30m",
            FlashFreq::F26m => "26m",
            FlashFreq::F24m => "24m",
            FlashFreq::F20m => "20m",
            FlashFreq::F16m => "16m",
            FlashFreq::F15m => "15m",
            FlashFreq::F12m => "12m",
        }
    }
}

impl FromStr for FlashFreq {
    type Err = String;
    fn from_str(s: &str) -> Result<FlashFreq, String> {
        FlashFreq::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown flash frequency '{s}'"))
    }
}

impl fmt::Display for FlashFreq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_in_bytes() {
        // Names are read by `size_syntax`, tested there.
        assert_eq!("32m".parse::<FlashSize>(), Ok(FlashSize::Mb4));
        assert_eq!(FlashSize::Kb512.bytes(), 0x80000);
        assert_eq!(FlashSize::from_bytes(0x400000), Some(FlashSize::Mb4));
    }

    #[test]
    fn decodes_jedec_capacity() {
        // ESP-12 module: manufacturer 0x5e, device 0x4016 -> 4MB.
        assert_eq!(FlashSize::bytes_from_jedec(0x16405E), Some(4 << 20));
        assert_eq!(FlashSize::bytes_from_jedec(0x1440EF), Some(1 << 20));
        assert_eq!(FlashSize::bytes_from_jedec(0x13_4051), Some(512 << 10));
        assert_eq!(FlashSize::bytes_from_jedec(0x20_BA20), Some(64 << 20));
        assert_eq!(FlashSize::bytes_from_jedec(0x00_471F), Some(4 << 20));
        assert_eq!(FlashSize::bytes_from_jedec(0xFFFFFF), None);
    }

    #[test]
    fn modes_and_freqs_parse() {
        assert_eq!("DIO".parse::<FlashMode>(), Ok(FlashMode::Dio));
        assert_eq!(FlashMode::from_code(3), Some(FlashMode::Dout));
        assert_eq!("40m".parse::<FlashFreq>(), Ok(FlashFreq::F40m));
    }
}
