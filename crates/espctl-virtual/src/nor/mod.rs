//! The NOR flash array: erase sets bytes to 0xFF, programming can only clear bits.
//!
//! Addresses wrap around at the chip's size, as on real parts (the chip ignores address
//! bits above its capacity): a write at 4 MB + x on a 4 MB chip lands on x. Loaders check
//! ranges against the flash size they believe in; what gets past them wraps here and is
//! counted in [`FlashWork::wrapped_accesses`], so a test can see it.
//!
//! The chip's block protection ([`NorFlash::set_protected`]) makes programs and erases
//! that touch the protected range do nothing, as the chip ignores them; a chip whose
//! pins are not routed ([`NorFlash::set_connected`]) reads all 0xFF and takes no writes.
//!
//! Optionally backed by an image file that mirrors the array byte for byte. Every change
//! is written through to the file (only the changed range) before the operation returns,
//! so a device that is killed loses nothing it has acknowledged.

use crate::config::DeviceError;
use crate::timing::WorkMeter;
use espctl_chips::FLASH_SECTOR_SIZE;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Size of the large erase unit (block erase, command 0xD8).
pub const BLOCK_SIZE: u32 = 0x1_0000;

/// The next erase step at `at` with `remaining` bytes to go: a 64 KB block when one
/// starts here and fits, else a 4 KB sector (esp-stub-lib `stub_lib_flash_start_next_erase`).
pub fn erase_step(at: u64, remaining: u64) -> u32 {
    if at.is_multiple_of(u64::from(BLOCK_SIZE)) && remaining >= u64::from(BLOCK_SIZE) {
        BLOCK_SIZE
    } else {
        FLASH_SECTOR_SIZE
    }
}

/// Work the flash array has done; a timing model turns these into durations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlashWork {
    /// 4 KB sector erases.
    pub sectors_erased: u64,
    /// 32 KB and 64 KB block erases.
    pub blocks_erased: u64,
    /// Whole-chip erases.
    pub chip_erases: u64,
    /// Bytes programmed.
    pub bytes_programmed: u64,
    /// Bytes read.
    pub bytes_read: u64,
    /// Accesses that reached past the end of the chip and wrapped around to its start.
    pub wrapped_accesses: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum FlashError {
    #[error("cannot update flash file {path}: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
}

#[derive(Debug)]
struct Backing {
    path: PathBuf,
    file: File,
}

#[derive(Debug)]
pub struct NorFlash {
    data: Vec<u8>,
    backing: Option<Backing>,
    work: FlashWork,
    meter: WorkMeter,
    /// Addresses the status registers protect (empty: none).
    protected: std::ops::Range<u32>,
    /// Whether the host's SPI pins reach the chip.
    connected: bool,
}

impl NorFlash {
    /// A blank (all 0xFF) flash of `size` bytes held in memory only.
    pub fn blank(size: u32) -> NorFlash {
        NorFlash {
            data: vec![0xFF; size as usize],
            backing: None,
            work: FlashWork::default(),
            meter: WorkMeter::default(),
            protected: 0..0,
            connected: true,
        }
    }

