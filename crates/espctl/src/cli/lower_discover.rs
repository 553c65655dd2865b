//! Lowering of `espctl discover`.

use super::args::discover::DiscoverArgs;
use crate::commands::discover::Discover;
use crate::fatal::Fatal;
use std::time::Duration;

/// `json`: the global `--json` (the devices are printed as a JSON array).
pub(super) fn discover(args: &DiscoverArgs, json: bool) -> Result<Discover, Fatal> {
    if !(args.timeout.is_finite() && args.timeout > 0.0 && args.timeout <= 3600.0) {
        return Err(Fatal(format!(
            "--timeout {} is not a number of seconds between 0 and 3600.",
            args.timeout
        )));
    }
    Ok(Discover {
        timeout: Duration::from_secs_f64(args.timeout),
        json,
    })
}
