//! A connected chip: which chip it is, which loader runs (ROM or stub), and the
//! operations every command builds on.

use crate::connect::{self, Attempt, DEFAULT_CONNECT_ATTEMPTS};
use crate::connection::{Answer, Connection, DEFAULT_TIMEOUT};
use crate::error::{Error, Result};
use crate::event::{Event, EventSink, ResetNote};
use crate::reset::{self, After, Before};
use crate::stub::StubImage;
use crate::transport::{LineError, Transport, TransportKind};
use espctl_chips::{Chip, IdentityError, Registers};
use espctl_protocol::command::{FlashBegin, RegWrite};
use espctl_protocol::{Command, Opcode, STUB_HELLO};
use std::time::Duration;

/// How to reach the chip.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ConnectOptions {
    pub before: Before,
    /// Connection attempts, each with a reset and 5 SYNCs; 0 tries forever.
    pub attempts: u32,
    /// The chip named with `--chip`; `None` detects it.
    pub chip: Option<&'static Chip>,
    /// Report every frame as [`crate::Trace`] events.
    pub trace: bool,
}

impl Default for ConnectOptions {
    fn default() -> ConnectOptions {
        ConnectOptions {
            before: Before::DefaultReset,
            attempts: DEFAULT_CONNECT_ATTEMPTS,
            chip: None,
            trace: false,
        }
    }
}

/// Built from the defaults: `ConnectOptions::default().before(Before::NoReset).attempts(1)`.
impl ConnectOptions {
    pub fn before(mut self, before: Before) -> Self {
        self.before = before;
        self
    }

    pub fn attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts;
        self
    }

    pub fn chip(mut self, chip: Option<&'static Chip>) -> Self {
        self.chip = chip;
        self
    }

    pub fn trace(mut self, trace: bool) -> Self {
        self.trace = trace;
        self
    }
}

/// Which program answers on the chip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoaderKind {
    /// The bootloader in mask ROM.
    Rom,
    /// The flasher stub espctl uploaded (or found running).
    Stub,
}

/// What identifies a chip, as printed after connecting.
#[derive(Debug, Clone, PartialEq)]
pub struct ChipInfo {
    /// `ESP8266EX`, `ESP32-D0WD-V3 (revision v3.0)`.
    pub description: String,
    pub features: Vec<String>,
    /// Normalised to 26, 40 or 48 MHz.
    pub crystal_mhz: u32,
    /// The raw estimate, when it was far from the normalised value.
    pub crystal_odd_estimate: Option<f64>,
    pub mac: std::result::Result<[u8; 6], IdentityError>,
    /// ESP8266 only.
    pub chip_id: Option<u32>,
}

/// An open connection to one chip.
pub struct Session {
    pub(crate) conn: Connection,
    pub(crate) chip: &'static Chip,
    pub(crate) loader: LoaderKind,
    pub(crate) events: EventSink,
    /// SYNC said a stub was already running when we connected.
    stub_found_running: bool,
    /// The "no reset lines" warning was reported.
    lines_warned: bool,
    /// The chip was reset through DTR/RTS when connecting, so it can be again.
    reset_worked: bool,
    /// RDID result, read once.
    pub(crate) flash_id: Option<u32>,
    /// SPI USR and USR2 as the loader left them (restored after each SPI command).
    pub(crate) spi_saved: Option<(u32, u32)>,
    /// RAM the stub we uploaded occupies (`[start, end)`), which load-ram must not touch.
    stub_ram: Vec<(u32, u32)>,
}

