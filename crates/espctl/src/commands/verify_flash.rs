//! `verify-flash ADDR FILE...`: compares files with flash by MD5 (and lists differing
//! bytes with `--diff`).

use super::connect::{Target, with_device};
use crate::console::say;
use crate::fatal::Fatal;
use crate::files::read_flash_files;
use espctl_flasher::{FlashParamsRequest, FlashSizeArg, Setting};

/// `verify-flash`.
#[derive(Debug, Clone)]
pub struct VerifyFlash {
    /// Address and file name of each file.
    pub files: Vec<(u32, String)>,
    /// Header values a write would have put into the bootloader image.
    pub header: FlashParamsRequest,
    /// The flash size a write would have used.
    pub flash_size: FlashSizeArg,
    /// List the differing bytes.
    pub diff: bool,
}

/// `verify-flash`.
pub fn verify_flash(target: &Target, cmd: VerifyFlash) -> Result<(), Fatal> {
    let files = read_flash_files(&cmd.files)?;
    let mut header = cmd.header;
    with_device(target, |d| {
        let f = &mut d.flasher;
        let configured = f.configure_flash_size(cmd.flash_size)?;
        if cmd.flash_size != FlashSizeArg::Keep {
            header.size = configured.map_or(Setting::Keep, Setting::Set);
        }
        let mut failed = false;
        for file in files {
            let check = f.verify_files(vec![file], &header)?.remove(0);
            if check.matches {
                say!("Verification successful (digest matched).");
                continue;
            }
            failed = true;
            if !cmd.diff {
                say!("Verification failed (digest mismatch).");
                continue;
            }
            let image = &check.image;
            let flash = f.read_flash(check.addr, image.len() as u32)?;
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
