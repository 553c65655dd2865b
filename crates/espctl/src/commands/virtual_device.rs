//! `espctl virtual`: a virtual chip for clients to talk to.
//!
//! The first line on stdout is what a client opens: `socket://127.0.0.1:PORT` or the pty
//! path. Then it serves until stopped by a signal; with `--stats-file` it writes what the
//! device did (and the lower bound of the session's time) before it exits.

use crate::fatal::Fatal;
#[cfg(unix)]
use espctl_virtual::BootMode;
use espctl_virtual::server::{ResetHandle, TcpOptions, TcpServer};
use espctl_virtual::{Device, DeviceConfig, Work};
use std::io::Write;
use std::path::{Path, PathBuf};

/// How the virtual device is reached.
#[derive(Debug, Clone)]
pub enum Serve {
    /// On a TCP address; `keep_state` keeps the chip's state between connections.
    Tcp {
        /// The address to listen on (`127.0.0.1:0` picks a port).
        addr: String,
        /// Keep the chip's state from one connection to the next.
        keep_state: bool,
    },
    /// On a new pseudo-terminal.
    Pty,
    /// RFC 2217 on a TCP address: clients' DTR and RTS drive the board's reset circuit.
    Rfc2217 {
        /// The address to listen on (`127.0.0.1:0` picks a port).
        addr: String,
        /// Pass DTR/RTS changes through as they come (no local reset sequences).
        relay_lines: bool,
    },
}

/// `espctl virtual`.
#[derive(Debug, Clone)]
pub struct VirtualDevice {
    /// The device.
    pub config: DeviceConfig,
    /// Where.
    pub serve: Serve,
    /// Where to write what the device did when stopped.
    pub stats_file: Option<PathBuf>,
}

/// `espctl virtual`.
pub fn serve(cmd: VirtualDevice) -> Result<(), Fatal> {
    // Before any thread starts: the server's threads must not take these signals.
    #[cfg(unix)]
    let signals = espctl_virtual::server::block_server_signals()
        .map_err(|e| Fatal(format!("cannot set up the reset signals: {e}")))?;
    #[cfg(not(unix))]
    let signals = ();
    let device = Device::new(cmd.config).map_err(|e| Fatal(e.to_string()))?;
    let stats = cmd.stats_file;
    match cmd.serve {
        Serve::Tcp { addr, keep_state } => {
            let options = TcpOptions {
                reset_on_connect: !keep_state,
            };
            let server = TcpServer::bind(addr.as_str(), device, options).map_err(|e| {
                Fatal(format!(
                    "cannot listen on {addr}: {e}; choose another address or port 0"
                ))
            })?;
            let url = server.url().map_err(|e| Fatal(e.to_string()))?;
            start(&url, server.reset_handle(), signals, stats)?;
            server
                .serve()
                .map_err(|e| Fatal(format!("virtual device on {url} stopped: {e}")))
        }
        Serve::Pty => serve_pty(device, signals, stats),
        Serve::Rfc2217 { addr, relay_lines } => {
            serve_rfc2217(device, &addr, relay_lines, signals, stats)
        }
    }
}

/// The device behind an RFC 2217 server, in real time; connections are noted on stderr.
fn serve_rfc2217(
    device: Device,
    addr: &str,
    relay_lines: bool,
    #[cfg(unix)] signals: espctl_virtual::server::ServerSignals,
    #[cfg(not(unix))] signals: (),
    stats: Option<PathBuf>,
) -> Result<(), Fatal> {
    let mut server = super::serve_port::bind(addr, relay_lines, Default::default())?;
    let addr = server.local_addr().map_err(|e| Fatal(e.to_string()))?;
    let url = format!("rfc2217://{addr}");
    let name = format!("virtual {}", device.chip().name);
    let mut port = espctl_virtual_port::LivePort::new(device, name.clone(), 115_200);
    start(&url, port.reset_handle(), signals, stats)?;
    server
        .serve(&mut port, &mut |event| {
            eprintln!(
                "espctl virtual: {}",
                super::serve_port::describe(&name, &event)
            )
        })
        .map_err(|e| Fatal(format!("virtual device on {url} stopped: {e}")))
}

