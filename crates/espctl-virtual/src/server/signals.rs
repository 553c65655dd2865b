//! Buttons and power as Unix signals: SIGUSR1 resets into download mode (BOOT held while
//! EN is pressed), SIGUSR2 resets and runs the program in flash (EN alone), SIGTERM,
//! SIGINT and SIGHUP stop the server (after it has had its say, e.g. its statistics).

use super::ResetHandle;
use espctl_chips::BootMode;
use nix::sys::signal::{SigSet, Signal};
use std::io;

/// What a signal asks of the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerSignal {
    /// The device was reset in this mode.
    Reset(BootMode),
    /// Stop serving.
    Stop,
}

/// The server's signals, blocked in every thread so that one thread can wait for them.
pub struct ServerSignals(SigSet);

/// Blocks the server's signals in the calling thread and in every thread it starts
/// later. Call it before creating a server (which starts threads of its own).
pub fn block_server_signals() -> io::Result<ServerSignals> {
    let mut set = SigSet::empty();
    for s in [
        Signal::SIGUSR1,
        Signal::SIGUSR2,
        Signal::SIGTERM,
        Signal::SIGINT,
        Signal::SIGHUP,
    ] {
        set.add(s);
    }
    set.thread_block().map_err(io::Error::from)?;
    Ok(ServerSignals(set))
}

impl ServerSignals {
    /// Starts a thread that turns the signals into resets of `handle`'s device and calls
    /// `done` after each one (and on a stop request, which `done` is expected to act on).
    pub fn forward(
        self,
        handle: ResetHandle,
        done: impl Fn(ServerSignal) + Send + 'static,
    ) -> io::Result<()> {
        let set = self.0;
        std::thread::Builder::new()
            .name("server-signals".into())
            .spawn(move || {
                while let Ok(signal) = set.wait() {
                    let event = match signal {
                        Signal::SIGUSR1 => ServerSignal::Reset(BootMode::Download),
                        Signal::SIGUSR2 => ServerSignal::Reset(BootMode::Flash),
                        _ => ServerSignal::Stop,
                    };
                    if let ServerSignal::Reset(mode) = event {
                        handle.reset(mode);
                    }
                    done(event);
                }
            })?;
        Ok(())
    }
}
