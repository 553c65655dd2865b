//! The virtual device in real time behind the [`Transport`] trait, DTR and RTS wired to
//! its board's reset circuit: what `espctl virtual --rfc2217` serves.

use espctl_transport::{LineError, Transport, TransportKind, UsbDevice};
use espctl_virtual::Device;
use espctl_virtual::server::{LocalLine, ResetHandle};
use std::io;
use std::time::Duration;

/// A [`Transport`] to a [`Device`] running on the system clock.
pub struct LivePort {
    name: String,
    usb: Option<UsbDevice>,
    line: LocalLine,
    baud: u32,
    dtr: bool,
    rts: bool,
}

impl LivePort {
    /// The device at `baud`, DTR and RTS released; `name` names it in messages.
    pub fn new(device: Device, name: impl Into<String>, baud: u32) -> LivePort {
        let usb = native_usb_device(&device);
        let line = LocalLine::new(device);
        line.set_baud(baud);
        LivePort {
            name: name.into(),
            usb,
            line,
            baud,
            dtr: false,
            rts: false,
        }
    }

    /// A handle that resets the device from another thread (signals).
    pub fn reset_handle(&self) -> ResetHandle {
        self.line.reset_handle()
    }
}

impl Transport for LivePort {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> TransportKind {
        TransportKind::Virtual
    }

    fn usb_device(&self) -> Option<UsbDevice> {
        self.usb.clone()
    }

    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        self.line.write(data);
        Ok(())
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        Ok(self.line.read(buf, timeout))
    }

    fn clear_input(&mut self) -> io::Result<()> {
        self.line.clear_input();
        Ok(())
    }

    fn baud(&self) -> u32 {
        self.baud
    }

    fn set_baud(&mut self, baud: u32) -> io::Result<()> {
        self.baud = baud;
        self.line.set_baud(baud);
        Ok(())
    }

    fn set_dtr(&mut self, asserted: bool) -> Result<(), LineError> {
        self.set_dtr_rts(asserted, self.rts)
    }

    fn set_rts(&mut self, asserted: bool) -> Result<(), LineError> {
        self.set_dtr_rts(self.dtr, asserted)
    }

    fn set_dtr_rts(&mut self, dtr: bool, rts: bool) -> Result<(), LineError> {
        self.dtr = dtr;
        self.rts = rts;
        self.line.set_modem_lines(dtr, rts);
        Ok(())
    }
}

/// The USB device a device on its chip's own USB port enumerates as (Espressif's IDs, no
/// bridge in between); `None` behind a USB-UART bridge.
pub(crate) fn native_usb_device(device: &Device) -> Option<UsbDevice> {
    let link = device.link();
    let (vid, pid) = link.usb_id(device.chip())?;
    Some(UsbDevice {
        id: espctl_transport::adapters::UsbId { vid, pid },
        product: (link == espctl_virtual::Link::UsbSerialJtag)
            .then(|| "USB JTAG/serial debug unit".to_string()),
    })
}
