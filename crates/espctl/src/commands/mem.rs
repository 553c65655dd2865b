//! `read-mem ADDR`, `write-mem ADDR VALUE [MASK]` and `dump-mem ADDR SIZE FILE`.

use super::device::{Global, to_fatal, with_device};
use super::flash_args::{address, size_number};
use super::output::parse_int;
use super::output::write_output;
use super::read_flash::check_output;
use crate::console::say;
use crate::fatal::Fatal;
use crate::render::speed;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct ReadArgs {
    /// Address to read
    pub address: String,
}

#[derive(Debug, clap::Args)]
pub struct DumpArgs {
    /// Start address
    pub address: String,
    /// Number of bytes (0x hex, or with a k or M suffix)
    pub size: String,
    /// File to write
    pub output: PathBuf,
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

pub fn run_dump(g: &Global, args: DumpArgs) -> Result<(), Fatal> {
    let addr = address(&args.address)?;
    let size = size_number(&args.size)?;
    check_output(&args.output)?;
    let name = args.output.display();
    with_device(g, |d| {
        say!("Dumping {size} bytes from {addr:#010x} to file '{name}'...");
        let start = std::time::Instant::now();
        let data = d.session.dump_mem(addr, size).map_err(to_fatal)?;
        let seconds = start.elapsed().as_secs_f64();
        write_output(&args.output, &data)?;
        say!(
            "Dumped {} bytes from {addr:#010x} in {seconds:.1} seconds{} to '{name}'.",
            data.len(),
            speed(data.len(), seconds)
        );
        Ok(())
    })
}
