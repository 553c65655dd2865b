//! What ESPurna's telnet terminal says around `ota <url>`, written and read here once
//! (the virtual device prints with [`OtaLine::render`], the client reads with
//! [`OtaLine::parse`]). Facts from ESPurna's `telnet.cpp`, `terminal.cpp`, `ota.cpp` and
//! `ota_asynctcp.cpp`:
//! - telnet login: `Password: ` on connect (no line end), `Password correct, welcome!`
//!   or `Password (try again): `; the password is compared as a prefix of what arrives;
//! - a command ends with `+OK` or `-ERROR: <text>`;
//! - the downloader's debug lines start `[OTA] ` (after a `[NNNNNN] ` millisecond stamp
//!   when timestamps are on); progress lines end with `\r` instead of `\n`;
//! - the updater's error comes as `[OTA] ERROR[n]: text`, ESPurna's own check as
//!   `[OTA] ERROR: No magic byte / invalid flash config`, a TCP error as
//!   `[OTA] ERROR: Connection reset` (ESPAsyncTCP's `errorToString`).

use crate::wire::UpdaterError;

/// The telnet login prompt.
pub const PASSWORD_PROMPT: &str = "Password: ";
/// The prompt after a wrong password.
pub const PASSWORD_RETRY: &str = "Password (try again): ";
/// The greeting after the right password.
pub const PASSWORD_WELCOME: &str = "Password correct, welcome!";
/// ESPurna's refusal of an image whose first bytes are no firmware.
pub const NO_MAGIC_BYTE: &str = "No magic byte / invalid flash config";

/// One line of the terminal that matters to an upgrade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OtaLine {
    /// `+OK`: the command was taken.
    CommandOk,
    /// `-ERROR: text`: the command was refused.
    CommandError(String),
    /// `[OTA] Connecting to HOST:PORT`.
    Connecting(String),
    /// `[OTA] Unsupported protocol` (ESPurna's downloader speaks http only).
    UnsupportedProtocol,
    /// `[OTA] Connection failed`.
    ConnectionFailed,
    /// `[OTA] ERROR: existing client for HOST`: a download is already running.
    Busy(String),
    /// `[OTA] Downloading PATH`: connected, the request is out.
    Downloading(String),
    /// `[OTA] Progress: N bytes`.
    Progress(u64),
    /// `[OTA] Success: N bytes`: the image is stored; the device reboots.
    Success(u64),
    /// `[OTA] ERROR...`: the download or the updater failed (code 0: not an updater
    /// error).
    Failed(UpdaterError),
    /// `[OTA] Disconnected`: the download is over (after a success or not).
    Disconnected,
}

const TAG: &str = "[OTA] ";

impl OtaLine {
    /// Reads a line (without its line end); `None` for lines of no interest.
    pub fn parse(line: &str) -> Option<OtaLine> {
        let line = line.trim();
        if line == "+OK" {
            return Some(OtaLine::CommandOk);
        }
        if let Some(text) = line.strip_prefix("-ERROR: ") {
            return Some(OtaLine::CommandError(text.trim().to_string()));
        }
        let message = line.find(TAG).map(|i| line[i + TAG.len()..].trim())?;
        let number = |text: &str| {
            text.trim()
                .trim_end_matches("bytes")
                .trim()
                .parse::<u64>()
                .ok()
        };
        Some(
            if let Some(target) = message.strip_prefix("Connecting to ") {
                OtaLine::Connecting(target.to_string())
            } else if message == "Unsupported protocol" {
                OtaLine::UnsupportedProtocol
            } else if message == "Connection failed" {
                OtaLine::ConnectionFailed
            } else if let Some(host) = message.strip_prefix("ERROR: existing client for ") {
                OtaLine::Busy(host.to_string())
            } else if let Some(path) = message.strip_prefix("Downloading ") {
                OtaLine::Downloading(path.to_string())
            } else if let Some(n) = message.strip_prefix("Progress:").and_then(number) {
                OtaLine::Progress(n)
            } else if let Some(n) = message.strip_prefix("Success:").and_then(number) {
                OtaLine::Success(n)
            } else if message.starts_with("ERROR[") {
                OtaLine::Failed(UpdaterError::parse(message)?)
            } else if let Some(text) = message.strip_prefix("ERROR: ") {
                OtaLine::Failed(UpdaterError {
                    code: 0,
                    text: text.trim().to_string(),
                })
            } else if message == "Disconnected" {
                OtaLine::Disconnected
            } else {
                return None;
            },
        )
    }