impl Session {
    /// Resets the chip into its bootloader (per `options.before`), syncs and identifies
    /// it. Fails with esptool's explanation when nothing answers.
    pub fn connect(
        transport: Box<dyn Transport>,
        options: &ConnectOptions,
        events: EventSink,
    ) -> Result<Session> {
        let mut before = options.before;
        if matches!(before, Before::NoReset | Before::NoResetNoSync) {
            events(Event::ResetDisabled(ResetNote::Skipped(before.name())));
        }
        if transport.kind() == TransportKind::Socket {
            // There are no reset lines over TCP (esptool says so even with no-reset).
            events(Event::ResetDisabled(ResetNote::Socket));
            if before != Before::NoResetNoSync {
                before = Before::NoReset;
            }
        }
        let mut conn = Connection::new(transport, events.clone(), options.trace);
        let strategies = reset::bootloader_sequence(before);
        let mut lines_warned = false;

        events(Event::Connecting);
        let mut outcome = Err(String::from("no connection attempt was made"));
        let mut n = 0u32;
        while options.attempts == 0 || n < options.attempts {
            let strategy = strategies[n as usize % strategies.len()];
            let attempt = connect::attempt(
                &mut conn,
                Attempt {
                    before,
                    strategy,
                    events: &events,
                    lines_warned: &mut lines_warned,
                },
            );
            outcome = match attempt {
                Ok(outcome) => outcome,
                Err(port_failed) => {
                    events(Event::ConnectDone);
                    return Err(port_failed);
                }
            };
            if outcome.is_ok() {
                break;
            }
            n += 1;
        }
        events(Event::ConnectDone);
        let synced = outcome.map_err(|reason| Error::ConnectFailed {
            target: options
                .chip
                .map_or("Espressif device", |c| c.name)
                .to_string(),
            reason,
        })?;

        let chip = match options.chip {
            Some(chip) => {
                if let Some(magic) = connect::verify(&mut conn, chip)? {
                    events(Event::ChipUnverified { chip, magic });
                }
                chip
            }
            None => {
                events(Event::DetectingChip);
                let chip = connect::detect(&mut conn)?;
                events(Event::ChipDetected { chip });
                chip
            }
        };
        Ok(Session {
            conn,
            chip,
            loader: if synced.stub_running {
                LoaderKind::Stub
            } else {
                LoaderKind::Rom
            },
            events,
            stub_found_running: synced.stub_running,
            reset_worked: matches!(before, Before::DefaultReset | Before::UsbReset)
                && !lines_warned,
            lines_warned,
            flash_id: None,
            spi_saved: None,
            stub_ram: Vec::new(),
        })
    }