/// Hooks up the signals, then prints the address for scripts: once the address is out,
/// SIGUSR1, SIGUSR2 and SIGTERM are safe to send.
#[cfg(unix)]
fn start(
    address: &str,
    reset: ResetHandle,
    signals: espctl_virtual::server::ServerSignals,
    stats: Option<PathBuf>,
) -> Result<(), Fatal> {
    use espctl_virtual::server::ServerSignal;
    let device = reset.clone();
    // Confirms each reset on stderr, so a script can wait for it.
    signals
        .forward(reset, move |event| match event {
            ServerSignal::Reset(BootMode::Download) => {
                eprintln!("espctl virtual: reset into download mode (SIGUSR1)")
            }
            ServerSignal::Reset(BootMode::Flash) => {
                eprintln!("espctl virtual: reset, running the program in flash (SIGUSR2)")
            }
            ServerSignal::Stop => {
                let mut code = 0;
                if let Some(path) = &stats {
                    let work = device.with_device(|d| d.work());
                    if let Err(e) = write_stats(path, &work) {
                        eprintln!("espctl virtual: cannot write {}: {e}", path.display());
                        code = 2;
                    }
                }
                std::process::exit(code);
            }
        })
        .map_err(|e| Fatal(format!("cannot set up the reset signals: {e}")))?;
    print_address(address)
}

#[cfg(not(unix))]
fn start(
    address: &str,
    _reset: ResetHandle,
    _signals: (),
    _stats: Option<PathBuf>,
) -> Result<(), Fatal> {
    print_address(address)
}

fn print_address(address: &str) -> Result<(), Fatal> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{address}")
        .and_then(|_| out.flush())
        .map_err(|e| Fatal(format!("cannot print the address: {e}")))
}

/// What the device did, as JSON (times in seconds), written whole or not at all.
fn write_stats(path: &Path, work: &Work) -> std::io::Result<()> {
    let link = &work.link;
    let secs = |d: std::time::Duration| d.as_secs_f64();
    let json = format!(
        concat!(
            "{{\n",
            "  \"bytes_received\": {},\n",
            "  \"bytes_sent\": {},\n",
            "  \"receive_seconds\": {:.6},\n",
            "  \"send_seconds\": {:.6},\n",
            "  \"chip_wait_seconds\": {:.6},\n",
            "  \"busy_seconds\": {:.6},\n",
            "  \"flash_busy_seconds\": {:.6},\n",
            "  \"frames_lost\": {},\n",
            "  \"lower_bound_seconds\": {:.6}\n",
            "}}\n"
        ),
        link.bytes_received,
        link.bytes_sent,
        secs(link.receive_time),
        secs(link.send_time),
        secs(link.chip_wait),
        secs(work.busy),
        secs(work.flash_busy),
        link.frames_lost,
        secs(link.lower_bound()),
    );
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, json)?;
    std::fs::rename(&tmp, path)
}

#[cfg(unix)]
fn serve_pty(
    device: Device,
    signals: espctl_virtual::server::ServerSignals,
    stats: Option<PathBuf>,
) -> Result<(), Fatal> {
    let server = espctl_virtual::server::PtyServer::open(device)
        .map_err(|e| Fatal(format!("cannot create a pty: {e}")))?;
    let path = server.path().display().to_string();
    start(&path, server.reset_handle(), signals, stats)?;
    server
        .serve()
        .map_err(|e| Fatal(format!("virtual device on {path} stopped: {e}")))
}

#[cfg(not(unix))]
fn serve_pty(_device: Device, _signals: (), _stats: Option<PathBuf>) -> Result<(), Fatal> {
    Err(Fatal(
        "--pty needs a Unix system; use --listen 127.0.0.1:0".into(),
    ))
}
