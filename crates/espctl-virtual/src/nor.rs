//! The NOR flash array: erase sets bytes to 0xFF, programming can only clear bits.
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

/// Work the flash array has done; a timing model turns these into durations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlashWork {
    pub sectors_erased: u64,
    pub blocks_erased: u64,
    pub chip_erases: u64,
    pub bytes_programmed: u64,
    pub bytes_read: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum FlashError {
    #[error("flash access at 0x{addr:08x} (+{len} bytes) is outside the {size}-byte flash")]
    OutOfRange { addr: u32, len: u32, size: u32 },
    #[error("erase at 0x{addr:08x} is not aligned to a 0x{unit:x}-byte unit")]
    Unaligned { addr: u32, unit: u32 },
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
}

impl NorFlash {
    /// A blank (all 0xFF) flash of `size` bytes held in memory only.
    pub fn blank(size: u32) -> NorFlash {
        NorFlash {
            data: vec![0xFF; size as usize],
            backing: None,
            work: FlashWork::default(),
            meter: WorkMeter::default(),
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

    fn check(&self, addr: u32, len: u32) -> Result<std::ops::Range<usize>, FlashError> {
        let end = u64::from(addr) + u64::from(len);
        if end > self.data.len() as u64 {
            return Err(FlashError::OutOfRange {
                addr,
                len,
                size: self.size(),
            });
        }
        Ok(addr as usize..end as usize)
    }

    pub fn read(&mut self, addr: u32, len: u32) -> Result<&[u8], FlashError> {
        let range = self.check(addr, len)?;
        self.work.bytes_read += u64::from(len);
        self.meter.flash_read(len);
        Ok(&self.data[range])
    }

    /// Whether every byte of the range reads 0xFF (takes the time of reading it, not
    /// counted as bytes read).
    pub fn is_blank(&self, addr: u32, len: u32) -> Result<bool, FlashError> {
        let range = self.check(addr, len)?;
        self.meter.flash_read(len);
        Ok(self.data[range].iter().all(|&b| b == 0xFF))
    }

    /// Programs `bytes` at `addr`: each bit can only go from 1 to 0 (new = old AND data).
    pub fn program(&mut self, addr: u32, bytes: &[u8]) -> Result<(), FlashError> {
        let range = self.check(addr, bytes.len() as u32)?;
        for (cell, b) in self.data[range.clone()].iter_mut().zip(bytes) {
            *cell &= b;
        }
        self.work.bytes_programmed += bytes.len() as u64;
        self.meter.programmed(addr, bytes.len() as u32);
        self.persist(range)
    }

    /// Erases the 4 KB sector at `addr` (which must be sector aligned).
    pub fn erase_sector(&mut self, addr: u32) -> Result<(), FlashError> {
        self.erase_unit(addr, FLASH_SECTOR_SIZE)?;
        self.work.sectors_erased += 1;
        self.meter.sectors_erased(1);
        Ok(())
    }

    /// Erases the 64 KB block at `addr` (which must be block aligned).
    pub fn erase_block(&mut self, addr: u32) -> Result<(), FlashError> {
        self.erase_unit(addr, BLOCK_SIZE)?;
        self.work.blocks_erased += 1;
        self.meter.blocks_erased(1);
        Ok(())
    }

    /// Erases whole sectors covering `[addr, addr + len)`, using 64 KB blocks where they
    /// fit as the ROM and the stub do. `addr` must be sector aligned.
    pub fn erase_range(&mut self, addr: u32, len: u32) -> Result<(), FlashError> {
        let len = len.div_ceil(FLASH_SECTOR_SIZE) * FLASH_SECTOR_SIZE;
        self.check(addr, len)?;
        let (mut at, end) = (addr, addr + len);
        while at < end {
            if at.is_multiple_of(BLOCK_SIZE) && end - at >= BLOCK_SIZE {
                self.erase_block(at)?;
                at += BLOCK_SIZE;
            } else {
                self.erase_sector(at)?;
                at += FLASH_SECTOR_SIZE;
            }
        }
        Ok(())
    }

    pub fn erase_chip(&mut self) -> Result<(), FlashError> {
        self.data.fill(0xFF);
        self.work.chip_erases += 1;
        self.meter.chip_erased();
        self.persist(0..self.data.len())
    }

    fn erase_unit(&mut self, addr: u32, unit: u32) -> Result<(), FlashError> {
        if !addr.is_multiple_of(unit) {
            return Err(FlashError::Unaligned { addr, unit });
        }
        let range = self.check(addr, unit)?;
        self.data[range.clone()].fill(0xFF);
        self.persist(range)
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
mod tests {
    use super::*;

    #[test]
    fn programming_only_clears_bits() {
        let mut f = NorFlash::blank(0x2000);
        f.program(0x10, &[0x00, 0xF0]).unwrap();
        // Writing 0xFF over 0x00 without an erase leaves 0x00.
        f.program(0x10, &[0xFF, 0x0F]).unwrap();
        assert_eq!(&f.contents()[0x10..0x12], &[0x00, 0x00]);
        assert_eq!(f.work().bytes_programmed, 4);
    }

    #[test]
    fn erase_sets_whole_sectors_to_ff() {
        let mut f = NorFlash::blank(0x3000);
        f.program(0, &[0u8; 0x3000]).unwrap();
        f.erase_sector(0x1000).unwrap();
        assert!(f.contents()[..0x1000].iter().all(|&b| b == 0));
        assert!(f.contents()[0x1000..0x2000].iter().all(|&b| b == 0xFF));
        assert!(f.contents()[0x2000..].iter().all(|&b| b == 0));
        assert!(matches!(
            f.erase_sector(0x800),
            Err(FlashError::Unaligned { addr: 0x800, .. })
        ));
    }

    #[test]
    fn erase_range_rounds_up_to_sectors_and_uses_blocks() {
        let mut f = NorFlash::blank(0x4_0000);
        f.program(0, &vec![0u8; 0x4_0000]).unwrap();
        f.erase_range(0xF000, 0x1_1001).unwrap();
        // 0xF000..0x21000: one sector, one 64 KB block, then the sector holding the
        // partial last byte.
        assert!(f.contents()[0xF000..0x2_1000].iter().all(|&b| b == 0xFF));
        assert_eq!(f.contents()[0xEFFF], 0);
        assert_eq!(f.contents()[0x2_1000], 0);
        assert_eq!(f.work().blocks_erased, 1);
        assert_eq!(f.work().sectors_erased, 2);
    }

    #[test]
    fn access_beyond_the_end_fails() {
        let mut f = NorFlash::blank(0x1000);
        assert!(matches!(
            f.program(0xFFF, &[0, 0]),
            Err(FlashError::OutOfRange { .. })
        ));
        assert!(f.read(0x1000, 1).is_err());
        assert!(f.erase_range(0, 0x1001).is_err());
        assert!(f.contents().iter().all(|&b| b == 0xFF));
    }

    #[test]
    fn file_backing_survives_a_restart_and_rejects_a_wrong_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("flash.bin");
        {
            let mut f = NorFlash::with_file(0x2000, &path).unwrap();
            assert_eq!(std::fs::read(&path).unwrap(), vec![0xFF; 0x2000]);
            f.program(0x1234, b"hello").unwrap();
            // Written through at once, no flush or drop needed.
            assert_eq!(&std::fs::read(&path).unwrap()[0x1234..0x1239], b"hello");
            f.erase_sector(0x1000).unwrap();
            f.program(0x1FFE, &[1, 2]).unwrap();
        }
        let f = NorFlash::with_file(0x2000, &path).unwrap();
        assert!(f.contents()[0x1000..0x1FFE].iter().all(|&b| b == 0xFF));
        assert_eq!(&f.contents()[0x1FFE..], &[1, 2]);
        assert!(matches!(
            NorFlash::with_file(0x4000, &path),
            Err(DeviceError::FlashFileSize {
                file_len: 0x2000,
                ..
            })
        ));
        assert!(matches!(
            NorFlash::with_file(0x4000, dir.path()),
            Err(DeviceError::FlashFile { .. })
        ));
    }
}
