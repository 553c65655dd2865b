//! The chips' own USB ports: the USB-Serial/JTAG controller (a CDC-ACM port wired into
//! the chip, with a hardware reset path) and the ROM's USB-OTG CDC port (software in the
//! ROM: it goes away while the chip resets), and the RTC watchdog esptool resets through
//! when the line cannot (`--after watchdog-reset`).
//!
//! How a host tells them apart (esptool 5.6.0 `loader.py`): a USB-Serial/JTAG port has
//! Espressif's vendor ID and product ID 0x1001; a USB-OTG port has Espressif's vendor ID
//! and the chip's image chip ID as product ID.

use crate::{Chip, ChipKind};

/// Espressif's USB vendor ID.
pub const ESPRESSIF_VID: u16 = 0x303A;

/// The product ID of every chip's USB-Serial/JTAG controller.
pub const USB_SERIAL_JTAG_PID: u16 = 0x1001;

/// Which of its own USB ports a chip has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UsbPorts {
    /// The USB-Serial/JTAG controller (ESP32-C3, S3, C5, C6, C61, H2, P4).
    pub serial_jtag: bool,
    /// A USB-OTG controller whose ROM offers a CDC download port (ESP32-S2, S3, P4).
    pub otg: bool,
}

/// The USB ports `kind` has.
pub fn usb_ports(kind: ChipKind) -> UsbPorts {
    use ChipKind::*;
    UsbPorts {
        serial_jtag: matches!(
            kind,
            Esp32c3 | Esp32s3 | Esp32c5 | Esp32c6 | Esp32c61 | Esp32h2 | Esp32p4
        ),
        otg: matches!(kind, Esp32s2 | Esp32s3 | Esp32p4),
    }
}

/// The product ID the chip's ROM USB-OTG port enumerates with: its image chip ID.
pub fn otg_pid(chip: &Chip) -> Option<u16> {
    if usb_ports(chip.kind).otg {
        chip.image_chip_id
    } else {
        None
    }
}

/// The RTC watchdog's registers, as esptool's `watchdog_reset` writes them: unlock the
/// write protection with [`RtcWatchdog::KEY`], set a timeout, enable it with a system
/// reset as its action, lock again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtcWatchdog {
    /// `RTC_CNTL_WDTCONFIG0_REG`: bit 31 enables it; bits 28-30 the first stage's action.
    pub config0: u32,
    /// `RTC_CNTL_WDTCONFIG1_REG`: the first stage's timeout in slow-clock cycles.
    pub config1: u32,
    /// `RTC_CNTL_WDTWPROTECT_REG`: writable only after [`RtcWatchdog::KEY`] is written.
    pub protect: u32,
}

impl RtcWatchdog {
    /// The write-protection key.
    pub const KEY: u32 = 0x50D8_3AA1;
    /// WDTCONFIG0's enable bit.
    pub const ENABLE: u32 = 1 << 31;
    /// The first stage's action field (WDTCONFIG0 bits 28-30) and the value that resets
    /// the whole system.
    pub const STAGE0_SHIFT: u32 = 28;
    /// A system reset (esptool sets the first stage to it).
    pub const ACTION_RESET_SYSTEM: u32 = 5;
    /// The RTC slow clock's rate the timeout counts (the internal ~90 kHz RC oscillator
    /// is the boot default on these chips; only the order of magnitude matters here).
    pub const SLOW_CLOCK_HZ: u32 = 90_000;
}

/// The RTC watchdog of `kind`, where esptool resets through it (`None`: esptool falls
/// back to a hard reset).
pub fn rtc_watchdog(kind: ChipKind) -> Option<RtcWatchdog> {
    // esptool 5.6.0 targets: RTCCNTL_BASE_REG + the WDT register offsets.
    let (base, config0) = match kind {
        ChipKind::Esp32s2 => (0x3F40_8000, 0x94),
        ChipKind::Esp32s3 => (0x6000_8000, 0x98),
        ChipKind::Esp32c3 => (0x6000_8000, 0x90),
        _ => return None,
    };
    Some(RtcWatchdog {
        config0: base + config0,
        config1: base + config0 + 4,
        protect: base + config0 + 0x18,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn esptool_register_addresses() {
        let s3 = rtc_watchdog(ChipKind::Esp32s3).unwrap();
        assert_eq!(
            (s3.config0, s3.config1, s3.protect),
            (0x6000_8098, 0x6000_809C, 0x6000_80B0)
        );
        let s2 = rtc_watchdog(ChipKind::Esp32s2).unwrap();
        assert_eq!(s2.protect, 0x3F40_80AC);
        let c3 = rtc_watchdog(ChipKind::Esp32c3).unwrap();
        assert_eq!((c3.config0, c3.protect), (0x6000_8090, 0x6000_80A8));
        assert_eq!(rtc_watchdog(ChipKind::Esp32), None);
    }

    #[test]
    fn which_chips_have_which_port() {
        assert_eq!(usb_ports(ChipKind::Esp32), UsbPorts::default());
        assert!(usb_ports(ChipKind::Esp32c3).serial_jtag && !usb_ports(ChipKind::Esp32c3).otg);
        assert!(usb_ports(ChipKind::Esp32s3).serial_jtag && usb_ports(ChipKind::Esp32s3).otg);
        assert_eq!(otg_pid(&crate::esp32s2::ESP32S2), Some(2));
        assert_eq!(otg_pid(&crate::esp32c3::ESP32C3), None);
    }
}
