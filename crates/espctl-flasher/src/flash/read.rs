//! `read-flash`: streamed through the stub (with acknowledgements and a final MD5), or
//! 64 bytes at a time from the ROM (checked against the ROM's MD5 of the same range).
//!
//! A read is taken in pieces, each confirmed by an MD5 the chip computed. The first piece
//! is the whole range, so a good line pays nothing; when a piece fails (a damaged or lost
//! frame, a wrong digest) the link is resynchronised and reading goes on from the end of
//! the last confirmed piece, in smaller pieces and packets, growing again once the line
//! behaves.

use super::{hex, md5_of};
use crate::error::{Error, Result};
use crate::event::{Event, Operation};
use crate::loader::ReadMethod;
use crate::session::Session;
use espctl_protocol::reply::read_flash_ack;
use espctl_protocol::{Command, READ_FLASH_SLOW_CHUNK};
use std::time::Instant;

/// Data frame size the stub is asked for (its maximum).
const READ_PACKET: u32 = 0x1000;
/// The smallest data frame asked for on a poor line.
const MIN_PACKET: u32 = 256;
/// Frames in flight esptool asks for; the stub treats it as 1.
const READ_IN_FLIGHT: u32 = 64;
/// The smallest piece a poor line shrinks reads to.
const MIN_PIECE: u32 = 0x1000;
/// Failed pieces in a row before the read gives up.
const MAX_FAILURES: u32 = 16;
/// Good pieces in a row before pieces grow again.
const GROW_AFTER: u32 = 4;

/// Where a read stands, for its progress events.
struct ReadProgress {
    addr: u32,
    total: u64,
}

impl Session {
    /// Reads `size` bytes of flash at `addr`, every byte confirmed by the chip's MD5.
    pub fn read_flash(&mut self, addr: u32, size: u32) -> Result<Vec<u8>> {
        let mut data = Vec::with_capacity(size as usize);
        self.read_flash_into(addr, size, &mut data)?;
        Ok(data)
    }

    /// Reads `size` bytes at `addr` onto the end of `out`. When it fails, `out` keeps
    /// every byte the chip's MD5 confirmed: a call for the rest continues from there
    /// (after a reconnect, say).
    pub fn read_flash_into(&mut self, addr: u32, size: u32, out: &mut Vec<u8>) -> Result<()> {
        if addr as u64 + size as u64 >= 1 << 32 {
            return Err(Error::PastFlashSpace {
                what: "A read".into(),
                len: size as u64,
                addr,
            });
        }
        if self.loader.read_method() == ReadMethod::Unsupported {
            return Err(self.needs_stub("reading flash"));
        }
        self.ensure_flash_attached()?;
        let start = Instant::now();
        let progress = ReadProgress {
            addr,
            total: size as u64,
        };
        self.emit(Event::ProgressStart {
            op: Operation::Read,
            addr,
            total: size as u64,
        });
        let first = out.len();
        let mut piece = size.max(1);
        let mut packet = READ_PACKET;
        let (mut failures, mut good) = (0, 0);
        while ((out.len() - first) as u32) < size {
            let done = (out.len() - first) as u32;
            let at = addr + done;
            let len = piece.min(size - done);
            match self.read_piece(at, len, packet, done, &progress) {
                Ok(data) => {
                    out.extend_from_slice(&data);
                    failures = 0;
                    good += 1;
                    if good >= GROW_AFTER {
                        good = 0;
                        piece = piece.saturating_mul(2);
                        packet = (packet * 2).min(READ_PACKET);
                    }
                }
                Err(e @ Error::Interrupted(_)) => {
                    self.emit(Event::ProgressEnd {
                        op: Operation::Read,
                    });
                    if self.loader.read_method() == ReadMethod::Streamed {
                        // The stub is mid-stream: end it, so that the loader takes
                        // commands again (the baud rate back, say).
                        let _ = self.resync();
                    }
                    return Err(e);
                }
                Err(e) if e.is_line_damage() && failures < MAX_FAILURES => {
                    failures += 1;
                    good = 0;
                    self.stats.reads_resumed += 1;
                    self.emit(Event::ReadResuming { addr: at });
                    self.resync()?;
                    piece = (len / 2).max(MIN_PIECE);
                    packet = (piece / 4).clamp(MIN_PACKET, READ_PACKET);
                }
                Err(e) => return Err(e),
            }
        }
        self.emit(Event::ProgressEnd {
            op: Operation::Read,
        });
        self.emit(Event::Read {
            addr,
            bytes: size as usize,
            seconds: start.elapsed().as_secs_f64(),
        });
        Ok(())
    }

