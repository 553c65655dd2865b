//! Which chip answers: GET_SECURITY_INFO on newer ROMs, else the magic register every
//! older ROM has; and whether it is the chip the caller named. GET_SECURITY_INFO also
//! tells whether the ROM runs Secure Download Mode (its flag bit 2, esptool
//! `connect()`), where READ_REG is refused: a chip that reports no ID and refuses
//! READ_REG is an ESP32-S2 in that mode, as esptool concludes.

use super::connection::Connection;
use crate::error::{Error, Result};
use espctl_chips::esp32s2::ESP32S2;
use espctl_chips::security_fields::flag;
use espctl_chips::{CHIP_DETECT_MAGIC_REG, Chip};
use espctl_protocol::Command;
use espctl_protocol::reply::SecurityInfo;

/// The chip found, and what GET_SECURITY_INFO said on the way.
#[derive(Debug, Clone, Copy)]
pub struct Detected {
    /// The chip.
    pub chip: &'static Chip,
    /// The ROM runs Secure Download Mode.
    pub secure_download: bool,
}

/// Identifies the chip: GET_SECURITY_INFO (newer chips report an ID), else the magic
/// register every older ROM has.
pub fn detect(conn: &mut Connection) -> Result<Detected> {
    let info = security_info(conn)?;
    let secure_download = info.is_some_and(|i| i.flags & flag::SECURE_DOWNLOAD_ENABLE != 0);
    if let Some(id) = info.and_then(|i| i.chip_id) {
        // Only chips told apart by ID trust it; a stub may answer for an old chip too.
        if let Some(chip) = Chip::by_image_chip_id(id as u16).filter(|c| c.magic_values.is_empty())
        {
            return Ok(Detected {
                chip,
                secure_download,
            });
        }
    }
    let magic = match read_magic(conn) {
        Ok(magic) => magic,
        Err(Error::UnsupportedCommand { .. }) if info.is_some() => {
            // READ_REG refused: Secure Download Mode. The ID names the chip; without
            // one it is the ESP32-S2 (esptool `detect_chip`).
            let by_id = info
                .and_then(|i| i.chip_id)
                .and_then(|id| Chip::by_image_chip_id(id as u16));
            return Ok(Detected {
                chip: by_id.unwrap_or(&ESP32S2),
                secure_download: true,
            });
        }
        Err(e) => return Err(e),
    };
    let chip = Chip::by_magic(magic).ok_or(Error::UnknownChip { magic })?;
    Ok(Detected {
        chip,
        secure_download,
    })
}

fn read_magic(conn: &mut Connection) -> Result<u32> {
    let (value, _) = conn.check(
        "read target memory",
        &Command::ReadReg {
            addr: CHIP_DETECT_MAGIC_REG,
        },
        0,
        conn.timeout(),
    )?;
    Ok(value)
}

/// GET_SECURITY_INFO's answer, or `None` when the loader does not have the command
/// (ESP8266 and ESP32 ROMs) or answers with neither length.
fn security_info(conn: &mut Connection) -> Result<Option<SecurityInfo>> {
    let reply = match conn.command(&Command::GetSecurityInfo, conn.timeout()) {
        Ok(r) => r,
        Err(Error::UnsupportedCommand { .. } | Error::NoReply { .. }) => return Ok(None),
        Err(e) => return Err(e),
    };
    // The 20-byte form carries the chip ID; the ESP32-S2 ROM sends 12 bytes.
    let data = match reply.clone().check("get security info", 20) {
        Ok((_, data)) => data,
        Err(_) => match reply.check("get security info", 12) {
            Ok((_, data)) => data,
            Err(_) => return Ok(None),
        },
    };
    Ok(SecurityInfo::decode(&data))
}

/// Checks that the chip is the one named with `--chip`; `unknown_magic` is set when
/// the magic matched no chip (esptool warns and carries on with the chip it was told).
pub fn verify(conn: &mut Connection, expected: &'static Chip) -> Result<Verified> {
    match detect(conn) {
        Ok(found) if std::ptr::eq(found.chip, expected) => Ok(Verified {
            unknown_magic: None,
            secure_download: found.secure_download,
        }),
        Ok(found) => Err(Error::WrongChip {
            detected: found.chip.name,
            expected: expected.name,
        }),
        Err(Error::UnknownChip { magic }) => Ok(Verified {
            unknown_magic: Some(magic),
            secure_download: false,
        }),
        Err(e) => Err(e),
    }
}

/// What checking the named chip found.
#[derive(Debug, Clone, Copy)]
pub struct Verified {
    /// The magic read when it matched no chip.
    pub unknown_magic: Option<u32>,
    /// The ROM runs Secure Download Mode.
    pub secure_download: bool,
}
