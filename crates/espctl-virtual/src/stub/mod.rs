//! The flasher stub: esp-flasher-stub v1.1.0 (`src/command_handler.c`, the newest
//! source we can read; esptool 5.6.0 ships v1.4.1), on esp-stub-lib 8e83515.
//!
//! * Replies carry two status bytes, the error code first (`C1 00`).
//! * A frame is checked in this order: direction (`C3`), length against the header
//!   (`C0`), then the error left by the previous command's post-processing: if there is
//!   one, it is the answer and the command is not run. Then the command's own checks
//!   ([`parse`]).
//! * Work that follows a reply (writing a FLASH_DATA block, inflating a FLASH_DEFL_DATA
//!   block, READ_FLASH streaming, switching the baud rate, a MEM_END jump) runs after the
//!   reply is sent; its error is reported instead of the *next* command (the "deferred
//!   error").
//! * v1.1.0 does not leave: FLASH_END / FLASH_DEFL_END with the reboot flag answer and
//!   stay (`// TODO: Implement reboot`); RUN_USER_CODE is not answered and does nothing
//!   (`// TODO: Try to implement WDT reset`). Only a reset leaves the stub.
//! * Flash writing: [`flash_write`]; READ_FLASH: [`read_stream`]; how frames arrive:
//!   [`rx`].

mod flash_write;
mod parse;
mod read_stream;
pub mod rx;

use crate::answers;
use crate::loader::{BaudSwitch, Transition};
use crate::nor::erase_step;
use crate::ram::{Jump, RamUpload};
use crate::soc::Soc;
use crate::uart::Rate;
use espctl_chips::{FLASH_SECTOR_SIZE, FlashSize, StubUartClock};
use espctl_protocol::packet::REQUEST_DIRECTION;
use espctl_protocol::status::{Status, StubError};
use espctl_protocol::{Command, Request, StatusLength};
use flash_write::FlashWriter;
use parse::{Context, parse};
use read_stream::{Progress, ReadStream};
use std::time::Duration;

/// How work after a reply can go wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Reported instead of the next command.
    Error(StubError),
    /// The stub is stuck in a loop that cannot end; it answers nothing until a reset.
    Hang,
}

type Result<T> = std::result::Result<T, StubError>;

/// The stub's pause around a baud rate change (esp-stub-lib
/// `stub_target_uart_rominit_set_baudrate`: 5 ms, wait for TX idle, switch, 5 ms).
const BAUD_SETTLE: Duration = Duration::from_millis(5);
/// The stub's UART transport waits this long (then for TX idle) before it starts
/// listening and greets (`transport.c`: "ensure ROM has sent response to last command").
const TRANSPORT_SETTLE: Duration = Duration::from_millis(10);

/// Work to do once the reply is out.
#[derive(Debug)]
enum After {
    Nothing,
    Write(Vec<u8>),
    Inflate {
        seq: u32,
        data: Vec<u8>,
    },
    Jump(u32),
    Baud(u32),
    Read {
        offset: u32,
        len: u32,
        packet_size: u32,
    },
}

/// MEM_BEGIN / MEM_DATA state (`s_memory_state`).
#[derive(Debug, Default)]
struct MemState {
    in_progress: bool,
    remaining: u32,
}

#[derive(Debug)]
pub struct StubLoader {
    /// The error of the last post-reply work (`accumulated_result`).
    pending: Option<StubError>,
    /// The flash size the stub works with: detected from RDID at start, then whatever
    /// SPI_SET_PARAMS says.
    flash_size: u32,
    writer: FlashWriter,
    mem: MemState,
    ram: RamUpload,
    stream: Option<ReadStream>,
    hung: bool,
}

impl StubLoader {
    pub fn new(soc: &Soc) -> StubLoader {
        let detected =
            FlashSize::bytes_from_jedec(soc.flash.jedec_id()).unwrap_or(soc.flash.array.size());
        StubLoader {
            pending: None,
            flash_size: detected,
            writer: FlashWriter::default(),
            mem: MemState::default(),
            ram: RamUpload::default(),
            stream: None,
            hung: false,
        }
    }