    /// A flash backed by `path`: an existing file of exactly `size` bytes is the content;
    /// a missing or empty file is created blank.
    pub fn with_file(size: u32, path: &Path) -> Result<NorFlash, DeviceError> {
        let file_error = |source| DeviceError::FlashFile {
            path: path.to_path_buf(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(file_error)?;
        let len = file.metadata().map_err(file_error)?.len();
        let mut flash = NorFlash::blank(size);
        if len == 0 {
            file.write_all(&flash.data).map_err(file_error)?;
        } else if len == u64::from(size) {
            file.read_exact(&mut flash.data).map_err(file_error)?;
        } else {
            return Err(DeviceError::FlashFileSize {
                path: path.to_path_buf(),
                file_len: len,
                flash_size: size,
            });
        }
        flash.backing = Some(Backing {
            path: path.to_path_buf(),
            file,
        });
        Ok(flash)
    }

    pub fn size(&self) -> u32 {
        self.data.len() as u32
    }

    pub fn contents(&self) -> &[u8] {
        &self.data
    }

    pub fn work(&self) -> FlashWork {
        self.work
    }

    /// Times every later operation on `meter` (the chip's busy total).
    pub fn set_meter(&mut self, meter: WorkMeter) {
        self.meter = meter;
    }

    /// Sets the range the chip's block protection covers.
    pub fn set_protected(&mut self, range: std::ops::Range<u32>) {
        self.protected = range;
    }

    /// Whether a program or erase of `[addr, addr + len)` is refused by the protection
    /// (or by a chip nobody reaches).
    pub fn refused(&self, addr: u32, len: u32) -> bool {
        let end = u64::from(addr) + u64::from(len);
        !self.connected
            || (u64::from(self.protected.start) < end && addr < self.protected.end && len > 0)
    }

    /// Routes the host's pins to the chip or away from it.
    pub fn set_connected(&mut self, connected: bool) {
        self.connected = connected;
    }

    /// Whether the host's pins reach the chip.
    pub fn connected(&self) -> bool {
        self.connected
    }

    /// The chip's address for `addr`, counting accesses of `len` bytes that wrap.
    fn wrap(&mut self, addr: u32, len: u32) -> u32 {
        let size = self.size();
        if u64::from(addr) + u64::from(len) > u64::from(size) {
            self.work.wrapped_accesses += 1;
        }
        addr % size
    }

    /// Reads `len` bytes from `addr` (waiting for the flash to be idle).
    pub fn read(&mut self, addr: u32, len: u32) -> Vec<u8> {
        let at = self.wrap(addr, len) as usize;
        self.work.bytes_read += u64::from(len);
        self.meter.flash_read(len);
        self.seen(self.wrapped_copy(at, len as usize))
    }

    /// Reads like [`NorFlash::read`] but leaves the time to the caller (MD5's rate
    /// includes its reading).
    pub fn read_untimed(&mut self, addr: u32, len: u32) -> Vec<u8> {
        let at = self.wrap(addr, len) as usize;
        self.work.bytes_read += u64::from(len);
        self.seen(self.wrapped_copy(at, len as usize))
    }

    /// What the host receives of `data`: nothing but 0xFF from a chip it does not reach
    /// (MISO floats high).
    fn seen(&self, mut data: Vec<u8>) -> Vec<u8> {
        if !self.connected {
            data.fill(0xFF);
        }
        data
    }

    fn wrapped_copy(&self, at: usize, len: usize) -> Vec<u8> {
        let size = self.data.len();
        if at + len <= size {
            return self.data[at..at + len].to_vec();
        }
        let mut out = Vec::with_capacity(len);
        let mut pos = at;
        while out.len() < len {
            let n = (size - pos).min(len - out.len());
            out.extend_from_slice(&self.data[pos..pos + n]);
            pos = (pos + n) % size;
        }
        out
    }

    /// Whether every byte of the range reads 0xFF (takes the time of reading it, not
    /// counted as bytes read).
    pub fn is_blank(&mut self, addr: u32, len: u32) -> bool {
        let at = self.wrap(addr, len) as usize;
        self.meter.flash_read(len);
        self.seen(self.wrapped_copy(at, len as usize))
            .iter()
            .all(|&b| b == 0xFF)
    }

    /// Programs `bytes` at `addr` and waits for it: each bit can only go from 1 to 0
    /// (new = old AND data).
    pub fn program(&mut self, addr: u32, bytes: &[u8]) -> Result<(), FlashError> {
        if bytes.is_empty() {
            return Ok(());
        }
        self.program_unmetered(addr, bytes)?;
        self.meter.programmed(addr, bytes.len() as u32);
        Ok(())
    }

    /// Programs without taking time (the caller accounts for it).
    pub fn program_unmetered(&mut self, addr: u32, bytes: &[u8]) -> Result<(), FlashError> {
        let at = self.wrap(addr, bytes.len() as u32) as usize;
        let size = self.data.len();
        for (i, b) in bytes.iter().enumerate() {
            let to = (at + i) % size;
            // Protected bytes keep their value (the page programs are aligned to the
            // protection's 4 KB units, so this is the chip ignoring those pages).
            if !self.refused(to as u32, 1) {
                self.data[to] &= b;
            }
        }
        self.work.bytes_programmed += bytes.len() as u64;
        self.persist_wrapped(at, bytes.len())
    }

    /// Starts erasing the 4 KB sector holding `addr`; the flash works on while the
    /// caller goes on (see [`WorkMeter`]).
    pub fn start_sector_erase(&mut self, addr: u32) -> Result<(), FlashError> {
        if !self.erase_unit(addr, FLASH_SECTOR_SIZE)? {
            return Ok(());
        }
        self.work.sectors_erased += 1;
        self.meter.start_sector_erase();
        Ok(())
    }

    /// Starts erasing the 32 KB block holding `addr` (SPI command 0x52 only).
    pub fn start_block32_erase(&mut self, addr: u32) -> Result<(), FlashError> {
        if !self.erase_unit(addr, BLOCK_SIZE / 2)? {
            return Ok(());
        }
        self.work.sectors_erased += u64::from(BLOCK_SIZE / 2 / FLASH_SECTOR_SIZE);
        self.meter.start_block32_erase();
        Ok(())
    }

    /// Starts a chip erase and goes on (SPI command 0xC7 / 0x60).
    pub fn start_chip_erase(&mut self) -> Result<(), FlashError> {
        // A chip erase with any block protected is ignored.
        if self.refused(0, self.size()) {
            return Ok(());
        }
        self.data.fill(0xFF);
        self.work.chip_erases += 1;
        self.meter.start_chip_erase();
        self.persist(0..self.data.len())
    }

    /// The timeline the flash's work is counted on.
    pub fn meter(&self) -> &WorkMeter {
        &self.meter
    }

    /// Starts erasing the 64 KB block holding `addr`.
    pub fn start_block_erase(&mut self, addr: u32) -> Result<(), FlashError> {
        if !self.erase_unit(addr, BLOCK_SIZE)? {
            return Ok(());
        }
        self.work.blocks_erased += 1;
        self.meter.start_block_erase();
        Ok(())
    }

    /// Erases whole sectors covering `[addr, addr + len)` and waits: a 64 KB block
    /// where one starts aligned and at least 64 KB remain, else a sector (the step rule
    /// of the stub's and the ESP32 ROM's erase routines). `addr` is rounded down to its
    /// sector.
    pub fn erase_range(&mut self, addr: u32, len: u32) -> Result<(), FlashError> {
        let mut at = u64::from(addr / FLASH_SECTOR_SIZE * FLASH_SECTOR_SIZE);
        let end = u64::from(addr) + u64::from(len);
        while at < end {
            let step = erase_step(at, end - at);
            if step == BLOCK_SIZE {
                self.start_block_erase(at as u32)?;
            } else {
                self.start_sector_erase(at as u32)?;
            }
            at += u64::from(step);
        }
        self.meter.wait_flash();
        Ok(())
    }

    pub fn erase_chip(&mut self) -> Result<(), FlashError> {
        if self.refused(0, self.size()) {
            return Ok(());
        }
        self.data.fill(0xFF);
        self.work.chip_erases += 1;
        self.meter.chip_erased();
        self.persist(0..self.data.len())
    }

    /// Erases the unit holding `addr`; `false` when the chip ignores the erase.
    fn erase_unit(&mut self, addr: u32, unit: u32) -> Result<bool, FlashError> {
        let at = self.wrap(addr / unit * unit, unit) as usize;
        if self.refused(at as u32, unit) {
            return Ok(false);
        }
        let range = at..at + unit as usize;
        self.data[range.clone()].fill(0xFF);
        self.persist(range)?;
        Ok(true)
    }

    fn persist_wrapped(&mut self, at: usize, len: usize) -> Result<(), FlashError> {
        let size = self.data.len();
        if at + len <= size {
            return self.persist(at..at + len);
        }
        if len >= size {
            return self.persist(0..size);
        }
        self.persist(at..size)?;
        self.persist(0..at + len - size)
    }

    fn persist(&mut self, range: std::ops::Range<usize>) -> Result<(), FlashError> {
        let Some(backing) = &mut self.backing else {
            return Ok(());
        };
        let result = backing
            .file
            .seek(SeekFrom::Start(range.start as u64))
            .and_then(|_| backing.file.write_all(&self.data[range]));
        result.map_err(|source| FlashError::File {
            path: backing.path.clone(),
            source,
        })
    }
}

#[cfg(test)]
mod tests;
