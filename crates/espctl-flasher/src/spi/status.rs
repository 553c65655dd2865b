//! The flash chip's status registers, read and written with raw SPI commands as esptool
//! does (`read_status` / `write_status`): RDSR, RDSR2, RDSR3 one byte each, and for a
//! write, each register after its own write enable (0x06 for the non-volatile bits,
//! 0x50 for a volatile write), a 16-bit WRSR too when two bytes are written (some chips
//! take register 2 only that way), and WRDI at the end. Chips without a register read
//! 0xFF there and ignore its write.
//!
//! Block-protect bits in these registers are the usual cause of a flash that "won't
//! write": the chip ignores programs and erases of the protected range without an
//! error, so only the check afterwards notices.

use crate::error::Result;
use crate::session::Session;
use crate::spi::SpiCommand;
use espctl_chips::flash_protection::protected_range;
use espctl_chips::spi_flash::opcode::{
    RDSR, RDSR2, RDSR3, VOLATILE_SR_WREN, WRDI, WREN, WRSR, WRSR2, WRSR3,
};
use std::ops::Range;

/// How many status bytes (registers 1.., from the low byte): 1, 2 or 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusBytes(u8);

impl StatusBytes {
    /// esptool's default: registers 1 and 2.
    pub const DEFAULT: StatusBytes = StatusBytes(2);

    /// `None` unless `n` is 1, 2 or 3.
    pub fn new(n: u8) -> Option<StatusBytes> {
        (1..=3).contains(&n).then_some(StatusBytes(n))
    }

    /// The count.
    pub fn get(self) -> u8 {
        self.0
    }

    /// The bits these bytes hold.
    pub fn mask(self) -> u32 {
        (1u32 << (8 * u32::from(self.0))) - 1
    }
}

/// A status register write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusWrite {
    /// The new value (register 1 in the low byte); bits beyond `bytes` are dropped.
    pub value: u32,
    /// How many registers to write.
    pub bytes: StatusBytes,
    /// Write the non-volatile bits (they survive a power cycle) instead of the
    /// volatile copy that lasts until the next reset.
    pub non_volatile: bool,
}

/// A write or erase that did not take because the flash chip's block protection covers
/// its range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "The flash chip is write-protected: its status register ({status:#06x}) protects {:#010x}-{:#010x}, and the chip ignores writes and erases there.",
    protected.start,
    protected.end.saturating_sub(1)
)]
pub struct WriteProtected {
    /// Status registers 1 and 2 (register 1 in the low byte).
    pub status: u32,
    /// The protected addresses.
    pub protected: Range<u32>,
}

impl Session {
    /// The block protection that covers part of `range`, if any (read from status
    /// registers 1 and 2, decoded as common parts do).
    pub fn write_protection(&mut self, range: &Range<u32>) -> Result<Option<WriteProtected>> {
        let status = self.read_flash_status(StatusBytes::DEFAULT)?;
        let size = match self.flash_id()?.size() {
            Some(size) => size.bytes(),
            None => return Ok(None),
        };
        let protected = protected_range(status as u8, (status >> 8) as u8, size);
        let overlaps = protected.start < range.end && range.start < protected.end;
        Ok(overlaps.then_some(WriteProtected { status, protected }))
    }

    /// Reads `bytes` status registers (register 1 in the low byte).
    pub fn read_flash_status(&mut self, bytes: StatusBytes) -> Result<u32> {
        self.ensure_flash_attached()?;
        let mut status = 0;
        for (i, opcode) in [RDSR, RDSR2, RDSR3]
            .into_iter()
            .take(usize::from(bytes.get()))
            .enumerate()
        {
            let byte = self.spi_command(&SpiCommand {
                opcode,
                read_bits: 8,
                ..SpiCommand::default()
            })?;
            status |= (byte & 0xFF) << (8 * i);
        }
        Ok(status)
    }

    /// Writes the status registers as `write` says (what the chip keeps shows in a
    /// read afterwards).
    pub fn write_flash_status(&mut self, write: StatusWrite) -> Result<()> {
        self.ensure_flash_attached()?;
        let enable = if write.non_volatile {
            WREN
        } else {
            VOLATILE_SR_WREN
        };
        let mut value = write.value & write.bytes.mask();
        let send = |s: &mut Session, opcode: u8, data: Vec<u8>| {
            s.spi_command(&SpiCommand {
                opcode,
                data,
                ..SpiCommand::default()
            })
        };
        if write.bytes.get() == 2 {
            send(self, enable, Vec::new())?;
            send(self, WRSR, (value as u16).to_le_bytes().to_vec())?;
        }
        for opcode in [WRSR, WRSR2, WRSR3]
            .into_iter()
            .take(usize::from(write.bytes.get()))
        {
            send(self, enable, Vec::new())?;
            send(self, opcode, vec![value as u8])?;
            value >>= 8;
        }
        send(self, WRDI, Vec::new())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_bytes_are_one_to_three() {
        assert_eq!(StatusBytes::new(0), None);
        assert_eq!(StatusBytes::new(4), None);
        assert_eq!(StatusBytes::new(3).map(StatusBytes::mask), Some(0xFF_FFFF));
        assert_eq!(StatusBytes::DEFAULT.mask(), 0xFFFF);
    }
}
