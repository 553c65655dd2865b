//! Getting the stub for a chip from where the plan says and starting it; without one,
//! the ROM loader stays, and what that costs is reported.

use super::StubSource;
use crate::error::Result;
use crate::event::{Event, EventSink};
use crate::session::Session;
use crate::stub::{StubImage, StubStore};
use std::sync::Arc;

/// Starts the stub `source` gives (or reuses one found running).
pub(super) fn start(session: &mut Session, source: &StubSource, events: &EventSink) -> Result<()> {
    let chip = session.chip();
    let stub = match source {
        StubSource::Disabled => None,
        StubSource::Image(image) => Some(image.clone()),
        StubSource::Store(store) => from_store(Ok(store.clone()), session, events),
        StubSource::InstalledDefault => from_store(StubStore::open_default(), session, events),
    };
    let running = session.run_stub(stub.as_ref())?;
    if !running && !matches!(source, StubSource::Disabled) {
        events(Event::StubNotInstalled {
            chip,
            limits: session.loader().limitations(),
        });
    }
    Ok(())
}

/// The chip's stub from a store; a store that fails is reported and treated as empty.
fn from_store(
    store: Result<StubStore, crate::stub::StubStoreError>,
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
