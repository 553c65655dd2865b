//! The flasher stub (Espressif's esp-flasher-stub, the one esptool 5 uploads).
//!
//! Behaviour per esptool-protocol §5.4 and esp-flasher-stub's `command_handler.c`:
//!
//! * two status bytes, the error code first (`C1 00`);
//! * work that follows a reply (writing a FLASH_DATA block, inflating a FLASH_DEFL_DATA
//!   block, READ_FLASH streaming, switching the baud rate, a MEM_END jump) runs after the
//!   reply is sent; its error is reported instead of the *next* command, which is then
//!   not executed (the "deferred error");
//! * flash is erased just in time, sector by sector in front of the data, skipping
//!   sectors that already read blank until the first dirty one.

use crate::inflate::Inflater;
use crate::loader::{self, Transition};
use crate::ram::{Jump, RamError, RamUpload};
use crate::soc::Soc;
use espctl_chips::{FLASH_SECTOR_SIZE, FlashSize};
use espctl_protocol::command::FlashBegin;
use espctl_protocol::packet::REQUEST_DIRECTION;
use espctl_protocol::status::{Status, StubError};
use espctl_protocol::{
    Command, CommandError, DATA_HEADER_LEN, Opcode, Request, SYNC_REPLY_COUNT, StatusLength,
};
use md5::{Digest, Md5};

/// The stub's largest READ_FLASH packet (its buffer is one sector).
const MAX_READ_PACKET: u32 = 4096;
/// Opcodes reserved for plugins (NAND): unpatched slots answer "not implemented".
const PLUGIN_OPCODES: std::ops::RangeInclusive<u8> = 0xD5..=0xDE;
/// Erase unit the stub prefers when the range allows it.
const ERASE_BLOCK: u32 = 0x1_0000;

type Result<T> = std::result::Result<T, StubError>;
/// A reply's value word and data.
type Reply = (u32, Vec<u8>);

#[derive(Debug)]
struct FlashWrite {
    /// Bytes still expected (uncompressed).
    remaining: u32,
    /// Where the next byte goes.
    offset: u32,
    next_erase: u32,
    erase_remaining: u32,
    /// The skip-blank-sectors heuristic stops at the first sector that is not blank.
    dirty_seen: bool,
    inflater: Option<Inflater>,
}

#[derive(Debug)]
struct ReadStream {
    offset: u32,
    remaining: u32,
    total: u32,
    packet_size: u32,
    sent_packets: u32,
    acked_packets: u32,
    acked_bytes: u32,
    md5: Md5,
}

/// Work to do once the reply is out.
#[derive(Debug)]
enum After {
    Nothing,
    Write(Vec<u8>),
    Inflate(Vec<u8>),
    Jump(u32),
    Reboot,
    RunUserCode,
    Baud(u32),
    Read {
        offset: u32,
        len: u32,
        packet_size: u32,
    },
}

#[derive(Debug)]
pub struct StubLoader {
    /// The error of the last post-reply work, reported instead of the next command.
    pending: Option<StubError>,
    /// The flash size the stub works with: detected from RDID at start, then whatever
    /// SPI_SET_PARAMS says.
    flash_size: u32,
    write: Option<FlashWrite>,
    ram: RamUpload,
    ram_open: bool,
    stream: Option<ReadStream>,
}

impl StubLoader {
    pub fn new(soc: &Soc) -> StubLoader {
        let detected =
            FlashSize::bytes_from_jedec(soc.flash.jedec_id()).unwrap_or(soc.flash.array.size());
        StubLoader {
            pending: None,
            flash_size: detected,
            write: None,
            ram: RamUpload::default(),
            ram_open: false,
            stream: None,
        }
    }

