//! The summaries of the flash commands: what was written, read, verified or erased,
//! where, with which digests, and how long it took.

use super::device::DeviceJson;
use super::{hex, seconds_since};
use espctl_flasher::FlashFile;
use espctl_flasher::flash::md5_of;
use espctl_flasher::flash::verify::FileCheck;
use espctl_flasher::flash::write::WriteReport;
use serde::Serialize;
use std::time::Instant;

/// How long the command took.
#[derive(Debug, Serialize)]
pub struct Timing {
    /// The operation itself (writing, reading, verifying, erasing).
    pub seconds: f64,
    /// From opening the port to leaving the chip (connection and reset included).
    pub total_seconds: f64,
}

/// A summary with a [`Timing`].
pub trait Timed {
    fn timing(&mut self) -> &mut Timing;
}

impl Timing {
    /// The operation began at `start` and has just ended (the total is set later by
    /// [`Timing::total`]).
    pub fn since(start: Instant) -> Timing {
        Timing {
            seconds: seconds_since(start),
            total_seconds: 0.0,
        }
    }

    /// Sets the total of `summary`: the command began at `started` and has just ended.
    pub fn total<T: Timed>(summary: Option<T>, started: Instant) -> Option<T> {
        summary.map(|mut s| {
            s.timing().total_seconds = seconds_since(started);
            s
        })
    }
}

/// A file as the user gave it.
#[derive(Debug, Clone, Serialize)]
pub struct InputFile {
    /// As given on the command line; `null` for data espctl added (ESP8266 init data).
    pub name: Option<String>,
    pub address: u32,
    /// Bytes in the file (an Intel HEX file: in this region).
    pub size: usize,
    /// MD5 of those bytes.
    pub md5: String,
    /// To be written through the chip's flash encryption (`--encrypt`).
    #[serde(skip)]
    pub encrypted: bool,
}

impl InputFile {
    pub fn new(file: &FlashFile) -> InputFile {
        InputFile {
            name: file.name.clone(),
            address: file.addr,
            size: file.data.len(),
            md5: hex(&md5_of(&file.data)),
            encrypted: file.encrypted,
        }
    }
}

/// One file of `write-flash`.
#[derive(Debug, Serialize)]
pub struct FileWrittenJson {
    #[serde(flatten)]
    pub file: InputFile,
    /// Written through the chip's flash encryption: the flash holds the image
    /// encrypted, `image_md5` is the MD5 of the plaintext.
    pub encrypted: bool,
    /// Bytes the flash now holds for it (padded to 4 bytes, 16 or 32 when encrypted).
    pub image_size: usize,
    /// Their MD5 (differs from `md5` when padded or when the header was patched).
    pub image_md5: String,
    /// Flash bytes sent to the chip: 0 when the flash held the file already.
    pub bytes_written: u64,
    /// The chip's MD5 of the flash was compared with `image_md5`.
    pub verified: bool,
}

/// `write-flash`.
#[derive(Debug, Serialize)]
pub struct WriteJson {
    #[serde(flatten)]
    pub device: DeviceJson,
    pub files: Vec<FileWrittenJson>,
    #[serde(flatten)]
    pub timing: Timing,
}

impl WriteJson {
    /// The report's files, matched by address with the files given.
    pub fn new(
        device: DeviceJson,
        given: &[InputFile],
        report: &WriteReport,
        timing: Timing,
    ) -> WriteJson {
        let files = report
            .files
            .iter()
            .map(|w| {
                let file = match given.iter().find(|f| f.address == w.addr) {
                    Some(f) => f.clone(),
                    None => InputFile {
                        name: None,
                        address: w.addr,
                        size: w.len,
                        md5: hex(&w.md5),
                        encrypted: false,
                    },
                };
                FileWrittenJson {
                    encrypted: file.encrypted,
                    file,
                    image_size: w.len,
                    image_md5: hex(&w.md5),
                    bytes_written: w.rewritten.iter().map(|r| u64::from(r.end - r.start)).sum(),
                    verified: w.verified,
                }
            })
            .collect();
        WriteJson {
            device,
            files,
            timing,
        }
    }
}

/// `read-flash`.
#[derive(Debug, Serialize)]
pub struct ReadJson {
    #[serde(flatten)]
    pub device: DeviceJson,
    pub address: u32,
    pub size: usize,
    /// MD5 of the bytes read (checked against the chip's where the loader can hash).
    pub md5: String,
    /// The file written.
    pub output: String,
    #[serde(flatten)]
    pub timing: Timing,
}

/// One file of `verify-flash`.
#[derive(Debug, Serialize)]
pub struct FileVerifiedJson {
    #[serde(flatten)]
    pub file: InputFile,
    /// Bytes compared (the file padded, its header patched as a write would).
    pub image_size: usize,
    pub image_md5: String,
    /// The flash holds exactly these bytes.
    pub matches: bool,
}

/// `verify-flash`: printed also when a file does not match (then `matches` is false
/// and the exit code is not 0).
#[derive(Debug, Serialize)]
pub struct VerifyJson {
    #[serde(flatten)]
    pub device: DeviceJson,
    pub files: Vec<FileVerifiedJson>,
    /// Every file matches.
    pub matches: bool,
    #[serde(flatten)]
    pub timing: Timing,
}

impl FileVerifiedJson {
    pub fn new(given: InputFile, check: &FileCheck) -> FileVerifiedJson {
        FileVerifiedJson {
            file: given,
            image_size: check.image.len(),
            image_md5: hex(&md5_of(&check.image)),
            matches: check.matches,
        }
    }
}

/// `erase-flash` (`address` 0, `size` the flash's when known) and `erase-region`.
#[derive(Debug, Serialize)]
pub struct EraseJson {
    #[serde(flatten)]
    pub device: DeviceJson,
    pub address: u32,
    /// `null` for `erase-flash` when the flash size is unknown.
    pub size: Option<u32>,
    #[serde(flatten)]
    pub timing: Timing,
}

impl Timed for WriteJson {
    fn timing(&mut self) -> &mut Timing {
        &mut self.timing
    }
}

impl Timed for ReadJson {
    fn timing(&mut self) -> &mut Timing {
        &mut self.timing
    }
}

impl Timed for VerifyJson {
    fn timing(&mut self) -> &mut Timing {
        &mut self.timing
    }
}

impl Timed for EraseJson {
    fn timing(&mut self) -> &mut Timing {
        &mut self.timing
    }
}
