//! `erase-flash` and `erase-region`. The stub has commands for both; through the ROM
//! the same is done with FLASH_BEGIN, which erases the region it is given.

use super::FlashSizeArg;
use crate::error::{Error, Result};
use crate::event::{Event, Operation};
use crate::loader::EraseMethod;
use crate::session::Session;
use espctl_chips::esp8266_rom_erase;
use espctl_chips::{FLASH_SECTOR_SIZE, FlashSize};
use espctl_protocol::Command;
use std::time::Instant;

impl Session {
    /// Erases the whole flash.
    pub fn erase_flash(&mut self) -> Result<()> {
        self.ensure_flash_attached()?;
        self.emit(Event::ErasingFlash);
        let start = Instant::now();
        match self.loader.erase_method() {
            EraseMethod::Commands => {
                let timeout = self.limits.chip_erase;
                self.conn
                    .check("erase flash", &Command::EraseFlash, 0, timeout)?;
            }
            EraseMethod::FlashBegin => {
                // Erase every sector with FLASH_BEGIN.
                let size = match self.detect_flash_size()? {
                    Some(size) => size,
                    None => {
                        self.emit(Event::FlashSizeDefaulted);
                        FlashSize::Mb4
                    }
                };
                self.set_flash_size(size.bytes())?;
                self.rom_erase(0, size.bytes())?;
            }
        }
        self.emit(Event::FlashErased {
            seconds: start.elapsed().as_secs_f64(),
        });
        Ok(())
    }

    /// Erases `size` bytes at `addr`; both must be multiples of the 4KB sector.
    pub fn erase_region(&mut self, addr: u32, size: u32) -> Result<()> {
        check_region(addr, size)?;
        self.ensure_flash_attached()?;
        self.emit(Event::ErasingRegion);
        let start = Instant::now();
        match self.loader.erase_method() {
            EraseMethod::Commands => {
                self.check_retried(
                    "erase region",
                    &Command::EraseRegion { offset: addr, size },
                    0,
                    self.limits.erase_region(size),
                )?;
            }
            EraseMethod::FlashBegin => {
                // The ROM assumes a small flash until told otherwise. In Secure Download
                // Mode nothing can be detected: esptool sets 16MB, which covers most
                // chips.
                self.configure_flash_size(if self.secure_download {
                    FlashSizeArg::Size(espctl_chips::FlashSize::Mb16)
                } else {
                    FlashSizeArg::Detect
                })?;
                self.rom_erase(addr, size)?;
            }
        }
        self.emit(Event::RegionErased {
            seconds: start.elapsed().as_secs_f64(),
        });
        Ok(())
    }

    /// FLASH_BEGIN for `size` bytes at `addr` without sending data: the ROM erases.
    fn rom_erase(&mut self, addr: u32, size: u32) -> Result<()> {
        let block = self.loader.flash_block_size();
        let requests = if self.chip.rom.erase_size_bug {
            esp8266_rom_erase::exact_requests(
                addr / FLASH_SECTOR_SIZE,
                size.div_ceil(FLASH_SECTOR_SIZE),
            )
            .ok_or(Error::InexactRomErase {
                chip: self.chip.name,
                addr,
                size,
            })?
        } else {
            vec![(addr, size)]
        };
        self.emit(Event::ProgressStart {
            op: Operation::Erase,
            addr,
            total: size as u64,
        });
        for (offset, erase_size) in requests {
            self.flash_begin_raw(
                erase_size,
                erase_size.div_ceil(block),
                block,
                offset,
                self.limits.erase_region(size),
            )?;
        }
        self.emit(Event::Progress {
            op: Operation::Erase,
            addr: addr + size,
            done: size as u64,
            total: size as u64,
        });
        self.emit(Event::ProgressEnd {
            op: Operation::Erase,
        });
        Ok(())
    }
}

/// Erase regions must be whole sectors.
pub fn check_region(addr: u32, size: u32) -> Result<()> {
    if !addr.is_multiple_of(FLASH_SECTOR_SIZE) {
        return Err(Error::EraseUnaligned {
            what: "Offset to erase from",
        });
    }
    if !size.is_multiple_of(FLASH_SECTOR_SIZE) {
        return Err(Error::EraseUnaligned {
            what: "Size of data to erase",
        });
    }
    Ok(())
}
