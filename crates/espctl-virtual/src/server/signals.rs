//! Reset buttons as Unix signals: SIGUSR1 resets into download mode (BOOT held while
//! EN is pressed), SIGUSR2 resets and runs the program in flash (EN alone).

use super::ResetHandle;
use espctl_chips::BootMode;
use nix::sys::signal::{SigSet, Signal};
use std::io;

/// Blocks SIGUSR1 and SIGUSR2 in the calling thread (and the threads it starts later) and
/// starts a thread that turns them into resets; `done` is called after each one. Call it
/// before starting other threads.
pub fn forward_reset_signals(
    handle: ResetHandle,
    done: impl Fn(BootMode) + Send + 'static,
) -> io::Result<()> {
    let mut set = SigSet::empty();
    set.add(Signal::SIGUSR1);
    set.add(Signal::SIGUSR2);
    set.thread_block().map_err(io::Error::from)?;
    std::thread::Builder::new()
        .name("reset-signals".into())
        .spawn(move || {
            while let Ok(signal) = set.wait() {
                let mode = match signal {
                    Signal::SIGUSR1 => BootMode::Download,
                    _ => BootMode::Flash,
                };
                // A client that went away while the boot log was sent is not an error.
                let _ = handle.reset(mode);
                done(mode);
            }
        })?;
    Ok(())
}
