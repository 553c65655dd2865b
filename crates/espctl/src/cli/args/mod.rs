//! The arguments of each command, as clap parses them (strings where esptool accepts
//! several spellings; [`super::lower`] turns them into typed options).

pub mod backup;
pub mod completions;
pub mod discover;
pub mod flash;
pub mod flash_chip;
pub mod image;
pub mod list_ports;
pub mod memory;
pub mod ota;
pub mod serve_port;
pub mod stub;
pub mod virtual_device;
pub mod virtual_ota;
