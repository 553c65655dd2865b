//! The SPI flash chip: raw commands on its bus ([`command`]) and what the library knows
//! and does with it ([`flash_chip`]).

pub mod command;
pub mod connection;
pub mod flash_chip;
pub mod status;
pub mod supply;

pub use command::SpiCommand;
pub use connection::{SpiConnection, SpiSetupError};
pub use flash_chip::{FlashId, FlashSizeArg};
pub use status::{StatusBytes, StatusWrite, WriteProtected};
