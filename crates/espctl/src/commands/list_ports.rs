//! `espctl list-ports`: the serial ports the system has, in the order a scan without
//! `--port` tries them (Espressif's USB, known USB-serial bridges, other adapters, the
//! rest), with their USB IDs and strings; `--port-filter` applies.

use crate::console::say;
use crate::fatal::Fatal;
use espctl_flasher::ports::{self, PortFilter, PortInfo};
use espctl_flasher::transport::adapters::{Bridge, bridge_for};
use serde_json::json;

/// `espctl list-ports`, understood.
#[derive(Debug, Clone)]
pub struct ListPorts {
    /// Which ports to show.
    pub filter: PortFilter,
    /// JSON instead of a table.
    pub json: bool,
}

/// `espctl list-ports`.
pub fn list_ports(cmd: ListPorts) -> Result<(), Fatal> {
    let found = ports::ordered(ports::system_ports(), &cmd.filter);
    if cmd.json {
        let list: Vec<_> = found.iter().map(as_json).collect();
        println!(
            "{}",
            json!({"format": 1, "command": "list-ports", "ports": list})
        );
        return Ok(());
    }
    if found.is_empty() {
        say!("No serial ports found.");
        return Ok(());
    }
    for port in &found {
        say!("{}", line(port));
    }
    Ok(())
}

/// One port: its path, then what the USB device says, then the bridge espctl knows it
/// as and the fastest rate that bridge carries.
fn line(p: &PortInfo) -> String {
    let mut parts = vec![p.path.clone()];
    if let Some(id) = p.usb_id() {
        parts.push(id.to_string());
    }
    let text = |label: &str, v: &Option<String>| v.as_ref().map(|v| format!("{label}: {v}"));
    parts.extend(text("serial", &p.serial));
    parts.extend(text("manufacturer", &p.manufacturer));
    parts.extend(text("product", &p.product));
    if let Some(b) = bridge(p) {
        parts.push(match b.max_baud {
            Some(max) => format!("{} (up to {max} baud)", b.name),
            None => b.name.to_string(),
        });
    }
    parts.join("  ")
}

fn bridge(p: &PortInfo) -> Option<&'static Bridge> {
    bridge_for(p.usb_id()?, p.product.as_deref())
}

fn as_json(p: &PortInfo) -> serde_json::Value {
    let b = bridge(p);
    json!({
        "device": p.path,
        "vid": p.vid,
        "pid": p.pid,
        "serial_number": p.serial,
        "manufacturer": p.manufacturer,
        "product": p.product,
        "adapter": b.map(|b| b.name),
        "max_baud": b.and_then(|b| b.max_baud),
    })
}
