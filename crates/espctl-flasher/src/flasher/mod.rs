//! A ready-to-use connection for any front end: [`Flasher::open`] finds the port,
//! connects, identifies the chip, starts the stub and raises the baud rate as the
//! [`ConnectPlan`] asks (with esptool's policy and espctl's fast default rate), and
//! [`Flasher::finish`] (or dropping it) leaves the chip as the plan says.

mod baud_policy;
mod fast_rate;
mod plan;
mod port_spec;
mod recover;
mod stub_choice;

pub use plan::{ConnectPlan, FAST_BAUD, Need, ROM_BAUD, StubSource};
pub use port_spec::{OPEN_RETRY_WAIT, PortChoice, PortSpec};

use crate::error::{Error, Result};
use crate::event::{Event, EventSink};
use crate::link::{After, Before};
use crate::loader::{Ability, LoaderKind};
use crate::session::{ConnectOptions, Session};
use espctl_transport::TransportKind;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

/// A connected chip, prepared for the work its plan named, that is left as the plan
/// says when finished or dropped. Every [`Session`] operation is available on it.
pub struct Flasher {
    /// `None` only while a reconnection replaces it.
    session: Option<Session>,
    /// Where the chip is, to open the port again after it went away.
    port: PortSpec,
    /// How it was connected, to do it again.
    plan: ConnectPlan,
    events: EventSink,
    after: After,
    /// The rate the chip's loader talked at before the fast rate was chosen on the
    /// caller's behalf; put back before leaving the loader running.
    restore_baud: Option<u32>,
    finished: bool,
}

impl Flasher {
    /// Connects to the chip on `port` and prepares it for `plan`; every step is
    /// reported through `events`.
    pub fn open(port: &PortSpec, plan: &ConnectPlan, events: EventSink) -> Result<Flasher> {
        let options = &plan.connect;
        let initial_baud = if options.before == Before::NoResetNoSync {
            plan.baud
        } else {
            plan.baud.min(ROM_BAUD)
        };
        let mut session = connect_first(port, initial_baud, options, &events)?;

        let info = session.chip_info()?;
        events(Event::Connected {
            chip: session.chip(),
            port: session.port_name().to_string(),
            info: info.clone(),
        });
        if !info.secure_download {
            info.mac?;
        }

        let mut use_stub = session.loader().kind() == LoaderKind::Stub
            || (!matches!(plan.stub, StubSource::Disabled)
                && (plan.need != Need::Registers || plan.after == After::NoResetStub));
        if use_stub
            && session.loader().kind() == LoaderKind::Rom
            && let Some(reason) = session.stub_refused()?
        {
            events(Event::StubDisabled {
                chip: session.chip(),
                reason,
            });
            use_stub = false;
        }
        let automatic = plan.fast_baud.is_some()
            && plan.need == Need::FlashData
            && options.before != Before::NoResetNoSync
            && session.port_kind() != TransportKind::Socket;
        let fixed = (!automatic && plan.baud > initial_baud && plan.need != Need::Registers)
            .then_some(plan.baud);
        let raising = Raising {
            automatic: automatic.then_some(plan.fast_baud).flatten(),
            fixed,
            owner: if use_stub {
                fast_rate::UartOwner::Stub
            } else {
                fast_rate::UartOwner::Rom
            },
            crystal_mhz: info.crystal_mhz,
        };
        let mut raised = false;
        let recovery = baud_policy::Recovery {
            options,
            plan,
            events: &events,
        };
        // A ROM that can change its rate does so before the stub upload, which then goes
        // at the new rate too (the stub keeps the UART as the ROM left it).
        let early = raising.wanted() && session.loader().can(Ability::ChangeBaud);
        if early {
            (session, raised) = raising.raise(session, &recovery)?;
        }
        if use_stub {
            stub_choice::start(&mut session, &plan.stub, &events)?;
        }
        prepare_flash(&mut session, plan)?;
        if raising.wanted() && !early && (session.loader().can(Ability::ChangeBaud) || !automatic) {
            (session, raised) = raising.raise(session, &recovery)?;
        }
        Ok(Flasher {
            session: Some(session),
            port: port.clone(),
            plan: plan.clone(),
            events,
            after: plan.after,
            restore_baud: (raised && automatic).then_some(initial_baud),
            finished: false,
        })
    }

    /// Leaves the chip as the plan says (the `after` action), putting the baud rate
    /// back first when the loader stays running. Dropping the flasher does the same but
    /// cannot report a failure.
    pub fn finish(mut self) -> Result<()> {
        self.finished = true;
        self.leave()
    }

    /// Gives up the connection without touching the chip: no `after` action, no baud
    /// restore (the chip runs code loaded into RAM, for example).
    pub fn abandon(mut self) {
        self.finished = true;
    }

    fn leave(&mut self) -> Result<()> {
        let refuse_soft_reset = self.after == After::SoftReset && self.stub_cannot_soft_reset();
        let Some(session) = self.session.as_mut() else {
            return Ok(());
        };
        let stats = session.link_stats();
        if stats.any() {
            (self.events)(Event::LinkReport(stats));
        }
        // A loader left running (asked to, or because the port cannot reset the chip)
        // must talk at the rate the next connection starts with.
        let stays =
            matches!(self.after, After::NoReset | After::NoResetStub) || !session.can_reset();
        let restore = match self.restore_baud {
            Some(baud) if stays => session.change_baud(baud).map(|_| ()),
            _ => Ok(()),
        };
        let reset = if refuse_soft_reset {
            // As esptool, which runs the stub unless told not to: refused even when this
            // command talked to the ROM.
            (self.events)(Event::SoftResetting);
            Err(Error::SoftResetUnsupported)
        } else {
            session.finish(self.after)
        };
        restore.and(reset)
    }

