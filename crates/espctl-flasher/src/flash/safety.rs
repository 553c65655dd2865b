//! The checks esptool makes before it writes or erases flash, each skipped by
//! `force`: images for another chip or chip revision, Secure Boot V1's bootloader,
//! the Key Manager's key recovery region, plaintext onto a chip that encrypts, and
//! erasing a chip with security features on.
//!
//! The ESP8266 has no such eFuses and esptool checks nothing there. The ESP32's are
//! read from its eFuse words where the chip data says they are, and so are the later
//! chips' (SPI_BOOT_CRYPT_CNT, SECURE_BOOT_EN, DIS_DOWNLOAD_MANUAL_ENCRYPT,
//! FORCE_USE_KEY_MANAGER_KEY), except in Secure Download Mode, where nothing can be
//! read: there esptool checks only the encryption counter GET_SECURITY_INFO reports.

use super::FlashFile;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::session::Session;
use espctl_chips::security::{SecurityState, revision_text, security_efuses};
use espctl_chips::{Chip, ChipKind};
use espctl_image::{Esp32Image, ExtendedHeader};

/// Secure Boot V1 keeps the bootloader below this address.
const SECURE_BOOT_V1_END: u32 = 0x8000;

/// With flash encryption keyed by the Key Manager, the key recovery info is below this.
const KEY_RECOVERY_END: u32 = 0x2000;

/// A revision field that means "no upper limit".
const NO_MAX_REVISION: u16 = 0xFFFF;

/// Why a write or erase was refused before anything was sent (`force` skips these).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SafetyRefusal {
    /// The image at the bootloader offset is for another chip or chip revision: the
    /// reason, in esptool's words (`'x.bin' is not an ESP32 image`).
    #[error("{0}.")]
    Incompatible(String),
    /// Secure Boot V1 is on and a file goes below 0x8000.
    #[error(
        "Secure Boot V1 detected, writing to flash regions < 0x8000 is disabled to protect the bootloader."
    )]
    SecureBootBootloader,
    /// Flash encryption uses the Key Manager and a file goes below 0x2000.
    #[error(
        "Flash encryption with Key Manager detected, writing to flash region 0x0-0x2000 is disabled to protect key recovery info."
    )]
    KeyRecoveryWrite,
    /// Flash encryption uses the Key Manager and an erase starts below 0x2000.
    #[error(
        "Flash encryption with Key Manager detected, erasing flash region 0x0-0x2000 is disabled to protect key recovery info."
    )]
    KeyRecoveryErase,
    /// Flash encryption is on, the loader cannot encrypt, and the data is plaintext.
    #[error(
        "Detected flash encryption enabled and download manual encrypt disabled. Data must be encrypted appropriately before flashing."
    )]
    PlaintextOnEncryptedChip,
    /// Secure Download Mode with flash encryption on, and the data is plaintext.
    #[error(
        "Detected flash encryption and secure download mode enabled. Flashing plaintext binary may brick your device!"
    )]
    PlaintextInSecureDownload,
    /// Flash encryption or Secure Boot is on.
    #[error("Active security features detected, erasing flash is disabled as a safety measure.")]
    EraseWithSecurity,
}

/// How the checks run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SafetyOptions {
    /// Skip them (esptool's `--force`).
    pub force: bool,
}

impl SafetyOptions {
    /// `true` skips the checks.
    pub fn force(mut self, force: bool) -> SafetyOptions {
        self.force = force;
        self
    }
}

impl Session {
    /// What the chip's security eFuses say; `None` for chips whose eFuses espctl does
    /// not read (the ESP8266 has none).
    pub fn security_state(&mut self) -> Result<Option<SecurityState>> {
        if let Some(fields) = self.chip.security_fields {
            if self.secure_download {
                return Ok(None);
            }
            let r = self.read_registers(&fields.registers())?;
            return Ok(Some(SecurityState {
                flash_encryption: fields.flash_encryption(&r),
                secure_boot: fields.secure_boot(&r),
                secure_boot_v1: false,
                encrypted_download_disabled: fields.encrypted_download_disabled(&r),
                key_manager_flash_encryption: fields.key_manager_flash_encryption(&r),
                // These chips have no FLASH_CRYPT_CONFIG (esptool: `None`).
                flash_crypt_config: 0xF,
                revision: 0,
            }));
        }
        let Some(fuses) = security_efuses(self.chip.kind) else {
            return Ok(None);
        };
        let regs = self.read_registers(&fuses.registers())?;
        Ok(Some(fuses.decode(&regs)))
    }

