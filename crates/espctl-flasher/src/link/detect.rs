//! Which chip answers: GET_SECURITY_INFO on newer ROMs, else the magic register every
//! older ROM has; and whether it is the chip the caller named.

use super::DEFAULT_TIMEOUT;
use super::connection::Connection;
use crate::error::{Error, Result};
use espctl_chips::{CHIP_DETECT_MAGIC_REG, Chip};
use espctl_protocol::Command;
use espctl_protocol::reply::SecurityInfo;

/// Identifies the chip: GET_SECURITY_INFO (newer chips report an ID), else the magic
/// register every older ROM has.
pub fn detect(conn: &mut Connection) -> Result<&'static Chip> {
    if let Some(id) = security_info_chip_id(conn)? {
        // Only chips told apart by ID trust it; a stub may answer for an old chip too.
        if let Some(chip) = Chip::by_image_chip_id(id as u16).filter(|c| c.magic_values.is_empty())
        {
            return Ok(chip);
        }
    }
    let magic = read_magic(conn)?;
    Chip::by_magic(magic).ok_or(Error::UnknownChip { magic })
}

fn read_magic(conn: &mut Connection) -> Result<u32> {
    let (value, _) = conn.check(
        "read target memory",
        &Command::ReadReg {
            addr: CHIP_DETECT_MAGIC_REG,
        },
        0,
        DEFAULT_TIMEOUT,
    )?;
    Ok(value)
}

/// The chip ID from GET_SECURITY_INFO, or `None` when the loader does not have the
/// command (ESP8266 and ESP32 ROMs) or does not report an ID.
fn security_info_chip_id(conn: &mut Connection) -> Result<Option<u32>> {
    let reply = match conn.command(&Command::GetSecurityInfo, DEFAULT_TIMEOUT) {
        Ok(r) => r,
        Err(Error::UnsupportedCommand { .. } | Error::NoReply { .. }) => return Ok(None),
        Err(e) => return Err(e),
    };
    // The 20-byte form carries the chip ID; a 12-byte one (or a failure) does not.
    match reply.check("get security info", 20) {
        Ok((_, data)) => Ok(SecurityInfo::decode(&data).and_then(|info| info.chip_id)),
        Err(_) => Ok(None),
    }
}

/// Checks that the chip is the one named with `--chip`.
pub fn verify(conn: &mut Connection, expected: &'static Chip) -> Result<Option<u32>> {
    match detect(conn) {
        Ok(chip) if std::ptr::eq(chip, expected) => Ok(None),
        Ok(chip) => Err(Error::WrongChip {
            detected: chip.name,
            expected: expected.name,
        }),
        // An unknown magic: esptool warns and carries on with the chip it was told.
        Err(Error::UnknownChip { magic }) => Ok(Some(magic)),
        Err(e) => Err(e),
    }
}
