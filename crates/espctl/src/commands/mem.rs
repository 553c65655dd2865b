//! `read-mem ADDR`, `write-mem ADDR VALUE [MASK]` and `dump-mem ADDR SIZE FILE`.

use super::connect::{Target, with_device};
use crate::console::say;
use crate::fatal::Fatal;
use crate::files::{check_output, write_output};
use crate::render::speed;
use std::path::PathBuf;

/// `write-mem`.
#[derive(Debug, Clone, Copy)]
pub struct WriteMem {
    /// Where.
    pub addr: u32,
    /// The value.
    pub value: u32,
    /// The bits of `value` to write.
    pub mask: u32,
}

/// `dump-mem`.
#[derive(Debug, Clone)]
pub struct DumpMem {
    /// Start.
    pub addr: u32,
    /// Bytes.
    pub size: u32,
    /// The file to write.
    pub output: PathBuf,
}

/// `read-mem`.
pub fn read_mem(target: &Target, addr: u32) -> Result<(), Fatal> {
    with_device(target, |d| {
        let value = d.flasher.read_reg(addr)?;
        say!("{addr:#010x} = {value:#010x}");
        Ok(())
    })
}

/// `write-mem`.
pub fn write_mem(target: &Target, cmd: WriteMem) -> Result<(), Fatal> {
    with_device(target, |d| {
        d.flasher.write_reg(cmd.addr, cmd.value, cmd.mask)?;
        say!(
            "Wrote {:#010x} with mask {:#010x} to {:#010x}.",
            cmd.value,
            cmd.mask,
            cmd.addr
        );
        Ok(())
    })
}

/// `dump-mem`.
pub fn dump_mem(target: &Target, cmd: DumpMem) -> Result<(), Fatal> {
    check_output(&cmd.output)?;
    let (addr, size) = (cmd.addr, cmd.size);
    let name = cmd.output.display();
    with_device(target, |d| {
        say!("Dumping {size} bytes from {addr:#010x} to file '{name}'...");
        let start = std::time::Instant::now();
        let data = d.flasher.dump_mem(addr, size)?;
        let seconds = start.elapsed().as_secs_f64();
        write_output(&cmd.output, &data)?;
        say!(
            "Dumped {} bytes from {addr:#010x} in {seconds:.1} seconds{} to '{name}'.",
            data.len(),
            speed(data.len(), seconds)
        );
        Ok(())
    })
}
