//! Request packets into commands: the device's direction.

use super::{Command, CommandError};
use crate::checksum::checksum;
use crate::opcode::Opcode;
use crate::packet::Request;
use crate::payload::{DataBlock, FlashBegin, RegWrite, SpiParams, word_reader};

impl Command {
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
