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
//!   status length and error replies ([`rom`]);
//! * the flasher stub after MEM_END jumps into an uploaded stub ([`ram`] explains how
//!   the stub is recognised), with its deferred errors and READ_FLASH streaming ([`stub`]);
//! * the SPI controller's user commands (flash-id, status registers, SFDP) ([`spi`],
//!   [`flash_chip`]) over a NOR array that is erased to 0xFF and programmed by ANDing,
//!   optionally mirrored to an image file ([`nor`]);
//! * resets: the boot log, download versus flash boot, the DTR/RTS auto-reset circuit
//!   ([`reset`]).
//!
//! Time: the device logic never reads the wall clock; it asks a [`clock::Clock`]. Work is
//! counted ([`Work`]) so a later timing model can turn it into durations.

pub mod clock;
pub mod config;
pub mod device;
pub mod flash_chip;
pub mod inflate;
pub mod loader;
pub mod memory;
pub mod nor;
pub mod ram;
pub mod reset;
pub mod rom;
pub mod server;
pub mod soc;
pub mod spi;
pub mod stub;

pub use config::{DeviceConfig, DeviceError, StartMode, parse_flash_size, parse_mac};
pub use device::{Device, DeviceState, Work};
pub use espctl_chips::BootMode;
