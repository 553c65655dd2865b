//! The chip's own USB ports as the host's end of the line (chip facts:
//! `espctl_chips::usb`).
//!
//! * USB-Serial/JTAG: a CDC-ACM port in hardware. There is no baud rate on the wire:
//!   bytes move in 64-byte USB full-speed bulk packets whatever rate the host sets (and
//!   CHANGE_BAUDRATE only reprograms UART0). DTR and RTS do not reach pins; the
//!   controller reads them ([`UsbJtagLines`]). The port stays while the chip resets.
//! * USB-OTG: the ROM's CDC port, software in the chip: also no baud rate on the wire,
//!   DTR/RTS are read by the ROM as the classic circuit would wire them, and the port
//!   disappears while the chip resets and comes back once the ROM enumerates again.

use espctl_chips::BootMode;
use std::time::Duration;

/// USB full speed carries at most 19 bulk packets of 64 bytes per 1 ms frame.
pub const USB_FULL_SPEED_BYTES_PER_SEC: u32 = 19 * 64 * 1000;

/// The rate the device's timeline uses for a USB line, as an equivalent baud rate (ten
/// bit times per byte, as a UART frame).
pub const USB_EQUIVALENT_BAUD: u32 = USB_FULL_SPEED_BYTES_PER_SEC * 10;

/// How long a USB-OTG port is gone after a reset before the ROM enumerates again (the
/// 0.2 s esptool waits after a hard reset over USB is the same order).
pub const OTG_REENUMERATION: Duration = Duration::from_millis(150);

/// What the host's end of the line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Link {
    /// UART0 through a USB-serial bridge (or a pty, or a socket).
    #[default]
    Uart,
    /// The USB-Serial/JTAG controller.
    UsbSerialJtag,
    /// The ROM's USB-OTG CDC port.
    UsbOtg,
}

impl Link {
    /// Whether bytes move at USB speed rather than at a baud rate.
    pub fn is_usb(self) -> bool {
        self != Link::Uart
    }

    /// The name used in options and messages.
    pub fn name(self) -> &'static str {
        match self {
            Link::Uart => "uart",
            Link::UsbSerialJtag => "usb-jtag",
            Link::UsbOtg => "usb-otg",
        }
    }

    /// Whether `chip` has this port.
    pub fn exists_on(self, chip: &espctl_chips::Chip) -> bool {
        let ports = espctl_chips::usb::usb_ports(chip.kind);
        match self {
            Link::Uart => true,
            Link::UsbSerialJtag => ports.serial_jtag,
            Link::UsbOtg => ports.otg,
        }
    }

    /// The USB (vendor, product) ID a host sees, `None` for a UART bridge (which has its
    /// own).
    pub fn usb_id(self, chip: &espctl_chips::Chip) -> Option<(u16, u16)> {
        use espctl_chips::usb::{ESPRESSIF_VID, USB_SERIAL_JTAG_PID, otg_pid};
        match self {
            Link::Uart => None,
            Link::UsbSerialJtag => Some((ESPRESSIF_VID, USB_SERIAL_JTAG_PID)),
            Link::UsbOtg => otg_pid(chip).map(|pid| (ESPRESSIF_VID, pid)),
        }
    }
}

/// How the USB-Serial/JTAG controller reads DTR and RTS (`true` = asserted), as the
/// chips' technical reference manuals tabulate it and esptool's `USBJTAGSerialReset`
/// drives it: DTR alone sets the "boot into download mode" flag, both released clear
/// it, and RTS alone resets the chip, which boots as the flag says. Both asserted does
/// nothing; that is why the sequence walks through it rather than through both released.
#[derive(Debug, Clone, Default)]
pub struct UsbJtagLines {
    dtr: bool,
    rts: bool,
    download: bool,
}

impl UsbJtagLines {
    /// New line states; `Some(mode)` when this change resets the chip.
    pub fn set_lines(&mut self, dtr: bool, rts: bool) -> Option<BootMode> {
        let changed = (dtr, rts) != (self.dtr, self.rts);
        self.dtr = dtr;
        self.rts = rts;
        match (dtr, rts) {
            (true, false) => self.download = true,
            (false, false) => self.download = false,
            (false, true) if changed => {
                return Some(if self.download {
                    BootMode::Download
                } else {
                    BootMode::Flash
                });
            }
            _ => {}
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// esptool's `usb_jtag_bootloader_reset` with its RTS re-writes of DTR.
    fn esptool_usb_reset(l: &mut UsbJtagLines) -> Vec<BootMode> {
        let steps = [
            (false, false),
            (false, false),
            (true, false), // IO0
            (true, false),
            (true, true),  // walk through (1,1)
            (false, true), // reset
            (false, true),
            (false, true),
            (false, false), // out of reset
        ];
        steps
            .iter()
            .filter_map(|&(d, r)| l.set_lines(d, r))
            .collect()
    }

    #[test]
    fn the_usb_reset_sequence_enters_download_mode_once() {
        let mut l = UsbJtagLines::default();
        assert_eq!(esptool_usb_reset(&mut l), vec![BootMode::Download]);
    }

    #[test]
    fn rts_alone_from_idle_boots_the_flash() {
        // esptool's hard reset: RTS asserted, then released.
        let mut l = UsbJtagLines::default();
        esptool_usb_reset(&mut l);
        assert_eq!(l.set_lines(false, true), Some(BootMode::Flash));
        assert_eq!(l.set_lines(false, false), None);
    }

    #[test]
    fn the_classic_sequence_does_not_reach_download_mode() {
        // UnixTight: (0,0) (1,1) (0,1) ... (1,0) (0,0): the reset comes before IO0.
        let mut l = UsbJtagLines::default();
        let events: Vec<_> = [
            (false, false),
            (true, true),
            (false, true),
            (true, false),
            (false, false),
        ]
        .iter()
        .filter_map(|&(d, r)| l.set_lines(d, r))
        .collect();
        assert_eq!(events, vec![BootMode::Flash]);
    }

    #[test]
    fn usb_ids_follow_the_chip() {
        let c3 = &espctl_chips::esp32c3::ESP32C3;
        assert_eq!(Link::UsbSerialJtag.usb_id(c3), Some((0x303A, 0x1001)));
        assert!(!Link::UsbOtg.exists_on(c3));
        assert_eq!(
            Link::UsbOtg.usb_id(&espctl_chips::esp32s3::ESP32S3),
            Some((0x303A, 9))
        );
        assert_eq!(Link::Uart.usb_id(c3), None);
    }
}
