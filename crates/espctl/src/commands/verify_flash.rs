//! `verify-flash ADDR FILE...`: compares files with flash by MD5 (and lists differing
//! bytes with `--diff`).

use super::chip::{json_device, print_json};
use super::connect::{Target, with_device};
use crate::console::say;
use crate::fatal::Fatal;
use crate::files::read_flash_files;
use crate::render::json::flash::{FileVerifiedJson, InputFile, Timing, VerifyJson};
use espctl_flasher::{FlashParamsRequest, FlashSizeArg, Setting};
use std::time::Instant;

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
    let json = crate::console::json();
    let started = Instant::now();
    let mut summary = None;
    let result = with_device(target, |d| {
        let verifying = Instant::now();
        let mut checked = Vec::new();
        let f = &mut d.flasher;
        let configured = f.configure_flash_size(cmd.flash_size)?;
        if cmd.flash_size != FlashSizeArg::Keep {
            header.size = configured.map_or(Setting::Keep, Setting::Set);
        }
        let mut failed = false;
        for file in files {
            let given = json.then(|| InputFile::new(&file));
            let check = f.verify_files(vec![file], &header)?.remove(0);
            if let Some(given) = given {
                checked.push(FileVerifiedJson::new(given, &check));
            }
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
        summary = json_device(d).map(|device| VerifyJson {
            device,
            files: checked,
            matches: !failed,
            timing: Timing::since(verifying),
        });
        if failed {
            return Err(Fatal("Verification failed.".into()));
        }
        Ok(())
    });
    // The summary says which files differ, so it is printed also when some did.
    print_json("verify-flash", Timing::total(summary, started))?;
    result
}
