//! A connected chip: the link to it, which chip it is, and which loader answers. The
//! operations build on this: registers and identity, the stub, the baud rate and RAM
//! in the files beside it, flash in [`crate::flash`] and [`crate::spi`].

mod after;
mod baud;
mod connect_options;
mod identity;
mod limits;
mod ram;
mod recovery;
mod security;
mod stub_start;
mod usb;

pub use baud::BaudChange;
pub use connect_options::ConnectOptions;
pub use limits::OperationLimits;
pub use recovery::LinkStats;
pub use stub_start::StubStartFailure;
pub use usb::NativeUsb;

use crate::cancel::{Cancel, Interruption};
use crate::error::{Error, Result};
use crate::event::{Event, EventSink, ResetNote};
use crate::link::{self, Before, ConnectFailure, Connection};
use crate::loader::{self, Loader, LoaderKind};
use espctl_chips::{Chip, IdentityError};
use espctl_transport::{Transport, TransportKind};

/// What identifies a chip, as printed after connecting.
#[derive(Debug, Clone, PartialEq)]
pub struct ChipInfo {
    /// `ESP8266EX`, `ESP32-D0WD-V3 (revision v3.0)`.
    pub description: String,
    /// `WiFi`, `BT`, `Dual Core + LP Core`, ...
    pub features: Vec<String>,
    /// Normalised to 26, 40 or 48 MHz.
    pub crystal_mhz: u32,
    /// The raw estimate, when it was far from the normalised value.
    pub crystal_odd_estimate: Option<f64>,
    /// The base MAC address (ESP8266: fails for an unknown vendor).
    pub mac: std::result::Result<[u8; 6], IdentityError>,
    /// Chips with an IEEE 802.15.4 radio: the two bytes that make the base MAC an
    /// EUI-64 (esptool's `MAC_EXT`, see [`espctl_chips::eui64`]).
    pub mac_ext: Option<[u8; 2]>,
    /// ESP8266 only.
    pub chip_id: Option<u32>,
    /// The ROM runs Secure Download Mode: only the chip's name is known.
    pub secure_download: bool,
}

/// What is known about the flash chip behind the loader.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct FlashState {
    /// The loader can reach the flash (SPI_ATTACH or its equivalent done).
    pub attached: bool,
    /// RDID result, read once.
    pub id: Option<u32>,
    /// SPI USR and USR2 as the loader left them (restored after each SPI command).
    pub spi_saved: Option<(u32, u32)>,
    /// The pins asked for (`--spi-connection`) and their SPI_ATTACH value.
    pub connection: Option<(crate::spi::SpiConnection, u32)>,
}

/// An open connection to one chip.
pub struct Session {
    pub(crate) conn: Connection,
    pub(crate) chip: &'static Chip,
    pub(crate) loader: Box<dyn Loader>,
    pub(crate) events: EventSink,
    /// The ROM runs Secure Download Mode (ENABLE_SECURITY_DOWNLOAD burnt): only
    /// flash writes, SPI setup and GET_SECURITY_INFO are taken.
    pub(crate) secure_download: bool,
    /// SYNC said a stub was already running when we connected.
    stub_found_running: bool,
    /// The "no reset lines" warning was reported.
    lines_warned: bool,
    /// The chip was reset through DTR/RTS when connecting, so it can be again.
    reset_worked: bool,
    pub(crate) flash: FlashState,
    /// RAM the stub we uploaded occupies (`[start, end)`), which load-ram must not touch.
    stub_ram: Vec<(u32, u32)>,
    /// What it took to keep the link working.
    pub(crate) stats: LinkStats,
    /// The largest data block the line currently carries well (`None`: the loader's).
    pub(crate) block_limit: Option<u32>,
    /// The caller's stop request, checked between blocks.
    cancel: Cancel,
    /// How long the long operations may take, how often a block is resent.
    pub(crate) limits: OperationLimits,
    /// The user's hard reset sequence, if any.
    custom_hard_reset: Option<link::CustomReset>,
}

