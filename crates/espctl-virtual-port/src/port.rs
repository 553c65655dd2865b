//! One host session on a virtual chip, as a [`Transport`].

use crate::VirtualChip;
use crate::faults::Faults;
use crate::wiring::{LineTap, Wiring, garble};
use espctl_protocol::slip;
use espctl_transport::{LineError, Transport, TransportKind};
use espctl_virtual::BootMode;
use std::collections::VecDeque;
use std::io;
use std::time::Duration;

/// The host's end of the line to a [`VirtualChip`].
pub struct VirtualPort {
    name: String,
    chip: VirtualChip,
    baud: u32,
    dtr: bool,
    rts: bool,
    wiring: Wiring,
    tap: Option<Tapped>,
    faulty: Option<FaultyLine>,
}

/// A line with [`Faults`]: the damaged bytes on their way to the host, and whether this
/// port has lost its device (a pulled cable ends the port for good, as the device file
/// of an unplugged adapter).
struct FaultyLine {
    faults: Faults,
    to_host: VecDeque<u8>,
    cuts_at_open: u64,
}

/// The line as a [`LineTap`] sees it: frames decoded each way.
struct Tapped {
    tap: Box<dyn LineTap>,
    from_host: slip::Decoder,
    from_chip: slip::Decoder,
    /// Bytes on their way to the host, after the tap.
    to_host: VecDeque<u8>,
}

impl VirtualPort {
    /// A session at `baud` through a good adapter; the chip is told the host's rate.
    pub fn new(chip: VirtualChip, baud: u32) -> VirtualPort {
        chip.device().set_baud(baud);
        VirtualPort {
            name: "virtual".to_string(),
            chip,
            baud,
            dtr: false,
            rts: false,
            wiring: Wiring::default(),
            tap: None,
            faulty: None,
        }
    }

    /// The same port on a line with `faults` (shared with every port opened on it).
    pub fn faulty(mut self, faults: Faults) -> VirtualPort {
        self.faulty = Some(FaultyLine {
            cuts_at_open: faults.counts().cuts,
            faults,
            to_host: VecDeque::new(),
        });
        self
    }

    /// Fails once the cable was pulled while this port was open.
    fn check_line(&self) -> io::Result<()> {
        match &self.faulty {
            Some(f) if f.faults.counts().cuts > f.cuts_at_open => Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "device disconnected",
            )),
            _ => Ok(()),
        }
    }

    /// The port's name in messages.
    pub fn named(mut self, name: impl Into<String>) -> VirtualPort {
        self.name = name.into();
        self
    }

    /// The same port with the adapter and board behaviour of `wiring`.
    pub fn wired(mut self, wiring: Wiring) -> VirtualPort {
        self.wiring = wiring;
        self
    }

    /// The same port with `tap` watching (and possibly answering or changing) every
    /// frame on the line.
    pub fn tapped(mut self, tap: impl LineTap + 'static) -> VirtualPort {
        self.tap = Some(Tapped {
            tap: Box::new(tap),
            from_host: slip::Decoder::new(),
            from_chip: slip::Decoder::new(),
            to_host: VecDeque::new(),
        });
        self
    }

    /// The chip at the other end of the line.
    pub fn chip(&self) -> &VirtualChip {
        &self.chip
    }

    fn garbles(&self) -> bool {
        self.wiring.garbles(self.baud)
    }

    fn check_lines(&self) -> Result<(), LineError> {
        if self.wiring.reset_lines {
            Ok(())
        } else {
            Err(LineError::Unsupported)
        }
    }

    /// DTR drives GPIO0 only where it is wired.
    fn apply_lines(&mut self) {
        let dtr = self.dtr && self.wiring.io0_wired;
        self.chip.device().set_modem_lines(dtr, self.rts);
    }

    /// What the chip sends within `timeout`, as a good line delivers it.
    fn read_clean(&mut self, buf: &mut [u8], timeout: Duration) -> usize {
        let mut n = self.read_chip(buf);
        if n == 0 {
            // Nothing queued: let the timeout pass on the chip's clock (a reset may
            // complete, a busy chip may answer).
            self.chip.advance(timeout);
            n = self.read_chip(buf);
        }
        if self.garbles() {
            buf[..n].iter_mut().for_each(|b| *b = garble(*b));
        }
        n
    }

    /// What the chip sends within `timeout`, through the faults of the line.
    fn read_faulty(&mut self, buf: &mut [u8], timeout: Duration) -> usize {
        let stalls = self.faulty.as_ref().is_some_and(|f| f.faults.stalls());
        if stalls {
            self.chip.advance(timeout);
            return 0;
        }
        if self.faulty.as_ref().is_some_and(|f| f.to_host.is_empty()) {
            let mut chunk = vec![0; buf.len()];
            let n = self.read_clean(&mut chunk, timeout);
            let f = self.faulty.as_mut().expect("a faulty line");
            let damaged = f.faults.chip_sends(&chunk[..n]);
            f.to_host.extend(damaged);
        }
        let f = self.faulty.as_mut().expect("a faulty line");
        let n = buf.len().min(f.to_host.len());
        for (slot, b) in buf.iter_mut().zip(f.to_host.drain(..n)) {
            *slot = b;
        }
        n
    }

    /// What the chip has sent so far, through the tap.
    fn read_chip(&mut self, buf: &mut [u8]) -> usize {
        let Some(t) = &mut self.tap else {
            return self.chip.device().read(buf);
        };
        let mut chunk = vec![0; buf.len().max(4096)];
        let n = self.chip.device().read(&mut chunk);
        for &b in &chunk[..n] {
            if let Some(Ok(mut frame)) = t.from_chip.push(b) {
                t.tap.chip_frame(&mut frame);
                t.to_host.extend(slip::encode(&frame));
            }
            // Text between frames (boot logs) passes as it is.
            t.to_host.extend(t.from_chip.take_noise());
        }
        let n = buf.len().min(t.to_host.len());
        for (slot, b) in buf.iter_mut().zip(t.to_host.drain(..n)) {
            *slot = b;
        }
        n
    }
}

