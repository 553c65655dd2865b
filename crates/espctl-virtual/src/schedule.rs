//! When things happen on the chip's side of the serial line.
//!
//! Every byte the host sends arrives one byte time after the previous one (10 bits at
//! the chip's current rate). A frame is handled once its last byte is in and the chip
//! has finished its previous work; what the chip sends goes out when the work before it
//! is done and the transmit line is free, at the rate in force when it was queued.
//!
//! The flasher stub answers a data block at once and writes it while the next one
//! arrives, into a second receive buffer; a frame that starts arriving while both
//! buffers are taken (and the UART FIFO is full) is lost, as on the chip. The ROM has
//! one buffer. These rules are the same for every client.
//!
//! From the same timeline the device knows a lower bound for a session: the time its
//! bytes need on the wire (both directions) plus the time the chip made the host wait
//! after a request had fully arrived (erasing, writing the last block, MD5).

use crate::soc::Uart;
use crate::timing::{TimingMode, WorkMeter, byte_time};
use std::time::Duration;

/// What crossed the line and how long it had to take.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkStats {
    pub bytes_received: u64,
    pub bytes_sent: u64,
    /// Wire time of the received bytes.
    pub receive_time: Duration,
    /// Wire time of the sent bytes.
    pub send_time: Duration,
    /// Time between a request's last byte and its answer that the chip spent working.
    pub chip_wait: Duration,
    /// Frames dropped because they arrived while every receive buffer was in use.
    pub frames_lost: u64,
}

impl LinkStats {
    /// No client can finish this session's traffic faster: every byte needs its wire
    /// time and every answer waited for the chip.
    pub fn lower_bound(&self) -> Duration {
        self.receive_time + self.send_time + self.chip_wait
    }
}

/// How many complete frames the chip can hold while it works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RxBuffers {
    /// The ROM reads one frame and handles it before reading more.
    One,
    /// The flasher stub receives into a second buffer while it handles the first.
    Two,
}

#[derive(Debug)]
pub struct Schedule {
    mode: TimingMode,
    /// End of the last byte received on the wire.
    rx_free: Duration,
    /// End of the last byte queued for sending.
    tx_free: Duration,
    /// When the chip finishes the work it has started.
    cpu_free: Duration,
    /// When the work of the last two frames ended (the buffers they held are free).
    recent_work_end: [Duration; 2],
    /// Arrival of the first byte of the frame being received.
    frame_start: Option<Duration>,
    stats: LinkStats,
}

/// What the chip had done before handling one frame, to date what it sends.
pub struct FrameStart {
    /// When its last byte arrived.
    arrived: Duration,
    /// When the chip began to handle it.
    began: Duration,
    /// The chip's busy total at that moment.
    busy: Duration,
}

impl Schedule {
    pub fn new(mode: TimingMode) -> Schedule {
        Schedule {
            mode,
            rx_free: Duration::ZERO,
            tx_free: Duration::ZERO,
            cpu_free: Duration::ZERO,
            recent_work_end: [Duration::ZERO; 2],
            frame_start: None,
            stats: LinkStats::default(),
        }
    }

    pub fn mode(&self) -> TimingMode {
        self.mode
    }

    pub fn stats(&self) -> LinkStats {
        self.stats
    }

    /// The host started writing at `now`: the line was idle until then.
    pub fn host_writes_at(&mut self, now: Duration) {
        self.rx_free = self.rx_free.max(now);
    }

    /// One byte arrives at `baud`; returns when its last bit is in.
    pub fn receive_byte(&mut self, baud: u32, starts_frame: bool) -> Duration {
        let t = byte_time(baud);
        if starts_frame {
            self.frame_start = Some(self.rx_free);
        }
        self.rx_free += t;
        self.stats.bytes_received += 1;
        self.stats.receive_time += t;
        self.rx_free
    }

    /// A frame is complete: whether the chip had a buffer for it. A lost frame is
    /// counted and must be dropped.
    pub fn frame_fits(&mut self, buffers: RxBuffers, baud: u32, fifo: usize) -> bool {
        let Some(first_byte) = self.frame_start.take() else {
            return true;
        };
        // The FIFO holds the first bytes until a buffer frees up.
        let deadline = first_byte + byte_time(baud) * fifo as u32;
        let busy = self
            .recent_work_end
            .iter()
            .filter(|end| **end > deadline)
            .count();
        let capacity = match buffers {
            RxBuffers::One => 1,
            RxBuffers::Two => 2,
        };
        let fits = busy < capacity;
        if !fits {
            self.stats.frames_lost += 1;
        }
        fits
    }

    /// The chip begins to handle a frame whose last byte arrived now.
    pub fn begin_frame(&self, meter: &WorkMeter) -> FrameStart {
        FrameStart {
            arrived: self.rx_free,
            began: self.rx_free.max(self.cpu_free),
            busy: meter.total(),
        }
    }

