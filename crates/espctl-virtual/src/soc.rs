//! The chip's hardware as both personalities see it: the register space, the SPI flash
//! controller, the flash chip, the strapping latch and UART0's transmit side.

use crate::flash_chip::FlashChip;
use crate::memory::Memory;
use crate::spi::SpiController;
use crate::timing::{TimingMode, WorkMeter, byte_time};
use espctl_chips::{BootMode, CHIP_DETECT_MAGIC_REG, Chip, TypicalPart};
use espctl_protocol::packet::Response;
use espctl_protocol::status::Status;
use espctl_protocol::{StatusLength, slip};
use std::collections::VecDeque;
use std::time::Duration;

/// The rate a ROM assumes before anyone tells it otherwise.
pub const DEFAULT_BAUD: u32 = 115_200;

/// Bytes queued together at one rate, dated once the work before them is known.
#[derive(Debug)]
pub struct Segment {
    bytes: Vec<u8>,
    /// Bytes already handed to the host.
    taken: usize,
    pub baud: u32,
    /// The chip's busy total when it queued them (what had to be done first).
    pub busy_stamp: Duration,
    /// When the first byte starts on the wire; `None` until the schedule dates it.
    pub start: Option<Duration>,
}

impl Segment {
    #[allow(clippy::len_without_is_empty)] // never queued empty
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// When byte `i` has fully arrived at the host.
    fn release(&self, i: usize) -> Option<Duration> {
        Some(self.start? + byte_time(self.baud) * (i as u32 + 1))
    }
}

/// UART0 as the host sees it.
#[derive(Debug)]
pub struct Uart {
    tx: VecDeque<Segment>,
    meter: WorkMeter,
    /// When the last byte handed to the host reached it (the host cannot answer before).
    delivered_until: Duration,
    /// The chip's UART rate. `None` while the ROM is auto-detecting (it follows the host);
    /// set by CHANGE_BAUDRATE and when the stub takes over the UART.
    pub baud: Option<u32>,
    /// The host's rate, if the transport tells us (in-process transport); `None` for
    /// sockets and ptys, which have no rate, so no mismatch is modelled there.
    pub host_baud: Option<u32>,
}

impl Uart {
    pub fn new(meter: WorkMeter) -> Uart {
        Uart {
            tx: VecDeque::new(),
            meter,
            delivered_until: Duration::ZERO,
            baud: None,
            host_baud: None,
        }
    }

    /// The rate the chip transmits at now.
    pub fn device_baud(&self) -> u32 {
        self.baud.or(self.host_baud).unwrap_or(DEFAULT_BAUD)
    }

    /// Whether the host listens at a rate other than `rate`.
    pub fn mismatched(&self, rate: u32) -> bool {
        self.host_baud.is_some_and(|host| host != rate)
    }

    /// Queues bytes sent at `rate`. A host listening at another rate receives garbage:
    /// modelled as bytes with the top bit set that are never SLIP delimiters.
    pub fn send_at(&mut self, rate: u32, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let bytes = if self.mismatched(rate) {
            bytes.iter().map(|b| 0x80 | (b & 0x3F)).collect()
        } else {
            bytes.to_vec()
        };
        self.tx.push_back(Segment {
            bytes,
            taken: 0,
            baud: rate,
            busy_stamp: self.meter.total(),
            start: None,
        });
    }

    /// Sends one SLIP frame at the current rate.
    pub fn send_frame(&mut self, payload: &[u8]) {
        let framed = slip::encode(payload);
        self.send_at(self.device_baud(), &framed);
    }

    pub fn reply(&mut self, response: &Response, status_len: StatusLength) {
        self.send_frame(&response.encode(status_len));
    }

    pub fn reply_ok(&mut self, op: u8, value: u32, data: Vec<u8>, status_len: StatusLength) {
        self.reply(&Response::ok(op, value, data), status_len);
    }

    pub fn reply_failed(&mut self, op: u8, status: Status, status_len: StatusLength) {
        self.reply(&Response::failed(op, status), status_len);
    }

    /// Segments not dated yet (queued while handling the current frame).
    pub fn undated(&mut self) -> impl Iterator<Item = &mut Segment> {
        self.tx.iter_mut().filter(|s| s.start.is_none())
    }

