//! The link to a chip's loader: frames over a transport with replies matched to their
//! requests, resets through the modem lines, SYNC, and which chip answers.

mod connection;
mod custom_reset;
mod detect;
mod read_failure;
mod reply;
mod reset;
mod served_reset;
mod sync;

pub use connection::{Answer, Connection, DEFAULT_TIMEOUT, MAX_TIMEOUT};
pub use custom_reset::{CustomReset, CustomResetError, ResetStep};
pub use detect::{detect, verify};
pub use read_failure::ReadFailure;
pub use reply::Reply;
pub use reset::{
    After, Before, DEFAULT_RESET_DELAY, EXTRA_RESET_DELAY, ResetStrategy, ResetTiming,
    bootloader_sequence, bootloader_sequence_with, hard_reset,
};
pub use served_reset::ServedResets;
pub use sync::{
    Attempt, BootLog, ConnectFailure, DEFAULT_CONNECT_ATTEMPTS, SYNC_TIMEOUT, Synced, attempt, sync,
};
