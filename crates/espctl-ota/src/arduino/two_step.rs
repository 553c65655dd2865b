//! The two-step update (ESPurna's "TwoStepUpdates"): when an image no longer fits beside
//! the running one, a small image goes first; once the device runs it (after its
//! restart), the full image fits beside it (reference §3.1).

use super::error::OtaError;
use super::event::Event;
use super::image::Image;
use super::options::UploadOptions;
use super::preflight::Preflight;
use super::{UploadReport, payload, upload_one};

/// `via`, then `image` once the device is back.
pub(super) fn upload(
    options: &UploadOptions,
    via: &Image,
    image: &Image,
    on_event: &mut dyn FnMut(Event),
) -> Result<UploadReport, OtaError> {
    let first = payload(options, via)?;
    let second = payload(options, image)?;
    // Both steps are checked before the first one starts.
    if let Some(p) = &options.preflight {
        p.check_two_step(
            (via.name.as_str(), first.len(), via.size()?),
            (image.name.as_str(), second.len()),
        )?;
    }
    on_event(Event::Step {
        step: 1,
        name: via.name.clone(),
    });
    let one = upload_one(
        options,
        via,
        first,
        options.invite_timeout,
        options.preflight.as_ref(),
        on_event,
    )
    .map_err(in_step(1, &via.name))?;
    on_event(Event::Step {
        step: 2,
        name: image.name.clone(),
    });
    on_event(Event::WaitingForDevice);
    // The device now runs `via` (uncompressed, as eboot copied it).
    let after = options.preflight.as_ref().map(|p| Preflight {
        layout: p.layout.clone(),
        running: Some(one.size as u32),
    });
    // The invitations of the second step go out every second until the restarted device
    // answers.
    let two = upload_one(
        options,
        image,
        second,
        options.return_timeout,
        after.as_ref(),
        on_event,
    )
    .map_err(|e| match e {
        OtaError::NoAnswer { waited, .. } => OtaError::NotBack { waited },
        other => other,
    })
    .map_err(in_step(2, &image.name))?;
    Ok(UploadReport {
        steps: vec![one, two],
    })
}

/// Wraps an error of step `step` (of image `name`).
fn in_step(step: u8, name: &str) -> impl FnOnce(OtaError) -> OtaError + '_ {
    move |source| OtaError::Step {
        step,
        name: name.to_string(),
        source: Box::new(source),
    }
}
