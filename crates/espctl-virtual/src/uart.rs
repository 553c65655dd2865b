//! UART0 as both ends of the line see it: the chip's rate (what its divider makes of its
//! clock), the host's rate, and the chip's transmit queue, dated by the schedule.
//!
//! The two ends only understand each other while their rates agree to within
//! [`RATE_TOLERANCE`](espctl_chips::uart_rate::RATE_TOLERANCE), the chip fact the
//! client's fast-rate choice reads too; otherwise each side receives garbage. A rate
//! change the chip makes takes effect at a moment on the device's timeline
//! ([`Uart::switch_at`]), so bytes a host sends too early after CHANGE_BAUDRATE are
//! garbage, as on hardware.

use crate::timing::{TimingMode, WorkMeter, byte_time};
use espctl_protocol::packet::Response;
use espctl_protocol::status::Status;
use espctl_protocol::{StatusLength, slip};
use std::collections::VecDeque;
use std::time::Duration;

/// The rate a ROM assumes before anyone tells it otherwise.
pub const DEFAULT_BAUD: u32 = 115_200;

/// The chip's UART rate and the divider register value that gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// The rate the divider really produces.
    pub baud: u32,
    /// `UART_CLKDIV`: integer part in bits 0-19, fraction (sixteenths) in bits 20-23.
    pub clkdiv: u32,
}

impl Rate {
    /// The rate a divider of `div16` sixteenths makes of `clock_hz`.
    pub fn from_divider(clock_hz: u64, div16: u64) -> Rate {
        let div16 = div16.max(16);
        Rate {
            baud: (clock_hz * 16 / div16) as u32,
            clkdiv: ((div16 >> 4) as u32 & 0xF_FFFF) | ((div16 & 0xF) as u32) << 20,
        }
    }
}

/// Whether two rates are close enough for the UARTs to understand each other.
pub fn rates_match(a: u32, b: u32) -> bool {
    espctl_chips::uart_rate::within_tolerance(a, b)
}

/// What a byte received at the wrong rate turns into: never a SLIP delimiter.
pub fn garble(byte: u8) -> u8 {
    0x80 | (byte & 0x3F)
}

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

#[derive(Debug)]
pub struct Uart {
    tx: VecDeque<Segment>,
    meter: WorkMeter,
    /// When the last byte handed to the host reached it (the host cannot answer before).
    delivered_until: Duration,
    /// The chip's rate. `None` while the ROM auto-detects the host's rate (it follows the
    /// host); set by CHANGE_BAUDRATE and when the stub takes over the UART.
    rate: Option<Rate>,
    /// A rate change the chip has scheduled: from this moment on it hears at the new rate.
    pending: Option<(Duration, Rate)>,
    /// The host's rate, when the transport has one (a serial line or a pty does; a
    /// socket does not, and then no mismatch is modelled).
    pub host_baud: Option<u32>,
    /// The line is the chip's own USB port: bytes move at USB speed and no rate can
    /// mismatch (UART0's divider still changes, and reads back, as programmed).
    pub usb: bool,
}

impl Uart {
    pub fn new(meter: WorkMeter) -> Uart {
        Uart {
            tx: VecDeque::new(),
            meter,
            delivered_until: Duration::ZERO,
            rate: None,
            pending: None,
            host_baud: None,
            usb: false,
        }
    }

    /// The rate the chip transmits and listens at now.
    pub fn device_baud(&self) -> u32 {
        match self.rate {
            Some(r) => r.baud,
            None => self.host_baud.unwrap_or(DEFAULT_BAUD),
        }
    }

    /// The chip's programmed rate, `None` while it follows the host (ROM auto-baud).
    pub fn rate(&self) -> Option<Rate> {
        self.rate
    }

    /// The rate of the bytes on the host-to-chip wire: the host's own.
    pub fn line_baud(&self) -> u32 {
        if self.usb {
            return crate::usb::USB_EQUIVALENT_BAUD;
        }
        self.host_baud.unwrap_or_else(|| self.device_baud())
    }

