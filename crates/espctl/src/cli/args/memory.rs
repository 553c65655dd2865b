//! Arguments of the memory commands: read-mem, write-mem, dump-mem, load-ram.

use super::super::values::parse_int;
use std::path::PathBuf;

/// `read-mem`.
#[derive(Debug, clap::Args)]
pub struct ReadMemArgs {
    /// Address to read
    pub address: String,
}

/// `dump-mem`.
#[derive(Debug, clap::Args)]
pub struct DumpMemArgs {
    /// Start address
    pub address: String,
    /// Number of bytes (0x hex, or with a k or M suffix)
    pub size: String,
    /// File to write
    pub output: PathBuf,
}

/// `write-mem`.
#[derive(Debug, clap::Args)]
pub struct WriteMemArgs {
    /// Address to write
    pub address: String,
    /// Value to write
    #[arg(value_parser = parse_int)]
    pub value: u32,
    /// Bits to change (default: all)
    #[arg(value_parser = parse_int, default_value = "0xFFFFFFFF")]
    pub mask: u32,
}

/// `load-ram`.
#[derive(Debug, clap::Args)]
pub struct LoadRamArgs {
    /// Application image whose segments all load into RAM
    pub filename: PathBuf,
}
