//! Getting the stub for a chip from where the plan says and starting it; without one,
//! the ROM loader stays, and what that costs is reported.

use super::StubSource;
use crate::error::Result;
use crate::event::{Event, EventSink};
use crate::session::Session;
use crate::stub::{ObtainError, ObtainOptions, StubImage, StubStore, obtain_stub};
use std::sync::Arc;

/// Starts the stub `source` gives (or reuses one found running).
pub(super) fn start(session: &mut Session, source: &StubSource, events: &EventSink) -> Result<()> {
    let chip = session.chip();
    let mut not_obtained = None;
    let stub = match source {
        StubSource::Disabled => None,
        StubSource::Image(image) => Some(image.clone()),
        StubSource::Store(store) => from_store(Ok(store.clone()), session, events),
        StubSource::InstalledDefault => from_store(StubStore::open_default(), session, events),
        StubSource::Automatic(options) => {
            match automatic(StubStore::open_default(), options, session, events) {
                Ok(stub) => stub,
                Err(error) => {
                    not_obtained = Some(error);
                    None
                }
            }
        }
    };
    let running = session.run_stub(stub.as_ref())?;
    if !running && !matches!(source, StubSource::Disabled) {
        let limits = session.loader().limitations();
        events(match not_obtained {
            Some(error) => Event::StubNotObtained {
                chip,
                error: Arc::new(error),
                limits,
            },
            None => Event::StubNotInstalled { chip, limits },
        });
    }
    Ok(())
}

/// The installed stub, else one obtained now; a store that fails is reported and
/// treated as empty (nothing is downloaded over a damaged file).
fn automatic(
    store: std::result::Result<StubStore, crate::stub::StubStoreError>,
    options: &ObtainOptions,
    session: &Session,
    events: &EventSink,
) -> std::result::Result<Option<StubImage>, ObtainError> {
    let store = match store.and_then(|s| s.load(session.chip()).map(|stub| (s, stub))) {
        Ok((_, Some(stub))) => return Ok(Some(stub)),
        Ok((store, None)) => store,
        Err(error) => {
            events(Event::StubStoreUnusable {
                error: Arc::new(error),
            });
            return Ok(None);
        }
    };
    if session.stub_answers() {
        return Ok(None);
    }
    let chip = session.chip();
    let (stub, origin) = obtain_stub(&store, chip, options)?;
    events(Event::StubObtained { chip, origin });
    Ok(Some(stub))
}

/// The chip's stub from a store; a store that fails is reported and treated as empty.
fn from_store(
    store: std::result::Result<StubStore, crate::stub::StubStoreError>,
    session: &Session,
    events: &EventSink,
) -> Option<StubImage> {
    match store.and_then(|s| s.load(session.chip())) {
        Ok(stub) => stub,
        Err(error) => {
            events(Event::StubStoreUnusable {
                error: Arc::new(error),
            });
            None
        }
    }
}
