//! When things happen on the chip's side of the serial line.
//!
//! Every byte the host sends arrives one byte time after the previous one (10 bits at
//! the chip's current rate). A frame is handled once its last byte is in and the chip
//! has finished its previous work; what the chip sends goes out when the work before it
//! is done and the transmit line is free, at the rate in force when it was queued.
//!
//! The flasher stub answers a data block at once and writes it while the next one
//! arrives, into a second receive buffer. A frame can start only once the stub's main
//! loop has taken the previous one (then a buffer is armed); one that starts earlier is
//! lost, as on the chip (see `stub/rx.rs` for what the stub's receiver makes of it). The
//! ROM has one buffer: it reads the UART only between commands, and a frame that does
//! not fit the FIFO meanwhile is lost. The flash works on between frames: an erase the
//! stub started keeps the flash busy into the next frames. These rules are the same for
//! every client.
//!
//! From the same timeline the device knows a lower bound for a session: the time its
//! bytes need on the wire (both directions) plus the time the chip made the host wait
//! after a request had fully arrived (erasing, writing the last block, MD5).

use crate::timing::{TimingMode, WorkMeter, byte_time};
use crate::uart::Uart;
use std::time::Duration;

/// What crossed the line and how long it had to take.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkStats {
    /// Bytes that reached the chip from the host.
    pub bytes_received: u64,
    /// Bytes the chip sent to the host.
    pub bytes_sent: u64,
    /// Wire time of the received bytes.
    pub receive_time: Duration,
    /// Wire time of the sent bytes.
    pub send_time: Duration,
    /// Time between a request's last byte and its answer that the chip spent working.
    pub chip_wait: Duration,
    /// Frames the chip never handled: they arrived while no receive buffer was free,
    /// were too long or badly escaped, or the stub's receiver was out of step.
    pub frames_lost: u64,
}