    /// Back to auto-detection (a reset): whatever was scheduled is void.
    pub fn follow_host(&mut self) {
        self.rate = None;
        self.pending = None;
    }

    /// Programs the divider at once.
    pub fn set_rate(&mut self, rate: Rate) {
        self.rate = Some(rate);
        self.pending = None;
    }

    /// Programs the divider at `at` on the device's timeline.
    pub fn switch_at(&mut self, at: Duration, rate: Rate) {
        self.pending = Some((at, rate));
    }

    /// Applies a scheduled switch that is due by `now`.
    pub fn advance_to(&mut self, now: Duration) {
        if let Some((at, rate)) = self.pending
            && now >= at
        {
            self.rate = Some(rate);
            self.pending = None;
        }
    }

    /// Whether the host listens at a rate the chip's `rate` does not match.
    pub fn mismatched(&self, rate: u32) -> bool {
        !self.usb && self.host_baud.is_some_and(|host| !rates_match(rate, host))
    }

    /// Whether the chip hears the host's bytes as garbage now.
    pub fn hears_garbage(&self) -> bool {
        self.rate.is_some_and(|r| self.mismatched(r.baud))
    }

    /// Queues bytes sent at `rate`. A host listening at another rate receives garbage:
    /// modelled as bytes with the top bit set that are never SLIP delimiters.
    pub fn send_at(&mut self, rate: u32, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let rate = if self.usb {
            crate::usb::USB_EQUIVALENT_BAUD
        } else {
            rate
        };
        let bytes = if self.mismatched(rate) {
            bytes.iter().map(|&b| garble(b)).collect()
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

    /// Drops everything queued (what the chip printed while nobody listened); returns
    /// the dropped bytes' count and wire time.
    pub fn clear(&mut self) -> (u64, Duration) {
        self.tx
            .drain(..)
            .map(|s| {
                let left = s.bytes.len() - s.taken;
                (left as u64, byte_time(s.baud) * left as u32)
            })
            .fold((0, Duration::ZERO), |(n, t), (a, b)| (n + a, t + b))
    }

    pub fn pending(&self) -> usize {
        self.tx.iter().map(|s| s.bytes.len() - s.taken).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dividers_give_rates_and_register_values() {
        // ESP32 stub: (80 MHz << 4) / 921600 = 1388 sixteenths.
        let r = Rate::from_divider(80_000_000, (80_000_000u64 << 4) / 921_600);
        assert_eq!(r.clkdiv & 0xF_FFFF, 86);
        assert_eq!(r.clkdiv >> 20, 12);
        assert!(rates_match(r.baud, 921_600));
        // ESP8266 stub after one change from 115200: 451 * 115200 / 921600 = 56.
        let r = Rate::from_divider(52_000_000, 56 * 16);
        assert_eq!((r.baud, r.clkdiv), (928_571, 56));
        assert!(rates_match(r.baud, 921_600));
        assert!(!rates_match(r.baud, 460_800));
    }

    #[test]
    fn a_scheduled_switch_happens_at_its_time() {
        let mut u = Uart::new(WorkMeter::default());
        u.host_baud = Some(115_200);
        u.set_rate(Rate::from_divider(52_000_000, 451 * 16));
        assert!(!u.hears_garbage());
        u.switch_at(
            Duration::from_millis(10),
            Rate::from_divider(52_000_000, 56 * 16),
        );
        u.advance_to(Duration::from_millis(9));
        assert_eq!(u.device_baud(), 115_299);
        u.advance_to(Duration::from_millis(10));
        assert_eq!(u.device_baud(), 928_571);
        assert!(u.hears_garbage(), "the host is still at 115200");
        u.host_baud = Some(921_600);
        assert!(!u.hears_garbage());
    }
}
