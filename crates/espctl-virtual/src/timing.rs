//! How long the chip takes: the UART link and the work behind each command.
//!
//! The figures are those of a W25Q32-class SPI NOR flash (datasheet typical values) and
//! of the chip's CPU running the flasher code: they are the same for every client. The
//! device never sleeps; it puts a time on everything it sends (see `schedule.rs`), and a
//! server releases each byte when its time has come.

use std::sync::{Arc, Mutex};
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
    /// Erasing one 4 KB sector.
    pub sector_erase: Duration,
    /// Erasing one 32 KB block.
    pub block32_erase: Duration,
    /// Erasing one 64 KB block.
    pub block_erase: Duration,
    /// Erasing the whole chip.
    pub chip_erase: Duration,
    /// Programming one 256-byte page (a partial page costs a whole one).
    pub page_program: Duration,
    /// Reading flash through the SPI controller, bytes per second.
    pub flash_read_rate: f64,
    /// MD5 over flash contents, bytes per second.
    pub md5_rate: f64,
    /// Inflating a FLASH_DEFL_DATA stream, output bytes per second.
    pub inflate_rate: f64,
    /// Bytes the UART receive FIFO holds while the CPU is busy elsewhere (the ROM reads
    /// the UART only between commands).
    pub uart_rx_fifo: usize,
    /// Bytes the flasher stub lets into the FIFO before its receive interrupt takes them
    /// (esp-flasher-stub `transport.c`: RX FIFO full threshold 32).
    pub stub_rx_threshold: usize,
}

/// The page size of NOR flash: programming works on 256-byte pages.
pub const PAGE_SIZE: u32 = 256;

impl Timings {
    /// W25Q32-class flash (4KB sector erase 45 ms, 32KB block erase 120 ms, 64KB block
    /// erase 150 ms, page program
    /// 0.7 ms, chip erase 10 s), MD5 at 1 MB/s, inflate at 2 MB/s, flash reads at
    /// 10 MB/s (40 MHz dual I/O), and the 128-byte UART FIFO of the ESP8266/ESP32.
    pub const W25Q32: Timings = Timings {
        sector_erase: Duration::from_millis(45),
        block32_erase: Duration::from_millis(120),
        block_erase: Duration::from_millis(150),
        chip_erase: Duration::from_secs(10),
        page_program: Duration::from_micros(700),
        flash_read_rate: 10e6,
        md5_rate: 1e6,
        inflate_rate: 2e6,
        uart_rx_fifo: 128,
        stub_rx_threshold: 32,
    };
}

/// Time one byte takes on the wire: a start bit, 8 data bits, a stop bit.
pub fn byte_time(baud: u32) -> Duration {
    Duration::from_nanos(10_000_000_000 / u64::from(baud.max(1)))
}

fn at_rate(bytes: u64, rate: f64) -> Duration {
    Duration::from_secs_f64(bytes as f64 / rate)
}

/// The chip's timeline of work, shared by every part that works (flash array, MD5,
/// inflate, delays) and read by the UART to date what it sends. Clones share it.
///
/// Two things run in parallel: the CPU (whose busy total dates the answers) and the flash
/// chip. An erase is *started* and runs on in the flash while the CPU goes on (the stub
/// inflates while the flash erases); any later flash access first waits until the flash
/// is idle again, as the ROM's flash routines poll the chip's WIP bit.
#[derive(Debug, Clone)]
pub(crate) struct WorkMeter {
    state: Arc<Mutex<MeterState>>,
    timings: Timings,
}

#[derive(Debug, Default)]
struct MeterState {
    /// The CPU's busy total.
    cpu: Duration,
    /// When (on the CPU's busy timeline) the flash finishes what it was told to do.
    flash_free: Duration,
    /// Time the flash chip spent erasing, programming and reading.
    flash_total: Duration,
}

impl Default for WorkMeter {
    fn default() -> Self {
        WorkMeter::new(Timings::W25Q32)
    }
}

impl WorkMeter {
    pub fn new(timings: Timings) -> WorkMeter {
        WorkMeter {
            state: Arc::default(),
            timings,
        }
    }

    pub fn timings(&self) -> &Timings {
        &self.timings
    }

