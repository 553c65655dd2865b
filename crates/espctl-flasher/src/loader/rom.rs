//! The bootloader in mask ROM: always there, but slower and with gaps that differ per
//! chip (the facts are in each chip's [`espctl_chips::RomFacts`]).

use super::{
    Ability, AttachMethod, BaudRequest, CrystalSource, EraseMethod, Limitation, Loader, LoaderKind,
    ReadMethod, SoftReset,
};
use espctl_chips::{Chip, esp8266_rom_erase};

/// The ROM loader of one chip.
#[derive(Debug, Clone, Copy)]
pub struct RomLoader {
    chip: &'static Chip,
    /// Secure Download Mode: the ROM takes only SYNC, SPI_ATTACH, SPI_SET_PARAMS,
    /// CHANGE_BAUDRATE, FLASH_BEGIN/DATA/END and GET_SECURITY_INFO.
    secure_download: bool,
}

impl RomLoader {
    /// The ROM loader of `chip`.
    pub fn new(chip: &'static Chip) -> RomLoader {
        RomLoader {
            chip,
            secure_download: false,
        }
    }

    /// The ROM loader of `chip` in Secure Download Mode.
    pub fn secure_download(chip: &'static Chip) -> RomLoader {
        RomLoader {
            chip,
            secure_download: true,
        }
    }
}

impl Loader for RomLoader {
    fn kind(&self) -> LoaderKind {
        LoaderKind::Rom
    }

    fn chip(&self) -> &'static Chip {
        self.chip
    }

    fn name(&self) -> String {
        format!("{} ROM", self.chip.name)
    }

    fn can(&self, ability: Ability) -> bool {
        let rom = &self.chip.rom;
        let full = !self.secure_download;
        match ability {
            Ability::CompressedWrite => full && rom.compressed_flash,
            Ability::ReadFlash => full && rom.read_flash_slow,
            Ability::HashFlash => full && rom.flash_md5,
            Ability::ChangeBaud => rom.change_baudrate,
            Ability::SetFlashParams => rom.spi_set_params,
        }
    }

    fn limitations(&self) -> Vec<Limitation> {
        let mut lacks = vec![Limitation::SlowerWrites];
        lacks.push(if self.can(Ability::ReadFlash) {
            Limitation::SlowReads
        } else {
            Limitation::NoReads
        });
        if !self.can(Ability::HashFlash) {
            lacks.push(Limitation::NoVerify);
        }
        if !self.can(Ability::ChangeBaud) {
            lacks.push(Limitation::FixedBaud);
        }
        lacks
    }

    fn flash_block_size(&self) -> u32 {
        self.chip.rom.flash_write_size
    }

    fn begin_encrypted_word(&self) -> Option<u32> {
        self.chip.rom.flash_begin_encrypted_word.then_some(0)
    }

    fn compresses_by_default(&self) -> bool {
        false
    }

    fn writes_from_sector_start(&self) -> bool {
        true
    }

    fn begin_erase_size(&self, addr: u32, len: u32) -> u32 {
        if self.chip.rom.erase_size_bug {
            esp8266_rom_erase::request_size(addr, len)
        } else {
            len
        }
    }

    fn defl_begin_size(&self, len: u32, block: u32) -> u32 {
        len.div_ceil(block) * block
    }

    fn erases_at_begin(&self) -> bool {
        true
    }

    fn acknowledges_before_writing(&self) -> bool {
        false
    }

    fn block_write_size(&self, unpacked: usize) -> u64 {
        unpacked as u64
    }

    fn places_blocks_by_seq(&self) -> bool {
        true
    }

    fn ends_writes(&self) -> bool {
        false
    }

    fn read_method(&self) -> ReadMethod {
        if self.chip.rom.read_flash_slow && !self.secure_download {
            ReadMethod::SlowChecked
        } else {
            ReadMethod::Unsupported
        }
    }

    fn erase_method(&self) -> EraseMethod {
        // No ROM has the erase commands: FLASH_BEGIN erases what it announces.
        EraseMethod::FlashBegin
    }

    fn attach_method(&self) -> AttachMethod {
        if self.chip.rom.spi_attach {
            AttachMethod::SpiAttach
        } else {
            AttachMethod::EmptyFlashBegin
        }
    }

    fn warns_about_kept_size(&self) -> bool {
        true
    }

    fn md5_reply_len(&self) -> usize {
        32
    }

    /// ROMs answer with 32 hex digits.
    fn md5_from_reply(&self, data: &[u8]) -> Option<[u8; 16]> {
        if data.len() != 32 {
            return None;
        }
        let mut md5 = [0u8; 16];
        for (byte, pair) in md5.iter_mut().zip(data.chunks(2)) {
            let text = std::str::from_utf8(pair).ok()?;
            *byte = u8::from_str_radix(text, 16).ok()?;
        }
        Some(md5)
    }

    fn baud_request(&self, baud: u32, _current: u32) -> BaudRequest {
        if self.chip.rom_crystal_hz.is_some() {
            BaudRequest::ScaledByRomCrystal
        } else if let Some(assumed_mhz) = self.chip.rom.baud_crystal_mhz {
            BaudRequest::ScaledByAssumedCrystal { assumed_mhz }
        } else {
            BaudRequest::Words { new: baud, old: 0 }
        }
    }

    fn crystal_source(&self) -> CrystalSource {
        CrystalSource::UartDivider
    }

    fn soft_reset(&self) -> SoftReset {
        SoftReset::FlashEnd
    }

    fn leaves_with_reboot_request(&self) -> bool {
        false
    }

    fn may_skip_mem_end_reply(&self) -> bool {
        // The ROM may start the code before its reply leaves (esptool's
        // MEM_END_ROM_TIMEOUT).
        true
    }
}
