//! `read-flash ADDR SIZE|ALL FILE`: the file appears only once all data has arrived and
//! its checksum matched (written next to it under a temporary name, then renamed).

use super::chip::{json_device, print_json};
use super::connect::{Target, with_device};
use crate::console::say;
use crate::fatal::Fatal;
use crate::files::{check_output, write_output};
use crate::render::json::flash::{ReadJson, Timing};
use crate::render::json::hex;
use crate::render::speed;
use espctl_flasher::FlashSizeArg;
use espctl_flasher::flash::md5_of;
use std::path::PathBuf;
use std::time::Instant;

/// `read-flash`.
#[derive(Debug, Clone)]
pub struct ReadFlash {
    /// Start.
    pub addr: u32,
    /// Bytes; `None` reads all of the detected flash.
    pub size: Option<u32>,
    /// The file to write.
    pub output: PathBuf,
    /// Show progress.
    pub progress: bool,
    /// The flash size to tell the loader.
    pub flash_size: FlashSizeArg,
}

/// `read-flash`.
pub fn read_flash(target: &Target, cmd: ReadFlash) -> Result<(), Fatal> {
    check_output(&cmd.output)?;
    let json = crate::console::json();
    let started = Instant::now();
    let result = with_device(target, |d| {
        // Under --json stdout carries only the JSON: no progress bar there.
        d.renderer.show_progress(cmd.progress && !json);
        let f = &mut d.flasher;
        let size = f.flash_region(cmd.addr, cmd.size)?;
        f.configure_flash_size(cmd.flash_size)?;
        let start = std::time::Instant::now();
        let data = f.read_flash(cmd.addr, size)?;
        let seconds = start.elapsed().as_secs_f64();
        write_output(&cmd.output, &data)?;
        say!(
            "Read {} bytes from {:#010x} in {seconds:.1} seconds{} to '{}'.",
            data.len(),
            cmd.addr,
            speed(data.len(), seconds),
            cmd.output.display()
        );
        Ok(json_device(d).map(|device| ReadJson {
            device,
            address: cmd.addr,
            size: data.len(),
            md5: hex(&md5_of(&data)),
            output: cmd.output.display().to_string(),
            timing: Timing::since(start),
        }))
    })?;
    print_json("read-flash", Timing::total(result, started))
}
