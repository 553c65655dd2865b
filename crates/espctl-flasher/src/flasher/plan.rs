//! What a front end asks of a connection: what the work needs, how to reset before and
//! after, which rates to use, and where the flasher stub comes from.

use crate::link::After;
use crate::session::ConnectOptions;
use crate::spi::SpiConnection;
use crate::stub::{ObtainOptions, StubImage, StubStore};
use espctl_chips::flash_supply::VddSdio;
use std::time::Duration;

/// The rate every ROM loader starts at.
pub const ROM_BAUD: u32 = 115_200;

/// The rate flash work moves to when the caller chose none: what common USB-serial
/// adapters (CP210x, CH340, FTDI) and the chips manage; confirmed with a SYNC.
pub const FAST_BAUD: u32 = 921_600;

/// How long a port that went away is waited for by default.
pub const DEFAULT_RECONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// What the work needs from the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Registers only (MAC, chip ID, flash ID, memory): the ROM does it, so no stub
    /// upload and no baud change (the stub costs about a second at 115200 on the
    /// ESP8266).
    Registers,
    /// The stub, at the rate asked for (load-ram, run).
    Stub,
    /// Moves flash data: the stub, and the fast rate when none was chosen.
    FlashData,
}

/// Where the flasher stub comes from.
#[derive(Debug, Clone)]
pub enum StubSource {
    /// The store in the user's data directory ([`StubStore::open_default`]).
    InstalledDefault,
    /// The store in the user's data directory; a missing stub is obtained on first use
    /// ([`crate::stub::obtain_stub`]) by the routes these options allow.
    Automatic(ObtainOptions),
    /// This store.
    Store(StubStore),
    /// This image.
    Image(StubImage),
    /// None: work with the ROM loader (a stub found running is still used).
    Disabled,
}

/// How to connect and how to leave. Built from [`ConnectPlan::new`] with setters:
/// `ConnectPlan::new(Need::FlashData).after(After::NoReset)`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ConnectPlan {
    /// What the work needs.
    pub need: Need,
    /// How to reach the chip on each port: the reset before, attempts, the chip
    /// expected, tracing.
    pub connect: ConnectOptions,
    /// What to leave the chip doing.
    pub after: After,
    /// The rate asked for (esptool's `--baud`): the ROM talks at 115200 first and the
    /// line moves here for stub and flash work.
    pub baud: u32,
    /// For flash work when no rate was asked for: try this rate, confirm it, fall back
    /// to `baud` if the adapter or chip cannot (never over `socket://`).
    pub fast_baud: Option<u32>,
    /// Where the stub comes from.
    pub stub: StubSource,
    /// How long a port that went away (a USB cable pulled) is waited for before the
    /// operation gives up; zero does not reconnect.
    pub reconnect_timeout: Duration,
    /// The flash pins to attach on (esptool's `--spi-connection`); `None`: the
    /// loader's default (the eFuse pads, else the SPI pins).
    pub spi_connection: Option<SpiConnection>,
    /// The flash supply to force before any flash work (`--override-vddsdio`).
    pub vddsdio: Option<VddSdio>,
}

impl ConnectPlan {
    /// The defaults for work that needs `need`: [`ConnectOptions::default`] (reset in,
    /// the chip detected, 7 attempts), hard reset out, 115200 baud with the fast rate
    /// for flash data, the installed stub.
    pub fn new(need: Need) -> ConnectPlan {
        ConnectPlan {
            need,
            connect: ConnectOptions::default(),
            after: After::HardReset,
            baud: ROM_BAUD,
            fast_baud: Some(FAST_BAUD),
            stub: StubSource::InstalledDefault,
            reconnect_timeout: DEFAULT_RECONNECT_TIMEOUT,
            spi_connection: None,
            vddsdio: None,
        }
    }

    /// Sets what the work needs.
    pub fn need(mut self, need: Need) -> Self {
        self.need = need;
        self
    }

    /// Sets how to reach the chip on each port.
    pub fn connect(mut self, connect: ConnectOptions) -> Self {
        self.connect = connect;
        self
    }

    /// Sets what to leave the chip doing.
    pub fn after(mut self, after: After) -> Self {
        self.after = after;
        self
    }

    /// Sets the rate asked for.
    pub fn baud(mut self, baud: u32) -> Self {
        self.baud = baud;
        self
    }

    /// Sets the rate flash work tries when none was asked for (`None`: stay at `baud`).
    pub fn fast_baud(mut self, fast: Option<u32>) -> Self {
        self.fast_baud = fast;
        self
    }

    /// Sets how long a port that went away is waited for (zero: not at all).
    pub fn reconnect_timeout(mut self, timeout: Duration) -> Self {
        self.reconnect_timeout = timeout;
        self
    }

    /// Sets the flash pins to attach on.
    pub fn spi_connection(mut self, connection: Option<SpiConnection>) -> Self {
        self.spi_connection = connection;
        self
    }

    /// Sets the flash supply to force.
    pub fn vddsdio(mut self, voltage: Option<VddSdio>) -> Self {
        self.vddsdio = voltage;
        self
    }

    /// Sets where the stub comes from.
    pub fn stub(mut self, stub: StubSource) -> Self {
        self.stub = stub;
        self
    }
}

impl Default for ConnectPlan {
    fn default() -> ConnectPlan {
        ConnectPlan::new(Need::FlashData)
    }
}
