//! What every device command does first and last: open a flasher for its plan (after
//! esptool's banner), and afterwards leave the chip as the plan says, also when the
//! command failed (as esptool does). The policy itself is espctl-flasher's.

use crate::console::say;
use crate::fatal::Fatal;
use crate::render::Renderer;
use espctl_chips::Chip;
use espctl_flasher::{ChipInfo, ConnectPlan, Event, Flasher, PortSpec, SecureDownloadRefusal};
use std::sync::{Arc, Mutex};

/// Where the chip is and how to connect to it, as the command line says.
#[derive(Debug, Clone)]
pub struct Target {
    /// Which port.
    pub port: PortSpec,
    /// How to connect and leave.
    pub plan: ConnectPlan,
    /// What to say about esptool's configuration file, after the banner.
    pub config_notes: Vec<espctl_flasher::config::ConfigNote>,
    /// The command's name (`flash-id`), for messages.
    pub command: &'static str,
    /// The command works with a ROM in Secure Download Mode.
    pub works_in_secure_download: bool,
}

/// A connected chip and the renderer its events go to.
pub struct Device {
    /// The connection.
    pub flasher: Flasher,
    /// Where events are printed (commands switch progress off with it).
    pub renderer: Arc<Renderer>,
    /// The chip as identified when connecting (for `--json`).
    pub identity: Option<Identity>,
}

/// The chip's identity as the flasher reported it on connecting.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The chip.
    pub chip: &'static Chip,
    /// The port as named.
    pub port: String,
    /// Name, features, crystal, MAC.
    pub info: ChipInfo,
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
    let seen = Arc::new(Mutex::new(None));
    let flasher = Flasher::open(&target.port, &plan, remember_identity(&renderer, &seen))
        .inspect_err(|_| renderer.end_line())?;
    say!();
    if flasher.secure_download_mode() && !target.works_in_secure_download {
        // As esptool: refused before anything else is sent, the chip left as it is.
        flasher.abandon();
        let refusal = SecureDownloadRefusal::Command(target.command.to_string());
        return Err(espctl_flasher::Error::from(refusal).into());
    }
    let identity = seen.lock().unwrap_or_else(|p| p.into_inner()).take();
    Ok(Device {
        flasher,
        renderer,
        identity,
    })
}

/// The renderer's sink, keeping the identity the `Connected` event carries.
fn remember_identity(
    renderer: &Arc<Renderer>,
    seen: &Arc<Mutex<Option<Identity>>>,
) -> espctl_flasher::EventSink {
    let render = renderer.sink();
    let seen = seen.clone();
    Arc::new(move |event| {
        if let Event::Connected { chip, port, info } = &event {
            *seen.lock().unwrap_or_else(|p| p.into_inner()) = Some(Identity {
                chip,
                port: port.clone(),
                info: info.clone(),
            });
        }
        render(event)
    })
}

/// Connects, runs `f`, then leaves the chip as the plan says (also after a failure,
/// whose error comes first).
pub fn with_device<T>(
    target: &Target,
    f: impl FnOnce(&mut Device) -> Result<T, Fatal>,
) -> Result<T, Fatal> {
    let mut device = open(target)?;
    let result = f(&mut device);
    say!();
    let finished = device.flasher.finish().map_err(Fatal::from);
    let value = result?;
    finished.map(|()| value)
}
