//! Getting a chip's attention: reset into the bootloader, SYNC, and find out which chip
//! answers.

use crate::connection::{Answer, Connection, DEFAULT_TIMEOUT};
use crate::error::{Error, ReadFailure, Result};
use crate::event::{Event, EventSink};
use crate::reset::{Before, ResetStrategy};
use crate::transport::LineError;
use espctl_chips::{CHIP_DETECT_MAGIC_REG, Chip};
use espctl_protocol::{Command, Opcode};
use std::time::Duration;

/// How long to wait for the first reply to one SYNC (esptool: 0.1 s).
pub const SYNC_TIMEOUT: Duration = Duration::from_millis(100);
/// Pause after a failed SYNC (esptool: 0.05 s).
const SYNC_RETRY_PAUSE: Duration = Duration::from_millis(50);
/// SYNC tries per connection attempt.
const SYNCS_PER_ATTEMPT: usize = 5;
/// Default number of connection attempts (each with its own reset).
pub const DEFAULT_CONNECT_ATTEMPTS: u32 = 7;

/// The outcome of a successful sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Synced {
    /// Every SYNC reply carried value 0: the flasher stub is already running.
    pub stub_running: bool,
}

/// Sends one SYNC and swallows the chip's further identical replies.
pub fn sync(conn: &mut Connection) -> Result<Synced> {
    conn.send(&Command::Sync, SYNC_TIMEOUT, Answer::Expected)?;
    let first = conn.wait_reply(Opcode::Sync, SYNC_TIMEOUT)?;
    // ROMs answer with a non-zero value, the stub with 0.
    let mut stub_running = first.value == 0;
    // The chip sends 8 replies in a row; they normally all arrive at once, so waiting
    // for them only costs time when a device sends fewer.
    for _ in 1..espctl_protocol::SYNC_REPLY_COUNT {
        match conn.wait_reply(Opcode::Sync, SYNC_TIMEOUT) {
            Ok(r) => stub_running &= r.value == 0,
            Err(_) => break,
        }
    }
    Ok(Synced { stub_running })
}

/// What a boot log (bytes received outside frames after a reset) says about the chip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BootLog {
    /// ESP32 family: `boot:0x13 (SPI_FAST_FLASH_BOOT)`; `download` when it also said
    /// `waiting for download`.
    Esp32 { mode: String, download: bool },
    /// ESP8266: `boot mode:(3,6)`; the first number is 1 in UART download mode.
    Esp8266 { mode: String, download: bool },
}

impl BootLog {
    /// Finds the boot-mode line in received noise, if there is one.
    pub fn parse(noise: &[u8]) -> Option<BootLog> {
        let text = String::from_utf8_lossy(noise);
        if let Some(i) = text.find("boot:0x") {
            let rest = &text[i + 5..];
            let end = rest
                .find(|c: char| !c.is_ascii_hexdigit() && c != 'x')
                .unwrap_or(rest.len());
            let download = rest.contains("waiting for download");
            return Some(BootLog::Esp32 {
                mode: rest[..end].to_string(),
                download,
            });
        }
        if let Some(i) = text.find("boot mode:(") {
            let rest = &text[i + 10..];
            let end = rest.find(')').map(|e| e + 1)?;
            let mode = rest[..end].to_string();
            if !mode[1..end - 1]
                .chars()
                .all(|c| c.is_ascii_digit() || c == ',')
            {
                return None; // not a boot-mode line, just noise that looks like one
            }
            let download = mode.starts_with("(1");
            return Some(BootLog::Esp8266 { mode, download });
        }
        None
    }

    /// The explanation given when syncing failed after this boot log.
    pub fn explain(&self) -> String {
        let (mode, download) = match self {
            BootLog::Esp32 { mode, download } | BootLog::Esp8266 { mode, download } => {
                (mode, *download)
            }
        };
        if download {
            "Download mode successfully detected, but getting no sync reply: The serial TX path seems to be down.".to_string()
        } else {
            format!(
                "Wrong boot mode detected ({mode})! The chip needs to be in download mode: hold GPIO0 (BOOT) low while resetting."
            )
        }
    }
}

