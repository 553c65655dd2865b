//! The stub's checks of a request, in its order and with its error codes
//! (esp-flasher-stub v1.1.0 `command_handler.c`, sizes from `commands.h`).

use super::rx::FRAME_BUFFER_SIZE;
use espctl_protocol::command::{FlashBegin, RegWrite, SpiParams};
use espctl_protocol::packet::HEADER_LEN;
use espctl_protocol::status::StubError;
use espctl_protocol::{DATA_HEADER_LEN, Opcode, Request, checksum};

/// Opcodes of the plugin table; unpatched slots answer "not implemented"
/// (`plugin_table.h`: 0xD5 to 0xEF).
pub const PLUGIN_OPCODES: std::ops::RangeInclusive<u8> = 0xD5..=0xEF;

/// A request the stub accepted, with what its handler needs.
#[derive(Debug)]
pub enum StubCommand {
    Sync,
    FlashBegin {
        begin: FlashBegin,
        compressed: bool,
    },
    FlashData(Vec<u8>),
    FlashDeflData {
        seq: u32,
        data: Vec<u8>,
    },
    /// FLASH_END and FLASH_DEFL_END; the reboot flag is read and ignored.
    FlashEnd,
    MemBegin {
        size: u32,
        addr: u32,
    },
    MemData(Vec<u8>),
    MemEnd {
        execute: bool,
        entry: u32,
    },
    WriteReg(Vec<RegWrite>),
    ReadReg(u32),
    SpiAttach,
    SpiSetParams(SpiParams),
    ChangeBaudrate(u32),
    SpiFlashMd5 {
        addr: u32,
        size: u32,
    },
    GetSecurityInfo,
    ReadFlash {
        offset: u32,
        len: u32,
        packet_size: u32,
    },
    EraseFlash,
    EraseRegion {
        offset: u32,
        size: u32,
    },
    RunUserCode,
}

/// What the checks need to know of the stub's state.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    pub flash_in_progress: bool,
    pub mem_in_progress: bool,
    pub mem_remaining: u32,
}