impl Session {
    /// Resets the chip into its bootloader (per `options.before`), syncs and identifies
    /// it. Fails with esptool's explanation when nothing answers.
    pub fn connect(
        transport: Box<dyn Transport>,
        options: &ConnectOptions,
        events: EventSink,
    ) -> Result<Session> {
        let mut before = options.before;
        if matches!(before, Before::NoReset | Before::NoResetNoSync) {
            events(Event::ResetDisabled(ResetNote::Skipped(before.name())));
        }
        if transport.kind() == TransportKind::Socket {
            // There are no reset lines over TCP (esptool says so even with no-reset).
            events(Event::ResetDisabled(ResetNote::Socket));
            if before != Before::NoResetNoSync {
                before = Before::NoReset;
            }
        }
        if before == Before::DefaultReset
            && NativeUsb::of(transport.usb_device().as_ref(), None) == Some(NativeUsb::SerialJtag)
        {
            // As esptool: a USB-Serial/JTAG port (product 0x1001) gets its own sequence.
            before = Before::UsbReset;
        }
        let rfc2217 = transport.kind() == TransportKind::Rfc2217;
        let mut conn = Connection::new(transport, events.clone(), options.trace);
        conn.set_max_timeout(options.limits.longest_wait());
        conn.set_timeout(options.limits.timeout);
        let mut strategies = link::bootloader_sequence_with(before, &options.reset);
        if rfc2217 {
            strategies = strategies
                .into_iter()
                .filter_map(link::ResetStrategy::over_rfc2217)
                .collect();
        }
        let mut lines_warned = false;

        events(Event::Connecting);
        let mut outcome = Err(ConnectFailure::NotAttempted);
        let mut n = 0u32;
        while options.attempts == 0 || n < options.attempts {
            if options.cancel.is_cancelled() {
                events(Event::ConnectDone);
                return Err(Error::Interrupted(Interruption::default()));
            }
            let strategy = strategies[n as usize % strategies.len()].clone();
            let attempt = link::attempt(
                &mut conn,
                link::Attempt {
                    before,
                    strategy,
                    sync_timeout: options.sync_timeout,
                    events: &events,
                    lines_warned: &mut lines_warned,
                },
            );
            outcome = match attempt {
                Ok(outcome) => outcome,
                Err(port_failed) => {
                    events(Event::ConnectDone);
                    return Err(port_failed);
                }
            };
            if outcome.is_ok() {
                break;
            }
            n += 1;
        }
        events(Event::ConnectDone);
        let synced = outcome.map_err(|reason| Error::ConnectFailed {
            target: options
                .chip
                .map_or("Espressif device", |c| c.name)
                .to_string(),
            reason,
        })?;

        let (chip, secure_download) = match options.chip {
            Some(chip) => {
                let verified = link::verify(&mut conn, chip)?;
                if let Some(magic) = verified.unknown_magic {
                    events(Event::ChipUnverified { chip, magic });
                }
                (chip, verified.secure_download)
            }
            None => {
                events(Event::DetectingChip);
                let found = link::detect(&mut conn)?;
                events(Event::ChipDetected { chip: found.chip });
                (found.chip, found.secure_download)
            }
        };
        let kind = if synced.stub_running {
            LoaderKind::Stub
        } else {
            LoaderKind::Rom
        };
        let secure_download = secure_download && kind == LoaderKind::Rom;
        Ok(Session {
            conn,
            chip,
            secure_download,
            loader: if secure_download {
                Box::new(loader::RomLoader::secure_download(chip))
            } else {
                loader::for_kind(kind, chip)
            },
            events,
            stub_found_running: synced.stub_running,
            reset_worked: matches!(before, Before::DefaultReset | Before::UsbReset)
                && !lines_warned,
            lines_warned,
            flash: FlashState::default(),
            stub_ram: Vec::new(),
            stats: LinkStats::default(),
            block_limit: None,
            cancel: options.cancel.clone(),
            limits: options.limits,
            custom_hard_reset: options.hard_reset.clone(),
        })
    }

    /// The chip that answers.
    pub fn chip(&self) -> &'static Chip {
        self.chip
    }

    /// Whether the ROM runs Secure Download Mode: no stub, no register or flash reads,
    /// no MD5 (esptool `secure_download_mode`).
    pub fn secure_download_mode(&self) -> bool {
        self.secure_download
    }

    /// Whether the flasher stub already answers (left running, or started): no stub
    /// image is needed.
    pub(crate) fn stub_answers(&self) -> bool {
        self.stub_found_running || self.loader.kind() == crate::loader::LoaderKind::Stub
    }

    /// The loader that answers: ask it what it can do.
    pub fn loader(&self) -> &dyn Loader {
        self.loader.as_ref()
    }

    /// The port as named.
    pub fn port_name(&self) -> &str {
        self.conn.port_name()
    }

    /// The line's current rate.
    pub fn baud(&self) -> u32 {
        self.conn.baud()
    }

    /// What kind of line the chip is on.
    pub fn port_kind(&mut self) -> TransportKind {
        self.conn.transport().kind()
    }

    /// The USB device behind the port, when known (it names the serial bridge).
    pub fn usb_device(&mut self) -> Option<espctl_transport::UsbDevice> {
        self.conn.transport().usb_device()
    }

    /// Whether DTR/RTS reset the chip when connecting (so a new connection can reset it
    /// again, e.g. after a failed baud rate change).
    pub fn can_reset(&self) -> bool {
        self.reset_worked
    }

    pub(crate) fn emit(&self, event: Event) {
        (self.events)(event);
    }

    /// Fails with [`Error::Interrupted`] (nothing said about the flash yet) once the
    /// caller cancelled: called where stopping leaves the chip between commands.
    pub(crate) fn check_cancel(&self) -> Result<()> {
        if self.cancel.is_cancelled() {
            return Err(Error::Interrupted(Interruption::default()));
        }
        Ok(())
    }

    /// Whether the caller cancelled the work.
    pub fn cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// Gives the port back (after [`Session::finish`]).
    pub fn into_transport(self) -> Box<dyn Transport> {
        self.conn.into_transport()
    }

    /// Takes the port away; the session fails every call from now on.
    pub(crate) fn take_transport(&mut self) -> Box<dyn Transport> {
        self.conn.take_transport()
    }

    /// Whether the port was taken away (a reconnection that failed half way).
    pub(crate) fn is_unplugged(&self) -> bool {
        self.conn.is_unplugged()
    }

    /// Makes `kind` the loader that answers from now on.
    pub(crate) fn switch_loader(&mut self, kind: LoaderKind) {
        self.loader = loader::for_kind(kind, self.chip);
        self.flash.spi_saved = None;
    }

    /// The error for something the running loader cannot do.
    pub(crate) fn needs_stub(&self, what: &'static str) -> Error {
        Error::NeedsStub {
            loader: self.loader.name(),
            what,
        }
    }
}
