//! Changing the baud rate against the virtual device, through an adapter model: the
//! change is confirmed with a SYNC, and each way it can fail ends as documented.

use espctl_chips::Chip;
use espctl_chips::esp32::ESP32;
use espctl_chips::esp8266::ESP8266;
use espctl_flasher::stub::StubStore;
use espctl_flasher::{BaudChange, Before, ConnectOptions, Error, Event, Hint, Session};
use espctl_protocol::{Opcode, Response, StatusLength};
use espctl_virtual::DeviceConfig;
use espctl_virtual_port::{LineTap, VirtualChip, Wiring};
use std::sync::{Arc, Mutex};

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

/// Acknowledges CHANGE_BAUDRATE in the chip's place; the chip never hears of it.
struct AcknowledgeBaudChange {
    status_len: StatusLength,
}

impl LineTap for AcknowledgeBaudChange {
    fn host_frame(&mut self, frame: &[u8]) -> Option<Vec<u8>> {
        (frame.len() >= 2 && frame[1] == Opcode::ChangeBaudrate as u8)
            .then(|| Response::ok(frame[1], 0, vec![]).encode(self.status_len))
    }
}

fn session(chip: &'static Chip, adapter: Adapter, stub: bool) -> (Session, Arc<Mutex<Vec<Event>>>) {
    let device = VirtualChip::new(DeviceConfig::new(chip, 4 << 20)).unwrap();
    let status_len = if stub || chip.rom.status_len == 2 {
        StatusLength::Two
    } else {
        StatusLength::Four
    };
    // No reset lines: the chip stays in its loader whatever the host does.
    let no_lines = Wiring {
        reset_lines: false,
        ..Wiring::default()
    };
    let port = device.port(115_200);
    let port = match adapter {
        Adapter::Good => port.wired(no_lines),
        Adapter::GarblesAbove(max) => port.wired(Wiring {
            garbles_above: Some(max),
            ..no_lines
        }),
        Adapter::RefusesAbove(max) => port.wired(Wiring {
            refuses_above: Some(max),
            ..no_lines
        }),
        Adapter::ChipIgnoresChange => port
            .wired(no_lines)
            .tapped(AcknowledgeBaudChange { status_len }),
    };
    let log = Arc::new(Mutex::new(Vec::new()));
    let l = log.clone();
    let options = ConnectOptions::default()
        .before(Before::NoReset)
        .attempts(1)
        .chip(Some(chip));
    let mut s = Session::connect(
        Box::new(port),
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
        // The advice names the rate that still works.
        assert_eq!(err.hint(), Some(Hint::ResetAtBaud(115_200)));
        assert!(
            !err.to_string().contains("--baud"),
            "no CLI option in a library message"
        );
        // A rate the adapter manages works.
        let (mut s, _) = session(chip, Adapter::GarblesAbove(460_800), stub);
        assert_eq!(s.change_baud(460_800).unwrap(), BaudChange::Changed);
        assert!(answers(&mut s));
    }
}
