//! Encrypted writes (`--encrypt`, `--encrypt-files`): the checks esptool makes before
//! it lets the loader encrypt what it writes, and how such a write differs.
//!
//! The loader encrypts: the host sends plain data with the "encrypted" word of
//! FLASH_BEGIN / FLASH_DEFL_BEGIN set, and the chip's flash encryption engine writes it
//! with the key in its eFuses. Only loaders that take that word can (the stub; not the
//! ESP32 and ESP8266 ROMs). The host does not know the key, so it cannot tell what the
//! flash should now hold: encrypted files are written whole (no comparing first, no
//! healing) and their MD5 cannot be checked afterwards.

use super::FlashFile;
use crate::error::Result;
use crate::event::Event;
use crate::session::Session;
use espctl_chips::ChipKind;
use espctl_chips::flash_encryption::flash_encryption;
use espctl_chips::security::security_efuses;

/// FLASH_CRYPT_CONFIG once flash encryption is set up: every tweak group on.
const CRYPT_CONFIG_SET_UP: u32 = 0xF;

/// Why an encrypted write is refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EncryptError {
    /// The ESP8266 has no flash encryption.
    #[error("ESP8266 does not support encrypted flashing. ")]
    Esp8266,
    /// The ROM loader cannot be asked to encrypt (no fifth FLASH_BEGIN word).
    #[error(
        "{chip} ROM bootloader does not support encrypted writes. Encrypted writing is only supported by the flasher stub. Do not use --no-stub when writing encrypted data."
    )]
    RomLoader {
        /// The chip's name.
        chip: &'static str,
    },
    /// DISABLE_DL_ENCRYPT is burnt: the loader cannot encrypt (release mode).
    #[error(
        "This chip has encrypt functionality in UART download mode disabled. This is the Flash Encryption configuration for Production mode instead of Development mode."
    )]
    DownloadEncryptDisabled,
    /// The key, the tweak setting or an address is not as flash encryption needs it
    /// (each was reported as it was found).
    #[error(
        "Can't perform encrypted flash write, consult Flash Encryption documentation for more information."
    )]
    NotReady,
    /// espctl does not know where this chip keeps its flash encryption eFuses.
    #[error(
        "espctl does not know the flash encryption eFuses of the {chip} yet, so it cannot check them before an encrypted write; use esptool for this chip"
    )]
    ChipNotDescribed {
        /// The chip's name.
        chip: &'static str,
    },
}

/// How a write's data reaches the flash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DataPath {
    /// As sent.
    Plain,
    /// Through the chip's flash encryption engine.
    Encrypted,
}

impl Session {
    /// The bytes an encrypted write's address and length must be a multiple of.
    pub(crate) fn encrypted_write_align(&self) -> u32 {
        flash_encryption(self.chip.kind).map_or(16, |f| f.write_align)
    }

    /// The fifth FLASH_BEGIN word for a write along `path` (`None`: the loader takes
    /// only four words).
    pub(crate) fn begin_word(&self, path: DataPath) -> Option<u32> {
        match path {
            DataPath::Plain => self.loader.begin_encrypted_word(),
            DataPath::Encrypted => Some(1),
        }
    }

    /// esptool's checks before an encrypted write: the chip and loader can encrypt,
    /// download-mode encryption is not disabled, then (each reported, and together
    /// refused unless `ignore_efuses`) FLASH_CRYPT_CONFIG set up, a key programmed and
    /// every encrypted file aligned.
    pub(crate) fn check_encrypted_write(
        &mut self,
        files: &[FlashFile],
        ignore_efuses: bool,
    ) -> Result<()> {
        let chip = self.chip;
        if chip.kind == ChipKind::Esp8266 {
            return Err(EncryptError::Esp8266.into());
        }
        if self.loader.begin_encrypted_word().is_none() {
            return Err(EncryptError::RomLoader { chip: chip.name }.into());
        }
        let (Some(fuses), Some(facts)) = (security_efuses(chip.kind), flash_encryption(chip.kind))
        else {
            return Err(EncryptError::ChipNotDescribed { chip: chip.name }.into());
        };
        let mut regs = fuses.registers();
        regs.extend(facts.registers());
        regs.sort_unstable();
        regs.dedup();
        let r = self.read_registers(&regs)?;
        let state = fuses.decode(&r);
        if state.encrypted_download_disabled {
            return Err(EncryptError::DownloadEncryptDisabled.into());
        }
        let mut ready = true;
        if state.flash_crypt_config != CRYPT_CONFIG_SET_UP {
            self.emit(Event::FlashCryptConfigUnexpected {
                value: state.flash_crypt_config,
            });
            ready = false;
        }
        if !facts.key_programmed(&r) {
            self.emit(Event::FlashEncryptionKeyNotProgrammed);
            ready = false;
        }
        for f in files.iter().filter(|f| f.encrypted) {
            if !f.addr.is_multiple_of(facts.write_align) {
                self.emit(Event::EncryptUnaligned {
                    source: f
                        .name
                        .as_ref()
                        .map_or("Input image".into(), |n| format!("'{n}'")),
                    addr: f.addr,
                    align: facts.write_align,
                });
                ready = false;
            }
        }
        if !ready && !ignore_efuses {
            return Err(EncryptError::NotReady.into());
        }
        Ok(())
    }
}
