//! The ROM bootloader's serial download mode.
//!
//! Behaviour per esptool-protocol §1-2, §11. Where the real ROM's error byte for a
//! failure is not documented, the closest code from esptool's table is used (the choice
//! is noted at each place). Every failure is answered with the request's opcode and
//! status `01 <error>` (plus two reserved zero bytes on the ESP32), once.

use crate::inflate::Inflater;
use crate::loader::{self, Transition};
use crate::ram::{Jump, RamError, RamUpload};
use crate::soc::Soc;
use espctl_chips::FLASH_SECTOR_SIZE;
use espctl_protocol::command::FlashBegin;
use espctl_protocol::status::{RomError, Status};
use espctl_protocol::{
    Command, CommandError, Opcode, PacketError, READ_FLASH_SLOW_CHUNK, ROM_SYNC_VALUE, Request,
    SYNC_REPLY_COUNT, StatusLength,
};

/// Sectors in one 64 KB block: the unit the ESP8266 ROM's erase routine thinks in.
const SECTORS_PER_BLOCK: u32 = 16;

#[derive(Debug)]
struct FlashWrite {
    offset: u32,
    blocks: u32,
    block_size: u32,
    /// FLASH_DEFL_*: the stream and where its output goes next.
    deflate: Option<Deflate>,
}

#[derive(Debug)]
struct Deflate {
    inflater: Inflater,
    next_seq: u32,
    written: u32,
    /// Bytes FLASH_DEFL_BEGIN erased (and so the most the stream may produce).
    size: u32,
}

#[derive(Debug)]
pub struct RomLoader {
    status_len: StatusLength,
    /// The flash size the ROM believes in (its `flashchip` structure): the chip's default
    /// until SPI_SET_PARAMS.
    flash_size: u32,
    /// ESP32: SPI_ATTACH routes the flash pins. ESP8266: FLASH_BEGIN does it.
    attached: bool,
    write: Option<FlashWrite>,
    ram: RamUpload,
    /// CHANGE_BAUDRATE: the rate to switch to once the reply is out.
    baud_after_reply: Option<u32>,
}

type Failure = RomError;

impl RomLoader {
    pub fn new(soc: &Soc) -> RomLoader {
        RomLoader {
            status_len: if soc.chip.rom.status_len == 4 {
                StatusLength::Four
            } else {
                StatusLength::Two
            },
            flash_size: soc.chip.rom.default_flash_size,
            attached: false,
            write: None,
            ram: RamUpload::default(),
            baud_after_reply: None,
        }
    }

    /// Whether this chip's ROM implements `op`.
    fn supports(soc: &Soc, op: Opcode) -> bool {
        let rom = &soc.chip.rom;
        match op {
            Opcode::FlashBegin
            | Opcode::FlashData
            | Opcode::FlashEnd
            | Opcode::MemBegin
            | Opcode::MemEnd
            | Opcode::MemData
            | Opcode::Sync
            | Opcode::WriteReg
            | Opcode::ReadReg => true,
            Opcode::SpiSetParams => rom.spi_set_params,
            Opcode::SpiAttach => rom.spi_attach,
            Opcode::ReadFlashSlow => rom.read_flash_slow,
            Opcode::ChangeBaudrate => rom.change_baudrate,
            Opcode::FlashDeflBegin | Opcode::FlashDeflData | Opcode::FlashDeflEnd => {
                rom.compressed_flash
            }
            Opcode::SpiFlashMd5 => rom.flash_md5,
            Opcode::GetSecurityInfo => rom.security_info,
            // ERASE_FLASH, ERASE_REGION, READ_FLASH, RUN_USER_CODE: stub additions.
            Opcode::EraseFlash | Opcode::EraseRegion | Opcode::ReadFlash | Opcode::RunUserCode => {
                false
            }
        }
    }

