//! Request and response packets (the payload of one SLIP frame).
//!
//! Request:  `u8 0x00, u8 opcode, u16 data length, u32 checksum, data`.
//! Response: `u8 0x01, u8 opcode, u16 data length, u32 value, data, status bytes`.
//! All fields little-endian.

use crate::status::Status;
use thiserror::Error;

/// First byte of a request (host to chip).
pub const REQUEST_DIRECTION: u8 = 0x00;
/// First byte of a response (chip to host).
pub const RESPONSE_DIRECTION: u8 = 0x01;
/// Bytes of the header in front of a packet's data.
pub const HEADER_LEN: usize = 8;

/// Why bytes are not a packet.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PacketError {
    /// Fewer bytes than a header: the count.
    #[error("packet of {0} bytes is shorter than the 8-byte header")]
    TooShort(usize),
    /// The direction byte found, and the one expected.
    #[error("packet direction byte is 0x{0:02x}, expected 0x{1:02x}")]
    WrongDirection(u8, u8),
    /// The header's length field disagrees with the bytes after the header.
    #[error("packet header announces {declared} data bytes but {actual} follow")]
    LengthMismatch {
        /// Data bytes the header announces.
        declared: usize,
        /// Data bytes present.
        actual: usize,
    },
    /// A response too short to hold its status bytes.
    #[error("response body of {len} bytes is too short for {status} status bytes")]
    NoStatus {
        /// Bytes of the response's data.
        len: usize,
        /// Status bytes expected at its end.
        status: usize,
    },
}

/// How many status bytes end a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusLength {
    /// ESP8266 ROM and every flasher stub.
    Two,
    /// ESP32 and every later ROM: `status, error, 0, 0`.
    Four,
}

impl StatusLength {
    /// The number of status bytes.
    #[allow(clippy::len_without_is_empty)] // a count of bytes, never empty
    pub fn len(self) -> usize {
        match self {
            StatusLength::Two => 2,
            StatusLength::Four => 4,
        }
    }
}

/// A host-to-chip packet. `op` is kept raw so a device can answer opcodes it does not know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The opcode byte.
    pub op: u8,
    /// The header's checksum word: the XOR checksum of a data block's data, else 0.
    pub checksum: u32,
    /// The payload.
    pub data: Vec<u8>,
}

impl Request {
    /// The packet's bytes (to be SLIP-framed).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + self.data.len());
        out.push(REQUEST_DIRECTION);
        out.push(self.op);
        out.extend_from_slice(&(self.data.len() as u16).to_le_bytes());
        out.extend_from_slice(&self.checksum.to_le_bytes());
        out.extend_from_slice(&self.data);
        out
    }

    /// Reads a request packet; its length field must match the data that follows.
    pub fn decode(packet: &[u8]) -> Result<Request, PacketError> {
        let (op, declared, word, data) = split_header(packet, REQUEST_DIRECTION)?;
        if declared != data.len() {
            return Err(PacketError::LengthMismatch {
                declared,
                actual: data.len(),
            });
        }
        Ok(Request {
            op,
            checksum: word,
            data: data.to_vec(),
        })
    }
}

/// A chip-to-host packet: the echoed opcode, the value word, the data and the status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The opcode of the request answered.
    pub op: u8,
    /// The value word (READ_REG's register, SYNC's marker, else 0).
    pub value: u32,
    /// The data before the status bytes.
    pub data: Vec<u8>,
    /// Success or the loader's error code.
    pub status: Status,
}

impl Response {
    /// A successful reply carrying `data`.
    pub fn ok(op: u8, value: u32, data: Vec<u8>) -> Response {
        Response {
            op,
            value,
            data,
            status: Status::OK,
        }
    }

    /// A failed reply with no data.
    pub fn failed(op: u8, status: Status) -> Response {
        Response {
            op,
            value: 0,
            data: Vec::new(),
            status,
        }
    }

    /// The packet with `len` status bytes (the reserved ones are zero).
    pub fn encode(&self, len: StatusLength) -> Vec<u8> {
        let body_len = self.data.len() + len.len();
        let mut out = Vec::with_capacity(HEADER_LEN + body_len);
        out.push(RESPONSE_DIRECTION);
        out.push(self.op);
        out.extend_from_slice(&(body_len as u16).to_le_bytes());
        out.extend_from_slice(&self.value.to_le_bytes());
        out.extend_from_slice(&self.data);
        out.push(self.status.status);
        out.push(self.status.error);
        out.resize(HEADER_LEN + body_len, 0);
        out
    }

