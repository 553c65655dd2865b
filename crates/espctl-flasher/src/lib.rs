//! Talking to ESP8266 and ESP32 chips the way esptool.py does: transports, reset
//! strategies, connecting, the ROM loader and the flasher stub, flash plans and the
//! store of installed stubs.
//!
//! The crate never prints. Everything it has to say leaves as an [`Event`] through the
//! [`EventSink`] given to [`Session::connect`]; the `espctl` binary renders them.
//!
//! ```no_run
//! use espctl_flasher::{ConnectOptions, Session, ignore_events, transport};
//! let port = transport::open("/dev/ttyUSB0", 115_200)?;
//! let mut session = Session::connect(port, &ConnectOptions::default(), ignore_events())?;
//! let mac = session.chip_info()?.mac;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod baud;
pub mod connect;
pub mod connection;
pub mod error;
pub mod event;
pub mod flash;
pub mod memory;
pub mod reset;
pub mod session;
pub mod spi;
pub mod stub;
/// The byte pipes to a chip (re-exported from `espctl-transport`).
pub use espctl_transport as transport;
/// Finding serial ports (re-exported from `espctl-transport`).
pub use espctl_transport::ports;

#[cfg(test)]
mod testing;

pub use baud::BaudChange;
pub use connect::DEFAULT_CONNECT_ATTEMPTS;
pub use error::{Error, ReadFailure, Result};
pub use event::{Event, EventSink, Operation, Trace, ignore_events};
pub use flash::{FlashFile, FlashSizeArg, ImagePatcher, PatchRequest, Patched, WriteOptions};
pub use reset::{After, Before};
pub use session::{ChipInfo, ConnectOptions, LoaderKind, Session};
pub use transport::{Transport, TransportKind};