    pub fn chip(&self) -> &'static Chip {
        self.chip
    }

    pub fn loader(&self) -> LoaderKind {
        self.loader
    }

    pub fn is_stub(&self) -> bool {
        self.loader == LoaderKind::Stub
    }

    pub fn port_name(&self) -> &str {
        self.conn.port_name()
    }

    pub fn baud(&self) -> u32 {
        self.conn.baud()
    }

    /// What kind of line the chip is on.
    pub fn port_kind(&mut self) -> TransportKind {
        self.conn.transport().kind()
    }

    /// Whether DTR/RTS reset the chip when connecting (so a new connection can reset it
    /// again, e.g. after a failed baud rate change).
    pub fn can_reset(&self) -> bool {
        self.reset_worked
    }

    pub(crate) fn emit(&self, event: Event) {
        (self.events)(event);
    }

    /// Gives the port back (after [`Session::finish`]).
    pub fn into_transport(self) -> Box<dyn Transport> {
        self.conn.into_transport()
    }

    /// "ESP8266 ROM" or "The flasher stub", for messages about missing functions.
    pub(crate) fn loader_name(&self) -> String {
        match self.loader {
            LoaderKind::Rom => format!("{} ROM", self.chip.name),
            LoaderKind::Stub => format!("The {} flasher stub", self.chip.name),
        }
    }

    /// The error for something the ROM of this chip cannot do.
    pub(crate) fn rom_lacks(&self, what: &str) -> Error {
        Error::NotSupported {
            loader: self.loader_name(),
            what: what.to_string(),
            hint: " It needs the flasher stub: install it with 'espctl stub fetch' (or 'espctl stub import <esptool sdist>') and run without --no-stub.".to_string(),
        }
    }

    pub fn read_reg(&mut self, addr: u32) -> Result<u32> {
        let (value, _) = self.conn.check(
            "read target memory",
            &Command::ReadReg { addr },
            0,
            DEFAULT_TIMEOUT,
        )?;
        Ok(value)
    }

    /// Writes several registers with one WRITE_REG (applied in order).
    pub fn write_regs(&mut self, writes: Vec<RegWrite>) -> Result<()> {
        self.conn.check(
            "write target memory",
            &Command::WriteReg(writes),
            0,
            DEFAULT_TIMEOUT,
        )?;
        Ok(())
    }

    pub fn write_reg(&mut self, addr: u32, value: u32, mask: u32) -> Result<()> {
        self.write_regs(vec![RegWrite {
            addr,
            value,
            mask,
            delay_us: 0,
        }])
    }

    pub(crate) fn read_registers(&mut self, addrs: &[u32]) -> Result<Registers> {
        let mut regs = Registers::new();
        for &addr in addrs {
            if !regs.iter().any(|(a, _)| a == addr) {
                regs.set(addr, self.read_reg(addr)?);
            }
        }
        Ok(regs)
    }

    /// Reads the identity eFuses and the UART divider: name, features, crystal, MAC.
    pub fn chip_info(&mut self) -> Result<ChipInfo> {
        let chip = self.chip;
        let regs = self.read_registers(chip.identity.registers)?;
        let d = (chip.identity.describe)(&regs);
        let (crystal_mhz, crystal_odd_estimate) = self.crystal()?;
        Ok(ChipInfo {
            description: d.name,
            features: d.features,
            crystal_mhz,
            crystal_odd_estimate,
            mac: (chip.identity.mac)(&regs),
            chip_id: chip.identity.chip_id.map(|f| f(&regs)),
        })
    }

    /// The crystal frequency. The stub runs the bus from the PLL, so on chips whose ROM
    /// recorded its own measurement that is used instead of the UART divider.
    fn crystal(&mut self) -> Result<(u32, Option<f64>)> {
        if self.is_stub()
            && let Some(rom) = self.chip.rom_crystal_hz
        {
            let regs = self.read_registers(rom.registers)?;
            let mhz = (rom.decode)(&regs) / 1e6;
            return Ok((if mhz > 33.0 { 40 } else { 26 }, None));
        }
        let div = self.read_reg(self.chip.uart_clkdiv_reg)?;
        let (estimate, normalised) = self.chip.crystal_mhz(div, self.baud());
        let odd = ((normalised as f64) - estimate).abs() > 1.0;
        Ok((normalised, odd.then_some(estimate)))
    }

    /// The MAC address (ESP8266: may fail with "Unknown OUI").
    pub fn mac(&mut self) -> Result<std::result::Result<[u8; 6], IdentityError>> {
        let regs = self.read_registers(self.chip.identity.registers)?;
        Ok((self.chip.identity.mac)(&regs))
    }

    /// Uploads `stub` into RAM and starts it, unless a stub already answered SYNC.
    /// Returns whether the stub runs (`false` when none is running and `stub` is `None`).
    pub fn run_stub(&mut self, stub: Option<&StubImage>) -> Result<bool> {
        if self.stub_found_running {
            self.stub_found_running = false;
            self.emit(Event::StubAlreadyRunning);
            return Ok(true);
        }
        if self.is_stub() {
            return Ok(true);
        }
        let Some(stub) = stub else {
            return Ok(false);
        };
        self.emit(Event::StubUploading);
        let block = self.chip.rom.ram_block_size as usize;
        for (data, addr) in [(&stub.text, stub.text_start), (&stub.data, stub.data_start)] {
            if !data.is_empty() {
                self.upload_to_ram(data, addr, block)?;
            }
        }
        self.stub_ram = vec![
            (stub.text_start, stub.text_start + stub.text.len() as u32),
            (
                stub.bss_start.unwrap_or(stub.data_start),
                stub.data_start + stub.data.len() as u32,
            ),
        ];
        self.emit(Event::StubStarting);
        self.conn.send(
            &Command::MemEnd {
                execute: true,
                entry: stub.entry,
            },
            DEFAULT_TIMEOUT,
            Answer::Expected,
        )?;
        // The ROM may or may not get its MEM_END reply out before jumping to the stub;
        // the stub then greets with a bare "OHAI" frame. A few repeated replies are
        // tolerated, an endless stream of them is not.
        let mut greeted = false;
        for _ in 0..8 {
            let frame = match self.conn.read_frame(DEFAULT_TIMEOUT) {
                Ok(frame) => frame,
                Err(e @ Error::Io { .. }) => return Err(e),
                Err(_) => {
                    return Err(Error::StubStart(
                        "There was no response. Try again, or use --no-stub to work with the ROM loader."
                            .to_string(),
                    ));
                }
            };
            if frame.as_slice() == STUB_HELLO {
                greeted = true;
                break;
            }
            let is_mem_end_reply =
                frame.len() >= 8 && frame[0] == 1 && frame[1] == Opcode::MemEnd as u8;
            if !is_mem_end_reply {
                let shown = &frame[..frame.len().min(32)];
                return Err(Error::StubStart(format!(
                    "Unexpected response: {}",
                    String::from_utf8_lossy(shown).escape_debug()
                )));
            }
        }
        if !greeted {
            return Err(Error::StubStart(
                "It kept answering MEM_END instead of saying hello. Try again, or use --no-stub."
                    .to_string(),
            ));
        }
        self.loader = LoaderKind::Stub;
        self.spi_saved = None;
        self.emit(Event::StubRunning);
        Ok(true)
    }

    /// Loads `data` at `addr` with MEM_BEGIN / MEM_DATA (no MEM_END).
    pub(crate) fn upload_to_ram(&mut self, data: &[u8], addr: u32, block: usize) -> Result<()> {
        let blocks = data.len().div_ceil(block);
        self.conn.check(
            "enter RAM download mode",
            &Command::MemBegin {
                size: data.len() as u32,
                blocks: blocks as u32,
                block_size: block as u32,
                addr,
            },
            0,
            DEFAULT_TIMEOUT,
        )?;
        for (seq, chunk) in data.chunks(block).enumerate() {
            self.conn.check(
                "write to target RAM",
                &Command::MemData {
                    seq: seq as u32,
                    data: chunk.to_vec(),
                },
                0,
                DEFAULT_TIMEOUT,
            )?;
        }
        Ok(())
    }

    /// Loads `segments` (address, bytes) into RAM and jumps to `entry` (`load-ram`).
    /// The chip then runs that code and no longer answers.
    pub fn load_ram(&mut self, segments: &[(u32, Vec<u8>)], entry: u32) -> Result<()> {
        for (addr, data) in segments {
            let end = *addr as u64 + data.len() as u64;
            if end > 1 << 32 {
                return Err(Error::Invalid(format!(
                    "A segment of {} bytes at {addr:#010x} runs past the end of the address space: the image is damaged.",
                    data.len()
                )));
            }
            let overlaps = |(s, e): &&(u32, u32)| (*addr as u64) < *e as u64 && end > *s as u64;
            if let Some((s, e)) = self.stub_ram.iter().find(overlaps) {
                return Err(Error::Invalid(format!(
                    "Stub flasher is resident at {s:#010x}-{e:#010x}. Can't load binary at overlapping address range {addr:#010x}-{end:#010x}. Either change binary loading address, or disable the stub flasher (--no-stub)."
                )));
            }
        }
        let block = self.chip.rom.ram_block_size as usize;
        for (addr, data) in segments {
            self.upload_to_ram(data, *addr, block)?;
        }
        let cmd = Command::MemEnd {
            execute: true,
            entry,
        };
        if self.is_stub() {
            self.conn
                .check("leave RAM download mode", &cmd, 0, DEFAULT_TIMEOUT)?;
        } else {
            // The ROM may start the code before its reply leaves: wait briefly, and do
            // not mind a missing reply (esptool's MEM_END_ROM_TIMEOUT).
            let _ = self.conn.check(
                "leave RAM download mode",
                &cmd,
                0,
                Duration::from_millis(200),
            );
        }
        Ok(())
    }

    /// FLASH_BEGIN with the size and offset as given (stub: 20-byte form).
    pub(crate) fn flash_begin_raw(
        &mut self,
        erase_size: u32,
        blocks: u32,
        block_size: u32,
        offset: u32,
        timeout: Duration,
    ) -> Result<()> {
        let begin = FlashBegin {
            size: erase_size,
            blocks,
            block_size,
            offset,
            encrypted: self.begin_encrypted_word(),
        };
        self.conn.check(
            "enter flash download mode",
            &Command::FlashBegin(begin),
            0,
            timeout,
        )?;
        Ok(())
    }

    /// The fifth FLASH_BEGIN word: stubs and ROMs newer than the ESP32 take it.
    pub(crate) fn begin_encrypted_word(&self) -> Option<u32> {
        (self.is_stub() || self.chip.rom.flash_begin_encrypted_word).then_some(0)
    }

    /// FLASH_END. `reboot == false` keeps the loader running (ROM: runs the app).
    pub(crate) fn flash_end(&mut self, reboot: bool, timeout: Duration) -> Result<()> {
        self.conn.check(
            "leave flash download mode",
            &Command::FlashEnd { reboot },
            0,
            timeout,
        )?;
        Ok(())
    }

    /// Starts the application in flash (esptool's `run`): an empty FLASH_BEGIN, then
    /// FLASH_END asking to run user code.
    pub fn run_user_code(&mut self) -> Result<()> {
        self.flash_begin_raw(0, 0, self.flash_write_size(), 0, DEFAULT_TIMEOUT)?;
        self.flash_end(false, DEFAULT_TIMEOUT)
    }

    /// Data block size of FLASH_DATA for the running loader.
    pub(crate) fn flash_write_size(&self) -> u32 {
        match self.loader {
            LoaderKind::Rom => self.chip.rom.flash_write_size,
            LoaderKind::Stub => self.chip.stub_flash_write_size,
        }
    }

    /// Reports that the port has no reset lines, once.
    fn lines_unsupported(&mut self) {
        if !self.lines_warned {
            self.lines_warned = true;
            self.emit(Event::ResetLinesUnsupported {
                port: self.port_name().to_string(),
            });
        }
    }

    /// Does what `--after` asks once the command is done.
    pub fn finish(&mut self, after: After) -> Result<()> {
        match after {
            After::HardReset => self.hard_reset(),
            After::SoftReset => {
                self.emit(Event::SoftResetting);
                match self.loader {
                    LoaderKind::Rom => self.run_user_code(),
                    LoaderKind::Stub if self.chip.stub_soft_reset => {
                        // The stub starts the application without replying.
                        self.conn
                            .send(&Command::RunUserCode, DEFAULT_TIMEOUT, Answer::None)
                    }
                    LoaderKind::Stub => Err(Error::Invalid(
                        "Soft resetting is currently only supported on ESP8266".into(),
                    )),
                }
            }
            After::NoReset => {
                self.emit(Event::StayingInBootloader);
                if self.is_stub() {
                    // As esptool: FLASH_END with reboot, which the legacy stub answers by
                    // resetting into the ROM loader. esp-flasher-stub (v1.1.0) answers
                    // and stays, so the stub is what the next connection finds.
                    self.flash_begin_raw(0, 0, self.flash_write_size(), 0, DEFAULT_TIMEOUT)?;
                    self.flash_end(true, DEFAULT_TIMEOUT)?;
                }
                Ok(())
            }
            After::NoResetStub => {
                self.emit(Event::StayingInStub);
                Ok(())
            }
            After::WatchdogReset => {
                // Neither the ESP8266 nor the ESP32 has the RTC watchdog reset esptool uses.
                self.emit(Event::WatchdogUnsupported { chip: self.chip });
                self.hard_reset()
            }
        }
    }

    fn hard_reset(&mut self) -> Result<()> {
        self.emit(Event::HardResetting);
        match reset::hard_reset(self.conn.transport()) {
            Ok(()) => Ok(()),
            Err(LineError::Unsupported) => {
                if self.conn.transport().kind() != TransportKind::Socket {
                    self.lines_unsupported();
                }
                Ok(())
            }
            Err(LineError::Io(source)) => Err(Error::Io {
                port: self.port_name().to_string(),
                source,
            }),
        }
    }
}
