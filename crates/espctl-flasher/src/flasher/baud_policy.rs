//! Raising the baud rate after connecting. A rate the caller chose must work; a rate
//! chosen on the caller's behalf (the fast default) falls back to the old one, and when
//! the chip is lost it is reset and connected to again at 115200 if the port can reset
//! it.

use super::{ConnectPlan, ROM_BAUD, stub_choice};
use crate::error::{Error, Result};
use crate::event::{Event, EventSink};
use crate::loader::{Ability, LoaderKind};
use crate::session::{BaudChange, ConnectOptions, Session};

/// What a reconnection needs.
pub(super) struct Recovery<'a> {
    pub options: &'a ConnectOptions,
    pub plan: &'a ConnectPlan,
    pub events: &'a EventSink,
}

/// Changes the rate to `baud`. Returns the session (a new one after a recovery) and
/// whether the line now runs at `baud`.
pub(super) fn raise(
    mut session: Session,
    baud: u32,
    automatic: bool,
    recovery: &Recovery<'_>,
) -> Result<(Session, bool)> {
    match session.change_baud(baud) {
        Ok(BaudChange::Changed) => Ok((session, true)),
        Ok(BaudChange::Unsupported | BaudChange::KeptOld) => Ok((session, false)),
        Ok(BaudChange::HostRefused) if automatic => Ok((session, false)),
        Ok(BaudChange::HostRefused) => Err(Error::BaudRefused {
            port: session.port_name().to_string(),
            baud,
        }),
        Err(Error::BaudLost { .. }) if automatic && session.can_reset() => {
            (recovery.events)(Event::BaudLostRecovering {
                chip: session.chip(),
                tried: baud,
                baud: ROM_BAUD,
            });
            let had_stub = session.loader().kind() == LoaderKind::Stub;
            let mut port = session.into_transport();
            port.set_baud(ROM_BAUD).map_err(|source| Error::Io {
                port: port.name().to_string(),
                source,
            })?;
            let mut session = Session::connect(port, recovery.options, recovery.events.clone())?;
            if had_stub || session.loader().kind() == LoaderKind::Stub {
                stub_choice::start(&mut session, &recovery.plan.stub, recovery.events)?;
            }
            Ok((session, false))
        }
        Err(e) => Err(e),
    }
}

/// Tries the fast default's `rates`, fastest first, until one works; each failure is
/// reported and the next lower rate tried. Returns the session and whether the line now
/// runs at one of them.
pub(super) fn raise_stepping(
    mut session: Session,
    rates: &[u32],
    recovery: &Recovery<'_>,
) -> Result<(Session, bool)> {
    if !session.loader().can(Ability::ChangeBaud) {
        // One attempt reports that the loader keeps its rate.
        return match rates.first() {
            Some(&baud) => raise(session, baud, true, recovery),
            None => Ok((session, false)),
        };
    }
    for (i, &baud) in rates.iter().enumerate() {
        let raised;
        (session, raised) = raise(session, baud, true, recovery)?;
        if raised {
            return Ok((session, true));
        }
        if let Some(&next) = rates.get(i + 1) {
            (recovery.events)(Event::BaudSteppingDown { tried: baud, next });
        }
    }
    Ok((session, false))
}