    /// Hands over the bytes that have reached the host by `now` (every queued byte
    /// with [`TimingMode::Instant`]).
    pub fn read(&mut self, buf: &mut [u8], now: Duration, mode: TimingMode) -> usize {
        let mut n = 0;
        while n < buf.len() {
            let Some(seg) = self.tx.front_mut() else {
                break;
            };
            let mut end = seg.bytes.len();
            if mode == TimingMode::Realistic {
                let Some(start) = seg.start else { break };
                // Bytes fully on the wire by now.
                let on_wire =
                    (now.saturating_sub(start)).as_nanos() / byte_time(seg.baud).as_nanos().max(1);
                end = end.min(on_wire as usize);
            }
            let take = end.saturating_sub(seg.taken).min(buf.len() - n);
            buf[n..n + take].copy_from_slice(&seg.bytes[seg.taken..seg.taken + take]);
            seg.taken += take;
            if take > 0
                && let Some(at) = seg.release(seg.taken - 1)
            {
                self.delivered_until = self.delivered_until.max(at);
            }
            n += take;
            if seg.taken == seg.bytes.len() {
                self.tx.pop_front();
            } else {
                break;
            }
        }
        n
    }

    /// When the last byte the host has read reached it.
    pub fn delivered_until(&self) -> Duration {
        self.delivered_until
    }

    /// When the next byte reaches the host; `None` with nothing queued.
    pub fn next_release(&self, mode: TimingMode) -> Option<Duration> {
        let seg = self.tx.front()?;
        match mode {
            TimingMode::Instant => Some(Duration::ZERO),
            TimingMode::Realistic => seg.release(seg.taken).or(Some(Duration::MAX)),
        }
    }

    /// Drops everything queued (what the chip printed while nobody listened).
    pub fn clear(&mut self) {
        self.tx.clear();
    }

    pub fn pending(&self) -> usize {
        self.tx.iter().map(|s| s.bytes.len() - s.taken).sum()
    }
}

#[derive(Debug)]
pub struct Soc {
    pub chip: &'static Chip,
    pub part: &'static TypicalPart,
    pub memory: Memory,
    pub spi: SpiController,
    pub flash: FlashChip,
    pub uart: Uart,
    /// The chip's busy time: flash work, MD5, inflating.
    pub meter: WorkMeter,
    /// GPIO0 as latched at the last reset.
    pub strap: BootMode,
}

impl Soc {
    pub fn new(
        chip: &'static Chip,
        part: &'static TypicalPart,
        flash: FlashChip,
        mac: [u8; 6],
        meter: WorkMeter,
    ) -> Soc {
        let mut memory = Memory::new();
        // Mask ROM word the hosts read to tell the chips apart.
        memory.fix(CHIP_DETECT_MAGIC_REG, chip.magic_values[0]);
        // eFuse / OTP read registers of a typical part with this MAC: read-only.
        for (addr, value) in (chip.identity.registers_for_mac)(mac) {
            memory.fix(addr, value);
        }
        Soc {
            chip,
            part,
            memory,
            spi: SpiController::new(chip.spi),
            flash,
            uart: Uart::new(meter.clone()),
            meter,
            strap: BootMode::Download,
        }
    }

    pub fn read_reg(&self, addr: u32) -> u32 {
        if self.spi.owns(addr) {
            return self.spi.read(addr);
        }
        if addr & !3 == self.chip.uart_clkdiv_reg {
            // The divider the ROM set up for the rate it detected, from the crystal.
            return self
                .chip
                .clkdiv_for(self.part.xtal_mhz, self.uart.device_baud());
        }
        if let Some(strap) = self.part.strap
            && addr & !3 == strap.addr
        {
            return match self.strap {
                BootMode::Flash => strap.flash_boot,
                BootMode::Download => strap.download_boot,
            };
        }
        self.memory.read(addr)
    }

    pub fn write_reg(&mut self, addr: u32, value: u32, mask: u32) {
        if self.spi.owns(addr) {
            self.spi.write(addr, value, mask, &mut self.flash);
        } else {
            self.memory.write(addr, value, mask);
        }
    }
}
