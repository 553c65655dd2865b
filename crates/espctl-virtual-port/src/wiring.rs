//! What stands between the host and the chip: the serial adapter and the board.

use espctl_transport::UsbDevice;
use espctl_transport::adapters::{BRIDGES, Bridge, UsbId, bridge_for};

/// How the adapter and the board behave. The default is a good adapter on a board with
/// the usual auto-reset circuit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wiring {
    /// The adapter takes any rate, but above this one bytes arrive garbled both ways.
    pub garbles_above: Option<u32>,
    /// The port refuses rates above this one.
    pub refuses_above: Option<u32>,
    /// DTR and RTS are wired to the chip. Without them (like a pty) setting them fails
    /// with "unsupported" and the chip cannot be reset.
    pub reset_lines: bool,
    /// DTR reaches GPIO0. When it does not, a reset always boots the flash.
    pub io0_wired: bool,
    /// The host's TX line reaches the chip. When it does not, the chip prints but never
    /// hears the host.
    pub host_tx: bool,
    /// The USB bridge the adapter is (its IDs and product string, as the system would
    /// report them). A known bridge garbles above its rate unless `garbles_above` says
    /// otherwise.
    pub usb: Option<(UsbId, Option<&'static str>)>,
}

impl Default for Wiring {
    fn default() -> Wiring {
        Wiring {
            garbles_above: None,
            refuses_above: None,
            reset_lines: true,
            io0_wired: true,
            host_tx: true,
            usb: None,
        }
    }
}

impl Wiring {
    /// Whether bytes at `baud` arrive garbled.
    pub fn garbles(&self, baud: u32) -> bool {
        self.garbles_above
            .or_else(|| self.bridge().and_then(|b| b.max_baud))
            .is_some_and(|max| baud > max)
    }

    /// The known bridge the adapter is.
    pub fn bridge(&self) -> Option<&'static Bridge> {
        let (id, product) = self.usb?;
        bridge_for(id, product)
    }

    /// The USB device the system would report for the adapter.
    pub fn usb_device(&self) -> Option<UsbDevice> {
        let (id, product) = self.usb?;
        Some(UsbDevice {
            id,
            product: product.map(|p| format!("{p} USB to UART Bridge Controller")),
        })
    }

    /// The adapter named by `value`: a bridge's name from
    /// [`espctl_transport::adapters::BRIDGES`] (`cp2102n`, `ch340`, any case) or USB IDs
    /// `VID:PID` in hex (an unknown pair is an adapter espctl does not know).
    pub fn adapter(value: &str) -> Result<(UsbId, Option<&'static str>), String> {
        if let Some(b) = BRIDGES.iter().find(|b| b.name.eq_ignore_ascii_case(value)) {
            return Ok((b.id, b.product));
        }
        let hex = |s: &str| u16::from_str_radix(s, 16).ok();
        match value.split_once(':') {
            Some((v, p)) if hex(v).is_some() && hex(p).is_some() => Ok((
                UsbId {
                    vid: hex(v).unwrap_or_default(),
                    pid: hex(p).unwrap_or_default(),
                },
                None,
            )),
            _ => {
                let names: Vec<String> = BRIDGES.iter().map(|b| b.name.to_lowercase()).collect();
                Err(format!(
                    "adapter '{value}': use VID:PID in hex or one of {}",
                    names.join(", ")
                ))
            }
        }
    }
}

/// What a byte sent at a rate the adapter cannot keep turns into: never a SLIP
/// delimiter, so no frame survives.
pub(crate) fn garble(b: u8) -> u8 {
    0x80 | (b & 0x3F)
}

/// Sees every SLIP frame crossing the line (payloads, without framing).
pub trait LineTap: Send {
    /// A frame the host sent. Returning a reply answers in the chip's place: the chip
    /// never sees the frame.
    fn host_frame(&mut self, _frame: &[u8]) -> Option<Vec<u8>> {
        None
    }

    /// A frame the chip sent, which the tap may change on its way to the host.
    fn chip_frame(&mut self, _frame: &mut Vec<u8>) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_adapter_by_name_or_ids_limits_the_line_to_its_rate() {
        let ch340 = Wiring {
            usb: Some(Wiring::adapter("CH340").unwrap()),
            ..Wiring::default()
        };
        assert!(!ch340.garbles(2_000_000));
        assert!(ch340.garbles(3_000_000));
        assert_eq!(ch340.usb_device().unwrap().id.to_string(), "1A86:7523");
        // The CP2102N shares its IDs with older CP210x: the product string says which.
        let n = Wiring {
            usb: Some(Wiring::adapter("cp2102n").unwrap()),
            ..Wiring::default()
        };
        assert_eq!(n.usb_device().unwrap().bridge().unwrap().name, "CP2102N");
        // A slower line than the bridge could carry (a long cable).
        let cable = Wiring {
            garbles_above: Some(921_600),
            ..n
        };
        assert!(cable.garbles(2_000_000));
        let unknown = Wiring {
            usb: Some(Wiring::adapter("1234:abcd").unwrap()),
            ..Wiring::default()
        };
        assert!(unknown.bridge().is_none() && !unknown.garbles(3_000_000));
        assert!(Wiring::adapter("pl2303").unwrap_err().contains("cp2102n"));
    }
}
