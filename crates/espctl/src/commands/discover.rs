//! `espctl discover`: lists the devices that announce ArduinoOTA (`_arduino._tcp`) by
//! mDNS, with their board, whether an upload needs a password, and ESPurna's extras.

use crate::console::{say, warning};
use crate::fatal::Fatal;
use espctl_ota::discover::{DiscoverEvent, FoundDevice, discover as browse};
use serde_json::json;
use std::time::Duration;

/// `espctl discover`, understood.
#[derive(Debug, Clone)]
pub struct Discover {
    /// How long to listen.
    pub timeout: Duration,
    /// JSON instead of a table.
    pub json: bool,
}

/// `espctl discover`.
pub fn discover(cmd: Discover) -> Result<(), Fatal> {
    let json = cmd.json;
    let devices = browse(cmd.timeout, &mut |event| {
        if let DiscoverEvent::Browsing { timeout } = event
            && !json
        {
            say!(
                "Looking for ArduinoOTA devices (mDNS _arduino._tcp) for {} s...",
                timeout.as_secs_f64()
            );
        }
    })
    .map_err(|e| {
        Fatal(format!(
            "{e}; discovery needs multicast on the local network."
        ))
    })?;
    for device in devices.iter().filter(|d| d.flash_size_mismatch()) {
        warning!(
            "{}: its image declares {} KB of flash but the chip has {} KB; OTA updates may fail until they match.",
            device.name,
            device.txt.get("sdk_size").map_or("?", String::as_str),
            device.txt.get("mem_size").map_or("?", String::as_str),
        );
    }
    if json {
        let list: Vec<_> = devices.iter().map(as_json).collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&list).unwrap_or_else(|_| "[]".into())
        );
        return Ok(());
    }
    if devices.is_empty() {
        say!("No device answered within {} s.", cmd.timeout.as_secs_f64());
        return Ok(());
    }
    table(&devices);
    Ok(())
}

fn as_json(device: &FoundDevice) -> serde_json::Value {
    json!({
        "name": device.name,
        "host": device.host.trim_end_matches('.'),
        "addresses": device.addresses.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
        "port": device.port,
        "board": device.board(),
        "auth_upload": device.needs_password(),
        "txt": device.txt,
    })
}

fn table(devices: &[FoundDevice]) {
    let rows: Vec<[String; 5]> = devices
        .iter()
        .map(|d| {
            [
                d.name.clone(),
                d.addresses.first().map_or("-".into(), |a| a.to_string()),
                d.port.to_string(),
                d.board().unwrap_or("-").to_string(),
                match d.needs_password() {
                    Some(true) => "yes".into(),
                    Some(false) => "no".into(),
                    None => "?".into(),
                },
            ]
        })
        .collect();
    let header = ["NAME", "ADDRESS", "PORT", "BOARD", "PASSWORD"];
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].len())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: [&str; 5]| {
        let text: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        text.join("  ").trim_end().to_string()
    };
    say!("{}", line(header));
    for (row, device) in rows.iter().zip(devices) {
        say!("{}", line([&row[0], &row[1], &row[2], &row[3], &row[4]]));
        let extras: Vec<String> = device
            .espurna()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if !extras.is_empty() {
            say!("    ESPurna: {}", extras.join(" "));
        }
    }
}