impl Transport for VirtualPort {
    fn usb_device(&self) -> Option<espctl_transport::UsbDevice> {
        crate::live::native_usb_device(&self.chip.device()).or_else(|| self.wiring.usb_device())
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> TransportKind {
        TransportKind::Virtual
    }

    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        self.check_line()?;
        if !self.wiring.host_tx {
            return Ok(());
        }
        let damaged;
        let data = match &self.faulty {
            Some(f) => {
                let sent = f.faults.host_sends(data);
                if let Some(cut) = sent.cut {
                    if cut.power_cycle {
                        // USB power goes with the cable: the board boots its firmware.
                        self.chip.device().reset(BootMode::Flash);
                    }
                    return self.check_line();
                }
                damaged = sent.bytes;
                &damaged[..]
            }
            None => data,
        };
        let bytes: Vec<u8> = if self.garbles() {
            data.iter().map(|&b| garble(b)).collect()
        } else {
            data.to_vec()
        };
        let Some(t) = &mut self.tap else {
            self.chip.device().write(&bytes);
            return Ok(());
        };
        for &b in &bytes {
            match t.from_host.push(b) {
                Some(Ok(frame)) => match t.tap.host_frame(&frame) {
                    Some(reply) => t.to_host.extend(slip::encode(&reply)),
                    None => self.chip.device().write(&slip::encode(&frame)),
                },
                _ => {
                    let noise = t.from_host.take_noise();
                    if !noise.is_empty() {
                        self.chip.device().write(&noise);
                    }
                }
            }
        }
        Ok(())
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        self.check_line()?;
        if self.faulty.is_some() {
            return Ok(self.read_faulty(buf, timeout));
        }
        Ok(self.read_clean(buf, timeout))
    }

    fn clear_input(&mut self) -> io::Result<()> {
        self.check_line()?;
        self.chip.device().clear_output();
        if let Some(t) = &mut self.tap {
            t.to_host.clear();
            t.from_chip.reset();
        }
        if let Some(f) = &mut self.faulty {
            f.to_host.clear();
        }
        Ok(())
    }
    fn baud(&self) -> u32 {
        self.baud
    }

    fn set_baud(&mut self, baud: u32) -> io::Result<()> {
        if self.wiring.refuses_above.is_some_and(|max| baud > max) {
            return Err(io::Error::other(format!("{baud} baud is not supported")));
        }
        self.baud = baud;
        // The chip sees the rate the host really uses, garbled or not.
        self.chip.device().set_baud(baud);
        Ok(())
    }

    fn set_dtr(&mut self, asserted: bool) -> Result<(), LineError> {
        self.check_lines()?;
        self.dtr = asserted;
        self.apply_lines();
        Ok(())
    }

    fn set_rts(&mut self, asserted: bool) -> Result<(), LineError> {
        self.check_lines()?;
        self.rts = asserted;
        self.apply_lines();
        Ok(())
    }

    fn set_dtr_rts(&mut self, dtr: bool, rts: bool) -> Result<(), LineError> {
        self.check_lines()?;
        self.dtr = dtr;
        self.rts = rts;
        self.apply_lines();
        Ok(())
    }

    fn pause(&mut self, duration: Duration) {
        self.chip.advance(duration);
    }
}
