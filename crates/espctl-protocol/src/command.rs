//! Typed request payloads: what each opcode carries.
//!
//! The client builds a [`Command`] and turns it into a [`Request`]; the virtual device
//! parses a [`Request`] back into a [`Command`]. Both directions live here so the two
//! sides cannot disagree about a field.

use crate::DATA_HEADER_LEN;
use crate::checksum::checksum;
use crate::opcode::Opcode;
use crate::packet::Request;
use thiserror::Error;

/// Parameters of FLASH_BEGIN and FLASH_DEFL_BEGIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlashBegin {
    /// Bytes to erase (FLASH_BEGIN) or uncompressed size (FLASH_DEFL_BEGIN).
    pub size: u32,
    /// Number of FLASH_DATA / FLASH_DEFL_DATA blocks that will follow.
    pub blocks: u32,
    /// Bytes per data block (the last FLASH_DATA block is padded to it).
    pub block_size: u32,
    /// Flash address the write starts at.
    pub offset: u32,
    /// The fifth word sent to stubs and to ROMs newer than the ESP32; `None` means the
    /// 16-byte form that the ESP8266 and ESP32 ROMs expect.
    pub encrypted: Option<u32>,
}

impl FlashBegin {
    /// The payload: size, blocks, block size, offset, then the fifth word if there is one.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = vec![self.size, self.blocks, self.block_size, self.offset];
        w.extend(self.encrypted);
        words(&w)
    }

    /// Reads the 16-byte form (no `encrypted` word) or the 20-byte form; `None` for any
    /// other length.
    pub fn decode(data: &[u8]) -> Option<FlashBegin> {
        let w = word_reader(data);
        match data.len() {
            16 | 20 => Some(FlashBegin {
                size: w(0),
                blocks: w(1),
                block_size: w(2),
                offset: w(3),
                encrypted: (data.len() == 20).then(|| w(4)),
            }),
            _ => None,
        }
    }
}

/// One write of WRITE_REG: `reg = (reg & !mask) | (value & mask)`, then wait `delay_us`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegWrite {
    /// Register address.
    pub addr: u32,
    /// Value to write (only the bits set in `mask`).
    pub value: u32,
    /// Bits of the register the write changes.
    pub mask: u32,
    /// Microseconds the loader waits before the write.
    pub delay_us: u32,
}

impl RegWrite {
    /// The writes of a WRITE_REG payload: 16 bytes each, at least one. `None` when the
    /// length is not a non-zero multiple of 16.
    pub fn decode_all(data: &[u8]) -> Option<Vec<RegWrite>> {
        if data.is_empty() || !data.len().is_multiple_of(16) {
            return None;
        }
        Some(
            data.chunks_exact(16)
                .map(|c| {
                    let w = word_reader(c);
                    RegWrite {
                        addr: w(0),
                        value: w(1),
                        mask: w(2),
                        delay_us: w(3),
                    }
                })
                .collect(),
        )
    }
}

/// SPI_SET_PARAMS: the geometry of the attached flash chip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpiParams {
    /// Flash chip ID word (esptool sends 0).
    pub id: u32,
    /// Flash size in bytes: the size the loader checks addresses against from now on.
    pub total_size: u32,
    /// Bytes per erase block (64 KB).
    pub block_size: u32,
    /// Bytes per erase sector (4 KB).
    pub sector_size: u32,
    /// Bytes per program page (256).
    pub page_size: u32,
    /// Status register bits the loader may touch (esptool sends 0xFFFF).
    pub status_mask: u32,
}

impl SpiParams {
    /// The payload: six words in field order.
    pub fn encode(&self) -> Vec<u8> {
        words(&[
            self.id,
            self.total_size,
            self.block_size,
            self.sector_size,
            self.page_size,
            self.status_mask,
        ])
    }

    /// Reads the 24-byte payload; `None` for any other length.
    pub fn decode(data: &[u8]) -> Option<SpiParams> {
        let w = word_reader(data);
        (data.len() == 24).then(|| SpiParams {
            id: w(0),
            total_size: w(1),
            block_size: w(2),
            sector_size: w(3),
            page_size: w(4),
            status_mask: w(5),
        })
    }

    /// What esptool sends for a flash of `total_size` bytes.
    pub fn for_size(total_size: u32) -> SpiParams {
        SpiParams {
            id: 0,
            total_size,
            block_size: 0x1_0000,
            sector_size: 0x1000,
            page_size: 0x100,
            status_mask: 0xFFFF,
        }
    }
}

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

fn words(values: &[u32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// Reads little-endian word `i` of `data`; the caller has checked the length.
fn word_reader(data: &[u8]) -> impl Fn(usize) -> u32 + '_ {
    move |i| u32::from_le_bytes(data[i * 4..i * 4 + 4].try_into().unwrap())
}

/// The payload of MEM_DATA, FLASH_DATA and FLASH_DEFL_DATA split at its sub-header
/// (`u32 len, u32 seq, u32 0, u32 0`, [`DATA_HEADER_LEN`] bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataBlock<'a> {
    /// The length the sub-header announces (loaders differ in how they trust it).
    pub declared_len: u32,
    /// The block's sequence number.
    pub seq: u32,
    /// The bytes after the sub-header, whatever their number.
    pub data: &'a [u8],
}

impl<'a> DataBlock<'a> {
    /// The sub-header and what follows it; `None` when the payload is shorter than the
    /// sub-header.
    pub fn split(payload: &'a [u8]) -> Option<DataBlock<'a>> {
        if payload.len() < DATA_HEADER_LEN {
            return None;
        }
        let w = word_reader(payload);
        Some(DataBlock {
            declared_len: w(0),
            seq: w(1),
            data: &payload[DATA_HEADER_LEN..],
        })
    }

    /// The payload of block `seq` carrying `data`, its length announced.
    pub fn encode(seq: u32, data: &[u8]) -> Vec<u8> {
        let mut out = words(&[data.len() as u32, seq, 0, 0]);
        out.extend_from_slice(data);
        out
    }
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
            Command::WriteReg(writes) => words(
                &writes
                    .iter()
                    .flat_map(|w| [w.addr, w.value, w.mask, w.delay_us])
                    .collect::<Vec<_>>(),
            ),
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
