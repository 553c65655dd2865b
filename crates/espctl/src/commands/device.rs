//! What every device command does first and last, as esptool does it: find the port,
//! connect, print the chip, start the stub, raise the baud rate; afterwards, reset the
//! chip as `--after` says.

use crate::cli::Cli;
use crate::console::{say, warning};
use crate::fatal::Fatal;
use crate::render::Renderer;
use espctl_chips::Chip;
use espctl_flasher::ports::{self, PortFilter};
use espctl_flasher::stub::StubStore;
use espctl_flasher::{After, Before, ConnectOptions, Event, EventSink, Session, Transport};
use std::sync::Arc;

/// The ROM loader only talks at 115200 until asked to change.
const ROM_BAUD: u32 = 115_200;

/// Env var listing extra ports (separated by `,`, `;` or spaces) for the port scan: ptys,
/// `socket://` URLs and other ports the system does not enumerate. They are tried first.
pub const PORT_SCAN_EXTRA: &str = "ESPCTL_PORT_SCAN_EXTRA";

/// The global options that decide how to reach the chip.
pub struct Global {
    pub port: Option<String>,
    pub baud: u32,
    pub chip: Option<&'static Chip>,
    pub before: Before,
    pub after: After,
    pub no_stub: bool,
    pub trace: bool,
    pub connect_attempts: u32,
    pub port_filter: Vec<String>,
}

impl Global {
    pub fn from_cli(cli: &Cli) -> Result<Global, Fatal> {
        Ok(Global {
            port: cli.port.clone().filter(|p| !p.is_empty()),
            baud: cli.baud,
            chip: super::output::chip_arg(&cli.chip)?,
            before: cli.before,
            after: cli.after,
            no_stub: cli.no_stub,
            trace: cli.trace,
            connect_attempts: cli.connect_attempts.max(0).min(u32::MAX as i64) as u32,
            port_filter: cli.port_filter.clone(),
        })
    }
}

/// A connected chip and how to leave it.
pub struct Device {
    pub session: Session,
    after: After,
    pub renderer: Arc<Renderer>,
}

fn fatal(e: espctl_flasher::Error) -> Fatal {
    Fatal(e.to_string())
}

/// Opens a port by name: `virtual:...`, `socket://...` or a serial device.
fn open_port(port: &str, baud: u32) -> Result<Box<dyn Transport>, Fatal> {
    if let Some(spec) = port.strip_prefix("virtual:") {
        return crate::virtual_port::open(spec, baud).map_err(Fatal);
    }
    espctl_flasher::transport::open(port, baud).map_err(|e| Fatal(e.to_string()))
}

/// The ports to try, printing `Found N serial ports...` when scanning.
fn candidate_ports(g: &Global) -> Result<Vec<String>, Fatal> {
    if let Some(p) = &g.port {
        return Ok(vec![p.clone()]);
    }
    let filter = PortFilter::parse(&g.port_filter).map_err(Fatal)?;
    let extra: Vec<String> = std::env::var(PORT_SCAN_EXTRA)
        .unwrap_or_default()
        .split([',', ';', ' ', '\n'])
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().to_string())
        .collect();
    let list = ports::candidates(ports::system_ports(), &extra, &filter);
    say!("Found {} serial ports...", list.len());
    Ok(list)
}

/// Connects as esptool's `prepare_esp_object` does and prints the chip block.
pub fn connect(g: &Global) -> Result<Device, Fatal> {
    let renderer = Renderer::new();
    let events = renderer.sink();
    let initial_baud = if g.before == Before::NoResetNoSync {
        g.baud
    } else {
        g.baud.min(ROM_BAUD)
    };
    say!("espctl v{}", env!("CARGO_PKG_VERSION"));
    let options = ConnectOptions::default()
        .before(g.before)
        .attempts(g.connect_attempts)
        .chip(g.chip)
        .trace(g.trace);
    let ports = candidate_ports(g)?;
    let mut session = None;
    for port in &ports {
        say!("Serial port {port}:");
        let attempt = open_port(port, initial_baud)
            .and_then(|t| Session::connect(t, &options, events.clone()).map_err(fatal));
        match attempt {
            Ok(s) => {
                session = Some(s);
                break;
            }
            Err(e) if g.port.is_some() => return Err(e),
            Err(e) => eprintln!("ERROR: {port} failed to connect: {e}"),
        }
    }
    let mut session = session.ok_or_else(|| {
        Fatal(format!(
            "Could not connect to an Espressif device on any of the {} available serial ports. Check the cable and the USB-serial driver, or name the port with --port.",
            ports.len()
        ))
    })?;

    print_chip(&mut session)?;
    if !g.no_stub || session.is_stub() {
        start_stub(&mut session, &events, g.no_stub)?;
    }
    if g.baud > initial_baud {
        session.change_baud(g.baud).map_err(fatal)?;
    }
    say!();
    Ok(Device {
        session,
        after: g.after,
        renderer,
    })
}