    /// Handles one received SLIP frame.
    pub fn handle_frame(&mut self, soc: &mut Soc, frame: &[u8]) -> Transition {
        if self.stream.is_some() {
            self.on_ack(soc, frame);
            return Transition::Stay;
        }
        if frame.len() < 2 {
            return Transition::Stay;
        }
        let op = frame[1];
        if frame[0] != REQUEST_DIRECTION {
            return self.fail(soc, op, StubError::InvalidCommand);
        }
        let req = match Request::decode(frame) {
            Ok(r) => r,
            Err(_) => return self.fail(soc, op, StubError::BadDataLength),
        };
        if let Some(error) = self.pending.take() {
            return self.fail(soc, op, error);
        }
        let (answer, after) = match self.execute(soc, &req) {
            Ok(ok) => ok,
            Err(e) => return self.fail(soc, op, e),
        };
        // RUN_USER_CODE has no reply.
        if let Some((value, data)) = answer {
            soc.uart.reply_ok(op, value, data, StatusLength::Two);
        }
        self.after_reply(soc, after)
    }

    fn fail(&mut self, soc: &mut Soc, op: u8, error: StubError) -> Transition {
        soc.uart
            .reply_failed(op, Status::stub(error), StatusLength::Two);
        Transition::Stay
    }

    fn parse(&self, req: &Request) -> Result<Command> {
        let len = req.data.len();
        let Some(op) = Opcode::from_u8(req.op) else {
            return Err(if PLUGIN_OPCODES.contains(&req.op) {
                StubError::NotImplemented
            } else {
                StubError::InvalidCommand
            });
        };
        // Exact sizes as the stub checks them (commands.h); data blocks are checked below.
        let size_ok = match op {
            Opcode::Sync => len == 36,
            Opcode::FlashBegin | Opcode::FlashDeflBegin => len == 16 || len == 20,
            Opcode::FlashEnd | Opcode::FlashDeflEnd => len == 4,
            Opcode::MemBegin => len == 16,
            Opcode::MemEnd => len == 8,
            Opcode::ReadReg | Opcode::SpiAttach => len == 4,
            Opcode::SpiSetParams => len == 24,
            Opcode::ChangeBaudrate => len == 8,
            Opcode::SpiFlashMd5 => len == 16,
            Opcode::GetSecurityInfo => len == 0,
            Opcode::ReadFlash => len == 16,
            Opcode::EraseRegion => len == 8,
            Opcode::WriteReg => {
                if len == 0 || !len.is_multiple_of(16) {
                    return Err(StubError::NotEnoughData);
                }
                true
            }
            Opcode::FlashData | Opcode::FlashDeflData | Opcode::MemData => {
                if len < DATA_HEADER_LEN {
                    return Err(StubError::NotEnoughData);
                }
                true
            }
            Opcode::EraseFlash | Opcode::RunUserCode => true,
            Opcode::ReadFlashSlow => return Err(StubError::InvalidCommand),
        };
        if !size_ok {
            return Err(StubError::BadDataLength);
        }
        match op {
            // Any 36 bytes will do for the stub.
            Opcode::Sync => return Ok(Command::Sync),
            Opcode::FlashData | Opcode::FlashDeflData if self.write.is_none() => {
                return Err(StubError::NotInFlashMode);
            }
            Opcode::MemData if !self.ram_open => return Err(StubError::NotInFlashMode),
            _ => {}
        }
        match Command::from_request(req) {
            Ok(c) => Ok(c),
            Err(CommandError::Checksum { .. }) if op == Opcode::MemData => {
                // The stub does not check MEM_DATA checksums.
                let d = &req.data;
                Ok(Command::MemData {
                    seq: u32::from_le_bytes(d[4..8].try_into().unwrap()),
                    data: d[DATA_HEADER_LEN..].to_vec(),
                })
            }
            Err(CommandError::Checksum { .. }) => Err(StubError::BadDataChecksum),
            Err(CommandError::DataLength { .. }) => Err(StubError::TooMuchData),
            Err(_) => Err(StubError::BadDataLength),
        }
    }

