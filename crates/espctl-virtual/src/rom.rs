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

mod flash_write;
mod secure_download;

use crate::answers;
use crate::loader::{BaudSwitch, Transition, in_flash};
use crate::ram::{Jump, RamError, RamUpload};
use crate::soc::Soc;
use crate::uart::Rate;
use espctl_protocol::command::FlashBegin;
use espctl_protocol::status::{RomError, Status};
use espctl_protocol::{
    Command, CommandError, Opcode, PacketError, READ_FLASH_SLOW_CHUNK, ROM_SYNC_VALUE, Request,
    StatusLength,
};
use flash_write::RomFlashWriter;
use std::time::Duration;

#[derive(Debug)]
pub struct RomLoader {
    status_len: StatusLength,
    /// The flash size the ROM believes in (its `flashchip` structure): the chip's default
    /// until SPI_SET_PARAMS.
    flash_size: u32,
    /// ESP32: SPI_ATTACH routes the flash pins. ESP8266: FLASH_BEGIN does it.
    attached: bool,
    writer: RomFlashWriter,
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
            writer: RomFlashWriter::default(),
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
        if !secure_download::allows(op) && answers::secure_download(soc) {
            secure_download::refuse(soc, self.status_len);
            return Transition::Stay;
        }
        let command = match Opcode::from_u8(op) {
            Some(code) if Self::supports(soc, code) => Command::from_request(req),
            _ => Err(CommandError::UnknownOpcode(op)),
        };
        let command = match command {
            Ok(c) => c,
            Err(CommandError::Checksum { .. }) => return self.fail(soc, op, RomError::Checksum),
            // Unknown or unsupported opcodes and malformed payloads: "the format of the
            // received message is invalid", with the request's opcode (a normal ROM, e.g.
            // GET_SECURITY_INFO on the ESP8266/ESP32: esptool 5.6.0 `connect()` catches
            // the resulting FatalError as well as UnsupportedCommandError). The other
            // form esptool knows, a reply whose opcode differs with status 01 05, sent
            // eight times, is what it documents for restricted loaders ("Usually this
            // indicates the loader is running in a restricted download mode (e.g. Secure
            // Download Mode)", `util.UnsupportedCommandError`; esptool#895 shows it for
            // READ_REG in SDM). The ROM answers once here.
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
                self.writer.data(soc, self.flash_size, seq, &data)?;
                done(Transition::Stay)
            }
            Command::FlashDeflData { seq, data } => {
                self.writer.defl_data(soc, self.flash_size, seq, &data)?;
                done(Transition::Stay)
            }
            Command::FlashEnd { reboot } | Command::FlashDeflEnd { reboot } => {
                self.writer.end();
                done(if reboot {
                    Transition::SoftwareReset
                } else {
                    Transition::RunFlash
                })
            }
            Command::SpiAttach { rom_form, config } => {
                // ROMs take the 8-byte form (pin configuration, is_legacy).
                if !rom_form {
                    return Err(RomError::InvalidMessage);
                }
                self.attached = true;
                crate::spi_pins::attach(soc, config);
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
    /// `get_rom_cal_crystal_freq`; ESP32-C2: always 40 MHz), while the UART really runs
    /// from the crystal. A host has to scale the value it sends by estimate / crystal,
    /// as esptool does. The switch happens once the reply is out (inferred: no
    /// documented delay).
    fn baud_switch(&self, soc: &Soc, value: u32) -> BaudSwitch {
        let clock = soc.uart_bus_hz();
        let assumed = soc
            .chip
            .rom
            .baud_crystal_mhz
            .map(|mhz| u64::from(mhz) * 1_000_000 * u64::from(soc.chip.xtal_clk_divider));
        let believed = soc.rom_crystal_estimate_hz().or(assumed).unwrap_or(clock);
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

    /// FLASH_BEGIN / FLASH_DEFL_BEGIN: the ROM's checks, then [`RomFlashWriter::begin`]
    /// erases the region before the answer.
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
        self.writer.begin(soc, self.flash_size, begin, compressed)
    }
}
