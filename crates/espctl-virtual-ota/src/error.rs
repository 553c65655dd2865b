//! Why a virtual OTA device cannot start; each message says what to change.

use std::net::SocketAddr;
use std::path::PathBuf;

/// A device that cannot start.
#[derive(Debug, thiserror::Error)]
pub enum OtaDeviceError {
    /// No Arduino layout for this flash and file system size.
    #[error("{0}; choose sizes the Arduino core offers (espctl layout lists them)")]
    Layout(String),
    /// The flash file cannot be used.
    #[error("cannot use flash file {}: {source}", path.display())]
    FlashFile {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The flash file holds another flash size.
    #[error(
        "flash file {} has {len} bytes, not {flash_size}: give the matching flash size or a new file",
        path.display()
    )]
    FlashFileSize {
        /// The file.
        path: PathBuf,
        /// Its length.
        len: u64,
        /// The flash size asked for.
        flash_size: u32,
    },
    /// The running image leaves no room before the file system.
    #[error(
        "the firmware of {len} bytes does not fit below {limit:#x}, where the file system (or the EEPROM) starts; give a smaller image or a larger flash"
    )]
    FirmwareTooLarge {
        /// The image's length.
        len: usize,
        /// The OTA limit of the layout.
        limit: u32,
    },
    /// A port cannot be bound.
    #[error(
        "cannot listen for {service} on {addr}: {source}; choose another port, or port 0 for any free one"
    )]
    Bind {
        /// Which service.
        service: &'static str,
        /// The address asked for.
        addr: SocketAddr,
        /// What the system said.
        source: std::io::Error,
    },
}

impl From<OtaDeviceError> for std::io::Error {
    fn from(e: OtaDeviceError) -> std::io::Error {
        let kind = match &e {
            OtaDeviceError::Bind { source, .. } | OtaDeviceError::FlashFile { source, .. } => {
                source.kind()
            }
            _ => std::io::ErrorKind::InvalidInput,
        };
        std::io::Error::new(kind, e.to_string())
    }
}
