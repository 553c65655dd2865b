//! How a virtual device is built: chip, flash chip, identity, backing file.

use crate::clock::Clock;
use crate::efuse_state::EfuseState;
use crate::reset::{Board, MAX_EN_RISE};
use crate::timing::TimingMode;
use espctl_chips::{Chip, esp8266::ESP8266};
use std::path::PathBuf;
use std::sync::Arc;

/// Smallest and largest flash the device models (esptool's size names span this range).
const MIN_FLASH_SIZE: u32 = 256 << 10;
const MAX_FLASH_SIZE: u32 = 128 << 20;

/// Manufacturer and memory type of the default flash chip: Zbit ZB25VQ, as fitted to many
/// ESP-12 modules (RDID reads `5E 40 16` for the 4 MB part).
const DEFAULT_FLASH_MANUFACTURER: u8 = 0x5E;
const DEFAULT_FLASH_MEMORY_TYPE: u8 = 0x40;

/// Where the device is when it is created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StartMode {
    /// Powered up with GPIO0 held low: the ROM loader waits for a host. This is what a
    /// host that cannot reset the chip (a socket, a pty) needs.
    #[default]
    Download,
    /// Powered up normally: the program in flash runs and the loader does not answer
    /// until the chip is reset into download mode.
    Flash,
}

/// What a [`Device`](crate::Device) is made of; [`DeviceConfig::validate`] says
/// whether it can be built.
#[derive(Debug, Clone)]
pub struct DeviceConfig {
    /// The chip; it must have a typical part ([`Chip::typical_part`]).
    pub chip: &'static Chip,
    /// Bytes of flash; a power of two between 256 KB and 128 MB.
    pub flash_size: u32,
    /// What RDID (0x9F) reads, as the host sees it in W0: manufacturer in the low byte,
    /// then memory type, then capacity (`0x16405E` for a 4 MB Zbit part).
    pub jedec_id: u32,
    /// The MAC in the eFuses; `None` gives the chip's example MAC (stable across runs).
    pub mac: Option<[u8; 6]>,
    /// Image file mirroring the flash; created blank if missing or empty.
    pub flash_file: Option<PathBuf>,
    /// Whether the chip powers up in download mode or runs its flash (on a board
    /// without the auto-reset circuit its GPIO0 level decides instead).
    pub start: StartMode,
    /// What the host's DTR and RTS reach: the auto-reset circuit, or nothing.
    pub board: Board,
    /// What the host's end of the line is: UART0 (default) or the chip's own USB port.
    pub link: crate::usb::Link,
    /// The device's time source; `None` is real time.
    pub clock: Option<Arc<dyn Clock>>,
    /// Whether answers wait for the time the chip and the line would take.
    pub timing: TimingMode,
    /// The security eFuses burnt and the chip revision (all clear by default).
    pub efuse: EfuseState,
    /// The flash encryption key burnt into BLOCK1, in key-file order (as `espefuse
    /// burn-key flash_encryption` takes it); `None`: a blank block, which the encryption
    /// engine uses as an all-zero key.
    pub flash_encryption_key: Option<espctl_chips::flash_encryption::Key>,
}

impl Default for DeviceConfig {
    fn default() -> Self {
        DeviceConfig::new(&ESP8266, 4 << 20)
    }
}

impl DeviceConfig {
    /// A `chip` with a blank in-memory flash of `flash_size` bytes and a matching JEDEC ID.
    pub fn new(chip: &'static Chip, flash_size: u32) -> DeviceConfig {
        DeviceConfig {
            chip,
            flash_size,
            jedec_id: default_jedec_id(flash_size),
            mac: None,
            flash_file: None,
            start: StartMode::default(),
            board: Board::default(),
            link: crate::usb::Link::default(),
            clock: None,
            timing: TimingMode::default(),
            efuse: EfuseState::default(),
            flash_encryption_key: None,
        }
    }

    /// Checks the values a device cannot work with.
    pub fn validate(&self) -> Result<(), DeviceError> {
        if self.chip.typical_part().is_none() {
            return Err(DeviceError::UnsupportedChip(self.chip.name));
        }
        if !self.flash_size.is_power_of_two()
            || !(MIN_FLASH_SIZE..=MAX_FLASH_SIZE).contains(&self.flash_size)
        {
            return Err(DeviceError::FlashSize(self.flash_size));
        }
        if let Board::AutoReset { en_rise } = self.board
            && en_rise > MAX_EN_RISE
        {
            return Err(DeviceError::EnRise(en_rise));
        }
        if !self.link.exists_on(self.chip) {
            return Err(DeviceError::NoSuchPort {
                chip: self.chip.name,
                port: self.link.name(),
            });
        }
        if self.jedec_id > 0xFF_FFFF {
            return Err(DeviceError::JedecId(self.jedec_id));
        }
        self.efuse
            .register_bits(self.chip)
            .map_err(DeviceError::Efuse)?;
        if self.flash_encryption_key.is_some()
            && espctl_chips::flash_encryption::flash_encryption(self.chip.kind).is_none()
        {
            return Err(DeviceError::Efuse(format!(
                "the virtual {} has no flash encryption key block; the key is for the ESP32",
                self.chip.name
            )));
        }
        Ok(())
    }

