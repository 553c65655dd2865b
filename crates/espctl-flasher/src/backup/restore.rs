//! Putting a backup back: the checks that make it safe (the data is what its manifest
//! says, the chip is the same type, the flash is large enough), then a write of the
//! sectors that differ, verified over the whole range.

use super::Manifest;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::flash::{FlashFile, WriteOptions, write::WriteReport};
use crate::session::Session;
use espctl_chips::format_mac;

/// How careful a restore is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RestoreOptions {
    /// Restore onto another chip type or a smaller flash anyway.
    pub force: bool,
}

impl RestoreOptions {
    /// Sets `force`.
    pub fn force(mut self, force: bool) -> Self {
        self.force = force;
        self
    }
}

/// What a restore changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreReport {
    /// Where the data went.
    pub addr: u32,
    /// Its length.
    pub len: u32,
    /// What the write sent.
    pub write: WriteReport,
}

impl Session {
    /// Writes `data` back to where `manifest` says it came from (0x0 without a
    /// manifest), after the checks. A different MAC is reported, not refused: restoring
    /// onto a spare board is legitimate.
    pub fn restore(
        &mut self,
        data: Vec<u8>,
        manifest: Option<&Manifest>,
        name: Option<String>,
        options: RestoreOptions,
    ) -> Result<RestoreReport> {
        let addr = manifest.map_or(0, |m| m.data.address);
        let len = data.len() as u32;
        if let Some(m) = manifest {
            if !m.describes(&data) {
                return Err(Error::BackupDamaged {
                    expected_md5: m.data.md5.clone(),
                });
            }
            if m.chip.name != self.chip().name && !options.force {
                return Err(Error::BackupOtherChip {
                    backup: m.chip.name.clone(),
                    device: self.chip().name,
                });
            }
        }
        let end = addr as u64 + len as u64;
        if let Some(size) = self.detect_flash_size()?
            && end > size.bytes() as u64
            && !options.force
        {
            return Err(Error::BackupLargerThanFlash {
                end,
                flash: size.to_string(),
            });
        }
        if let Some(m) = manifest {
            let mac = self.mac()?.map(|mac| format_mac(&mac));
            if let Ok(mac) = mac
                && !mac.eq_ignore_ascii_case(&m.chip.mac)
            {
                self.emit(Event::RestoringOtherBoard {
                    backup_mac: m.chip.mac.clone(),
                    device_mac: mac,
                });
            }
        }
        let write = self.write_flash(
            vec![FlashFile::new(addr, data, name)],
            &WriteOptions::default(),
        )?;
        Ok(RestoreReport { addr, len, write })
    }
}
