//! `verify-flash ADDR FILE...`: compares files with flash by MD5 (and lists differing
//! bytes with `--diff`).

use super::device::{Global, to_fatal, with_device};
use super::flash_args::FlashParams;
use super::patcher::ImagePatch;
use super::write_flash::read_pairs;
use crate::console::say;
use crate::fatal::Fatal;
use espctl_flasher::FlashSizeArg;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Pairs of flash address and file name
    #[arg(required = true, value_name = "ADDRESS FILENAME")]
    pub addr_filename: Vec<String>,
    /// Show the differing bytes
    #[arg(short = 'd', long)]
    pub diff: bool,
    #[command(flatten)]
    pub flash: FlashParams,
}

pub fn run(g: &Global, args: Args) -> Result<(), Fatal> {
    let files = read_pairs(&args.addr_filename)?;
    let (mut header, size) = args.flash.parse()?;
    with_device(g, |d| {
        let s = &mut d.session;
        s.attach_flash().map_err(to_fatal)?;
        let configured = s.configure_flash_size(size).map_err(to_fatal)?;
        if size != FlashSizeArg::Keep {
            header.size = configured;
        }
        let mut failed = false;
        for f in files {
            let check = s
                .verify_files(vec![f], &header, Some(&ImagePatch))
                .map_err(to_fatal)?
                .remove(0);
            if check.matches {
                say!("Verification successful (digest matched).");
                continue;
            }
            failed = true;
            if !args.diff {
                say!("Verification failed (digest mismatch).");
                continue;
            }
            let image = &check.image;
            let flash = s
                .read_flash(check.addr, image.len() as u32)
                .map_err(to_fatal)?;
            let diffs: Vec<usize> = (0..image.len()).filter(|&i| flash[i] != image[i]).collect();
            if let Some(first) = diffs.first() {
                say!(
                    "Verification failed: {} differences, first at {:#010x}:",
                    diffs.len(),
                    check.addr as usize + first
                );
            }
            for i in diffs {
                say!(
                    "   {:#010x} {:02x} {:02x}",
                    check.addr as usize + i,
                    flash[i],
                    image[i]
                );
            }
        }
        if failed {
            return Err(Fatal("Verification failed.".into()));
        }
        Ok(())
    })
}
