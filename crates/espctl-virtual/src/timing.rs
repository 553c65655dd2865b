//! How long the chip takes: the UART link and the work behind each command.
//!
//! The figures are those of a W25Q32-class SPI NOR flash (datasheet typical values) and
//! of the chip's CPU running the flasher code: they are the same for every client. The
//! device never sleeps; it puts a time on everything it sends (see `schedule.rs`), and a
//! server releases each byte when its time has come.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Whether the device's answers wait for the time the real chip would take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimingMode {
    /// Answers are available at once (tests stay fast). Work is still timed and counted.
    #[default]
    Instant,
    /// Bytes leave at the current baud rate, and answers wait for the flash and CPU work.
    Realistic,
}

impl std::str::FromStr for TimingMode {
    type Err = String;
    fn from_str(s: &str) -> Result<TimingMode, String> {
        match s {
            "instant" => Ok(TimingMode::Instant),
            "realistic" => Ok(TimingMode::Realistic),
            _ => Err(format!(
                "unknown timing '{s}'; use --timing instant or --timing realistic"
            )),
        }
    }
}

/// Durations and rates of the work a command can cause.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timings {
    pub sector_erase: Duration,
    pub block_erase: Duration,
    pub chip_erase: Duration,
    /// Programming one 256-byte page (a partial page costs a whole one).
    pub page_program: Duration,
    /// Reading flash through the SPI controller, bytes per second.
    pub flash_read_rate: f64,
    /// MD5 over flash contents, bytes per second.
    pub md5_rate: f64,
    /// Inflating a FLASH_DEFL_DATA stream, output bytes per second.
    pub inflate_rate: f64,
    /// Bytes the UART receive FIFO holds while the CPU is busy elsewhere.
    pub uart_rx_fifo: usize,
}

/// The page size of NOR flash: programming works on 256-byte pages.
pub const PAGE_SIZE: u32 = 256;

impl Timings {
    /// W25Q32-class flash (4KB sector erase 45 ms, 64KB block erase 150 ms, page program
    /// 0.7 ms, chip erase 10 s), MD5 at 1 MB/s, inflate at 2 MB/s, flash reads at
    /// 10 MB/s (40 MHz dual I/O), and the 128-byte UART FIFO of the ESP8266/ESP32.
    pub const W25Q32: Timings = Timings {
        sector_erase: Duration::from_millis(45),
        block_erase: Duration::from_millis(150),
        chip_erase: Duration::from_secs(10),
        page_program: Duration::from_micros(700),
        flash_read_rate: 10e6,
        md5_rate: 1e6,
        inflate_rate: 2e6,
        uart_rx_fifo: 128,
    };
}

/// Time one byte takes on the wire: a start bit, 8 data bits, a stop bit.
pub fn byte_time(baud: u32) -> Duration {
    Duration::from_nanos(10_000_000_000 / u64::from(baud.max(1)))
}

fn at_rate(bytes: u64, rate: f64) -> Duration {
    Duration::from_secs_f64(bytes as f64 / rate)
}

/// The chip's busy time, added to by every part that works (flash array, MD5, inflate)
/// and read by the UART to date what it sends. Clones share one total.
#[derive(Debug, Clone)]
pub struct WorkMeter {
    nanos: Arc<AtomicU64>,
    flash_nanos: Arc<AtomicU64>,
    timings: Timings,
}

impl Default for WorkMeter {
    fn default() -> Self {
        WorkMeter::new(Timings::W25Q32)
    }
}

impl WorkMeter {
    pub fn new(timings: Timings) -> WorkMeter {
        WorkMeter {
            nanos: Arc::default(),
            flash_nanos: Arc::default(),
            timings,
        }
    }

    pub fn timings(&self) -> &Timings {
        &self.timings
    }

    /// All work so far.
    pub fn total(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::Relaxed))
    }

    /// The part of [`WorkMeter::total`] the flash chip was busy (erase, program, read).
    pub fn flash_total(&self) -> Duration {
        Duration::from_nanos(self.flash_nanos.load(Ordering::Relaxed))
    }

    fn add(&self, d: Duration) {
        self.nanos.fetch_add(d.as_nanos() as u64, Ordering::Relaxed);
    }

    fn add_flash(&self, d: Duration) {
        self.add(d);
        self.flash_nanos
            .fetch_add(d.as_nanos() as u64, Ordering::Relaxed);
    }

    pub fn sectors_erased(&self, n: u64) {
        self.add_flash(self.timings.sector_erase * n as u32);
    }

    pub fn blocks_erased(&self, n: u64) {
        self.add_flash(self.timings.block_erase * n as u32);
    }

    pub fn chip_erased(&self) {
        self.add_flash(self.timings.chip_erase);
    }

    /// Programming `len` bytes at `addr`: every page touched costs a page program.
    pub fn programmed(&self, addr: u32, len: u32) {
        if len == 0 {
            return;
        }
        let first = addr / PAGE_SIZE;
        let last = (addr + len - 1) / PAGE_SIZE;
        self.add_flash(self.timings.page_program * (last - first + 1));
    }

    pub fn flash_read(&self, len: u32) {
        self.add_flash(at_rate(u64::from(len), self.timings.flash_read_rate));
    }

    pub fn md5(&self, len: u32) {
        self.add(at_rate(u64::from(len), self.timings.md5_rate));
    }

    pub fn inflated(&self, len: usize) {
        self.add(at_rate(len as u64, self.timings.inflate_rate));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_is_ten_bits() {
        assert_eq!(byte_time(115_200), Duration::from_nanos(86_805));
        assert_eq!(byte_time(921_600), Duration::from_nanos(10_850));
    }

    #[test]
    fn work_adds_up_and_clones_share_it() {
        let m = WorkMeter::default();
        let other = m.clone();
        other.sectors_erased(2);
        m.blocks_erased(1);
        // 16 KB at a page boundary: 64 pages; one byte across a page boundary: 2 pages.
        m.programmed(0x1000, 0x4000);
        m.programmed(0x10FF, 2);
        assert_eq!(
            m.flash_total(),
            Duration::from_millis(90 + 150) + Duration::from_micros(700) * 66
        );
        m.md5(1_000_000);
        m.inflated(2_000_000);
        assert_eq!(m.total(), m.flash_total() + Duration::from_secs(2));
    }

    #[test]
    fn parses_the_cli_names() {
        assert_eq!("realistic".parse(), Ok(TimingMode::Realistic));
        assert_eq!("instant".parse(), Ok(TimingMode::Instant));
        assert!("fast".parse::<TimingMode>().is_err());
    }
}
