//! The stub's checks of a request, in its order and with its error codes
//! (esp-flasher-stub v1.1.0 `command_handler.c`, sizes from `commands.h`).

use super::rx::FRAME_BUFFER_SIZE;
use espctl_protocol::command::DataBlock;
use espctl_protocol::packet::HEADER_LEN;
use espctl_protocol::status::StubError;
use espctl_protocol::{Command, DATA_HEADER_LEN, Opcode, Request, checksum};

/// Opcodes of the plugin table; unpatched slots answer "not implemented"
/// (`plugin_table.h`: 0xD5 to 0xEF).
pub const PLUGIN_OPCODES: std::ops::RangeInclusive<u8> = 0xD5..=0xEF;

/// What the checks need to know of the stub's state.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    pub flash_in_progress: bool,
    pub mem_in_progress: bool,
    pub mem_remaining: u32,
}

/// Checks a request as the stub's handler for its opcode does, and decodes it. Fixed
/// payloads are decoded by [`Command::from_request`] (the stub, too, wants their exact
/// length); data blocks, SYNC, ERASE_FLASH and RUN_USER_CODE are checked the stub's
/// own way.
pub fn parse(req: &Request, ctx: Context) -> Result<Command, StubError> {
    use StubError::*;
    let d = req.data.as_slice();
    let Some(op) = Opcode::from_u8(req.op) else {
        return Err(if PLUGIN_OPCODES.contains(&req.op) {
            NotImplemented
        } else {
            InvalidCommand
        });
    };
    let in_flash_mode = || {
        if ctx.flash_in_progress {
            Ok(())
        } else {
            Err(NotInFlashMode)
        }
    };
    let command = match op {
        // Any 36 bytes will do.
        Opcode::Sync if d.len() == 36 => return Ok(Command::Sync),
        Opcode::Sync => return Err(BadDataLength),
        Opcode::FlashData => {
            let block = DataBlock::split(d).ok_or(NotEnoughData)?;
            in_flash_mode()?;
            if block.declared_len as usize != block.data.len() {
                return Err(TooMuchData);
            }
            check_sum(block.data, req.checksum)?;
            return Ok(Command::FlashData {
                seq: block.seq,
                data: block.data.to_vec(),
            });
        }
        Opcode::FlashDeflData => {
            let block = DataBlock::split(d).ok_or(BadDataLength)?;
            in_flash_mode()?;
            // The stub trusts the declared length: it checksums and inflates that many
            // bytes, whatever the frame carried. Past the frame lies the buffer's stale
            // content, modelled as zeros up to the end of the buffer.
            let declared =
                (block.declared_len as usize).min(FRAME_BUFFER_SIZE - HEADER_LEN - DATA_HEADER_LEN);
            let mut data = block.data.to_vec();
            data.resize(declared, 0);
            check_sum(&data, req.checksum)?;
            return Ok(Command::FlashDeflData {
                seq: block.seq,
                data,
            });
        }
        Opcode::MemData => {
            let block = DataBlock::split(d).ok_or(NotEnoughData)?;
            if !ctx.mem_in_progress {
                return Err(NotInFlashMode);
            }
            // No checksum, no sequence number: the data goes where the last block ended.
            if ctx.mem_remaining < block.declared_len
                || block.declared_len as usize != block.data.len()
            {
                return Err(TooMuchData);
            }
            return Ok(Command::MemData {
                seq: block.seq,
                data: block.data.to_vec(),
            });
        }
        // No length check.
        Opcode::EraseFlash => return Ok(Command::EraseFlash),
        Opcode::RunUserCode => return Ok(Command::RunUserCode),
        // Not in the stub's command switch.
        Opcode::ReadFlashSlow => return Err(InvalidCommand),
        // The 4-byte form only (`SPI_ATTACH_SIZE`); the ROM's 8-byte form is too long.
        Opcode::SpiAttach if d.len() != 4 => return Err(BadDataLength),
        Opcode::WriteReg => Command::from_request(req).map_err(|_| NotEnoughData)?,
        _ => Command::from_request(req).map_err(|_| BadDataLength)?,
    };
    // The checks after the length.
    match command {
        Command::FlashEnd { .. } | Command::FlashDeflEnd { .. } => in_flash_mode()?,
        Command::MemEnd { .. } if !ctx.mem_in_progress => return Err(NotInFlashMode),
        Command::EraseRegion { offset, size } => {
            let sector = espctl_chips::FLASH_SECTOR_SIZE;
            if !offset.is_multiple_of(sector) || !size.is_multiple_of(sector) {
                return Err(BadDataLength);
            }
        }
        _ => {}
    }
    Ok(command)
}

/// The stub compares its XOR checksum with the whole 32-bit field.
fn check_sum(data: &[u8], field: u32) -> Result<(), StubError> {
    if u32::from(checksum(data)) == field {
        Ok(())
    } else {
        Err(StubError::BadDataChecksum)
    }
}
