//! The byte pipe to a chip: a serial port (or pty), a TCP socket, or anything else that
//! implements [`Transport`] (espctl-virtual-port adds the in-process virtual device).
//!
//! This crate knows nothing of the bootloader protocol: it moves bytes, sets the line's
//! rate and, where the port has them, the DTR/RTS modem lines the reset circuit uses.

#![warn(missing_docs)]

pub mod adapters;
mod open_error;
mod port_options;
pub mod ports;
pub mod rfc2217;
pub mod serial;
pub mod socket;
#[cfg(target_os = "linux")]
pub mod sysfs;

use std::io;
use std::time::Duration;

pub use open_error::OpenCause;
pub use port_options::{DEFAULT_WRITE_TIMEOUT, PortOptions, WriteTimedOut};
pub use rfc2217::Rfc2217Transport;
pub use serial::SerialTransport;
pub use socket::SocketTransport;

/// What kind of line a transport is; decides which reset strategies make sense.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// A serial port or a pty.
    Serial,
    /// `socket://host:port`: raw bytes over TCP, no modem lines.
    Socket,
    /// `rfc2217://host:port`: a serial port on another machine behind an RFC 2217
    /// server; DTR/RTS travel as commands, one at a time.
    Rfc2217,
    /// A device simulated inside this process.
    Virtual,
}

/// Why DTR/RTS could not be set.
#[derive(Debug, thiserror::Error)]
pub enum LineError {
    /// The port has no modem lines (a pty answers ENOTTY, a socket has none).
    #[error("setting RTS/DTR lines is not supported")]
    Unsupported,
    /// The port refused the change.
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// A bidirectional byte stream to a chip, with optional DTR/RTS control.
///
/// Levels follow pyserial: `true` means the line is asserted, which drives the pin LOW
/// on the usual auto-reset circuit (DTR → IO0, RTS → EN).
pub trait Transport: Send {
    /// The port as the user named it (`/dev/ttyUSB0`, `socket://127.0.0.1:5555`).
    fn name(&self) -> &str;

    /// What is at the other end.
    fn kind(&self) -> TransportKind;

    /// Sends all of `data`.
    fn write_all(&mut self, data: &[u8]) -> io::Result<()>;

    /// Waits up to `timeout` for data and returns what has arrived. 0 means the whole
    /// timeout passed without data (callers count it as time waited).
    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize>;

    /// Drops everything received but not yet read.
    fn clear_input(&mut self) -> io::Result<()>;

    /// The line rate in baud.
    fn baud(&self) -> u32;

    /// Switches the line rate (the chip must be switched too).
    fn set_baud(&mut self, baud: u32) -> io::Result<()>;

    /// Asserts or releases DTR (on the usual circuit: IO0 low when asserted).
    fn set_dtr(&mut self, asserted: bool) -> Result<(), LineError>;

    /// Asserts or releases RTS (on the usual circuit: EN low, the chip in reset).
    fn set_rts(&mut self, asserted: bool) -> Result<(), LineError>;

    /// Sets both lines in one operation where the port can (TIOCMSET on Unix), so the
    /// chip never sees the intermediate state.
    fn set_dtr_rts(&mut self, dtr: bool, rts: bool) -> Result<(), LineError> {
        self.set_dtr(dtr)?;
        self.set_rts(rts)
    }

    /// Waits while a reset line is held. A simulated device may skip real time.
    fn pause(&mut self, duration: Duration) {
        std::thread::sleep(duration);
    }

    /// The USB device behind the port, when the system (or a model) says which: its
    /// IDs and product string name the serial bridge and so the fastest rate it
    /// carries ([`adapters::bridge_for`]).
    fn usb_device(&self) -> Option<UsbDevice> {
        None
    }
}

/// The USB device behind a port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsbDevice {
    /// Its vendor and product IDs.
    pub id: adapters::UsbId,
    /// Its product string, which tells chips sharing one ID apart.
    pub product: Option<String>,
}

impl UsbDevice {
    /// The known bridge this device is, if it is one.
    pub fn bridge(&self) -> Option<&'static adapters::Bridge> {
        adapters::bridge_for(self.id, self.product.as_deref())
    }
}

/// Why a port could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The system could not open it (missing, busy, no permission).
    #[error("Could not open {port}, the port is busy or doesn't exist ({reason}).{hint}")]
    Unavailable {
        /// The port as named.
        port: String,
        /// What the system said.
        reason: String,
        /// Empty, or a sentence starting with a space (esptool's wording).
        hint: String,
    },
    /// The name is malformed for its kind (an unknown chip in a `virtual:` name).
    #[error("{message}")]
    BadName {
        /// The port as named.
        port: String,
        /// What is wrong and what to write instead.
        message: String,
    },
}

impl OpenError {
    /// The error for `port`, which the system would not open for `reason` (the cause
    /// told from the words of the reason).
    pub fn new(port: &str, reason: impl ToString) -> OpenError {
        let reason = reason.to_string();
        let cause = OpenCause::from_reason(&reason);
        OpenError::with_cause(port, reason, cause)
    }

    /// The error for `port`, which the system would not open for `reason`, `cause`.
    pub fn with_cause(port: &str, reason: impl ToString, cause: OpenCause) -> OpenError {
        OpenError::Unavailable {
            port: port.to_string(),
            reason: reason.to_string(),
            hint: cause
                .hint()
                .map(|h| format!(" Hint: {h}"))
                .unwrap_or_default(),
        }
    }
}

/// Opens ports of a kind this crate does not know, such as the in-process virtual
/// device's `virtual:` ports.
pub trait PortOpener: Send + Sync {
    /// Opens `name` at `baud` if it is one of this opener's ports; `None` otherwise.
    fn open(&self, name: &str, baud: u32) -> Option<Result<Box<dyn Transport>, OpenError>>;
}

/// Opens `port`: `rfc2217://host:port`, `socket://host:port` or a serial device path (a
/// pty path works too).
pub fn open(port: &str, baud: u32) -> Result<Box<dyn Transport>, OpenError> {
    open_with(port, baud, &PortOptions::default())
}

/// Opens `port` as [`open`] does, with `options`.
pub fn open_with(
    port: &str,
    baud: u32,
    options: &PortOptions,
) -> Result<Box<dyn Transport>, OpenError> {
    if let Some(rest) = port.strip_prefix("rfc2217://") {
        Ok(Box::new(Rfc2217Transport::connect(port, rest, baud)?))
    } else if let Some(addr) = port.strip_prefix("socket://") {
        Ok(Box::new(SocketTransport::connect(port, addr, baud)?))
    } else {
        Ok(Box::new(SerialTransport::open_with(port, baud, options)?))
    }
}