    /// The plan allows the flasher stub, and the chip's stub cannot start the
    /// application (every stub but the ESP8266's).
    fn stub_cannot_soft_reset(&self) -> bool {
        let chip = self.session.as_ref().map(|s| s.chip());
        !matches!(self.plan.stub, StubSource::Disabled) && chip.is_some_and(|c| !c.stub_soft_reset)
    }
}

impl Drop for Flasher {
    fn drop(&mut self) {
        if !self.finished {
            let _ = self.leave();
        }
    }
}

impl Deref for Flasher {
    type Target = Session;

    fn deref(&self) -> &Session {
        self.session
            .as_ref()
            .expect("a session, except while reconnecting")
    }
}

impl DerefMut for Flasher {
    fn deref_mut(&mut self) -> &mut Session {
        self.session
            .as_mut()
            .expect("a session, except while reconnecting")
    }
}

/// The rate change the plan asks for: the fast default (with the rate for unknown
/// adapters) or a rate the caller chose.
struct Raising {
    automatic: Option<u32>,
    fixed: Option<u32>,
    owner: fast_rate::UartOwner,
    crystal_mhz: u32,
}

impl Raising {
    fn wanted(&self) -> bool {
        self.automatic.is_some() || self.fixed.is_some()
    }

    /// Changes the rate; returns the session (a new one after a recovery) and whether
    /// the line now runs at the rate asked for (or one of the fast rates).
    fn raise(
        &self,
        mut session: Session,
        recovery: &baud_policy::Recovery<'_>,
    ) -> Result<(Session, bool)> {
        match (self.automatic, self.fixed) {
            (Some(unknown_adapter_rate), _) => {
                let rates = fast_rate::candidates(
                    &mut session,
                    unknown_adapter_rate,
                    self.owner,
                    self.crystal_mhz,
                )?;
                baud_policy::raise_stepping(session, &rates, recovery)
            }
            (None, Some(baud)) => baud_policy::raise(session, baud, false, recovery),
            (None, None) => Ok((session, false)),
        }
    }
}

/// What the plan asks of the flash before any work: its supply, its pins (both only
/// set up here; the pins are attached with the first flash operation).
fn prepare_flash(session: &mut Session, plan: &ConnectPlan) -> Result<()> {
    if let Some(voltage) = plan.vddsdio {
        session.override_vddsdio(voltage)?;
    }
    if let Some(connection) = plan.spi_connection {
        session.use_spi_connection(connection)?;
    }
    Ok(())
}

/// Tries the candidate ports in order; the first where a chip answers wins. A named
/// port's failure is the error; while scanning, each failure is reported and the next
/// port tried.
fn connect_first(
    port: &PortSpec,
    baud: u32,
    options: &ConnectOptions,
    events: &EventSink,
) -> Result<Session> {
    let named = matches!(port.choice(), PortChoice::Named(_));
    if port.attempts() != 1 {
        match port.choice() {
            PortChoice::Named(name) if options.chip.is_some() => {
                events(Event::PortOpening { port: name.clone() });
                return connect_retrying(port, name, baud, options, events);
            }
            _ => events(Event::OpenAttemptsIgnored),
        }
    }
    let candidates = port.candidates();
    if !named {
        events(Event::PortsFound {
            count: candidates.len(),
        });
    }
    for name in &candidates {
        events(Event::PortOpening { port: name.clone() });
        let attempt = port
            .open(name, baud)
            .map_err(Error::from)
            .and_then(|t| Session::connect(t, options, events.clone()));
        match attempt {
            Ok(session) => return Ok(session),
            Err(e) if named => return Err(e),
            Err(e) => events(Event::PortFailed {
                port: name.clone(),
                error: Arc::new(e),
            }),
        }
    }
    Err(Error::NoPortConnected {
        tried: candidates.len(),
    })
}

/// Opens the named port and connects, again after [`OPEN_RETRY_WAIT`] whenever either
/// fails, as often as the port spec says (esptool's `connect_with_retries`).
fn connect_retrying(
    port: &PortSpec,
    name: &str,
    baud: u32,
    options: &ConnectOptions,
    events: &EventSink,
) -> Result<Session> {
    let attempts = port.attempts();
    let mut attempt = 1;
    loop {
        let error = match port
            .open(name, baud)
            .map_err(Error::from)
            .and_then(|t| Session::connect(t, options, events.clone()))
        {
            Ok(session) => return Ok(session),
            Err(e @ Error::Interrupted(_)) => return Err(e),
            Err(e) if attempt == attempts => return Err(e),
            Err(e) => e,
        };
        events(Event::OpenRetry {
            port: name.to_string(),
            attempt,
            error: Arc::new(error),
        });
        if options.cancel.is_cancelled() {
            return Err(Error::Interrupted(Default::default()));
        }
        std::thread::sleep(OPEN_RETRY_WAIT);
        attempt = attempt.saturating_add(1);
    }
}
