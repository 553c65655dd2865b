//! Talking to ESP8266 and ESP32 chips the way esptool.py does: connecting through any
//! [`Transport`], resetting into the ROM bootloader, starting the flasher stub, and
//! writing, reading, erasing and verifying flash.
//!
//! # For a front end
//!
//! A front end (the `espctl` CLI, a runner that flashes many boards, a local web page,
//! your own program) opens a [`Flasher`] with a [`PortSpec`] (which port) and a
//! [`ConnectPlan`] (what the work needs, how to reset, which rates, which stub). The
//! flasher connects, identifies the chip, starts the stub and raises the baud rate as
//! esptool would, and is itself the [`Session`] the work runs on. [`Flasher::finish`]
//! (or dropping it) leaves the chip as the plan says.
//!
//! The library never prints. Everything it has to say leaves as an [`Event`] through
//! the [`EventSink`] given to [`Flasher::open`]: progress, what was found, what it
//! decided, warnings. Failures are [`Error`]s; what the user can do about one is a
//! typed [`Hint`] ([`Error::hint`]) that the front end words for its users.
//!
//! ```
//! use espctl_flasher::{ConnectPlan, Event, FlashFile, Flasher, Need, PortSpec, WriteOptions};
//! use std::sync::Arc;
//!
//! // `virtual:esp32` is an ESP32 simulated in this process (espctl-virtual-port).
//! let port = PortSpec::named("virtual:esp32").with_opener(espctl_virtual_port::VirtualPorts);
//! let plan = ConnectPlan::new(Need::FlashData);
//! let events = Arc::new(|event: Event| {
//!     if let Event::Verified = event {
//!         println!("the chip's MD5 of the written flash matches");
//!     }
//! });
//! let mut flasher = Flasher::open(&port, &plan, events)?;
//!
//! let firmware: Vec<u8> = (0..40_000u32).map(|i| (i % 251) as u8).collect();
//! flasher.write_flash(vec![FlashFile::new(0x10000, firmware.clone(), None)], &WriteOptions::default())?;
//! let back = flasher.read_flash(0x10000, firmware.len() as u32)?;
//! assert_eq!(back, firmware);
//! let checks = flasher.verify_files(vec![FlashFile::new(0x10000, firmware, None)], &Default::default())?;
//! assert!(checks[0].matches);
//! flasher.finish()?;
//! # Ok::<(), espctl_flasher::Error>(())
//! ```
//!
//! A front end that renders events keeps its own state behind a `Mutex` in the sink
//! (the sink is shared by the connection and the session); progress arrives as
//! [`Event::ProgressStart`], [`Event::Progress`] and [`Event::ProgressEnd`].
//!
//! Lower down, [`Session::connect`] connects on a transport that is already open,
//! without any of the flasher's policy.

#![warn(missing_docs)]

pub mod backup;
pub mod cancel;
pub mod config;
pub mod error;
pub mod event;
pub mod flash;
pub mod flasher;
pub mod hint;
pub mod link;
pub mod loader;
pub mod session;
pub mod spi;
pub mod stub;

/// The byte pipes to a chip (re-exported from `espctl-transport`).
pub use espctl_transport as transport;
/// Finding serial ports (re-exported from `espctl-transport`).
pub use espctl_transport::ports;

pub use cancel::{Cancel, Interruption};
pub use error::{Error, ReadFailure, Result, SecureDownloadRefusal};
pub use event::{Event, EventSink, Operation, Trace, ignore_events};
pub use flash::{FlashFile, FlashParamsRequest, FlashSizeArg, Setting, WriteOptions};
pub use flasher::{
    ConnectPlan, FAST_BAUD, Flasher, Need, OPEN_RETRY_WAIT, PortSpec, ROM_BAUD, StubSource,
};
pub use hint::Hint;
pub use link::{After, Before, DEFAULT_CONNECT_ATTEMPTS};
pub use loader::{Ability, Limitation, Loader, LoaderKind};
pub use session::{BaudChange, ChipInfo, ConnectOptions, NativeUsb, Session};
pub use transport::{Transport, TransportKind};
