//! A virtual ESP8266 / ESP32 that behaves like the real ROM bootloader and Espressif's
//! flasher stub over a NOR flash model: a test oracle that passes what real hardware
//! passes and fails what real hardware fails.
//!
//! [`Device`] is the whole chip behind a serial line: [`Device::write`] takes the bytes a
//! host sends, [`Device::read`] returns what the chip answers, [`Device::set_modem_lines`]
//! drives the auto-reset circuit. It does no I/O of its own; [`server`] puts it on a TCP
//! port or a pty.
//!
//! What is modelled:
//! * the ROM download mode of each chip with the commands its ROM has (`Chip::rom`), its
//!   status length, limits and error replies (`rom.rs`). The ROMs' source is not
//!   public: undocumented error codes are modelling choices, marked "(inferred)";
//! * the flasher stub after MEM_END jumps into an uploaded stub: esp-flasher-stub
//!   v1.1.0 (the newest source we can read; esptool 5.6.0 ships v1.4.1) with its frame
//!   receiver, deferred errors, just-in-time erase, inflate and READ_FLASH streaming
//!   (`stub/`). The device cannot run Xtensa code, so it recognises the stub: a MEM_END
//!   jump to an entry point inside RAM uploaded in this loader session, where the
//!   uploaded RAM holds the stub's greeting `OHAI` (every esp-flasher-stub and legacy
//!   stub carries it as a constant), starts the stub; any other jump runs "an
//!   application in RAM" and the device goes quiet (`ram.rs`);
//! * UART0 at the rate its divider gives, on both ends of the line: rate changes happen
//!   when the firmware makes them, and ends at different rates hear garbage (`uart.rs`);
//! * the SPI controller's user commands (flash-id, status registers, SFDP, program and
//!   erase with their busy time) over a NOR array that is erased to 0xFF, programmed by
//!   ANDing and addressed modulo its size, optionally mirrored to an image file
//!   (`spi.rs`, `flash_chip.rs`, `nor.rs`);
//! * resets: the boot log, download versus flash boot, the DTR/RTS auto-reset circuit
//!   with the RC delay on EN, or a board without it whose GPIO0 is fixed ([`reset`]);
//!   a line standing for the application's output when the flash holds an image
//!   (`app.rs`);
//! * time: the line's bytes, the flash's datasheet times and the CPU's work on one
//!   timeline ([`timing`], `schedule.rs`); whether answers wait for it is a choice
//!   ([`TimingMode`]), the rules are the same either way and for every client;
//! * the ESP32's flash encryption engine on the stub's encrypted writes, keyed by the
//!   eFuses as burnt (`flash_crypt.rs`).
//!
//! What is not: the real stub's exact code paths beyond its command handler (the device
//! answers as v1.1.0 does, it does not run it), what the ROM prints after the first boot
//! line when it boots the flash, decryption on reads (the cache is not modelled: flash
//! reads return what is stored), and the ROM's own SLIP decoder (modelled tolerant).
//!
//! The device never reads the wall clock itself; it asks a [`clock::Clock`].
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

#![warn(missing_docs)]

mod answers;
mod app;
pub mod clock;
pub mod config;
pub mod device;
pub mod efuse_named;
pub mod efuse_state;
mod flash_chip;
mod flash_crypt;
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
mod spi_pins;
mod stub;
pub mod timing;
mod uart;
pub mod usb;

pub use config::{DeviceConfig, DeviceError, StartMode, parse_mac};
pub use device::{Device, DeviceState, Work};
pub use efuse_state::EfuseState;
pub use espctl_chips::BootMode;
pub use nor::FlashWork;
pub use reset::{Board, Gpio0};
pub use schedule::LinkStats;
pub use spi::SpiWork;
pub use timing::{TimingMode, Timings};
pub use usb::Link;
