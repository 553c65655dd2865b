//! Everything that can go wrong while talking to a chip, with the context a user needs.

use crate::stub::StubStoreError;
use crate::transport::OpenError;
use espctl_protocol::Opcode;
use std::io;

/// What to do when data arrived damaged.
const SERIAL_HINT: &str = "The data was damaged on the way: read again, or with a lower --baud.";

pub const TROUBLESHOOTING_URL: &str =
    "https://docs.espressif.com/projects/esptool/en/latest/troubleshooting.html";

/// Why a wait for a frame ended without one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadFailure {
    #[error("No serial data received.")]
    NoData,
    #[error("Serial data stream stopped: Possible serial noise or corruption.")]
    StreamStopped,
    #[error("Packet content transfer stopped (received {0} bytes).")]
    PartialFrame(usize),
    #[error("Invalid SLIP escape (0xdb, 0x{0:02x}).")]
    InvalidEscape(u8),
    #[error(
        "Received {0} bytes in one packet without its end: Possible serial noise or corruption."
    )]
    FrameTooLong(usize),
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error(transparent)]
    Open(#[from] OpenError),

    #[error(
        "Serial port {port} failed: {source}. Check the cable, the power and that no other program uses the port, then run the command again."
    )]
    Io {
        port: String,
        #[source]
        source: io::Error,
    },

    /// No (complete) reply arrived in time.
    #[error(
        "{failure} (waiting for the reply to {op}) The chip stopped answering: check the cable and power, or try a lower --baud."
    )]
    NoReply { op: Opcode, failure: ReadFailure },

    /// A frame arrived but not in time or not at all where one was expected.
    #[error("{0}")]
    Read(ReadFailure),

    #[error(
        "Response doesn't match request ({op}). Possible serial noise: try again, or with a lower --baud."
    )]
    ResponseMismatch { op: Opcode },

    /// The loader answered with an error status.
    #[error("Failed to {what} (result was {}: {meaning})", hex_upper(status))]
    CommandFailed {
        what: String,
        status: [u8; 2],
        meaning: &'static str,
    },

    #[error("Failed to {what}. Only got {len} byte status response.")]
    ShortStatus { what: String, len: usize },

    /// The ROM answered "invalid message" with another opcode: it lacks this command.
    #[error("This command ({op}) is not supported in the current download mode")]
    UnsupportedCommand { op: Opcode },

    /// The loader that runs cannot do this.
    #[error("{loader} does not support {what}.{hint}")]
    NotSupported {
        loader: String,
        what: String,
        /// Empty or a sentence starting with a space.
        hint: String,
    },

    #[error(
        "Failed to connect to {target}: {reason} For troubleshooting steps visit: {TROUBLESHOOTING_URL}"
    )]
    ConnectFailed { target: String, reason: String },

    #[error("This chip is {detected}, not {expected}. Wrong chip argument?")]
    WrongChip {
        detected: &'static str,
        expected: &'static str,
    },

    #[error(
        "Unexpected chip magic value 0x{magic:08x}. Failed to autodetect chip type. Probably it is unsupported by this version of espctl."
    )]
    UnknownChip { magic: u32 },

    /// After CHANGE_BAUDRATE the chip answered neither at the new rate nor the old one.
    #[error(
        "The chip stopped answering after switching to {baud} baud (the serial adapter or cable may not manage that rate). Reset the chip and run again with --baud {old}."
    )]
    BaudLost { baud: u32, old: u32 },

    #[error("Failed to start stub flasher. {0}")]
    StubStart(String),

    #[error(transparent)]
    StubStore(#[from] StubStoreError),

    #[error("SPI command 0x{command:02x} did not complete in time")]
    SpiTimeout { command: u8 },

    #[error("Flash size '{size}' is not supported by {chip}. Supported sizes: {supported}")]
    FlashSizeUnsupported {
        size: String,
        chip: &'static str,
        supported: String,
    },

    #[error(
        "Flash frequency '{freq}' is not supported by {chip}. Supported frequencies: {supported}"
    )]
    FlashFreqUnsupported {
        freq: String,
        chip: &'static str,
        supported: String,
    },

    #[error(
        "{source_name} (length {len}) at offset 0x{addr:08x} will not fit in {flash_end} bytes of flash. Change the flash_size argument or flashing address."
    )]
    DoesNotFit {
        source_name: String,
        len: usize,
        addr: u32,
        flash_end: u32,
    },

    #[error(
        "Can't access flash regions larger than 16MB (set size 0x{size:x} from address 0x{addr:08x} goes past 16MB by 0x{over:x} bytes)."
    )]
    Beyond16Mb { addr: u32, size: u32, over: u64 },

    #[error(
        "Can't access flash regions larger than detected flash size (set size 0x{size:x} from address 0x{addr:08x} goes past {detected} by 0x{over:x} bytes)."
    )]
    BeyondDetected {
        addr: u32,
        size: u32,
        detected: String,
        over: u64,
    },

    #[error("Detecting flash size failed. Set an exact size value.")]
    FlashSizeUnknown,

    /// The data read back after a write differs from what was sent.
    #[error("{} (at 0x{addr:08x}: input MD5 {expected}, flash MD5 {actual}) Write again; if it keeps failing, try a lower --baud and check the board's power supply.", if *.empty { "Write failed, the written flash region is empty." } else { "MD5 of file does not match data in flash!" })]
    Md5Mismatch {
        addr: u32,
        expected: String,
        actual: String,
        empty: bool,
    },

    /// The ROM's MD5 reply should be 32 hex digits.
    #[error(
        "The MD5 of flash at 0x{addr:08x} came back garbled ({reply}): Possible serial noise or corruption. Try again, or a lower --baud."
    )]
    BadMd5Reply { addr: u32, reply: String },

    #[error(
        "Corrupt data, expected 0x{expected:x} bytes but received 0x{got:x} bytes. {SERIAL_HINT}"
    )]
    CorruptData { expected: usize, got: usize },

    #[error("Read more than expected. {SERIAL_HINT}")]
    ReadTooMuch,

    #[error("Expected digest, got: {0}. {SERIAL_HINT}")]
    ExpectedDigest(String),

    #[error("Digest mismatch: expected {expected}, got {actual}. {SERIAL_HINT}")]
    DigestMismatch { expected: String, actual: String },

    #[error("Expected {expected} byte block, got {got} bytes. {SERIAL_HINT}")]
    ShortBlock { expected: usize, got: usize },

    /// A caller asked for something that cannot be done (bad address, size...).
    #[error("{0}")]
    Invalid(String),

    #[error("Could not write {path}: {source}")]
    Output {
        path: String,
        #[source]
        source: io::Error,
    },
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
