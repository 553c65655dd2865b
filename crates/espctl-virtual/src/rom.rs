//! The ROM bootloader's serial download mode.
//!
//! Behaviour per esptool-protocol §1-2, §11 and what esptool relies on. The ROMs' source
//! is not public: where a failure's error byte is not documented, the closest code from
//! esptool's table is used and marked "(inferred)". Every failure is answered with the
//! request's opcode and status `01 <error>` (plus two reserved zero bytes on the ESP32).
//!
//! The ROM is strict where esptool's limits say the chip is: payloads have their exact
//! lengths, checksums are compared in all 32 bits, FLASH_DATA blocks come in order and
//! at the announced block size, block sizes stay within the ROM's buffers
//! (`RomFacts::flash_write_size`, `RomFacts::ram_block_size`), and the ESP8266 and ESP32
//! ROMs take only the 16-byte FLASH_BEGIN ("ESP32 and ESP8266 ROMs do not support
//! extended parameter format", esptool `loader.py`).

use crate::answers;
use crate::inflate::{RomInflateError, RomInflater};
use crate::loader::{BaudSwitch, Transition, in_flash};
use crate::ram::{Jump, RamError, RamUpload};
use crate::soc::Soc;
use crate::uart::Rate;
use espctl_chips::{FLASH_SECTOR_SIZE, esp8266_rom_erase};
use espctl_protocol::command::FlashBegin;
use espctl_protocol::status::{RomError, Status};
use espctl_protocol::{
    Command, CommandError, Opcode, PacketError, READ_FLASH_SLOW_CHUNK, ROM_SYNC_VALUE, Request,
    StatusLength,
};
use std::time::Duration;

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
}

