//! `erase-flash` and `erase-region ADDR SIZE`.

use super::device::{Global, to_fatal, with_device};
use super::flash_args::{address, size_or_all};
use super::read_flash::{check_region, resolve_size};
use crate::fatal::Fatal;

#[derive(Debug, clap::Args)]
pub struct FlashArgs {
    /// Accepted for esptool compatibility (espctl runs no security checks to skip)
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, clap::Args)]
pub struct RegionArgs {
    /// Start address (a multiple of 4096)
    pub address: String,
    /// Number of bytes (a multiple of 4096), or ALL
    pub size: String,
    /// Accepted for esptool compatibility
    #[arg(long)]
    pub force: bool,
}

pub fn run_flash(g: &Global, _args: FlashArgs) -> Result<(), Fatal> {
    with_device(g, |d| {
        d.session.attach_flash().map_err(to_fatal)?;
        d.session.erase_flash().map_err(to_fatal)
    })
}

pub fn run_region(g: &Global, args: RegionArgs) -> Result<(), Fatal> {
    let addr = address(&args.address)?;
    let size = size_or_all(&args.size)?;
    espctl_flasher::flash::erase::check_region(addr, size.unwrap_or(0)).map_err(to_fatal)?;
    with_device(g, |d| {
        let s = &mut d.session;
        s.attach_flash().map_err(to_fatal)?;
        let size = resolve_size(s, size)?;
        check_region(s, addr, size)?;
        s.erase_region(addr, size).map_err(to_fatal)
    })
}
