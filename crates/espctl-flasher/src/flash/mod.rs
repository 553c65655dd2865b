//! Flash operations on a connected chip: write (header patching, compression, MD5
//! verification), read, erase, verify, and the FLASH_BEGIN / FLASH_END primitives they
//! share.

pub mod compare;
pub mod deflate;
pub mod encrypt;
pub mod erase;
pub mod plan;
pub mod read;
pub mod region;
pub mod safety;
pub mod span;
pub mod verify;
pub mod write;

pub use crate::spi::FlashSizeArg;
pub use espctl_image::{FlashParamsRequest, Setting};

use crate::error::Result;
use crate::session::Session;
use espctl_protocol::Command;
use espctl_protocol::command::FlashBegin;
use std::time::Duration;

/// One file to put into flash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlashFile {
    /// Where it goes.
    pub addr: u32,
    /// Its bytes.
    pub data: Vec<u8>,
    /// Shown in messages (`'firmware.bin'`); `None` for data without a file.
    pub name: Option<String>,
    /// Written through the chip's flash encryption engine ([`encrypt`]).
    pub encrypted: bool,
}

impl FlashFile {
    /// `data` for `addr`, named `name` in messages.
    pub fn new(addr: u32, data: Vec<u8>, name: impl Into<Option<String>>) -> FlashFile {
        FlashFile {
            addr,
            data,
            name: name.into(),
            encrypted: false,
        }
    }

    /// `true` has the chip encrypt the file as it writes it.
    pub fn encrypted(mut self, encrypted: bool) -> FlashFile {
        self.encrypted = encrypted;
        self
    }

    /// `File 'x.bin'` or `Input image`, as esptool words it.
    pub(crate) fn source(&self) -> String {
        match &self.name {
            Some(n) => format!("File '{n}'"),
            None => "Input image".to_string(),
        }
    }
}

/// How `write-flash` behaves.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct WriteOptions {
    /// The flash size to tell the loader and to put into the bootloader header.
    pub flash_size: FlashSizeArg,
    /// Header values for the image at the bootloader offset (its size comes from
    /// `flash_size`).
    pub header: FlashParamsRequest,
    /// Erase the whole flash first.
    pub erase_all: bool,
    /// `Some(true)` forces compression, `Some(false)` forbids it; `None` compresses
    /// when the loader does so by default (the stub; esptool's default).
    pub compress: Option<bool>,
    /// Compare the flash with the new data first (MD5s computed on the chip) and write
    /// only the sectors that differ. Needs a loader that can hash flash (not the
    /// ESP8266 ROM); never with `erase_all`. On by default.
    pub skip_unchanged: bool,
    /// ESP8266 SDK areas to add where the declared flash size puts them.
    pub esp8266_areas: write::Esp8266Areas,
    /// Write encrypted files even when the eFuses are not set up for flash encryption
    /// or a file is misaligned (`--ignore-flash-enc-efuse`); each problem is still
    /// reported.
    pub ignore_flash_enc_efuse: bool,
    /// esptool's safety checks ([`safety`]); `force` skips them.
    pub safety: safety::SafetyOptions,
}

impl Default for WriteOptions {
    fn default() -> WriteOptions {
        WriteOptions {
            flash_size: FlashSizeArg::default(),
            header: FlashParamsRequest::default(),
            erase_all: false,
            compress: None,
            skip_unchanged: true,
            esp8266_areas: write::Esp8266Areas::default(),
            ignore_flash_enc_efuse: false,
            safety: safety::SafetyOptions::default(),
        }
    }
}

impl WriteOptions {
    /// Sets the flash size argument.
    pub fn flash_size(mut self, size: FlashSizeArg) -> WriteOptions {
        self.flash_size = size;
        self
    }

    /// Sets the header values for the bootloader image.
    pub fn header(mut self, header: FlashParamsRequest) -> WriteOptions {
        self.header = header;
        self
    }

    /// `true` erases the whole flash first.
    pub fn erase_all(mut self, erase_all: bool) -> WriteOptions {
        self.erase_all = erase_all;
        self
    }

    /// Forces (`Some(true)`) or forbids (`Some(false)`) compression.
    pub fn compress(mut self, compress: Option<bool>) -> WriteOptions {
        self.compress = compress;
        self
    }

    /// `true` skips esptool's safety checks (`--force`).
    pub fn force(mut self, force: bool) -> WriteOptions {
        self.safety = self.safety.force(force);
        self
    }

    /// Adds the ESP8266 SDK's init data and blank sector.
    pub fn esp8266_areas(mut self, areas: write::Esp8266Areas) -> WriteOptions {
        self.esp8266_areas = areas;
        self
    }

    /// `false` writes every byte of every file (`--no-skip`).
    pub fn skip_unchanged(mut self, skip: bool) -> WriteOptions {
        self.skip_unchanged = skip;
        self
    }

    /// `true` writes encrypted files whatever the eFuses say (`--ignore-flash-enc-efuse`).
    pub fn ignore_flash_enc_efuse(mut self, ignore: bool) -> WriteOptions {
        self.ignore_flash_enc_efuse = ignore;
        self
    }
}

/// An MD5 digest.
pub type Md5 = [u8; 16];

/// Lower-case hex, as MD5 sums are printed.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// MD5 of `data`, as the loader's SPI_FLASH_MD5 computes it over flash.
pub fn md5_of(data: &[u8]) -> Md5 {
    use md5::Digest;
    md5::Md5::digest(data).into()
}

impl Session {
    /// FLASH_BEGIN with the size and offset as given.
    pub(crate) fn flash_begin_raw(
        &mut self,
        erase_size: u32,
        blocks: u32,
        block_size: u32,
        offset: u32,
        timeout: Duration,
    ) -> Result<()> {
        let begin = FlashBegin {
            size: erase_size,
            blocks,
            block_size,
            offset,
            encrypted: self.loader.begin_encrypted_word(),
        };
        self.conn.check(
            "enter flash download mode",
            &Command::FlashBegin(begin),
            0,
            timeout,
        )?;
        Ok(())
    }

    /// FLASH_END. `reboot == false` keeps the loader running (ROM: runs the app).
    pub(crate) fn flash_end(&mut self, reboot: bool, timeout: Duration) -> Result<()> {
        self.conn.check(
            "leave flash download mode",
            &Command::FlashEnd { reboot },
            0,
            timeout,
        )?;
        Ok(())
    }
}
