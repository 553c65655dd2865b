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
use espctl_flasher::transport::TransportKind;
use espctl_flasher::{
    After, BaudChange, Before, ConnectOptions, Event, EventSink, Session, Transport,
};
use std::sync::Arc;

/// The ROM loader only talks at 115200 until asked to change.
const ROM_BAUD: u32 = 115_200;

/// The rate flash commands move to when the user gave no `--baud`: what common USB-serial
/// adapters (CP210x, CH340, FTDI) and both chips manage, and confirmed with a SYNC.
pub const FAST_BAUD: u32 = 921_600;

/// What a command needs from the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Registers only (read-mac, chip-id, flash-id, read-mem, write-mem): the ROM does
    /// it, so no stub upload and no baud change (the stub costs about a second at
    /// 115200 on the ESP8266).
    Rom,
    /// The stub, at the rate the user asked for (load-ram, run).
    Stub,
    /// Moves flash data: the stub, and the fast rate when the user gave none.
    Flash,
}

/// Env var listing extra ports (separated by `,`, `;` or spaces) for the port scan: ptys,
/// `socket://` URLs and other ports the system does not enumerate. They are tried first.
pub const PORT_SCAN_EXTRA: &str = "ESPCTL_PORT_SCAN_EXTRA";

/// The global options that decide how to reach the chip.
pub struct Global {
    pub port: Option<String>,
    pub baud: u32,
    /// No `--baud` given and no `--no-fast-baud`: flash commands may use [`FAST_BAUD`].
    pub fast_baud: bool,
    pub need: Need,
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
            baud: cli.baud.unwrap_or(ROM_BAUD),
            fast_baud: cli.baud.is_none() && !cli.no_fast_baud,
            need: Need::Stub,
            chip: super::output::chip_arg(&cli.chip)?,
            before: cli.before,
            after: cli.after,
            no_stub: cli.no_stub,
            trace: cli.trace,
            connect_attempts: cli.connect_attempts.max(0).min(u32::MAX as i64) as u32,
            port_filter: cli.port_filter.clone(),
        })
    }

    /// The same options for a command that needs `need`.
    pub fn needing(self, need: Need) -> Global {
        Global { need, ..self }
    }
}

/// A connected chip and how to leave it.
pub struct Device {
    pub session: Session,
    after: After,
    pub renderer: Arc<Renderer>,
    /// The rate the chip's loader talked at before espctl raised it on its own; put
    /// back before leaving the loader running.
    restore_baud: Option<u32>,
}

fn fatal(e: espctl_flasher::Error) -> Fatal {
    Fatal(e.to_string())
}

/// Opens a port by name: `virtual:...`, `socket://...` or a serial device.
fn open_port(port: &str, baud: u32) -> Result<Box<dyn Transport>, Fatal> {
    if let Some(spec) = port.strip_prefix("virtual:") {
        return espctl_virtual_port::open(spec, baud)
            .map(|port| Box::new(port) as Box<dyn Transport>)
            .map_err(Fatal);
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
    let use_stub =
        session.is_stub() || (!g.no_stub && (g.need != Need::Rom || g.after == After::NoResetStub));
    let automatic = g.fast_baud
        && g.need == Need::Flash
        && g.before != Before::NoResetNoSync
        && session.port_kind() != TransportKind::Socket;
    let target = if automatic {
        Some(FAST_BAUD)
    } else if g.baud > initial_baud && g.need != Need::Rom {
        Some(g.baud)
    } else {
        None
    };
    let mut raised = false;
    // A ROM that can change its rate does so before the stub upload, which then goes
    // at the new rate too (the stub keeps the UART as the ROM left it).
    let early = target.filter(|_| session.can_change_baud());
    if let Some(baud) = early {
        (session, raised) = raise_baud(session, baud, automatic, g, &options, &events)?;
    }
    if use_stub {
        start_stub(&mut session, &events, g.no_stub)?;
    }
    if let Some(baud) = target
        && early.is_none()
        && (session.can_change_baud() || !automatic)
    {
        (session, raised) = raise_baud(session, baud, automatic, g, &options, &events)?;
    }
    say!();
    Ok(Device {
        session,
        after: g.after,
        renderer,
        restore_baud: (raised && automatic).then_some(initial_baud),
    })
}

/// Changes the rate to `baud`. An automatic change that fails falls back to the old
/// rate; when the chip is lost, it is reset and connected again at 115200 if the port
/// has reset lines. Returns the session and whether the rate is now `baud`.
fn raise_baud(
    mut session: Session,
    baud: u32,
    automatic: bool,
    g: &Global,
    options: &ConnectOptions,
    events: &EventSink,
) -> Result<(Session, bool), Fatal> {
    match session.change_baud(baud) {
        Ok(BaudChange::Changed) => Ok((session, true)),
        Ok(BaudChange::Unsupported | BaudChange::KeptOld) => Ok((session, false)),
        Ok(BaudChange::HostRefused) if automatic => Ok((session, false)),
        Ok(BaudChange::HostRefused) => Err(Fatal(format!(
            "Serial port {} does not support {baud} baud. Use a lower --baud.",
            session.port_name()
        ))),
        Err(e @ espctl_flasher::Error::BaudLost { .. }) if automatic && session.can_reset() => {
            warning!(
                "{} stopped answering at {baud} baud; resetting it and carrying on at {ROM_BAUD} baud (--baud {ROM_BAUD} skips the attempt).",
                session.chip().name
            );
            drop(e);
            let had_stub = session.is_stub();
            let mut port = session.into_transport();
            port.set_baud(ROM_BAUD)
                .map_err(|e| Fatal(format!("Serial port {}: {e}", port.name())))?;
            let mut session = Session::connect(port, options, events.clone()).map_err(fatal)?;
            if had_stub || session.is_stub() {
                start_stub(&mut session, events, g.no_stub)?;
            }
            Ok((session, false))
        }
        Err(e) => Err(fatal(e)),
    }
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
        // A loader left running (asked to, or because the port cannot reset the chip)
        // must talk at the rate the next connection starts with.
        let stays =
            matches!(self.after, After::NoReset | After::NoResetStub) || !self.session.can_reset();
        let restore = match self.restore_baud {
            Some(baud) if stays => self.session.change_baud(baud).map(|_| ()).map_err(fatal),
            _ => Ok(()),
        };
        let reset = self.session.finish(self.after).map_err(fatal);
        result.and(restore).and(reset)
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
