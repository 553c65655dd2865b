//! The device as a transport sees it: bytes in, bytes out, modem lines, a baud rate.

use crate::clock::{Clock, SystemClock};
use crate::config::{DeviceConfig, DeviceError, StartMode};
use crate::flash_chip::FlashChip;
use crate::loader::Transition;
use crate::nor::{FlashWork, NorFlash};
use crate::reset::{ResetCircuit, ResetEvent};
use crate::rom::RomLoader;
use crate::schedule::{LinkStats, Schedule};
use crate::soc::Soc;
use crate::spi::SpiWork;
use crate::stub::StubLoader;
use crate::stub::rx::{RxEvent, StubRx};
use crate::timing::{WorkMeter, byte_time};
use crate::uart::garble;
use crate::usb::{Link, OTG_REENUMERATION, UsbJtagLines};
use espctl_chips::{BootMode, Chip, ResetCause};
use espctl_protocol::{STUB_HELLO, slip};
use std::sync::Arc;
use std::time::Duration;

mod lifecycle;

/// What the chip is doing, as far as a host can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceState {
    /// EN is held low.
    HeldInReset,
    /// The ROM's serial download mode.
    RomLoader,
    /// The flasher stub is running.
    Stub,
    /// The program in flash runs; the loader does not listen until a reset.
    RunningFlash,
    /// Code uploaded to RAM runs; the loader does not listen until a reset.
    RunningRam,
}

/// Counters of the work done and the time it took.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Work {
    /// What the flash array did.
    pub flash: FlashWork,
    /// What the SPI controller ran.
    pub spi: SpiWork,
    /// Bytes the chip's UART received (garbled ones included).
    pub bytes_received: u64,
    /// Bytes the chip's UART sent.
    pub bytes_sent: u64,
    /// Times the chip started from a reset or power-up.
    pub boots: u64,
    /// The serial line's traffic and the lower bound it implies.
    pub link: LinkStats,
    /// Time the chip's CPU spent working (MD5, inflating, delays) or waiting for the
    /// flash.
    pub busy: Duration,
    /// The part of `busy` the flash chip was erasing, programming or reading.
    pub flash_busy: Duration,
}

#[derive(Debug)]
enum State {
    HeldInReset,
    Rom(RomLoader),
    Stub(StubLoader),
    Running(DeviceState),
}

/// How the running loader turns bytes into frames.
#[derive(Debug)]
enum Receiver {
    /// The ROM: a tolerant SLIP decoder (`C0 C0 payload C0` is one frame; the ROM's own
    /// decoder is not documented).
    Rom(slip::Decoder),
    /// The stub's receive interrupt and frame buffers.
    Stub(StubRx),
}

/// A virtual chip (one with a [`TypicalPart`](espctl_chips::TypicalPart)). Everything happens inside the calls: [`Device::write`]
/// processes the bytes at once and queues the answers for [`Device::read`].
#[derive(Debug)]
pub struct Device {
    config: DeviceConfig,
    clock: Arc<dyn Clock>,
    soc: Soc,
    state: State,
    rx: Receiver,
    reset: ResetCircuit,
    schedule: Schedule,
    /// How far the host's time runs ahead of the clock: with instant timing a host reads
    /// answers before the clock reaches their time, and from then on lives at that time.
    host_lead: Duration,
    /// Set while a frame is being handled: output is dated when it is done.
    handling_frame: bool,
    bytes_received: u64,
    bytes_sent: u64,
    boots: u64,
    /// How the USB-Serial/JTAG controller reads DTR/RTS (used on that link only).
    usb_lines: UsbJtagLines,
    /// When the armed RTC watchdog resets the chip.
    watchdog_at: Option<Duration>,
    /// Until when a USB-OTG port is gone after a reset.
    absent_until: Option<Duration>,
}

