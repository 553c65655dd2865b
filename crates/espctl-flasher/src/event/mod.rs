//! What the library reports while it works. It never prints: a front end receives these
//! events and renders them (the `espctl` CLI prints esptool-compatible lines and
//! progress bars).

use crate::error::Error;
use crate::loader::Limitation;
use crate::session::ChipInfo;
use crate::stub::{ObtainError, StubOrigin, StubStoreError};
use espctl_chips::{Chip, FlashSize};
use espctl_image::PatchWarning;
use std::sync::Arc;

mod trace;
pub use trace::Trace;

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
    /// Opening the named port and connecting failed; both are tried again after
    /// [`crate::OPEN_RETRY_WAIT`] ([`crate::PortSpec::open_attempts`]).
    OpenRetry {
        /// The port as named.
        port: String,
        /// The attempt that failed, from 1.
        attempt: u32,
        /// Why it failed.
        error: Arc<Error>,
    },
    /// Open attempts other than 1 were asked for, but they apply only to a named port
    /// with the chip named (as in esptool): the port is opened once.
    OpenAttemptsIgnored,
    /// Before connecting: the reset cannot or will not be done.
    ResetDisabled(ResetNote),
    /// The port has no DTR/RTS: the chip was not reset (reported once per session).
    ResetLinesUnsupported {
        /// The port as named.
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
    /// The stub's segments go into RAM.
    StubUploading,
    /// The ROM is told to jump to the stub.
    StubStarting,
    /// The stub greeted: it answers from now on.
    StubRunning,
    /// No stub is installed for this chip: the ROM loader does the work, without what
    /// `limits` lists.
    StubNotInstalled {
        /// The chip.
        chip: &'static Chip,
        /// What the ROM loader lacks.
        limits: Vec<Limitation>,
    },
    /// The chip's stub was missing and has been obtained and installed (first use).
    StubObtained {
        /// The chip.
        chip: &'static Chip,
        /// Where it came from.
        origin: StubOrigin,
    },
    /// The chip's stub was missing and could not be obtained: the ROM loader does the
    /// work, without what `limits` lists.
    StubNotObtained {
        /// The chip.
        chip: &'static Chip,
        /// Why.
        error: Arc<ObtainError>,
        /// What the ROM loader lacks.
        limits: Vec<Limitation>,
    },
    /// The stub cannot run on this chip as it is (esptool disables it): the ROM loader
    /// does the work.
    StubDisabled {
        /// The chip.
        chip: &'static Chip,
        /// Why.
        reason: StubDisabledReason,
    },
    /// The store of installed stubs could not give one (damaged file, no data folder):
    /// carrying on with the ROM loader.
    StubStoreUnusable {
        /// Why.
        error: Arc<StubStoreError>,
    },
    /// The loader is asked to switch to `baud`.
    BaudChanging {
        /// The new rate.
        baud: u32,
    },
    /// The loader switched; the host follows.
    BaudChanged {
        /// The new rate.
        baud: u32,
    },
    /// The ROM cannot change baud rate (ESP8266): the line stays at `baud`.
    BaudUnchanged {
        /// The rate kept.
        baud: u32,
    },
    /// The line is the chip's own USB port: there is no baud rate to raise, `baud` is
    /// kept.
    BaudNotOnWire {
        /// The port's kind (`USB-Serial/JTAG`, `USB-OTG`).
        port: &'static str,
        /// The rate the port keeps.
        baud: u32,
    },
    /// Nothing answered at `tried`; the chip still talks at `baud`, which is used.
    BaudFellBack {
        /// The rate that did not work.
        tried: u32,
        /// The rate used.
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
    /// The port's USB-serial bridge is a known one: the fast default tries `rates`,
    /// fastest first (those up to its `max_baud` that the chip's UART divider makes).
    AdapterRates {
        /// The bridge's name (`CP2102N`).
        adapter: &'static str,
        /// The fastest rate it carries.
        max_baud: u32,
        /// The rates to try.
        rates: Vec<u32>,
    },
    /// The fast default's rate `tried` did not work (nothing answered a SYNC there):
    /// the next lower rate `next` is tried.
    BaudSteppingDown {
        /// The rate that failed.
        tried: u32,
        /// The rate tried next.
        next: u32,
    },
    /// ROM attach: `pads` is `Some((clk, q, d, hd, cs))` when eFuses select other pins.
    AttachingFlash {
        /// The eFuse pin selection, when it is not the default.
        pads: Option<[u8; 5]>,
    },
    /// The flash size to use is worked out and told to the loader.
    ConfiguringFlashSize,
    /// `detect`: RDID says the flash has this size.
    FlashSizeDetected {
        /// The size.
        size: FlashSize,
    },
    /// `detect` failed: 4MB assumed.
    FlashSizeDefaulted,
    /// ROM with `keep`: the size sent to the ROM may be wrong.
    FlashSizeKeepNote,
    /// The set size is larger than what was detected.
    FlashSizeLargerThanDetected {
        /// The size asked for.
        set: FlashSize,
        /// The size RDID reports.
        detected: FlashSize,
    },
    /// The flash is larger than 16MB, which the loaders address only in part.
    FlashOver16MbNote,
    /// The flash chip answered RDID with a value meaning "nothing there".
    FlashNotResponding,
    /// With `--spi-connection`: the pins chosen may be taken by other peripherals.
    ChosenPinsMayBeBusy,
    /// The flash is attached on the pins asked for (`--spi-connection`).
    AttachingChosenPins {
        /// "SPI", "HSPI" or "CLK:6, Q:7, D:8, HD:9, CS:11".
        connection: String,
    },
    /// `--override-vddsdio`: the flash supply regulator was set.
    VddSdioSet {
        /// "1.8V", "1.9V" or "OFF".
        voltage: &'static str,
    },
    /// A backup is checked: the chip hashes the flash it was read from.
    CheckingBackup {
        /// Start of the range.
        addr: u32,
        /// Its length.
        len: u32,
    },
    /// A restore goes onto another board of the same chip type (its MAC differs).
    RestoringOtherBoard {
        /// The MAC in the backup's manifest.
        backup_mac: String,
        /// The MAC of the chip connected.
        device_mac: String,
    },
    /// The image at 0x0 declares another flash size than the chip has: the SDK will
    /// look for its data where the declared size puts it.
    DeclaredSizeDiffers {
        /// The size the image header declares.
        declared: FlashSize,
        /// The size RDID reports.
        detected: FlashSize,
    },
    /// The ESP8266 SDK areas go where the declared flash size puts them.
    Esp8266Areas {
        /// The size the image header declares.
        declared: FlashSize,
        /// Where the init data goes, if asked for.
        init_data: Option<u32>,
        /// Where the blank sector goes, if asked for.
        blank: Option<u32>,
    },
    /// A frame was lost or damaged: the link is resynchronised (drain, SYNC).
    Resyncing,
    /// A write session failed part way: the chip's MD5s tell which sectors of `len`
    /// bytes at `addr` still differ, and those are written again.
    Healing {
        /// Start of the range checked.
        addr: u32,
        /// Its length.
        len: u32,
    },
    /// A read failed part way: it goes on from `addr`, the end of what the chip's MD5
    /// confirmed.
    ReadResuming {
        /// Where reading continues.
        addr: u32,
    },
    /// The port went away: it is opened again (for up to `timeout`), the chip reset
    /// into its loader and the stub started, and the operation resumed.
    Reconnecting {
        /// The port as named.
        port: String,
        /// How long it is waited for.
        timeout: std::time::Duration,
        /// Whether espctl can reset the chip into its loader; if not, the user must (or
        /// the port does, as a TCP bridge to a board that resets on connection).
        can_reset: bool,
    },
    /// The operation is over and the link needed help: what it took.
    LinkReport(crate::session::LinkStats),
    /// `ALL` of the flash was asked for: it has this size.
    WholeFlash {
        /// The detected size.
        size: FlashSize,
    },
    /// A file of a multi-file write starts.
    FileStarting {
        /// Its name.
        name: String,
        /// Where it goes.
        addr: u32,
    },
    /// A file has no bytes: nothing is written for it.
    FileEmpty {
        /// Its name.
        name: String,
    },
    /// Header bytes 2 and 3 changed (`value` = byte2 << 8 | byte3).
    FlashParamsSet {
        /// The new header bytes.
        value: u16,
    },
    /// The SHA-256 appended to the image was recomputed after patching its header.
    ShaDigestUpdated,
    /// A file away from the bootloader offset is an image for another chip or chip
    /// revision; it is written anyway (esptool's note): why, in esptool's words.
    ImageIncompatible {
        /// `'x.bin' is not an ESP32 image`.
        text: String,
    },
    /// Secure Boot is on: the file's header is not patched with the flash parameters
    /// asked for.
    SecurityKeepsFlashSettings,
    /// The bootloader-offset file was left alone, with the reason.
    ImageNotPatched {
        /// Where the file goes.
        addr: u32,
        /// Why it was not patched.
        warning: PatchWarning,
    },
    /// `bytes_before` bytes before `addr` will be erased too (unaligned address).
    UnalignedErase {
        /// The file's address.
        addr: u32,
        /// Bytes of its sector before it.
        bytes_before: u32,
    },
    /// The sectors a write erases.
    EraseRange {
        /// First byte.
        start: u32,
        /// Last byte.
        end_inclusive: u32,
    },
    /// The chip hashes the flash the file will cover (`len` bytes at `addr`) to find
    /// what changed.
    ComparingFlash {
        /// Start of the range hashed.
        addr: u32,
        /// Its length.
        len: u32,
    },
    /// The flash already holds the file: nothing written. The chip's MD5s of the
    /// compared range matched, so every byte is verified.
    FlashUnchanged {
        /// `'name'` or `Input bytes`.
        source: String,
        /// Where the file is.
        addr: u32,
    },
    /// Some sectors hold the new data already: only the changed ones follow.
    ChangedSectorsFound,
    /// A run of changed sectors is rewritten.
    Reflashing {
        /// First byte of the run.
        addr: u32,
        /// Sectors in it.
        sectors: u32,
    },
    /// A part does not get smaller compressed: it is sent as it is.
    Incompressible {
        /// The file's name.
        name: String,
        /// Bytes it compressed to.
        compressed: usize,
        /// Bytes it has.
        uncompressed: usize,
    },
    /// A part was compressed.
    Compressed {
        /// Bytes of flash content.
        uncompressed: usize,
        /// Bytes sent.
        compressed: usize,
    },
    /// The ROM erases the whole region when a write begins.
    RomErasing,
    /// The ROM's erase is done.
    RomEraseTook {
        /// How long it took.
        seconds: f64,
    },
    /// An operation with progress starts.
    ProgressStart {
        /// Which.
        op: Operation,
        /// Where it starts.
        addr: u32,
        /// Bytes it covers.
        total: u64,
    },
    /// `done` of `total` bytes; `addr` is where the operation has got to.
    Progress {
        /// Which.
        op: Operation,
        /// Where it has got to.
        addr: u32,
        /// Bytes done.
        done: u64,
        /// Bytes in all.
        total: u64,
    },
    /// The operation with progress ended.
    ProgressEnd {
        /// Which.
        op: Operation,
    },
    /// A run of flash was written.
    Wrote {
        /// Where (the file's address, or the run's when only part was rewritten).
        addr: u32,
        /// Bytes of flash content.
        bytes: usize,
        /// Bytes sent, when compressed.
        compressed: Option<usize>,
        /// How long it took.
        seconds: f64,
    },
    /// The chip hashes what was written.
    Verifying,
    /// The chip's MD5 of what was written matches what was sent.
    Verified,
    /// The loader cannot compute MD5 (ESP8266 ROM): nothing was checked.
    VerifyUnavailable,
    /// An encrypted file was written: the flash holds ciphertext the host cannot
    /// compute, so nothing was checked.
    EncryptedNotVerified,
    /// Before an encrypted write: FLASH_CRYPT_CONFIG is not 0xF (flash encryption not
    /// set up).
    FlashCryptConfigUnexpected {
        /// Its value.
        value: u32,
    },
    /// Before an encrypted write: the flash encryption key block is blank.
    FlashEncryptionKeyNotProgrammed,
    /// Before an encrypted write: a file's address is not a multiple of the encrypted
    /// write alignment.
    EncryptUnaligned {
        /// `'name'`, or `Input image` for data without a file.
        source: String,
        /// The file's address.
        addr: u32,
        /// The alignment encrypted writes need.
        align: u32,
    },
    /// `verify-flash` compares a file (after header patching) with flash.
    VerifyingFile {
        /// Where.
        addr: u32,
        /// Bytes compared.
        len: usize,
        /// `None` for data that came without a file.
        name: Option<String>,
    },
    /// Flash was read.
    Read {
        /// Where.
        addr: u32,
        /// Bytes read.
        bytes: usize,
        /// How long it took.
        seconds: f64,
    },
    /// The whole flash is erased.
    ErasingFlash,
    /// The whole flash is erased.
    FlashErased {
        /// How long it took.
        seconds: f64,
    },
    /// A region is erased.
    ErasingRegion,
    /// The region is erased.
    RegionErased {
        /// How long it took.
        seconds: f64,
    },
    /// A chip was named: its magic value matched no known chip; carrying on as told.
    ChipUnverified {
        /// The chip named.
        chip: &'static Chip,
        /// The magic register's value.
        magic: u32,
    },
    /// EN is pulsed: the chip restarts into its application.
    HardResetting,
    /// The chip is reset through its RTC watchdog (`--after watchdog-reset`).
    WatchdogResetting,
    /// The user's hard reset sequence ran (esptool's `custom_hard_reset_sequence`).
    CustomHardReset {
        /// The sequence as written.
        sequence: String,
    },
    /// The loader is asked to start the application.
    SoftResetting,
    /// The ROM loader is left running.
    StayingInBootloader,
    /// The flasher stub is left running.
    StayingInStub,
    /// The chip has no watchdog reset: a hard reset is done instead.
    WatchdogUnsupported {
        /// The chip.
        chip: &'static Chip,
    },
    /// A frame or bytes on the wire, when tracing.
    Trace(Trace),
}

/// Why the stub is not started although it was not turned off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StubDisabledReason {
    /// Secure Download Mode takes no RAM uploads.
    SecureDownload,
    /// Secure Boot is on, where esptool does not run the stub (ESP32-C3).
    SecureBoot,
}