    /// The text ESPurna prints, with its own line end (`\r` for progress), without the
    /// timestamp.
    pub fn render(&self) -> String {
        match self {
            OtaLine::CommandOk => "+OK\n".into(),
            OtaLine::CommandError(text) => format!("-ERROR: {text}\n"),
            OtaLine::Connecting(target) => format!("{TAG}Connecting to {target}\n"),
            OtaLine::UnsupportedProtocol => format!("{TAG}Unsupported protocol\n"),
            OtaLine::ConnectionFailed => format!("{TAG}Connection failed\n"),
            OtaLine::Busy(host) => format!("{TAG}ERROR: existing client for {host}\n"),
            OtaLine::Downloading(path) => format!("{TAG}Downloading {path}\n"),
            OtaLine::Progress(n) => format!("{TAG}Progress: {n:7} bytes\r"),
            OtaLine::Success(n) => format!("{TAG}Success: {n:7} bytes\n"),
            OtaLine::Failed(e) if e.code == 0 => format!("{TAG}ERROR: {}\n", e.text),
            OtaLine::Failed(e) => format!("{TAG}{}", e.encode()),
            OtaLine::Disconnected => format!("{TAG}Disconnected\n"),
        }
    }

    /// Whether the line is a debug message (printed with a timestamp) rather than a
    /// command's answer.
    pub fn is_debug(&self) -> bool {
        !matches!(self, OtaLine::CommandOk | OtaLine::CommandError(_))
    }
}

/// ESPurna's debug timestamp: `[NNNNNN] `, milliseconds since boot modulo 10^6.
pub fn timestamp(millis: u128) -> String {
    format!("[{:06}] ", millis % 1_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_reads_back() {
        let lines = [
            OtaLine::CommandOk,
            OtaLine::CommandError("OTA <URL>".into()),
            OtaLine::Connecting("10.0.0.2:41234".into()),
            OtaLine::UnsupportedProtocol,
            OtaLine::ConnectionFailed,
            OtaLine::Busy("10.0.0.2".into()),
            OtaLine::Downloading("/fw.bin".into()),
            OtaLine::Progress(16384),
            OtaLine::Success(512000),
            OtaLine::Failed(UpdaterError::esp8266(UpdaterError::SPACE, 0, 0)),
            OtaLine::Failed(UpdaterError {
                code: 0,
                text: NO_MAGIC_BYTE.into(),
            }),
            OtaLine::Disconnected,
        ];
        for line in lines {
            let text = line.render();
            let stamped = if line.is_debug() {
                format!("{}{text}", timestamp(1_234_567))
            } else {
                text.clone()
            };
            assert_eq!(
                OtaLine::parse(stamped.trim_end_matches(['\r', '\n'])),
                Some(line),
                "{stamped:?}"
            );
        }
        assert_eq!(timestamp(1_234_567), "[234567] ");
        assert_eq!(
            OtaLine::Progress(8193).render(),
            "[OTA] Progress:    8193 bytes\r"
        );
    }

    #[test]
    fn other_lines_are_ignored() {
        assert_eq!(
            OtaLine::parse("[012345] [TELNET] Client #0 connected"),
            None
        );
        assert_eq!(OtaLine::parse("Password: "), None);
        assert_eq!(OtaLine::parse(""), None);
    }
}