    /// Handles one received SLIP frame. Frames too short to be a request, and answers
    /// (direction 1), are not for the ROM and are dropped.
    pub fn handle_frame(&mut self, soc: &mut Soc, frame: &[u8]) -> Transition {
        match Request::decode(frame) {
            Ok(req) => self.handle(soc, &req),
            Err(PacketError::LengthMismatch { .. }) => {
                self.fail(soc, frame[1], RomError::InvalidMessage)
            }
            Err(_) => Transition::Stay,
        }
    }

    /// Answers one request.
    pub fn handle(&mut self, soc: &mut Soc, req: &Request) -> Transition {
        let op = req.op;
        let command = match Opcode::from_u8(op) {
            Some(code) if Self::supports(soc, code) => Command::from_request(req),
            _ => Err(CommandError::UnknownOpcode(op)),
        };
        let command = match command {
            Ok(c) => c,
            Err(CommandError::Checksum { .. }) => return self.fail(soc, op, RomError::Checksum),
            // Unknown or unsupported opcodes and malformed payloads: "the format of the
            // received message is invalid" (esptool turns 01 05 into "not supported").
            Err(_) => return self.fail(soc, op, RomError::InvalidMessage),
        };
        match self.execute(soc, op, command) {
            Ok((value, data, next)) => {
                soc.uart.reply_ok(op, value, data, self.status_len);
                if let Some(baud) = self.baud_after_reply.take() {
                    soc.uart.baud = Some(baud);
                }
                next
            }
            Err(e) => self.fail(soc, op, e),
        }
    }

    fn fail(&self, soc: &mut Soc, op: u8, error: RomError) -> Transition {
        soc.uart
            .reply_failed(op, Status::rom(error), self.status_len);
        Transition::Stay
    }

    /// Runs a command; on success returns the reply's value word, data and what follows.
    fn execute(
        &mut self,
        soc: &mut Soc,
        op: u8,
        command: Command,
    ) -> Result<(u32, Vec<u8>, Transition), Failure> {
        let done = |next| Ok((0, Vec::new(), next));
        match command {
            Command::Sync => {
                // Eight identical replies; the last one is sent by the caller.
                for _ in 1..SYNC_REPLY_COUNT {
                    soc.uart
                        .reply_ok(op, ROM_SYNC_VALUE, Vec::new(), self.status_len);
                }
                Ok((ROM_SYNC_VALUE, Vec::new(), Transition::Stay))
            }
            Command::ReadReg { addr } => Ok((soc.read_reg(addr), Vec::new(), Transition::Stay)),
            Command::WriteReg(writes) => {
                for w in writes {
                    soc.write_reg(w.addr, w.value, w.mask);
                }
                done(Transition::Stay)
            }
            Command::MemBegin {
                size,
                block_size,
                addr,
                ..
            } => {
                self.ram.begin(addr, size, block_size);
                done(Transition::Stay)
            }
            Command::MemData { seq, data } => {
                self.ram.data(soc, seq, &data).map_err(|e| match e {
                    // Nothing announced: "the input parameter is invalid" (inferred).
                    RamError::NotStarted => RomError::InvalidParameter,
                    RamError::TooMuchData => RomError::RamBinarySize,
                })?;
                done(Transition::Stay)
            }
            Command::MemEnd { execute, entry } => {
                self.ram.end();
                if !execute {
                    return done(Transition::Stay);
                }
                done(match self.ram.jump_kind(entry) {
                    Jump::Stub => Transition::StartStub,
                    Jump::Application => Transition::RunRam,
                })
            }
            Command::FlashBegin(begin) => {
                self.flash_begin(soc, &begin, false)?;
                done(Transition::Stay)
            }
            Command::FlashDeflBegin(begin) => {
                self.flash_begin(soc, &begin, true)?;
                done(Transition::Stay)
            }
            Command::FlashData { seq, data } => {
                self.flash_data(soc, seq, &data)?;
                done(Transition::Stay)
            }
            Command::FlashDeflData { seq, data } => {
                self.flash_defl_data(soc, seq, &data)?;
                done(Transition::Stay)
            }
            Command::FlashEnd { reboot } | Command::FlashDeflEnd { reboot } => {
                self.write = None;
                done(if reboot {
                    Transition::SoftwareReset
                } else {
                    Transition::RunFlash
                })
            }
            Command::SpiAttach { rom_form, .. } => {
                // ROMs take the 8-byte form (pin configuration, is_legacy).
                if !rom_form {
                    return Err(RomError::InvalidMessage);
                }
                self.attached = true;
                done(Transition::Stay)
            }
            Command::SpiSetParams(params) => {
                self.flash_size = params.total_size;
                done(Transition::Stay)
            }
            Command::ReadFlashSlow { offset, len } => {
                self.require_attached()?;
                if len as usize > READ_FLASH_SLOW_CHUNK {
                    return Err(RomError::FlashReadLength);
                }
                self.check_range(offset, len, RomError::FlashRead)?;
                let mut data = soc
                    .flash
                    .array
                    .read(offset, len)
                    .map_err(|_| RomError::FlashRead)?
                    .to_vec();
                // The reply always carries 64 bytes.
                data.resize(READ_FLASH_SLOW_CHUNK, 0);
                Ok((0, data, Transition::Stay))
            }
            Command::ChangeBaudrate { new_baud, .. } => {
                // The reply goes out at the old rate, then the UART switches. esptool
                // scales the value by the ROM's crystal estimate, which is exact here.
                self.baud_after_reply = Some(new_baud);
                done(Transition::Stay)
            }
            Command::SpiFlashMd5 { addr, size } => {
                self.require_attached()?;
                self.check_range(addr, size, RomError::FlashRead)?;
                let digest = loader::flash_md5(soc, addr, size).ok_or(RomError::FlashRead)?;
                // The ROM answers with 32 lower-case hex characters.
                let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
                Ok((0, hex.into_bytes(), Transition::Stay))
            }
            Command::GetSecurityInfo => Ok((0, loader::security_info(soc), Transition::Stay)),
            Command::EraseFlash
            | Command::EraseRegion { .. }
            | Command::ReadFlash { .. }
            | Command::RunUserCode => Err(RomError::InvalidMessage),
        }
    }

