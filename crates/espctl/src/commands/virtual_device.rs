//! `espctl virtual`: a virtual chip for clients to talk to.
//!
//! The first line on stdout is what a client opens: `socket://127.0.0.1:PORT` or the pty
//! path. Then it serves until killed.

use crate::cli::VirtualArgs;
use crate::fatal::Fatal;
use espctl_chips::Chip;
#[cfg(unix)]
use espctl_virtual::BootMode;
use espctl_virtual::server::{ResetHandle, TcpOptions, TcpServer};
use espctl_virtual::{Device, DeviceConfig, parse_flash_size, parse_mac};
use std::io::Write;

pub fn run(args: VirtualArgs) -> Result<(), Fatal> {
    let device = Device::new(device_config(&args)?).map_err(|e| Fatal(e.to_string()))?;
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
        start(&url, server.reset_handle())?;
        server
            .serve()
            .map_err(|e| Fatal(format!("virtual device on {url} stopped: {e}")))
    } else {
        serve_pty(device)
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
    let flash_size = parse_flash_size(&args.flash_size).map_err(Fatal)?;
    let mut config = DeviceConfig::new(chip, flash_size);
    config.flash_file = args.flash_file.clone();
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

/// Hooks up the reset signals, then prints the address for scripts: once the address is
/// out, SIGUSR1 and SIGUSR2 are safe to send.
fn start(address: &str, reset: ResetHandle) -> Result<(), Fatal> {
    // Confirms each reset on stderr, so a script can wait for it.
    #[cfg(unix)]
    espctl_virtual::server::forward_reset_signals(reset, |mode| match mode {
        BootMode::Download => eprintln!("espctl virtual: reset into download mode (SIGUSR1)"),
        BootMode::Flash => {
            eprintln!("espctl virtual: reset, running the program in flash (SIGUSR2)")
        }
    })
    .map_err(|e| Fatal(format!("cannot set up the reset signals: {e}")))?;
    #[cfg(not(unix))]
    let _ = reset;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{address}")
        .and_then(|_| out.flush())
        .map_err(|e| Fatal(format!("cannot print the address: {e}")))
}

#[cfg(unix)]
fn serve_pty(device: Device) -> Result<(), Fatal> {
    let server = espctl_virtual::server::PtyServer::open(device)
        .map_err(|e| Fatal(format!("cannot create a pty: {e}")))?;
    let path = server.path().display().to_string();
    start(&path, server.reset_handle())?;
    server
        .serve()
        .map_err(|e| Fatal(format!("virtual device on {path} stopped: {e}")))
}

#[cfg(not(unix))]
fn serve_pty(_device: Device) -> Result<(), Fatal> {
    Err(Fatal(
        "--pty needs a Unix system; use --listen 127.0.0.1:0".into(),
    ))
}