    /// A stub starts: it sets the rate it runs the UART at, and returns how long it
    /// takes from the jump to its greeting.
    pub fn start(soc: &mut Soc) -> Duration {
        // `stub_lib_flash_init` attaches the flash on the chip's own pins.
        crate::spi_pins::attach_own_pins(soc);
        let rom_baud = soc.uart.device_baud();
        let Some(clocking) = soc.chip.stub_uart else {
            // The stub keeps the UART as the ROM left it.
            soc.uart.set_rate(soc.uart_rate_now());
            return TRANSPORT_SETTLE;
        };
        let (rate, settle) = match clocking {
            // The stub keeps the divider the ROM set up, and the rate it gives.
            StubUartClock::ScaleCurrentDivider => {
                let div = u64::from(soc.uart_rate_now().clkdiv & 0xF_FFFF);
                (
                    Rate::from_divider(soc.uart_bus_hz(), div << 4),
                    TRANSPORT_SETTLE,
                )
            }
            // The stub moves the bus to the PLL and reprograms the divider for the rate
            // the ROM talked at (`main.c`), with the baud-change pauses.
            StubUartClock::Pll { clock_hz } => (
                Rate::from_divider(
                    u64::from(clock_hz),
                    (u64::from(clock_hz) << 4) / u64::from(rom_baud),
                ),
                2 * BAUD_SETTLE + TRANSPORT_SETTLE,
            ),
        };
        soc.uart.set_rate(rate);
        settle
    }

    /// Handles one received SLIP frame.
    pub fn handle_frame(&mut self, soc: &mut Soc, frame: &[u8]) -> Transition {
        if self.hung {
            return Transition::Stay;
        }
        if let Some(stream) = &mut self.stream {
            match stream.on_frame(soc, self.flash_size, frame) {
                Ok(Progress::Streaming) => {}
                Ok(Progress::Done) => self.stream = None,
                Err(fault) => {
                    self.stream = None;
                    self.fault(fault);
                }
            }
            return Transition::Stay;
        }
        // A frame shorter than the header is read with whatever the buffer held before;
        // modelled as zeros.
        let op = frame.get(1).copied().unwrap_or(0);
        if frame[0] != REQUEST_DIRECTION {
            return self.fail(soc, op, StubError::InvalidCommand);
        }
        let Ok(req) = Request::decode(frame) else {
            return self.fail(soc, op, StubError::BadDataLength);
        };
        if let Some(error) = self.pending.take() {
            return self.fail(soc, op, error);
        }
        let ctx = Context {
            flash_in_progress: self.writer.in_progress(),
            mem_in_progress: self.mem.in_progress,
            mem_remaining: self.mem.remaining,
        };
        let command = match parse(&req, ctx) {
            Ok(Command::RunUserCode) => return Transition::Stay,
            Ok(c) => c,
            Err(e) => return self.fail(soc, op, e),
        };
        let (value, data, after) = match self.execute(soc, op, command) {
            Ok(ok) => ok,
            Err(e) => return self.fail(soc, op, e),
        };
        soc.uart.reply_ok(op, value, data, StatusLength::Two);
        self.after_reply(soc, after)
    }

    fn fail(&mut self, soc: &mut Soc, op: u8, error: StubError) -> Transition {
        soc.uart
            .reply_failed(op, Status::stub(error), StatusLength::Two);
        Transition::Stay
    }

    fn fault(&mut self, fault: Fault) {
        match fault {
            Fault::Error(e) => self.pending = Some(e),
            Fault::Hang => self.hung = true,
        }
    }

    /// Runs a command; on success returns the reply's value word and data, and the
    /// work that follows the reply.
    fn execute(
        &mut self,
        soc: &mut Soc,
        op: u8,
        command: Command,
    ) -> Result<(u32, Vec<u8>, After)> {
        let ok = |after| Ok((0, Vec::new(), after));
        match command {
            Command::Sync => {
                // Eight replies with value 0 (the ROM's are non-zero): that is how a
                // host tells that the stub is running.
                answers::sync_replies(soc, op, 0, StatusLength::Two);
                ok(After::Nothing)
            }
            Command::ReadReg { addr } => Ok((soc.read_reg(addr), Vec::new(), After::Nothing)),
            Command::WriteReg(writes) => {
                answers::write_registers(soc, &writes);
                ok(After::Nothing)
            }
            Command::FlashBegin(ref begin) | Command::FlashDeflBegin(ref begin) => {
                let compressed = matches!(command, Command::FlashDeflBegin(_));
                match self.writer.begin(soc, self.flash_size, begin, compressed) {
                    Ok(()) => ok(After::Nothing),
                    Err(Fault::Error(e)) => Err(e),
                    Err(Fault::Hang) => unreachable!("one erase step cannot hang"),
                }
            }
            Command::FlashData { data, .. } => ok(After::Write(data)),
            Command::FlashDeflData { seq, data } => ok(After::Inflate { seq, data }),
            // The reboot flag is read and ignored.
            Command::FlashEnd { .. } | Command::FlashDeflEnd { .. } => {
                self.writer.end()?;
                ok(After::Nothing)
            }
            Command::MemBegin { size, addr, .. } => {
                self.mem = MemState {
                    in_progress: true,
                    remaining: size,
                };
                self.ram.begin(addr, size);
                ok(After::Nothing)
            }
            Command::MemData { data, .. } => {
                self.ram.append(soc, &data);
                self.mem.remaining -= data.len() as u32;
                ok(After::Nothing)
            }
            Command::MemEnd { execute, entry } => {
                self.mem = MemState::default();
                self.ram.end();
                ok(if execute {
                    After::Jump(entry)
                } else {
                    After::Nothing
                })
            }
            Command::SpiAttach { config, .. } => {
                crate::spi_pins::attach(soc, config);
                ok(After::Nothing)
            }
            Command::SpiSetParams(p) => {
                self.flash_size = p.total_size;
                ok(After::Nothing)
            }
            // The second word (the old rate) is not read.
            Command::ChangeBaudrate { new_baud, .. } => ok(After::Baud(new_baud)),
            Command::SpiFlashMd5 { addr, size } => {
                if u64::from(addr) + u64::from(size) > u64::from(self.flash_size) {
                    return Err(StubError::SpiOperationFailed);
                }
                // The stub answers with the 16 raw digest bytes.
                Ok((
                    0,
                    answers::flash_md5(soc, addr, size).to_vec(),
                    After::Nothing,
                ))
            }
            Command::GetSecurityInfo => {
                if !soc.chip.rom.security_info {
                    // ESP8266 and ESP32: no GetSecurityInfoProc in ROM, the library
                    // answers "not supported".
                    return Err(StubError::NotImplemented);
                }
                Ok((0, answers::security_info(soc), After::Nothing))
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
                self.erase_region(soc, offset, size)?;
                ok(After::Nothing)
            }
            Command::RunUserCode => unreachable!("answered before"),
            Command::ReadFlashSlow { .. } => unreachable!("refused by parse"),
        }
    }

