//! The stub's flash writing (esp-flasher-stub v1.1.0 `command_handler.c`): one state for
//! FLASH_BEGIN / FLASH_DEFL_BEGIN, the just-in-time erase, and the work each data block
//! does after its reply.
//!
//! * FLASH_BEGIN sets the state and takes one erase step before it answers. An erase
//!   step is "conditional" until the first sector that is not blank: blank sectors are
//!   read and skipped, from the first dirty one on every step erases (a 64 KB block when
//!   aligned and at least 64 KB remain, else a sector) without reading. An erase is only
//!   *started*; the flash works on while the stub goes on, and the next flash access
//!   waits for it.
//! * A FLASH_DATA block is written after its reply: first erase up to its end, then
//!   program `min(len, remaining)` bytes. Neither `seq` nor the block size is checked.
//! * A FLASH_DEFL_DATA block is inflated after its reply, in tinfl calls each preceded by
//!   one opportunistic erase step; the output is written whenever the 32 KB dictionary
//!   fills or the stream ends, so flash is written in 32 KB units. Only a block with
//!   `seq == 0` rewinds the dictionary and has the zlib header parsed; tinfl is told more
//!   input follows while the blocks announced at FLASH_DEFL_BEGIN (`blocks * block_size`
//!   bytes) are not used up, so announcing too few fails with an inflate error.
//! * Output beyond the announced size is written as long as it stays inside the erased
//!   region (FLASH_END then fails, the remaining count having wrapped below zero); past
//!   that region the stub waits forever for an erase that never comes.
//! * With the "encrypted" word of FLASH_(DEFL_)BEGIN set, every write goes through the
//!   flash encryption engine ([`crate::flash_crypt`]).

use super::Fault;
use crate::flash_crypt;
use crate::inflate::{HAS_MORE_INPUT, PARSE_ZLIB_HEADER, Tinfl};
use crate::nor::erase_step;
use crate::soc::Soc;
use espctl_chips::FLASH_SECTOR_SIZE;
use espctl_protocol::command::FlashBegin;
use espctl_protocol::status::StubError;

type Result<T> = std::result::Result<T, Fault>;

const SPI_FAILED: Fault = Fault::Error(StubError::SpiOperationFailed);

/// `s_flash_state`, cleared field by field as the stub clears it.
#[derive(Debug, Default)]
struct State {
    in_progress: bool,
    /// Uncompressed bytes still expected; wraps below zero when inflate overshoots.
    total_remaining: u32,
    /// Where the next byte goes.
    offset: u32,
    /// Compressed bytes announced and not yet consumed (FLASH_DEFL_BEGIN).
    compressed_remaining: u32,
    encrypt: bool,
    next_erase: u32,
    erase_remaining: u32,
}

#[derive(Debug, Default)]
pub struct FlashWriter {
    state: State,
    /// The skip-blank-sectors heuristic stops at the first dirty sector (a static in the
    /// stub, reset by every FLASH_BEGIN).
    dirty_seen: bool,
    /// The decompressor and its dictionary: static in the stub, so they survive
    /// FLASH_END (the decompressor is cleared with the state, the dictionary is not).
    tinfl: Tinfl,
}

impl FlashWriter {
    pub fn in_progress(&self) -> bool {
        self.state.in_progress
    }

    /// FLASH_BEGIN / FLASH_DEFL_BEGIN: the state, then one erase step before the reply.
    pub fn begin(
        &mut self,
        soc: &mut Soc,
        flash_size: u32,
        b: &FlashBegin,
        compressed: bool,
    ) -> Result<()> {
        let sector = u64::from(FLASH_SECTOR_SIZE);
        let start = u64::from(b.offset) / sector * sector;
        let end = (u64::from(b.offset) + u64::from(b.size)).div_ceil(sector) * sector;
        self.state.total_remaining = b.size;
        self.state.offset = b.offset;
        self.state.encrypt = b.encrypted.unwrap_or(0) != 0;
        self.state.in_progress = true;
        if compressed {
            self.state.compressed_remaining = b.blocks.wrapping_mul(b.block_size);
            self.tinfl.init();
        }
        self.state.erase_remaining = (end - start) as u32;
        self.state.next_erase = start as u32;
        self.dirty_seen = false;
        self.erase_step(soc, flash_size)
    }

    /// FLASH_END / FLASH_DEFL_END: every announced byte must have been written. The
    /// reboot flag is read and ignored (v1.1.0: `// TODO: Implement reboot`).
    pub fn end(&mut self) -> std::result::Result<(), StubError> {
        if !self.state.in_progress {
            return Err(StubError::NotInFlashMode);
        }
        if self.state.total_remaining != 0 {
            return Err(StubError::BadDataLength);
        }
        self.state = State::default();
        self.tinfl.clear_state();
        Ok(())
    }

