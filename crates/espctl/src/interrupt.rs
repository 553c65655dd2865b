//! Ctrl-C (SIGINT) and SIGTERM during a device command: the first asks the operation to
//! stop at its next safe point, after which the chip is left as the plan says (rate put
//! back, after-action run) and the state of the flash is printed; a second one, while
//! that cleanup runs, ends the process at once. Either way the exit is esptool 5.6.0's
//! for a Ctrl-C during a chip command (its command-line framework's "Aborted." on stderr,
//! exit code 1, after esptool's teardown has run the after-action).

use crate::fatal::Fatal;
use espctl_flasher::Cancel;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

/// esptool's last line for a run cut short by the user.
const CANCELLED: &str = "Aborted.";
/// esptool's exit code for it.
const EXIT_CODE: u8 = 1;

/// The flag the running operation checks; set by the first signal.
static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// Installs the handlers (once) and returns the token the operation checks.
pub fn install() -> Cancel {
    let flag = FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        #[cfg(unix)]
        unix::install();
        flag
    });
    Cancel::from_flag(flag.clone())
}

/// Whether a signal asked the command to stop.
pub fn requested() -> bool {
    FLAG.get().is_some_and(|f| f.load(Ordering::SeqCst))
}

/// Ends an interrupted command: what the flash holds (the library's account of it) or
/// the error the stop caused, then esptool's lines (an empty one, then "Aborted.").
pub fn report(err: Option<&Fatal>) -> ExitCode {
    if let Some(err) = err {
        // The library's account of a stopped operation starts so; anything else is an
        // error met on the way out.
        if err.0.starts_with("Interrupted:") {
            eprintln!("{err}.");
        } else {
            eprintln!("ERROR: A fatal error occurred: {err}");
        }
    }
    eprintln!();
    eprintln!("{CANCELLED}");
    ExitCode::from(EXIT_CODE)
}

#[cfg(unix)]
mod unix {
    use super::{EXIT_CODE, FLAG};
    use nix::libc;
    use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};
    use std::sync::atomic::Ordering;

    /// esptool's line, as the handler writes it after a second signal.
    pub(super) const SECOND: &str = "\nAborted.\n";

    /// Only async-signal-safe work here: atomics, write(2) and _exit(2).
    extern "C" fn on_signal(_: libc::c_int) {
        let Some(flag) = FLAG.get() else { return };
        if flag.swap(true, Ordering::SeqCst) {
            // SAFETY: write(2) and _exit(2) are async-signal-safe; SECOND is static.
            unsafe {
                libc::write(2, SECOND.as_ptr().cast(), SECOND.len());
                libc::_exit(EXIT_CODE as libc::c_int);
            }
        }
    }

    pub fn install() {
        let action = SigAction::new(
            SigHandler::Handler(on_signal),
            SaFlags::SA_RESTART,
            SigSet::empty(),
        );
        for signal in [Signal::SIGINT, Signal::SIGTERM] {
            // SAFETY: the handler only touches atomics and async-signal-safe calls.
            // Should it fail, the default (ending the process) stays.
            let _ = unsafe { sigaction(signal, &action) };
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    #[test]
    fn the_second_signal_prints_esptools_line() {
        assert_eq!(super::unix::SECOND.trim(), super::CANCELLED);
    }
}
