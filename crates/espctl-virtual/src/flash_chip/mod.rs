//! The SPI NOR flash chip as its command set sees it: identification, status registers,
//! SFDP, write enable, reset, and the array underneath.
//!
//! The ROM and the stub program and erase the array directly through [`FlashChip::array`];
//! commands clocked through the SPI controller's user-command registers (what esptool does
//! for `flash-id`, `read-flash-status` and friends) arrive at [`FlashChip::transact`].
//!
//! Block protection ([`espctl_chips::flash_protection`]) follows status registers 1 and 2 at once:
//! programs and erases of the protected range are ignored, by whichever path they come.
//! A chip the host's pins do not reach (see [`crate::spi_pins`]) answers nothing: every
//! bit clocked in reads 1.
//!
//! A page program or an erase started that way runs for its datasheet time on the
//! device's timeline: meanwhile status register 1 reads WIP (and WEL), and the chip
//! ignores every command but the status reads, as real parts do. A client that forgets to
//! poll WIP loses its next commands. (Writing the status registers completes at once
//! here; real parts take up to 15 ms for a non-volatile write, which esptool does not
//! wait for either.)

use crate::nor::NorFlash;
use espctl_chips::flash_protection::protected_range;

/// Status register bits that a WRSR can change (WIP and WEL are read-only, SUS too).
const SR_WRITABLE: [u8; 3] = [0xFC, 0x43, 0x64];
/// Status register 1 bits: write in progress, write enable latch.
const SR1_WIP: u8 = 1 << 0;
const SR1_WEL: u8 = 1 << 1;
/// Power-on status: drive strength bits of register 3 at their usual default.
const SR_DEFAULT: [u8; 3] = [0x00, 0x00, 0x60];
/// Bytes of one program page; a page program wraps inside it.
const PAGE_SIZE: u32 = 0x100;

pub use espctl_chips::spi_flash::opcode;

#[derive(Debug)]
pub struct FlashChip {
    pub array: NorFlash,
    jedec: [u8; 3],
    sfdp: Vec<u8>,
    /// Status registers 1..3 as they read now, and as they come back after a reset.
    status: [u8; 3],
    status_non_volatile: [u8; 3],
    write_enabled: bool,
    volatile_write_enabled: bool,
    reset_enabled: bool,
    powered_down: bool,
}

impl FlashChip {
    pub fn new(array: NorFlash, jedec_id: u32) -> FlashChip {
        let sfdp = sfdp_table(array.size());
        let mut chip = FlashChip {
            array,
            jedec: [
                jedec_id as u8,
                (jedec_id >> 8) as u8,
                (jedec_id >> 16) as u8,
            ],
            sfdp,
            status: SR_DEFAULT,
            status_non_volatile: SR_DEFAULT,
            write_enabled: false,
            volatile_write_enabled: false,
            reset_enabled: false,
            powered_down: false,
        };
        chip.update_protection();
        chip
    }

    /// Tells the array which range status registers 1 and 2 protect now.
    fn update_protection(&mut self) {
        let range = protected_range(self.status[0], self.status[1], self.array.size());
        self.array.set_protected(range);
    }

    /// The status registers as they read now (WEL included), for tests.
    #[cfg(test)]
    pub fn status(&self) -> [u8; 3] {
        [self.status_register(0), self.status[1], self.status[2]]
    }

    /// The chip's RDID value (manufacturer in the low byte).
    pub fn jedec_id(&self) -> u32 {
        u32::from(self.jedec[0]) | u32::from(self.jedec[1]) << 8 | u32::from(self.jedec[2]) << 16
    }