impl LinkStats {
    /// No client can finish this session's traffic faster: every byte needs its wire
    /// time and every answer waited for the chip.
    pub fn lower_bound(&self) -> Duration {
        self.receive_time + self.send_time + self.chip_wait
    }
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
    /// Arrival of the first byte of the frame being received.
    frame_start: Option<Duration>,
    /// When the flash finishes what it was told to do.
    flash_free: Duration,
    /// From when the stub has a receive buffer armed: once its main loop has taken the
    /// last complete frame.
    rx_armed_from: Duration,
    /// When the first answer of the last frame was ready to go.
    last_answer_ready: Option<Duration>,
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

impl FrameStart {
    /// When the chip began to handle the frame.
    pub fn began(&self) -> Duration {
        self.began
    }
}

impl Schedule {
    pub fn new(mode: TimingMode) -> Schedule {
        Schedule {
            mode,
            rx_free: Duration::ZERO,
            tx_free: Duration::ZERO,
            cpu_free: Duration::ZERO,
            frame_start: None,
            flash_free: Duration::ZERO,
            rx_armed_from: Duration::ZERO,
            last_answer_ready: None,
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
    pub fn receive_byte(&mut self, baud: u32) -> Duration {
        let t = byte_time(baud);
        self.rx_free += t;
        self.stats.bytes_received += 1;
        self.stats.receive_time += t;
        self.rx_free
    }

    /// The byte that just arrived at `baud` opened a frame (the ROM's receiver).
    pub fn frame_started(&mut self, baud: u32) {
        self.frame_start = Some(self.rx_free - byte_time(baud));
    }

    /// A frame the chip will never handle.
    pub fn frame_lost(&mut self) {
        self.stats.frames_lost += 1;
    }

    /// Whether the stub has a buffer armed for a frame whose first byte arrived at
    /// `at`: its receive interrupt takes bytes once `threshold` are in the FIFO.
    pub fn stub_rx_armed(&self, at: Duration, baud: u32, threshold: usize) -> bool {
        at + byte_time(baud) * (threshold.saturating_sub(1) as u32) >= self.rx_armed_from
    }

    /// The stub starts receiving from `at` (its UART transport is set up).
    pub fn arm_rx_from(&mut self, at: Duration) {
        self.rx_armed_from = at;
    }

    /// When the chip has finished its work (the CPU is free).
    pub fn cpu_free(&self) -> Duration {
        self.cpu_free
    }

    /// A frame is complete: whether the ROM could take it. The ROM reads the UART only
    /// between commands; the FIFO holds the first bytes of a frame that arrives while it
    /// works, the rest is lost. A lost frame is counted and must be dropped.
    pub fn frame_fits(&mut self, baud: u32, fifo: usize) -> bool {
        let Some(first_byte) = self.frame_start.take() else {
            return true;
        };
        // The FIFO holds the first bytes until a buffer frees up.
        let deadline = first_byte + byte_time(baud) * fifo as u32;
        let fits = self.cpu_free <= deadline;
        if !fits {
            self.stats.frames_lost += 1;
        }
        fits
    }

    /// The chip begins to handle a frame whose last byte arrived now. The flash may
    /// still be busy with what an earlier frame started.
    pub fn begin_frame(&mut self, meter: &WorkMeter) -> FrameStart {
        let began = self.rx_free.max(self.cpu_free);
        meter.set_flash_busy_for(self.flash_free.saturating_sub(began));
        // The main loop takes the frame: the stub arms the other buffer.
        self.rx_armed_from = began;
        FrameStart {
            arrived: self.rx_free,
            began,
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
        self.last_answer_ready = first_answer;
        self.cpu_free = start.began + meter.total().saturating_sub(start.busy);
        self.flash_free = self.cpu_free + meter.flash_busy_for();
    }

    /// After the last frame's answer the chip waits `before` and until its transmitter
    /// is idle, does something (switches its UART), then waits `after` before it goes
    /// on. Returns the moment it does it.
    pub fn settle_after_answer(&mut self, before: Duration, after: Duration) -> Duration {
        let ready = self.last_answer_ready.unwrap_or(self.cpu_free);
        let at = (ready + before).max(self.tx_free);
        self.cpu_free = self.cpu_free.max(at + after);
        at
    }

    /// Output nobody received was dropped: it no longer occupies the line or counts.
    pub fn forget_output(&mut self, bytes: u64, wire: Duration, now: Duration) {
        self.stats.bytes_sent -= bytes.min(self.stats.bytes_sent);
        self.stats.send_time = self.stats.send_time.saturating_sub(wire);
        self.tx_free = self.tx_free.saturating_sub(wire).max(now);
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
            t = s.receive_byte(baud);
            if i == 0 {
                s.frame_started(baud);
            }
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
        assert_eq!(s.receive_byte(115_200), end + byte_time(115_200));
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
        // Work after the answer (the stub writing a block).
        meter.cpu(Duration::from_millis(45));
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
    fn a_third_frame_finds_no_buffer_while_two_are_busy() {
        let meter = WorkMeter::default();
        let mut uart = Uart::new(meter.clone());
        let mut s = Schedule::new(TimingMode::Realistic);
        let baud = 921_600;
        for i in 0..3 {
            // The stub's rule: a frame can start once the main loop took the last one.
            assert_eq!(
                s.stub_rx_armed(s.rx_free, baud, 32),
                i < 2,
                "frame {i} finds a buffer armed"
            );
            receive(&mut s, 300, baud);
            if i < 2 {
                let start = s.begin_frame(&meter);
                uart.send_at(baud, &[0; 10]);
                meter.cpu(Duration::from_millis(450)); // work after each answer
                s.end_frame(&start, &meter, &mut uart);
            }
        }
        // The ROM reads one frame and handles it: a second one during its work is lost
        // once it overflows the FIFO.
        let mut rom = Schedule::new(TimingMode::Realistic);
        receive(&mut rom, 20, baud);
        assert!(rom.frame_fits(baud, 128));
        let start = rom.begin_frame(&meter);
        meter.cpu(Duration::from_millis(45));
        rom.end_frame(&start, &meter, &mut uart);
        receive(&mut rom, 300, baud);
        assert!(!rom.frame_fits(baud, 128));
        assert_eq!(rom.stats().frames_lost, 1);
    }

    #[test]
    fn an_erase_started_by_one_frame_keeps_the_flash_busy_in_the_next() {
        let meter = WorkMeter::default();
        let mut uart = Uart::new(meter.clone());
        let mut s = Schedule::new(TimingMode::Realistic);
        receive(&mut s, 10, 115_200);
        let start = s.begin_frame(&meter);
        meter.start_block_erase(); // 150 ms in the flash, the CPU goes on
        uart.send_at(115_200, &[0; 10]);
        s.end_frame(&start, &meter, &mut uart);
        // The next frame comes 50 ms later: 100 ms of erase are left.
        s.host_writes_at(s.rx_free + Duration::from_millis(50));
        receive(&mut s, 10, 115_200);
        let _ = s.begin_frame(&meter);
        let left = meter.flash_busy_for();
        assert!(
            left < Duration::from_millis(100) && left > Duration::from_millis(98),
            "{left:?}"
        );
    }

    #[test]
    fn settling_after_an_answer_waits_for_the_line() {
        let meter = WorkMeter::default();
        let mut uart = Uart::new(meter.clone());
        let mut s = Schedule::new(TimingMode::Realistic);
        let arrived = receive(&mut s, 10, 9600);
        let start = s.begin_frame(&meter);
        uart.send_at(9600, &[0; 12]); // 12.5 ms on the wire at 9600
        s.end_frame(&start, &meter, &mut uart);
        let ms = Duration::from_millis;
        let at = s.settle_after_answer(ms(5), ms(5));
        assert_eq!(
            at,
            arrived + byte_time(9600) * 12,
            "transmitter idle after 5 ms"
        );
        assert_eq!(s.cpu_free(), at + ms(5));
    }
}
