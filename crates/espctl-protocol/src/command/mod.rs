//! Typed request payloads: what each opcode carries.
//!
//! The client builds a [`Command`] and turns it into a [`Request`](crate::Request)
//! (`encode.rs`); the virtual device parses a request back into a [`Command`]
//! (`decode.rs`). Both directions live here so the two sides cannot disagree about a
//! field.

use crate::opcode::Opcode;
pub use crate::payload::{DataBlock, FlashBegin, RegWrite, SpiParams};
use thiserror::Error;

mod decode;
mod encode;

/// A request's payload, typed: one variant per opcode, in opcode order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// FLASH_BEGIN (0x02): erase a region and get ready for FLASH_DATA blocks.
    FlashBegin(FlashBegin),
    /// FLASH_DATA (0x03): one block of data to write.
    FlashData {
        /// Block number, from 0.
        seq: u32,
        /// The block's bytes.
        data: Vec<u8>,
    },
    /// FLASH_END (0x04). `reboot == false` asks the loader to stay (wire flag 1).
    FlashEnd {
        /// Whether the loader runs the program in flash afterwards (wire flag 0).
        reboot: bool,
    },
    /// MEM_BEGIN (0x05): announce a segment to upload to RAM.
    MemBegin {
        /// Bytes of the segment.
        size: u32,
        /// Number of MEM_DATA blocks that will follow.
        blocks: u32,
        /// Bytes per MEM_DATA block.
        block_size: u32,
        /// RAM address of the segment.
        addr: u32,
    },
    /// MEM_DATA (0x07): one block of the segment.
    MemData {
        /// Block number, from 0.
        seq: u32,
        /// The block's bytes.
        data: Vec<u8>,
    },
    /// MEM_END (0x06). `execute` jumps to `entry` (wire flag 0); otherwise the loader
    /// stays (flag 1).
    MemEnd {
        /// Whether to jump to `entry`.
        execute: bool,
        /// Address to jump to.
        entry: u32,
    },
    /// SYNC (0x08): the fixed 36-byte [`crate::SYNC_PAYLOAD`].
    Sync,
    /// WRITE_REG (0x09): one or more masked register writes.
    WriteReg(Vec<RegWrite>),
    /// READ_REG (0x0A): the reply's value word is the register.
    ReadReg {
        /// Register address.
        addr: u32,
    },
    /// SPI_SET_PARAMS (0x0B): the attached flash chip's geometry.
    SpiSetParams(SpiParams),
    /// SPI_ATTACH (0x0D). `rom_form` appends the 4 zero bytes (`is_legacy` and
    /// padding) that ROMs expect.
    SpiAttach {
        /// Which pins the flash is on: 0 for the default SPI pins, else the packed
        /// eFuse pin numbers.
        config: u32,
        /// The 8-byte form of the ROMs instead of the stub's 4 bytes.
        rom_form: bool,
    },
    /// READ_FLASH_SLOW (0x0E, ROM only): read up to 64 bytes in the reply.
    ReadFlashSlow {
        /// Flash address.
        offset: u32,
        /// Bytes wanted (at most [`crate::READ_FLASH_SLOW_CHUNK`]).
        len: u32,
    },
    /// CHANGE_BAUDRATE (0x0F).
    ChangeBaudrate {
        /// The rate to switch to, in baud.
        new_baud: u32,
        /// 0 when talking to a ROM, the current rate for a stub.
        old_baud: u32,
    },
    /// FLASH_DEFL_BEGIN (0x10): like FLASH_BEGIN, for a zlib stream.
    FlashDeflBegin(FlashBegin),
    /// FLASH_DEFL_DATA (0x11): the next piece of the zlib stream.
    FlashDeflData {
        /// Block number, from 0.
        seq: u32,
        /// Compressed bytes.
        data: Vec<u8>,
    },
    /// FLASH_DEFL_END (0x12).
    FlashDeflEnd {
        /// Whether the loader runs the program in flash afterwards (wire flag 0).
        reboot: bool,
    },
    /// SPI_FLASH_MD5 (0x13): the MD5 of a flash region.
    SpiFlashMd5 {
        /// Flash address.
        addr: u32,
        /// Bytes to hash.
        size: u32,
    },
    /// GET_SECURITY_INFO (0x14): answered with [`crate::reply::SecurityInfo`].
    GetSecurityInfo,
    /// ERASE_FLASH (0xD0, stub only): erase the whole chip.
    EraseFlash,
    /// ERASE_REGION (0xD1, stub only): erase whole sectors.
    EraseRegion {
        /// Flash address, a multiple of the sector size.
        offset: u32,
        /// Bytes, a multiple of the sector size.
        size: u32,
    },
    /// READ_FLASH (0xD2, stub only): the stub streams the region in packets, each
    /// acknowledged by the host, then sends its MD5.
    ReadFlash {
        /// Flash address.
        offset: u32,
        /// Bytes to read.
        len: u32,
        /// Bytes per data packet.
        packet_size: u32,
        /// Packets the stub may send ahead of the acknowledgements.
        max_in_flight: u32,
    },
    /// RUN_USER_CODE (0xD3, stub only): leave the loader and run the program in flash.
    RunUserCode,
}