impl Device {
    /// Builds the device and powers it up as `config.start` says. Nothing is printed at
    /// power-up: no host was listening yet.
    pub fn new(config: DeviceConfig) -> Result<Device, DeviceError> {
        config.validate()?;
        let chip = config.chip;
        let part = chip
            .typical_part()
            .ok_or(DeviceError::UnsupportedChip(chip.name))?;
        let mut array = match &config.flash_file {
            Some(path) => NorFlash::with_file(config.flash_size, path)?,
            None => NorFlash::blank(config.flash_size),
        };
        let meter = WorkMeter::default();
        array.set_meter(meter.clone());
        let flash = FlashChip::new(array, config.jedec_id);
        let mut soc = Soc::new(chip, part, flash, config.effective_mac(), meter);
        soc.burn_efuses(
            &config
                .efuse
                .register_bits(chip)
                .map_err(DeviceError::Efuse)?,
        );
        if let (Some(key), Some(facts)) = (
            &config.flash_encryption_key,
            espctl_chips::flash_encryption::flash_encryption(chip.kind),
        ) {
            let words = facts
                .key_registers(key)
                .map(|(reg, value)| (reg, value, !0));
            soc.burn_efuses(&words);
        }
        let clock = config
            .clock
            .clone()
            .unwrap_or_else(|| Arc::new(SystemClock::new()));
        let schedule = Schedule::new(config.timing);
        let board = config.board;
        let mut device = Device {
            config,
            clock,
            soc,
            state: State::HeldInReset,
            rx: Receiver::Rom(slip::Decoder::new()),
            reset: ResetCircuit::new(board),
            schedule,
            host_lead: Duration::ZERO,
            handling_frame: false,
            bytes_received: 0,
            bytes_sent: 0,
            boots: 0,
            usb_lines: UsbJtagLines::default(),
            watchdog_at: None,
            absent_until: None,
        };
        device.soc.uart.usb = device.config.link.is_usb();
        let mode = match device.config.start {
            StartMode::Download => BootMode::Download,
            StartMode::Flash => BootMode::Flash,
        };
        let mode = board.boot_mode(mode);
        device.boot(ResetCause::PowerOn, mode);
        device.clear_output();
        Ok(device)
    }

    /// Bytes from the host. They are processed at once; answers queue up for `read`,
    /// dated by when the chip would send them (see [`crate::timing`]).
    pub fn write(&mut self, bytes: &[u8]) {
        self.tick();
        if !self.usb_present() {
            // The port is gone: nothing reaches the chip.
            return;
        }
        self.bytes_received += bytes.len() as u64;
        // The host cannot send before it has read what it answers.
        let sent_at = self.host_now().max(self.soc.uart.delivered_until());
        self.schedule.host_writes_at(sent_at);
        for &byte in bytes {
            if !matches!(self.state, State::Rom(_) | State::Stub(_)) {
                // Held in reset or running code the device cannot execute: nobody reads
                // the UART.
                return;
            }
            let line = self.soc.uart.line_baud();
            let arrived = self.schedule.receive_byte(line);
            self.soc.uart.advance_to(arrived);
            // A UART listening at another rate than the host sends hears garbage.
            let byte = if self.soc.uart.hears_garbage() {
                garble(byte)
            } else {
                byte
            };
            match &mut self.rx {
                Receiver::Rom(decoder) => {
                    if !decoder.in_frame() && byte == slip::END {
                        self.schedule.frame_started(line);
                    }
                    let Some(frame) = decoder.push(byte) else {
                        continue;
                    };
                    // Bytes between frames mean nothing to the ROM.
                    let _ = decoder.take_noise();
                    let fifo = self.soc.meter.timings().uart_rx_fifo;
                    // USB has flow control: the host's bytes wait for the chip.
                    let usb = self.soc.uart.usb;
                    match frame {
                        Ok(frame) if usb || self.schedule.frame_fits(line, fifo) => {
                            self.handle_frame(&frame)
                        }
                        _ => {}
                    }
                }
                Receiver::Stub(rx) => {
                    let threshold = self.soc.meter.timings().stub_rx_threshold;
                    let schedule = &self.schedule;
                    let first_bit = arrived - byte_time(line);
                    let usb = self.soc.uart.usb;
                    match rx.push(byte, || {
                        usb || schedule.stub_rx_armed(first_bit, line, threshold)
                    }) {
                        RxEvent::None => {}
                        RxEvent::Lost => self.schedule.frame_lost(),
                        RxEvent::Frame(frame) => self.handle_frame(&frame),
                    }
                }
            }
        }
    }

    /// The host's present on the device's timeline.
    fn host_now(&self) -> Duration {
        self.clock.now() + self.host_lead
    }

    fn handle_frame(&mut self, frame: &[u8]) {
        let start = self.schedule.begin_frame(&self.soc.meter);
        // A rate change the chip scheduled is done by the time it handles this frame.
        self.soc.uart.advance_to(start.began());
        self.handling_frame = true;
        let next = match &mut self.state {
            State::Rom(rom) => rom.handle_frame(&mut self.soc, frame),
            State::Stub(stub) => stub.handle_frame(&mut self.soc, frame),
            _ => Transition::Stay,
        };
        self.apply(next);
        self.arm_watchdog();
        self.handling_frame = false;
        self.schedule
            .end_frame(&start, &self.soc.meter, &mut self.soc.uart);
        match next {
            Transition::ChangeBaud(switch) => {
                let at = self
                    .schedule
                    .settle_after_answer(switch.before, switch.after);
                self.soc.uart.switch_at(at, switch.rate);
            }
            Transition::StartStub => {
                // The loader jumps once its answer is out (MEM_END flushes TX); the stub
                // sets up its UART, waits, and greets; then it listens.
                let settle = StubLoader::start(&mut self.soc);
                self.schedule.settle_after_answer(Duration::ZERO, settle);
                self.soc.uart.send_frame(STUB_HELLO);
                self.schedule
                    .spontaneous(Duration::ZERO, &self.soc.meter, &mut self.soc.uart);
                self.schedule.arm_rx_from(self.schedule.cpu_free());
            }
            _ => {}
        }
    }