    /// Splits a received packet whose body ends with `len` status bytes.
    ///
    /// The declared length is not trusted beyond what arrived: the body is what follows
    /// the header.
    pub fn decode(packet: &[u8], len: StatusLength) -> Result<Response, PacketError> {
        let (op, _declared, value, body) = split_header(packet, RESPONSE_DIRECTION)?;
        if body.len() < len.len() {
            return Err(PacketError::NoStatus {
                len: body.len(),
                status: len.len(),
            });
        }
        let data_len = body.len() - len.len();
        Ok(Response {
            op,
            value,
            data: body[..data_len].to_vec(),
            status: Status {
                status: body[data_len],
                error: body[data_len + 1],
            },
        })
    }

    /// Opcode, value and raw body of a response packet, without interpreting the status.
    pub fn peek(packet: &[u8]) -> Result<(u8, u32, &[u8]), PacketError> {
        let (op, _declared, value, body) = split_header(packet, RESPONSE_DIRECTION)?;
        Ok((op, value, body))
    }
}

fn split_header(packet: &[u8], direction: u8) -> Result<(u8, usize, u32, &[u8]), PacketError> {
    if packet.len() < HEADER_LEN {
        return Err(PacketError::TooShort(packet.len()));
    }
    if packet[0] != direction {
        return Err(PacketError::WrongDirection(packet[0], direction));
    }
    let declared = u16::from_le_bytes([packet[2], packet[3]]) as usize;
    let word = u32::from_le_bytes([packet[4], packet[5], packet[6], packet[7]]);
    Ok((packet[1], declared, word, &packet[HEADER_LEN..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::RomError;

    #[test]
    fn encodes_esp8266_rom_sync_reply_as_traced() {
        // Observed frame: 01 08 0200 07071220 0000
        let r = Response::ok(0x08, 0x2012_0707, vec![]);
        assert_eq!(
            r.encode(StatusLength::Two),
            vec![0x01, 0x08, 0x02, 0x00, 0x07, 0x07, 0x12, 0x20, 0x00, 0x00]
        );
    }

    #[test]
    fn encodes_esp32_rom_sync_reply_as_traced() {
        // Observed frame: 01 08 0400 07071220 00000000
        let r = Response::ok(0x08, 0x2012_0707, vec![]);
        assert_eq!(
            r.encode(StatusLength::Four),
            vec![0x01, 0x08, 0x04, 0x00, 0x07, 0x07, 0x12, 0x20, 0, 0, 0, 0]
        );
    }

    #[test]
    fn response_round_trips_with_data_and_error() {
        let r = Response {
            op: 0x13,
            value: 0,
            data: b"0123456789abcdef0123456789abcdef".to_vec(),
            status: Status::rom(RomError::FlashRead),
        };
        for len in [StatusLength::Two, StatusLength::Four] {
            assert_eq!(Response::decode(&r.encode(len), len).unwrap(), r);
        }
    }

    #[test]
    fn request_round_trips_and_checks_length() {
        let q = Request {
            op: 0x0A,
            checksum: 0,
            data: vec![0x00, 0x10, 0x00, 0x40],
        };
        let bytes = q.encode();
        assert_eq!(
            bytes,
            vec![0x00, 0x0A, 0x04, 0x00, 0, 0, 0, 0, 0x00, 0x10, 0x00, 0x40]
        );
        assert_eq!(Request::decode(&bytes).unwrap(), q);
        assert_eq!(
            Request::decode(&bytes[..10]),
            Err(PacketError::LengthMismatch {
                declared: 4,
                actual: 2
            })
        );
        assert_eq!(Request::decode(&bytes[..5]), Err(PacketError::TooShort(5)));
        assert_eq!(
            Request::decode(&[0x01; 8]),
            Err(PacketError::WrongDirection(0x01, 0x00))
        );
    }

    #[test]
    fn short_response_has_no_status() {
        let bytes = [0x01, 0x08, 0x01, 0x00, 0, 0, 0, 0, 0x00];
        assert_eq!(
            Response::decode(&bytes, StatusLength::Two),
            Err(PacketError::NoStatus { len: 1, status: 2 })
        );
    }
}
