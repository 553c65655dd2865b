//! Changing the baud rate against the virtual device, through an adapter model: the
//! change is confirmed with a SYNC, and each way it can fail ends as documented.

use espctl_chips::Chip;
use espctl_chips::esp32::ESP32;
use espctl_chips::esp8266::ESP8266;
use espctl_flasher::stub::StubStore;
use espctl_flasher::transport::{LineError, Transport, TransportKind};
use espctl_flasher::{BaudChange, Before, ConnectOptions, Error, Event, Session};
use espctl_protocol::{Opcode, Response, StatusLength, slip};
use espctl_virtual::clock::ManualClock;
use espctl_virtual::{Device, DeviceConfig};
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What stands between the host and the chip.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Adapter {
    /// Works at every rate.
    Good,
    /// Takes any rate, but above this one the bytes arrive garbled both ways.
    GarblesAbove(u32),
    /// The port refuses rates above this one.
    RefusesAbove(u32),
    /// A chip that acknowledges CHANGE_BAUDRATE but keeps its rate (the stub then
    /// stays at the rate it started at).
    ChipIgnoresChange,
}

struct Line {
    device: Device,
    clock: ManualClock,
    adapter: Adapter,
    baud: u32,
    decoder: slip::Decoder,
    /// Replies the adapter model makes up (for a chip that ignores the change).
    injected: Vec<u8>,
    status_len: StatusLength,
}

impl Line {
    fn garbles(&self) -> bool {
        matches!(self.adapter, Adapter::GarblesAbove(max) if self.baud > max)
    }
}

fn garble(b: &mut u8) {
    *b = 0x80 | (*b & 0x3F);
}

impl Transport for Line {
    fn name(&self) -> &str {
        "line"
    }
    fn kind(&self) -> TransportKind {
        TransportKind::Virtual
    }
    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        if self.adapter == Adapter::ChipIgnoresChange {
            for frame in self.decoder.feed(data).into_iter().flatten() {
                if frame.len() >= 2 && frame[1] == Opcode::ChangeBaudrate as u8 {
                    let reply = Response::ok(frame[1], 0, vec![]).encode(self.status_len);
                    self.injected.extend(slip::encode(&reply));
                    return Ok(());
                }
            }
        }
        let mut bytes = data.to_vec();
        if self.garbles() {
            bytes.iter_mut().for_each(garble);
        }
        self.device.write(&bytes);
        Ok(())
    }
    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        if !self.injected.is_empty() {
            let n = self.injected.len().min(buf.len());
            buf[..n].copy_from_slice(&self.injected[..n]);
            self.injected.drain(..n);
            return Ok(n);
        }
        let mut n = self.device.read(buf);
        if n == 0 {
            self.clock.advance(timeout);
            n = self.device.read(buf);
        }
        if self.garbles() {
            buf[..n].iter_mut().for_each(garble);
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
        if matches!(self.adapter, Adapter::RefusesAbove(max) if baud > max) {
            return Err(io::Error::other("rate not supported"));
        }
        self.baud = baud;
        // The chip model sees the rate the host really uses (garbled or not).
        self.device.set_baud(baud);
        Ok(())
    }
    fn set_dtr(&mut self, _: bool) -> Result<(), LineError> {
        Err(LineError::Unsupported)
    }
    fn set_rts(&mut self, _: bool) -> Result<(), LineError> {
        Err(LineError::Unsupported)
    }
    fn pause(&mut self, d: Duration) {
        self.clock.advance(d);
    }
}

fn session(chip: &'static Chip, adapter: Adapter, stub: bool) -> (Session, Arc<Mutex<Vec<Event>>>) {
    let clock = ManualClock::new();
    let mut config = DeviceConfig::new(chip, 4 << 20);
    config.clock = Some(Arc::new(clock.clone()));
    let mut device = Device::new(config).unwrap();
    device.set_baud(115_200);
    let status_len = if stub || chip.rom.status_len == 2 {
        StatusLength::Two
    } else {
        StatusLength::Four
    };
    let line = Line {
        device,
        clock,
        adapter,
        baud: 115_200,
        decoder: slip::Decoder::new(),
        injected: Vec::new(),
        status_len,
    };
    let log = Arc::new(Mutex::new(Vec::new()));
    let l = log.clone();
    let options = ConnectOptions::default()
        .before(Before::NoReset)
        .attempts(1)
        .chip(Some(chip));
    let mut s = Session::connect(
        Box::new(line),
        &options,
        Arc::new(move |e| l.lock().unwrap().push(e)),
    )
    .unwrap();
    if stub {
        let image = StubStore::in_data_dir(espctl_testkit::stub_data_dir())
            .load(chip)
            .unwrap()
            .expect("stub installed");
        s.run_stub(Some(&image)).unwrap();
    }
    (s, log)
}

/// The link works: a register read answers.
fn answers(s: &mut Session) -> bool {
    s.read_reg(espctl_chips::CHIP_DETECT_MAGIC_REG).is_ok()
}

#[test]
fn a_confirmed_change_leaves_both_ends_at_the_new_rate() {
    for (chip, stub) in [(&ESP8266, true), (&ESP32, true), (&ESP32, false)] {
        let (mut s, log) = session(chip, Adapter::Good, stub);
        assert_eq!(s.change_baud(921_600).unwrap(), BaudChange::Changed);
        assert_eq!(s.baud(), 921_600);
        assert!(answers(&mut s), "{} stub={stub}", chip.name);
        let log = log.lock().unwrap();
        assert!(
            log.iter()
                .any(|e| matches!(e, Event::BaudChanged { baud: 921_600 }))
        );
    }
    // The ESP8266 ROM cannot: nothing is sent.
    let (mut s, _) = session(&ESP8266, Adapter::Good, false);
    assert_eq!(s.change_baud(921_600).unwrap(), BaudChange::Unsupported);
    assert_eq!(s.baud(), 115_200);
}

#[test]
fn a_port_that_refuses_the_rate_changes_nothing() {
    let (mut s, log) = session(&ESP32, Adapter::RefusesAbove(460_800), true);
    assert_eq!(s.change_baud(921_600).unwrap(), BaudChange::HostRefused);
    assert_eq!(s.baud(), 115_200);
    assert!(answers(&mut s));
    assert!(
        !log.lock()
            .unwrap()
            .iter()
            .any(|e| matches!(e, Event::BaudChanging { .. }))
    );
}

#[test]
fn a_chip_that_kept_its_rate_is_used_at_the_old_one() {
    let (mut s, log) = session(&ESP32, Adapter::ChipIgnoresChange, true);
    assert_eq!(s.change_baud(921_600).unwrap(), BaudChange::KeptOld);
    assert_eq!(s.baud(), 115_200);
    assert!(answers(&mut s));
    assert!(log.lock().unwrap().iter().any(|e| matches!(
        e,
        Event::BaudFellBack {
            tried: 921_600,
            baud: 115_200
        }
    )));
}

#[test]
fn a_chip_lost_at_the_new_rate_is_reported() {
    for (chip, stub) in [(&ESP8266, true), (&ESP32, false)] {
        let (mut s, _) = session(chip, Adapter::GarblesAbove(460_800), stub);
        let err = s.change_baud(921_600).unwrap_err();
        assert!(
            matches!(
                err,
                Error::BaudLost {
                    baud: 921_600,
                    old: 115_200
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("--baud 115200"));
        // A rate the adapter manages works.
        let (mut s, _) = session(chip, Adapter::GarblesAbove(460_800), stub);
        assert_eq!(s.change_baud(460_800).unwrap(), BaudChange::Changed);
        assert!(answers(&mut s));
    }
}
