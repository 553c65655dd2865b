//! `read-flash`: streamed through the stub (with acknowledgements and a final MD5), or
//! 64 bytes at a time from the ROM.

use super::{hex, md5_of};
use crate::error::{Error, Result};
use crate::event::{Event, Operation};
use crate::link::DEFAULT_TIMEOUT;
use crate::loader::ReadMethod;
use crate::session::Session;
use espctl_protocol::reply::read_flash_ack;
use espctl_protocol::{Command, READ_FLASH_SLOW_CHUNK};
use std::time::Instant;

/// Data frame size the stub is asked for (its maximum).
const READ_PACKET: u32 = 0x1000;
/// Frames in flight esptool asks for; the stub treats it as 1.
const READ_IN_FLIGHT: u32 = 64;

impl Session {
    /// Reads `size` bytes of flash at `addr`. The stub's MD5 of the data is checked.
    pub fn read_flash(&mut self, addr: u32, size: u32) -> Result<Vec<u8>> {
        if addr as u64 + size as u64 >= 1 << 32 {
            return Err(Error::PastFlashSpace {
                what: "A read".into(),
                len: size as u64,
                addr,
            });
        }
        self.ensure_flash_attached()?;
        let start = Instant::now();
        self.emit(Event::ProgressStart {
            op: Operation::Read,
            addr,
            total: size as u64,
        });
        let data = match self.loader.read_method() {
            ReadMethod::Streamed => self.read_streamed(addr, size)?,
            ReadMethod::SlowChecked => {
                let data = self.read_slow(addr, size)?;
                // Nothing on the wire protects the 64-byte replies: compare with the MD5
                // the loader computes over the same range.
                let flash = self.flash_md5(addr, size)?;
                let read = md5_of(&data);
                if flash != read {
                    return Err(Error::DigestMismatch {
                        expected: hex(&flash).to_uppercase(),
                        actual: hex(&read).to_uppercase(),
                    });
                }
                data
            }
            ReadMethod::Unsupported => return Err(self.needs_stub("reading flash")),
        };
        self.emit(Event::ProgressEnd {
            op: Operation::Read,
        });
        self.emit(Event::Read {
            addr,
            bytes: data.len(),
            seconds: start.elapsed().as_secs_f64(),
        });
        Ok(data)
    }

    fn read_streamed(&mut self, addr: u32, size: u32) -> Result<Vec<u8>> {
        self.conn.check(
            "read flash",
            &Command::ReadFlash {
                offset: addr,
                len: size,
                packet_size: READ_PACKET,
                max_in_flight: READ_IN_FLIGHT,
            },
            0,
            DEFAULT_TIMEOUT,
        )?;
        let size = size as usize;
        let mut data = Vec::with_capacity(size);
        while data.len() < size {
            let frame = self.conn.read_frame(DEFAULT_TIMEOUT)?;
            data.extend_from_slice(&frame);
            if data.len() < size && frame.len() < READ_PACKET as usize {
                return Err(Error::CorruptData {
                    expected: READ_PACKET as usize,
                    got: frame.len(),
                });
            }
            // Acknowledge: the total received so far, as a bare frame.
            self.conn.write_frame(&read_flash_ack(data.len() as u32))?;
            self.emit(Event::Progress {
                op: Operation::Read,
                addr: addr + data.len() as u32,
                done: data.len() as u64,
                total: size as u64,
            });
        }
        if data.len() > size {
            return Err(Error::ReadTooMuch);
        }
        let digest = self.conn.read_frame(DEFAULT_TIMEOUT)?;
        if digest.len() != 16 {
            return Err(Error::ExpectedDigest(hex(&digest)));
        }
        let actual = md5_of(&data);
        if digest != actual {
            return Err(Error::DigestMismatch {
                expected: hex(&digest).to_uppercase(),
                actual: hex(&actual).to_uppercase(),
            });
        }
        Ok(data)
    }

    fn read_slow(&mut self, addr: u32, size: u32) -> Result<Vec<u8>> {
        let chunk = READ_FLASH_SLOW_CHUNK;
        let size = size as usize;
        let mut data = Vec::with_capacity(size);
        while data.len() < size {
            let want = chunk.min(size - data.len());
            // The ROM always answers with 64 bytes, whatever was asked.
            let (_, block) = self.conn.check(
                "read flash block",
                &Command::ReadFlashSlow {
                    offset: addr + data.len() as u32,
                    len: want as u32,
                },
                chunk,
                DEFAULT_TIMEOUT,
            )?;
            if block.len() < want {
                return Err(Error::ShortBlock {
                    expected: want,
                    got: block.len(),
                });
            }
            data.extend_from_slice(&block[..want]);
            if data.len() % 1024 == 0 || data.len() == size {
                self.emit(Event::Progress {
                    op: Operation::Read,
                    addr: addr + data.len() as u32,
                    done: data.len() as u64,
                    total: size as u64,
                });
            }
        }
        Ok(data)
    }
}
