//! What the library reports while it works. It never prints: a front end receives these
//! events and renders them (the `espctl` CLI prints esptool-compatible lines and
//! progress bars).

use crate::error::Error;
use crate::loader::Limitation;
use crate::session::ChipInfo;
use crate::stub::StubStoreError;
use espctl_chips::{Chip, FlashSize};
use espctl_image::PatchWarning;
use std::sync::Arc;

/// Receives every event. Shared by the connection and the session, so it must be `Fn`;
/// a renderer that keeps state wraps it in a `Mutex`.
pub type EventSink = Arc<dyn Fn(Event) + Send + Sync>;

/// An event sink that drops everything.
pub fn ignore_events() -> EventSink {
    Arc::new(|_| {})
}

/// The long-running operations that report progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Writing flash.
    Write,
    /// Reading flash or memory.
    Read,
    /// Erasing flash.
    Erase,
}

/// How the reset before connecting was (not) done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetNote {
    /// `socket://`: there are no reset lines.
    Socket,
    /// The user chose `no-reset` or `no-reset-no-sync`.
    Skipped(&'static str),
}

/// Something the library did or found, in the order it happened.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Event {
    /// No port was named: this many ports will be tried, in order.
    PortsFound {
        /// How many.
        count: usize,
    },
    /// A port is opened and a chip looked for on it.
    PortOpening {
        /// The port as named.
        port: String,
    },
    /// While scanning: nothing answered on this port; the next is tried.
    PortFailed {
        /// The port as named.
        port: String,
        /// What went wrong there.
        error: Arc<Error>,
    },
    /// Before connecting: the reset cannot or will not be done.
    ResetDisabled(ResetNote),
    /// The port has no DTR/RTS: the chip was not reset (reported once per session).
    ResetLinesUnsupported {
        port: String,
    },
    /// Syncing starts.
    Connecting,
    /// One sync try failed (esptool prints a dot).
    SyncFailed,
    /// Syncing ended (successfully or not).
    ConnectDone,
    /// Chip detection starts (only without `--chip`).
    DetectingChip,
    /// Detection found this chip.
    ChipDetected {
        /// The chip.
        chip: &'static Chip,
    },
    /// Connected: the chip's identity as read from its eFuses.
    Connected {
        /// The chip.
        chip: &'static Chip,
        /// The port as named.
        port: String,
        /// Name, features, crystal, MAC.
        info: ChipInfo,
    },
    /// The flasher stub answered SYNC: no upload needed.
    StubAlreadyRunning,
    StubUploading,
    StubStarting,
    StubRunning,
    /// No stub is installed for this chip: the ROM loader does the work, without what
    /// `limits` lists.
    StubNotInstalled {
        /// The chip.
        chip: &'static Chip,
        /// What the ROM loader lacks.
        limits: Vec<Limitation>,
    },
    /// The store of installed stubs could not give one (damaged file, no data folder):
    /// carrying on with the ROM loader.
    StubStoreUnusable {
        /// Why.
        error: Arc<StubStoreError>,
    },
    BaudChanging {
        baud: u32,
    },
    BaudChanged {
        baud: u32,
    },
    /// The ROM cannot change baud rate (ESP8266).
    BaudUnchanged {
        baud: u32,
    },
    /// Nothing answered at `tried`; the chip still talks at `baud`, which is used.
    BaudFellBack {
        tried: u32,
        baud: u32,
    },
    /// The chip stopped answering at `tried` baud (the caller chose no rate): it is
    /// reset and connected to again at `baud`.
    BaudLostRecovering {
        /// The chip.
        chip: &'static Chip,
        /// The rate that failed.
        tried: u32,
        /// The rate used from now on.
        baud: u32,
    },
    /// ROM attach: `pads` is `Some((clk, q, d, hd, cs))` when eFuses select other pins.
    AttachingFlash {
        pads: Option<[u8; 5]>,
    },
    ConfiguringFlashSize,
    FlashSizeDetected {
        size: FlashSize,
    },
    /// `detect` failed: 4MB assumed.
    FlashSizeDefaulted,
    /// ROM with `keep`: the size sent to the ROM may be wrong.
    FlashSizeKeepNote,
    /// The set size is larger than what was detected.
    FlashSizeLargerThanDetected {
        set: FlashSize,
        detected: FlashSize,
    },
    FlashOver16MbNote,
    /// The flash chip answered RDID with a value meaning "nothing there".
    FlashNotResponding,
    /// `ALL` of the flash was asked for: it has this size.
    WholeFlash {
        /// The detected size.
        size: FlashSize,
    },
    /// A file of a multi-file write starts.
    FileStarting {
        name: String,
        addr: u32,
    },
    FileEmpty {
        name: String,
    },
    /// Header bytes 2 and 3 changed (`value` = byte2 << 8 | byte3).
    FlashParamsSet {
        value: u16,
    },
    ShaDigestUpdated,
    /// The bootloader-offset file was left alone, with the reason.
    ImageNotPatched {
        /// Where the file goes.
        addr: u32,
        /// Why it was not patched.
        warning: PatchWarning,
    },
    /// `bytes_before` bytes before `addr` will be erased too (unaligned address).
    UnalignedErase {
        addr: u32,
        bytes_before: u32,
    },
    EraseRange {
        start: u32,
        end_inclusive: u32,
    },
    /// The chip hashes the flash the file will cover (`len` bytes at `addr`) to find
    /// what changed.
    ComparingFlash {
        addr: u32,
        len: u32,
    },
    /// The flash already holds the file: nothing written. The chip's MD5s of the
    /// compared range matched, so every byte is verified.
    FlashUnchanged {
        /// `'name'` or `Input bytes`.
        source: String,
        addr: u32,
    },
    /// Some sectors hold the new data already: only the changed ones follow.
    ChangedSectorsFound,
    /// A run of changed sectors is rewritten.
    Reflashing {
        addr: u32,
        sectors: u32,
    },
    Incompressible {
        name: String,
        compressed: usize,
        uncompressed: usize,
    },
    Compressed {
        uncompressed: usize,
        compressed: usize,
    },
    /// The ROM erases the whole region when a write begins.
    RomErasing,
    RomEraseTook {
        seconds: f64,
    },
    ProgressStart {
        op: Operation,
        addr: u32,
        total: u64,
    },
    /// `done` of `total` bytes; `addr` is where the operation has got to.
    Progress {
        op: Operation,
        addr: u32,
        done: u64,
        total: u64,
    },
    ProgressEnd {
        op: Operation,
    },
    Wrote {
        addr: u32,
        bytes: usize,
        compressed: Option<usize>,
        seconds: f64,
    },
    Verifying,
    Verified,
    /// The loader cannot compute MD5 (ESP8266 ROM): nothing was checked.
    VerifyUnavailable,
    /// `verify-flash` compares a file (after header patching) with flash.
    VerifyingFile {
        addr: u32,
        len: usize,
        /// `None` for data that came without a file.
        name: Option<String>,
    },
    Read {
        addr: u32,
        bytes: usize,
        seconds: f64,
    },
    ErasingFlash,
    FlashErased {
        seconds: f64,
    },
    ErasingRegion,
    RegionErased {
        seconds: f64,
    },
    /// With `--chip`: the magic value matched no known chip; carrying on as told.
    ChipUnverified {
        chip: &'static Chip,
        magic: u32,
    },
    HardResetting,
    SoftResetting,
    StayingInBootloader,
    StayingInStub,
    WatchdogUnsupported {
        chip: &'static Chip,
    },
    Trace(Trace),
}

/// One line of `--trace` output: the frames on the wire.
#[derive(Debug, Clone)]
pub enum Trace {
    Command {
        op: u8,
        name: &'static str,
        data: Vec<u8>,
        wait_response: bool,
        timeout_secs: f64,
    },
    Write(Vec<u8>),
    Read(Vec<u8>),
    Packet(Vec<u8>),
    /// Bytes received outside any frame (boot messages, noise).
    Noise(Vec<u8>),
}
