//! Typed request payloads: what each opcode carries.
//!
//! The client builds a [`Command`] and turns it into a [`Request`]; the virtual device
//! parses a [`Request`] back into a [`Command`]. Both directions live here so the two
//! sides cannot disagree about a field.

use crate::checksum::checksum;
use crate::opcode::Opcode;
use crate::packet::Request;
pub use crate::payload::{DataBlock, FlashBegin, RegWrite, SpiParams};
use crate::payload::{word_reader, words};
use thiserror::Error;
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

    /// The request packet for this command (checksum filled in for data blocks).
    pub fn to_request(&self) -> Request {
        let op = self.opcode();
        let mut sum = 0u32;
        let data = match self {
            Command::FlashBegin(b) | Command::FlashDeflBegin(b) => b.encode(),
            Command::FlashData { seq, data }
            | Command::MemData { seq, data }
            | Command::FlashDeflData { seq, data } => {
                sum = checksum(data) as u32;
                DataBlock::encode(*seq, data)
            }
            Command::FlashEnd { reboot } | Command::FlashDeflEnd { reboot } => {
                words(&[u32::from(!reboot)])
            }
            Command::MemBegin {
                size,
                blocks,
                block_size,
                addr,
            } => words(&[*size, *blocks, *block_size, *addr]),
            Command::MemEnd { execute, entry } => words(&[u32::from(!execute), *entry]),
            Command::Sync => crate::SYNC_PAYLOAD.to_vec(),
            Command::WriteReg(writes) => writes.iter().flat_map(RegWrite::encode).collect(),
            Command::ReadReg { addr } => words(&[*addr]),
            Command::SpiSetParams(p) => p.encode(),
            Command::SpiAttach { config, rom_form } => {
                if *rom_form {
                    words(&[*config, 0])
                } else {
                    words(&[*config])
                }
            }
            Command::ReadFlashSlow { offset, len } => words(&[*offset, *len]),
            Command::ChangeBaudrate { new_baud, old_baud } => words(&[*new_baud, *old_baud]),
            Command::SpiFlashMd5 { addr, size } => words(&[*addr, *size, 0, 0]),
            Command::GetSecurityInfo | Command::EraseFlash | Command::RunUserCode => Vec::new(),
            Command::EraseRegion { offset, size } => words(&[*offset, *size]),
            Command::ReadFlash {
                offset,
                len,
                packet_size,
                max_in_flight,
            } => words(&[*offset, *len, *packet_size, *max_in_flight]),
        };
        Request {
            op: op as u8,
            checksum: sum,
            data,
        }
    }

    /// Parses a request as a device does: every payload has its exact length (the
    /// flasher stub checks `packet_size != X_SIZE`, esp-flasher-stub `command_handler.c`),
    /// data blocks their declared length and their checksum in the whole 32-bit field.
    pub fn from_request(req: &Request) -> Result<Command, CommandError> {
        let op = Opcode::from_u8(req.op).ok_or(CommandError::UnknownOpcode(req.op))?;
        let d = &req.data;
        let bad = || CommandError::BadLength { op, len: d.len() };
        let w = word_reader(d);
        let need = |n: usize| if d.len() == n * 4 { Ok(()) } else { Err(bad()) };

        let begin = || FlashBegin::decode(d).ok_or_else(bad);
        let block = || -> Result<(u32, Vec<u8>), CommandError> {
            let DataBlock {
                declared_len,
                seq,
                data: payload,
            } = DataBlock::split(d).ok_or_else(bad)?;
            if declared_len as usize != payload.len() {
                return Err(CommandError::DataLength {
                    op,
                    declared: declared_len as usize,
                    actual: payload.len(),
                });
            }
            let actual = checksum(payload);
            // The XOR checksum fits a byte, but the stub compares the whole 32-bit field
            // (`s_validate_checksum`): non-zero upper bytes fail.
            let expected = req.checksum;
            if u32::from(actual) != expected {
                return Err(CommandError::Checksum {
                    op,
                    expected,
                    actual,
                });
            }
            Ok((seq, payload.to_vec()))
        };

        Ok(match op {
            Opcode::FlashBegin => Command::FlashBegin(begin()?),
            Opcode::FlashDeflBegin => Command::FlashDeflBegin(begin()?),
            Opcode::FlashData => {
                let (seq, data) = block()?;
                Command::FlashData { seq, data }
            }
            Opcode::MemData => {
                let (seq, data) = block()?;
                Command::MemData { seq, data }
            }
            Opcode::FlashDeflData => {
                let (seq, data) = block()?;
                Command::FlashDeflData { seq, data }
            }
            Opcode::FlashEnd => {
                need(1)?;
                Command::FlashEnd { reboot: w(0) == 0 }
            }
            Opcode::FlashDeflEnd => {
                need(1)?;
                Command::FlashDeflEnd { reboot: w(0) == 0 }
            }
            Opcode::MemBegin => {
                need(4)?;
                Command::MemBegin {
                    size: w(0),
                    blocks: w(1),
                    block_size: w(2),
                    addr: w(3),
                }
            }
            Opcode::MemEnd => {
                need(2)?;
                Command::MemEnd {
                    execute: w(0) == 0,
                    entry: w(1),
                }
            }
            Opcode::Sync => {
                if d.as_slice() != crate::SYNC_PAYLOAD.as_slice() {
                    return Err(bad());
                }
                Command::Sync
            }
            Opcode::WriteReg => Command::WriteReg(RegWrite::decode_all(d).ok_or_else(bad)?),
            Opcode::ReadReg => {
                need(1)?;
                Command::ReadReg { addr: w(0) }
            }
            Opcode::SpiSetParams => Command::SpiSetParams(SpiParams::decode(d).ok_or_else(bad)?),
            Opcode::SpiAttach => match d.len() {
                4 | 8 => Command::SpiAttach {
                    config: w(0),
                    rom_form: d.len() == 8,
                },
                _ => return Err(bad()),
            },
            Opcode::ReadFlashSlow => {
                need(2)?;
                Command::ReadFlashSlow {
                    offset: w(0),
                    len: w(1),
                }
            }
            Opcode::ChangeBaudrate => {
                need(2)?;
                Command::ChangeBaudrate {
                    new_baud: w(0),
                    old_baud: w(1),
                }
            }
            Opcode::SpiFlashMd5 => {
                // addr, size and two reserved words.
                need(4)?;
                Command::SpiFlashMd5 {
                    addr: w(0),
                    size: w(1),
                }
            }
            Opcode::GetSecurityInfo => {
                need(0)?;
                Command::GetSecurityInfo
            }
            Opcode::EraseFlash => {
                need(0)?;
                Command::EraseFlash
            }
            Opcode::RunUserCode => {
                need(0)?;
                Command::RunUserCode
            }
            Opcode::EraseRegion => {
                need(2)?;
                Command::EraseRegion {
                    offset: w(0),
                    size: w(1),
                }
            }
            Opcode::ReadFlash => {
                need(4)?;
                Command::ReadFlash {
                    offset: w(0),
                    len: w(1),
                    packet_size: w(2),
                    max_in_flight: w(3),
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(cmd: Command) {
        let req = cmd.to_request();
        let bytes = req.encode();
        let back = Command::from_request(&Request::decode(&bytes).unwrap()).unwrap();
        assert_eq!(back, cmd);
    }

    #[test]
    fn every_command_round_trips() {
        let begin = FlashBegin {
            size: 0x2000,
            blocks: 8,
            block_size: 0x400,
            offset: 0x1000,
            encrypted: None,
        };
        for cmd in [
            Command::FlashBegin(begin),
            Command::FlashBegin(FlashBegin {
                encrypted: Some(0),
                ..begin
            }),
            Command::FlashData {
                seq: 3,
                data: vec![0xAA; 0x400],
            },
            Command::FlashEnd { reboot: false },
            Command::FlashEnd { reboot: true },
            Command::MemBegin {
                size: 100,
                blocks: 1,
                block_size: 0x1800,
                addr: 0x4010_C500,
            },
            Command::MemData {
                seq: 0,
                data: vec![1, 2, 3, 4],
            },
            Command::MemEnd {
                execute: true,
                entry: 0x4010_C504,
            },
            Command::Sync,
            Command::WriteReg(vec![RegWrite {
                addr: 0x6000_0200,
                value: 1 << 18,
                mask: 0xFFFF_FFFF,
                delay_us: 0,
            }]),
            Command::ReadReg { addr: 0x4000_1000 },
            Command::SpiSetParams(SpiParams::for_size(4 << 20)),
            Command::SpiAttach {
                config: 0,
                rom_form: true,
            },
            Command::SpiAttach {
                config: 0,
                rom_form: false,
            },
            Command::ReadFlashSlow { offset: 0, len: 64 },
            Command::ChangeBaudrate {
                new_baud: 921_600,
                old_baud: 115_200,
            },
            Command::FlashDeflBegin(begin),
            Command::FlashDeflData {
                seq: 0,
                data: vec![0x78, 0xDA, 1, 2],
            },
            Command::FlashDeflEnd { reboot: false },
            Command::SpiFlashMd5 {
                addr: 0x1000,
                size: 7888,
            },
            Command::GetSecurityInfo,
            Command::EraseFlash,
            Command::EraseRegion {
                offset: 0x1000,
                size: 0x2000,
            },
            Command::ReadFlash {
                offset: 0,
                len: 0x1000,
                packet_size: 0x1000,
                max_in_flight: 64,
            },
            Command::RunUserCode,
        ] {
            round_trip(cmd);
        }
    }

    #[test]
    fn sync_request_matches_captured_bytes() {
        // c0 00 08 24 00 00 00 00 00 07 07 12 20 55x32 c0
        let bytes = Command::Sync.to_request().encode();
        assert_eq!(
            &bytes[..12],
            &[0x00, 0x08, 0x24, 0x00, 0, 0, 0, 0, 0x07, 0x07, 0x12, 0x20]
        );
        assert_eq!(bytes.len(), 44);
        assert!(bytes[12..].iter().all(|&b| b == 0x55));
    }

    #[test]
    fn data_block_carries_checksum_and_sub_header() {
        let req = Command::FlashData {
            seq: 2,
            data: vec![0x01, 0x02],
        }
        .to_request();
        assert_eq!(req.checksum, (0xEF ^ 0x03) as u32);
        assert_eq!(
            &req.data[..16],
            &[2, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        );
    }

    #[test]
    fn device_rejects_bad_checksum_and_length() {
        let mut req = Command::MemData {
            seq: 0,
            data: vec![9, 9, 9],
        }
        .to_request();
        req.checksum ^= 1;
        assert!(matches!(
            Command::from_request(&req),
            Err(CommandError::Checksum { .. })
        ));
        req.checksum ^= 1;
        req.data[0] = 5;
        assert!(matches!(
            Command::from_request(&req),
            Err(CommandError::DataLength {
                declared: 5,
                actual: 3,
                ..
            })
        ));
        let short = Request {
            op: Opcode::ReadReg as u8,
            checksum: 0,
            data: vec![1, 2],
        };
        assert!(matches!(
            Command::from_request(&short),
            Err(CommandError::BadLength { .. })
        ));
        // Trailing bytes are as wrong as missing ones.
        let long = Request {
            op: Opcode::ReadReg as u8,
            checksum: 0,
            data: vec![0; 8],
        };
        assert!(matches!(
            Command::from_request(&long),
            Err(CommandError::BadLength { len: 8, .. })
        ));
        // The checksum is compared in all 32 bits.
        let mut req = Command::FlashData {
            seq: 0,
            data: vec![1, 2, 3],
        }
        .to_request();
        req.checksum |= 0x100;
        assert!(matches!(
            Command::from_request(&req),
            Err(CommandError::Checksum { .. })
        ));
        let unknown = Request {
            op: 0x77,
            checksum: 0,
            data: vec![],
        };
        assert_eq!(
            Command::from_request(&unknown),
            Err(CommandError::UnknownOpcode(0x77))
        );
    }

    #[test]
    fn end_flags_follow_esptool() {
        // esptool sends int(not reboot) for FLASH_END and flag 1 for MEM_END without entry.
        assert_eq!(
            Command::FlashEnd { reboot: false }.to_request().data,
            vec![1, 0, 0, 0]
        );
        assert_eq!(
            Command::MemEnd {
                execute: false,
                entry: 0
            }
            .to_request()
            .data,
            vec![1, 0, 0, 0, 0, 0, 0, 0]
        );
    }
}
