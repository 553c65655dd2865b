//! `write-flash ADDR FILE [ADDR FILE...]`: everything is checked (files readable,
//! addresses aligned, no overlaps) before connecting; sizes and header values are
//! checked against the chip before anything is written.

use super::device::{Global, to_fatal, with_device};
use super::flash_args::{FlashParams, address};
use super::output::read_input;
use super::patcher::ImagePatch;
use crate::console::say;
use crate::fatal::Fatal;
use espctl_flasher::flash::plan::check_overlaps;
use espctl_flasher::{FlashFile, WriteOptions};
use std::path::Path;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Pairs of flash address and file name
    #[arg(required = true, value_name = "ADDRESS FILENAME")]
    pub addr_filename: Vec<String>,
    /// Erase all regions of flash (not just write areas) before programming
    #[arg(short = 'e', long)]
    pub erase_all: bool,
    /// Suppress progress output
    #[arg(short = 'p', long)]
    pub no_progress: bool,
    /// Compress data during transfer (default unless --no-stub is given)
    #[arg(short = 'z', long, conflicts_with = "no_compress")]
    pub compress: bool,
    /// Disable data compression during transfer
    #[arg(short = 'u', long)]
    pub no_compress: bool,
    #[command(flatten)]
    pub flash: FlashParams,
    /// Accepted for esptool compatibility (espctl runs no security checks to skip)
    #[arg(long)]
    pub force: bool,
    /// Write every sector, even those that already hold the new data (by default the
    /// chip's MD5s of the flash are compared first and only changed sectors are written)
    #[arg(long, conflicts_with_all = ["skip_flashed", "diff_with"])]
    pub no_skip: bool,
    /// Skip data already in flash (esptool's option; espctl always does, by comparing
    /// the chip's MD5s of the flash with the files)
    #[arg(short = 's', long, conflicts_with_all = ["diff_with", "trust_flash_content"])]
    pub skip_flashed: bool,
    /// Files flashed before, for esptool's fast reflashing; espctl compares with the
    /// chip's own flash instead, so these are not needed and are not read
    #[arg(long, num_args = 1.., value_name = "FILE|skip")]
    pub diff_with: Vec<String>,
    /// esptool skips its MD5 check of unchanged files with this; espctl always checks
    /// (accepted for compatibility, requires --diff-with)
    #[arg(long, requires = "diff_with")]
    pub trust_flash_content: bool,
}

/// Reads `ADDR FILE` pairs; Intel HEX files are split into their regions.
pub fn read_pairs(args: &[String]) -> Result<Vec<FlashFile>, Fatal> {
    if !args.len().is_multiple_of(2) {
        return Err(Fatal(
            "Must be pairs of an address and the binary filename to write there.".into(),
        ));
    }
    let mut files = Vec::new();
    for pair in args.chunks(2) {
        let addr = address(&pair[0])?;
        let name = pair[1].clone();
        let data = read_input(Path::new(&name))?;
        match espctl_image::ihex::regions_if_hex(&data) {
            Some(regions) => {
                for (a, bytes) in regions {
                    files.push(FlashFile::new(a, bytes, Some(name.clone())));
                }
            }
            None => files.push(FlashFile::new(addr, data, Some(name))),
        }
    }
    if let Some(f) = files
        .iter()
        .find(|f| f.addr as u64 + f.data.len() as u64 >= 1 << 32)
    {
        return Err(Fatal(format!(
            "'{}' ({} bytes) at {:#010x} runs past the end of the 32-bit flash address space: check the address.",
            f.name.as_deref().unwrap_or("input"),
            f.data.len(),
            f.addr
        )));
    }
    Ok(files)
}

/// Addresses must be 4-byte aligned and files must not share a flash sector.
pub fn check_layout(files: &[FlashFile]) -> Result<(), Fatal> {
    for f in files {
        if f.addr % 4 != 0 {
            return Err(Fatal(format!(
                "Address {:#x} of '{}' is not a multiple of 4: flash is written in 4-byte words.",
                f.addr,
                f.name.as_deref().unwrap_or("input")
            )));
        }
    }
    let spans: Vec<_> = files
        .iter()
        .map(|f| {
            (
                f.addr,
                f.data.len() as u64,
                f.name.clone().unwrap_or_default(),
            )
        })
        .collect();
    check_overlaps(&spans).map_err(to_fatal)
}

pub fn run(g: &Global, args: Args) -> Result<(), Fatal> {
    let files = read_pairs(&args.addr_filename)?;
    check_layout(&files)?;
    let (header, flash_size) = args.flash.parse()?;
    let compress = if args.compress {
        Some(true)
    } else if args.no_compress {
        Some(false)
    } else {
        None
    };
    if !args.diff_with.is_empty() {
        say!(
            "NOTE: espctl compares the files with the chip's flash itself; --diff-with files are not needed and were not read."
        );
    }
    let opts = WriteOptions::new(flash_size, header, args.erase_all, compress)
        .with_skip_unchanged(!args.no_skip);
    with_device(g, |d| {
        d.renderer.show_progress(!args.no_progress);
        d.session.attach_flash().map_err(to_fatal)?;
        d.session
            .write_flash(files, &opts, Some(&ImagePatch))
            .map_err(to_fatal)
    })
}
