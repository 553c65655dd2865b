//! Backing up a whole device and restoring it safely: a backup is the flash read back,
//! checked against the chip's own MD5 of the same range, with a [`Manifest`] that says
//! what it is and where it came from; a restore refuses another chip or a smaller
//! flash, writes only the sectors that differ and verifies the whole range.

mod manifest;
mod restore;

pub use manifest::{ChipRecord, DataRecord, FlashRecord, Manifest, ManifestError, utc_now};
pub use restore::{RestoreOptions, RestoreRefused, RestoreReport};

use crate::error::{Error, Result};
use crate::event::Event;
use crate::flash::{hex, md5_of};
use crate::session::Session;
use espctl_chips::format_mac;
use std::ops::Range;

/// A backup: the bytes and what they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backup {
    /// The flash content.
    pub data: Vec<u8>,
    /// What it is.
    pub manifest: Manifest,
}

impl Session {
    /// Reads `size` bytes from `addr` (`None`: up to the end of the flash RDID reports)
    /// and checks them against the chip's MD5 of the same range.
    pub fn backup(&mut self, addr: u32, size: Option<u32>) -> Result<Backup> {
        let size = match size {
            Some(size) => self.flash_region(addr, Some(size))?,
            None => {
                let total = self.flash_region(0, None)?;
                total
                    .checked_sub(addr)
                    .ok_or_else(|| Error::BeyondDetected {
                        addr,
                        size: 0,
                        detected: format!("{total:#x} bytes"),
                        over: (addr - total) as u64,
                    })?
            }
        };
        let id = self.flash_id()?;
        let info = self.chip_info()?;
        let mac = info.mac?;
        let data = self.read_flash(addr, size)?;
        // The read's own digest proves the transfer; the chip hashing the flash again
        // proves the flash still holds what was read.
        if self.can_md5() {
            self.emit(Event::CheckingBackup { addr, len: size });
            let flash = self.flash_md5(addr, size)?;
            if flash != md5_of(&data) {
                return Err(Error::DigestMismatch {
                    expected: hex(&flash).to_uppercase(),
                    actual: hex(&md5_of(&data)).to_uppercase(),
                });
            }
        }
        let chip = self.chip();
        let header_addr = chip.bootloader_offset;
        let header = header_addr
            .checked_sub(addr)
            .and_then(|at| data.get(at as usize..at as usize + 4))
            .map(hex);
        let manifest = Manifest {
            tool: format!("espctl {}", env!("CARGO_PKG_VERSION")),
            created: utc_now(),
            chip: ChipRecord {
                name: chip.name.to_string(),
                revision: revision(&info.description),
                description: info.description,
                mac: format_mac(&mac),
            },
            flash: FlashRecord {
                jedec_id: format!("{:#08x}", id.raw),
                size: id.size().map(|s| s.to_string()),
                size_bytes: id.size().map(|s| s.bytes()),
            },
            data: DataRecord {
                address: addr,
                length: size,
                md5: hex(&md5_of(&data)),
                sha256: {
                    use sha2::Digest;
                    hex(&sha2::Sha256::digest(&data))
                },
                header_address: header.is_some().then_some(header_addr),
                header,
            },
        };
        Ok(Backup { data, manifest })
    }

    /// The sector runs where the flash differs from `backup` (nothing is written).
    pub fn compare_with_backup(&mut self, addr: u32, data: &[u8]) -> Result<Vec<Range<u32>>> {
        self.flash_region(addr, Some(data.len() as u32))?;
        self.differing_sectors(addr, data)
    }
}

/// `v3.0` from `ESP32-D0WD-V3 (revision v3.0)`, as espctl-chips words a revision.
fn revision(description: &str) -> Option<String> {
    let start = description.rfind("(revision ")? + "(revision ".len();
    let end = description[start..].find(')')? + start;
    Some(description[start..end].to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn revisions_come_from_the_description() {
        assert_eq!(
            super::revision("ESP32-D0WD-V3 (revision v3.0)").as_deref(),
            Some("v3.0")
        );
        assert_eq!(super::revision("ESP8266EX"), None);
    }
}
