//! The ROM's flash writing: FLASH_BEGIN erases the region before it answers (the
//! ESP8266's ROM by its erase bug), FLASH_DATA blocks are written in order and read
//! back, FLASH_DEFL_DATA blocks are inflated and written before the answer.

use crate::inflate::{RomInflateError, RomInflater};
use crate::loader::in_flash;
use crate::soc::Soc;
use espctl_chips::{FLASH_SECTOR_SIZE, esp8266_rom_erase};
use espctl_protocol::command::FlashBegin;
use espctl_protocol::status::RomError;

type Failure = RomError;

#[derive(Debug)]
struct FlashWrite {
    offset: u32,
    blocks: u32,
    block_size: u32,
    /// The block expected next.
    next_seq: u32,
    /// FLASH_DEFL_*: the stream and where its output goes next.
    deflate: Option<Deflate>,
}

#[derive(Debug)]
struct Deflate {
    inflater: RomInflater,
    written: u32,
    /// Bytes FLASH_DEFL_BEGIN erased (and so the most the stream may produce).
    size: u32,
}

/// The write FLASH_BEGIN or FLASH_DEFL_BEGIN opened, if any.
#[derive(Debug, Default)]
pub struct RomFlashWriter {
    write: Option<FlashWrite>,
}

impl RomFlashWriter {
    /// FLASH_BEGIN / FLASH_DEFL_BEGIN once the ROM's checks passed: the whole region is
    /// erased before the answer, inside the `flash_size` the ROM knows.
    pub fn begin(
        &mut self,
        soc: &mut Soc,
        flash_size: u32,
        begin: &FlashBegin,
        compressed: bool,
    ) -> Result<(), Failure> {
        self.write = None;
        if begin.size > 0 {
            if soc.chip.rom.erase_size_bug {
                esp8266_erase(soc, flash_size, begin.offset, begin.size)?;
            } else {
                // Erase failures (outside the flash the ROM knows): inferred code 0x06.
                if !in_flash(begin.offset, begin.size, flash_size) {
                    return Err(RomError::WrongResult);
                }
                soc.flash
                    .array
                    .erase_range(begin.offset, begin.size)
                    .map_err(|_| RomError::WrongResult)?;
            }
        }
        self.write = Some(FlashWrite {
            offset: begin.offset,
            blocks: begin.blocks,
            block_size: begin.block_size,
            next_seq: 0,
            deflate: compressed.then(|| Deflate {
                inflater: RomInflater::new(),
                written: 0,
                size: begin.size,
            }),
        });
        Ok(())
    }

    /// FLASH_DATA: block `seq` goes to `offset + seq * block_size`. Blocks must come in
    /// order with exactly the announced block size (esptool pads the last one); the last
    /// block again (a host that lost its answer) is written again. The ROM reads the data
    /// back and reports a flash write error when it does not match (unerased flash).
    pub fn data(
        &mut self,
        soc: &mut Soc,
        flash_size: u32,
        seq: u32,
        data: &[u8],
    ) -> Result<(), Failure> {
        let Some(w) = &mut self.write else {
            return Err(RomError::InvalidParameter);
        };
        // Out of order, too many, or not the block size (inferred code).
        let in_order = seq == w.next_seq || seq.wrapping_add(1) == w.next_seq;
        if w.deflate.is_some() || !in_order || seq >= w.blocks || data.len() as u32 != w.block_size
        {
            return Err(RomError::InvalidParameter);
        }
        let addr = w.offset.wrapping_add(seq.wrapping_mul(w.block_size));
        if seq == w.next_seq {
            w.next_seq += 1;
        }
        program_verified(soc, flash_size, addr, data)
    }

    /// FLASH_DEFL_DATA: the next block of the stream, inflated and written before the
    /// answer. The last block again (a lost answer) is acknowledged without effect.
    pub fn defl_data(
        &mut self,
        soc: &mut Soc,
        flash_size: u32,
        seq: u32,
        data: &[u8],
    ) -> Result<(), Failure> {
        let Some(w) = &mut self.write else {
            return Err(RomError::InvalidParameter);
        };
        let offset = w.offset;
        let (next_seq, blocks, block_size) = (w.next_seq, w.blocks, w.block_size);
        let Some(d) = &mut w.deflate else {
            return Err(RomError::InvalidParameter);
        };
        if seq.wrapping_add(1) == next_seq {
            return Ok(());
        }
        if seq != next_seq || seq >= blocks || data.len() as u32 > block_size {
            return Err(RomError::InvalidParameter);
        }
        let out = d.inflater.feed(data).map_err(|e| match e {
            RomInflateError::Adler32 => RomError::DeflateAdler32,
            RomInflateError::Corrupt => RomError::Deflate,
        })?;
        soc.meter.inflated(out.len());
        w.next_seq += 1;
        let addr = offset + d.written;
        d.written += out.len() as u32;
        if d.written > d.size {
            return Err(RomError::FlashWrite);
        }
        program_verified(soc, flash_size, addr, &out)
    }

    /// FLASH_END / FLASH_DEFL_END: the write is over.
    pub fn end(&mut self) {
        self.write = None;
    }
}

/// The ESP8266 ROM's erase, unit by unit as [`esp8266_rom_erase::units`] orders it.
/// A unit past the end of the flash the ROM knows fails the command, after
/// everything before it was erased (inferred code 0x06).
fn esp8266_erase(soc: &mut Soc, flash_size: u32, offset: u32, size: u32) -> Result<(), Failure> {
    let sector = FLASH_SECTOR_SIZE;
    let array = &mut soc.flash.array;
    for unit in esp8266_rom_erase::units(offset, size) {
        let (addr, len) = (unit.sector * sector, unit.sectors * sector);
        if !in_flash(addr, len, flash_size) {
            array.meter().wait_flash();
            return Err(RomError::WrongResult);
        }
        let started = if unit.sectors == esp8266_rom_erase::SECTORS_PER_BLOCK {
            array.start_block_erase(addr)
        } else {
            array.start_sector_erase(addr)
        };
        started.map_err(|_| RomError::WrongResult)?;
    }
    array.meter().wait_flash();
    Ok(())
}

fn program_verified(soc: &mut Soc, flash_size: u32, addr: u32, data: &[u8]) -> Result<(), Failure> {
    if !in_flash(addr, data.len() as u32, flash_size) {
        return Err(RomError::FlashWrite);
    }
    let array = &mut soc.flash.array;
    array
        .program(addr, data)
        .map_err(|_| RomError::FlashWrite)?;
    if array.read(addr, data.len() as u32) != data {
        return Err(RomError::FlashWrite);
    }
    Ok(())
}