    /// esptool's checks before writing `files` unencrypted: Secure Boot V1's protected
    /// region, the Key Manager's key recovery region, then each file that is an image
    /// for the chip and revision (refused at the bootloader offset, a note elsewhere),
    /// then plaintext onto a chip that cannot encrypt it.
    pub fn check_write_allowed(&mut self, files: &[FlashFile], opts: &SafetyOptions) -> Result<()> {
        if opts.force || self.chip.kind == ChipKind::Esp8266 {
            return Ok(());
        }
        if self.secure_download {
            // esptool skips the eFuse checks there and looks only at the counter.
            let plaintext = !files.iter().any(|f| f.encrypted);
            let encrypting = self
                .security_info()?
                .is_some_and(|i| i.flash_crypt_cnt.count_ones() % 2 == 1);
            if plaintext && encrypting {
                return Err(SafetyRefusal::PlaintextInSecureDownload.into());
            }
            return Ok(());
        }
        let security = self.security_state()?;
        if security.is_some_and(|s| s.secure_boot_v1)
            && files.iter().any(|f| f.addr < SECURE_BOOT_V1_END)
        {
            return Err(SafetyRefusal::SecureBootBootloader.into());
        }
        if security.is_some_and(guards_key_recovery)
            && files.iter().any(|f| f.addr < KEY_RECOVERY_END)
        {
            return Err(SafetyRefusal::KeyRecoveryWrite.into());
        }
        // The ESP32's revision is among its security eFuses; the others' is in their name.
        let mut revision = security
            .filter(|_| security_efuses(self.chip.kind).is_some())
            .map(|s| s.revision);
        for f in files {
            let Ok(parsed) = Esp32Image::parse(&f.data) else {
                continue;
            };
            let header = parsed.image.extended;
            let problem = match incompatible_chip(self.chip, &header, f.name.as_deref()) {
                Some(problem) => Some(problem),
                None => {
                    if revision.is_none() {
                        revision = self.revision_from_identity()?;
                    }
                    revision.and_then(|rev| {
                        incompatible_revision(self.chip, &header, rev, f.name.as_deref())
                    })
                }
            };
            match problem {
                Some(text) if f.addr == self.chip.bootloader_offset => {
                    return Err(SafetyRefusal::Incompatible(text).into());
                }
                Some(text) => self.emit(Event::ImageIncompatible { text }),
                None => {}
            }
        }
        // An encrypted write has its own checks instead (`encrypt.rs`), as in esptool.
        let plaintext = !files.iter().any(|f| f.encrypted);
        if plaintext
            && security.is_some_and(|s| s.flash_encryption && s.encrypted_download_disabled)
        {
            return Err(SafetyRefusal::PlaintextOnEncryptedChip.into());
        }
        Ok(())
    }

    /// esptool's check before erasing (all of the flash or a region): refused while
    /// flash encryption or Secure Boot is on.
    pub fn check_erase_allowed(&mut self, opts: &SafetyOptions) -> Result<()> {
        if opts.force || self.chip.kind == ChipKind::Esp8266 || self.secure_download {
            return Ok(());
        }
        match self.security_state()? {
            Some(s) if s.flash_encryption || s.secure_boot => {
                Err(SafetyRefusal::EraseWithSecurity.into())
            }
            _ => Ok(()),
        }
    }

    /// esptool's checks before erasing a region from `addr`: the Key Manager's key
    /// recovery region, then [`Session::check_erase_allowed`].
    pub fn check_erase_region_allowed(&mut self, addr: u32, opts: &SafetyOptions) -> Result<()> {
        if opts.force || self.chip.kind == ChipKind::Esp8266 || self.secure_download {
            return Ok(());
        }
        if addr < KEY_RECOVERY_END && self.security_state()?.is_some_and(guards_key_recovery) {
            return Err(SafetyRefusal::KeyRecoveryErase.into());
        }
        self.check_erase_allowed(opts)
    }

    /// The revision in the chip's name (`... (revision v0.2)`), for chips whose
    /// revision eFuses are not in the chip data.
    fn revision_from_identity(&mut self) -> Result<Option<u32>> {
        let name = self.chip_info()?.description;
        let Some((_, tail)) = name.rsplit_once("(revision v") else {
            return Ok(None);
        };
        let parse = || -> Option<u32> {
            let (major, minor) = tail.trim_end_matches(')').split_once('.')?;
            Some(major.parse::<u32>().ok()? * 100 + minor.parse::<u32>().ok()?)
        };
        Ok(parse())
    }
}

/// Flash encryption is on with its key from the Key Manager.
fn guards_key_recovery(s: SecurityState) -> bool {
    s.flash_encryption && s.key_manager_flash_encryption
}

impl From<SafetyRefusal> for Error {
    fn from(r: SafetyRefusal) -> Error {
        Error::Safety(r)
    }
}

