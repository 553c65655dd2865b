//! A loader's reply to one command, and the check of its status bytes.

use crate::error::{Error, Result};
use espctl_protocol::status::Status;

/// A reply: the value word and the body (data followed by the status bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The value word (READ_REG's result; SYNC's 0 from the stub).
    pub value: u32,
    /// Data, then the status bytes.
    pub body: Vec<u8>,
}

impl Reply {
    /// Checks the two status bytes that follow `data_len` bytes of data (esptool reads
    /// them there whatever the status length, so 2- and 4-byte statuses both work) and
    /// returns the data.
    pub fn check(self, what: &str, data_len: usize) -> Result<(u32, Vec<u8>)> {
        let body = &self.body;
        let status = if body.len() < data_len + 2 {
            // Too short for data + status: a failed command sends only its status.
            if body.len() >= 2 && body[0] != 0 {
                [body[0], body[1]]
            } else {
                return Err(Error::ShortStatus {
                    what: what.to_string(),
                    len: body.len(),
                });
            }
        } else {
            [body[data_len], body[data_len + 1]]
        };
        if status[0] != 0 {
            let s = Status {
                status: status[0],
                error: status[1],
            };
            return Err(Error::CommandFailed {
                what: what.to_string(),
                status,
                meaning: s.meaning(),
            });
        }
        let mut body = self.body;
        body.truncate(data_len);
        Ok((self.value, body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_follows_the_expected_data_whatever_the_status_length() {
        let ok = Reply {
            value: 7,
            body: vec![0xAA, 0xBB, 0, 0, 0, 0],
        };
        assert_eq!(ok.check("x", 2).unwrap(), (7, vec![0xAA, 0xBB]));
        let failed = Reply {
            value: 0,
            body: vec![1, 5, 0, 0],
        };
        let err = failed.check("get security info", 20).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Failed to get security info (result was 0105: The format of the received message is invalid)"
        );
        let short = Reply {
            value: 0,
            body: vec![0],
        };
        assert!(matches!(
            short.check("x", 0),
            Err(Error::ShortStatus { len: 1, .. })
        ));
    }
}