type Failure = RomError;
type Reply = (u32, Vec<u8>, Transition);

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
    /// (direction 1), are not for the ROM and are dropped (a modelling choice).
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
            // The ROM answers once here; esptool's comment says ROMs repeat this reply
            // eight times, but with the echoed opcode that would break esptool's next
            // command, and which opcode the repeats carry is not documented.
            Err(_) => return self.fail(soc, op, RomError::InvalidMessage),
        };
        match self.execute(soc, op, command) {
            Ok((value, data, next)) => {
                soc.uart.reply_ok(op, value, data, self.status_len);
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
    fn execute(&mut self, soc: &mut Soc, op: u8, command: Command) -> Result<Reply, Failure> {
        let done = |next| Ok((0, Vec::new(), next));
        match command {
            Command::Sync => {
                answers::sync_replies(soc, op, ROM_SYNC_VALUE, self.status_len);
                Ok((ROM_SYNC_VALUE, Vec::new(), Transition::Stay))
            }
            Command::ReadReg { addr } => Ok((soc.read_reg(addr), Vec::new(), Transition::Stay)),
            Command::WriteReg(writes) => {
                answers::write_registers(soc, &writes);
                done(Transition::Stay)
            }
            Command::MemBegin {
                size,
                block_size,
                addr,
                ..
            } => {
                // A block must fit the ROM's receive buffer (inferred code).
                if block_size > soc.chip.rom.ram_block_size {
                    return Err(RomError::InvalidParameter);
                }
                self.ram.begin_blocks(addr, size, block_size);
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
                if !in_flash(offset, len, self.flash_size) {
                    return Err(RomError::FlashRead);
                }
                let mut data = soc.flash.array.read(offset, len);
                // The reply always carries 64 bytes.
                data.resize(READ_FLASH_SLOW_CHUNK, 0);
                Ok((0, data, Transition::Stay))
            }
            Command::ChangeBaudrate { new_baud, .. } => {
                if new_baud == 0 {
                    return Err(RomError::InvalidParameter);
                }
                done(Transition::ChangeBaud(self.baud_switch(soc, new_baud)))
            }
            Command::SpiFlashMd5 { addr, size } => {
                self.require_attached()?;
                if !in_flash(addr, size, self.flash_size) {
                    return Err(RomError::FlashRead);
                }
                let digest = answers::flash_md5(soc, addr, size);
                // The ROM answers with 32 lower-case hex characters.
                let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
                Ok((0, hex.into_bytes(), Transition::Stay))
            }
            Command::GetSecurityInfo => Ok((0, answers::security_info(soc), Transition::Stay)),
            Command::EraseFlash
            | Command::EraseRegion { .. }
            | Command::ReadFlash { .. }
            | Command::RunUserCode => Err(RomError::InvalidMessage),
        }
    }

    /// CHANGE_BAUDRATE: the ROM computes the divider from its own estimate of the
    /// crystal (ESP32: measured against the drifting 8 MHz RC clock, esptool
    /// `get_rom_cal_crystal_freq`), while the UART really runs from the crystal. A host
    /// has to scale the value it sends by estimate / crystal, as esptool does. The
    /// switch happens once the reply is out (inferred: no documented delay).
    fn baud_switch(&self, soc: &Soc, value: u32) -> BaudSwitch {
        let clock = soc.uart_bus_hz();
        let believed = soc.rom_crystal_estimate_hz().unwrap_or(clock);
        let div16 = (believed << 4) / u64::from(value);
        BaudSwitch {
            rate: Rate::from_divider(clock, div16),
            before: Duration::ZERO,
            after: Duration::ZERO,
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

    /// FLASH_BEGIN / FLASH_DEFL_BEGIN: the ROM erases the whole region before answering.
    fn flash_begin(
        &mut self,
        soc: &mut Soc,
        begin: &FlashBegin,
        compressed: bool,
    ) -> Result<(), Failure> {
        if begin.encrypted.is_some() && !soc.chip.rom.flash_begin_encrypted_word {
            return Err(RomError::InvalidMessage);
        }
        if !soc.chip.rom.spi_attach {
            // ESP8266: FLASH_BEGIN attaches the flash (esptool sends FLASH_BEGIN(0, 0) for it).
            self.attached = true;
        }
        self.require_attached()?;
        // A block must fit the ROM's receive buffer (inferred code).
        if begin.block_size > soc.chip.rom.flash_write_size {
            return Err(RomError::InvalidParameter);
        }
        self.write = None;
        if begin.size > 0 {
            if soc.chip.rom.erase_size_bug {
                self.esp8266_erase(soc, begin.offset, begin.size)?;
            } else {
                // Erase failures (outside the flash the ROM knows): inferred code 0x06.
                if !in_flash(begin.offset, begin.size, self.flash_size) {
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

    /// The ESP8266 ROM's erase, unit by unit as [`esp8266_rom_erase::units`] orders it.
    /// A unit past the end of the flash the ROM knows fails the command, after
    /// everything before it was erased (inferred code 0x06).
    fn esp8266_erase(&self, soc: &mut Soc, offset: u32, size: u32) -> Result<(), Failure> {
        let sector = FLASH_SECTOR_SIZE;
        let array = &mut soc.flash.array;
        for unit in esp8266_rom_erase::units(offset, size) {
            let (addr, len) = (unit.sector * sector, unit.sectors * sector);
            if !in_flash(addr, len, self.flash_size) {
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

    /// FLASH_DATA: block `seq` goes to `offset + seq * block_size`. Blocks must come in
    /// order with exactly the announced block size (esptool pads the last one); the last
    /// block again (a host that lost its answer) is written again. The ROM reads the data
    /// back and reports a flash write error when it does not match (unerased flash).
    fn flash_data(&mut self, soc: &mut Soc, seq: u32, data: &[u8]) -> Result<(), Failure> {
        let flash_size = self.flash_size;
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
    fn flash_defl_data(&mut self, soc: &mut Soc, seq: u32, data: &[u8]) -> Result<(), Failure> {
        let flash_size = self.flash_size;
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
