//! Secure Download Mode (ENABLE_SECURITY_DOWNLOAD burnt, ESP32-S2 and later): the ROM
//! takes only what writing flash needs. Per the esptool documentation and its
//! `get_security_info` notes: SYNC, SPI_ATTACH, SPI_SET_PARAMS, CHANGE_BAUDRATE,
//! FLASH_BEGIN/DATA/END and GET_SECURITY_INFO. Reading memory or flash, writing
//! registers, RAM uploads (so no stub), compressed writes and flash MD5 are refused.
//!
//! The refusal is the restricted-loader form esptool's `command()` knows
//! (`UnsupportedCommandError`): a reply whose opcode differs from the request's, with
//! status `01 05` ("invalid message"), sent eight times as 14-byte frames (esptool
//! drains 8 × 14 bytes after it). The opcode byte of that reply is not documented; 0 is
//! used (inferred: any other than the request's reads the same to esptool).

use crate::soc::Soc;
use espctl_protocol::status::{RomError, Status};
use espctl_protocol::{Opcode, StatusLength};

/// How many times the refusal is sent.
const REFUSAL_REPEATS: usize = 8;

/// The opcode the refusal carries (inferred, see above).
const REFUSAL_OPCODE: u8 = 0;

/// Whether the ROM in Secure Download Mode takes `op`.
pub fn allows(op: u8) -> bool {
    matches!(
        Opcode::from_u8(op),
        Some(
            Opcode::Sync
                | Opcode::SpiAttach
                | Opcode::SpiSetParams
                | Opcode::ChangeBaudrate
                | Opcode::FlashBegin
                | Opcode::FlashData
                | Opcode::FlashEnd
                | Opcode::GetSecurityInfo
        )
    )
}

/// Answers a refused request.
pub fn refuse(soc: &mut Soc, status_len: StatusLength) {
    for _ in 0..REFUSAL_REPEATS {
        soc.uart.reply_failed(
            REFUSAL_OPCODE,
            Status::rom(RomError::InvalidMessage),
            status_len,
        );
    }
}