    /// Runs a command. `None` as answer means "send no reply".
    fn execute(&mut self, soc: &mut Soc, req: &Request) -> Result<(Option<Reply>, After)> {
        let command = self.parse(req)?;
        let ok = |after| Ok((Some((0, Vec::new())), after));
        match command {
            Command::Sync => {
                // Eight identical replies with value 0, like the ROM (which answers with a
                // non-zero value): that is how a host tells that the stub is running.
                for _ in 1..SYNC_REPLY_COUNT {
                    soc.uart.reply_ok(req.op, 0, Vec::new(), StatusLength::Two);
                }
                ok(After::Nothing)
            }
            Command::ReadReg { addr } => {
                Ok((Some((soc.read_reg(addr), Vec::new())), After::Nothing))
            }
            Command::WriteReg(writes) => {
                for w in writes {
                    soc.write_reg(w.addr, w.value, w.mask);
                }
                ok(After::Nothing)
            }
            Command::FlashBegin(b) => {
                self.flash_begin(soc, &b, false)?;
                ok(After::Nothing)
            }
            Command::FlashDeflBegin(b) => {
                self.flash_begin(soc, &b, true)?;
                ok(After::Nothing)
            }
            Command::FlashData { data, .. } => {
                if self.write.as_ref().is_some_and(|w| w.inflater.is_some()) {
                    return Err(StubError::NotInFlashMode);
                }
                ok(After::Write(data))
            }
            Command::FlashDeflData { data, .. } => {
                if self.write.as_ref().is_some_and(|w| w.inflater.is_none()) {
                    return Err(StubError::NotInFlashMode);
                }
                ok(After::Inflate(data))
            }
            Command::FlashEnd { reboot } | Command::FlashDeflEnd { reboot } => {
                let w = self.write.as_ref().ok_or(StubError::NotInFlashMode)?;
                if w.remaining != 0 {
                    return Err(StubError::BadDataLength);
                }
                self.write = None;
                // Reply first, then the software reset (esptool's `--after no-reset` relies
                // on it to get back to the ROM loader).
                ok(if reboot {
                    After::Reboot
                } else {
                    After::Nothing
                })
            }
            Command::MemBegin {
                size,
                block_size,
                addr,
                ..
            } => {
                self.ram.begin(addr, size, block_size);
                self.ram_open = true;
                ok(After::Nothing)
            }
            Command::MemData { seq, data } => {
                self.ram.data(soc, seq, &data).map_err(|e| match e {
                    RamError::NotStarted => StubError::NotInFlashMode,
                    RamError::TooMuchData => StubError::TooMuchData,
                })?;
                ok(After::Nothing)
            }
            Command::MemEnd { execute, entry } => {
                if !self.ram_open {
                    return Err(StubError::NotInFlashMode);
                }
                self.ram_open = false;
                self.ram.end();
                ok(if execute {
                    After::Jump(entry)
                } else {
                    After::Nothing
                })
            }
            Command::SpiAttach { .. } => ok(After::Nothing),
            Command::SpiSetParams(p) => {
                self.flash_size = p.total_size;
                ok(After::Nothing)
            }
            Command::ChangeBaudrate { new_baud, .. } => ok(After::Baud(new_baud)),
            Command::SpiFlashMd5 { addr, size } => {
                self.check_range(addr, size)?;
                let digest =
                    loader::flash_md5(soc, addr, size).ok_or(StubError::SpiOperationFailed)?;
                // The stub answers with the 16 raw digest bytes.
                Ok((Some((0, digest.to_vec())), After::Nothing))
            }
            Command::GetSecurityInfo => {
                if !soc.chip.rom.security_info {
                    // ESP8266 and ESP32 have no GetSecurityInfoProc in ROM.
                    return Err(StubError::NotImplemented);
                }
                Ok((Some((0, loader::security_info(soc))), After::Nothing))
            }
            Command::ReadFlash {
                offset,
                len,
                packet_size,
                ..
            } => ok(After::Read {
                offset,
                len,
                packet_size,
            }),
            Command::EraseFlash => {
                soc.flash
                    .array
                    .erase_chip()
                    .map_err(|_| StubError::SpiOperationFailed)?;
                ok(After::Nothing)
            }
            Command::EraseRegion { offset, size } => {
                if !offset.is_multiple_of(FLASH_SECTOR_SIZE)
                    || !size.is_multiple_of(FLASH_SECTOR_SIZE)
                {
                    return Err(StubError::BadDataLength);
                }
                self.check_range(offset, size)?;
                soc.flash
                    .array
                    .erase_range(offset, size)
                    .map_err(|_| StubError::SpiOperationFailed)?;
                ok(After::Nothing)
            }
            Command::RunUserCode => Ok((None, After::RunUserCode)),
            Command::ReadFlashSlow { .. } => Err(StubError::InvalidCommand),
        }
    }

