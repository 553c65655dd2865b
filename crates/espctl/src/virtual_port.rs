//! `virtual:esp8266` / `virtual:esp32` ports: a simulated chip inside this process,
//! configured with URL-style options:
//! `virtual:esp8266?flash-size=1MB&flash-file=dev.img&mac=18:fe:34:00:00:01&jedec=0x16405e&start=flash`.
//!
//! Two options model the serial adapter rather than the chip: `max-baud=N` garbles
//! everything above N baud (an adapter that cannot do the rate), `lines=none` has no
//! DTR/RTS (like a pty: the chip cannot be reset).

use espctl_chips::Chip;
use espctl_flasher::transport::{LineError, Transport, TransportKind};
use espctl_virtual::clock::ManualClock;
use espctl_virtual::{Device, DeviceConfig, StartMode, parse_flash_size, parse_mac};
use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The in-process device behind the [`Transport`] trait. The device answers inside
/// `write`, so time only matters for the reset circuit: it runs on a virtual clock that
/// the reset sequence's pauses and the read timeouts advance, so nothing really sleeps.
pub struct VirtualPort {
    name: String,
    device: Device,
    clock: ManualClock,
    baud: u32,
    dtr: bool,
    rts: bool,
    /// The adapter's highest working rate: above it, bytes arrive garbled both ways.
    max_baud: Option<u32>,
    /// DTR and RTS are wired.
    lines: bool,
}

/// Builds the device described by `spec` (the part after `virtual:`).
pub fn open(spec: &str, baud: u32) -> Result<Box<dyn Transport>, String> {
    let (chip_name, options) = spec.split_once('?').unwrap_or((spec, ""));
    let chip: &'static Chip = Chip::by_arg_name(chip_name).ok_or_else(|| {
        format!("virtual:{spec}: unknown chip '{chip_name}'; use virtual:esp8266 or virtual:esp32")
    })?;
    let bad = |why: String| format!("virtual:{spec}: {why}");
    let mut config = DeviceConfig::new(chip, 4 << 20);
    let mut jedec = None;
    let mut max_baud = None;
    let mut lines = true;
    for option in options.split('&').filter(|o| !o.is_empty()) {
        let (key, value) = option
            .split_once('=')
            .ok_or_else(|| bad(format!("option '{option}' is not key=value")))?;
        match key {
            "flash-size" | "flash_size" => {
                config.flash_size = parse_flash_size(value).map_err(bad)?;
                config.jedec_id = espctl_virtual::config::default_jedec_id(config.flash_size);
            }
            "flash-file" | "flash_file" => config.flash_file = Some(PathBuf::from(value)),
            "mac" => config.mac = Some(parse_mac(value).map_err(bad)?),
            "jedec" => {
                let hex = value.trim_start_matches("0x").trim_start_matches("0X");
                jedec = Some(
                    u32::from_str_radix(hex, 16)
                        .map_err(|_| bad(format!("jedec '{value}' is not a hex number")))?,
                );
            }
            "max-baud" | "max_baud" => {
                max_baud = Some(
                    value
                        .parse()
                        .map_err(|_| bad(format!("max-baud '{value}' is not a number")))?,
                )
            }
            "lines" => {
                lines = match value {
                    "none" => false,
                    "dtr-rts" => true,
                    _ => return Err(bad(format!("lines '{value}': use none or dtr-rts"))),
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
                    "unknown option '{key}' (use flash-size, flash-file, mac, jedec, start, max-baud, lines)"
                )));
            }
        }
    }
    if let Some(j) = jedec {
        config.jedec_id = j;
    }
    let clock = ManualClock::new();
    config.clock = Some(Arc::new(clock.clone()));
    let mut device = Device::new(config).map_err(|e| bad(e.to_string()))?;
    device.set_baud(baud);
    Ok(Box::new(VirtualPort {
        name: format!("virtual:{spec}"),
        device,
        clock,
        baud,
        dtr: false,
        rts: false,
        max_baud,
        lines,
    }))
}

impl Transport for VirtualPort {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> TransportKind {
        TransportKind::Virtual
    }

    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        if self.garbles() {
            let garbled: Vec<u8> = data.iter().map(|b| garble(*b)).collect();
            self.device.write(&garbled);
        } else {
            self.device.write(data);
        }
        Ok(())
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        let mut n = self.device.read(buf);
        if n == 0 {
            // Nothing queued: let the timeout pass on the virtual clock (a reset may
            // complete).
            self.clock.advance(timeout);
            n = self.device.read(buf);
        }
        if self.garbles() {
            buf[..n].iter_mut().for_each(|b| *b = garble(*b));
        }
        Ok(n)
    }

    fn clear_input(&mut self) -> io::Result<()> {
        self.device.clear_output();
        Ok(())
    }

    fn baud(&self) -> u32 {
        self.baud
    }

    fn set_baud(&mut self, baud: u32) -> io::Result<()> {
        self.baud = baud;
        self.device.set_baud(baud);
        Ok(())
    }

    fn set_dtr(&mut self, asserted: bool) -> Result<(), LineError> {
        self.check_lines()?;
        self.dtr = asserted;
        self.device.set_modem_lines(self.dtr, self.rts);
        Ok(())
    }

    fn set_rts(&mut self, asserted: bool) -> Result<(), LineError> {
        self.check_lines()?;
        self.rts = asserted;
        self.device.set_modem_lines(self.dtr, self.rts);
        Ok(())
    }

    fn set_dtr_rts(&mut self, dtr: bool, rts: bool) -> Result<(), LineError> {
        self.check_lines()?;
        self.dtr = dtr;
        self.rts = rts;
        self.device.set_modem_lines(dtr, rts);
        Ok(())
    }

    fn pause(&mut self, duration: Duration) {
        self.clock.advance(duration);
    }
}

impl VirtualPort {
    fn garbles(&self) -> bool {
        self.max_baud.is_some_and(|max| self.baud > max)
    }

    fn check_lines(&self) -> Result<(), LineError> {
        if self.lines {
            Ok(())
        } else {
            Err(LineError::Unsupported)
        }
    }
}

/// What a byte sent at a rate the adapter cannot keep turns into: never a SLIP
/// delimiter, so no frame survives.
fn garble(b: u8) -> u8 {
    0x80 | (b & 0x3F)
}