    /// The MAC the device reports.
    pub fn effective_mac(&self) -> [u8; 6] {
        self.mac.unwrap_or_else(|| {
            self.chip
                .typical_part()
                .map(|p| p.example_mac)
                .unwrap_or([0x24, 0x0A, 0xC4, 0, 0, 1])
        })
    }
}

/// The RDID value of the default flash chip family for `flash_size` bytes: the capacity
/// byte is log2 of the size.
pub fn default_jedec_id(flash_size: u32) -> u32 {
    let capacity = flash_size.max(1).ilog2();
    capacity << 16
        | u32::from(DEFAULT_FLASH_MEMORY_TYPE) << 8
        | u32::from(DEFAULT_FLASH_MANUFACTURER)
}

/// Why a device cannot be built from a [`DeviceConfig`].
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    /// A chip without a typical part: its name.
    #[error(
        "the virtual device does not model the {0}; use esp8266, esp32, esp32s2, esp32s3, esp32c2, esp32c3, esp32c5, esp32c6, esp32h2 or esp32p4"
    )]
    UnsupportedChip(&'static str),
    /// A flash size that is not a power of two from 256 KB to 128 MB: the bytes.
    #[error("flash size of {0} bytes is not a power of two between 256KB and 128MB; use e.g. 4MB")]
    FlashSize(u32),
    /// A JEDEC ID wider than its three bytes.
    #[error("JEDEC ID 0x{0:x} has more than 24 bits; give manufacturer, type and capacity bytes")]
    JedecId(u32),
    /// An EN rise time beyond [`MAX_EN_RISE`].
    #[error("an EN rise time of {0:?} is longer than any board's; use at most 1 s")]
    EnRise(std::time::Duration),
    /// A USB port the chip does not have.
    #[error(
        "the {chip} has no {port} port; --usb-jtag needs an ESP32-C3, C5, C6, H2, S3 or P4, --usb-otg an ESP32-S2, S3 or P4"
    )]
    NoSuchPort {
        /// The chip's name.
        chip: &'static str,
        /// The port asked for.
        port: &'static str,
    },
    /// eFuse states the chip cannot have: why.
    #[error("{0}")]
    Efuse(String),
    /// The flash file could not be opened, read or sized.
    #[error("cannot use flash file {path}: {source}")]
    FlashFile {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    #[error(
        "flash file {path} has {file_len} bytes but the flash has {flash_size}; give the matching --flash-size or a new file"
    )]
    /// A flash file of another size than the flash.
    FlashFileSize {
        /// The file.
        path: PathBuf,
        /// Its bytes.
        file_len: u64,
        /// The flash's bytes.
        flash_size: u32,
    },
}

/// Parses `AA:BB:CC:DD:EE:FF` (or with `-`).
pub fn parse_mac(text: &str) -> Result<[u8; 6], String> {
    let parts: Vec<&str> = text.trim().split([':', '-']).collect();
    let bad = || format!("'{text}' is not a MAC address; write it like 18:fe:34:a1:b2:c3");
    if parts.len() != 6 {
        return Err(bad());
    }
    let mut mac = [0u8; 6];
    for (byte, part) in mac.iter_mut().zip(parts) {
        if part.len() != 2 {
            return Err(bad());
        }
        *byte = u8::from_str_radix(part, 16).map_err(|_| bad())?;
    }
    Ok(mac)
}

#[cfg(test)]
mod tests {
    use super::*;
    use espctl_chips::FlashSize;

    #[test]
    fn default_flash_chip_reads_like_an_esp12_module() {
        let c = DeviceConfig::default();
        assert_eq!(c.flash_size, 4 << 20);
        assert_eq!(c.jedec_id, 0x16405E);
        assert_eq!(FlashSize::bytes_from_jedec(c.jedec_id), Some(4 << 20));
        assert_eq!(default_jedec_id(16 << 20), 0x18405E);
        c.validate().unwrap();
    }

    #[test]
    fn rejects_flash_sizes_the_device_does_not_model() {
        let mut c = DeviceConfig {
            flash_size: 3 << 20,
            ..DeviceConfig::default()
        };
        assert!(matches!(c.validate(), Err(DeviceError::FlashSize(_))));
        c.flash_size = 128 << 10;
        assert!(c.validate().is_err());
    }

    #[test]
    fn parses_macs() {
        assert_eq!(
            parse_mac("18:FE:34:a1:b2:c3"),
            Ok([0x18, 0xFE, 0x34, 0xA1, 0xB2, 0xC3])
        );
        assert!(parse_mac("18:fe:34:a1:b2").is_err());
        assert!(parse_mac("18:fe:34:a1:b2:zz").is_err());
        assert!(parse_mac("18:fe:34:a1:b2:c33").is_err());
    }
}
