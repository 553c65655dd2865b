//! `espctl virtual`: a virtual chip for clients to talk to.
//!
//! The first line on stdout is what a client opens: `socket://127.0.0.1:PORT` or the pty
//! path. Then it serves until stopped by a signal; with `--stats-file` it writes what the
//! device did (and the lower bound of the session's time) before it exits.

use crate::cli::VirtualArgs;
use crate::fatal::Fatal;
use espctl_chips::Chip;
#[cfg(unix)]
use espctl_virtual::BootMode;
use espctl_virtual::server::{ResetHandle, TcpOptions, TcpServer};
use espctl_virtual::{Device, DeviceConfig, Work, parse_mac};
use std::io::Write;
use std::path::{Path, PathBuf};

pub fn run(args: VirtualArgs) -> Result<(), Fatal> {
    let config = device_config(&args)?;
    // Before any thread starts: the server's threads must not take these signals.
    #[cfg(unix)]
    let signals = espctl_virtual::server::block_server_signals()
        .map_err(|e| Fatal(format!("cannot set up the reset signals: {e}")))?;
    #[cfg(not(unix))]
    let signals = ();
    let device = Device::new(config).map_err(|e| Fatal(e.to_string()))?;
    let stats = args.stats_file.clone();
    if let Some(addr) = &args.listen {
        let options = TcpOptions {
            reset_on_connect: !args.keep_state,
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
    } else {
        serve_pty(device, signals, stats)
    }
}

fn device_config(args: &VirtualArgs) -> Result<DeviceConfig, Fatal> {
    let chip = Chip::by_arg_name(&args.chip)
        .filter(|c| c.typical_part().is_some())
        .ok_or_else(|| {
            Fatal(format!(
                "unknown chip '{}'; use --chip esp8266 or --chip esp32",
                args.chip
            ))
        })?;
    let flash_size = espctl_chips::size_syntax::flash_bytes(&args.flash_size)
        .map_err(|e| Fatal(e.to_string()))?;
    let mut config = DeviceConfig::new(chip, flash_size);
    config.flash_file = args.flash_file.clone();
    config.timing = args.timing.parse().map_err(Fatal)?;
    if let Some(mac) = &args.mac {
        config.mac = Some(parse_mac(mac).map_err(Fatal)?);
    }
    if let Some(id) = &args.jedec_id {
        let digits = id.trim_start_matches("0x").trim_start_matches("0X");
        config.jedec_id = u32::from_str_radix(digits, 16).map_err(|_| {
            Fatal(format!(
                "'{id}' is not a JEDEC ID; write it in hex like 0x16405e"
            ))
        })?;
    }
    config.validate().map_err(|e| Fatal(e.to_string()))?;
    Ok(config)
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
