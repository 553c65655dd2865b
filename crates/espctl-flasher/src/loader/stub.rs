//! The flasher stub (Espressif's esp-flasher-stub), uploaded into RAM: compression,
//! streamed reads, MD5, erase commands and any baud rate, on every chip.

use super::{
    Ability, AttachMethod, BaudRequest, CrystalSource, EraseMethod, Limitation, Loader, LoaderKind,
    ReadMethod, SoftReset,
};
use espctl_chips::{Chip, StubUartClock};

/// The flasher stub on one chip.
#[derive(Debug, Clone, Copy)]
pub struct StubLoader {
    chip: &'static Chip,
}

impl StubLoader {
    /// The stub on `chip`.
    pub fn new(chip: &'static Chip) -> StubLoader {
        StubLoader { chip }
    }
}

impl Loader for StubLoader {
    fn kind(&self) -> LoaderKind {
        LoaderKind::Stub
    }

    fn chip(&self) -> &'static Chip {
        self.chip
    }

    fn name(&self) -> String {
        format!("The {} flasher stub", self.chip.name)
    }

    fn can(&self, _ability: Ability) -> bool {
        true
    }

    fn limitations(&self) -> Vec<Limitation> {
        Vec::new()
    }

    fn flash_block_size(&self) -> u32 {
        self.chip.stub_flash_write_size
    }

    fn begin_encrypted_word(&self) -> Option<u32> {
        Some(0)
    }

    fn compresses_by_default(&self) -> bool {
        true
    }

    fn writes_from_sector_start(&self) -> bool {
        false
    }

    fn begin_erase_size(&self, _addr: u32, len: u32) -> u32 {
        len
    }

    fn defl_begin_size(&self, len: u32, _block: u32) -> u32 {
        len
    }

    fn erases_at_begin(&self) -> bool {
        // It erases just in time, as data arrives.
        false
    }

    fn acknowledges_before_writing(&self) -> bool {
        true
    }

    /// It erases flash as it inflates: one 64KB erase per 32KB of inflated data, plus
    /// one.
    fn block_write_size(&self, unpacked: usize) -> u64 {
        const INFLATE_BUFFER: usize = 32 * 1024;
        const FLASH_BLOCK: usize = 64 * 1024;
        let erased = (unpacked.div_ceil(INFLATE_BUFFER) + 1) * FLASH_BLOCK;
        (unpacked + erased) as u64
    }

    fn places_blocks_by_seq(&self) -> bool {
        false
    }

    fn ends_writes(&self) -> bool {
        true
    }

    fn read_method(&self) -> ReadMethod {
        ReadMethod::Streamed
    }

    fn erase_method(&self) -> EraseMethod {
        EraseMethod::Commands
    }

    fn attach_method(&self) -> AttachMethod {
        AttachMethod::Attached
    }

    fn warns_about_kept_size(&self) -> bool {
        false
    }

    fn md5_reply_len(&self) -> usize {
        16
    }

    /// The stub answers with the 16 raw bytes.
    fn md5_from_reply(&self, data: &[u8]) -> Option<[u8; 16]> {
        data.try_into().ok()
    }

    /// The ESP8266 stub scales the divider it finds as if the line ran at 115200
    /// (esp-stub-lib's ESP8266 UART code ignores the old-rate word), so any change but
    /// the first from 115200 is asked for in proportion.
    fn baud_request(&self, baud: u32, current: u32) -> BaudRequest {
        let new = match self.chip.stub_uart {
            Some(StubUartClock::ScaleCurrentDivider) => {
                (u64::from(baud) * 115_200 / u64::from(current.max(1))) as u32
            }
            _ => baud,
        };
        BaudRequest::Words { new, old: current }
    }

    fn crystal_source(&self) -> CrystalSource {
        if self.chip.rom_crystal_hz.is_some() {
            CrystalSource::RomRecord
        } else {
            CrystalSource::UartDivider
        }
    }

    fn soft_reset(&self) -> SoftReset {
        if self.chip.stub_soft_reset {
            SoftReset::RunUserCode
        } else {
            SoftReset::Unsupported
        }
    }

    fn leaves_with_reboot_request(&self) -> bool {
        true
    }

    fn may_skip_mem_end_reply(&self) -> bool {
        false
    }
}
