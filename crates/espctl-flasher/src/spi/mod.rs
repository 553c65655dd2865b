//! The SPI flash chip: raw commands on its bus ([`command`]) and what the library knows
//! and does with it ([`flash_chip`]).

pub mod command;
pub mod flash_chip;

pub use command::SpiCommand;
pub use flash_chip::{FlashId, FlashSizeArg};