    /// Bytes for the host; 0 when nothing is pending.
    pub fn read(&mut self, buf: &mut [u8]) -> usize {
        self.tick();
        if !self.usb_present() {
            return 0;
        }
        let now = self.clock.now();
        let n = self.soc.uart.read(buf, now, self.schedule.mode());
        self.bytes_sent += n as u64;
        // A host that has read a byte lives at least at the time it arrived.
        let delivered = self.soc.uart.delivered_until();
        if delivered > now + self.host_lead {
            self.host_lead = delivered - now;
        }
        n
    }

    /// The host's UART rate. Once known, the device notices a mismatch: after a baud rate
    /// change one side missed (or made too early), or the ESP8266 boot log at 74880
    /// baud, the host receives garbage and the chip hears garbage.
    pub fn set_baud(&mut self, baud: u32) {
        self.tick();
        self.soc.uart.host_baud = Some(baud);
    }

    /// The host's UART rate, if known.
    pub fn host_baud(&self) -> Option<u32> {
        self.soc.uart.host_baud
    }

    /// DTR and RTS as the host sets them (`true` = asserted), through the auto-reset
    /// circuit: EN follows RTS and GPIO0 follows DTR, both inverted (see [`crate::reset`]).
    pub fn set_modem_lines(&mut self, dtr: bool, rts: bool) {
        if self.config.link == Link::UsbSerialJtag {
            // The controller reads the lines itself; its reset leaves the port alone.
            if let Some(mode) = self.usb_lines.set_lines(dtr, rts) {
                self.boot(ResetCause::ResetPin, mode);
            }
            return;
        }
        let now = self.clock.now();
        for event in self.reset.set_lines(dtr, rts, now) {
            self.on_reset_event(event);
        }
    }

    /// The flash contents.
    pub fn flash(&self) -> &[u8] {
        self.soc.flash.array.contents()
    }

    /// A press of the reset button, with GPIO0 held low (`Download`) or not: the chip
    /// restarts and prints its boot log. On a board without the auto-reset circuit
    /// GPIO0 is where the board holds it, whatever `mode` asks.
    pub fn reset(&mut self, mode: BootMode) {
        let mode = self.config.board.boot_mode(mode);
        self.boot(ResetCause::ResetPin, mode);
    }

    /// Drops everything queued for the host (what a chip printed while nobody listened).
    pub fn clear_output(&mut self) {
        let (bytes, wire) = self.soc.uart.clear();
        let now = self.host_now();
        self.schedule.forget_output(bytes, wire, now);
    }

    /// The device's time.
    pub fn now(&self) -> Duration {
        self.clock.now()
    }

    /// When the next queued byte reaches the host (on the device's clock), or `None`
    /// when nothing is queued. With instant timing, queued bytes are due at once.
    pub fn next_output_at(&self) -> Option<Duration> {
        self.soc.uart.next_release(self.schedule.mode())
    }

    /// Bytes queued for the host.
    pub fn pending_output(&self) -> usize {
        self.soc.uart.pending()
    }

    /// What the chip is doing now.
    pub fn state(&self) -> DeviceState {
        match &self.state {
            State::HeldInReset => DeviceState::HeldInReset,
            State::Rom(_) => DeviceState::RomLoader,
            State::Stub(_) => DeviceState::Stub,
            State::Running(s) => *s,
        }
    }

    /// The chip it is.
    pub fn chip(&self) -> &'static Chip {
        self.config.chip
    }

    /// What it was built from.
    pub fn config(&self) -> &DeviceConfig {
        &self.config
    }

    /// The MAC the eFuses hold.
    pub fn mac(&self) -> [u8; 6] {
        self.config.effective_mac()
    }

    /// The work done since it was built.
    pub fn work(&self) -> Work {
        Work {
            flash: self.soc.flash.array.work(),
            spi: self.soc.spi.work(),
            bytes_received: self.bytes_received,
            bytes_sent: self.bytes_sent,
            boots: self.boots,
            link: self.schedule.stats(),
            busy: self.soc.meter.total(),
            flash_busy: self.soc.meter.flash_total(),
        }
    }

    /// Whether the host's port exists now: a USB-OTG port is gone while the chip resets
    /// and the ROM enumerates again; every other port stays.
    pub fn usb_present(&self) -> bool {
        self.absent_until.is_none_or(|t| self.clock.now() >= t)
    }

    /// What the host's end of the line is.
    pub fn link(&self) -> Link {
        self.config.link
    }
}

#[cfg(test)]
mod tests;
