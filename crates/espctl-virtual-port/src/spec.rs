//! `virtual:` port names: `virtual:esp8266`, with URL-style options
//! `virtual:esp8266?flash-size=1MB&flash-file=dev.img&mac=18:fe:34:00:00:01&jedec=0x16405e&start=flash`
//! (`efuse=secure-boot,flash-crypt-cnt=1` burns eFuses, as `espctl virtual --efuse`).
//!
//! Options that model the serial adapter rather than the chip: `max-baud=N` garbles
//! everything above N baud (an adapter that cannot do the rate), `adapter=cp2102n` (or
//! `adapter=10c4:ea60`) is a USB bridge the host recognises, and that garbles above the
//! rate it carries unless `max-baud` says otherwise, `lines=none` has no DTR/RTS (like a pty: the chip cannot be reset). Two model the board: `gpio0=low|high`
//! is a board without the auto-reset circuit (ESP-01 style: DTR/RTS reach nothing, GPIO0
//! stays at that level), `en-rise-ms=N` one whose EN takes N ms to rise after a reset
//! (a big capacitor on EN; 2 ms by default). `usb=jtag` or `usb=otg` is the chip's own
//! USB-Serial/JTAG or USB-OTG port instead of a bridge (see `espctl_virtual::usb`).

use crate::{VirtualChip, VirtualPort, Wiring};
use espctl_chips::Chip;
use espctl_chips::size_syntax::flash_bytes;
use espctl_transport::{OpenError, PortOpener, Transport};
use espctl_virtual::{Board, DeviceConfig, StartMode, parse_mac};
use std::path::PathBuf;
use std::time::Duration;

/// Builds the chip described by `spec` (the part after `virtual:`) and opens a session
/// on it at `baud`. The error is one line naming the port and what to use instead.
pub fn open(spec: &str, baud: u32) -> Result<VirtualPort, String> {
    let (chip_name, options) = spec.split_once('?').unwrap_or((spec, ""));
    let chip: &'static Chip = Chip::by_arg_name(chip_name).ok_or_else(|| {
        format!("virtual:{spec}: unknown chip '{chip_name}'; use virtual:esp8266 or virtual:esp32")
    })?;
    let bad = |why: String| format!("virtual:{spec}: {why}");
    let mut config = DeviceConfig::new(chip, 4 << 20);
    let mut jedec = None;
    let mut wiring = Wiring::default();
    for option in options.split('&').filter(|o| !o.is_empty()) {
        let (key, value) = option
            .split_once('=')
            .ok_or_else(|| bad(format!("option '{option}' is not key=value")))?;
        match key {
            "flash-size" | "flash_size" => {
                config.flash_size = flash_bytes(value).map_err(|e| bad(e.to_string()))?;
                config.jedec_id = espctl_virtual::config::default_jedec_id(config.flash_size);
            }
            "flash-file" | "flash_file" => config.flash_file = Some(PathBuf::from(value)),
            "mac" => config.mac = Some(parse_mac(value).map_err(bad)?),
            "efuse" => {
                for item in value.split(',').filter(|i| !i.is_empty()) {
                    config.efuse.set(item).map_err(bad)?;
                }
            }
            "jedec" => {
                let hex = value.trim_start_matches("0x").trim_start_matches("0X");
                jedec = Some(
                    u32::from_str_radix(hex, 16)
                        .map_err(|_| bad(format!("jedec '{value}' is not a hex number")))?,
                );
            }
            "max-baud" | "max_baud" => {
                wiring.garbles_above = Some(
                    value
                        .parse()
                        .map_err(|_| bad(format!("max-baud '{value}' is not a number")))?,
                )
            }
            "usb" => {
                config.link = match value {
                    "jtag" => espctl_virtual::Link::UsbSerialJtag,
                    "otg" => espctl_virtual::Link::UsbOtg,
                    _ => return Err(bad(format!("usb '{value}': use jtag or otg"))),
                }
            }
            "adapter" => wiring.usb = Some(Wiring::adapter(value).map_err(bad)?),
            "lines" => {
                wiring.reset_lines = match value {
                    "none" => false,
                    "dtr-rts" => true,
                    _ => return Err(bad(format!("lines '{value}': use none or dtr-rts"))),
                }
            }
            "gpio0" => {
                config.board = Board::NoCircuit {
                    gpio0: value.parse().map_err(bad)?,
                }
            }
            "en-rise-ms" | "en_rise_ms" => {
                let ms = value
                    .parse()
                    .map_err(|_| bad(format!("en-rise-ms '{value}' is not a number")))?;
                config.board = Board::AutoReset {
                    en_rise: Duration::from_millis(ms),
                }
            }
            "start" => {
                config.start = match value {
                    "download" => StartMode::Download,
                    "flash" => StartMode::Flash,
                    _ => return Err(bad(format!("start '{value}': use download or flash"))),
                }
            }
            _ => {
                return Err(bad(format!(
                    "unknown option '{key}' (use flash-size, flash-file, mac, efuse, jedec, start, max-baud, adapter, lines, gpio0, en-rise-ms, usb)"
                )));
            }
        }
    }
    if let Some(j) = jedec {
        config.jedec_id = j;
    }
    let chip = VirtualChip::new(config).map_err(|e| bad(e.to_string()))?;
    Ok(chip
        .port(baud)
        .named(format!("virtual:{spec}"))
        .wired(wiring))
}

/// Opens `virtual:` port names for a client library (e.g. `espctl_flasher::PortSpec`).
#[derive(Debug, Clone, Copy, Default)]
pub struct VirtualPorts;

impl PortOpener for VirtualPorts {
    fn open(&self, name: &str, baud: u32) -> Option<Result<Box<dyn Transport>, OpenError>> {
        let spec = name.strip_prefix("virtual:")?;
        Some(
            open(spec, baud)
                .map(|port| Box::new(port) as Box<dyn Transport>)
                .map_err(|message| OpenError::BadName {
                    port: name.to_string(),
                    message,
                }),
        )
    }
}
