//! The wire format spoken between a host and an ESP ROM bootloader or flasher stub.
//!
//! This crate is the single definition of the protocol shared by the client
//! (`espctl-flasher`) and the virtual device (`espctl-virtual`). It does no I/O.
//!
//! * [`slip`] frames packets on the byte stream.
//! * [`Request`] / [`Response`] are the packets inside the frames.
//! * [`Command`] is the typed form of every request payload, encoded by the client and
//!   decoded by the device.
//! * [`reply`] holds the payloads that are not requests (security info, READ_FLASH
//!   acknowledgements).
//! * [`status`] holds the error codes reported by the ROM and the stub.

#![warn(missing_docs)]

pub mod checksum;
pub mod command;
pub mod opcode;
pub mod packet;
mod payload;
pub mod reply;
pub mod slip;
pub mod status;

pub use checksum::checksum;
pub use command::{Command, CommandError};
pub use opcode::Opcode;
pub use packet::{PacketError, Request, Response, StatusLength};
pub use status::{RomError, StubError};

/// The 36 bytes a host sends with SYNC: `07 07 12 20` then 32 times `0x55`.
pub const SYNC_PAYLOAD: [u8; 36] = {
    let mut p = [0x55u8; 36];
    p[0] = 0x07;
    p[1] = 0x07;
    p[2] = 0x12;
    p[3] = 0x20;
    p
};

/// The value a ROM puts into its SYNC replies (the first four SYNC payload bytes);
/// stubs answer with 0, which is how a host tells that a stub is already running.
pub const ROM_SYNC_VALUE: u32 = 0x2012_0707;

/// Number of replies a ROM (and the stub, which copies it) sends for one SYNC.
pub const SYNC_REPLY_COUNT: usize = 8;

/// The frame the flasher stub sends once it has started.
pub const STUB_HELLO: &[u8; 4] = b"OHAI";

/// Size of the sub-header in front of the payload of MEM_DATA, FLASH_DATA and FLASH_DEFL_DATA:
/// `u32 len, u32 seq, u32 0, u32 0`.
pub const DATA_HEADER_LEN: usize = 16;

/// Size of one READ_FLASH_SLOW reply from the ROM: always 64 bytes of data.
pub const READ_FLASH_SLOW_CHUNK: usize = 64;