    /// `len` bytes at `addr`, confirmed by the chip's MD5 of them.
    fn read_piece(
        &mut self,
        addr: u32,
        len: u32,
        packet: u32,
        done: u32,
        progress: &ReadProgress,
    ) -> Result<Vec<u8>> {
        match self.loader.read_method() {
            ReadMethod::Streamed => self.read_streamed(addr, len, packet, done, progress),
            _ => {
                let data = self.read_slow(addr, len, done, progress)?;
                // Nothing on the wire protects the 64-byte replies: compare with the MD5
                // the loader computes over the same range.
                let flash = self.flash_md5(addr, len)?;
                let read = md5_of(&data);
                if flash != read {
                    return Err(Error::DigestMismatch {
                        expected: hex(&flash).to_uppercase(),
                        actual: hex(&read).to_uppercase(),
                    });
                }
                Ok(data)
            }
        }
    }

    fn read_streamed(
        &mut self,
        addr: u32,
        size: u32,
        packet: u32,
        done: u32,
        progress: &ReadProgress,
    ) -> Result<Vec<u8>> {
        self.conn.check(
            "read flash",
            &Command::ReadFlash {
                offset: addr,
                len: size,
                packet_size: packet,
                max_in_flight: READ_IN_FLIGHT,
            },
            0,
            self.limits.timeout,
        )?;
        let size = size as usize;
        let mut data = Vec::with_capacity(size);
        while data.len() < size {
            let frame = self.conn.read_frame(self.limits.timeout)?;
            self.check_cancel()?;
            data.extend_from_slice(&frame);
            if data.len() < size && frame.len() < packet as usize {
                return Err(Error::CorruptData {
                    expected: packet as usize,
                    got: frame.len(),
                });
            }
            // Acknowledge: the total received so far, as a bare frame.
            self.conn.write_frame(&read_flash_ack(data.len() as u32))?;
            self.emit_read_progress(progress, done as u64 + data.len() as u64);
        }
        if data.len() > size {
            return Err(Error::ReadTooMuch);
        }
        let digest = self.conn.read_frame(self.limits.timeout)?;
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

    fn read_slow(
        &mut self,
        addr: u32,
        size: u32,
        done: u32,
        progress: &ReadProgress,
    ) -> Result<Vec<u8>> {
        let chunk = READ_FLASH_SLOW_CHUNK;
        let size = size as usize;
        let mut data = Vec::with_capacity(size);
        while data.len() < size {
            self.check_cancel()?;
            let want = chunk.min(size - data.len());
            // The ROM always answers with 64 bytes, whatever was asked.
            let (_, block) = self.check_retried(
                "read flash block",
                &Command::ReadFlashSlow {
                    offset: addr + data.len() as u32,
                    len: want as u32,
                },
                chunk,
                self.limits.timeout,
            )?;
            if block.len() < want {
                return Err(Error::ShortBlock {
                    expected: want,
                    got: block.len(),
                });
            }
            data.extend_from_slice(&block[..want]);
            if data.len() % 1024 == 0 || data.len() == size {
                self.emit_read_progress(progress, done as u64 + data.len() as u64);
            }
        }
        Ok(data)
    }

    fn emit_read_progress(&self, progress: &ReadProgress, done: u64) {
        self.emit(Event::Progress {
            op: Operation::Read,
            addr: progress.addr + done as u32,
            done,
            total: progress.total,
        });
    }
}
