//! GET_SECURITY_INFO (esptool `get_security_info`): the 20-byte answer first, then the
//! 12-byte one the ESP32-S2 ROM gives. The ESP8266 and ESP32 have no such command: their
//! ROMs answer "invalid message" and the stub "command not implemented", which is the
//! error returned.

use crate::error::Result;
use crate::event::StubDisabledReason;
use crate::link::DEFAULT_TIMEOUT;
use crate::session::Session;
use espctl_chips::ChipKind;
use espctl_protocol::Command;
use espctl_protocol::reply::SecurityInfo;

impl Session {
    /// Why esptool would not start the stub here: Secure Download Mode (no RAM
    /// uploads), or an ESP32-C3 with Secure Boot (esptool `run_stub`).
    pub fn stub_refused(&mut self) -> Result<Option<StubDisabledReason>> {
        if self.secure_download {
            return Ok(Some(StubDisabledReason::SecureDownload));
        }
        if self.chip.kind == ChipKind::Esp32c3
            && self.security_state()?.is_some_and(|s| s.secure_boot)
        {
            return Ok(Some(StubDisabledReason::SecureBoot));
        }
        Ok(None)
    }

    /// The chip's security flags, flash encryption counter and key purposes (`None`
    /// when the answer has neither length).
    pub fn security_info(&mut self) -> Result<Option<SecurityInfo>> {
        let what = "get security info";
        let cmd = Command::GetSecurityInfo;
        let data = match self.conn.check(what, &cmd, 20, DEFAULT_TIMEOUT) {
            Ok((_, data)) => data,
            Err(_) => self.conn.check(what, &cmd, 12, DEFAULT_TIMEOUT)?.1,
        };
        Ok(SecurityInfo::decode(&data))
    }
}
