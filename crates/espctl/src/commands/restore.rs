//! `restore FILE [--force]`: a backup put back safely (see espctl-flasher's `backup`).

use super::connect::{Target, with_device};
use crate::console::say;
use crate::fatal::Fatal;
use crate::files::{read_input, read_manifest};
use espctl_flasher::backup::RestoreOptions;
use std::path::Path;

/// `restore`.
pub fn restore(target: &Target, file: &Path, force: bool) -> Result<(), Fatal> {
    let data = read_input(file)?;
    let manifest = read_manifest(file)?;
    match &manifest {
        Some(m) => say!(
            "Restoring '{}': {} bytes at {:#010x} from {} {} ({}).",
            file.display(),
            data.len(),
            m.data.address,
            m.chip.name,
            m.chip.mac,
            m.created
        ),
        None => say!(
            "Restoring '{}': {} bytes at 0x00000000 (no manifest beside it: only the size is checked).",
            file.display(),
            data.len()
        ),
    }
    let name = file.display().to_string();
    with_device(target, |d| {
        let report = d.flasher.restore(
            data,
            manifest.as_ref(),
            Some(name),
            RestoreOptions::default().force(force),
        )?;
        let bytes = report.write.bytes_rewritten();
        if bytes == 0 {
            say!("Restored: the flash already held the backup, nothing was written.");
        } else {
            let sectors = bytes.div_ceil(4096);
            say!(
                "Restored: {sectors} sector{} rewritten ({bytes} bytes), the rest already matched; verified.",
                if sectors == 1 { "" } else { "s" }
            );
        }
        Ok(())
    })
}