    fn after_reply(&mut self, soc: &mut Soc, after: After) -> Transition {
        let result = match after {
            After::Nothing => Ok(Transition::Stay),
            After::Write(data) => self.write_data(soc, &data).map(|_| Transition::Stay),
            After::Inflate(data) => self.inflate_data(soc, &data).map(|_| Transition::Stay),
            After::Reboot => Ok(Transition::SoftwareReset),
            After::RunUserCode => Ok(Transition::RunFlash),
            After::Jump(entry) => Ok(match self.ram.jump_kind(entry) {
                Jump::Stub => Transition::StartStub,
                Jump::Application => Transition::RunRam,
            }),
            After::Baud(baud) => {
                soc.uart.baud = Some(baud);
                Ok(Transition::Stay)
            }
            After::Read {
                offset,
                len,
                packet_size,
            } => self
                .start_read(soc, offset, len, packet_size)
                .map(|_| Transition::Stay),
        };
        result.unwrap_or_else(|e| {
            self.pending = Some(e);
            Transition::Stay
        })
    }

    fn check_range(&self, addr: u32, len: u32) -> Result<()> {
        if u64::from(addr) + u64::from(len) > u64::from(self.flash_size) {
            Err(StubError::SpiOperationFailed)
        } else {
            Ok(())
        }
    }

    fn flash_begin(&mut self, soc: &mut Soc, b: &FlashBegin, compressed: bool) -> Result<()> {
        let sector = FLASH_SECTOR_SIZE;
        let start = b.offset / sector * sector;
        let end = (u64::from(b.offset) + u64::from(b.size)).div_ceil(u64::from(sector))
            * u64::from(sector);
        self.write = Some(FlashWrite {
            remaining: b.size,
            offset: b.offset,
            next_erase: start,
            erase_remaining: (end - u64::from(start)) as u32,
            dirty_seen: false,
            inflater: compressed.then(Inflater::new),
        });
        // The first (conditional) erase starts right away.
        self.erase_next(soc)
    }

    /// One step of the just-in-time erase.
    fn erase_next(&mut self, soc: &mut Soc) -> Result<()> {
        let flash_size = self.flash_size;
        let Some(w) = &mut self.write else {
            return Ok(());
        };
        if w.erase_remaining == 0 {
            return Ok(());
        }
        let sector = FLASH_SECTOR_SIZE;
        if u64::from(w.next_erase) + u64::from(sector.min(w.erase_remaining))
            > u64::from(flash_size)
        {
            return Err(StubError::SpiOperationFailed);
        }
        let array = &mut soc.flash.array;
        if !w.dirty_seen {
            let blank = array
                .is_blank(w.next_erase, sector)
                .map_err(|_| StubError::SpiOperationFailed)?;
            if blank {
                w.next_erase += sector;
                w.erase_remaining -= w.erase_remaining.min(sector);
                return Ok(());
            }
            w.dirty_seen = true;
        }
        let result = if w.next_erase.is_multiple_of(ERASE_BLOCK) && w.erase_remaining >= ERASE_BLOCK
        {
            w.next_erase += ERASE_BLOCK;
            w.erase_remaining -= ERASE_BLOCK;
            array.erase_block(w.next_erase - ERASE_BLOCK)
        } else {
            w.next_erase += sector;
            w.erase_remaining -= w.erase_remaining.min(sector);
            array.erase_sector(w.next_erase - sector)
        };
        result.map_err(|_| StubError::SpiOperationFailed)
    }

    fn erase_up_to(&mut self, soc: &mut Soc, target: u32) -> Result<()> {
        while let Some(w) = &self.write
            && w.next_erase < target
            && w.erase_remaining > 0
        {
            self.erase_next(soc)?;
        }
        Ok(())
    }