/// `'x.bin' is not an ESP32 image` when the header names another chip.
pub fn incompatible_chip(
    chip: &Chip,
    header: &ExtendedHeader,
    name: Option<&str>,
) -> Option<String> {
    if Some(header.chip_id) == chip.image_chip_id {
        return None;
    }
    let subject = match name {
        Some(n) => format!("'{n}' is not"),
        None => "Input does not contain".to_string(),
    };
    Some(format!("{subject} an {} image", chip.name))
}

/// `'x.bin' requires chip revision v4.0 or higher (this chip is revision v3.0)` when
/// `revision` (major * 100 + minor) is outside what the header allows. The full
/// revision fields count when the image has them; older images give a major revision
/// only (a minor one on the ESP32-C3).
pub fn incompatible_revision(
    chip: &Chip,
    header: &ExtendedHeader,
    revision: u32,
    name: Option<&str>,
) -> Option<String> {
    let subject = match name {
        Some(n) => format!("'{n}'"),
        None => "Input".to_string(),
    };
    let (min, max) = (
        u32::from(header.min_rev_full),
        u32::from(header.max_rev_full),
    );
    let use_full = match header.max_rev_full {
        0 => false,
        NO_MAX_REVISION => !(header.min_rev_full == 0 && header.min_rev != 0),
        _ => true,
    };
    if use_full {
        if (min..=max).contains(&revision) {
            return None;
        }
        let requirement = if header.max_rev_full == NO_MAX_REVISION {
            format!("{} or higher", revision_text(min))
        } else if min == 0 {
            format!("{} or lower", revision_text(max))
        } else {
            format!("in range {} - {}", revision_text(min), revision_text(max))
        };
        return Some(format!(
            "{subject} requires chip revision {requirement} (this chip is revision {})",
            revision_text(revision)
        ));
    }
    let rev = if chip.kind == ChipKind::Esp32c3 {
        revision % 100
    } else {
        revision / 100
    };
    (rev < u32::from(header.min_rev)).then(|| {
        format!(
            "{subject} requires chip revision {} or higher (this chip is revision {rev})",
            header.min_rev
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use espctl_chips::esp32::ESP32;
    use espctl_chips::esp32c3::ESP32C3;

    fn header(chip_id: u16, min_rev: u8, min_full: u16, max_full: u16) -> ExtendedHeader {
        ExtendedHeader {
            min_rev,
            min_rev_full: min_full,
            max_rev_full: max_full,
            ..ExtendedHeader::new(chip_id)
        }
    }

    #[test]
    fn names_the_chip_an_image_is_not_for() {
        let s3 = header(9, 0, 0, 0xFFFF);
        assert_eq!(
            incompatible_chip(&ESP32, &s3, Some("x.bin")).as_deref(),
            Some("'x.bin' is not an ESP32 image")
        );
        assert_eq!(
            incompatible_chip(&ESP32, &s3, None).as_deref(),
            Some("Input does not contain an ESP32 image")
        );
        assert_eq!(
            incompatible_chip(&ESP32, &header(0, 0, 0, 0xFFFF), None),
            None
        );
    }

    #[test]
    fn words_revision_ranges_as_esptool() {
        let cases = [
            (
                header(0, 0, 400, 0xFFFF),
                300,
                Some("'a' requires chip revision v4.0 or higher (this chip is revision v3.0)"),
            ),
            (
                header(0, 0, 0, 199),
                300,
                Some("'a' requires chip revision v1.99 or lower (this chip is revision v3.0)"),
            ),
            (
                header(0, 0, 100, 200),
                301,
                Some(
                    "'a' requires chip revision in range v1.0 - v2.0 (this chip is revision v3.1)",
                ),
            ),
            (header(0, 0, 300, 0xFFFF), 300, None),
            // No full fields (max 0): the legacy major revision.
            (
                header(0, 4, 0, 0),
                301,
                Some("'a' requires chip revision 4 or higher (this chip is revision 3)"),
            ),
            (header(0, 3, 0, 0), 301, None),
            // Default max with only the legacy field set: legacy.
            (
                header(0, 4, 0, 0xFFFF),
                300,
                Some("'a' requires chip revision 4 or higher (this chip is revision 3)"),
            ),
        ];
        for (h, rev, want) in cases {
            assert_eq!(
                incompatible_revision(&ESP32, &h, rev, Some("a")).as_deref(),
                want,
                "{h:?}"
            );
        }
        // The ESP32-C3's legacy field is its minor revision.
        let h = header(5, 3, 0, 0);
        assert_eq!(
            incompatible_revision(&ESP32C3, &h, 4, None).as_deref(),
            None
        );
        assert_eq!(
            incompatible_revision(&ESP32C3, &h, 2, None).as_deref(),
            Some("Input requires chip revision 3 or higher (this chip is revision 2)")
        );
    }
}
