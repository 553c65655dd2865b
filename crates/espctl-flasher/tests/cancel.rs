//! Cancelling work through the plan's [`Cancel`] token: the operation stops between
//! blocks with [`Error::Interrupted`], whose account of the flash matches the chip's
//! flash, and the chip is left answering at the rate the next connection starts with.

use espctl_chips::Chip;
use espctl_chips::esp32::ESP32;
use espctl_chips::esp8266::ESP8266;
use espctl_flasher::stub::StubStore;
use espctl_flasher::transport::{OpenError, PortOpener, Transport};
use espctl_flasher::{
    After, Before, Cancel, ConnectOptions, ConnectPlan, Error, Event, EventSink, FlashFile,
    Flasher, Interruption, LoaderKind, Need, Operation, PortSpec, ROM_BAUD, Session, StubSource,
    WriteOptions, ignore_events,
};
use espctl_virtual::DeviceConfig;
use espctl_virtual_port::VirtualChip;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

struct OnChip(VirtualChip);

impl PortOpener for OnChip {
    fn open(&self, name: &str, baud: u32) -> Option<Result<Box<dyn Transport>, OpenError>> {
        (name == "chip-under-test")
            .then(|| Ok(Box::new(self.0.port(baud).named(name)) as Box<dyn Transport>))
    }
}

/// Events that cancel `cancel` at the `n`th progress report of `op`.
fn cancelling_at(n: usize, op: Operation, cancel: Cancel) -> EventSink {
    let seen = AtomicUsize::new(0);
    Arc::new(move |e| {
        if let Event::Progress { op: o, .. } = e
            && o == op
            && seen.fetch_add(1, Ordering::SeqCst) + 1 == n
        {
            cancel.cancel();
        }
    })
}

fn open(device: &VirtualChip, stub: bool, events: EventSink, cancel: &Cancel) -> Flasher {
    let source = if stub {
        StubSource::Store(StubStore::in_data_dir(espctl_testkit::stub_data_dir()))
    } else {
        StubSource::Disabled
    };
    let plan = ConnectPlan::new(Need::FlashData)
        .stub(source)
        .after(After::NoResetStub)
        .connect(ConnectOptions::default().cancel(cancel.clone()));
    let port = PortSpec::named("chip-under-test").with_opener(OnChip(device.clone()));
    Flasher::open(&port, &plan, events).unwrap()
}

/// The account must match the flash: every written byte holds the image, and the
/// ranges cover the file without a gap.
fn check_account(state: &Interruption, flash: &[u8], addr: usize, image: &[u8], what: &str) {
    let mut all: Vec<_> = state.written.iter().chain(&state.not_written).collect();
    all.sort_by_key(|r| r.start);
    assert_eq!(all.first().unwrap().start as usize, addr, "{what}: {state}");
    assert_eq!(
        all.last().unwrap().end as usize,
        addr + image.len(),
        "{what}: {state}"
    );
    for w in all.windows(2) {
        assert_eq!(w[0].end, w[1].start, "{what}: {state}");
    }
    for r in &state.written {
        let (s, e) = (r.start as usize, r.end as usize);
        assert!(
            flash[s..e] == image[s - addr..e - addr],
            "{what}: {r:x?} said written"
        );
    }
    let last = state.not_written.last().expect("the stop came early");
    let (s, e) = (last.start as usize, last.end as usize);
    assert!(
        flash[s..e] != image[s - addr..e - addr],
        "{what}: {last:x?} said not written"
    );
}

#[test]
fn a_cancelled_write_stops_between_blocks_and_says_what_the_flash_holds() {
    let cases: [(&'static Chip, bool, Option<bool>); 5] = [
        (&ESP8266, false, Some(false)),
        (&ESP32, false, Some(false)),
        (&ESP32, true, Some(false)),
        (&ESP32, true, Some(true)),
        (&ESP8266, true, Some(true)),
    ];
    for (kind, stub, compress) in cases {
        let what = format!("{} stub={stub} compress={compress:?}", kind.name);
        let device = VirtualChip::new(DeviceConfig::new(kind, 4 << 20)).unwrap();
        let cancel = Cancel::new();
        let events = cancelling_at(3, Operation::Write, cancel.clone());
        let mut flasher = open(&device, stub, events, &cancel);
        let image = espctl_testkit::noise(300_000, 7);
        let mut options = WriteOptions::default();
        options.compress = compress;
        let err = flasher
            .write_flash(vec![FlashFile::new(0x20000, image.clone(), None)], &options)
            .expect_err("cancelled");
        let Error::Interrupted(state) = err else {
            panic!("{what}: {err}")
        };
        assert!(!state.written.is_empty(), "{what}: {state}");
        assert_eq!(state.verified, kind.name == "ESP32" || stub, "{what}");
        flasher.finish().expect("the loader answers after the stop");
        let flash = device.device().flash().to_vec();
        check_account(&state, &flash, 0x20000, &image, &what);
        if stub {
            // The stub stays, at the rate the next connection starts with.
            let options = ConnectOptions::default()
                .before(Before::NoReset)
                .attempts(1);
            let next = Session::connect(Box::new(device.port(ROM_BAUD)), &options, ignore_events())
                .expect("the stub talks at 115200 again");
            assert_eq!(next.loader().kind(), LoaderKind::Stub, "{what}");
        }
    }
}

#[test]
fn a_cancelled_read_stops_and_the_stub_takes_commands_again() {
    let device = VirtualChip::new(DeviceConfig::new(&ESP32, 4 << 20)).unwrap();
    let cancel = Cancel::new();
    let events = cancelling_at(2, Operation::Read, cancel.clone());
    let mut flasher = open(&device, true, events, &cancel);
    let err = flasher.read_flash(0, 1 << 20).expect_err("cancelled");
    let Error::Interrupted(state) = err else {
        panic!("{err}")
    };
    assert!(state.flash_untouched(), "{state}");
    assert_eq!(state.to_string(), "Interrupted: the flash was not changed");
    flasher.finish().expect("the stub answers after the stop");
    let options = ConnectOptions::default()
        .before(Before::NoReset)
        .attempts(1);
    Session::connect(Box::new(device.port(ROM_BAUD)), &options, ignore_events())
        .expect("the stub talks at 115200 again");
}

#[test]
fn a_cancelled_connection_gives_up_before_the_next_attempt() {
    let device = VirtualChip::new(DeviceConfig::new(&ESP32, 4 << 20)).unwrap();
    let cancel = Cancel::new();
    cancel.cancel();
    let options = ConnectOptions::default().cancel(cancel);
    let err = Session::connect(Box::new(device.port(ROM_BAUD)), &options, ignore_events())
        .err()
        .expect("cancelled");
    assert!(matches!(err, Error::Interrupted(_)), "{err}");
}