    fn with<T>(&self, f: impl FnOnce(&mut MeterState) -> T) -> T {
        f(&mut self.state.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// All the CPU's work so far.
    pub fn total(&self) -> Duration {
        self.with(|s| s.cpu)
    }

    /// The time the flash chip was busy (erase, program, read).
    pub fn flash_total(&self) -> Duration {
        self.with(|s| s.flash_total)
    }

    /// How long the flash stays busy from the CPU's present moment.
    pub fn flash_busy_for(&self) -> Duration {
        self.with(|s| s.flash_free.saturating_sub(s.cpu))
    }

    /// Whether the flash is still working (its WIP bit reads 1).
    pub fn flash_busy(&self) -> bool {
        !self.flash_busy_for().is_zero()
    }

    /// Sets how long the flash stays busy from now (the schedule carries the flash's
    /// work across the idle time between frames).
    pub fn set_flash_busy_for(&self, d: Duration) {
        self.with(|s| s.flash_free = s.cpu + d);
    }

    /// The CPU works (or waits) for `d`.
    pub fn cpu(&self, d: Duration) {
        self.with(|s| s.cpu += d);
    }

    /// The CPU polls the flash until it is idle.
    pub fn wait_flash(&self) {
        self.with(|s| s.cpu = s.cpu.max(s.flash_free));
    }

    /// A flash operation the CPU waits for: first for the flash to be idle, then for
    /// the operation itself.
    fn flash_sync(&self, d: Duration) {
        self.with(|s| {
            s.cpu = s.cpu.max(s.flash_free) + d;
            s.flash_free = s.cpu;
            s.flash_total += d;
        });
    }

    /// Starts a flash operation that runs on its own (once the flash is idle: the CPU
    /// waits for that); the CPU goes on.
    fn flash_start(&self, d: Duration) {
        self.with(|s| {
            s.cpu = s.cpu.max(s.flash_free);
            s.flash_free = s.cpu + d;
            s.flash_total += d;
        });
    }

    /// Starts erasing a sector (after the flash finished what it was doing).
    pub fn start_sector_erase(&self) {
        self.flash_start(self.timings.sector_erase);
    }

    pub fn start_block_erase(&self) {
        self.flash_start(self.timings.block_erase);
    }

    pub fn start_block32_erase(&self) {
        self.flash_start(self.timings.block32_erase);
    }

    /// A chip erase started through the SPI registers: the CPU goes on.
    pub fn start_chip_erase(&self) {
        self.flash_start(self.timings.chip_erase);
    }

    /// A chip erase the CPU waits for.
    pub fn chip_erased(&self) {
        self.flash_sync(self.timings.chip_erase);
    }

    /// Programming `len` bytes at `addr`, waiting page by page: every page touched costs
    /// a page program.
    pub fn programmed(&self, addr: u32, len: u32) {
        if len == 0 {
            return;
        }
        self.flash_sync(self.timings.page_program * pages(addr, len));
    }

    /// Starts programming one page and goes on (a page program clocked through the SPI
    /// registers; the flash sets WIP until it is done).
    pub fn start_page_program(&self) {
        self.flash_start(self.timings.page_program);
    }

    pub fn flash_read(&self, len: u32) {
        self.flash_sync(at_rate(u64::from(len), self.timings.flash_read_rate));
    }

    pub fn md5(&self, len: u32) {
        self.cpu(at_rate(u64::from(len), self.timings.md5_rate));
    }

    pub fn inflated(&self, len: usize) {
        self.cpu(at_rate(len as u64, self.timings.inflate_rate));
    }
}

/// The 256-byte pages `len` bytes at `addr` touch.
fn pages(addr: u32, len: u32) -> u32 {
    let first = addr / PAGE_SIZE;
    let last = (addr + (len - 1)) / PAGE_SIZE;
    last - first + 1
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
        other.start_sector_erase();
        other.start_sector_erase();
        m.start_block_erase();
        // 16 KB at a page boundary: 64 pages; one byte across a page boundary: 2 pages.
        m.programmed(0x1000, 0x4000);
        m.programmed(0x10FF, 2);
        assert_eq!(
            m.flash_total(),
            Duration::from_millis(90 + 150) + Duration::from_micros(700) * 66
        );
        // Everything waited for the flash except the last erase, which the first
        // program waited for.
        assert_eq!(m.total(), m.flash_total());
        m.md5(1_000_000);
        m.inflated(2_000_000);
        assert_eq!(m.total(), m.flash_total() + Duration::from_secs(2));
    }

    #[test]
    fn an_erase_runs_on_while_the_cpu_works() {
        let m = WorkMeter::default();
        m.start_sector_erase();
        assert!(m.flash_busy());
        assert_eq!(m.total(), Duration::ZERO, "the CPU did not wait");
        m.inflated(20_000); // 10 ms of CPU work meanwhile
        assert_eq!(m.flash_busy_for(), Duration::from_millis(35));
        m.programmed(0, 256); // waits for the erase, then programs
        assert_eq!(
            m.total(),
            Duration::from_millis(45) + Duration::from_micros(700)
        );
        assert!(!m.flash_busy());
    }

    #[test]
    fn parses_the_cli_names() {
        assert_eq!("realistic".parse(), Ok(TimingMode::Realistic));
        assert_eq!("instant".parse(), Ok(TimingMode::Instant));
        assert!("fast".parse::<TimingMode>().is_err());
    }
}