/// Why a request is not a well-formed [`Command`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CommandError {
    /// The opcode byte names no command.
    #[error("unknown opcode 0x{0:02x}")]
    UnknownOpcode(u8),
    /// The payload is not the opcode's length.
    #[error("{op} payload of {len} bytes has the wrong length")]
    BadLength {
        /// The request's command.
        op: Opcode,
        /// Bytes the payload had.
        len: usize,
    },
    /// A data block's sub-header announces another length than it carries.
    #[error("{op} block announces {declared} bytes but carries {actual}")]
    DataLength {
        /// The request's command.
        op: Opcode,
        /// Bytes the sub-header announces.
        declared: usize,
        /// Bytes after the sub-header.
        actual: usize,
    },
    /// A data block's checksum field does not match its data.
    #[error("{op} block checksum 0x{expected:08x} does not match the data (0x{actual:02x})")]
    Checksum {
        /// The request's command.
        op: Opcode,
        /// The request's whole 32-bit checksum field.
        expected: u32,
        /// The XOR checksum of the data.
        actual: u8,
    },
}

impl Command {
    /// The opcode this command is sent with.
    pub fn opcode(&self) -> Opcode {
        match self {
            Command::FlashBegin(_) => Opcode::FlashBegin,
            Command::FlashData { .. } => Opcode::FlashData,
            Command::FlashEnd { .. } => Opcode::FlashEnd,
            Command::MemBegin { .. } => Opcode::MemBegin,
            Command::MemData { .. } => Opcode::MemData,
            Command::MemEnd { .. } => Opcode::MemEnd,
            Command::Sync => Opcode::Sync,
            Command::WriteReg(_) => Opcode::WriteReg,
            Command::ReadReg { .. } => Opcode::ReadReg,
            Command::SpiSetParams(_) => Opcode::SpiSetParams,
            Command::SpiAttach { .. } => Opcode::SpiAttach,
            Command::ReadFlashSlow { .. } => Opcode::ReadFlashSlow,
            Command::ChangeBaudrate { .. } => Opcode::ChangeBaudrate,
            Command::FlashDeflBegin(_) => Opcode::FlashDeflBegin,
            Command::FlashDeflData { .. } => Opcode::FlashDeflData,
            Command::FlashDeflEnd { .. } => Opcode::FlashDeflEnd,
            Command::SpiFlashMd5 { .. } => Opcode::SpiFlashMd5,
            Command::GetSecurityInfo => Opcode::GetSecurityInfo,
            Command::EraseFlash => Opcode::EraseFlash,
            Command::EraseRegion { .. } => Opcode::EraseRegion,
            Command::ReadFlash { .. } => Opcode::ReadFlash,
            Command::RunUserCode => Opcode::RunUserCode,
        }
    }
}

#[cfg(test)]
mod tests;
