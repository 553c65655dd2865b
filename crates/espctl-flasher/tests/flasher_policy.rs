//! `Flasher::open` and what it leaves behind, as a front end other than the CLI sees
//! them: which loader runs and at which rate for each kind of work, the events that
//! explain it, scanning past ports without a chip, and the after-action on `finish` or
//! on drop.

use espctl_chips::esp32::ESP32;
use espctl_chips::esp8266::ESP8266;
use espctl_chips::{Chip, FlashSize};
use espctl_flasher::ports::PortFilter;
use espctl_flasher::stub::StubStore;
use espctl_flasher::transport::{OpenError, PortOpener, Transport};
use espctl_flasher::{
    After, Before, ConnectOptions, ConnectPlan, Event, EventSink, FAST_BAUD, Flasher, Limitation,
    LoaderKind, Need, PortSpec, ROM_BAUD, Session, StubSource,
};
use espctl_virtual::{DeviceConfig, DeviceState};
use espctl_virtual_port::{VirtualChip, VirtualPorts};
use std::sync::{Arc, Mutex};

/// Opens `chip-under-test` on a chip the test keeps hold of (so it can look at the
/// chip afterwards); every other name is left to the other openers.
struct OnChip(VirtualChip);

impl PortOpener for OnChip {
    fn open(&self, name: &str, baud: u32) -> Option<Result<Box<dyn Transport>, OpenError>> {
        (name == "chip-under-test")
            .then(|| Ok(Box::new(self.0.port(baud).named(name)) as Box<dyn Transport>))
    }
}

fn chip(kind: &'static Chip) -> VirtualChip {
    VirtualChip::new(DeviceConfig::new(kind, 4 << 20)).unwrap()
}

fn on(chip: &VirtualChip) -> PortSpec {
    PortSpec::named("chip-under-test").with_opener(OnChip(chip.clone()))
}

fn recorder() -> (EventSink, Arc<Mutex<Vec<Event>>>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let l = log.clone();
    (Arc::new(move |e| l.lock().unwrap().push(e)), log)
}

fn installed() -> StubSource {
    StubSource::Store(StubStore::in_data_dir(espctl_testkit::stub_data_dir()))
}

#[test]
fn flash_work_gets_the_stub_and_the_fast_rate_and_leaves_both_as_they_were() {
    for kind in [&ESP8266, &ESP32] {
        let device = chip(kind);
        let (events, log) = recorder();
        let plan = ConnectPlan::new(Need::FlashData)
            .stub(installed())
            .after(After::NoResetStub);
        let flasher = Flasher::open(&on(&device), &plan, events).unwrap();
        assert_eq!(flasher.loader().kind(), LoaderKind::Stub, "{}", kind.name);
        let mut flasher = flasher;
        assert_eq!(flasher.baud(), FAST_BAUD, "{}", kind.name);
        assert!(
            flasher.flash_md5(0, 4096).is_ok(),
            "the link works at the fast rate"
        );
        let connected = log
            .lock()
            .unwrap()
            .iter()
            .find_map(|e| match e {
                Event::Connected { chip, info, .. } => Some((chip.name, info.mac.clone())),
                _ => None,
            })
            .expect("a Connected event");
        assert_eq!(connected.0, kind.name);
        assert!(connected.1.is_ok());
        // The stub stays for the next connection, which starts at the ROM's rate.
        flasher.finish().unwrap();
        assert_eq!(device.settled_state(), DeviceState::Stub);
        let options = ConnectOptions::default()
            .before(Before::NoReset)
            .attempts(1);
        let (events, _) = recorder();
        let next = Session::connect(Box::new(device.port(ROM_BAUD)), &options, events)
            .expect("the stub talks at 115200 again");
        assert_eq!(next.loader().kind(), LoaderKind::Stub);
    }
}

#[test]
fn register_work_stays_with_the_rom_at_its_rate() {
    let device = chip(&ESP32);
    let (events, log) = recorder();
    let plan = ConnectPlan::new(Need::Registers).stub(installed());
    let mut flasher = Flasher::open(&on(&device), &plan, events).unwrap();
    assert_eq!(flasher.loader().kind(), LoaderKind::Rom);
    assert_eq!(flasher.baud(), ROM_BAUD);
    assert_eq!(
        flasher.detect_flash_size().unwrap(),
        Some(FlashSize::Mb4),
        "the ROM reads the flash ID"
    );
    drop(flasher);
    let log = log.lock().unwrap();
    assert!(
        !log.iter()
            .any(|e| matches!(e, Event::StubUploading | Event::BaudChanging { .. })),
        "{log:?}"
    );
}

