//! Everything that can go wrong while talking to a chip, with the context a user needs.
//!
//! A message says what happened; what to do about it is a typed
//! [`Hint`](crate::Hint) (see [`Error::hint`]), which a front end words for its own
//! users: the `espctl` CLI names its options, a web page would name its buttons.

pub use crate::backup::RestoreRefused;
pub use crate::flash::safety::SafetyRefusal;
use crate::link::ConnectFailure;
pub use crate::link::ReadFailure;
pub use crate::session::StubStartFailure;
use crate::stub::StubStoreError;
use espctl_chips::IdentityError;
use espctl_image::ImageError;
use espctl_protocol::Opcode;
use espctl_transport::OpenError;
use std::io;

/// Where esptool's troubleshooting guide is; esptool names it when it cannot connect.
pub const TROUBLESHOOTING_URL: &str =
    "https://docs.espressif.com/projects/esptool/en/latest/troubleshooting.html";

/// Everything the library reports as a failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The port could not be opened.
    #[error(transparent)]
    Open(#[from] OpenError),

    /// An encrypted write was refused before anything was written.
    #[error(transparent)]
    Encrypt(#[from] crate::flash::encrypt::EncryptError),

    /// The flash chip's block protection covers what was to be written.
    #[error(transparent)]
    WriteProtected(#[from] crate::spi::WriteProtected),

    /// A flash connection or supply setting the chip cannot make.
    #[error(transparent)]
    SpiSetup(#[from] crate::spi::SpiSetupError),

    /// A safety check refused to write or erase (see [`crate::flash::safety`]).
    #[error(transparent)]
    Safety(crate::flash::safety::SafetyRefusal),

    /// The port failed while in use (unplugged, gone).
    #[error("Serial port {port} failed: {source}.")]
    Io {
        /// The port as named.
        port: String,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },

    /// The port took no data for its whole write timeout (flow control held, a stuck
    /// driver or adapter).
    #[error("Serial port {port} failed: write timeout (it took no data for {} s).", after.as_secs_f64())]
    WriteTimeout {
        /// The port as named.
        port: String,
        /// The write timeout that ran out.
        after: std::time::Duration,
    },

    /// No (complete) reply arrived in time.
    #[error("{failure} (waiting for the reply to {op})")]
    NoReply {
        /// The command whose reply did not come.
        op: Opcode,
        /// What arrived instead.
        failure: ReadFailure,
    },

    /// A frame was expected (data, a digest) and did not arrive whole.
    #[error("{0}")]
    Read(ReadFailure),

    /// 100 frames came, none of them the reply to `op`.
    #[error("Response doesn't match request ({op}).")]
    ResponseMismatch {
        /// The command sent.
        op: Opcode,
    },

    /// The loader answered with an error status.
    #[error("Failed to {what} (result was {}: {meaning})", hex_upper(status))]
    CommandFailed {
        /// Completes "Failed to ...": what the command was for.
        what: String,
        /// The two status bytes (status, error code).
        status: [u8; 2],
        /// What the error code means.
        meaning: &'static str,
    },

    /// The reply was too short to hold its status bytes.
    #[error("Failed to {what}. Only got {len} byte status response.")]
    ShortStatus {
        /// Completes "Failed to ...".
        what: String,
        /// Bytes of body received.
        len: usize,
    },

    /// The ROM answered "invalid message" with another opcode: it lacks this command.
    #[error("This command ({op}) is not supported in the current download mode")]
    UnsupportedCommand {
        /// The command the loader does not know.
        op: Opcode,
    },

    /// Secure Download Mode does not allow it.
    #[error(transparent)]
    SecureDownload(#[from] SecureDownloadRefusal),

    /// The loader that runs cannot do this; the flasher stub can.
    #[error("{loader} does not support {what}.")]
    NeedsStub {
        /// "ESP8266 ROM", "The ESP32 flasher stub".
        loader: String,
        /// What was asked for, e.g. "reading flash".
        what: &'static str,
    },

    /// No connection attempt reached the bootloader.
    #[error(
        "Failed to connect to {target}: {reason} For troubleshooting steps visit: {TROUBLESHOOTING_URL}"
    )]
    ConnectFailed {
        /// The chip named with the plan, or "Espressif device".
        target: String,
        /// Why, from what the last attempt saw.
        reason: ConnectFailure,
    },

    /// Port scanning found no port with a chip answering.
    #[error(
        "Could not connect to an Espressif device on any of the {tried} available serial ports."
    )]
    NoPortConnected {
        /// How many ports were tried.
        tried: usize,
    },

    /// The chip detected is not the one the plan named.
    #[error("This chip is {detected}, not {expected}. Wrong chip argument?")]
    WrongChip {
        /// What the chip says it is.
        detected: &'static str,
        /// What the plan said it would be.
        expected: &'static str,
    },

    /// Detection read a magic value no known chip has.
    #[error(
        "Unexpected chip magic value 0x{magic:08x}. Failed to autodetect chip type. Probably it is unsupported by this version of espctl."
    )]
    UnknownChip {
        /// The value of the magic register.
        magic: u32,
    },

    /// The chip's identity eFuses cannot be decoded (an ESP8266 MAC of an unknown vendor).
    #[error(transparent)]
    Identity(#[from] IdentityError),

    /// After CHANGE_BAUDRATE the chip answered neither at the new rate nor the old one.
    #[error(
        "The chip stopped answering after switching to {baud} baud (the serial adapter or cable may not manage that rate)."
    )]
    BaudLost {
        /// The rate asked for.
        baud: u32,
        /// The rate before.
        old: u32,
    },

    /// The port does not take the rate asked for.
    #[error("Serial port {port} does not support {baud} baud.")]
    BaudRefused {
        /// The port as named.
        port: String,
        /// The rate it refused.
        baud: u32,
    },

    /// The stub was uploaded but did not start.
    #[error("Failed to start stub flasher. {0}")]
    StubStart(StubStartFailure),

    /// The store of installed stubs failed.
    #[error(transparent)]
    StubStore(#[from] StubStoreError),

    /// A raw SPI command through the controller registers never finished.
    #[error("SPI command 0x{command:02x} did not complete in time")]
    SpiTimeout {
        /// The flash opcode sent.
        command: u8,
    },

    /// A raw SPI command asks for more than the controller's buffer holds.
    #[error("SPI commands read at most 32 bits and write at most 64 bytes")]
    SpiTooLong,

    /// An image's header could not be patched (a flash size or frequency the chip lacks).
    #[error(transparent)]
    Image(#[from] ImageError),

    /// A file does not fit in the flash.
    #[error(
        "{source_name} (length {len}) at offset 0x{addr:08x} will not fit in {flash_end} bytes of flash. Change the flash_size argument or flashing address."
    )]
    DoesNotFit {
        /// `File 'x.bin'` or `Input image`.
        source_name: String,
        /// Bytes to write.
        len: usize,
        /// Where (an address past 4 GB is reported as such too).
        addr: u64,
        /// Bytes of flash.
        flash_end: u32,
    },

    /// Two files share a flash sector.
    #[error("Detected overlap at address: 0x{addr:x} for file: {name}.")]
    Overlap {
        /// The later file's address.
        addr: u32,
        /// The later file's name.
        name: String,
    },

    /// Flash data would run past the 32-bit address space.
    #[error(
        "{what} ({len} bytes) at {addr:#010x} runs past the end of the 32-bit flash address space."
    )]
    PastFlashSpace {
        /// What: `'x.bin'`, `A read`.
        what: String,
        /// Its length.
        len: u64,
        /// Where it starts.
        addr: u32,
    },

    /// load-ram: a segment of the image runs past the end of memory.
    #[error(
        "A segment of {len} bytes at {addr:#010x} runs past the end of the address space: the image is damaged."
    )]
    SegmentPastAddressSpace {
        /// Its length.
        len: usize,
        /// Where it starts.
        addr: u32,
    },

    /// A flash address that must be word-aligned is not.
    #[error(
        "Address {addr:#x} of '{name}' is not a multiple of 4: flash is written in 4-byte words."
    )]
    Unaligned {
        /// The address.
        addr: u32,
        /// The file meant for it.
        name: String,
    },

    /// Regions are accessed in 16MB at most (esptool's limit).
    #[error(
        "Can't access flash regions larger than 16MB (set size 0x{size:x} from address 0x{addr:08x} goes past 16MB by 0x{over:x} bytes)."
    )]
    Beyond16Mb {
        /// Start.
        addr: u32,
        /// Length.
        size: u32,
        /// Bytes past 16MB.
        over: u64,
    },

    /// A region goes past the flash size RDID reported.
    #[error(
        "Can't access flash regions larger than detected flash size (set size 0x{size:x} from address 0x{addr:08x} goes past {detected} by 0x{over:x} bytes)."
    )]
    BeyondDetected {
        /// Start.
        addr: u32,
        /// Length.
        size: u32,
        /// The detected size, e.g. `4MB`.
        detected: String,
        /// Bytes past the end.
        over: u64,
    },

    /// A size is larger than the detected flash.
    #[error("Specified size {size:#x} is greater than detected flash size {detected:#x}.")]
    SizeBeyondDetected {
        /// The size asked for.
        size: u32,
        /// The flash's size in bytes.
        detected: u32,
    },

    /// `ALL` was asked for and the flash size is unknown.
    #[error("Detecting flash size failed. Set an exact size value.")]
    FlashSizeUnknown,

    /// Erases are whole 4KB sectors.
    #[error("{what} must be a multiple of 4096.")]
    EraseUnaligned {
        /// "Offset to erase from" or "Size of data to erase".
        what: &'static str,
    },

    /// The ESP8266 ROM's erase bug makes this exact region impossible to erase alone.
    #[error(
        "The {chip} ROM cannot erase exactly {size:#x} bytes at {addr:#010x}: its erase bug would also erase the next sector."
    )]
    InexactRomErase {
        /// The chip name.
        chip: &'static str,
        /// Start.
        addr: u32,
        /// Length.
        size: u32,
    },

    /// The data read back after a write differs from what was sent.
    #[error("{} (at 0x{addr:08x}: input MD5 {expected}, flash MD5 {actual})", if *.empty { "Write failed, the written flash region is empty." } else { "MD5 of file does not match data in flash!" })]
    Md5Mismatch {
        /// Start of the region.
        addr: u32,
        /// MD5 of what was sent, lower-case hex.
        expected: String,
        /// MD5 the chip computed, lower-case hex.
        actual: String,
        /// The flash holds nothing but 0xFF there.
        empty: bool,
    },

    /// The ROM's MD5 reply should be 32 hex digits.
    #[error(
        "The MD5 of flash at 0x{addr:08x} came back garbled ({reply}): Possible serial noise or corruption."
    )]
    BadMd5Reply {
        /// Start of the region hashed.
        addr: u32,
        /// The reply, hex.
        reply: String,
    },

    /// A data frame of a flash read was shorter than the packet size.
    #[error("Corrupt data, expected 0x{expected:x} bytes but received 0x{got:x} bytes.")]
    CorruptData {
        /// The packet size.
        expected: usize,
        /// What came.
        got: usize,
    },

    /// A flash read delivered more bytes than asked for.
    #[error("Read more than expected.")]
    ReadTooMuch,

    /// The frame after the data of a flash read was not a 16-byte MD5.
    #[error("Expected digest, got: {0}.")]
    ExpectedDigest(String),

    /// The MD5 of data read differs from the chip's.
    #[error("Digest mismatch: expected {expected}, got {actual}.")]
    DigestMismatch {
        /// The chip's MD5, upper-case hex.
        expected: String,
        /// MD5 of what arrived, upper-case hex.
        actual: String,
    },

    /// A ROM read block was shorter than asked.
    #[error("Expected {expected} byte block, got {got} bytes.")]
    ShortBlock {
        /// Bytes asked for.
        expected: usize,
        /// Bytes received.
        got: usize,
    },

    /// load-ram: a segment would overwrite the stub that is running.
    #[error(
        "Stub flasher is resident at {start:#010x}-{end:#010x}. Can't load binary at overlapping address range {addr:#010x}-{addr_end:#010x}."
    )]
    StubResident {
        /// Stub RAM start.
        start: u32,
        /// Stub RAM end.
        end: u32,
        /// Segment start.
        addr: u32,
        /// Segment end.
        addr_end: u64,
    },

    /// ESP8266 SDK areas were asked for on another chip.
    #[error("The ESP8266 SDK's init data and system areas do not exist on the {chip}.")]
    NotEsp8266 {
        /// The chip connected.
        chip: &'static str,
    },

    /// After a damaged transfer the loader never answered SYNC cleanly again.
    #[error("The link to the chip could not be resynchronised after damaged data.")]
    NoResync,

    /// The port went away and did not come back in time.
    #[error("Serial port {port} went away and did not come back within {} s.", waited.as_secs_f32())]
    LinkLost {
        /// The port as named.
        port: String,
        /// How long it was waited for.
        waited: std::time::Duration,
    },

    /// A restore refused to go ahead.
    #[error(transparent)]
    Restore(#[from] RestoreRefused),

    /// `--after soft-reset` through a stub that cannot do it.
    #[error("Soft resetting is currently only supported on ESP8266")]
    SoftResetUnsupported,

    /// A bug in espctl (a broken invariant), not a problem of the chip or the line.
    #[error("internal error: {0}")]
    Internal(&'static str),

    /// The operation was cancelled (the front end's Ctrl-C) and stopped between blocks.
    #[error("{0}")]
    Interrupted(crate::cancel::Interruption),
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// A result whose error is the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What Secure Download Mode does not allow (esptool's words).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecureDownloadRefusal {
    /// A command other than get-security-info, write-flash and erase-region.
    #[error("The '{0}' command is not available in Secure Download Mode.")]
    Command(String),
    /// The flash size cannot be detected (no RDID).
    #[error(
        "Detecting flash size is not supported in secure download mode. Need to manually specify flash size."
    )]
    DetectFlashSize,
}
