//! When the link cannot be saved in place: the port went away (a USB cable pulled and
//! plugged back in, a board that reset itself), or the loader no longer answers (a stub
//! hung on damaged data). The port is opened again within the plan's reconnect timeout,
//! the chip reset into its loader, the stub started and the rate raised as before, and
//! the operation runs again; it resumes from what the chip confirms (a write compares
//! the flash first, a read keeps what it had confirmed).

use super::{Flasher, ROM_BAUD, stub_choice};
use crate::backup::{Backup, Manifest, RestoreOptions, RestoreReport};
use crate::error::{Error, Result};
use crate::event::Event;
use crate::flash::write::WriteReport;
use crate::flash::{FlashFile, WriteOptions};
use crate::loader::LoaderKind;
use crate::session::Session;
use espctl_transport::Transport;
use std::time::{Duration, Instant};

/// Reconnections one operation may take.
const MAX_RECONNECTS: u32 = 12;
/// Pause between attempts to open a port that is not back yet.
const REOPEN_PAUSE: Duration = Duration::from_millis(100);

impl Flasher {
    /// Writes as [`Session::write_flash`] does, and carries on after the port went
    /// away or the loader stopped answering (see the module docs).
    pub fn write_flash(
        &mut self,
        files: Vec<FlashFile>,
        options: &WriteOptions,
    ) -> Result<WriteReport> {
        self.with_recovery(|s| s.write_flash(files.clone(), options))
    }

    /// Reads as [`Session::read_flash`] does, and carries on from the last confirmed
    /// byte after the port went away or the loader stopped answering.
    pub fn read_flash(&mut self, addr: u32, size: u32) -> Result<Vec<u8>> {
        let mut data = Vec::with_capacity(size as usize);
        self.with_recovery(|s| {
            let done = data.len() as u32;
            s.read_flash_into(addr + done, size - done, &mut data)
        })?;
        Ok(data)
    }

    /// Backs up as [`Session::backup`] does, starting again after a reconnection.
    pub fn backup(&mut self, addr: u32, size: Option<u32>) -> Result<Backup> {
        self.with_recovery(|s| s.backup(addr, size))
    }

    /// Restores as [`Session::restore`] does; after a reconnection the flash is compared
    /// again, so only what is still missing is written.
    pub fn restore(
        &mut self,
        data: Vec<u8>,
        manifest: Option<&Manifest>,
        name: Option<String>,
        options: RestoreOptions,
    ) -> Result<RestoreReport> {
        self.with_recovery(|s| s.restore(data.clone(), manifest, name.clone(), options))
    }

    /// Runs `op`, reconnecting and running it again when the link was lost. A
    /// reconnection that fails is tried again, within the same budget.
    fn with_recovery<T>(&mut self, mut op: impl FnMut(&mut Session) -> Result<T>) -> Result<T> {
        let mut reconnects = 0;
        let mut result = op(self.session_mut());
        loop {
            let unplugged = self.session_mut().is_unplugged();
            match &result {
                Err(e)
                    if (lost(e) || unplugged)
                        && !matches!(e, Error::LinkLost { .. } | Error::Interrupted(_))
                        && !self.plan.connect.cancel.is_cancelled()
                        && reconnects < MAX_RECONNECTS
                        && !self.plan.reconnect_timeout.is_zero() =>
                {
                    reconnects += 1;
                    result = match self.reconnect(e) {
                        Ok(()) => op(self.session_mut()),
                        Err(again) => Err(again),
                    };
                }
                _ => return result,
            }
        }
    }

    fn session_mut(&mut self) -> &mut Session {
        self.session
            .as_mut()
            .expect("a session, except while reconnecting")
    }

    /// Opens the port again (when it went away) or resets the chip through it (when the
    /// loader stopped answering), and prepares the chip as before. On failure the old
    /// session stays, without a port: its calls fail.
    fn reconnect(&mut self, cause: &Error) -> Result<()> {
        let timeout = self.plan.reconnect_timeout;
        let old = self.session_mut();
        let name = old.port_name().to_string();
        let had_stub = old.loader().kind() == LoaderKind::Stub;
        let baud = old.baud();
        let can_reset = old.can_reset();
        (self.events)(Event::Reconnecting {
            port: name.clone(),
            timeout,
            can_reset,
        });
        // A port whose lines cannot reset the chip is opened again as well: behind some
        // (a TCP bridge to a board that resets on connection) that is the only reset.
        let reopen = matches!(cause, Error::Io { .. } | Error::WriteTimeout { .. })
            || self.session_mut().is_unplugged()
            || !can_reset;
        let mut transport = if reopen {
            drop(self.session_mut().take_transport());
            self.reopen(&name, timeout)?
        } else {
            self.session_mut().take_transport()
        };
        transport.set_baud(ROM_BAUD).map_err(|source| Error::Io {
            port: name.clone(),
            source,
        })?;
        let mut session = Session::connect(transport, &self.plan.connect, self.events.clone())?;
        let old = self.session_mut();
        session.stats = old.stats;
        session.stats.reconnects += 1;
        session.block_limit = old.block_limit;
        if had_stub {
            stub_choice::start(&mut session, &self.plan.stub, &self.events)?;
        }
        super::prepare_flash(&mut session, &self.plan)?;
        if baud > ROM_BAUD && baud != session.baud() {
            // Failing here leaves the slower rate, which works.
            let _ = session.change_baud(baud);
        }
        self.session = Some(session);
        Ok(())
    }

    /// Opens `name` as soon as it is back, for up to `timeout`.
    fn reopen(&self, name: &str, timeout: Duration) -> Result<Box<dyn Transport>> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.port.open(name, ROM_BAUD) {
                Ok(t) => return Ok(t),
                Err(_) if Instant::now() < deadline => std::thread::sleep(REOPEN_PAUSE),
                Err(_) => {
                    return Err(Error::LinkLost {
                        port: name.to_string(),
                        waited: timeout,
                    });
                }
            }
        }
    }
}

/// Whether `e` means the link is gone (the port failed, or the loader never answered
/// SYNC cleanly again).
fn lost(e: &Error) -> bool {
    matches!(
        e,
        Error::Io { .. } | Error::WriteTimeout { .. } | Error::NoResync
    )
}
