//! A virtual ESP8266 / ESP32 that behaves like the real ROM bootloader and Espressif's
//! flasher stub, byte for byte, over a NOR flash model.
//!
//! [`Device`] is the whole chip behind a serial line: [`Device::write`] takes the bytes a
//! host sends, [`Device::read`] returns what the chip answers, [`Device::set_modem_lines`]
//! drives the auto-reset circuit. It does no I/O of its own; [`server`] puts it on a TCP
//! port or a pty.
//!
//! What is modelled:
//! * the ROM download mode of each chip with the commands its ROM has (`Chip::rom`), its
//!   status length and error replies (`rom.rs`);
//! * the flasher stub after MEM_END jumps into an uploaded stub, with its deferred errors
//!   and READ_FLASH streaming (`stub.rs`). The device cannot run Xtensa code, so it
//!   recognises the stub: a MEM_END jump to an entry point inside RAM uploaded in this
//!   loader session, where the uploaded RAM holds the stub's greeting `OHAI` (every
//!   esp-flasher-stub and legacy stub carries it as a constant), starts the stub; any
//!   other jump runs "an application in RAM" and the device goes quiet (`ram.rs`);
//! * the SPI controller's user commands (flash-id, status registers, SFDP) over a NOR
//!   array that is erased to 0xFF and programmed by ANDing, optionally mirrored to an
//!   image file (`spi.rs`, `flash_chip.rs`, `nor.rs`);
//! * resets: the boot log, download versus flash boot, the DTR/RTS auto-reset circuit
//!   ([`reset`]).
//!
//! Time: the device logic never reads the wall clock; it asks a [`clock::Clock`]. Work is
//! counted ([`Work`]) so a later timing model can turn it into durations.
//!
//! In process, as a client's transport:
//!
//! ```
//! use espctl_protocol::{Command, slip};
//! use espctl_virtual::{Device, DeviceConfig};
//!
//! let mut device = Device::new(DeviceConfig::new(&espctl_chips::esp32::ESP32, 4 << 20))?;
//! device.write(&slip::encode(&Command::Sync.to_request().encode()));
//! let mut answer = [0u8; 1024];
//! let n = device.read(&mut answer);
//! let frames = slip::Decoder::new().feed(&answer[..n]);
//! assert_eq!(frames.len(), 8); // the ROM answers SYNC eight times
//! # Ok::<(), espctl_virtual::DeviceError>(())
//! ```

pub mod clock;
pub mod config;
pub mod device;
mod flash_chip;
mod inflate;
mod loader;
mod memory;
mod nor;
mod ram;
pub mod reset;
mod rom;
mod schedule;
pub mod server;
mod soc;
mod spi;
mod stub;
pub mod timing;

pub use config::{DeviceConfig, DeviceError, StartMode, parse_flash_size, parse_mac};
pub use device::{Device, DeviceState, Work};
pub use espctl_chips::BootMode;
pub use nor::FlashWork;
pub use schedule::LinkStats;
pub use spi::SpiWork;
pub use timing::{TimingMode, Timings};
