//! `backup [FILE] [--region ADDR SIZE]` and `backup --check FILE`: the flash read back,
//! checked against the chip's MD5, written with its manifest only when all is well.

use super::connect::{Target, with_device};
use crate::console::say;
use crate::fatal::Fatal;
use crate::files::{
    check_output, manifest_path, read_input, read_manifest, write_outputs_together,
};
use crate::render::speed;
use espctl_flasher::backup::{Manifest, RestoreRefused};
use std::path::{Path, PathBuf};

/// `backup`.
#[derive(Debug, Clone)]
pub struct BackupCommand {
    /// Where to write; `None` names the file after the chip, its MAC and the time.
    pub file: Option<PathBuf>,
    /// Where to start.
    pub addr: u32,
    /// How many bytes; `None` up to the end of the flash.
    pub size: Option<u32>,
}

/// `backup`.
pub fn backup(target: &Target, cmd: BackupCommand) -> Result<(), Fatal> {
    if let Some(file) = &cmd.file {
        check_output(file)?;
    }
    with_device(target, |d| {
        let start = std::time::Instant::now();
        let backup = d.flasher.backup(cmd.addr, cmd.size)?;
        let seconds = start.elapsed().as_secs_f64();
        let m = &backup.manifest;
        let file = cmd.file.clone().unwrap_or_else(|| default_name(m));
        let manifest = manifest_path(&file);
        write_outputs_together(&[
            (file.clone(), backup.data.clone()),
            (manifest.clone(), m.to_toml().into_bytes()),
        ])?;
        say!(
            "Backed up {} bytes from {:#010x} in {seconds:.1} seconds{} to '{}' (manifest '{}'; MD5 {}).",
            m.data.length,
            m.data.address,
            speed(backup.data.len(), seconds),
            file.display(),
            manifest.display(),
            m.data.md5
        );
        Ok(())
    })
}

/// `backup --check FILE`: which sectors of the device differ from the backup.
pub fn check(target: &Target, file: &Path) -> Result<(), Fatal> {
    let data = read_input(file)?;
    let manifest = read_manifest(file)?;
    if let Some(m) = &manifest
        && !m.describes(&data)
    {
        return Err(espctl_flasher::Error::from(RestoreRefused::Damaged {
            expected_md5: m.data.md5.clone(),
        })
        .into());
    }
    let addr = manifest.as_ref().map_or(0, |m| m.data.address);
    with_device(target, |d| {
        let runs = d.flasher.compare_with_backup(addr, &data)?;
        let sectors: u32 = runs.iter().map(|r| (r.end - r.start) / 4096).sum();
        if runs.is_empty() {
            say!(
                "The device holds the backup '{}' ({} bytes at {addr:#010x}): no sector differs.",
                file.display(),
                data.len()
            );
            return Ok(());
        }
        say!(
            "The device differs from the backup '{}' in {sectors} sector{}:",
            file.display(),
            plural(sectors)
        );
        for r in &runs {
            let n = (r.end - r.start) / 4096;
            say!(
                "  {:#010x}-{:#010x} ({n} sector{})",
                r.start,
                r.end - 1,
                plural(n)
            );
        }
        Err(Fatal(format!(
            "The device differs from the backup in {sectors} sector{}.",
            plural(sectors)
        )))
    })
}

/// `esp8266-18fe34a1b2c3-20261204-152420.bin`.
fn default_name(m: &Manifest) -> PathBuf {
    let chip = m.chip.name.to_lowercase().replace('-', "");
    let mac: String = m.chip.mac.chars().filter(|c| *c != ':').collect();
    let time: String = m
        .created
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == 'T')
        .map(|c| if c == 'T' { '-' } else { c })
        .collect();
    PathBuf::from(format!("{chip}-{mac}-{time}.bin"))
}

fn plural(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}