#[test]
fn without_a_stub_the_rom_works_and_its_limits_are_reported() {
    let empty = tempfile::tempdir().unwrap();
    for (source, reported) in [
        (
            StubSource::Store(StubStore::in_data_dir(empty.path())),
            true,
        ),
        (StubSource::Disabled, false),
    ] {
        let device = chip(&ESP8266);
        let (events, log) = recorder();
        let plan = ConnectPlan::new(Need::FlashData).stub(source);
        let mut flasher = Flasher::open(&on(&device), &plan, events).unwrap();
        assert_eq!(flasher.loader().kind(), LoaderKind::Rom);
        let limits = log.lock().unwrap().iter().find_map(|e| match e {
            Event::StubNotInstalled { limits, .. } => Some(limits.clone()),
            _ => None,
        });
        if reported {
            let limits = limits.expect("the missing stub is reported");
            assert!(limits.contains(&Limitation::NoVerify), "{limits:?}");
        } else {
            assert_eq!(limits, None, "--no-stub is a choice, not news");
        }
        // The ESP8266 ROM cannot hash flash: the library says so instead of guessing.
        let err = flasher.flash_md5(0, 4096).unwrap_err();
        assert_eq!(err.hint(), Some(espctl_flasher::Hint::UseStub), "{err}");
        flasher.abandon();
    }
}

#[test]
fn dropping_a_flasher_does_its_after_action() {
    let device = chip(&ESP32);
    let (events, _) = recorder();
    let plan = ConnectPlan::new(Need::Registers).after(After::HardReset);
    let flasher = Flasher::open(&on(&device), &plan, events).unwrap();
    drop(flasher);
    assert_eq!(device.settled_state(), DeviceState::RunningFlash);

    // Abandoning it leaves the chip in its loader.
    let (events, _) = recorder();
    let flasher = Flasher::open(&on(&device), &plan, events).unwrap();
    flasher.abandon();
    assert_eq!(device.settled_state(), DeviceState::RomLoader);
}

#[test]
fn a_scan_skips_ports_without_a_chip_and_says_why() {
    let device = chip(&ESP8266);
    let filter = PortFilter::parse(&["name=virtual"]).unwrap();
    let port = PortSpec::scan(
        filter,
        vec!["virtual:esp9000".into(), "virtual:chip-under-test".into()],
    )
    .with_opener(Renamed(OnChip(device.clone())))
    .with_opener(VirtualPorts);
    let (events, log) = recorder();
    let plan = ConnectPlan::new(Need::Registers)
        .connect(ConnectOptions::default().before(Before::DefaultReset));
    let flasher = Flasher::open(&port, &plan, events).unwrap();
    assert_eq!(flasher.chip().name, "ESP8266");
    flasher.abandon();
    let log = log.lock().unwrap();
    assert!(matches!(log[0], Event::PortsFound { count: 2 }), "{log:?}");
    let failed: Vec<_> = log
        .iter()
        .filter_map(|e| match e {
            Event::PortFailed { port, error } => Some((port.clone(), error.to_string())),
            _ => None,
        })
        .collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].0, "virtual:esp9000");
    assert!(failed[0].1.contains("unknown chip 'esp9000'"), "{failed:?}");

    // Nothing answers anywhere: one error that says how many ports were tried.
    let port = PortSpec::scan(
        PortFilter::parse(&["name=virtual"]).unwrap(),
        vec!["virtual:esp9000".into()],
    )
    .with_opener(VirtualPorts);
    let (events, _) = recorder();
    let err = Flasher::open(&port, &plan, events).err().unwrap();
    assert!(
        matches!(err, espctl_flasher::Error::NoPortConnected { tried: 1 }),
        "{err}"
    );
}

/// Opens `virtual:chip-under-test` as `chip-under-test` (before the virtual opener,
/// which would take the name for a chip).
struct Renamed(OnChip);

impl PortOpener for Renamed {
    fn open(&self, name: &str, baud: u32) -> Option<Result<Box<dyn Transport>, OpenError>> {
        self.0.open(name.strip_prefix("virtual:")?, baud)
    }
}