    /// The chip has handled the frame: its answers are dated by the work done before
    /// each, and the chip stays busy with the rest.
    pub fn end_frame(&mut self, start: &FrameStart, meter: &WorkMeter, uart: &mut Uart) {
        let mut first_answer = None;
        self.date_output(uart, start.began, start.busy, &mut first_answer);
        if let Some(at) = first_answer {
            self.stats.chip_wait += at.saturating_sub(start.arrived);
        }
        self.cpu_free = start.began + meter.total().saturating_sub(start.busy);
        self.recent_work_end = [self.recent_work_end[1], self.cpu_free];
    }

    /// Dates output that no frame caused (a boot log after a reset) at `now`.
    pub fn spontaneous(&mut self, now: Duration, meter: &WorkMeter, uart: &mut Uart) {
        let at = now.max(self.cpu_free);
        self.date_output(uart, at, meter.total(), &mut None);
    }

    fn date_output(
        &mut self,
        uart: &mut Uart,
        began: Duration,
        busy: Duration,
        first: &mut Option<Duration>,
    ) {
        for segment in uart.undated() {
            let ready = began + segment.busy_stamp.saturating_sub(busy);
            first.get_or_insert(ready);
            let start = ready.max(self.tx_free);
            let wire = byte_time(segment.baud) * segment.len() as u32;
            segment.start = Some(start);
            self.tx_free = start + wire;
            self.stats.bytes_sent += segment.len() as u64;
            self.stats.send_time += wire;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn receive(s: &mut Schedule, n: usize, baud: u32) -> Duration {
        let mut t = Duration::ZERO;
        for i in 0..n {
            t = s.receive_byte(baud, i == 0);
        }
        t
    }

    #[test]
    fn bytes_arrive_one_byte_time_apart_from_when_the_host_writes() {
        let mut s = Schedule::new(TimingMode::Realistic);
        s.host_writes_at(Duration::from_millis(5));
        let end = receive(&mut s, 100, 115_200);
        assert_eq!(end, Duration::from_millis(5) + byte_time(115_200) * 100);
        assert_eq!(s.stats().bytes_received, 100);
        // A later write starts when the line is free again, not before.
        s.host_writes_at(Duration::from_millis(6));
        assert_eq!(s.receive_byte(115_200, false), end + byte_time(115_200));
    }

    #[test]
    fn answers_wait_for_the_work_before_them_and_the_line() {
        let meter = WorkMeter::default();
        let mut uart = Uart::new(meter.clone());
        let mut s = Schedule::new(TimingMode::Realistic);
        let arrived = receive(&mut s, 10, 115_200);
        let start = s.begin_frame(&meter);
        meter.md5(1_000_000); // one second of work, then the answer
        uart.send_at(115_200, &[0u8; 20]);
        meter.sectors_erased(1); // work after the answer (the stub writing a block)
        s.end_frame(&start, &meter, &mut uart);
        assert_eq!(s.stats().chip_wait, Duration::from_secs(1));
        assert_eq!(s.stats().bytes_sent, 20);
        let first_byte = arrived + Duration::from_secs(1) + byte_time(115_200);
        assert_eq!(uart.next_release(TimingMode::Realistic), Some(first_byte));
        // The next frame waits for the erase that followed the answer.
        let next = receive(&mut s, 10, 115_200);
        let start = s.begin_frame(&meter);
        assert_eq!(
            start.began,
            (arrived + Duration::from_secs(1) + Duration::from_millis(45)).max(next)
        );
        assert_eq!(
            s.stats().lower_bound(),
            s.stats().receive_time + s.stats().send_time + Duration::from_secs(1)
        );
    }

    #[test]
    fn a_third_frame_is_lost_while_two_buffers_are_busy() {
        let meter = WorkMeter::default();
        let mut uart = Uart::new(meter.clone());
        let mut s = Schedule::new(TimingMode::Realistic);
        let baud = 921_600;
        for i in 0..3 {
            receive(&mut s, 300, baud);
            let fits = s.frame_fits(RxBuffers::Two, baud, 128);
            if i < 2 {
                assert!(fits, "frame {i}");
                let start = s.begin_frame(&meter);
                uart.send_at(baud, &[0; 10]);
                meter.sectors_erased(10); // 450 ms of work after each answer
                s.end_frame(&start, &meter, &mut uart);
            } else {
                assert!(!fits, "the third frame finds no buffer");
            }
        }
        assert_eq!(s.stats().frames_lost, 1);
        // The ROM has one buffer: a second frame during its work is lost too.
        let mut rom = Schedule::new(TimingMode::Realistic);
        receive(&mut rom, 20, baud);
        assert!(rom.frame_fits(RxBuffers::One, baud, 128));
        let start = rom.begin_frame(&meter);
        meter.sectors_erased(1);
        rom.end_frame(&start, &meter, &mut uart);
        receive(&mut rom, 300, baud);
        assert!(!rom.frame_fits(RxBuffers::One, baud, 128));
    }
}
