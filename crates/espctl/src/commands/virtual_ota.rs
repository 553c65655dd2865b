//! `espctl virtual --ota`: a virtual ESP8266 running ArduinoOTA on 127.0.0.1.
//!
//! Once every service listens, stdout gets one line per service (`ota 127.0.0.1:PORT`
//! first). Each thing the device does is one line on stderr. It serves until stopped by
//! a signal; the flash file holds every byte written by then.

use crate::fatal::Fatal;
use espctl_virtual_ota::{OtaDevice, OtaDeviceOptions};
use std::io::Write;

/// `espctl virtual --ota`.
#[derive(Debug, Clone)]
pub struct VirtualOta {
    /// The device.
    pub options: OtaDeviceOptions,
}

/// Runs the device until the process is stopped.
pub fn serve(cmd: VirtualOta) -> Result<(), Fatal> {
    let device = OtaDevice::start_with_events(cmd.options, |event| {
        eprintln!("espctl virtual: {event}");
    })
    .map_err(|e| Fatal(e.to_string()))?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "ota {}", device.ota_addr())
        .and_then(|_| match device.http_addr() {
            Some(addr) => writeln!(out, "http http://{addr}/upgrade"),
            None => Ok(()),
        })
        .and_then(|_| match device.telnet_addr() {
            Some(addr) => writeln!(out, "telnet telnet://{addr}"),
            None => Ok(()),
        })
        .and_then(|_| out.flush())
        .map_err(|e| Fatal(format!("cannot print the address: {e}")))?;
    drop(out);
    loop {
        std::thread::park();
    }
}
