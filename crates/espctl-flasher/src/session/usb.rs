//! The chip's own USB port as the line (`espctl_chips::usb`). esptool 5.6.0 recognises
//! it by the port's USB IDs: product 0x1001 is the USB-Serial/JTAG controller (reset with
//! its own DTR/RTS sequence), the chip's image chip ID is the ROM's USB-OTG port (left
//! through the RTC watchdog). Neither has a baud rate on the wire, so espctl does not
//! ask the loader to change it there (esptool does, to no effect).

use super::Session;
use crate::error::Result;
use crate::event::Event;
use espctl_chips::Chip;
use espctl_chips::usb::{ESPRESSIF_VID, RtcWatchdog, USB_SERIAL_JTAG_PID, otg_pid, rtc_watchdog};
use espctl_protocol::command::RegWrite;
use espctl_transport::UsbDevice;
use std::time::Duration;

/// Which of the chip's own USB ports the line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NativeUsb {
    /// The USB-Serial/JTAG controller.
    SerialJtag,
    /// The ROM's USB-OTG CDC port.
    Otg,
}

impl NativeUsb {
    /// What `usb` is, for `chip` when it is known (USB-OTG's product ID is the chip's).
    pub fn of(usb: Option<&UsbDevice>, chip: Option<&Chip>) -> Option<NativeUsb> {
        let id = usb?.id;
        if id.vid != ESPRESSIF_VID {
            return None;
        }
        if id.pid == USB_SERIAL_JTAG_PID {
            return Some(NativeUsb::SerialJtag);
        }
        (chip.and_then(otg_pid) == Some(id.pid)).then_some(NativeUsb::Otg)
    }

    /// The port's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            NativeUsb::SerialJtag => "USB-Serial/JTAG",
            NativeUsb::Otg => "USB-OTG",
        }
    }
}

/// The watchdog's first-stage timeout esptool sets, in slow-clock cycles.
const WATCHDOG_TIMEOUT_CYCLES: u32 = 2000;
/// How long esptool waits for the watchdog to reset the chip.
const WATCHDOG_WAIT: Duration = Duration::from_millis(500);

impl Session {
    /// The chip's own USB port this session talks through, if it does.
    pub fn native_usb(&mut self) -> Option<NativeUsb> {
        let chip = self.chip;
        NativeUsb::of(self.usb_device().as_ref(), Some(chip))
    }

    /// Whether the chip can be reset through its RTC watchdog (esptool's
    /// `watchdog_reset`).
    pub(crate) fn has_rtc_watchdog(&self) -> bool {
        rtc_watchdog(self.chip.kind).is_some()
    }

    /// esptool's `watchdog_reset`: unlock the RTC watchdog, give it a short timeout and a
    /// system reset as its action, lock it, and wait for it to fire. The chip boots its
    /// flash without a reset line (what a USB-OTG port, gone during the reset, needs).
    pub(crate) fn watchdog_reset(&mut self) -> Result<()> {
        let Some(wdt) = rtc_watchdog(self.chip.kind) else {
            return Ok(());
        };
        self.emit(Event::WatchdogResetting);
        let write = |addr, value| RegWrite {
            addr,
            value,
            mask: !0,
            delay_us: 0,
        };
        let config0 = RtcWatchdog::ENABLE
            | RtcWatchdog::ACTION_RESET_SYSTEM << RtcWatchdog::STAGE0_SHIFT
            | 1 << 8
            | 2;
        for w in [
            write(wdt.protect, RtcWatchdog::KEY),
            write(wdt.config1, WATCHDOG_TIMEOUT_CYCLES),
            write(wdt.config0, config0),
            write(wdt.protect, 0),
        ] {
            self.write_regs(vec![w])?;
        }
        self.conn.transport().pause(WATCHDOG_WAIT);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use espctl_transport::adapters::UsbId;

    fn usb(vid: u16, pid: u16) -> UsbDevice {
        UsbDevice {
            id: UsbId { vid, pid },
            product: None,
        }
    }

    #[test]
    fn recognised_by_usb_ids_as_esptool_does() {
        let s3 = &espctl_chips::esp32s3::ESP32S3;
        let c3 = &espctl_chips::esp32c3::ESP32C3;
        assert_eq!(
            NativeUsb::of(Some(&usb(0x303A, 0x1001)), None),
            Some(NativeUsb::SerialJtag)
        );
        assert_eq!(
            NativeUsb::of(Some(&usb(0x303A, 9)), Some(s3)),
            Some(NativeUsb::Otg)
        );
        assert_eq!(NativeUsb::of(Some(&usb(0x303A, 9)), Some(c3)), None);
        assert_eq!(NativeUsb::of(Some(&usb(0x10C4, 0xEA60)), Some(s3)), None);
        assert_eq!(NativeUsb::of(None, Some(s3)), None);
    }
}
