//! What every device command does first and last: open a flasher for its plan (after
//! esptool's banner), and afterwards leave the chip as the plan says, also when the
//! command failed (as esptool does). The policy itself is espctl-flasher's.

use crate::console::say;
use crate::fatal::Fatal;
use crate::render::Renderer;
use espctl_flasher::{ConnectPlan, Flasher, PortSpec};
use std::sync::Arc;

/// Where the chip is and how to connect to it, as the command line says.
#[derive(Debug, Clone)]
pub struct Target {
    /// Which port.
    pub port: PortSpec,
    /// How to connect and leave.
    pub plan: ConnectPlan,
    /// What to say about esptool's configuration file, after the banner.
    pub config_notes: Vec<espctl_flasher::config::ConfigNote>,
}

/// A connected chip and the renderer its events go to.
pub struct Device {
    /// The connection.
    pub flasher: Flasher,
    /// Where events are printed (commands switch progress off with it).
    pub renderer: Arc<Renderer>,
}

/// Connects as esptool's `prepare_esp_object` does; the chip block and the stub and baud
/// lines come from the flasher's events.
pub fn open(target: &Target) -> Result<Device, Fatal> {
    let renderer = Renderer::new();
    say!("espctl v{}", env!("CARGO_PKG_VERSION"));
    crate::render::config_file::notes(&target.config_notes);
    // Ctrl-C from here on stops the work at a safe point and leaves the chip as planned.
    let mut plan = target.plan.clone();
    plan.connect.cancel = crate::interrupt::install();
    let flasher = Flasher::open(&target.port, &plan, renderer.sink())?;
    say!();
    Ok(Device { flasher, renderer })
}

/// Connects, runs `f`, then leaves the chip as the plan says (also after a failure,
/// whose error comes first).
pub fn with_device(
    target: &Target,
    f: impl FnOnce(&mut Device) -> Result<(), Fatal>,
) -> Result<(), Fatal> {
    let mut device = open(target)?;
    let result = f(&mut device);
    say!();
    let finished = device.flasher.finish().map_err(Fatal::from);
    result.and(finished)
}
