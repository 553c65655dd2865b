//! `read-mem ADDR` and `write-mem ADDR VALUE [MASK]`.

use super::device::{Global, to_fatal, with_device};
use super::flash_args::address;
use super::output::parse_int;
use crate::console::say;
use crate::fatal::Fatal;

#[derive(Debug, clap::Args)]
pub struct ReadArgs {
    /// Address to read
    pub address: String,
}

#[derive(Debug, clap::Args)]
pub struct WriteArgs {
    /// Address to write
    pub address: String,
    /// Value to write
    #[arg(value_parser = parse_int)]
    pub value: u32,
    /// Bits to change (default: all)
    #[arg(value_parser = parse_int, default_value = "0xFFFFFFFF")]
    pub mask: u32,
}

pub fn run_read(g: &Global, args: ReadArgs) -> Result<(), Fatal> {
    let addr = address(&args.address)?;
    with_device(g, |d| {
        let value = d.session.read_reg(addr).map_err(to_fatal)?;
        say!("{addr:#010x} = {value:#010x}");
        Ok(())
    })
}

pub fn run_write(g: &Global, args: WriteArgs) -> Result<(), Fatal> {
    let addr = address(&args.address)?;
    with_device(g, |d| {
        d.session
            .write_reg(addr, args.value, args.mask)
            .map_err(to_fatal)?;
        say!(
            "Wrote {:#010x} with mask {:#010x} to {addr:#010x}.",
            args.value,
            args.mask
        );
        Ok(())
    })
}