    /// ERASE_REGION: erase steps from `offset` (no range check: the address goes out
    /// as `addr & 0xFFFFFF` and wraps on the chip), then waits until the flash is idle.
    fn erase_region(&mut self, soc: &mut Soc, offset: u32, size: u32) -> Result<()> {
        let (mut at, mut remaining) = (offset, size);
        let array = &mut soc.flash.array;
        while remaining > 0 {
            let step = erase_step(u64::from(at), u64::from(remaining));
            let started = if step == FLASH_SECTOR_SIZE {
                array.start_sector_erase(at & 0xFF_FFFF)
            } else {
                array.start_block_erase(at & 0xFF_FFFF)
            };
            started.map_err(|_| StubError::SpiOperationFailed)?;
            at = at.wrapping_add(step);
            remaining -= remaining.min(step);
        }
        array.meter().wait_flash();
        Ok(())
    }

    fn after_reply(&mut self, soc: &mut Soc, after: After) -> Transition {
        let result = match after {
            After::Nothing => Ok(Transition::Stay),
            After::Write(data) => self
                .writer
                .write_block(soc, self.flash_size, &data)
                .map(|_| Transition::Stay),
            After::Inflate { seq, data } => self
                .writer
                .inflate_block(soc, self.flash_size, seq, &data)
                .map(|_| Transition::Stay),
            After::Jump(entry) => Ok(match self.ram.jump_kind(entry) {
                Jump::Stub => Transition::StartStub,
                Jump::Application => Transition::RunRam,
            }),
            After::Baud(baud) => self.baud_switch(soc, baud),
            After::Read {
                offset,
                len,
                packet_size,
            } => ReadStream::start(soc, self.flash_size, offset, len, packet_size).map(
                |(stream, progress)| {
                    if progress == Progress::Streaming {
                        self.stream = Some(stream);
                    }
                    Transition::Stay
                },
            ),
        };
        result.unwrap_or_else(|fault| {
            self.fault(fault);
            Transition::Stay
        })
    }

    /// CHANGE_BAUDRATE after its reply: the new divider, switched in after 5 ms and
    /// once the reply is out, then 5 ms more before the stub listens again.
    fn baud_switch(&mut self, soc: &mut Soc, baud: u32) -> std::result::Result<Transition, Fault> {
        if baud == 0 {
            // The divider computation divides by zero: the CPU takes an exception.
            return Err(Fault::Hang);
        }
        let rate = match soc.chip.stub_uart {
            // It sets the rate it is asked for, from the clock the UART runs on.
            None => Rate::from_divider(
                soc.uart_bus_hz(),
                (soc.uart_bus_hz() << 4) / u64::from(baud),
            ),
            Some(clock) => {
                let current = soc.uart_rate_now().clkdiv & 0xF_FFFF;
                let (clock_hz, div16) =
                    clock.divider_after_request(baud, soc.uart_bus_hz(), current);
                Rate::from_divider(clock_hz, div16)
            }
        };
        Ok(Transition::ChangeBaud(BaudSwitch {
            rate,
            before: BAUD_SETTLE,
            after: BAUD_SETTLE,
        }))
    }
}
