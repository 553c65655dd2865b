//! Putting a backup back: the checks that make it safe (the data is what its manifest
//! says, the chip is the same type, the flash is large enough), then a write of the
//! sectors that differ, verified over the whole range.

use super::Manifest;
use crate::error::Result;
use crate::event::Event;
use crate::flash::{FlashFile, WriteOptions, write::WriteReport};
use crate::session::Session;
use espctl_chips::format_mac;

/// Why a restore does not go ahead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RestoreRefused {
    /// A backup's data is not what its manifest describes.
    #[error(
        "The backup does not match its manifest (MD5 {expected_md5} expected): the file is damaged or belongs to another manifest."
    )]
    Damaged {
        /// The MD5 the manifest gives.
        expected_md5: String,
    },

    /// A backup of another chip type.
    #[error("The backup is of an {backup}, this chip is an {device}.")]
    OtherChip {
        /// The chip the backup was read from.
        backup: String,
        /// The chip connected.
        device: &'static str,
    },

    /// A backup that ends beyond the flash.
    #[error("The backup ends at {end:#x}, beyond this chip's {flash} of flash.")]
    LargerThanFlash {
        /// Where the backup's data ends.
        end: u64,
        /// The flash size RDID reports.
        flash: String,
    },
}

/// How careful a restore is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RestoreOptions {
    /// Restore onto another chip type or a smaller flash anyway, and skip esptool's
    /// safety checks of the write (Secure Boot V1's bootloader region...).
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
                return Err(RestoreRefused::Damaged {
                    expected_md5: m.data.md5.clone(),
                }
                .into());
            }
            if m.chip.name != self.chip().name && !options.force {
                return Err(RestoreRefused::OtherChip {
                    backup: m.chip.name.clone(),
                    device: self.chip().name,
                }
                .into());
            }
        }
        let end = addr as u64 + len as u64;
        if let Some(size) = self.detect_flash_size()?
            && end > size.bytes() as u64
            && !options.force
        {
            return Err(RestoreRefused::LargerThanFlash {
                end,
                flash: size.to_string(),
            }
            .into());
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
            &WriteOptions::default().force(options.force),
        )?;
        Ok(RestoreReport { addr, len, write })
    }
}