/// Checks a request as the stub's handler for its opcode does.
pub fn parse(req: &Request, ctx: Context) -> Result<StubCommand, StubError> {
    use StubError::*;
    let d = req.data.as_slice();
    let len = d.len();
    let w = |i: usize| u32::from_le_bytes(d[i * 4..i * 4 + 4].try_into().unwrap());
    let exact = |n: usize| if len == n { Ok(()) } else { Err(BadDataLength) };
    let Some(op) = Opcode::from_u8(req.op) else {
        return Err(if PLUGIN_OPCODES.contains(&req.op) {
            NotImplemented
        } else {
            InvalidCommand
        });
    };
    Ok(match op {
        Opcode::Sync => {
            // Any 36 bytes will do.
            exact(36)?;
            StubCommand::Sync
        }
        Opcode::FlashBegin | Opcode::FlashDeflBegin => {
            if len != 16 && len != 20 {
                return Err(BadDataLength);
            }
            StubCommand::FlashBegin {
                begin: FlashBegin {
                    size: w(0),
                    blocks: w(1),
                    block_size: w(2),
                    offset: w(3),
                    encrypted: (len == 20).then(|| w(4)),
                },
                compressed: op == Opcode::FlashDeflBegin,
            }
        }
        Opcode::FlashData => {
            if len < DATA_HEADER_LEN {
                return Err(NotEnoughData);
            }
            if !ctx.flash_in_progress {
                return Err(NotInFlashMode);
            }
            let payload = &d[DATA_HEADER_LEN..];
            if w(0) as usize != payload.len() {
                return Err(TooMuchData);
            }
            check_sum(payload, req.checksum)?;
            StubCommand::FlashData(payload.to_vec())
        }
        Opcode::FlashDeflData => {
            if len < DATA_HEADER_LEN {
                return Err(BadDataLength);
            }
            if !ctx.flash_in_progress {
                return Err(NotInFlashMode);
            }
            // The stub trusts the declared length: it checksums and inflates that many
            // bytes, whatever the frame carried. Past the frame lies the buffer's stale
            // content, modelled as zeros up to the end of the buffer.
            let declared = (w(0) as usize).min(FRAME_BUFFER_SIZE - HEADER_LEN - DATA_HEADER_LEN);
            let mut data = d[DATA_HEADER_LEN..].to_vec();
            data.resize(declared, 0);
            check_sum(&data, req.checksum)?;
            StubCommand::FlashDeflData { seq: w(1), data }
        }
        Opcode::FlashEnd | Opcode::FlashDeflEnd => {
            exact(4)?;
            if !ctx.flash_in_progress {
                return Err(NotInFlashMode);
            }
            StubCommand::FlashEnd
        }
        Opcode::MemBegin => {
            exact(16)?;
            StubCommand::MemBegin {
                size: w(0),
                addr: w(3),
            }
        }
        Opcode::MemData => {
            if len < DATA_HEADER_LEN {
                return Err(NotEnoughData);
            }
            if !ctx.mem_in_progress {
                return Err(NotInFlashMode);
            }
            let declared = w(0);
            let payload = &d[DATA_HEADER_LEN..];
            // No checksum, no sequence number: the data goes where the last block ended.
            if ctx.mem_remaining < declared || declared as usize != payload.len() {
                return Err(TooMuchData);
            }
            StubCommand::MemData(payload.to_vec())
        }
        Opcode::MemEnd => {
            exact(8)?;
            if !ctx.mem_in_progress {
                return Err(NotInFlashMode);
            }
            StubCommand::MemEnd {
                execute: w(0) == 0,
                entry: w(1),
            }
        }
        Opcode::WriteReg => StubCommand::WriteReg(RegWrite::decode_all(d).ok_or(NotEnoughData)?),
        Opcode::ReadReg => {
            exact(4)?;
            StubCommand::ReadReg(w(0))
        }
        Opcode::SpiAttach => {
            exact(4)?;
            StubCommand::SpiAttach
        }
        Opcode::SpiSetParams => {
            exact(24)?;
            StubCommand::SpiSetParams(SpiParams {
                id: w(0),
                total_size: w(1),
                block_size: w(2),
                sector_size: w(3),
                page_size: w(4),
                status_mask: w(5),
            })
        }
        Opcode::ChangeBaudrate => {
            exact(8)?;
            // The second word (the old rate) is not read.
            StubCommand::ChangeBaudrate(w(0))
        }
        Opcode::SpiFlashMd5 => {
            exact(16)?;
            StubCommand::SpiFlashMd5 {
                addr: w(0),
                size: w(1),
            }
        }
        Opcode::GetSecurityInfo => {
            exact(0)?;
            StubCommand::GetSecurityInfo
        }
        Opcode::ReadFlash => {
            exact(16)?;
            StubCommand::ReadFlash {
                offset: w(0),
                len: w(1),
                packet_size: w(2),
            }
        }
        Opcode::EraseFlash => StubCommand::EraseFlash,
        Opcode::EraseRegion => {
            exact(8)?;
            let (offset, size) = (w(0), w(1));
            let sector = espctl_chips::FLASH_SECTOR_SIZE;
            if !offset.is_multiple_of(sector) || !size.is_multiple_of(sector) {
                return Err(BadDataLength);
            }
            StubCommand::EraseRegion { offset, size }
        }
        Opcode::RunUserCode => StubCommand::RunUserCode,
        // Not in the stub's command switch.
        Opcode::ReadFlashSlow => return Err(InvalidCommand),
    })
}

/// The stub compares its XOR checksum with the whole 32-bit field.
fn check_sum(data: &[u8], field: u32) -> Result<(), StubError> {
    if u32::from(checksum(data)) == field {
        Ok(())
    } else {
        Err(StubError::BadDataChecksum)
    }
}
