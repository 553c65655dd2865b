//! READ_FLASH after its reply (esp-flasher-stub `s_read_flash_post_process`): packets of
//! `packet_size` bytes, one unacknowledged at a time (the stub forces `max_in_flight` to
//! 1), each host frame of 4 bytes acknowledging the running total; the MD5 of everything
//! sent follows once the acknowledged total reaches the length.
//!
//! Any other frame ends the stream early (the digest of what was sent follows). A packet
//! size of 0 is accepted: the stub then sends empty frames, one per acknowledgement,
//! without ever getting anywhere.

use super::Fault;
use crate::soc::Soc;
use espctl_protocol::reply::read_flash_acked;
use espctl_protocol::status::StubError;
use md5::{Digest, Md5};

/// The stub's read buffer: 4096 bytes plus room for alignment (`data[4102]`).
pub const MAX_PACKET: u32 = 4096;

#[derive(Debug)]
pub struct ReadStream {
    offset: u32,
    remaining: u32,
    total: u32,
    packet_size: u32,
    sent_packets: u32,
    acked_packets: u32,
    acked_bytes: u32,
    md5: Md5,
}

/// Where a stream stands after a step.
#[derive(Debug, PartialEq, Eq)]
pub enum Progress {
    Streaming,
    Done,
}

impl ReadStream {
    /// Starts the stream: checks the packet size, then sends the first packet.
    pub fn start(
        soc: &mut Soc,
        flash_size: u32,
        offset: u32,
        len: u32,
        packet_size: u32,
    ) -> Result<(ReadStream, Progress), Fault> {
        if packet_size > MAX_PACKET {
            return Err(Fault::Error(StubError::BadDataLength));
        }
        let mut s = ReadStream {
            offset,
            remaining: len,
            total: len,
            packet_size,
            sent_packets: 0,
            acked_packets: 0,
            acked_bytes: 0,
            md5: Md5::new(),
        };
        let progress = s.pump(soc, flash_size)?;
        Ok((s, progress))
    }

    /// A frame from the host while streaming. `Done` once the digest is out.
    pub fn on_frame(
        &mut self,
        soc: &mut Soc,
        flash_size: u32,
        frame: &[u8],
    ) -> Result<Progress, Fault> {
        let Some(acked) = read_flash_acked(frame) else {
            // Anything but a 4-byte acknowledgement ends the stream early.
            self.finish(soc);
            return Ok(Progress::Done);
        };
        self.acked_bytes = acked;
        self.acked_packets += 1;
        self.pump(soc, flash_size)
    }

    /// Sends the next packet when none is unacknowledged, and the digest once the host
    /// has acknowledged everything.
    fn pump(&mut self, soc: &mut Soc, flash_size: u32) -> Result<Progress, Fault> {
        if self.remaining > 0 && self.sent_packets.wrapping_sub(self.acked_packets) < 1 {
            let n = self.remaining.min(self.packet_size);
            // The ROM read routine checks the range against the flash size it knows;
            // beyond the chip (but inside that size) the address wraps.
            if u64::from(self.offset) + u64::from(n) > u64::from(flash_size) {
                return Err(Fault::Error(StubError::SpiOperationFailed));
            }
            let data = soc.flash.array.read(self.offset, n);
            self.md5.update(&data);
            soc.uart.send_frame(&data);
            self.offset += n;
            self.remaining -= n;
            self.sent_packets += 1;
        }
        if self.remaining == 0 && self.acked_bytes >= self.total {
            self.finish(soc);
            return Ok(Progress::Done);
        }
        Ok(Progress::Streaming)
    }

    fn finish(&mut self, soc: &mut Soc) {
        let digest: [u8; 16] = std::mem::take(&mut self.md5).finalize().into();
        soc.uart.send_frame(&digest);
    }
}
