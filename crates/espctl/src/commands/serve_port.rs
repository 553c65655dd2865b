//! `espctl serve-port`: a serial port on this machine served over RFC 2217, so esptool
//! (`--port rfc2217://HOST:PORT`) or espctl can flash the board from another machine.
//! One client at a time; one line on stderr per connection and disconnection.

use crate::fatal::Fatal;
use espctl_flasher::link::ServedResets;
use espctl_flasher::transport::rfc2217::{LinePolicy, Rfc2217Server, ServerEvent, SessionEnd};
use std::io::Write;

/// `espctl serve-port`.
#[derive(Debug, Clone)]
pub struct ServePort {
    /// The local port (a serial device or a pty).
    pub port: String,
    /// The address to listen on (`0.0.0.0:4000`, `127.0.0.1:0`).
    pub listen: String,
    /// The rate the port starts at (clients set their own).
    pub baud: u32,
    /// Pass DTR/RTS changes through as they come instead of running resets here.
    pub relay_lines: bool,
    /// The reset sequences run here.
    pub resets: ServedResets,
}

/// `espctl serve-port`.
pub fn serve(cmd: ServePort) -> Result<(), Fatal> {
    let mut port =
        espctl_flasher::transport::open(&cmd.port, cmd.baud).map_err(|e| Fatal(e.to_string()))?;
    let mut server = bind(&cmd.listen, cmd.relay_lines, cmd.resets)?;
    let addr = server.local_addr().map_err(|e| Fatal(e.to_string()))?;
    say(&format!(
        "Serving {} on rfc2217://{addr} (one client at a time; Ctrl-C stops)",
        cmd.port
    ));
    let name = cmd.port.clone();
    loop {
        // The log of connections goes to stderr, as `espctl virtual`'s: stdout's first
        // line is for scripts.
        let mut port_failed = false;
        server
            .serve_one(&mut *port, &mut |event| {
                if let ServerEvent::Disconnected {
                    end: SessionEnd::PortFailed(_),
                    ..
                } = event
                {
                    port_failed = true;
                }
                eprintln!("{}", describe(&name, &event))
            })
            .map_err(|e| Fatal(format!("serving {} stopped: {e}", cmd.port)))?;
        if port_failed {
            // An adapter unplugged and plugged back in is a new device file.
            match espctl_flasher::transport::open(&cmd.port, cmd.baud) {
                Ok(fresh) => {
                    port = fresh;
                    eprintln!("Reopened {}", cmd.port);
                }
                Err(e) => eprintln!("Cannot reopen {} ({e}); trying the old one", cmd.port),
            }
        }
    }
}

/// Listens on `addr`, or says what to do instead; resets run here with `resets`
/// unless `relay_lines`.
pub(crate) fn bind(
    addr: &str,
    relay_lines: bool,
    resets: ServedResets,
) -> Result<Rfc2217Server, Fatal> {
    let server = Rfc2217Server::bind(addr).map_err(|e| {
        Fatal(format!(
            "cannot listen on {addr}: {e}; choose another address or port 0"
        ))
    })?;
    Ok(server.with_lines(if relay_lines {
        LinePolicy::Relay
    } else {
        LinePolicy::LocalReset(Box::new(resets))
    }))
}

/// One line on stdout, at once (read by a script while the server runs).
fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}").and_then(|_| out.flush());
}

/// The line for a server event on port `port`.
pub(crate) fn describe(port: &str, event: &ServerEvent) -> String {
    match event {
        ServerEvent::Connected { peer } => format!("Client {peer} connected"),
        ServerEvent::Disconnected { peer, end } => match end {
            SessionEnd::Closed => format!("Client {peer} disconnected"),
            SessionEnd::Lost(e) => format!("Client {peer} disconnected: {e}"),
            SessionEnd::PortFailed(e) => {
                format!("Client {peer} disconnected: {port} failed ({e})")
            }
        },
        ServerEvent::LinesUnsupported => format!(
            "Note: {port} has no DTR/RTS lines; clients' reset requests are acknowledged but \
             cannot reset the chip"
        ),
        ServerEvent::BaudRefused { baud, reason } => {
            format!("Warning: {port} refused {baud} baud ({reason}); it keeps its rate")
        }
    }
}
