//! Flash operations on a connected chip: write (with header patching, compression and
//! MD5 verification), read, erase, verify.

pub mod compare;
pub mod deflate;
pub mod erase;
pub mod plan;
pub mod read;
pub mod span;
pub mod verify;
pub mod write;

pub use crate::spi::FlashSizeArg;
use espctl_chips::{Chip, FlashFreq, FlashMode, FlashSize};

/// One file to put into flash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlashFile {
    pub addr: u32,
    pub data: Vec<u8>,
    /// Shown in messages (`'firmware.bin'`); `None` for data without a file.
    pub name: Option<String>,
}

impl FlashFile {
    pub fn new(addr: u32, data: Vec<u8>, name: impl Into<Option<String>>) -> FlashFile {
        FlashFile {
            addr,
            data,
            name: name.into(),
        }
    }

    /// `File 'x.bin'` or `Input image`, as esptool words it.
    pub(crate) fn source(&self) -> String {
        match &self.name {
            Some(n) => format!("File '{n}'"),
            None => "Input image".to_string(),
        }
    }
}

/// Header fields to set in the image at the bootloader offset; `None` keeps the value
/// the image has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PatchRequest {
    pub mode: Option<FlashMode>,
    pub size: Option<FlashSize>,
    pub freq: Option<FlashFreq>,
}

impl PatchRequest {
    pub fn keeps_everything(&self) -> bool {
        self.mode.is_none() && self.size.is_none() && self.freq.is_none()
    }
}

/// What patching did to an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Patched {
    /// Already had the requested values.
    Unchanged,
    /// Header changed: `params` is byte 2 << 8 | byte 3 when those bytes changed;
    /// `sha_updated` when the appended SHA-256 was recomputed.
    Changed {
        params: Option<u16>,
        sha_updated: bool,
    },
    /// Not an image of this chip: left alone, for this reason.
    NotAnImage(String),
}

/// Rewrites the flash mode/size/frequency bytes of a bootloader image (the `espctl`
/// binary plugs in `espctl-image`). Errors are fatal: e.g. a size the chip cannot have.
pub trait ImagePatcher {
    fn patch(
        &self,
        chip: &'static Chip,
        image: &mut Vec<u8>,
        request: &PatchRequest,
    ) -> Result<Patched, String>;
}

/// How `write-flash` behaves.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct WriteOptions {
    pub flash_size: FlashSizeArg,
    /// Header values for the image at the bootloader offset.
    pub header: PatchRequest,
    /// Erase the whole flash first.
    pub erase_all: bool,
    /// `Some(true)` forces compression, `Some(false)` forbids it; `None` compresses
    /// when the stub runs (esptool's default).
    pub compress: Option<bool>,
    /// Compare the flash with the new data first (MD5s computed on the chip) and write
    /// only the sectors that differ. Needs a loader that can hash flash (not the
    /// ESP8266 ROM); never with `erase_all`. On by default.
    pub skip_unchanged: bool,
}

impl Default for WriteOptions {
    fn default() -> WriteOptions {
        WriteOptions {
            flash_size: FlashSizeArg::default(),
            header: PatchRequest::default(),
            erase_all: false,
            compress: None,
            skip_unchanged: true,
        }
    }
}

impl WriteOptions {
    pub fn new(
        flash_size: FlashSizeArg,
        header: PatchRequest,
        erase_all: bool,
        compress: Option<bool>,
    ) -> WriteOptions {
        WriteOptions {
            flash_size,
            header,
            erase_all,
            compress,
            skip_unchanged: true,
        }
    }

    /// `false` writes every byte of every file (`--no-skip`).
    pub fn with_skip_unchanged(mut self, skip: bool) -> WriteOptions {
        self.skip_unchanged = skip;
        self
    }
}

/// Lower-case hex, as MD5 sums are printed.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn md5_hex(data: &[u8]) -> String {
    use md5::Digest;
    hex(&md5::Md5::digest(data))
}