    /// One step of the erase in front of the data. The blank check reads the sector
    /// (which fails outside the flash size the stub knows); an erase is started without
    /// waiting and goes out as `addr & 0xFFFFFF`, unchecked, so it wraps on the chip.
    /// With the flash still busy no new erase starts (the stub's zero-timeout wait).
    fn erase_step(&mut self, soc: &mut Soc, flash_size: u32) -> Result<()> {
        let s = &mut self.state;
        if s.erase_remaining == 0 {
            return Ok(());
        }
        let array = &mut soc.flash.array;
        if !self.dirty_seen {
            let sector = FLASH_SECTOR_SIZE;
            if u64::from(s.next_erase) + u64::from(sector) > u64::from(flash_size) {
                return Err(SPI_FAILED);
            }
            if array.is_blank(s.next_erase, sector) {
                s.next_erase = s.next_erase.wrapping_add(sector);
                s.erase_remaining -= s.erase_remaining.min(sector);
                return Ok(());
            }
            self.dirty_seen = true;
        }
        if array.meter().flash_busy() {
            return Ok(());
        }
        let addr = s.next_erase & 0xFF_FFFF;
        let step = erase_step(u64::from(s.next_erase), u64::from(s.erase_remaining));
        let started = if step == FLASH_SECTOR_SIZE {
            array.start_sector_erase(addr)
        } else {
            array.start_block_erase(addr)
        };
        started.map_err(|_| SPI_FAILED)?;
        s.next_erase = s.next_erase.wrapping_add(step);
        s.erase_remaining -= s.erase_remaining.min(step);
        Ok(())
    }

    /// Erases until `target`; the stub polls the flash between steps. If the erase
    /// region ends before `target` it never gets there: the stub hangs.
    fn erase_up_to(&mut self, soc: &mut Soc, flash_size: u32, target: u64) -> Result<()> {
        while u64::from(self.state.next_erase) < target {
            if self.state.erase_remaining == 0 {
                return Err(Fault::Hang);
            }
            soc.flash.array.meter().wait_flash();
            self.erase_step(soc, flash_size)?;
        }
        Ok(())
    }

    /// Writes `data` at the current offset (`s_write_flash_data`).
    fn write(&mut self, soc: &mut Soc, flash_size: u32, data: &[u8]) -> Result<()> {
        let offset = self.state.offset;
        let len = data.len() as u32;
        self.erase_up_to(soc, flash_size, u64::from(offset) + u64::from(len))?;
        if len == 0 {
            return Ok(());
        }
        // Encrypted: through the chip's flash encryption engine (the ESP8266 has none:
        // `STUB_LIB_ERR_NOT_SUPPORTED`; misaligned rows fail), all as "Failed SPI op".
        let encrypted = if self.state.encrypt {
            let engine = flash_crypt::engine(soc).map_err(|_| SPI_FAILED)?;
            Some(engine.encrypt(offset, data).map_err(|_| SPI_FAILED)?)
        } else {
            None
        };
        // The ROM write routine checks the range against the flash size it was given.
        if u64::from(offset) + u64::from(len) > u64::from(flash_size) {
            return Err(SPI_FAILED);
        }
        soc.flash
            .array
            .program(offset, encrypted.as_deref().unwrap_or(data))
            .map_err(|_| SPI_FAILED)?;
        self.state.total_remaining = self.state.total_remaining.wrapping_sub(len);
        self.state.offset = offset.wrapping_add(len);
        Ok(())
    }

    /// FLASH_DATA after its reply: bytes beyond the announced size are dropped.
    pub fn write_block(&mut self, soc: &mut Soc, flash_size: u32, data: &[u8]) -> Result<()> {
        let len = data.len().min(self.state.total_remaining as usize);
        self.write(soc, flash_size, &data[..len])
    }

    /// FLASH_DEFL_DATA after its reply (`s_flash_defl_data_post_process`).
    pub fn inflate_block(
        &mut self,
        soc: &mut Soc,
        flash_size: u32,
        seq: u32,
        data: &[u8],
    ) -> Result<()> {
        if seq == 0 {
            self.tinfl.rewind();
        }
        let mut input = data;
        let mut flags = if seq == 0 { PARSE_ZLIB_HEADER } else { 0 };
        let mut going_on = true;
        let mut failed = false;
        while going_on && !input.is_empty() {
            if self.state.compressed_remaining as usize > input.len() {
                flags |= HAS_MORE_INPUT;
            }
            self.erase_step(soc, flash_size)?;
            let step = self.tinfl.step(input, flags);
            soc.meter.inflated(step.produced);
            input = &input[step.consumed..];
            self.state.compressed_remaining = self
                .state
                .compressed_remaining
                .wrapping_sub(step.consumed as u32);
            flags = 0;
            let done = !step.going_on() && !step.failed();
            if done || self.tinfl.full() {
                let out = self.tinfl.flush();
                self.write(soc, flash_size, &out)?;
            }
            going_on = step.going_on();
            failed = step.failed();
        }
        if failed {
            return Err(Fault::Error(StubError::InflateError));
        }
        Ok(())
    }
}
