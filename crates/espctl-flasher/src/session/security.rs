//! GET_SECURITY_INFO (esptool `get_security_info`): the 20-byte answer first, then the
//! 12-byte one the ESP32-S2 ROM gives. The ESP8266 and ESP32 have no such command: their
//! ROMs answer "invalid message" and the stub "command not implemented", which is the
//! error returned.

use crate::error::Result;
use crate::link::DEFAULT_TIMEOUT;
use crate::session::Session;
use espctl_protocol::Command;
use espctl_protocol::reply::SecurityInfo;

impl Session {
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