    fn require_attached(&self) -> Result<(), Failure> {
        // The ESP32 ROM leaves the flash pins alone until SPI_ATTACH; flash commands
        // before it cannot work (inferred code: "running result is wrong").
        if self.attached {
            Ok(())
        } else {
            Err(RomError::WrongResult)
        }
    }

    fn check_range(&self, addr: u32, len: u32, error: RomError) -> Result<(), Failure> {
        if u64::from(addr) + u64::from(len) > u64::from(self.flash_size) {
            Err(error)
        } else {
            Ok(())
        }
    }

    /// FLASH_BEGIN / FLASH_DEFL_BEGIN: the ROM erases the whole region before answering.
    fn flash_begin(
        &mut self,
        soc: &mut Soc,
        begin: &FlashBegin,
        compressed: bool,
    ) -> Result<(), Failure> {
        if !soc.chip.rom.spi_attach {
            // ESP8266: FLASH_BEGIN attaches the flash (esptool sends FLASH_BEGIN(0, 0) for it).
            self.attached = true;
        }
        self.require_attached()?;
        self.write = None;
        let sector = FLASH_SECTOR_SIZE;
        let start = begin.offset / sector * sector;
        if begin.size > 0 {
            // Erase failures (outside the flash the ROM knows): inferred code 0x06.
            self.check_range(begin.offset, begin.size, RomError::WrongResult)?;
            let requested = begin.size.div_ceil(sector);
            let sectors = if soc.chip.rom.erase_size_bug {
                esp8266_rom_erased_sectors(start / sector, requested)
            } else {
                requested
            };
            // The bug can run past the end of the chip; the array stops there.
            let len = (sectors * sector).min(soc.flash.array.size().saturating_sub(start));
            soc.flash
                .array
                .erase_range(start, len)
                .map_err(|_| RomError::WrongResult)?;
        }
        self.write = Some(FlashWrite {
            offset: begin.offset,
            blocks: begin.blocks,
            block_size: begin.block_size,
            deflate: compressed.then(|| Deflate {
                inflater: Inflater::new(),
                next_seq: 0,
                written: 0,
                size: begin.size,
            }),
        });
        Ok(())
    }

