//! Getting a chip's attention: reset into the bootloader and SYNC; when that fails, what
//! the chip printed tells why.

use super::connection::{Answer, Connection};
use super::reset::{Before, ResetStrategy};
use crate::error::{Error, ReadFailure, Result};
use crate::event::{Event, EventSink};
use espctl_protocol::{Command, Opcode};
use espctl_transport::LineError;
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
    sync_within(conn, SYNC_TIMEOUT)
}

/// [`sync`] waiting `timeout` for each reply.
pub fn sync_within(conn: &mut Connection, timeout: Duration) -> Result<Synced> {
    conn.send(&Command::Sync, timeout, Answer::Expected)?;
    let first = conn.wait_reply(Opcode::Sync, timeout)?;
    // ROMs answer with a non-zero value, the stub with 0.
    let mut stub_running = first.value == 0;
    // The chip sends 8 replies in a row; they normally all arrive at once, so waiting
    // for them only costs time when a device sends fewer.
    for _ in 1..espctl_protocol::SYNC_REPLY_COUNT {
        match conn.wait_reply(Opcode::Sync, timeout) {
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
    Esp32 {
        /// The boot mode as printed (`0x13`).
        mode: String,
        /// It waits for a download.
        download: bool,
    },
    /// ESP8266: `boot mode:(3,6)`; the first number is 1 in UART download mode.
    Esp8266 {
        /// The boot mode as printed (`(3,6)`).
        mode: String,
        /// It is in UART download mode.
        download: bool,
    },
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

    /// What this boot log means when syncing failed after it.
    pub fn explain(&self) -> ConnectFailure {
        let (mode, download) = match self {
            BootLog::Esp32 { mode, download } | BootLog::Esp8266 { mode, download } => {
                (mode, *download)
            }
        };
        if download {
            ConnectFailure::DownloadModeNoSync
        } else {
            ConnectFailure::WrongBootMode { mode: mode.clone() }
        }
    }
}

/// What noise after a reset most likely is: an ESP8266's boot log (74880 baud) after it
/// booted its flash.
const AFTER_RESET_NOISE: &str = "; after a reset this is usually the boot log of a chip that booted its flash (an ESP8266 prints it at 74880 baud): GPIO0 was not low when EN rose";

/// Why connecting failed, from what the last attempt saw.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectFailure {
    /// The boot log says the chip booted its flash instead of the download mode.
    #[error(
        "Wrong boot mode detected ({mode})! The chip needs to be in download mode: hold GPIO0 (BOOT) low while resetting."
    )]
    WrongBootMode {
        /// The mode as printed: `0x13`, `(3,6)`.
        mode: String,
    },
    /// The chip said it waits for download, but no SYNC reply came.
    #[error(
        "Download mode successfully detected, but getting no sync reply: The serial TX path seems to be down."
    )]
    DownloadModeNoSync,
    /// Bytes came that are not bootloader replies.
    #[error(
        "Invalid head of packet (0x{first:02x}): Possible serial noise or corruption. Received {len} bytes that are not bootloader replies (wrong baud rate, or the chip is running its application){}.",
        if *after_reset { AFTER_RESET_NOISE } else { "" }
    )]
    Noise {
        /// The first byte received.
        first: u8,
        /// How many bytes.
        len: usize,
        /// They came after DTR/RTS reset the chip.
        after_reset: bool,
    },
    /// No reply that could be read.
    #[error("{0}")]
    NoReply(ReadFailure),
    /// Nothing at all came back, not even a boot log, though DTR/RTS reset the chip: the
    /// lines do not reach EN and GPIO0 (a board without the auto-reset circuit), or the
    /// chip's TX does not reach the host.
    #[error(
        "No serial data received. Not even a boot log came after resetting through DTR/RTS: on a board without the auto-reset circuit (ESP-01 style) hold GPIO0 low while powering it up, then connect with --before no-reset; otherwise check that the chip's TX reaches the adapter's RX."
    )]
    SilentAfterReset,
    /// Another failure of the last SYNC.
    #[error("{0}")]
    Other(String),
    /// No attempt was made (zero attempts asked for).
    #[error("no connection attempt was made")]
    NotAttempted,
}

/// Everything one connection attempt needs besides the connection.
pub struct Attempt<'a> {
    /// The reset asked for.
    pub before: Before,
    /// The sequence to reset with this time.
    pub strategy: ResetStrategy,
    /// How long each SYNC waits for its reply.
    pub sync_timeout: Duration,
    /// Where to report.
    pub events: &'a EventSink,
    /// Set once the "lines unsupported" warning has been reported.
    pub lines_warned: &'a mut bool,
}

/// One connection attempt: reset (unless told not to), then up to 5 SYNCs. `Ok(Err)`
/// is a failed attempt and why; `Err` is a port that fails (unplugged, gone), where
/// trying again is pointless.
pub fn attempt(
    conn: &mut Connection,
    a: Attempt<'_>,
) -> Result<std::result::Result<Synced, ConnectFailure>> {
    if a.before == Before::NoResetNoSync {
        return Ok(Ok(Synced {
            stub_running: false,
        }));
    }
    conn.take_noise();
    // Whether the lines reset the chip, which then prints a boot log.
    let mut reset_by_lines = false;
    if a.before != Before::NoReset {
        conn.flush_input()?;
        match a.strategy.run(conn.transport()) {
            Ok(()) => reset_by_lines = true,
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
    let mut last = ConnectFailure::NotAttempted;
    for _ in 0..SYNCS_PER_ATTEMPT {
        let result = conn
            .flush_input()
            .and_then(|()| sync_within(conn, a.sync_timeout));
        match result {
            Ok(s) => return Ok(Ok(s)),
            Err(e @ (Error::Io { .. } | Error::WriteTimeout { .. })) => return Err(e),
            Err(e) => {
                (a.events)(Event::SyncFailed);
                conn.transport().pause(SYNC_RETRY_PAUSE);
                last = match e {
                    Error::NoReply { failure, .. } => ConnectFailure::NoReply(failure),
                    other => ConnectFailure::Other(other.to_string()),
                };
            }
        }
    }
    let noise = conn.take_noise();
    if let Some(log) = BootLog::parse(&noise) {
        return Ok(Err(log.explain()));
    }
    if last == ConnectFailure::NoReply(ReadFailure::NoData) {
        if let Some(&first) = noise.first() {
            return Ok(Err(ConnectFailure::Noise {
                first,
                len: noise.len(),
                after_reset: reset_by_lines,
            }));
        }
        if reset_by_lines {
            return Ok(Err(ConnectFailure::SilentAfterReset));
        }
    }
    Ok(Err(last))
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
                .to_string()
                .starts_with("Wrong boot mode detected (0x13)!")
        );

        let log = b"rst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\nwaiting for download\r\n";
        let parsed = BootLog::parse(log).unwrap();
        assert!(matches!(parsed, BootLog::Esp32 { download: true, .. }));
        assert_eq!(parsed.explain(), ConnectFailure::DownloadModeNoSync);
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
        assert!(
            flash
                .explain()
                .to_string()
                .contains("Wrong boot mode detected ((3,6))")
        );
        let uart = BootLog::parse(b"ets Jan  8 2013,rst cause:2, boot mode:(1,7)\r\n").unwrap();
        assert!(matches!(uart, BootLog::Esp8266 { download: true, .. }));
        assert_eq!(BootLog::parse(b"hello"), None);
        assert_eq!(BootLog::parse(b"boot mode:(3,\r\n\x01garbage)"), None);
    }
}