    /// Runs one SPI transaction and returns the `miso_len` bytes the chip clocks out.
    pub fn transact(
        &mut self,
        cmd: u8,
        addr: Option<u32>,
        mosi: &[u8],
        miso_len: usize,
    ) -> Vec<u8> {
        use opcode::*;
        let reset_armed = std::mem::take(&mut self.reset_enabled);
        if !self.array.connected() {
            return vec![0xFF; miso_len];
        }
        if self.powered_down && cmd != RELEASE_POWER_DOWN {
            // A chip in deep power-down ignores everything; MISO floats high.
            return vec![0xFF; miso_len];
        }
        let addr = addr.unwrap_or(0);
        let repeat = |bytes: &[u8]| bytes.iter().copied().cycle().take(miso_len).collect();
        let busy = self.array.meter().flash_busy();
        if busy && !matches!(cmd, RDSR | RDSR2 | RDSR3) {
            // Busy programming or erasing: the chip ignores the command, MISO floats.
            return vec![0xFF; miso_len];
        }
        match cmd {
            RDID => {
                let mut out: Vec<u8> = self.jedec.to_vec();
                out.resize(miso_len.max(3), 0xFF);
                out.truncate(miso_len);
                out
            }
            RDSR => {
                let mut sr1 = self.status_register(0);
                if busy {
                    // WEL stays set until the operation it enabled is over.
                    sr1 |= SR1_WIP | SR1_WEL;
                }
                repeat(&[sr1])
            }
            RDSR2 => repeat(&[self.status[1]]),
            RDSR3 => repeat(&[self.status[2]]),
            RDSFDP => (0..miso_len)
                .map(|i| {
                    let at = addr as usize + i;
                    self.sfdp.get(at).copied().unwrap_or(0xFF)
                })
                .collect(),
            READ => self.array.read(addr, miso_len as u32),
            WREN => {
                self.write_enabled = true;
                Vec::new()
            }
            WRDI => {
                self.write_enabled = false;
                self.volatile_write_enabled = false;
                Vec::new()
            }
            VOLATILE_SR_WREN => {
                self.volatile_write_enabled = true;
                Vec::new()
            }
            WRSR => {
                self.write_status(0, mosi);
                Vec::new()
            }
            WRSR2 => {
                self.write_status(1, mosi);
                Vec::new()
            }
            WRSR3 => {
                self.write_status(2, mosi);
                Vec::new()
            }
            PAGE_PROGRAM => {
                if std::mem::take(&mut self.write_enabled) {
                    self.page_program(addr, mosi);
                }
                Vec::new()
            }
            SECTOR_ERASE | BLOCK_ERASE_32K | BLOCK_ERASE => {
                if std::mem::take(&mut self.write_enabled) {
                    // The erase runs on (WIP); addresses beyond the chip wrap around.
                    let _ = match cmd {
                        SECTOR_ERASE => self.array.start_sector_erase(addr),
                        BLOCK_ERASE_32K => self.array.start_block32_erase(addr),
                        _ => self.array.start_block_erase(addr),
                    };
                }
                Vec::new()
            }
            CHIP_ERASE | CHIP_ERASE_60 => {
                if std::mem::take(&mut self.write_enabled) {
                    let _ = self.array.start_chip_erase();
                }
                Vec::new()
            }
            RESET_ENABLE => {
                self.reset_enabled = true;
                Vec::new()
            }
            RESET => {
                if reset_armed {
                    self.reset();
                }
                Vec::new()
            }
            POWER_DOWN => {
                self.powered_down = true;
                Vec::new()
            }
            RELEASE_POWER_DOWN => {
                self.powered_down = false;
                Vec::new()
            }
            // Anything else (XMC recovery 0x79/0xFF, unknown opcodes): nothing happens
            // and MISO floats high.
            _ => vec![0xFF; miso_len],
        }
    }

    /// The software reset (0x66 then 0x99): volatile state back to power-on values.
    pub fn reset(&mut self) {
        self.status = self.status_non_volatile;
        self.update_protection();
        self.write_enabled = false;
        self.volatile_write_enabled = false;
        self.powered_down = false;
    }

    fn status_register(&self, n: usize) -> u8 {
        let mut value = self.status[n];
        if n == 0 && self.write_enabled {
            value |= SR1_WEL;
        }
        value
    }

    /// WRSR: the first data byte goes to register `first`, a second (WRSR only) to the
    /// next. Needs WREN (non-volatile write) or 0x50 (volatile write); clears both.
    fn write_status(&mut self, first: usize, data: &[u8]) {
        let non_volatile = std::mem::take(&mut self.write_enabled);
        let volatile = std::mem::take(&mut self.volatile_write_enabled);
        if !(non_volatile || volatile) {
            return;
        }
        let count = if first == 0 {
            data.len().min(2)
        } else {
            data.len().min(1)
        };
        for (i, &byte) in data.iter().take(count).enumerate() {
            let n = first + i;
            let mask = SR_WRITABLE[n];
            self.status[n] = (self.status[n] & !mask) | (byte & mask);
            if non_volatile {
                self.status_non_volatile[n] = self.status[n];
            }
        }
        self.update_protection();
    }

    fn page_program(&mut self, addr: u32, data: &[u8]) {
        let page = addr / PAGE_SIZE * PAGE_SIZE;
        if self.array.refused(page, PAGE_SIZE) {
            // A protected page: the chip ignores the command (no WIP).
            return;
        }
        for (i, &b) in data.iter().enumerate() {
            // Bytes past the end of the page wrap to its start, as on real parts.
            let at = page + (addr - page + i as u32) % PAGE_SIZE;
            let _ = self.array.program_unmetered(at, &[b]);
        }
        // The page program runs on (WIP) while the host goes on.
        self.array.meter().start_page_program();
    }
}

/// A JEDEC SFDP table (JESD216) for a generic quad-SPI NOR part of `size` bytes: the
/// "SFDP" signature, one parameter header, and the basic flash parameter table at 0x30.
fn sfdp_table(size: u32) -> Vec<u8> {
    let mut t = vec![0xFF; 0x30];
    t[..8].copy_from_slice(&[b'S', b'F', b'D', b'P', 0x06, 0x01, 0x00, 0xFF]);
    // Parameter header 0: JEDEC basic table, revision 1.6, 16 dwords at 0x000030.
    t[8..16].copy_from_slice(&[0x00, 0x06, 0x01, 0x10, 0x30, 0x00, 0x00, 0xFF]);
    let density_bits = u64::from(size) * 8 - 1;
    let dwords: [u32; 16] = [
        // 4 KB erase with opcode 0x20, 3-byte addressing, dual and quad fast reads.
        0xFFF9_20E5,
        density_bits as u32,
        0x6B08_EB44,
        0xBB42_3B08,
        0xFFFF_FFFE,
        0x0000_FFFF,
        0xEB40_FFFF,
        // Erase types: 4 KB (0x20), 32 KB (0x52), 64 KB (0xD8).
        0x520F_200C,
        0x0000_D810,
        0x00A6_0236,
        0xC414_EA82,
        0x3376_63E9,
        0x757A_757A,
        0x5CD5_A2F7,
        0xFF4D_F719,
        0x80F8_30E9,
    ];
    for d in dwords {
        t.extend_from_slice(&d.to_le_bytes());
    }
    t
}

#[cfg(test)]
mod tests;