    /// FLASH_DATA: the block goes to `offset + seq * block_size`. The ROM reads the data
    /// back and reports a flash write error when it does not match (unerased flash).
    fn flash_data(&mut self, soc: &mut Soc, seq: u32, data: &[u8]) -> Result<(), Failure> {
        let Some(w) = &self.write else {
            return Err(RomError::InvalidParameter);
        };
        if w.deflate.is_some() || seq >= w.blocks || data.len() as u32 > w.block_size {
            return Err(RomError::InvalidParameter);
        }
        let addr = w.offset + seq * w.block_size;
        self.program_verified(soc, addr, data)
    }

    fn flash_defl_data(&mut self, soc: &mut Soc, seq: u32, data: &[u8]) -> Result<(), Failure> {
        let flash_size = self.flash_size;
        let Some(w) = &mut self.write else {
            return Err(RomError::InvalidParameter);
        };
        let offset = w.offset;
        let Some(d) = &mut w.deflate else {
            return Err(RomError::InvalidParameter);
        };
        if seq + 1 == d.next_seq {
            // The host repeats a block whose answer it lost: already consumed.
            return Ok(());
        }
        if seq != d.next_seq || seq >= w.blocks {
            return Err(RomError::InvalidParameter);
        }
        let out = d.inflater.feed(data).map_err(|_| RomError::Deflate)?;
        soc.meter.inflated(out.len());
        d.next_seq += 1;
        let addr = offset + d.written;
        d.written += out.len() as u32;
        if d.written > d.size || u64::from(addr) + out.len() as u64 > u64::from(flash_size) {
            return Err(RomError::FlashWrite);
        }
        self.program_verified(soc, addr, &out)
    }

    fn program_verified(&self, soc: &mut Soc, addr: u32, data: &[u8]) -> Result<(), Failure> {
        self.check_range(addr, data.len() as u32, RomError::FlashWrite)?;
        let array = &mut soc.flash.array;
        array
            .program(addr, data)
            .map_err(|_| RomError::FlashWrite)?;
        let back = array
            .read(addr, data.len() as u32)
            .map_err(|_| RomError::FlashWrite)?;
        if back != data {
            return Err(RomError::FlashWrite);
        }
        Ok(())
    }
}

/// How many sectors the ESP8266 ROM really erases when asked for `sectors` from
/// `start_sector`: it erases the sectors up to the next 64 KB boundary ("head") and then
/// the full requested count again after them. esptool's `get_erase_size` shrinks the
/// request so that this comes out right (at most one sector more).
pub fn esp8266_rom_erased_sectors(start_sector: u32, sectors: u32) -> u32 {
    let head = (SECTORS_PER_BLOCK - start_sector % SECTORS_PER_BLOCK).min(sectors);
    head + sectors
}

#[cfg(test)]
mod tests {
    use super::*;

    /// esptool's workaround (targets/esp8266.py `get_erase_size`), restated.
    fn esptool_erase_size(offset: u32, size: u32) -> u32 {
        let sectors = size.div_ceil(4096);
        let start = offset / 4096;
        let head = (16 - start % 16).min(sectors);
        if sectors < 2 * head {
            sectors.div_ceil(2) * 4096
        } else {
            (sectors - head) * 4096
        }
    }

    #[test]
    fn esptool_workaround_yields_the_wanted_region() {
        for offset in (0..0x40000).step_by(0x1000) {
            for size in [
                1, 0x400, 0x1000, 0x1001, 0x2710, 0x8000, 0xF000, 0x10000, 0x23456,
            ] {
                let wanted = u32::div_ceil(size, 4096);
                let sent = esptool_erase_size(offset, size);
                let erased = esp8266_rom_erased_sectors(offset / 4096, sent.div_ceil(4096));
                assert!(
                    erased == wanted || erased == wanted + 1,
                    "offset {offset:#x} size {size:#x}: wanted {wanted}, erased {erased}"
                );
            }
        }
    }
}