/// Everything one connection attempt needs besides the connection.
pub struct Attempt<'a> {
    pub before: Before,
    pub strategy: ResetStrategy,
    pub events: &'a EventSink,
    /// Set once the "lines unsupported" warning has been reported.
    pub lines_warned: &'a mut bool,
}

/// One connection attempt: reset (unless told not to), then up to 5 SYNCs. `Ok(Err)`
/// is a failed attempt, with the reason as esptool words it; `Err` is a port that
/// fails (unplugged, gone), where trying again is pointless.
pub fn attempt(
    conn: &mut Connection,
    a: Attempt<'_>,
) -> Result<std::result::Result<Synced, String>> {
    if a.before == Before::NoResetNoSync {
        return Ok(Ok(Synced {
            stub_running: false,
        }));
    }
    conn.take_noise();
    if a.before != Before::NoReset {
        conn.flush_input()?;
        match a.strategy.run(conn.transport()) {
            Ok(()) => {}
            Err(LineError::Unsupported) => {
                if !*a.lines_warned {
                    *a.lines_warned = true;
                    (a.events)(Event::ResetLinesUnsupported {
                        port: conn.port_name().to_string(),
                    });
                }
            }
            Err(LineError::Io(source)) => {
                return Err(Error::Io {
                    port: conn.port_name().to_string(),
                    source,
                });
            }
        }
        // Whatever the chip printed while booting is already in the buffer.
        conn.collect_for(Duration::from_millis(1))?;
    }
    let mut last = String::new();
    for _ in 0..SYNCS_PER_ATTEMPT {
        let result = conn.flush_input().and_then(|()| sync(conn));
        match result {
            Ok(s) => return Ok(Ok(s)),
            Err(e @ Error::Io { .. }) => return Err(e),
            Err(e) => {
                (a.events)(Event::SyncFailed);
                conn.transport().pause(SYNC_RETRY_PAUSE);
                last = match e {
                    Error::NoReply { failure, .. } => failure.to_string(),
                    other => other.to_string(),
                };
            }
        }
    }
    let noise = conn.take_noise();
    if let Some(log) = BootLog::parse(&noise) {
        return Ok(Err(log.explain()));
    }
    if !noise.is_empty() && last == ReadFailure::NoData.to_string() {
        return Ok(Err(format!(
            "Invalid head of packet (0x{:02x}): Possible serial noise or corruption. Received {} bytes that are not bootloader replies (wrong baud rate, or the chip is running its application).",
            noise[0],
            noise.len()
        )));
    }
    Ok(Err(last))
}

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
    // 20 bytes: flags, crypt count, 7 key purposes, chip ID, API version.
    match reply.check("get security info", 20) {
        Ok((_, data)) => Ok(Some(u32::from_le_bytes(data[12..16].try_into().unwrap()))),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_esp32_boot_logs() {
        let log = b"ets Jul 29 2019 12:21:46\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n";
        let parsed = BootLog::parse(log).unwrap();
        assert_eq!(
            parsed,
            BootLog::Esp32 {
                mode: "0x13".into(),
                download: false
            }
        );
        assert!(
            parsed
                .explain()
                .starts_with("Wrong boot mode detected (0x13)!")
        );

        let log = b"rst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\nwaiting for download\r\n";
        let parsed = BootLog::parse(log).unwrap();
        assert!(matches!(parsed, BootLog::Esp32 { download: true, .. }));
        assert!(
            parsed
                .explain()
                .starts_with("Download mode successfully detected")
        );
    }

    #[test]
    fn reads_esp8266_boot_logs() {
        let flash =
            BootLog::parse(b"\r\n ets Jan  8 2013,rst cause:2, boot mode:(3,6)\r\n").unwrap();
        assert_eq!(
            flash,
            BootLog::Esp8266 {
                mode: "(3,6)".into(),
                download: false
            }
        );
        assert!(flash.explain().contains("Wrong boot mode detected ((3,6))"));
        let uart = BootLog::parse(b"ets Jan  8 2013,rst cause:2, boot mode:(1,7)\r\n").unwrap();
        assert!(matches!(uart, BootLog::Esp8266 { download: true, .. }));
        assert_eq!(BootLog::parse(b"hello"), None);
        assert_eq!(BootLog::parse(b"boot mode:(3,\r\n\x01garbage)"), None);
    }
}