    /// Writes the next bytes of the image (after the reply), erasing in front of them.
    fn program(&mut self, soc: &mut Soc, data: &[u8]) -> Result<()> {
        let w = self.write.as_ref().ok_or(StubError::NotInFlashMode)?;
        let len = (data.len() as u32).min(w.remaining);
        let offset = w.offset;
        self.check_range(offset, len)?;
        self.erase_up_to(soc, offset + len)?;
        soc.flash
            .array
            .program(offset, &data[..len as usize])
            .map_err(|_| StubError::SpiOperationFailed)?;
        let w = self.write.as_mut().ok_or(StubError::NotInFlashMode)?;
        w.offset += len;
        w.remaining -= len;
        Ok(())
    }

    fn write_data(&mut self, soc: &mut Soc, data: &[u8]) -> Result<()> {
        // Bytes beyond the announced size (esptool's 0xFF padding) are dropped.
        self.program(soc, data)
    }

    fn inflate_data(&mut self, soc: &mut Soc, data: &[u8]) -> Result<()> {
        // Opportunistic erase while decompressing.
        self.erase_next(soc)?;
        let w = self.write.as_mut().ok_or(StubError::NotInFlashMode)?;
        let inflater = w.inflater.as_mut().ok_or(StubError::NotInFlashMode)?;
        let out = inflater.feed(data).map_err(|_| StubError::InflateError)?;
        soc.meter.inflated(out.len());
        if out.len() as u32 > w.remaining {
            return Err(StubError::TooMuchData);
        }
        self.program(soc, &out)
    }

    fn start_read(&mut self, soc: &mut Soc, offset: u32, len: u32, packet_size: u32) -> Result<()> {
        if packet_size > MAX_READ_PACKET || packet_size == 0 {
            return Err(StubError::BadDataLength);
        }
        self.stream = Some(ReadStream {
            offset,
            remaining: len,
            total: len,
            packet_size,
            sent_packets: 0,
            acked_packets: 0,
            acked_bytes: 0,
            md5: Md5::new(),
        });
        self.pump(soc)
    }

    /// Sends the next packet when fewer than one is unacknowledged (the stub forces
    /// max_in_flight to 1), and the digest once everything is acknowledged.
    fn pump(&mut self, soc: &mut Soc) -> Result<()> {
        let flash_size = self.flash_size;
        let Some(s) = &mut self.stream else {
            return Ok(());
        };
        if s.remaining > 0 && s.sent_packets - s.acked_packets < 1 {
            let n = s.remaining.min(s.packet_size);
            if u64::from(s.offset) + u64::from(n) > u64::from(flash_size) {
                self.stream = None;
                return Err(StubError::SpiOperationFailed);
            }
            let data = soc
                .flash
                .array
                .read(s.offset, n)
                .map_err(|_| StubError::SpiOperationFailed)?
                .to_vec();
            s.md5.update(&data);
            soc.uart.send_frame(&data);
            s.offset += n;
            s.remaining -= n;
            s.sent_packets += 1;
        }
        if s.remaining == 0 && s.acked_bytes >= s.total {
            self.finish_read(soc);
        }
        Ok(())
    }

    fn finish_read(&mut self, soc: &mut Soc) {
        if let Some(s) = self.stream.take() {
            let digest: [u8; 16] = s.md5.finalize().into();
            soc.uart.send_frame(&digest);
        }
    }

    /// A frame from the host while streaming: the running total of bytes received.
    fn on_ack(&mut self, soc: &mut Soc, frame: &[u8]) {
        let Ok(bytes) = <[u8; 4]>::try_from(frame) else {
            // Anything but a 4-byte acknowledgement ends the stream early.
            self.finish_read(soc);
            return;
        };
        if let Some(s) = &mut self.stream {
            s.acked_bytes = u32::from_le_bytes(bytes);
            s.acked_packets += 1;
        }
        if let Err(e) = self.pump(soc) {
            self.pending = Some(e);
        }
    }
}