fn print_chip(session: &mut Session) -> Result<(), Fatal> {
    let chip = session.chip();
    say!("Connected to {} on {}:", chip.name, session.port_name());
    let info = session.chip_info().map_err(fatal)?;
    say!("{:<20}{}", "Chip type:", info.description);
    say!("{:<20}{}", "Features:", info.features.join(", "));
    if let Some(est) = info.crystal_odd_estimate {
        warning!(
            "Detected crystal freq {est:.2} MHz is quite different to normalized freq {} MHz. Unsupported crystal in use?",
            info.crystal_mhz
        );
    }
    say!("{:<20}{}MHz", "Crystal frequency:", info.crystal_mhz);
    match info.mac {
        Ok(mac) => say!("{:<20}{}", "MAC:", espctl_chips::format_mac(&mac)),
        Err(e) => return Err(Fatal(e.to_string())),
    }
    say!();
    Ok(())
}

/// Starts the installed stub; without one, says once what ROM mode costs.
fn start_stub(session: &mut Session, events: &EventSink, no_stub: bool) -> Result<(), Fatal> {
    let chip = session.chip();
    let stub = if no_stub {
        None
    } else {
        match StubStore::open_default().and_then(|s| s.load(chip)) {
            Ok(stub) => stub,
            Err(e) => {
                warning!("{e}");
                None
            }
        }
    };
    let running = session.run_stub(stub.as_ref()).map_err(fatal)?;
    if !running {
        events(Event::StubUnavailable {
            chip,
            reason: rom_mode_note(chip),
        });
    }
    Ok(())
}

/// One line: what ROM mode is missing on this chip and how to get the stub.
pub fn rom_mode_note(chip: &Chip) -> String {
    let rom = &chip.rom;
    let mut costs = vec!["writing is slower (no compression)".to_string()];
    if !rom.read_flash_slow {
        costs.push("read-flash is not available".into());
    } else {
        costs.push("read-flash is slow (64 bytes per command)".into());
    }
    if !rom.flash_md5 {
        costs.push("written data cannot be verified".into());
    }
    if !rom.change_baudrate {
        costs.push("the baud rate cannot be raised".into());
    }
    let last = costs.pop().unwrap_or_default();
    let list = if costs.is_empty() {
        last
    } else {
        format!("{} and {last}", costs.join(", "))
    };
    format!(
        "No flasher stub installed for {}: talking to the ROM bootloader, so {list}. Install the stub with 'espctl stub fetch' (or 'espctl stub import <esptool-5.6.0.tar.gz>').",
        chip.name
    )
}

impl Device {
    /// Resets the chip as `--after` says (esptool does this even when the command
    /// failed) and passes the command's result on.
    pub fn finish(mut self, result: Result<(), Fatal>) -> Result<(), Fatal> {
        say!();
        let reset = self.session.finish(self.after).map_err(fatal);
        result.and(reset)
    }
}

/// Connects, runs `f`, then resets the chip (also after a failure).
pub fn with_device(
    g: &Global,
    f: impl FnOnce(&mut Device) -> Result<(), Fatal>,
) -> Result<(), Fatal> {
    let mut device = connect(g)?;
    let result = f(&mut device);
    device.finish(result)
}

pub fn to_fatal(e: espctl_flasher::Error) -> Fatal {
    fatal(e)
}
